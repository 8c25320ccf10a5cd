#include "sync/device/sync_engine.h"

#include <algorithm>
#include <span>
#include <string>
#include <utility>

#include <spdlog/spdlog.h>

#include "sync/device/status_payload.h"
#include "sync/protocol/envelope.h"

namespace scanedge::sync {

namespace {
constexpr std::size_t kMaxInbox = 10000;           // queued inbound messages before dropping
constexpr auto kIdleWait = std::chrono::milliseconds(100);   // re-check timers / outbox when idle
constexpr auto kBusyWait = std::chrono::milliseconds(5);     // transport in-flight window full
constexpr auto kFailWait = std::chrono::milliseconds(50);    // not connected / other failure
constexpr auto kStorageWait = std::chrono::milliseconds(200);  // outbox read failed
}  // namespace

SyncEngine::SyncEngine(Outbox& outbox, Transport& transport, Clock& clock, SyncOptions options)
    : outbox_(outbox), transport_(transport), clock_(clock), opts_(std::move(options)) {}

SyncEngine::~SyncEngine() { stop(); }

void SyncEngine::on_downlink(DownlinkHandler handler) { downlink_ = std::move(handler); }

Status SyncEngine::start() {
  {
    std::lock_guard lock(mu_);
    if (started_) return make_error("already_started", "SyncEngine::start() called twice");
  }
  if (!valid_id(opts_.address.site)) return make_error("bad_option", "sync: invalid site id '" + opts_.address.site + "'");
  if (!valid_id(opts_.address.device)) {
    return make_error("bad_option", "sync: invalid device id '" + opts_.address.device + "'");
  }
  if (opts_.batch_max_events < 1) return make_error("bad_option", "sync: batch_max_events must be >= 1");
  if (opts_.batch_max_bytes < 1) return make_error("bad_option", "sync: batch_max_bytes must be >= 1");
  if (opts_.window_events < 1) return make_error("bad_option", "sync: window_events must be >= 1");
  if (opts_.ack_timeout.count() <= 0) return make_error("bad_option", "sync: ack_timeout must be > 0");
  for (Stream s : kAllStreams) {
    auto st = outbox_.stats(s);
    if (!st) return st.error();
    auto& c = cursor(s);
    c.acked_through = st->acked_through;
    c.sent_through = st->acked_through;
    c.last_progress = clock_.monotonic();
  }
  transport_.on_message([this](const Message& m) { on_transport_message(m); });
  transport_.on_connection([this](bool up) {
    Inbound item;
    item.kind = Inbound::Kind::connection;
    item.up = up;
    enqueue(std::move(item));
  });
  for (Stream s : kAllStreams) {
    if (auto r = transport_.subscribe(ack_topic(opts_.address, s), 1); !r) return r;
  }
  if (auto r = transport_.subscribe(tasks_topic(opts_.address), 1); !r) return r;
  if (auto r = transport_.subscribe(config_topic(opts_.address), 1); !r) return r;
  publish_snapshot();
  {
    std::lock_guard lock(mu_);
    started_ = true;
    stopping_ = false;
  }
  if (auto r = transport_.start(); !r) {
    std::lock_guard lock(mu_);
    started_ = false;
    return r;
  }
  thread_ = std::thread([this] { run(); });
  return {};
}

void SyncEngine::stop() {
  {
    std::lock_guard lock(mu_);
    if (!started_ || stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (transport_.connected()) {
    auto r = transport_.publish(status_topic(opts_.address), status_payload(opts_.address, false, clock_.wall()), 1,
                                true);
    if (!r) spdlog::debug("sync: offline status not published: {}", r.error().message);
  }
  transport_.stop();
}

Status SyncEngine::set_tuning(const SyncOptions& tuning) {
  if (tuning.batch_max_events == 0 || tuning.batch_max_bytes == 0 || tuning.window_events <= 0 ||
      tuning.ack_timeout.count() <= 0) {
    return make_error("bad_option", "sync tuning: batch sizes, window and ack timeout must be positive");
  }
  Inbound item;
  item.kind = Inbound::Kind::tuning;
  item.tuning = tuning;
  enqueue(std::move(item));
  return {};
}

void SyncEngine::set_status_config(nlohmann::json config) {
  Inbound item;
  item.kind = Inbound::Kind::status;
  item.status_config = std::move(config);
  enqueue(std::move(item));
}

void SyncEngine::notify_committed() {
  {
    std::lock_guard lock(mu_);
    wake_ = true;
  }
  cv_.notify_one();
}

SyncStatus SyncEngine::status() const {
  SyncStatus s;
  {
    std::lock_guard lock(mu_);
    s = snapshot_;
  }
  s.ignored_messages = ignored_.load();
  s.oversized_messages = oversized_.load();
  for (Stream st : kAllStreams) {
    auto stats = outbox_.stats(st);
    if (!stats) continue;
    auto& out = s.streams[static_cast<std::size_t>(st)];
    out.last_seq = stats->last_seq;
    out.depth = stats->depth;
    out.shed = stats->shed;
  }
  return s;
}

void SyncEngine::enqueue(Inbound item) {
  {
    std::lock_guard lock(mu_);
    const bool control = item.kind == Inbound::Kind::tuning || item.kind == Inbound::Kind::status;
    if (inbox_.size() >= kMaxInbox && !control) {  // control items are rare and never dropped
      ++ignored_;
      spdlog::warn("sync: inbound queue full ({} messages); dropping a message on '{}'", kMaxInbox, item.message.topic);
      return;
    }
    inbox_.push_back(std::move(item));
  }
  cv_.notify_one();
}

// Transport thread: check and enqueue only.
void SyncEngine::on_transport_message(const Message& m) {
  if (m.payload.size() > opts_.max_downlink_bytes) {
    ++oversized_;
    spdlog::warn("sync: dropped {}-byte message on '{}': larger than max_downlink_bytes {}", m.payload.size(), m.topic,
                 opts_.max_downlink_bytes);
    return;
  }
  auto parsed = parse_topic(m.topic);
  if (!parsed) {
    ++ignored_;
    spdlog::warn("sync: ignored message on foreign topic '{}': {}", m.topic, parsed.error().message);
    return;
  }
  if (parsed->address != opts_.address) {
    ++ignored_;
    spdlog::warn("sync: ignored message for another device on '{}'", m.topic);
    return;
  }
  Inbound item;
  item.topic_kind = parsed->kind;
  item.message = m;
  switch (parsed->kind) {
    case TopicKind::ack:
      if (!parsed->stream) {
        ++ignored_;
        spdlog::warn("sync: ignored ack without a stream on '{}'", m.topic);
        return;
      }
      item.kind = Inbound::Kind::ack;
      item.stream = *parsed->stream;
      break;
    case TopicKind::tasks:
    case TopicKind::config:
      item.kind = Inbound::Kind::downlink;
      break;
    default:
      ++ignored_;
      spdlog::warn("sync: ignored message on '{}': not a downlink topic", m.topic);
      return;
  }
  enqueue(std::move(item));
}

void SyncEngine::rewind(Cursor& c, const char* why) {
  if (c.sent_through > c.acked_through) {
    spdlog::info("sync: resending from seq {} ({}; {} events were in flight)", c.acked_through + 1, why,
                 c.sent_through - c.acked_through);
    c.sent_through = c.acked_through;
    ++c.resends;
  }
  c.last_progress = clock_.monotonic();
}

void SyncEngine::handle(Inbound& item) {
  switch (item.kind) {
    case Inbound::Kind::tuning:
      opts_.batch_max_events = item.tuning.batch_max_events;
      opts_.batch_max_bytes = item.tuning.batch_max_bytes;
      opts_.window_events = item.tuning.window_events;
      opts_.ack_timeout = item.tuning.ack_timeout;
      opts_.telemetry_expiry = item.tuning.telemetry_expiry;
      spdlog::info("sync: tuning now batch {} events / {} bytes, window {}, ack timeout {} ms", opts_.batch_max_events,
                   opts_.batch_max_bytes, opts_.window_events, opts_.ack_timeout.count());
      return;
    case Inbound::Kind::status:
      status_config_ = std::move(item.status_config);
      need_birth_ = true;  // republished (retained) as soon as connected
      return;
    case Inbound::Kind::connection:
      if (item.up) {
        connected_ = true;
        need_birth_ = true;
        for (auto& c : cursors_) {
          rewind(c, "reconnected");
          c.damped_expect = 0;
        }
      } else {
        connected_ = false;
      }
      break;
    case Inbound::Kind::ack:
      handle_ack(item.stream, item.message.payload);
      break;
    case Inbound::Kind::downlink:
      ++downlinks_;
      if (downlink_) {
        try {
          downlink_(item.topic_kind, item.message);
        } catch (const std::exception& e) {
          spdlog::error("sync: downlink handler threw on '{}': {}", item.message.topic, e.what());
        }
      }
      break;
  }
}

void SyncEngine::handle_ack(Stream topic_stream, const std::string& payload) {
  const auto stream_name = std::string(to_string(topic_stream));
  auto ack = decode_ack(payload);
  if (!ack) {
    ++bad_acks_;
    spdlog::warn("sync: ignored bad ack on ack/{}: {}", stream_name, ack.error().message);
    return;
  }
  if (ack->stream != topic_stream) {
    ++bad_acks_;
    spdlog::warn("sync: ignored ack for stream '{}' received on ack/{}", to_string(ack->stream), stream_name);
    return;
  }
  if (ack->expect && *ack->expect != ack->acked_through + 1) {
    ++bad_acks_;
    spdlog::warn("sync: ignored ack on ack/{}: expect {} is not acked_through {} + 1", stream_name, *ack->expect,
                 ack->acked_through);
    return;
  }
  auto& c = cursor(topic_stream);
  const auto now = clock_.monotonic();
  if (ack->acked_through < c.acked_through) {
    ++stale_acks_;
    spdlog::debug("sync: stale ack {} on ack/{} (already acked through {})", ack->acked_through, stream_name,
                  c.acked_through);
    return;
  }
  if (ack->acked_through > c.acked_through) {
    auto r = outbox_.apply_ack(topic_stream, ack->acked_through);
    if (!r) {
      ++bad_acks_;
      spdlog::warn("sync: ignored ack {} on ack/{}: {}", ack->acked_through, stream_name, r.error().message);
      return;
    }
    ++acks_applied_;
    c.acked_through = ack->acked_through;
    c.sent_through = std::max(c.sent_through, c.acked_through);
    c.last_progress = now;
    c.damped_expect = 0;
  } else {
    ++duplicate_acks_;
  }
  c.last_ack = now;
  if (ack->expect) {
    const auto m = *ack->expect;
    if (c.sent_through >= m && c.damped_expect != m) {
      c.damped_expect = m;
      rewind(c, "ledger expects an earlier seq");
    }
  }
}

SyncEngine::SendResult SyncEngine::send_one() {
  for (Stream s : kAllStreams) {
    auto& c = cursor(s);
    const std::int64_t room = opts_.window_events - (c.sent_through - c.acked_through);
    if (room <= 0) continue;
    const auto max_events = std::min<std::size_t>(opts_.batch_max_events, static_cast<std::size_t>(room));
    auto page = outbox_.read_page(s, c.sent_through, max_events, opts_.batch_max_bytes);
    if (!page) {
      spdlog::error("sync: reading the {} outbox failed: {}", to_string(s), page.error().message);
      retry_wait_ = kStorageWait;
      return SendResult::failed;
    }
    auto& events = *page;
    if (events.empty()) continue;
    // A batch holds consecutive seqs: cut at the first discontinuity (should never happen).
    std::size_t n = 1;
    while (n < events.size() && events[n].seq == events[n - 1].seq + 1) ++n;
    // A jump is telemetry the outbox shed at its size cap: tell the ledger those seqs will
    // never come (batch "shed_through"), or it would wait for them forever.
    std::int64_t shed_through = 0;
    if (events.front().seq != c.sent_through + 1) {
      auto st = s == Stream::telemetry ? outbox_.stats(s) : Result<StreamStats>(StreamStats{});
      if (st && st->shed_through > c.sent_through) {
        shed_through = std::min(st->shed_through, events.front().seq - 1);
        spdlog::info("sync: telemetry seqs {}..{} were shed at the outbox cap; telling the ledger",
                     c.sent_through + 1, shed_through);
      } else {
        spdlog::warn("sync: {} outbox jumps from seq {} to {}", to_string(s), c.sent_through, events.front().seq);
      }
    }
    const std::span<const StoredEvent> batch(events.data(), n);
    // Telemetry carries an MQTT 5 message expiry; exec never expires.
    const auto expiry = s == Stream::telemetry ? opts_.telemetry_expiry : std::chrono::seconds{0};
    auto r = transport_.publish_expiring(events_topic(opts_.address, s), encode_batch(opts_.address, s, batch, shed_through), 1,
                                         false, expiry);
    if (!r) {
      ++publish_failures_;
      retry_wait_ = r.error().code == "busy" ? kBusyWait : kFailWait;
      spdlog::debug("sync: publishing a {} batch failed: {}", to_string(s), r.error().message);
      return SendResult::failed;
    }
    if (c.sent_through == c.acked_through) c.last_progress = clock_.monotonic();  // in-flight period starts
    c.sent_through = batch.back().seq;
    ++c.batches_sent;
    c.events_sent += n;
    return SendResult::sent;
  }
  return SendResult::idle;
}

void SyncEngine::publish_snapshot() {
  const auto now = clock_.monotonic();
  std::lock_guard lock(mu_);
  snapshot_.connected = connected_;
  for (Stream s : kAllStreams) {
    const auto& c = cursors_[static_cast<std::size_t>(s)];
    auto& out = snapshot_.streams[static_cast<std::size_t>(s)];
    out.sent_through = c.sent_through;
    out.acked_through = c.acked_through;
    out.batches_sent = c.batches_sent;
    out.events_sent = c.events_sent;
    out.resends = c.resends;
    if (c.last_ack) {
      out.last_ack_age = std::chrono::duration_cast<std::chrono::milliseconds>(now - *c.last_ack);
    }
  }
  snapshot_.acks_applied = acks_applied_;
  snapshot_.duplicate_acks = duplicate_acks_;
  snapshot_.stale_acks = stale_acks_;
  snapshot_.bad_acks = bad_acks_;
  snapshot_.downlinks = downlinks_;
  snapshot_.publish_failures = publish_failures_;
}

void SyncEngine::run() {
  std::deque<Inbound> items;
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      items.swap(inbox_);
      wake_ = false;
    }
    for (auto& item : items) handle(item);
    items.clear();

    auto result = SendResult::idle;
    retry_wait_ = kIdleWait;
    if (connected_) {
      if (need_birth_) {
        auto r = transport_.publish(status_topic(opts_.address),
                                    status_payload(opts_.address, true, clock_.wall(), status_config_), 1, true);
        if (r) {
          need_birth_ = false;
        } else {
          ++publish_failures_;
          retry_wait_ = r.error().code == "busy" ? kBusyWait : kFailWait;
          result = SendResult::failed;
        }
      }
      if (!need_birth_) {
        const auto now = clock_.monotonic();
        for (auto& c : cursors_) {
          if (c.sent_through > c.acked_through && now - c.last_progress >= opts_.ack_timeout) {
            c.damped_expect = 0;
            rewind(c, "ack timeout");
          }
        }
        result = send_one();
      }
    }
    publish_snapshot();
    if (result == SendResult::sent) continue;
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, retry_wait_, [&] { return stopping_ || wake_ || !inbox_.empty(); });
  }
}

}  // namespace scanedge::sync
