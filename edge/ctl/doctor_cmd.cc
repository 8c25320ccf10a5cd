#include "edge/ctl/doctor_cmd.h"

#include <pwd.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "edge/bus/bus_client.h"
#include "edge/core/clock.h"
#include "edge/ctl/broker_probe.h"
#include "edge/ctl/devices_cmd.h"
#include "edge/outbox/outbox_reader.h"
#include "edge/tasks/task_time.h"
#include "sync/mqtt/paho_transport.h"

namespace scanedge::ctl {

namespace {

using std::chrono::system_clock;

DoctorCheck pass(std::string name, std::string detail) { return {std::move(name), true, std::move(detail), ""}; }
DoctorCheck failed(std::string name, std::string detail, std::string fix) {
  return {std::move(name), false, std::move(detail), std::move(fix)};
}

// Calendar arithmetic rather than to_time_t()/gmtime_r(): Debian armhf has a 32-bit time_t,
// which cannot hold a certificate's notAfter past 2038-01-19.
std::string date_of(system_clock::time_point t) {
  namespace chr = std::chrono;
  const auto minute = chr::floor<chr::minutes>(t);
  const auto day = chr::floor<chr::days>(minute);
  const chr::year_month_day ymd{day};
  const chr::hh_mm_ss hms{minute - day};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02d:%02d UTC", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()));
  return buf;
}

std::string human_age(std::int64_t s) {
  if (s < 120) return std::to_string(s) + " s";
  if (s < 7200) return std::to_string(s / 60) + " min";
  if (s < 172800) return std::to_string(s / 3600) + " h";
  return std::to_string(s / 86400) + " days";
}

std::string dir_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

bool tls_uri(const std::string& uri) { return uri.rfind("ssl://", 0) == 0 || uri.rfind("mqtts://", 0) == 0; }

DoctorCheck check_config(const std::string& path, Result<config::AgentConfig>& cfg) {
  if (!cfg) {
    const std::string& m = cfg.error().message;
    std::string fix = "correct the line named above in " + path + ", then run: scanedged --check-config -c " + path;
    if (m.find("device.site is required") != std::string::npos || m.find("device.id is required") != std::string::npos ||
        m.find("cannot read the file") != std::string::npos) {
      fix = "provision the device: scanedgectl provision --site SITE --device ID --broker ssl://HOST:8883 --ca CA.pem "
            "--cert DEVICE.pem --key DEVICE.key";
    }
    return failed("config", m, fix);
  }
  sync::MqttOptions mo;
  mo.uri = cfg->mqtt_uri;
  mo.client_id = cfg->effective_client_id();
  mo.username = cfg->mqtt_username;
  mo.password = cfg->mqtt_password;
  mo.ca_file = cfg->mqtt_ca_file;
  mo.cert_file = cfg->mqtt_cert_file;
  mo.key_file = cfg->mqtt_key_file;
  mo.version = static_cast<int>(cfg->mqtt_version);
  mo.receive_maximum = static_cast<int>(cfg->receive_maximum);
  if (auto s = sync::PahoTransport::check_options(mo); !s) {
    return failed("config", path + ": " + s.error().message,
                  "do what the message says (or re-run scanedgectl provision with the right files), then run: "
                  "scanedged --check-config -c " + path);
  }
  return pass("config", path + " is valid (site " + cfg->site + ", device " + cfg->device + ", broker " +
                            cfg->mqtt_uri + ")");
}

DoctorCheck check_key(const config::AgentConfig& c) {
  if (!tls_uri(c.mqtt_uri) || c.mqtt_cert_file.empty()) return pass("key", "no client certificate configured");
  auto m = key_matches_certificate(c.mqtt_cert_file, c.mqtt_key_file);
  if (!m) {
    return failed("key", m.error().message, "put the device's PEM certificate and unencrypted key in place "
                                            "(scanedgectl provision copies them)");
  }
  if (!*m) {
    return failed("key", c.mqtt_key_file + " is not the private key of " + c.mqtt_cert_file,
                  "install the key that belongs to this certificate (or the certificate issued for this key): "
                  "scanedgectl provision --cert DEVICE.pem --key DEVICE.key ...");
  }
  struct stat sb{};
  if (::stat(c.mqtt_key_file.c_str(), &sb) != 0) {
    return failed("key", "cannot stat " + c.mqtt_key_file + ": " + std::strerror(errno), "check the path and permissions");
  }
  if ((sb.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(sb.st_mode & 07777));
    return failed("key", c.mqtt_key_file + " is accessible by group/others (mode " + mode + ")",
                  "chmod 600 " + c.mqtt_key_file);
  }
  if (const passwd* pw = ::getpwnam("scanedge"); pw != nullptr && sb.st_uid != pw->pw_uid) {
    return failed("key", c.mqtt_key_file + " is not owned by the service user scanedge (the agent cannot read it)",
                  "chown scanedge:scanedge " + c.mqtt_key_file);
  }
  return pass("key", c.mqtt_key_file + " matches " + c.mqtt_cert_file + ", mode 0600");
}

DoctorCheck check_broker(const config::AgentConfig& c, std::chrono::milliseconds timeout) {
  BrokerProbe p;
  p.uri = c.mqtt_uri;
  p.site = c.site;
  p.device = c.device;
  p.ca_file = c.mqtt_ca_file;
  p.cert_file = c.mqtt_cert_file;
  p.key_file = c.mqtt_key_file;
  p.username = c.mqtt_username;
  p.password = c.mqtt_password;
  p.version = static_cast<int>(c.mqtt_version);
  p.timeout = timeout;
  auto r = probe_broker(p);
  if (r) {
    return pass("broker", c.mqtt_uri + ": " + (r->tls ? "TLS handshake and " : "") + "MQTT connect in " +
                              std::to_string(r->connect_ms.count()) + " ms");
  }
  const std::string& code = r.error().code;
  std::string fix;
  if (code == "unreachable") {
    fix = "nothing answers at that address: check the network (Wi-Fi, cable, DNS), the host and port in mqtt.uri, "
          "that the broker runs, and any firewall between them";
  } else if (code == "tls") {
    fix = "the TLS handshake failed: mqtt.ca_file must be the CA of the broker's certificate, that certificate "
          "must name the host of mqtt.uri, the broker must trust the CA of this device's certificate, and the "
          "clock must be right (see the clock and certificate checks)";
  } else if (code == "refused") {
    fix = "the broker refused this device: check mqtt.username/mqtt.password, or that the broker accepts this "
          "device's certificate (its CN) in its ACL";
  } else if (code == "timeout") {
    fix = "the broker did not answer in time: check the network quality and the broker's load, then retry with "
          "a longer --timeout";
  } else {
    fix = "correct the broker settings as the message says (scanedgectl provision)";
  }
  return failed("broker", r.error().message, fix);
}

DoctorCheck check_outbox(const config::AgentConfig& c, std::int64_t max_age_s) {
  const std::string& path = c.storage_path;
  struct stat sb{};
  if (::stat(path.c_str(), &sb) != 0 && errno == ENOENT) {
    return pass("outbox", path + " does not exist yet (the agent creates it when it starts)");
  }
  auto reader = outbox::OutboxReader::open(path);
  if (!reader) {
    return failed("outbox", reader.error().message,
                  "run doctor as root or as a member of group scanedge; if the file is damaged, keep a copy for "
                  "support (scanedgectl outbox export) before anything else");
  }
  std::string detail;
  std::int64_t oldest_s = -1;
  std::string oldest_stream;
  for (Stream s : {Stream::exec, Stream::telemetry}) {
    auto sum = (*reader)->summary(s);
    if (!sum) return failed("outbox", path + ": " + sum.error().message, "see the message; keep a copy for support");
    detail += std::string(detail.empty() ? "" : ", ") + std::string(to_string(s)) + " " +
              std::to_string(sum->stats.depth) + " waiting (acked through " + std::to_string(sum->stats.acked_through) +
              ")";
    if (sum->stats.depth == 0 || sum->first_seq == 0) continue;
    auto first = (*reader)->range(s, sum->first_seq, sum->first_seq, 1);
    if (!first || first->empty()) continue;
    const auto ev = nlohmann::json::parse(first->front().json, nullptr, false);
    if (ev.is_discarded() || !ev.is_object()) continue;
    if (auto t = tasks::parse_utc_time(ev.value("time", ""))) {
      const auto age = std::chrono::duration_cast<std::chrono::seconds>(system_clock::now() - *t).count();
      if (age > oldest_s) {
        oldest_s = age;
        oldest_stream = std::string(to_string(s));
      }
    }
  }
  if (oldest_s >= 0) detail += "; oldest waiting event " + human_age(oldest_s) + " old (" + oldest_stream + ")";
  if (oldest_s > max_age_s) {
    return failed("outbox", detail,
                  "events are not reaching the ledger: fix the broker check first, then look at `scanedgectl status` "
                  "(sync: last_ack_age_ms, resends) and at the ledger; the events are safe on the device meanwhile");
  }
  return pass("outbox", detail);
}

DoctorCheck check_agent(const std::string& bus, std::chrono::milliseconds timeout) {
  bus::BusClient client(bus);
  auto st = client.request({{"v", 1}, {"op", "status"}}, timeout);
  if (st) {
    const bool conn = st->contains("broker") && (*st)["broker"].value("connected", false);
    return pass("agent", "scanedged answers on " + bus + " (broker " + (conn ? "connected" : "not connected") + ")");
  }
  std::string detail = "scanedged does not answer on " + bus + " (" + st.error().message + ")";
  if (::access("/bin/systemctl", X_OK) == 0 || ::access("/usr/bin/systemctl", X_OK) == 0) {
    if (std::FILE* p = ::popen("systemctl is-active scanedged 2>/dev/null", "r")) {
      char buf[64] = {0};
      if (std::fgets(buf, sizeof buf, p) != nullptr) {
        std::string state(buf);
        while (!state.empty() && (state.back() == '\n' || state.back() == ' ')) state.pop_back();
        detail += "; systemctl is-active scanedged: " + state;
      }
      ::pclose(p);
    }
  } else {
    detail += "; service state unknown (no systemctl)";
  }
  return failed("agent", detail,
                "start the agent: systemctl start scanedged; if it stops again, read why: journalctl -u scanedged -n 50 "
                "(a bad configuration is named there as file:line)");
}

DoctorCheck check_scanners(const std::string& bus, const std::string& profiles_dir) {
  std::ostringstream sink;
  const auto listing = list_devices(bus, profiles_dir, std::chrono::milliseconds(500), sink);
  return check_scanner_listing(listing, sink.str());
}

}  // namespace

DoctorCheck check_scanner_listing(const DeviceListing& listing, const std::string& enumeration_errors) {
  if (listing.usable_sources == 0) {
    return failed("scanners", "neither USB nor serial enumeration works: " + enumeration_errors,
                  "run doctor on the device itself (not in a container without /dev/bus/usb and /sys)");
  }
  std::string detail, fix;
  int scanners = 0;
  bool bad = false;
  for (const auto& r : listing.rows) {
    if (r.state == "no_profile") continue;
    ++scanners;
    detail += std::string(detail.empty() ? "" : ", ") + r.identity + " " + r.state;
    if (r.state == "permission_denied" || r.state == "not_attached" || r.state == "not_served") {
      bad = true;
      std::string f = r.fix;
      if (f.empty() && r.state == "not_attached") f = "plug " + r.identity + " in (or remove its [[scanner]] entry)";
      if (!f.empty()) fix += std::string(fix.empty() ? "" : "; ") + r.identity + ": " + f;
    }
  }
  if (scanners == 0) return pass("scanners", "no scanner attached or configured");
  if (bad) return failed("scanners", detail, fix.empty() ? "see scanedgectl devices" : fix);
  return pass("scanners", detail);
}

DoctorCheck check_clock(bool synced) {
  if (synced) return pass("clock", "the system clock is synchronised (NTP)");
  return failed("clock", "the kernel reports the system clock as not synchronised",
                "enable time sync: timedatectl set-ntp true (check: timedatectl timesync-status); events are still "
                "recorded, marked clock \"unsynced\", and certificate checks may fail while the time is wrong");
}

DoctorCheck check_disk(const std::string& dir, std::optional<std::int64_t> free_bytes, const std::string& stat_error,
                       std::int64_t min_free_mb) {
  if (!free_bytes) {
    return failed("disk", "storage directory " + dir + ": " + stat_error,
                  "create it for the service user: install -d -o scanedge -g scanedge -m 0750 " + dir +
                      " (the systemd unit's StateDirectory does this for /var/lib/scanedge)");
  }
  const std::int64_t mb = *free_bytes / (1024 * 1024);
  const std::string detail = std::to_string(mb) + " MiB free in " + dir;
  if (mb < min_free_mb) {
    return failed("disk", detail + " (less than " + std::to_string(min_free_mb) + " MiB)",
                  "free space on that file system (old logs: journalctl --vacuum-size=50M; packages: apt-get clean); "
                  "confirmed events are never deleted to make room");
  }
  return pass("disk", detail);
}

DoctorCheck check_certificates(const std::string& cert_file, const Result<CertificateInfo>& cert,
                               const std::string& ca_file, const Result<CertificateInfo>& ca,
                               system_clock::time_point now, std::int64_t warn_days) {
  const std::string renew = "install a renewed certificate: scanedgectl provision ... --cert NEW.pem --key NEW.key";
  std::vector<std::pair<std::string, const Result<CertificateInfo>*>> files;
  if (!ca_file.empty()) files.emplace_back(ca_file, &ca);
  if (!cert_file.empty()) files.emplace_back(cert_file, &cert);
  std::string detail;
  for (const auto& [file, info] : files) {
    if (!*info) return failed("certificate", info->error().message, "put a valid PEM certificate at " + file);
    const auto& i = info->value();
    if (now < i.not_before) {
      return failed("certificate", file + " (" + i.subject + ") is not valid before " + date_of(i.not_before) +
                                       ", now is " + date_of(now),
                    "check the clock (timedatectl); if it is right, the certificate was issued with a future date");
    }
    if (now > i.not_after) {
      return failed("certificate", file + " (" + i.subject + ") expired on " + date_of(i.not_after),
                    file == ca_file ? "get the broker's current CA bundle and re-provision with --ca" : renew);
    }
    const auto days_left = std::chrono::duration_cast<std::chrono::hours>(i.not_after - now).count() / 24;
    if (file == cert_file && days_left < warn_days) {
      return failed("certificate", file + " (" + i.subject + ") expires in " + std::to_string(days_left) +
                                       " day(s), on " + date_of(i.not_after),
                    renew + " before then");
    }
    detail += std::string(detail.empty() ? "" : "; ") + file + " valid until " + date_of(i.not_after);
  }
  if (files.empty()) return pass("certificate", "no TLS configured (plain MQTT): nothing to check");
  return pass("certificate", detail);
}

int print_doctor_report(const std::vector<DoctorCheck>& checks, bool json, std::ostream& out) {
  bool all = true;
  for (const auto& c : checks) all = all && c.ok;
  if (json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& c : checks) arr.push_back({{"name", c.name}, {"ok", c.ok}, {"detail", c.detail}, {"fix", c.fix}});
    out << nlohmann::json{{"ok", all}, {"checks", arr}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
        << "\n";
  } else {
    int failed_count = 0;
    for (const auto& c : checks) {
      char name[16];
      std::snprintf(name, sizeof name, "%-12s", c.name.c_str());
      out << (c.ok ? "[ ok ] " : "[FAIL] ") << name << c.detail << "\n";
      if (!c.ok) {
        ++failed_count;
        out << "       fix: " << c.fix << "\n";
      }
    }
    out << checks.size() << " checks, " << failed_count << " failed\n";
  }
  return all ? 0 : 1;
}

void add_doctor_command(CLI::App& app, DoctorCommand& cmd) {
  cmd.app = app.add_subcommand("doctor", "Check configuration, certificates, broker, clock, disk, outbox, agent, scanners");
  cmd.app->add_flag("--json", cmd.json, "One JSON object {ok, checks:[{name, ok, detail, fix}]}");
  cmd.app->add_option("--min-free-mb", cmd.min_free_mb, "Least free space in the storage directory")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd.app->add_option("--max-backlog-age", cmd.max_backlog_age_s, "Oldest unacknowledged event allowed, seconds")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd.app->add_option("--cert-warn-days", cmd.cert_warn_days, "Fail when the client certificate expires sooner")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
}

int run_doctor_command(const DoctorCommand& cmd, const std::string& config_path, const std::string& bus,
                       const std::string& profiles_dir, std::chrono::milliseconds timeout, std::ostream& out,
                       std::ostream& /*err*/) {
  std::vector<DoctorCheck> checks;
  auto cfg = config::load_config(config_path);
  checks.push_back(check_config(config_path, cfg));
  const bool usable = checks.back().ok;
  const auto not_checked = [&](const char* name) {
    checks.push_back(failed(name, "not checked: the configuration is invalid", "fix the config check first"));
  };
  if (usable) {
    const auto& c = *cfg;
    if (tls_uri(c.mqtt_uri)) {
      checks.push_back(check_certificates(c.mqtt_cert_file, c.mqtt_cert_file.empty() ? Result<CertificateInfo>(
                                                                                           make_error("none", ""))
                                                                                     : inspect_certificate(c.mqtt_cert_file),
                                          c.mqtt_ca_file, inspect_certificate(c.mqtt_ca_file), system_clock::now(),
                                          cmd.cert_warn_days));
    } else {
      checks.push_back(pass("certificate", "no TLS configured (plain MQTT " + c.mqtt_uri + "): nothing to check"));
    }
    checks.push_back(check_key(c));
    checks.push_back(check_broker(c, timeout));
  } else if (cfg) {
    // Loaded, but the broker/TLS settings are unusable: the certificate facts still help.
    const auto& c = *cfg;
    if (!c.mqtt_cert_file.empty() || !c.mqtt_ca_file.empty()) {
      checks.push_back(check_certificates(c.mqtt_cert_file, inspect_certificate(c.mqtt_cert_file), c.mqtt_ca_file,
                                          inspect_certificate(c.mqtt_ca_file), system_clock::now(), cmd.cert_warn_days));
    } else {
      not_checked("certificate");
    }
    not_checked("key");
    not_checked("broker");
  } else {
    not_checked("certificate");
    not_checked("key");
    not_checked("broker");
  }
  checks.push_back(check_clock(SystemClock().wall_synced()));
  const std::string storage = cfg ? cfg->storage_path : config::AgentConfig{}.storage_path;
  {
    const std::string dir = dir_of(storage);
    struct statvfs vfs{};
    if (::statvfs(dir.c_str(), &vfs) == 0) {
      checks.push_back(check_disk(dir, static_cast<std::int64_t>(vfs.f_bavail) * static_cast<std::int64_t>(vfs.f_frsize),
                                  "", cmd.min_free_mb));
    } else {
      checks.push_back(check_disk(dir, std::nullopt, std::strerror(errno), cmd.min_free_mb));
    }
  }
  if (cfg) {
    checks.push_back(check_outbox(*cfg, cmd.max_backlog_age_s));
  } else {
    not_checked("outbox");
  }
  const std::string endpoint = !bus.empty() ? bus : cfg ? cfg->bus_endpoint : config::AgentConfig{}.bus_endpoint;
  checks.push_back(check_agent(endpoint, std::min(timeout, std::chrono::milliseconds(1500))));
  const std::string pdir = !profiles_dir.empty() ? profiles_dir : cfg ? cfg->profiles_dir : config::AgentConfig{}.profiles_dir;
  checks.push_back(check_scanners(endpoint, pdir));
  return print_doctor_report(checks, cmd.json, out);
}

}  // namespace scanedge::ctl
