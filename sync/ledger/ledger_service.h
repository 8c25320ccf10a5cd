// LedgerService: the ledger's side of protocol v1 over a Transport (MQTT in production,
// FakeTransport in tests), applying into a LedgerStore.
//
// start() sets the message handler, subscribes kLedgerEventsSubscription
// ("$share/ledger/scanedge/v1/+/+/events/+", QoS 1) and starts the transport.
// Each arriving message is queued (in arrival order) for ONE worker thread, which:
//   1. parses the topic: it must be scanedge/v1/{site}/{device}/events/{stream};
//   2. decodes the batch (decode_batch with options.max_payload_bytes);
//   3. checks that the batch's site, device and stream equal the topic's;
//   4. applies it. Batches queued together are applied in one transaction (group commit:
//      one fsync for all of them), so the store is durable BEFORE any ack is sent;
//   5. hands one ack per (device, stream) touched to the ACK thread, which publishes it QoS
//      1, not retained, on ack_topic(address, stream): {"v":1,"stream",..,"acked_through":
//      last_seq} plus "expect": last_seq + 1 when any of its batches met a gap. Duplicates
//      are acked again (that is how a device whose ack was lost learns it may delete). Acks
//      not yet published are coalesced per (device, stream): the newest replaces an older
//      one (acks are cumulative; a newer one without "expect" means the gap was filled).
// Bad input (a foreign or malformed topic, a payload that is not a valid batch, a payload
// over max_payload_bytes, a batch whose address or stream differs from its topic): logged
// at warning level with the reason, counted in stats().rejected, nothing stored, no ack.
// A storage failure: logged, counted, nothing stored, no ack (the device resends).
// Never throws, never crashes on input.
//
// The queue is bounded (options.max_queued messages): when full, the transport's handler
// blocks, pushing back on the broker connection rather than growing memory. That is why
// the worker never calls the transport: Paho may hold its client lock while our handler
// waits for room, and a worker publishing an ack needs that lock (a deadlock seen when a
// ledger reconnected to a large queued backlog). Acks go out from their own thread; the
// worker keeps draining the queue, which frees the handler, which frees the lock.
//
// Threading: start()/stop() from the owner's thread. stats() from any thread. The store is
// used only by the worker thread between start() and stop().
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>

#include "edge/core/transport.h"
#include "sync/ledger/ledger_store.h"
#include "sync/protocol/envelope.h"

namespace scanedge::ledger {

struct ServiceOptions {
  std::size_t max_payload_bytes = 4 * 1024 * 1024;
  std::size_t max_queued = 256;          // messages waiting for the worker
  std::size_t max_group_bytes = 8 * 1024 * 1024;  // payload bytes applied per transaction (>= 1 batch)
};

struct ServiceStats {
  std::uint64_t received = 0;         // messages handed to the service
  std::uint64_t rejected = 0;         // bad input (see above)
  std::uint64_t batches = 0;          // batches accepted and applied (or found duplicate)
  std::uint64_t transactions = 0;     // store transactions (group commits) for those batches
  std::uint64_t events_applied = 0;
  std::uint64_t duplicates = 0;       // events received again, not applied again
  std::uint64_t unprojected = 0;      // applied events the inventory projection skipped (unusable fields)
  std::uint64_t gaps = 0;             // batches that met a gap
  std::uint64_t shed = 0;             // telemetry seqs devices declared shed (shed_through)
  std::uint64_t storage_failures = 0;
  std::uint64_t acks_published = 0;
  std::uint64_t ack_failures = 0;     // acks the transport refused
};

class LedgerService {
 public:
  LedgerService(Transport& transport, LedgerStore& store, ServiceOptions options = {});
  ~LedgerService();  // stops
  LedgerService(const LedgerService&) = delete;
  LedgerService& operator=(const LedgerService&) = delete;

  // Errors: those of Transport::subscribe/start (e.g. "bad_uri"), "already_started".
  Status start();
  // Stops the transport, then lets the worker finish what was queued, then joins it.
  void stop();
  ServiceStats stats() const;

 private:
  void enqueue(const Message& m);
  void run();
  void process(std::deque<Message>& group);
  void reject(const Message& m, const Error& why);
  void run_acks();
  void publish_ack(const sync::DeviceAddress& address, const sync::Ack& ack);

  Transport& transport_;
  LedgerStore& store_;
  ServiceOptions options_;

  mutable std::mutex mu_;
  std::condition_variable cv_;       // worker waits for messages
  std::condition_variable space_cv_; // handler waits for room
  std::deque<Message> queue_;
  bool started_ = false;
  bool stopping_ = false;     // intake: the handler no longer blocks for room
  bool worker_exit_ = false;  // the worker exits once the queue is empty
  ServiceStats stats_;
  std::thread worker_;
  // Acks waiting for the ack thread, newest per (site, device, stream).
  std::map<std::tuple<std::string, std::string, Stream>, sync::Ack> acks_;
  std::condition_variable ack_cv_;
  bool acker_exit_ = false;  // the ack thread exits once acks_ is empty
  std::thread acker_;
};

}  // namespace scanedge::ledger
