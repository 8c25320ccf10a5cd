// One-shot broker check for `scanedgectl provision` and `scanedgectl doctor`: TCP connect,
// TLS handshake (when the URI is ssl:// or mqtts://) and MQTT CONNECT/CONNACK with exactly
// the TLS settings the agent uses (sync/mqtt/paho_transport.h: the broker's chain verified
// against ca_file only, hostname/IP verification on, client certificate and key), then a
// clean DISCONNECT.
//
// probe_broker(): first runs sync::PahoTransport::check_options (files, key permissions);
// then connects with its own client id "scanedgectl-check-{site}-{device}" and a clean
// session, so it never takes over or discards the agent's persistent session, and publishes
// nothing (no will). Success: the broker accepted the connection; `connect_ms` is how long
// it took. Errors: the check_options codes, or "unreachable" (no TCP connection: refused,
// no route, DNS), "tls" (TCP worked but the TLS handshake failed: the broker's
// certificate does not chain to ca_file or does not name the host, or the broker refused this
// device's certificate), "refused" (CONNACK refusal: bad credentials, not authorised),
// "timeout" (no answer within `timeout`). Paho C++ 1.2 does not report OpenSSL's reason
// safely, so after a failed TLS connect the handshake is repeated with OpenSSL directly and
// the "tls" message says which side refused and why: the broker's certificate does not
// verify against ca_file for the host (with X509's reason, e.g. "unable to get local issuer
// certificate"), or the broker refused this device's certificate (with its alert, e.g.
// "tlsv1 alert unknown ca"), or a file cannot be used. Blocks up to about 2 x `timeout`. Thread-safe (no
// shared state). Paho exceptions are caught here.
#pragma once

#include <chrono>
#include <string>

#include "edge/core/result.h"

namespace scanedge::ctl {

struct BrokerProbe {
  std::string uri;
  std::string site;
  std::string device;
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string username;
  std::string password;
  int version = 5;
  std::chrono::milliseconds timeout{5000};
};

struct ProbeResult {
  std::chrono::milliseconds connect_ms{0};
  bool tls = false;
};

Result<ProbeResult> probe_broker(const BrokerProbe& probe);

}  // namespace scanedge::ctl
