#include "tests/support/fake_transport.h"

#include <algorithm>
#include <chrono>

namespace scanedge::testing {

namespace {
std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto p = s.find('/', start);
    out.push_back(s.substr(start, p == std::string::npos ? std::string::npos : p - start));
    if (p == std::string::npos) break;
    start = p + 1;
  }
  return out;
}

// "$share/group/filter" -> {group, filter}; other filters -> {"", filter}
std::pair<std::string, std::string> share_of(const std::string& f) {
  if (f.rfind("$share/", 0) != 0) return {"", f};
  const auto slash = f.find('/', 7);
  if (slash == std::string::npos) return {"", f};
  return {f.substr(7, slash - 7), f.substr(slash + 1)};
}
}  // namespace

bool topic_matches(const std::string& filter, const std::string& topic) {
  const auto f = split(filter);
  const auto t = split(topic);
  std::size_t i = 0;
  for (; i < f.size(); ++i) {
    if (f[i] == "#") return true;
    if (i >= t.size()) return false;
    if (f[i] != "+" && f[i] != t[i]) return false;
  }
  return i == t.size();
}

FakeBroker::FakeBroker() : thread_([this] { run(); }) {}

FakeBroker::~FakeBroker() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void FakeBroker::run() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    auto job = std::move(queue_.front());
    queue_.pop_front();
    ++busy_;
    lock.unlock();
    job();
    lock.lock();
    --busy_;
    cv_.notify_all();
  }
}

bool FakeBroker::drain() {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, std::chrono::seconds(5), [&] { return queue_.empty() && busy_ == 0; });
}

void FakeBroker::set_up(bool up) {
  std::vector<FakeTransport*> clients;
  {
    std::lock_guard lock(mu_);
    up_ = up;
    clients = clients_;
  }
  for (auto* c : clients) notify_connection(c);
}

bool FakeBroker::up() const {
  std::lock_guard lock(mu_);
  return up_;
}

void FakeBroker::drop_next(int n) {
  std::lock_guard lock(mu_);
  drop_ = n;
}

std::vector<Message> FakeBroker::published() const {
  std::lock_guard lock(mu_);
  return log_;
}

void FakeBroker::attach(FakeTransport* t) {
  {
    std::lock_guard lock(mu_);
    clients_.push_back(t);
  }
  notify_connection(t);
}

void FakeBroker::detach(FakeTransport* t) {
  std::lock_guard lock(mu_);
  std::erase(clients_, t);
}

void FakeBroker::notify_connection(FakeTransport* t) {
  // The state is captured now, not when the job runs: a quick down/up must be reported as
  // both transitions, as a real client reports them, never coalesced into "still up".
  const bool now = t->connected();
  std::lock_guard lock(mu_);
  queue_.emplace_back([this, t, now] {
    Transport::ConnectionHandler h;
    {
      std::lock_guard l2(mu_);
      if (std::find(clients_.begin(), clients_.end(), t) == clients_.end()) return;
    }
    {
      std::lock_guard tl(t->mu_);
      if (now == t->last_reported_) return;
      t->last_reported_ = now;
      h = t->on_connection_;
    }
    if (h) h(now);
  });
  cv_.notify_all();
}

Status FakeBroker::publish(FakeTransport* from, const Message& m) {
  std::lock_guard lock(mu_);
  if (!up_) return make_error("not_connected", "fake broker is down");
  (void)from;
  log_.push_back(m);
  if (drop_ > 0) {
    --drop_;
    return {};
  }
  // Find receivers: plain subscriptions each get a copy; each shared group gets one copy.
  std::vector<FakeTransport*> receivers;
  std::vector<std::pair<std::string, FakeTransport*>> shared;
  for (auto* c : clients_) {
    std::lock_guard cl(c->mu_);
    if (!c->started_ || !c->link_) continue;
    for (const auto& f : c->filters_) {
      auto [group, filter] = share_of(f);
      if (!topic_matches(filter, m.topic)) continue;
      if (group.empty()) {
        receivers.push_back(c);
      } else {
        shared.emplace_back(group, c);
      }
      break;
    }
  }
  if (!shared.empty()) receivers.push_back(shared[share_rr_++ % shared.size()].second);
  for (auto* r : receivers) {
    queue_.emplace_back([this, r, m] {
      Transport::MessageHandler h;
      {
        std::lock_guard l2(mu_);
        if (std::find(clients_.begin(), clients_.end(), r) == clients_.end()) return;
        if (!up_) return;
      }
      {
        std::lock_guard tl(r->mu_);
        if (!r->link_ || !r->started_) return;
        h = r->on_message_;
      }
      if (h) h(m);
    });
  }
  cv_.notify_all();
  return {};
}

FakeTransport::FakeTransport(FakeBroker& broker) : broker_(broker) {}

FakeTransport::~FakeTransport() { stop(); }

void FakeTransport::on_message(MessageHandler handler) {
  std::lock_guard lock(mu_);
  on_message_ = std::move(handler);
}

void FakeTransport::on_connection(ConnectionHandler handler) {
  std::lock_guard lock(mu_);
  on_connection_ = std::move(handler);
}

Status FakeTransport::subscribe(const std::string& topic_filter, int /*qos*/) {
  std::lock_guard lock(mu_);
  filters_.push_back(topic_filter);
  return {};
}

Status FakeTransport::start() {
  {
    std::lock_guard lock(mu_);
    if (started_) return {};
    started_ = true;
  }
  broker_.attach(this);
  return {};
}

void FakeTransport::stop() {
  {
    std::lock_guard lock(mu_);
    if (!started_) return;
    started_ = false;
  }
  broker_.detach(this);
  broker_.drain();
}

Status FakeTransport::publish(const std::string& topic, const std::string& payload, int /*qos*/, bool /*retained*/) {
  if (!connected()) return make_error("not_connected", "fake transport is not connected");
  return broker_.publish(this, Message{topic, payload});
}

bool FakeTransport::connected() const {
  {
    std::lock_guard lock(mu_);
    if (!started_ || !link_) return false;
  }
  return broker_.up();
}

void FakeTransport::set_link(bool up) {
  {
    std::lock_guard lock(mu_);
    link_ = up;
  }
  broker_.notify_connection(this);
}

}  // namespace scanedge::testing
