// A tiny stand-in for the ledger in sync tests: subscribes to every device's events,
// applies each (device, stream, seq) once and in order, answers with cumulative acks, and
// with `expect` when a batch starts beyond the next expected seq; honours a telemetry batch's
// "shed_through" (those seqs never come). Faults: pause() (receive
// but neither apply nor ack), drop_acks(n) (apply but lose the next n acks), drop_all_acks.
// Thread-safe; handlers run on the transport's thread.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "edge/core/transport.h"
#include "sync/protocol/envelope.h"
#include "sync/protocol/topics.h"

namespace scanedge::testing {

class FakeLedger {
 public:
  struct Applied {
    std::int64_t seq = 0;
    std::string id;
    std::string stream_field;
  };

  explicit FakeLedger(Transport& t) : t_(t) {
    t_.on_message([this](const Message& m) { handle(m); });
    (void)t_.subscribe(sync::kLedgerEventsSubscription, 1);
  }

  void pause(bool p) {
    std::lock_guard lock(mu_);
    paused_ = p;
  }
  void drop_acks(int n) {
    std::lock_guard lock(mu_);
    drop_acks_ = n;
  }
  void drop_all_acks(bool d) {
    std::lock_guard lock(mu_);
    drop_all_ = d;
  }
  std::vector<Applied> applied(Stream s) const {
    std::lock_guard lock(mu_);
    return streams_[static_cast<std::size_t>(s)].applied;
  }
  std::size_t applied_count(Stream s) const {
    std::lock_guard lock(mu_);
    return streams_[static_cast<std::size_t>(s)].applied.size();
  }
  std::int64_t duplicates() const {
    std::lock_guard lock(mu_);
    return duplicates_;
  }
  std::int64_t gaps() const {
    std::lock_guard lock(mu_);
    return gaps_;
  }
  std::int64_t batches() const {
    std::lock_guard lock(mu_);
    return batches_;
  }
  std::int64_t shed() const {
    std::lock_guard lock(mu_);
    return shed_;
  }
  std::int64_t through(Stream s) const {
    std::lock_guard lock(mu_);
    return streams_[static_cast<std::size_t>(s)].through;
  }
  std::int64_t bad() const {
    std::lock_guard lock(mu_);
    return bad_;
  }
  // Stream of each batch received, in arrival order.
  std::vector<Stream> batch_streams() const {
    std::lock_guard lock(mu_);
    return order_;
  }

 private:
  struct StreamState {
    std::int64_t through = 0;
    std::vector<Applied> applied;
  };

  void handle(const Message& m) {
    auto topic = sync::parse_topic(m.topic);
    auto batch = sync::decode_batch(m.payload, 16u << 20);
    if (!topic || !batch || topic->kind != sync::TopicKind::events || batch->events.empty()) {
      std::lock_guard lock(mu_);
      ++bad_;
      return;
    }
    sync::Ack ack;
    {
      std::lock_guard lock(mu_);
      ++batches_;
      order_.push_back(batch->stream);
      if (paused_) return;
      auto& st = streams_[static_cast<std::size_t>(batch->stream)];
      if (batch->shed_through && *batch->shed_through > st.through) {  // shed telemetry never comes
        shed_ += *batch->shed_through - st.through;
        st.through = *batch->shed_through;
      }
      bool gap = false;
      for (const auto& e : batch->events) {
        if (e.seq <= st.through) {
          ++duplicates_;
        } else if (e.seq == st.through + 1) {
          st.through = e.seq;
          std::string field;
          if (auto p = e.json.find("\"stream\":\""); p != std::string::npos) {
            field = e.json.substr(p + 10, e.json.find('"', p + 10) - (p + 10));
          }
          st.applied.push_back(Applied{e.seq, e.id, field});
        } else {
          gap = true;
          ++gaps_;
          break;
        }
      }
      ack.stream = batch->stream;
      ack.acked_through = st.through;
      if (gap) ack.expect = st.through + 1;
      if (drop_all_) return;
      if (drop_acks_ > 0) {
        --drop_acks_;
        return;
      }
    }
    (void)t_.publish(sync::ack_topic(topic->address, ack.stream), sync::encode_ack(ack), 1, false);
  }

  Transport& t_;
  mutable std::mutex mu_;
  StreamState streams_[2];
  std::vector<Stream> order_;
  bool paused_ = false;
  bool drop_all_ = false;
  int drop_acks_ = 0;
  std::int64_t duplicates_ = 0, gaps_ = 0, batches_ = 0, bad_ = 0, shed_ = 0;
};

}  // namespace scanedge::testing
