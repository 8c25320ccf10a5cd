#include "sync/ledger/ledger_service.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <exception>
#include <utility>
#include <vector>

#include "sync/protocol/envelope.h"
#include "sync/protocol/topics.h"

namespace scanedge::ledger {

namespace {

// A topic as it may appear in a log line: bounded, control characters replaced.
std::string printable(std::string_view s) {
  constexpr std::size_t kMax = 200;
  std::string out;
  for (char c : s.substr(0, kMax)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? '?' : c;
  }
  if (s.size() > kMax) out += "...";
  return out;
}

}  // namespace

LedgerService::LedgerService(Transport& transport, LedgerStore& store, ServiceOptions options)
    : transport_(transport), store_(store), options_(options) {}

LedgerService::~LedgerService() { stop(); }

Status LedgerService::start() {
  {
    std::lock_guard lock(mu_);
    if (started_) return make_error("already_started", "the ledger service was already started");
    started_ = true;
    stopping_ = false;
    worker_exit_ = false;
    acker_exit_ = false;
  }
  worker_ = std::thread([this] { run(); });
  acker_ = std::thread([this] { run_acks(); });
  transport_.on_message([this](const Message& m) { enqueue(m); });
  if (auto s = transport_.subscribe(sync::kLedgerEventsSubscription, 1); !s) {
    stop();
    return s;
  }
  if (auto s = transport_.start(); !s) {
    stop();
    return s;
  }
  spdlog::info("ledger: subscribed to {} (max payload {} bytes)", sync::kLedgerEventsSubscription,
               options_.max_payload_bytes);
  return {};
}

void LedgerService::stop() {
  {
    std::lock_guard lock(mu_);
    if (!started_) return;
    stopping_ = true;
  }
  space_cv_.notify_all();
  transport_.stop();  // after this no handler runs
  {
    std::lock_guard lock(mu_);
    worker_exit_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
  {
    std::lock_guard lock(mu_);
    acker_exit_ = true;
  }
  ack_cv_.notify_all();
  if (acker_.joinable()) acker_.join();
  std::lock_guard lock(mu_);
  started_ = false;
}

ServiceStats LedgerService::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void LedgerService::enqueue(const Message& m) {
  std::unique_lock lock(mu_);
  ++stats_.received;
  space_cv_.wait(lock, [&] { return queue_.size() < options_.max_queued || stopping_; });
  queue_.push_back(m);
  lock.unlock();
  cv_.notify_one();
}

void LedgerService::run() {
  for (;;) {
    std::deque<Message> group;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return !queue_.empty() || worker_exit_; });
      if (queue_.empty()) return;  // worker_exit_ and nothing left
      std::size_t bytes = 0;
      while (!queue_.empty() && (group.empty() || bytes + queue_.front().payload.size() <= options_.max_group_bytes)) {
        bytes += queue_.front().payload.size();
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    space_cv_.notify_all();
    try {
      process(group);
    } catch (const std::exception& e) {  // e.g. bad_alloc: log and keep serving
      spdlog::error("ledger: failed to process {} message(s): {}", group.size(), e.what());
      std::lock_guard lock(mu_);
      ++stats_.storage_failures;
    }
  }
}

void LedgerService::reject(const Message& m, const Error& why) {
  spdlog::warn("ledger: rejected message on topic \"{}\" ({} bytes): {}: {}", printable(m.topic), m.payload.size(),
               why.code, why.message);
  std::lock_guard lock(mu_);
  ++stats_.rejected;
}

void LedgerService::process(std::deque<Message>& group) {
  std::vector<sync::Batch> batches;
  batches.reserve(group.size());
  for (const Message& m : group) {
    auto topic = sync::parse_topic(m.topic);
    if (!topic) {
      reject(m, topic.error());
      continue;
    }
    if (topic->kind != sync::TopicKind::events) {
      reject(m, make_error("bad_topic", "not an events topic"));
      continue;
    }
    auto batch = sync::decode_batch(m.payload, options_.max_payload_bytes);
    if (!batch) {
      reject(m, batch.error());
      continue;
    }
    if (batch->address != topic->address) {
      reject(m, make_error("mismatch", "batch is from site \"" + batch->address.site + "\" device \"" +
                                           batch->address.device + "\" but was published on the topic of site \"" +
                                           topic->address.site + "\" device \"" + topic->address.device + "\""));
      continue;
    }
    if (batch->stream != *topic->stream) {
      reject(m, make_error("mismatch", "batch is for stream \"" + std::string(to_string(batch->stream)) +
                                           "\" but was published on the topic of stream \"" +
                                           std::string(to_string(*topic->stream)) + "\""));
      continue;
    }
    batches.push_back(std::move(*batch));
  }
  if (batches.empty()) return;

  std::vector<const sync::Batch*> ptrs;
  ptrs.reserve(batches.size());
  for (const sync::Batch& b : batches) ptrs.push_back(&b);
  auto outcomes = store_.apply_all(ptrs);
  if (!outcomes) {
    spdlog::error("ledger: could not apply {} batch(es), nothing stored, no ack sent: {}: {}", batches.size(),
                  outcomes.error().code, outcomes.error().message);
    std::lock_guard lock(mu_);
    ++stats_.storage_failures;
    return;
  }

  // One cumulative ack per (device, stream), in first-seen order; "expect" when any of its
  // batches met a gap (the device resends from there).
  struct Pending {
    const sync::DeviceAddress* address;
    sync::Ack ack;
  };
  std::vector<Pending> acks;
  ServiceStats delta;
  for (std::size_t i = 0; i < batches.size(); ++i) {
    const sync::Batch& b = batches[i];
    const ApplyOutcome& o = (*outcomes)[i];
    ++delta.batches;
    delta.events_applied += static_cast<std::uint64_t>(o.applied);
    delta.duplicates += static_cast<std::uint64_t>(o.duplicates);
    delta.unprojected += static_cast<std::uint64_t>(o.unprojected);
    delta.shed += static_cast<std::uint64_t>(o.shed);
    if (o.shed > 0) {
      spdlog::info("ledger: {}/{} {}: the device shed telemetry seqs {}..{} at its outbox cap (never coming)",
                   b.address.site, b.address.device, to_string(b.stream), o.acked_through - o.shed - o.applied + 1,
                   o.acked_through - o.applied);
    }
    if (o.expect) {
      ++delta.gaps;
      spdlog::info("ledger: gap from {}/{} {}: got seq {}..{}, expecting {}", b.address.site, b.address.device,
                   to_string(b.stream), b.events.front().seq, b.events.back().seq, *o.expect);
    }
    Pending* p = nullptr;
    for (Pending& q : acks) {
      if (*q.address == b.address && q.ack.stream == b.stream) p = &q;
    }
    if (p == nullptr) {
      acks.push_back(Pending{&b.address, sync::Ack{b.stream, 0, std::nullopt}});
      p = &acks.back();
    }
    p->ack.acked_through = o.acked_through;
    if (o.expect || p->ack.expect) p->ack.expect = o.acked_through + 1;
  }
  {
    std::lock_guard lock(mu_);
    stats_.batches += delta.batches;
    ++stats_.transactions;
    stats_.events_applied += delta.events_applied;
    stats_.duplicates += delta.duplicates;
    stats_.unprojected += delta.unprojected;
    stats_.shed += delta.shed;
    stats_.gaps += delta.gaps;
  }
  {
    std::lock_guard lock(mu_);
    for (const Pending& p : acks) {
      acks_.insert_or_assign(std::make_tuple(p.address->site, p.address->device, p.ack.stream), p.ack);
    }
  }
  ack_cv_.notify_one();
}

void LedgerService::run_acks() {
  for (;;) {
    std::map<std::tuple<std::string, std::string, Stream>, sync::Ack> due;
    {
      std::unique_lock lock(mu_);
      ack_cv_.wait(lock, [&] { return !acks_.empty() || acker_exit_; });
      if (acks_.empty()) return;  // acker_exit_ and nothing left
      due.swap(acks_);
    }
    for (const auto& [key, ack] : due) {
      publish_ack(sync::DeviceAddress{std::get<0>(key), std::get<1>(key)}, ack);
    }
  }
}

void LedgerService::publish_ack(const sync::DeviceAddress& address, const sync::Ack& ack) {
  const std::string topic = sync::ack_topic(address, ack.stream);
  const std::string payload = sync::encode_ack(ack);
  // "busy" (too many QoS 1 publishes in flight) is transient: retry for a short while.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  for (;;) {
    auto s = transport_.publish(topic, payload, 1, false);
    if (s) {
      std::lock_guard lock(mu_);
      ++stats_.acks_published;
      return;
    }
    bool stopping = false;
    {
      std::lock_guard lock(mu_);
      stopping = stopping_;
    }
    if (s.error().code == "busy" && !stopping && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      continue;
    }
    spdlog::warn("ledger: could not publish ack {} on {}: {}: {} (the device will resend and be acked again)", payload,
                 topic, s.error().code, s.error().message);
    std::lock_guard lock(mu_);
    ++stats_.ack_failures;
    return;
  }
}

}  // namespace scanedge::ledger
