// PahoTransport: the Transport seam (edge/core/transport.h) over MQTT 5 (or 3.1.1, see
// MqttOptions::version) with the Paho MQTT C++ async client, over TCP or TLS.
//
// MQTT 5 (version 5): CONNECT carries Clean Start = clean_session, Session Expiry Interval =
// session_expiry (0 with clean_session), Receive Maximum = receive_maximum and, when set,
// Maximum Packet Size = max_packet_bytes; publish_expiring() adds a Message Expiry Interval.
// MQTT 3.1.1 (version 3): Clean Session = clean_session, no properties, publish_expiring()
// publishes without expiry. A QoS 1 publish the broker refuses in its PUBACK (MQTT 5 reason
// code >= 0x80, e.g. 0x87 not authorized by its ACL) is dropped by the broker; it does not
// affect the connection (the end-to-end ack of the sync protocol notices the loss).
//
// TLS (ssl://, mqtts://, wss://): server certificate verified against ca_file only (CA
// pinning) with hostname/IP verification on; client certificate and key from cert_file and
// key_file. TLS errors reported by the library are logged (warn, once per distinct message)
// so that a rejected certificate is visible in the journal. A failed connect attempt is
// logged at warn once per outage (then at most every 5 minutes while it lasts), at debug
// otherwise.
//
// No client-side persistence: the outbox is the durable store. QoS 1 messages in flight
// live in the Paho client's memory; with clean_session=false Paho resends them after a
// reconnect, and the sync engine resends anything not acknowledged end to end anyway.
//
// Reconnection is ours, not Paho's: start() launches one connection thread that connects,
// (re)subscribes every recorded filter, and after a lost connection or a failed attempt
// waits backoff_delay(attempt, reconnect_min, reconnect_max) (exponential, full jitter)
// before trying again, until stop(). A connect attempt that Paho never completes (neither
// success nor failure within connect_timeout + 1 s) replaces the client with a fresh one.
//
// Poisoned clients (a Paho C 1.3.11/1.3.12 defect we work around, we cannot patch it): when
// the socket write of a queued QoS>0 PUBLISH fails (the broker reset the connection before
// Paho noticed), MQTTAsync_processCommand frees the command's topic and payload although
// the message is already in the client's in-flight list with the same pointers. Paho then
// reads freed memory when that client reconnects (it resends its in-flight messages) and
// frees them again when the client is destroyed. Paho reports that failed write by failing
// the publish's delivery token with a code other than "operation incomplete". A client with
// such a token is "poisoned": before the next connect attempt (and in stop()) it is retired,
// never connected or destroyed again, its callbacks detached, and kept for the life of the
// process (retired_clients() counts them); a fresh client takes over. The cost is the memory
// of the retired client's unacknowledged messages, once per such connection loss; the sync
// engine resends anything not acknowledged end to end, so nothing is lost.
//
// Contract:
// - start(): Error "bad_uri" when the URI can never work (unknown scheme, no host, or the
//   Paho client refuses it); "bad_option" for an empty client id, max_inflight < 1, a version
//   other than 3 or 5, receive_maximum outside 1..65535 (MQTT 5), and for TLS settings that
//   can never work, each message naming the setting, the file and the fix:
//     * a TLS URI without ca_file, or ca_file/cert_file/key_file with a non-TLS URI;
//     * cert_file without key_file or the reverse;
//     * a file that is missing, unreadable, not a regular file, or holds no PEM certificate
//       (ca_file, cert_file) / no PEM private key (key_file) / an encrypted key;
//     * a key_file with any group or other permission bit, e.g. "mqtt.key_file
//       /etc/scanedge/device.key is readable by group/others (mode 0644): run chmod 600
//       /etc/scanedge/device.key (the private key must be accessible by its owner only)"
//       ("has group/other permissions" when only write/execute bits are set).
//   check_options() makes exactly these checks without a transport.
//   "already_started" when called twice. Success means "connecting in the background"; a
//   broker that refuses the certificate (or that we refuse) shows as failed attempts.
// - publish(), publish_expiring(): Error "not_connected" while disconnected (also as soon as
//   a failed write shows the connection is dying); "busy" when max_inflight QoS 1 publishes
//   are awaiting PUBACK (retry later; never blocks); "publish_failed" for any other refusal
//   by the client. Success: accepted for delivery (not a delivery proof).
// - subscribe(): records the filter (re-subscribed after every connect); if connected it is
//   also subscribed at once (best effort: a failure there is repaired on the next connect).
// - Handlers: the connection handler is called with true after each successful connect +
//   subscribe, and with false after each loss (and once on stop() if connected); the message
//   handler for every arriving message. Calls are serialised (never concurrent with each
//   other), made from the connection thread or Paho's callback thread. Handlers must not
//   call stop(). Set handlers before start().
// - stop(): disconnects cleanly (no will is published), joins the connection thread and
//   destroys the client (or retires it when poisoned). Bounded: about connect_timeout at
//   most, usually milliseconds. Idempotent; also done by the destructor. After stop() no
//   handler is called any more.
// All Paho exceptions are caught inside this module.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "edge/core/transport.h"
#include "sync/mqtt/mqtt_options.h"

namespace mqtt {
class async_client;
class delivery_token;
class token;
}  // namespace mqtt

namespace scanedge::sync {

class PahoTransport final : public Transport {
 public:
  explicit PahoTransport(MqttOptions options);
  ~PahoTransport() override;
  PahoTransport(const PahoTransport&) = delete;
  PahoTransport& operator=(const PahoTransport&) = delete;

  void on_message(MessageHandler handler) override;
  void on_connection(ConnectionHandler handler) override;
  Status subscribe(const std::string& topic_filter, int qos) override;
  Status start() override;
  void stop() override;
  Status publish(const std::string& topic, const std::string& payload, int qos, bool retained) override;
  Status publish_expiring(const std::string& topic, const std::string& payload, int qos, bool retained,
                          std::chrono::seconds expiry) override;
  bool connected() const override;

  // The checks start() makes before connecting (URI, options, TLS files and key permissions;
  // see the contract above), without connecting: for configuration checks at startup or in
  // `--check-config`. Same error codes and messages as start().
  static Status check_options(const MqttOptions& options);

  // Number of successful connects so far (for tests and status).
  std::uint64_t connect_count() const { return connects_.load(); }
  // Number of poisoned Paho clients this transport retired (see above).
  std::uint64_t retired_clients() const { return retired_.load(); }

 private:
  void run();
  Status publish_impl(const std::string& topic, const std::string& payload, int qos, bool retained,
                      std::chrono::seconds expiry);
  bool tls() const;
  bool try_connect();        // one attempt: connect + subscribe; true when connected
  // Waits for `token` up to `timeout`, in short slices so that stop() is prompt. True when
  // it completed successfully; false on failure, timeout or stop.
  bool await(const std::shared_ptr<mqtt::token>& token, std::chrono::milliseconds timeout,
             bool* timed_out = nullptr, std::string* error = nullptr);
  // Logs why an attempt failed: warn once per outage or new reason, debug otherwise.
  void note_connect_failure();
  // Shared by one Paho client's callbacks and this transport; `owner` is cleared (under `mu`)
  // before the client is destroyed or retired, so a late callback never reaches us.
  struct CallbackGate {
    std::mutex mu;
    PahoTransport* owner = nullptr;
  };
  // (Re)creates the Paho client with our callbacks, replacing any old one (destroyed, or
  // retired when poisoned).
  Status create_client();
  // Under client_mu_: notes whether `inflight_` holds a token Paho failed on a write; returns
  // the client's poisoned state.
  bool poisoned_locked();
  // Detaches `gate`, then destroys `client`, or retires it when `poisoned`. No lock held.
  void dispose(std::unique_ptr<mqtt::async_client> client, const std::shared_ptr<CallbackGate>& gate,
               bool poisoned);
  void handle_lost();        // Paho callback thread
  void handle_message(const std::string& topic, const std::string& payload);
  void report(bool now);     // under handler_mu_

  MqttOptions opts_;
  std::unique_ptr<mqtt::async_client> client_;

  // Guarded by mu_.
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<std::string, int>> filters_;
  bool started_ = false;
  bool stopping_ = false;
  bool lost_ = false;  // set by the lost callback, consumed by the connection thread

  // client_mu_ guards the client's lifetime against publish()/subscribe() from other threads,
  // its gate, `inflight_` (QoS>0 delivery tokens not yet known complete) and `poisoned_`.
  std::mutex client_mu_;
  std::shared_ptr<CallbackGate> gate_;
  std::deque<std::shared_ptr<mqtt::delivery_token>> inflight_;
  bool poisoned_ = false;

  // Serialises handler calls and connection state changes.
  std::mutex handler_mu_;
  MessageHandler on_message_;
  ConnectionHandler on_connection_;
  bool reported_ = false;

  // TLS errors reported by Paho (its own threads); shared with the callbacks it is given.
  struct TlsErrors;
  std::shared_ptr<TlsErrors> tls_errors_;

  // Connection thread only: why the last attempt failed; whether (and when) this outage was
  // reported at warn.
  std::string connect_error_;
  bool warned_ = false;
  std::chrono::steady_clock::time_point last_warn_{};

  std::atomic<bool> connected_{false};
  std::atomic<std::uint64_t> connects_{0};
  std::atomic<std::uint64_t> retired_{0};
  std::thread thread_;
};

}  // namespace scanedge::sync
