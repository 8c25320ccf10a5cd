// `scanedgectl outbox stats|list|export`: reads the device outbox database read-only
// (edge/outbox/outbox_reader.h: SQLITE_OPEN_READONLY + query_only; safe while the agent runs,
// never modifies anything). The database is --db PATH, else storage.path of --config.
//
//   stats [--json]   per stream: events stored (not yet acked), first and last stored seq,
//                    last seq assigned, acked cursor, JSON bytes, shed count and shed_through.
//                    --json: {"db":PATH,"schema_version":N,"streams":{"exec":{"stored":N,
//                    "first_seq":N,"last_seq":N,"acked_through":N,"bytes":N,"shed":N,
//                    "shed_through":N},"telemetry":{...}}} (first_seq 0: nothing stored).
//   list [--stream S] [--from SEQ] [--to SEQ] [--limit N]
//                    one line per stored event, streams in order exec then telemetry (or only
//                    S): "STREAM SEQ TIME TYPE ID DETAIL" (DETAIL: task/line for executions,
//                    the reason for rejections). Default: the first 100 stored events per stream.
//   export [--stream S] [--from SEQ] [--to SEQ] [--out FILE]
//                    JSON lines: each stored event exactly as stored (the JSON the agent sends
//                    to the ledger), one per line, exec first; read in pages of 1000 (bounded
//                    memory on stdout). --out FILE collects the export in memory, then writes
//                    FILE atomically (temp + fsync + rename) and says how many on stderr.
// Exit status: 0 done; 1 the database cannot be opened or read (missing, not an outbox,
// permissions; the message says which) or --config cannot be read; 2 usage (CLI11).
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include <CLI/CLI.hpp>

namespace scanedge::ctl {

struct OutboxCommand {
  CLI::App* outbox = nullptr;
  CLI::App* stats = nullptr;
  CLI::App* list = nullptr;
  CLI::App* export_ = nullptr;
  std::string db;
  std::string stream;  // "" both
  std::optional<std::int64_t> from, to;
  std::int64_t limit = 100;
  std::string out_file;
  bool json = false;
};

// Adds the `outbox` subcommand and its options to `app`; `cmd` must outlive parsing.
void add_outbox_command(CLI::App& app, OutboxCommand& cmd);
// Runs the parsed command. `config_path` supplies storage.path when --db is not given.
int run_outbox_command(const OutboxCommand& cmd, const std::string& config_path, std::ostream& out,
                       std::ostream& err);

}  // namespace scanedge::ctl
