// `scanedgectl doctor`: checks what a field tech would check by hand, in order, and says for
// every failed check what to do in plain words.
//
//   scanedgectl [--config FILE] [--bus EP] [--profiles DIR] [--timeout MS] doctor [--json]
//       [--min-free-mb N] [--max-backlog-age S] [--cert-warn-days D]
//
// Checks (name: passes when ...):
//   config       the file loads and the broker/TLS settings pass the agent's own checks
//                (what `scanedged --check-config` checks). When it fails, the checks that
//                need it are not run (listed as failed with "not checked: config invalid").
//   certificate  (TLS with a client certificate) the client certificate and the CA file are
//                valid now and the client certificate does not expire within --cert-warn-days
//                (default 14); without TLS it passes with "no TLS".
//   key          (TLS with a client certificate) the private key is the certificate's key, is
//                not readable by group/others, and is owned by user scanedge when it exists.
//   broker       TCP connect, TLS handshake and MQTT CONNECT succeed within --timeout
//                (ctl/broker_probe.h; its own client id, never the agent's session).
//   clock        the kernel says the wall clock is synchronised (adjtimex, no STA_UNSYNC:
//                what the agent records as "clock":"synced" on events).
//   disk         the storage directory exists and has at least --min-free-mb (default 100) MiB
//                free for unprivileged writers (statvfs).
//   outbox       the outbox database can be read (read-only; a missing file passes: the
//                agent creates it) and its oldest unacknowledged event is younger than
//                --max-backlog-age (default 3600 s): events are reaching the ledger.
//   agent        the agent answers `status` on the bus (then its broker connection is shown);
//                otherwise `systemctl is-active scanedged` is reported when systemctl exists.
//   scanners     no attached scanner is permission_denied, none configured is not_attached,
//                and no recognised one is left unserved (as `scanedgectl devices`).
// Output: one line per check "[ ok ] name  detail" or "[FAIL] name  detail" followed by
// "       fix: ...", then a count. --json: one object {"ok":bool,"checks":[{"name","ok",
// "detail","fix"}]} ("fix" is "" for passed checks).
// Exit status: 0 every check passed, 1 at least one failed, 2 usage.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "edge/config/agent_config.h"
#include "edge/ctl/cert_inspect.h"
#include "edge/ctl/devices_cmd.h"

namespace scanedge::ctl {

struct DoctorCheck {
  std::string name;
  bool ok = false;
  std::string detail;
  std::string fix;  // empty when ok
};

struct DoctorCommand {
  CLI::App* app = nullptr;
  bool json = false;
  std::int64_t min_free_mb = 100;
  std::int64_t max_backlog_age_s = 3600;
  std::int64_t cert_warn_days = 14;
};

void add_doctor_command(CLI::App& app, DoctorCommand& cmd);
int run_doctor_command(const DoctorCommand& cmd, const std::string& config_path, const std::string& bus,
                       const std::string& profiles_dir, std::chrono::milliseconds timeout, std::ostream& out,
                       std::ostream& err);

// The individual checks, pure where the facts are inputs (for tests).
DoctorCheck check_clock(bool synced);
// `listing`: what `scanedgectl devices` found; `enumeration_errors`: its messages when no
// USB or serial enumeration worked.
DoctorCheck check_scanner_listing(const DeviceListing& listing, const std::string& enumeration_errors);
DoctorCheck check_disk(const std::string& dir, std::optional<std::int64_t> free_bytes, const std::string& stat_error,
                       std::int64_t min_free_mb);
// `cert` / `ca`: inspect results (or their errors).
DoctorCheck check_certificates(const std::string& cert_file, const Result<CertificateInfo>& cert,
                               const std::string& ca_file, const Result<CertificateInfo>& ca,
                               std::chrono::system_clock::time_point now, std::int64_t warn_days);

// Formats the checks (text or JSON) and returns the exit status (0 all ok, 1 otherwise).
int print_doctor_report(const std::vector<DoctorCheck>& checks, bool json, std::ostream& out);

}  // namespace scanedge::ctl
