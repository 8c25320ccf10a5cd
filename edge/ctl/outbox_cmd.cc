#include "edge/ctl/outbox_cmd.h"

#include <cstdio>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "edge/config/agent_config.h"
#include "edge/config/atomic_file.h"
#include "edge/outbox/outbox_reader.h"

namespace scanedge::ctl {

namespace {

constexpr std::size_t kPage = 1000;

std::vector<Stream> selected(const std::string& s) {
  if (s.empty()) return {Stream::exec, Stream::telemetry};
  return {*stream_from_string(s)};
}

std::string detail_of(const nlohmann::json& ev) {
  std::string d;
  if (ev.contains("task") && ev["task"].is_string()) d = "task " + ev["task"].get<std::string>();
  if (ev.contains("line") && ev["line"].is_number_integer()) {
    d += (d.empty() ? "" : " ") + std::string("line ") + std::to_string(ev["line"].get<std::int64_t>());
  }
  if (ev.contains("reason")) {
    const auto& r = ev["reason"];
    const std::string why = r.is_object() ? r.value("code", std::string()) : r.is_string() ? r.get<std::string>() : "";
    if (!why.empty()) d += (d.empty() ? "" : " ") + std::string("reason ") + why;
  }
  return d;
}

}  // namespace

void add_outbox_command(CLI::App& app, OutboxCommand& cmd) {
  cmd.outbox = app.add_subcommand("outbox", "Inspect the outbox database read-only (safe while the agent runs)");
  cmd.outbox->require_subcommand(1);
  cmd.outbox->add_option("--db", cmd.db, "Outbox database (default: storage.path from --config)");
  cmd.stats = cmd.outbox->add_subcommand("stats", "Per stream: stored events, seq range, acked cursor, bytes, shed");
  cmd.stats->add_flag("--json", cmd.json, "Print one JSON object");
  auto streams = CLI::IsMember({"exec", "telemetry"});
  cmd.list = cmd.outbox->add_subcommand("list", "One line per stored event");
  cmd.export_ = cmd.outbox->add_subcommand("export", "Stored events as JSON lines (exactly as stored and sent)");
  for (CLI::App* sub : {cmd.list, cmd.export_}) {
    sub->add_option("--stream", cmd.stream, "Only this stream (exec or telemetry)")->check(streams);
    sub->add_option_function<std::int64_t>("--from", [&cmd](std::int64_t v) { cmd.from = v; }, "First seq")
        ->check(CLI::NonNegativeNumber);
    sub->add_option_function<std::int64_t>("--to", [&cmd](std::int64_t v) { cmd.to = v; }, "Last seq")
        ->check(CLI::NonNegativeNumber);
  }
  cmd.list->add_option("--limit", cmd.limit, "Most events per stream")->capture_default_str()->check(
      CLI::Range(std::int64_t{1}, std::int64_t{1000000000}));
  cmd.export_->add_option("--out", cmd.out_file, "Write to this file (atomically) instead of stdout");
}

int run_outbox_command(const OutboxCommand& cmd, const std::string& config_path, std::ostream& out,
                       std::ostream& err) {
  std::string path = cmd.db;
  if (path.empty()) {
    auto cfg = config::load_config(config_path);
    if (!cfg) {
      err << "scanedgectl outbox: " << cfg.error().message << " (or give --db PATH)\n";
      return 1;
    }
    path = cfg->storage_path;
  }
  auto reader = outbox::OutboxReader::open(path);
  if (!reader) {
    err << "scanedgectl outbox: " << reader.error().message << "\n";
    return 1;
  }
  outbox::OutboxReader& r = **reader;

  if (cmd.stats->parsed()) {
    nlohmann::json j{{"db", path}, {"schema_version", r.schema_version()}, {"streams", nlohmann::json::object()}};
    for (Stream s : {Stream::exec, Stream::telemetry}) {
      auto sum = r.summary(s);
      if (!sum) {
        err << "scanedgectl outbox: " << path << ": " << sum.error().message << "\n";
        return 1;
      }
      const auto& st = sum->stats;
      j["streams"][std::string(to_string(s))] = {{"stored", st.depth},         {"first_seq", sum->first_seq},
                                                 {"last_seq", st.last_seq},    {"acked_through", st.acked_through},
                                                 {"bytes", st.bytes},          {"shed", st.shed},
                                                 {"shed_through", st.shed_through}};
    }
    if (cmd.json) {
      out << j.dump(2) << "\n";
      return 0;
    }
    out << "outbox " << path << " (schema " << r.schema_version() << ")\n";
    char line[200];
    std::snprintf(line, sizeof line, "%-10s %10s %10s %10s %10s %12s %8s %12s\n", "STREAM", "STORED", "FIRST", "LAST",
                  "ACKED", "BYTES", "SHED", "SHED_THROUGH");
    out << line;
    for (const auto& [name, v] : j["streams"].items()) {
      std::snprintf(line, sizeof line, "%-10s %10lld %10lld %10lld %10lld %12lld %8lld %12lld\n", name.c_str(),
                    static_cast<long long>(v["stored"].get<std::int64_t>()),
                    static_cast<long long>(v["first_seq"].get<std::int64_t>()),
                    static_cast<long long>(v["last_seq"].get<std::int64_t>()),
                    static_cast<long long>(v["acked_through"].get<std::int64_t>()),
                    static_cast<long long>(v["bytes"].get<std::int64_t>()),
                    static_cast<long long>(v["shed"].get<std::int64_t>()),
                    static_cast<long long>(v["shed_through"].get<std::int64_t>()));
      out << line;
    }
    return 0;
  }

  const std::int64_t from = cmd.from.value_or(0);
  const std::int64_t to = cmd.to.value_or(INT64_MAX);
  if (cmd.list->parsed()) {
    for (Stream s : selected(cmd.stream)) {
      auto evs = r.range(s, from, to, static_cast<std::size_t>(cmd.limit));
      if (!evs) {
        err << "scanedgectl outbox: " << path << ": " << evs.error().message << "\n";
        return 1;
      }
      for (const auto& e : *evs) {
        const auto ev = nlohmann::json::parse(e.json, nullptr, false);
        if (ev.is_discarded() || !ev.is_object()) {
          out << to_string(s) << " " << e.seq << " (unreadable JSON, " << e.json.size() << " bytes)\n";
          continue;
        }
        out << to_string(s) << " " << e.seq << " " << ev.value("time", std::string("-")) << " "
            << ev.value("type", std::string("-")) << " " << ev.value("id", std::string("-"));
        if (const std::string d = detail_of(ev); !d.empty()) out << " " << d;
        out << "\n";
      }
    }
    return 0;
  }

  // export: pages of kPage events; stdout streams, --out collects and replaces the file.
  std::ostringstream collected;
  std::ostream& sink = cmd.out_file.empty() ? out : collected;
  std::int64_t count = 0;
  for (Stream s : selected(cmd.stream)) {
    std::int64_t next = from;
    for (;;) {
      auto evs = r.range(s, next, to, kPage);
      if (!evs) {
        err << "scanedgectl outbox: " << path << ": " << evs.error().message << "\n";
        return 1;
      }
      for (const auto& e : *evs) sink << e.json << "\n";
      count += static_cast<std::int64_t>(evs->size());
      if (evs->size() < kPage) break;
      next = evs->back().seq + 1;
    }
  }
  if (!cmd.out_file.empty()) {
    if (auto st = config::write_file_atomic(cmd.out_file, collected.str(), 0644); !st) {
      err << "scanedgectl outbox: " << st.error().message << "\n";
      return 1;
    }
    err << "scanedgectl outbox: " << count << " event(s) written to " << cmd.out_file << "\n";
  }
  return 0;
}

}  // namespace scanedge::ctl
