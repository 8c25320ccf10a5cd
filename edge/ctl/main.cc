// scanedgectl: the command line for field techs, store staff and scripts.
//
//   scanedgectl [--bus ENDPOINT | --config FILE] [--timeout MS] status
//       Prints the agent's status as JSON. Exit 0; 3 when the agent does not answer.
//   scanedgectl [...] scan DATA [--scanner NAME]
//       Injects DATA as a scan (exactly as a scanner delivers it: AIM id first if any, GS as
//       the byte 0x1D) and prints the decision JSON once it is stored. Exit 0 confirmed,
//       1 rejected, 3 not stored or the agent did not answer.
//   scanedgectl [...] task put FILE
//       Loads a task document (JSON) into the agent. Exit 0 when accepted, 1 when refused.
//   scanedgectl [...] task list [--state S] [--json]
//       The agent's tasks: one line each (id, type, channel, state, units done/ordered), or
//       with --json the task.list reply's "tasks" array. Exit 0; 3 unreachable.
//   scanedgectl [...] task start|complete ID
//   scanedgectl [...] task cancel ID [--reason TEXT]
//   scanedgectl [...] login BADGE          (the badge as scanned, or the bare operator id)
//   scanedgectl [...] logout
//   scanedgectl [...] exception short --task ID --line N [--qty Q]
//   scanedgectl [...] exception substitution --task ID --line N --data DATA --approved-by OP
//   scanedgectl [...] exception damage (--data DATA | --gtin GTIN) [--qty Q] [--task ID] [--line N]
//   scanedgectl [...] exception missed-pickup --task ID
//   scanedgectl [...] inspect --task ID --line N --disposition restock|damaged|dispose|refurbish [--qty Q]
//       Send the bus action (edge/tasks/WORK_MODEL.md) and print the reply JSON once its
//       events are stored. Exit 0 done, 1 refused by the agent (the reply names why), 3 not
//       stored or the agent did not answer.
//   scanedgectl decode [--json] DATA
//   scanedgectl decode [--json] --epc HEX
//       Decodes DATA (or, with --epc, an EPC given as hex) locally (no agent needed). With
//       --json prints the decode contract object on stdout. Exit 0 when valid, 1 when
//       invalid. Exactly one of DATA and --epc.
//   scanedgectl [--config FILE] profiles check [FILE...]
//       Validates firmware profiles (default: every profile in profiles.dir) and prints
//       `file:line:column: what is wrong` for each problem. Exit 0 all valid, 1 otherwise.
//   scanedgectl [--config FILE] profiles udev-rules
//       Prints udev rules giving group scanedge access to the profiles' scanners (edge/ctl/udev_rules_cmd.h).
//   scanedgectl [...] devices [--json]
//       Lists attached USB devices and serial ports, the profile that recognises each and its
//       state (in_service, permission_denied with the fix, no_profile, ...). Exit 0; 1 when
//       neither USB nor serial enumeration works.
//   scanedgectl [--pub ENDPOINT | --config FILE] watch [--json] [--topic T]... [--count N] [--seconds S]
//       Live view of the agent's PUB stream: one line per decision (time, CONFIRMED/REJECTED/
//       NOT STORED, scanner, task/line or reason, seq) and per sync change (online/offline,
//       backlog per stream). --json prints each message as one JSON line {"topic","message"}.
//       Stops after N messages, S seconds, or Ctrl-C; exit 0. Exit 3 when the PUB endpoint
//       (--pub, else bus.pub_endpoint from --config) cannot be connected within --timeout.
//   scanedgectl [--config FILE] provision --site S --device D --broker URI [--ca PEM]
//       [--cert PEM --key PEM] [--username U --password P] [--dir /etc/scanedge] [--root DIR]
//       [--no-check] [--check-timeout S]
//       Writes the agent configuration (FILE, default /etc/scanedge/scanedged.toml, under DIR
//       with --root) and copies the TLS files to --dir (key 0600, owner scanedge), atomically,
//       after checking ids, files and (unless --no-check) the broker handshake; lists the
//       attached scanners; prints what was set. Contract: edge/ctl/provision_cmd.h. Exit 0
//       provisioned, 1 a check or write failed (the reason on stderr; nothing written when a
//       check failed).
//   scanedgectl [...] doctor [--json] [--min-free-mb N] [--max-backlog-age S] [--cert-warn-days D]
//       Checks config, certificate, key, broker, clock, disk, outbox, agent, scanners; prints
//       each with the fix for a failure, or with --json one object {"ok","checks":[{"name",
//       "ok","detail","fix"}]}. Contract: edge/ctl/doctor_cmd.h. Exit 0 all passed, 1 some failed.
//   scanedgectl [--config FILE] outbox [--db PATH] stats [--json]
//   scanedgectl [...] outbox [--db PATH] list [--stream S] [--from SEQ] [--to SEQ] [--limit N]
//   scanedgectl [...] outbox [--db PATH] export [--stream S] [--from SEQ] [--to SEQ] [--out FILE]
//       Reads the outbox database read-only (safe while the agent runs): per-stream counters,
//       one line per stored event, or the stored events as JSON lines. Contract:
//       edge/ctl/outbox_cmd.h. Exit 0; 1 when the database cannot be opened or read.
//   --profiles DIR overrides the profiles directory (default: profiles.dir from --config).
// Usage errors exit 2.
#include <algorithm>
#include <cstdio>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <vector>

#include <CLI/CLI.hpp>

#include "edge/bus/bus_client.h"
#include "edge/config/agent_config.h"
#include "edge/ctl/devices_cmd.h"
#include "edge/ctl/doctor_cmd.h"
#include "edge/ctl/outbox_cmd.h"
#include "edge/ctl/provision_cmd.h"
#include "edge/ctl/profiles_check.h"
#include "edge/ctl/udev_rules_cmd.h"
#include "edge/ctl/watch_cmd.h"
#include "edge/decode/decoder.h"
#include "edge/decode/epc.h"

namespace {

constexpr int kExitRejected = 1;
constexpr int kExitUnreachable = 3;

std::string resolve_profiles_dir(const std::string& dir, const std::string& config_path) {
  if (!dir.empty()) return dir;
  if (auto cfg = scanedge::config::load_config(config_path)) return cfg->profiles_dir;
  return scanedge::config::AgentConfig{}.profiles_dir;
}

std::string resolve_endpoint(const std::string& bus, const std::string& config_path) {
  if (!bus.empty()) return bus;
  if (auto cfg = scanedge::config::load_config(config_path)) return cfg->bus_endpoint;
  return scanedge::config::AgentConfig{}.bus_endpoint;
}

std::string resolve_pub_endpoint(const std::string& pub, const std::string& config_path) {
  if (!pub.empty()) return pub;
  if (auto cfg = scanedge::config::load_config(config_path)) return cfg->bus_pub_endpoint;
  return scanedge::config::AgentConfig{}.bus_pub_endpoint;
}

int print_reply(const scanedge::Result<nlohmann::json>& r) {
  if (!r) {
    std::cerr << "scanedgectl: " << r.error().message << "\n";
    return kExitUnreachable;
  }
  std::cout << r->dump(2) << "\n";
  return 0;
}

int cmd_decode(const std::string& data, const std::optional<std::string>& epc_hex, bool json) {
  const auto r = epc_hex ? scanedge::decode::decode_epc(*epc_hex) : scanedge::decode::decode(data);
  const nlohmann::json j = scanedge::decode::to_json(r);
  if (json) {
    std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return r.ok() ? 0 : 1;
  }
  if (!r.ok()) {
    std::cout << "invalid: " << r.error.message << " (" << r.error.code << ", at byte " << r.error.offset << ")\n";
    return 1;
  }
  const auto& v = *r.value;
  std::cout << "symbology: " << v.symbology << (v.aim.empty() ? "" : " (" + v.aim + ")") << "\nkind:      " << v.kind
            << "\n";
  for (const auto& ai : v.ais) std::cout << "  (" << ai.ai << ") " << ai.value << "\n";
  const auto& id = v.identity;
  auto show = [](const char* name, const std::optional<std::string>& val) {
    if (val) std::cout << name << *val << "\n";
  };
  show("gtin:      ", id.gtin);
  show("lot:       ", id.lot);
  show("serial:    ", id.serial);
  show("expiry:    ", id.expiry);
  show("sscc:      ", id.sscc);
  if (v.kind == "plain") std::cout << "text:      " << v.text << "\n";
  show("epc:       ", id.epc);
  if (v.epc) {
    std::cout << "scheme:    " << v.epc->scheme << "\nfilter:    " << v.epc->filter
              << "\ntag uri:   " << v.epc->tag_uri << "\n";
  }
  if (v.digital_link) std::cout << "link:      " << *v.digital_link << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"scanedgectl: talk to the scanedge agent, decode barcodes"};
  app.require_subcommand(1);
  std::string bus;
  std::string config_path = "/etc/scanedge/scanedged.toml";
  int timeout_ms = 5000;
  app.add_option("--bus", bus, "Agent bus endpoint (default: from --config, else ipc:///run/scanedge/bus.sock)");
  app.add_option("-c,--config", config_path, "Agent configuration file to read the bus endpoint from")
      ->capture_default_str();
  app.add_option("--timeout", timeout_ms, "How long to wait for the agent, milliseconds")
      ->capture_default_str()
      ->check(CLI::Range(1, 600000));

  auto* status = app.add_subcommand("status", "Print the agent's status as JSON");

  auto* scan = app.add_subcommand("scan", "Inject a scan and print the decision once it is stored");
  std::string scan_data;
  std::string scanner = "ctl";
  scan->add_option("DATA", scan_data, "Scan data exactly as a scanner delivers it")->required();
  scan->add_option("--scanner", scanner, "Name of the software scanner")->capture_default_str();

  auto* task = app.add_subcommand("task", "Task commands");
  task->require_subcommand(1);
  auto* task_put = task->add_subcommand("put", "Load a task document (JSON file) into the agent");
  std::string task_file;
  task_put->add_option("FILE", task_file, "Task document")->required()->check(CLI::ExistingFile);

  auto* task_list = task->add_subcommand("list", "List the agent's tasks");
  std::string task_state_filter;
  bool task_list_json = false;
  task_list->add_option("--state", task_state_filter, "Only tasks in this state");
  task_list->add_flag("--json", task_list_json, "Print the tasks as JSON");
  std::string task_id;
  auto* task_start = task->add_subcommand("start", "Make a task the operator's active task");
  task_start->add_option("ID", task_id, "Task id")->required();
  auto* task_complete = task->add_subcommand("complete", "Close a task now (what is missing is reported short)");
  task_complete->add_option("ID", task_id, "Task id")->required();
  auto* task_cancel = task->add_subcommand("cancel", "Cancel a task on this device");
  std::string cancel_reason = "cancelled on the device";
  task_cancel->add_option("ID", task_id, "Task id")->required();
  task_cancel->add_option("--reason", cancel_reason, "Why")->capture_default_str();

  auto* login = app.add_subcommand("login", "Log an operator in (badge as scanned, or the operator id)");
  std::string badge;
  login->add_option("BADGE", badge, "Badge data or operator id")->required();
  auto* logout = app.add_subcommand("logout", "Log the operator out");

  auto* exception = app.add_subcommand("exception", "Report an exception");
  exception->require_subcommand(1);
  std::string ex_task, ex_data, ex_gtin, ex_approved_by;
  std::int64_t ex_line = 0, ex_qty = 0;
  auto* ex_short = exception->add_subcommand("short", "Units of a line cannot be found (short pick)");
  ex_short->add_option("--task", ex_task, "Task id")->required();
  ex_short->add_option("--line", ex_line, "Line number")->required()->check(CLI::PositiveNumber);
  auto* ex_short_qty = ex_short->add_option("--qty", ex_qty, "Units short (default: all still missing)")
                           ->check(CLI::PositiveNumber);
  auto* ex_sub = exception->add_subcommand("substitution", "An operator-approved substitute for a line");
  ex_sub->add_option("--task", ex_task, "Task id")->required();
  ex_sub->add_option("--line", ex_line, "Line number")->required()->check(CLI::PositiveNumber);
  ex_sub->add_option("--data", ex_data, "The substitute's barcode, as scanned")->required();
  ex_sub->add_option("--approved-by", ex_approved_by, "Who approved it (operator id)")->required();
  auto* ex_damage = exception->add_subcommand("damage", "Damaged units (on a receive task: damaged receipt)");
  auto* ex_damage_data = ex_damage->add_option("--data", ex_data, "The item's barcode, as scanned");
  auto* ex_damage_gtin = ex_damage->add_option("--gtin", ex_gtin, "The item's GTIN");
  ex_damage_data->excludes(ex_damage_gtin);
  auto* ex_damage_qty = ex_damage->add_option("--qty", ex_qty, "Units (default 1)")->check(CLI::PositiveNumber);
  auto* ex_damage_task = ex_damage->add_option("--task", ex_task, "Task id");
  auto* ex_damage_line = ex_damage->add_option("--line", ex_line, "Line number")->check(CLI::PositiveNumber);
  auto* ex_missed = exception->add_subcommand("missed-pickup", "The customer did not come for a pickup");
  ex_missed->add_option("--task", ex_task, "Task id")->required();

  auto* inspect = app.add_subcommand("inspect", "Record the inspection of returned units");
  std::string disposition;
  std::int64_t inspect_line = 0, inspect_qty = 0;
  inspect->add_option("--task", ex_task, "Return task id")->required();
  inspect->add_option("--line", inspect_line, "RMA line number")->required()->check(CLI::PositiveNumber);
  inspect->add_option("--disposition", disposition, "What happens to the units")
      ->required()
      ->check(CLI::IsMember({"restock", "damaged", "dispose", "refurbish"}));
  auto* inspect_qty_opt = inspect->add_option("--qty", inspect_qty, "Units (default 1)")->check(CLI::PositiveNumber);

  auto* decode = app.add_subcommand("decode", "Decode barcode data locally");
  std::string decode_data;
  bool decode_json = false;
  decode->add_flag("--json", decode_json, "Print the decode contract JSON");
  std::string decode_epc_hex;
  auto* decode_data_opt = decode->add_option("DATA", decode_data, "Data exactly as a scanner delivers it");
  auto* decode_epc_opt = decode->add_option("--epc", decode_epc_hex, "Decode an EPC given as hex digits instead");
  decode_epc_opt->excludes(decode_data_opt);

  std::string profiles_dir;
  app.add_option("--profiles", profiles_dir, "Firmware profiles directory (default: profiles.dir from --config)");

  auto* profiles = app.add_subcommand("profiles", "Firmware profile commands");
  profiles->require_subcommand(1);
  auto* profiles_check = profiles->add_subcommand("check", "Validate profiles (default: all in the profiles directory)");
  std::vector<std::string> profile_files;
  profiles_check->add_option("FILE", profile_files, "Profile files to check");
  auto* profiles_udev = profiles->add_subcommand("udev-rules", "Print udev rules giving group scanedge the profiles' scanners");

  auto* devices = app.add_subcommand("devices", "List attached USB devices and serial ports with profile and state");
  bool devices_json = false;
  devices->add_flag("--json", devices_json, "Print a JSON array instead of a table");

  std::string pub;
  app.add_option("--pub", pub, "Agent PUB endpoint for watch (default: bus.pub_endpoint from --config)");
  auto* watch = app.add_subcommand("watch", "Live view of decisions and sync state");
  bool watch_json = false;
  std::vector<std::string> watch_topics;
  std::int64_t watch_count = 0;
  double watch_seconds = 0;
  watch->add_flag("--json", watch_json, "Print each message as one JSON line");
  watch->add_option("--topic", watch_topics, "Only these topics (decision, task, sync); repeatable");
  auto* watch_count_opt =
      watch->add_option("--count", watch_count, "Stop after N messages")->check(CLI::Range(std::int64_t{1}, INT64_MAX));
  auto* watch_seconds_opt = watch->add_option("--seconds", watch_seconds, "Stop after S seconds")
                                ->check(CLI::Range(0.001, 1e9));

  scanedge::ctl::ProvisionCommand provision_cmd;
  scanedge::ctl::add_provision_command(app, provision_cmd);
  scanedge::ctl::DoctorCommand doctor_cmd;
  scanedge::ctl::add_doctor_command(app, doctor_cmd);
  scanedge::ctl::OutboxCommand outbox_cmd;
  scanedge::ctl::add_outbox_command(app, outbox_cmd);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help/--version exit 0; every usage error exits 2 (CLI11's own codes are 1xx).
    return app.exit(e) == 0 ? 0 : 2;
  }
  const auto timeout = std::chrono::milliseconds(timeout_ms);

  if (decode->parsed()) {
    if (decode_data_opt->count() == 0 && decode_epc_opt->count() == 0) {
      std::cerr << "scanedgectl decode: give DATA or --epc HEX\n" << decode->help();
      return 2;
    }
    return cmd_decode(decode_data,
                      decode_epc_opt->count() > 0 ? std::optional<std::string>(decode_epc_hex) : std::nullopt,
                      decode_json);
  }

  if (provision_cmd.app->parsed()) {
    return scanedge::ctl::run_provision_command(provision_cmd, config_path, profiles_dir, bus, std::cout, std::cerr);
  }
  if (doctor_cmd.app->parsed()) {
    return scanedge::ctl::run_doctor_command(doctor_cmd, config_path, bus, profiles_dir, timeout, std::cout, std::cerr);
  }
  if (outbox_cmd.outbox->parsed()) return scanedge::ctl::run_outbox_command(outbox_cmd, config_path, std::cout, std::cerr);
  if (profiles_check->parsed()) {
    return scanedge::ctl::profiles_check(profile_files, resolve_profiles_dir(profiles_dir, config_path), std::cout);
  }
  if (profiles_udev->parsed()) {
    return scanedge::ctl::udev_rules_cmd(resolve_profiles_dir(profiles_dir, config_path), std::cout, std::cerr);
  }
  if (devices->parsed()) {
    // The agent answers status at once when it runs; do not make a field tech wait 5 s.
    return scanedge::ctl::devices_cmd(resolve_endpoint(bus, config_path), resolve_profiles_dir(profiles_dir, config_path),
                                      devices_json, std::min(timeout, std::chrono::milliseconds(1500)), std::cout,
                                      std::cerr);
  }

  if (watch->parsed()) {
    scanedge::ctl::WatchOptions wo;
    wo.pub_endpoint = resolve_pub_endpoint(pub, config_path);
    wo.topics = watch_topics;
    wo.json = watch_json;
    if (watch_count_opt->count() > 0) wo.count = watch_count;
    if (watch_seconds_opt->count() > 0) wo.seconds = watch_seconds;
    wo.connect_timeout = timeout;
    return scanedge::ctl::watch_cmd(wo, std::cout, std::cerr);
  }

  scanedge::bus::BusClient client(resolve_endpoint(bus, config_path));
  if (status->parsed()) return print_reply(client.request({{"v", 1}, {"op", "status"}}, timeout));
  if (scan->parsed()) {
    auto r = client.request({{"v", 1}, {"op", "scan.inject"}, {"data", scan_data}, {"scanner", scanner}}, timeout);
    if (!r) return print_reply(r);
    std::cout << r->dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    if (r->value("decision", "") == "confirmed") return 0;
    if (r->value("decision", "") == "rejected") return kExitRejected;
    return kExitUnreachable;
  }
  // Bus actions: print the reply; 0 done, 1 refused, 3 not stored / unreachable.
  auto action = [&](nlohmann::json req) -> int {
    req["v"] = 1;
    auto r = client.request(req, timeout);
    if (!r) return print_reply(r);
    std::cout << r->dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    if (r->value("ok", false)) return 0;
    const std::string code = r->contains("error") ? (*r)["error"].value("code", "") : std::string();
    return code == "storage_full" || code == "storage" || code == "shutting_down" ? kExitUnreachable : kExitRejected;
  };
  if (task_list->parsed()) {
    nlohmann::json req{{"v", 1}, {"op", "task.list"}};
    if (!task_state_filter.empty()) req["state"] = task_state_filter;
    auto r = client.request(req, timeout);
    if (!r) return print_reply(r);
    if (!r->value("ok", false)) {
      std::cout << r->dump(2) << "\n";
      return kExitRejected;
    }
    const nlohmann::json tasks = r->value("tasks", nlohmann::json::array());
    if (task_list_json) {
      std::cout << tasks.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
      return 0;
    }
    std::printf("%-24s %-16s %-10s %-12s %s\n", "TASK", "TYPE", "CHANNEL", "STATE", "DONE/QTY");
    for (const auto& t : tasks) {
      const std::string done = std::to_string(t.value("picked", 0)) + "/" + std::to_string(t.value("qty", 0));
      std::printf("%-24s %-16s %-10s %-12s %s\n", t.value("task_id", "?").c_str(), t.value("type", "?").c_str(),
                  t.value("channel", "?").c_str(), t.value("state", "?").c_str(), done.c_str());
    }
    return 0;
  }
  if (task_start->parsed()) return action({{"op", "task.start"}, {"task_id", task_id}});
  if (task_complete->parsed()) return action({{"op", "task.complete"}, {"task_id", task_id}});
  if (task_cancel->parsed()) return action({{"op", "task.cancel"}, {"task_id", task_id}, {"reason", cancel_reason}});
  if (login->parsed()) return action({{"op", "operator.login"}, {"badge", badge}});
  if (logout->parsed()) return action({{"op", "operator.logout"}});
  if (ex_short->parsed()) {
    nlohmann::json req{{"op", "exception.report"}, {"type", "short"}, {"task_id", ex_task}, {"line", ex_line}};
    if (ex_short_qty->count() > 0) req["qty"] = ex_qty;
    return action(req);
  }
  if (ex_sub->parsed()) {
    return action({{"op", "exception.report"}, {"type", "substitution"}, {"task_id", ex_task}, {"line", ex_line},
                   {"data", ex_data}, {"approved_by", ex_approved_by}});
  }
  if (ex_damage->parsed()) {
    if (ex_damage_data->count() == 0 && ex_damage_gtin->count() == 0) {
      std::cerr << "scanedgectl exception damage: give --data DATA or --gtin GTIN\n";
      return 2;
    }
    nlohmann::json req{{"op", "exception.report"}, {"type", "damage"}};
    if (ex_damage_data->count() > 0) req["data"] = ex_data;
    if (ex_damage_gtin->count() > 0) req["gtin"] = ex_gtin;
    if (ex_damage_qty->count() > 0) req["qty"] = ex_qty;
    if (ex_damage_task->count() > 0) req["task_id"] = ex_task;
    if (ex_damage_line->count() > 0) req["line"] = ex_line;
    return action(req);
  }
  if (ex_missed->parsed()) return action({{"op", "exception.report"}, {"type", "missed_pickup"}, {"task_id", ex_task}});
  if (inspect->parsed()) {
    nlohmann::json req{{"op", "return.inspect"}, {"task_id", ex_task}, {"line", inspect_line},
                       {"disposition", disposition}};
    if (inspect_qty_opt->count() > 0) req["qty"] = inspect_qty;
    return action(req);
  }
  if (task_put->parsed()) {
    std::ifstream f(task_file);
    std::stringstream ss;
    ss << f.rdbuf();
    auto doc = nlohmann::json::parse(ss.str(), nullptr, false);
    if (doc.is_discarded()) {
      std::cerr << "scanedgectl: " << task_file << " is not valid JSON\n";
      return 2;
    }
    auto r = client.request({{"v", 1}, {"op", "task.put"}, {"task", doc}}, timeout);
    if (!r) return print_reply(r);
    std::cout << r->dump(2) << "\n";
    return r->value("ok", false) ? 0 : kExitRejected;
  }
  return 2;
}
