// `scanedgectl provision`: sets up a device's identity and broker connection in one step.
//
//   scanedgectl [--config FILE] [--profiles DIR] provision --site S --device D --broker URI
//       [--ca PEM] [--cert PEM --key PEM] [--username U --password P]
//       [--scanner PROFILE=PORT ...] [--bind-attached]
//       [--dir /etc/scanedge] [--root DIR] [--no-check] [--check-timeout S]
//
// What it does, in this order (nothing is written before every check passed):
//  1. validates the ids (config::valid_id), the URI scheme and the TLS options (ssl:// and
//     mqtts:// need --ca; --cert and --key go together; no TLS files with tcp://);
//  2. builds the new configuration: the existing file <root><config> (normally the shipped,
//     commented /etc/scanedge/scanedged.toml) is edited in place, line by line: in [device]
//     site and id, in [mqtt] uri, ca_file, cert_file, key_file (and username/password when
//     given) replace the key's active line or its commented "#key = ..." line, or are added
//     under the section header; every other line (comments, other keys, [[scanner]] tables)
//     is kept. Without an existing file a minimal file with just those keys is written.
//     Scanner bindings: each --scanner PROFILE=PORT, and with --bind-attached every attached
//     device a profile recognises (its identity and that profile, as `scanedgectl devices`
//     lists them; an explicit --scanner for the same port wins), becomes a [[scanner]] table:
//     an existing table with the same port gets the new profile, otherwise one is appended at
//     the end of the file. A bound scanner is served even with profiles.autodetect = false
//     and keeps its profile if profiles change. Each binding is checked first: the profile
//     must load from the profiles directory and the port must suit its driver family
//     (devices/platform/scanner_port.h), as the agent checks at start. The result must parse
//     (config::parse_config) with exactly the values and bindings given, or nothing is
//     written;
//  3. checks the broker (ctl/broker_probe.h: TCP, TLS handshake, MQTT CONNECT with these
//     files, a clean session of its own client id) unless --no-check; a failure stops
//     provisioning with the reason and exit 1;
//  4. writes: the CA, certificate and key copied to <root><dir>/ca.pem, device.pem
//     (mode 0644) and device.key (mode 0600, owner scanedge:scanedge when that user exists),
//     then the configuration (mode 0640, group scanedge when it exists), each atomically
//     (temp file, fsync, rename). The configuration names the files by their paths on the
//     device (<dir>/..., without --root: --root is for images and test trees);
//  5. lists the attached devices (as `scanedgectl devices`; enumerated before step 2) and the
//     scanners bound. profiles.autodetect (on by default) serves every scanner a profile
//     recognises; a device no profile recognises needs --scanner PROFILE=PORT with a profile
//     chosen by the tech;
//  6. prints what was set.
// Exit status: 0 provisioned; 1 a check failed (ids, files, broker) or a write failed,
// nothing (ids, files, broker) or, for a write failure, possibly the TLS files but not the
// configuration changed; 2 usage.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace scanedge::ctl {

struct ProvisionCommand {
  CLI::App* app = nullptr;
  std::string site, device, broker, ca, cert, key, username, password;
  std::string dir = "/etc/scanedge";
  std::string root;
  std::vector<std::string> scanners;  // PROFILE=PORT
  bool bind_attached = false;
  bool no_check = false;
  int check_timeout_s = 10;
};

void add_provision_command(CLI::App& app, ProvisionCommand& cmd);
// `config_path`: the configuration file on the device (global --config); `profiles_dir` the
// --profiles override ("" : profiles.dir of the written configuration); `bus` the agent's
// endpoint for the scanner listing ("" : from the configuration).
int run_provision_command(const ProvisionCommand& cmd, const std::string& config_path, const std::string& profiles_dir,
                          const std::string& bus, std::ostream& out, std::ostream& err);

// Step 2 on text, for tests: `existing` (empty: no file) with the keys set and the scanners
// bound. Pure.
struct ScannerBinding {
  std::string profile, port;
  bool operator==(const ScannerBinding&) const = default;
};
struct ProvisionKeys {
  std::string site, device, uri, ca_file, cert_file, key_file;
  std::string username, password;  // set only when non-empty
  std::vector<ScannerBinding> scanners;
};
std::string edit_config_text(const std::string& existing, const ProvisionKeys& keys);

}  // namespace scanedge::ctl
