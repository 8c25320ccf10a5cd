// SyncEngine: the device side of protocol v1 (uplink of outbox events, downlink of acks,
// tasks and config). Invariants 3, 4 and 5 of the architecture.
//
// Uplink: per stream, pages are read from the outbox after the stream's send cursor
// (`sent_through`), encoded as one batch of consecutive seqs and published QoS 1 on
// `events/{stream}`. The exec stream always goes first: a telemetry batch is sent only when
// exec has nothing sendable. Flow control: at most `window_events` events per stream are in
// flight (sent but not covered by a ledger ack), so memory and broker load are bounded by
// the window and one page, never by the backlog. A publish that fails (not connected, busy)
// keeps the cursor and is retried after a short wait.
//
// Shedding: when the outbox shed telemetry at its size cap (seqs after the send cursor are
// missing up to StreamStats::shed_through), the next telemetry batch carries
// "shed_through" so the ledger stops waiting for those seqs.
//
// Acks (`ack/{stream}` for this device): a valid cumulative ack is applied to the outbox
// (which deletes the covered events: nothing is ever deleted on a broker PUBACK). `expect`
// M rewinds the send cursor to M-1 (resend from M), at most once per M until the ack moves
// (several in-flight batches behind one gap all produce the same expect). If events are in
// flight and no ack progress happens for `ack_timeout`, the cursor rewinds to the acked
// position and everything unacked is resent. On every (re)connect: the birth message is
// published (retained, QoS 1, status_payload online:true) and every cursor rewinds to the
// acked position. The ledger deduplicates, so resending is always safe.
// Bad acks never crash and change nothing: undecodable payloads, a stream differing from
// the topic's, expect != acked_through+1, acked_through beyond the outbox's last seq; stale
// acks (below the current one) are ignored. Each is logged and counted in status().
//
// Downlink: `tasks` and `config` messages for this device no larger than
// `max_downlink_bytes` are passed to the on_downlink callback (on the sync thread);
// oversized messages, foreign topics and other devices' messages are logged, counted and
// dropped.
//
// Lifecycle and threading: start() validates options, reads the outbox's ack positions,
// registers the transport handlers, subscribes ack/exec, ack/telemetry, tasks and config
// (QoS 1), starts the transport, and starts ONE sync thread that does every outbox read
// and ack application; transport callbacks only enqueue. Errors from start():
// "bad_option", "already_started", or the outbox's / transport's error. stop() joins the
// sync thread, publishes online:false on status (best effort, retained) and stops the
// transport; idempotent, also called by the destructor. notify_committed() and status()
// are safe from any thread. on_downlink() must be called before start(). The engine owns
// the transport's handlers and lifecycle while it runs.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include <nlohmann/json.hpp>

#include "edge/core/clock.h"
#include "edge/core/outbox.h"
#include "edge/core/result.h"
#include "edge/core/transport.h"
#include "sync/protocol/topics.h"

namespace scanedge::sync {

struct SyncOptions {
  DeviceAddress address;
  std::size_t batch_max_events = 500;
  std::size_t batch_max_bytes = 256 * 1024;
  std::int64_t window_events = 20000;  // sent but not ledger-acked, per stream
  std::chrono::milliseconds ack_timeout{10000};
  std::size_t max_downlink_bytes = 1 << 20;
  // MQTT 5 message expiry of telemetry batches (Transport::publish_expiring); 0: none.
  std::chrono::seconds telemetry_expiry{0};
};

struct StreamSyncStatus {
  std::int64_t last_seq = 0;       // from the outbox
  std::int64_t depth = 0;          // from the outbox: stored, not yet acked
  std::int64_t shed = 0;           // from the outbox: telemetry shed at the size cap, in all
  std::int64_t sent_through = 0;   // send cursor
  std::int64_t acked_through = 0;  // last ledger ack applied
  std::uint64_t batches_sent = 0;
  std::uint64_t events_sent = 0;
  std::uint64_t resends = 0;  // cursor rewinds (expect, ack timeout, reconnect)
  std::optional<std::chrono::milliseconds> last_ack_age;  // nullopt: no ack since start
};

struct SyncStatus {
  bool connected = false;
  std::array<StreamSyncStatus, 2> streams{};  // indexed by Stream
  std::uint64_t acks_applied = 0;
  std::uint64_t duplicate_acks = 0;
  std::uint64_t stale_acks = 0;
  std::uint64_t bad_acks = 0;
  std::uint64_t ignored_messages = 0;    // foreign topics or devices, wrong kinds
  std::uint64_t oversized_messages = 0;  // above max_downlink_bytes
  std::uint64_t downlinks = 0;           // passed to on_downlink
  std::uint64_t publish_failures = 0;
  const StreamSyncStatus& stream(Stream s) const { return streams[static_cast<std::size_t>(s)]; }
};

class SyncEngine {
 public:
  using DownlinkHandler = std::function<void(TopicKind, const Message&)>;

  SyncEngine(Outbox& outbox, Transport& transport, Clock& clock, SyncOptions options);
  ~SyncEngine();
  SyncEngine(const SyncEngine&) = delete;
  SyncEngine& operator=(const SyncEngine&) = delete;

  Status start();
  void stop();
  void notify_committed();
  SyncStatus status() const;
  void on_downlink(DownlinkHandler handler);
  // Live tuning (remote config): batch sizes, window, ack timeout and telemetry expiry take
  // effect from the next batch; `address` and `max_downlink_bytes` are kept. Invalid values
  // (zero batch or window) are refused with "bad_option" and change nothing. Any thread.
  Status set_tuning(const SyncOptions& tuning);
  // The "config" member of the retained status (birth) message; republished at once when
  // connected and on every later connect. Any thread.
  void set_status_config(nlohmann::json config);

 private:
  struct Inbound {
    enum class Kind { connection, ack, downlink, tuning, status } kind = Kind::ack;
    bool up = false;
    Stream stream = Stream::exec;
    TopicKind topic_kind = TopicKind::ack;
    Message message;
    SyncOptions tuning;
    nlohmann::json status_config;
  };
  struct Cursor {
    std::int64_t sent_through = 0;
    std::int64_t acked_through = 0;
    std::chrono::nanoseconds last_progress{0};  // last ack progress or start of in-flight
    std::int64_t damped_expect = 0;             // expect already acted upon (0: none)
    std::uint64_t batches_sent = 0;
    std::uint64_t events_sent = 0;
    std::uint64_t resends = 0;
    std::optional<std::chrono::nanoseconds> last_ack;
  };
  enum class SendResult { sent, idle, failed };

  void run();
  void enqueue(Inbound item);
  void on_transport_message(const Message& m);
  void handle(Inbound& item);
  void handle_ack(Stream topic_stream, const std::string& payload);
  void rewind(Cursor& c, const char* why);
  SendResult send_one();
  void publish_snapshot();
  Cursor& cursor(Stream s) { return cursors_[static_cast<std::size_t>(s)]; }

  Outbox& outbox_;
  Transport& transport_;
  Clock& clock_;
  SyncOptions opts_;
  DownlinkHandler downlink_;

  // Sync-thread state.
  std::array<Cursor, 2> cursors_{};
  bool connected_ = false;
  bool need_birth_ = false;
  nlohmann::json status_config_;  // sync thread
  std::chrono::milliseconds retry_wait_{0};

  // Shared.
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Inbound> inbox_;
  bool wake_ = false;
  bool started_ = false;
  bool stopping_ = false;
  SyncStatus snapshot_;  // counters + cursors published by the sync thread
  std::atomic<std::uint64_t> ignored_{0};
  std::atomic<std::uint64_t> oversized_{0};
  std::uint64_t acks_applied_ = 0, duplicate_acks_ = 0, stale_acks_ = 0, bad_acks_ = 0, downlinks_ = 0,
                publish_failures_ = 0;  // sync thread
  std::thread thread_;
};

}  // namespace scanedge::sync
