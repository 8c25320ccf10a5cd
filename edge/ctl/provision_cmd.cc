#include "edge/ctl/provision_cmd.h"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <vector>

#include "edge/config/agent_config.h"
#include "edge/config/atomic_file.h"
#include "edge/ctl/broker_probe.h"
#include "edge/ctl/devices_cmd.h"
#include "edge/devices/platform/scanner_port.h"
#include "edge/profiles/profile.h"

namespace scanedge::ctl {

namespace {

std::string toml_string(const std::string& v) {
  std::string out = "\"";
  for (unsigned char c : v) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04X", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string trim_left(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return s.substr(i);
}

// "key = ..." (active) or "#key = ..." / "# key = ..." (commented) for `key`.
bool is_key_line(const std::string& line, const std::string& key, bool commented) {
  std::string t = trim_left(line);
  if (commented) {
    if (t.empty() || t[0] != '#') return false;
    t = trim_left(t.substr(1));
  }
  if (t.compare(0, key.size(), key) != 0) return false;
  const std::string rest = trim_left(t.substr(key.size()));
  return !rest.empty() && rest[0] == '=';
}

// Section name of a header line ("device", "[scanner]" for [[scanner]]), or "" when not one.
std::string header_of(const std::string& line) {
  const std::string t = trim_left(line);
  if (t.size() < 3 || t[0] != '[') return "";
  if (t[1] == '[') {
    const auto close = t.find("]]");
    return close == std::string::npos ? "" : "[" + t.substr(2, close - 2) + "]";
  }
  const auto close = t.find(']');
  return close == std::string::npos ? "" : t.substr(1, close - 1);
}

void set_key(std::vector<std::string>& lines, const std::string& section, const std::string& key,
             const std::string& value, bool only_if_active) {
  const std::string active = key + " = " + toml_string(value);
  // The section's line range [begin, end): after its header up to the next header.
  std::size_t header = lines.size();
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (header_of(lines[i]) == section) {
      header = i;
      break;
    }
  }
  if (header < lines.size()) {
    std::size_t end = header + 1;
    while (end < lines.size() && header_of(lines[end]).empty()) ++end;
    for (std::size_t i = header + 1; i < end; ++i) {
      if (is_key_line(lines[i], key, false)) {
        lines[i] = active;
        return;
      }
    }
    if (only_if_active) return;
    for (std::size_t i = header + 1; i < end; ++i) {
      if (is_key_line(lines[i], key, true)) {
        lines[i] = active;
        return;
      }
    }
    lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(header + 1), active);
    return;
  }
  if (only_if_active) return;
  // No such section: add it before the first [[...]] table (keys after one belong to it).
  std::size_t at = lines.size();
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string h = header_of(lines[i]);
    if (!h.empty() && h[0] == '[') {
      at = i;
      break;
    }
  }
  std::vector<std::string> block{"[" + section + "]", active, ""};
  if (at > 0 && at <= lines.size() && !lines[at - 1].empty()) block.insert(block.begin(), "");
  lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(at), block.begin(), block.end());
}

// The value text of an active `key = value` line, trimmed, without a trailing comment.
std::string value_text(const std::string& line) {
  std::string v = trim_left(line.substr(line.find('=') + 1));
  if (!v.empty() && (v[0] == '"' || v[0] == '\'')) {
    // A quoted string ends at its closing quote (escaped quotes only in "...").
    for (std::size_t i = 1; i < v.size(); ++i) {
      if (v[0] == '"' && v[i] == '\\') {
        ++i;
      } else if (v[i] == v[0]) {
        return v.substr(0, i + 1);
      }
    }
    return v;
  }
  return v.substr(0, v.find_first_of(" \t#"));
}

// Binds `b`: the [[scanner]] table whose port is b.port gets b.profile; without one, a
// table is appended at the end (keys after a [[scanner]] header belong to that table).
void bind_scanner(std::vector<std::string>& lines, const ScannerBinding& b) {
  const std::string basic = toml_string(b.port);
  const std::string literal = "'" + b.port + "'";
  for (std::size_t h = 0; h < lines.size(); ++h) {
    if (header_of(lines[h]) != "[scanner]") continue;
    std::size_t end = h + 1;
    while (end < lines.size() && header_of(lines[end]).empty()) ++end;
    bool same_port = false;
    std::size_t profile_line = end;
    for (std::size_t i = h + 1; i < end; ++i) {
      if (is_key_line(lines[i], "port", false)) {
        const std::string v = value_text(lines[i]);
        same_port = v == basic || v == literal;
      } else if (is_key_line(lines[i], "profile", false)) {
        profile_line = i;
      }
    }
    if (!same_port) continue;
    const std::string active = "profile = " + toml_string(b.profile);
    if (profile_line < end) {
      lines[profile_line] = active;
    } else {
      lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(h + 1), active);
    }
    return;
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  lines.insert(lines.end(), {"", "[[scanner]]", "profile = " + toml_string(b.profile), "port = " + basic});
}

bool is_tls(const std::string& uri) { return uri.rfind("ssl://", 0) == 0 || uri.rfind("mqtts://", 0) == 0; }

Result<std::string> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return make_error("io", "cannot read " + path);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The service user's uid/gid, when the user exists.
std::optional<std::pair<uid_t, gid_t>> service_user() {
  if (const passwd* pw = ::getpwnam("scanedge")) return std::pair{pw->pw_uid, pw->pw_gid};
  return std::nullopt;
}

std::optional<gid_t> service_group() {
  if (const group* gr = ::getgrnam("scanedge")) return gr->gr_gid;
  return std::nullopt;
}

Status mkdirs(const std::string& dir) {
  std::string cur;
  std::stringstream ss(dir);
  std::string part;
  if (!dir.empty() && dir[0] == '/') cur = "";
  while (std::getline(ss, part, '/')) {
    if (part.empty()) continue;
    cur += "/" + part;
    if (::mkdir(cur.c_str(), 0755) != 0 && errno != EEXIST) {
      return make_error("io", "cannot create directory " + cur + ": " + std::strerror(errno));
    }
  }
  return {};
}

}  // namespace

std::string edit_config_text(const std::string& existing, const ProvisionKeys& k) {
  std::vector<std::string> lines;
  {
    std::stringstream ss(existing);
    std::string l;
    while (std::getline(ss, l)) lines.push_back(l);
  }
  if (existing.empty()) lines = {"# scanedged configuration written by scanedgectl provision.",
                                 "# Every other key has its default (see scanedged --check-config and the README).", ""};
  set_key(lines, "device", "site", k.site, false);
  set_key(lines, "device", "id", k.device, false);
  set_key(lines, "mqtt", "uri", k.uri, false);
  for (const auto& [name, v] : {std::pair{"ca_file", k.ca_file}, {"cert_file", k.cert_file}, {"key_file", k.key_file}}) {
    set_key(lines, "mqtt", name, v, v.empty());
  }
  if (!k.username.empty()) set_key(lines, "mqtt", "username", k.username, false);
  if (!k.password.empty()) set_key(lines, "mqtt", "password", k.password, false);
  for (const auto& b : k.scanners) bind_scanner(lines, b);
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

void add_provision_command(CLI::App& app, ProvisionCommand& cmd) {
  cmd.app = app.add_subcommand("provision", "Set site, device, broker and TLS files; check the broker; list and bind scanners");
  cmd.app->add_option("--site", cmd.site, "Site id (1-64 of A-Z a-z 0-9 . _ -)")->required();
  cmd.app->add_option("--device", cmd.device, "Device id, unique within the site")->required();
  cmd.app->add_option("--broker", cmd.broker, "Broker URI: ssl://host:8883 (TLS) or tcp://host:1883")->required();
  cmd.app->add_option("--ca", cmd.ca, "PEM file of the broker's CA (required with ssl://)")->check(CLI::ExistingFile);
  auto* cert = cmd.app->add_option("--cert", cmd.cert, "This device's client certificate (PEM)")->check(CLI::ExistingFile);
  auto* key = cmd.app->add_option("--key", cmd.key, "This device's private key (PEM)")->check(CLI::ExistingFile);
  cert->needs(key);
  key->needs(cert);
  cmd.app->add_option("--username", cmd.username, "Broker user name (if the broker wants one)");
  cmd.app->add_option("--password", cmd.password, "Broker password");
  cmd.app
      ->add_option("--scanner", cmd.scanners,
                   "Bind a scanner: PROFILE=PORT, e.g. generic-serial-ascii=usb:0403:6001:A50285BI (repeatable; "
                   "`scanedgectl devices` lists ports)")
      ->check(CLI::Validator(
          [](std::string& v) -> std::string {
            const auto eq = v.find('=');
            return eq == std::string::npos || eq == 0 || eq + 1 == v.size() ? "expected PROFILE=PORT, got \"" + v + "\""
                                                                              : "";
          },
          "PROFILE=PORT"));
  cmd.app->add_flag("--bind-attached", cmd.bind_attached,
                    "Bind every attached scanner a profile recognises to that profile ([[scanner]] tables)");
  cmd.app->add_option("--dir", cmd.dir, "Where the TLS files go on the device")->capture_default_str();
  cmd.app->add_option("--root", cmd.root, "Write into this root (an image or a test tree) instead of /");
  cmd.app->add_flag("--no-check", cmd.no_check, "Do not connect to the broker before writing");
  cmd.app->add_option("--check-timeout", cmd.check_timeout_s, "Broker check timeout, seconds")
      ->capture_default_str()
      ->check(CLI::Range(1, 120));
}

int run_provision_command(const ProvisionCommand& cmd, const std::string& config_path, const std::string& profiles_dir,
                          const std::string& bus, std::ostream& out, std::ostream& err) {
  auto fail = [&](const std::string& why) {
    err << "scanedgectl provision: " << why << "\n";
    return 1;
  };
  if (!config::valid_id(cmd.site)) return fail("--site \"" + cmd.site + "\" must be 1-64 of A-Z a-z 0-9 . _ -");
  if (!config::valid_id(cmd.device)) return fail("--device \"" + cmd.device + "\" must be 1-64 of A-Z a-z 0-9 . _ -");
  const bool tls = is_tls(cmd.broker);
  if (!tls && cmd.broker.rfind("tcp://", 0) != 0 && cmd.broker.rfind("mqtt://", 0) != 0) {
    return fail("--broker \"" + cmd.broker + "\" must start with ssl://, mqtts://, tcp:// or mqtt://");
  }
  if (tls && cmd.ca.empty()) return fail("--broker " + cmd.broker + " is TLS: give --ca PEM (the broker's CA)");
  if (!tls && (!cmd.ca.empty() || !cmd.cert.empty())) {
    return fail("--ca/--cert/--key are for TLS, but --broker " + cmd.broker + " is not: use ssl://host:8883");
  }
  if (config_path.empty() || config_path[0] != '/') return fail("--config must be an absolute path on the device");
  if (cmd.dir.empty() || cmd.dir[0] != '/') return fail("--dir must be an absolute path on the device");

  const std::string root = cmd.root;
  const std::string cfg_file = root + config_path;
  ProvisionKeys keys;  // the bindings are added after the device listing below
  keys.site = cmd.site;
  keys.device = cmd.device;
  keys.uri = cmd.broker;
  keys.username = cmd.username;
  keys.password = cmd.password;
  if (tls) {
    keys.ca_file = cmd.dir + "/ca.pem";
    if (!cmd.cert.empty()) {
      keys.cert_file = cmd.dir + "/device.pem";
      keys.key_file = cmd.dir + "/device.key";
    }
  }

  // 2. The new configuration text, validated before anything is written.
  std::string existing;
  struct stat sb{};
  const bool had_file = ::stat(cfg_file.c_str(), &sb) == 0;
  if (had_file) {
    auto t = read_file(cfg_file);
    if (!t) return fail(t.error().message);
    existing = *t;
  }
  auto validated = [&](const std::string& text) -> Result<config::AgentConfig> {
    auto parsed = config::parse_config(text, cfg_file);
    if (!parsed) {
      return make_error("config", "the configuration would not be valid: " + parsed.error().message +
                                      (had_file ? " (fix the existing file or move it away)" : ""));
    }
    bool placed = parsed->site == keys.site && parsed->device == keys.device && parsed->mqtt_uri == keys.uri &&
                  parsed->mqtt_ca_file == keys.ca_file && parsed->mqtt_cert_file == keys.cert_file &&
                  parsed->mqtt_key_file == keys.key_file;
    for (const auto& b : keys.scanners) {
      int with_port = 0;
      for (const auto& sc : parsed->scanners) {
        if (sc.port == b.port) with_port += sc.profile == b.profile ? 1 : 2;
      }
      placed = placed && with_port == 1;
    }
    if (!placed) {
      return make_error("config", "could not place the keys in " + cfg_file +
                                      " (unusual layout: e.g. a dotted key, an inline table for [device]/[mqtt], or "
                                      "two [[scanner]] tables for one port); edit it by hand");
    }
    return parsed;
  };
  // Without bindings first: the profiles directory and the bus endpoint come from it.
  auto base = validated(edit_config_text(existing, keys));
  if (!base) return fail(base.error().message);
  const std::string pdir = profiles_dir.empty() ? root + base->profiles_dir : profiles_dir;
  const auto listing = list_devices(bus.empty() ? base->bus_endpoint : bus, pdir, std::chrono::milliseconds(300), err);

  // The bindings: --scanner first, then (--bind-attached) what the listing recognised.
  for (const auto& spec : cmd.scanners) {
    const auto eq = spec.find('=');
    const ScannerBinding b{spec.substr(0, eq), spec.substr(eq + 1)};
    auto profile = find_profile(pdir, b.profile);
    if (!profile) return fail("--scanner " + spec + ": profile \"" + b.profile + "\": " + profile.error().message);
    if (auto s = devices::check_scanner_port(b.port, *profile); !s) {
      return fail("--scanner " + spec + ": " + s.error().message);
    }
    std::erase_if(keys.scanners, [&](const ScannerBinding& o) { return o.port == b.port; });
    keys.scanners.push_back(b);
  }
  std::vector<std::string> not_bound;  // attached, recognised, but the port does not suit the family
  if (cmd.bind_attached) {
    for (const auto& r : listing.rows) {
      if (r.kind.empty() || r.profile.empty() || r.identity.empty()) continue;
      if (std::any_of(keys.scanners.begin(), keys.scanners.end(),
                      [&](const ScannerBinding& o) { return o.port == r.identity; })) {
        continue;
      }
      auto profile = find_profile(pdir, r.profile);
      if (!profile) {
        not_bound.push_back(r.identity + ": profile " + r.profile + ": " + profile.error().message);
        continue;
      }
      if (auto s = devices::check_scanner_port(r.identity, *profile); !s) {
        not_bound.push_back(r.identity + ": " + s.error().message);
        continue;
      }
      keys.scanners.push_back(ScannerBinding{r.profile, r.identity});
    }
  }
  const std::string text = edit_config_text(existing, keys);
  auto parsed = validated(text);
  if (!parsed) return fail(parsed.error().message);

  // 3. The broker, with the source files (the copies do not exist yet).
  if (!cmd.no_check) {
    BrokerProbe p;
    p.uri = cmd.broker;
    p.site = cmd.site;
    p.device = cmd.device;
    p.ca_file = cmd.ca;
    p.cert_file = cmd.cert;
    p.key_file = cmd.key;
    p.username = parsed->mqtt_username;
    p.password = parsed->mqtt_password;
    p.version = static_cast<int>(parsed->mqtt_version);
    p.timeout = std::chrono::seconds(cmd.check_timeout_s);
    out << "checking the broker " << cmd.broker << " ..." << std::flush;
    auto r = probe_broker(p);
    if (!r) {
      out << " failed\n";
      return fail("broker check failed (" + r.error().code + "): " + r.error().message +
                  "\nnothing was written; fix the cause, or give --no-check to provision without the broker");
    }
    out << " ok (" << (r->tls ? "TLS handshake and " : "") << "MQTT connect in " << r->connect_ms.count() << " ms)\n";
  }

  // 4. The files.
  const std::string dir = root + cmd.dir;
  const std::string cfg_dir = cfg_file.substr(0, cfg_file.rfind('/'));
  for (const std::string& d : {dir, cfg_dir}) {
    if (auto s = mkdirs(d); !s) return fail(s.error().message);
  }
  const auto user = service_user();
  const auto group = service_group();
  struct Copy {
    std::string from, to;
    mode_t mode;
    bool secret;
  };
  std::vector<Copy> copies;
  if (tls) copies.push_back({cmd.ca, root + keys.ca_file, 0644, false});
  if (!cmd.cert.empty()) {
    copies.push_back({cmd.cert, root + keys.cert_file, 0644, false});
    copies.push_back({cmd.key, root + keys.key_file, 0600, true});
  }
  for (const auto& c : copies) {
    auto content = read_file(c.from);
    if (!content) return fail(content.error().message);
    if (auto s = config::write_file_atomic(c.to, *content, c.mode); !s) return fail(s.error().message);
    if (c.secret && user && ::chown(c.to.c_str(), user->first, user->second) != 0) {
      return fail("cannot give " + c.to + " to user scanedge: " + std::strerror(errno));
    }
  }
  if (auto s = config::write_file_atomic(cfg_file, text, 0640); !s) return fail(s.error().message);
  if (group && ::chown(cfg_file.c_str(), static_cast<uid_t>(-1), *group) != 0) {
    return fail("cannot give " + cfg_file + " to group scanedge: " + std::strerror(errno));
  }

  // 5. Scanners: the listing taken before step 2, and what was bound.
  out << "\nattached devices (profiles.autodetect = " << (parsed->autodetect ? "true" : "false")
      << (parsed->autodetect ? ": every recognised scanner is served" : ": only [[scanner]] entries are served")
      << "):\n";
  out << devices::format_device_table(listing.rows);
  bool unrecognised = false;
  for (const auto& r : listing.rows) unrecognised = unrecognised || r.state == "no_profile";
  if (unrecognised) {
    out << "(a scanner listed as no_profile is served once bound: provision again with --scanner PROFILE=PORT, "
           "PORT as listed)\n";
  }
  for (const auto& why : not_bound) out << "not bound: " << why << "\n";

  // 6. Summary.
  out << "\nprovisioned " << cfg_file << (had_file ? " (updated; other settings kept)" : " (new file)") << ":\n"
      << "  device.site    = " << keys.site << "\n"
      << "  device.id      = " << keys.device << "\n"
      << "  mqtt.uri       = " << keys.uri << "\n";
  if (tls) out << "  mqtt.ca_file   = " << keys.ca_file << "\n";
  if (!keys.cert_file.empty()) {
    out << "  mqtt.cert_file = " << keys.cert_file << "\n"
        << "  mqtt.key_file  = " << keys.key_file << " (mode 0600" << (user ? ", owner scanedge" : "") << ")\n";
  }
  if (!keys.username.empty()) out << "  mqtt.username  = " << keys.username << "\n";
  for (const auto& b : keys.scanners) out << "  scanner        = " << b.port << " -> profile " << b.profile << "\n";
  if (cmd.bind_attached && keys.scanners.empty()) {
    out << "  scanner        = none bound (--bind-attached: no attached device is recognised by a profile)\n";
  }
  out << "  broker check   = " << (cmd.no_check ? "skipped (--no-check)" : "passed") << "\n"
      << "next: scanedged --check-config -c " << config_path << " && systemctl restart scanedged\n";
  return 0;
}

}  // namespace scanedge::ctl
