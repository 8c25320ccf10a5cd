// Internal to edge/tasks: the working parts of WorkExecutor, shared by the rule files
// (pick_rules.cc, pack_rules.cc, receive_rules.cc, return_rules.cc, pickup_rules.cc,
// ship_rules.cc, put_back_rules.cc, operator_session.cc, task_documents.cc, events.cc,
// work_executor.cc). Not a public API: only those files include it.
//
// One Impl lives for one input (scan, document, action, tick) and works on the WorkState it
// is given; it collects the decision (events, reply, changed keys). Scans are decided in two
// steps, check (const: which task/line would take it, or why not) and apply (mutates and
// emits), so a refused scan never touches state. Actions and documents run against a copy of
// the state that the caller keeps only when the action succeeded.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "edge/decode/decoded.h"
#include "edge/tasks/task.h"
#include "edge/tasks/work_executor.h"
#include "edge/tasks/work_state.h"

namespace scanedge::tasks {

// A decoded scan as the rules see it.
struct ScanInput {
  RawScan safe;  // the scan with its data cleaned to printable UTF-8
  std::string symbology = "unknown";
  nlohmann::json item = nullptr;  // item_json of the identity, null when undecodable
  std::optional<decode::Decoded> dec;
  std::string today;  // the device's UTC date, YYYY-MM-DD

  const std::optional<std::string>& gtin() const { return dec->identity.gtin; }
  const std::optional<std::string>& lot() const { return dec->identity.lot; }
  const std::optional<std::string>& expiry() const { return dec->identity.expiry; }
  const std::optional<std::string>& sscc() const { return dec->identity.sscc; }
};

// What one task would do with a scan.
struct Verdict {
  enum class Action { none, line, substitute, over, pallet, carton, label };
  Action action = Action::none;
  std::size_t line_idx = 0;    // line / substitute / over
  std::size_t pallet_idx = 0;  // pallet
  std::string label;           // carrier label
  bool soft = false;           // accepted only when no other task takes the scan (receive.over)
  // Refusal (action none): the more specific, the higher the rank; 0 = the task cannot
  // judge this kind of scan at all, 1 = not on this task, 2+ = on this task but refused.
  int rank = 0;
  std::string code;
  std::string message;

  bool accepted() const { return action != Action::none; }
  static Verdict refuse(int rank, std::string code, std::string message) {
    Verdict v;
    v.rank = rank;
    v.code = std::move(code);
    v.message = std::move(message);
    return v;
  }
};

// How match_line treats lots.
enum class LotRule { ignore, required, if_present };

struct MatchRules {
  bool fefo = false;         // expired / min_expiry checks
  bool substitutes = false;  // line substitutes accepted
  LotRule lot = LotRule::ignore;
  bool allow_over = false;   // a full line yields a soft `over` (receive)
  const char* full_code = "over_pick";
  const char* done_verb = "picked";
};

// The line of `t` an item scan goes to (exact GTIN before substitutes, first line with room).
Verdict match_line(const Task& t, const ScanInput& s, const MatchRules& r);

// Whether an item (gtin, lot, serial) equals a unit's key.
bool same_unit(const Unit& u, std::int64_t line, const std::string& gtin, const std::optional<std::string>& lot,
               const std::optional<std::string>& serial);
// Adds qty to the matching unit of `units` (or a new one).
void add_unit(std::vector<Unit>& units, std::int64_t line, const std::string& gtin,
              const std::optional<std::string>& lot, const std::optional<std::string>& serial, std::int64_t qty);
// [{gtin,lot,serial,qty}] of units.
nlohmann::json contents_json(const std::vector<Unit>& units);
// [{line,gtin,qty}] of each line's remaining units (only lines with some).
nlohmann::json remaining_lines_json(const Task& t);
// The identity part of an event: gtin, lot, serial, expiry, sscc, epc (null when absent).
nlohmann::json item_json(const decode::Identity& id);

struct WorkExecutor::Impl {
  Impl(WorkExecutor& executor, WorkState& work) : ex(executor), st(work) {}

  WorkExecutor& ex;
  WorkState& st;
  WorkDecision d;

  // ---- events.cc
  nlohmann::json envelope(const char* type, std::chrono::nanoseconds mono) const;
  // A task event (not scan-driven): envelope + task fields, task_state = t.state now.
  nlohmann::json task_event(const char* type, const Task& t) const;
  // A scan-driven task event: task_event + "scan" + "item".
  nlohmann::json scan_event(const char* type, const Task& t, const ScanInput& s) const;
  void emit(nlohmann::json body, Stream stream = Stream::exec);
  void touch(const std::string& task_id);
  void touch_session();
  // Call after a task's state may have changed: stamps finished_at when it became final and
  // stops it being the active task.
  void settle(Task& t);
  Task* find(const std::string& task_id);
  std::string now_text() const;
  // Refusal of an action / document: no events, no changed keys.
  void fail(std::string code, std::string message);

  // ---- work_executor.cc: scan routing
  void decide_scan(const RawScan& raw);
  Verdict check_scan(const Task& t, const ScanInput& s) const;
  void apply_scan(Task& t, const Verdict& v, const ScanInput& s);
  void reject_scan(const ScanInput& s, const std::string& code, const std::string& message, const Task* started);
  void accept_scan_reply(const Task& t, const char* type, const ScanInput& s, const Line* line);
  // pack.carton_closed for carton `c` of `t` (pack, and the packing phase of ship_from_store),
  // after the caller sealed it and updated the task's state; also the scan reply.
  void emit_carton_closed(Task& t, const Carton& c, const ScanInput& s);

  // ---- pick_rules.cc (pick; the picking phase of ship_from_store)
  Verdict pick_check(const Task& t, const ScanInput& s) const;
  void pick_apply(Task& t, const Verdict& v, const ScanInput& s);
  // pick.short for `qty` units of line `n` (exception short). False + fail() when refused.
  bool pick_short(Task& t, std::int64_t n, std::optional<std::int64_t> qty);
  // Operator-approved substitution on line `n` with the item in `data`.
  bool pick_substitute(Task& t, std::int64_t n, const std::string& data, const std::string& approved_by);
  // task.complete: pick.short for every unpicked unit.
  bool pick_complete(Task& t);
  static void pick_update_state(Task& t);

  // ---- pack_rules.cc
  Verdict pack_check(const Task& t, const ScanInput& s) const;
  void pack_apply(Task& t, const Verdict& v, const ScanInput& s);
  bool pack_complete(Task& t);

  // ---- receive_rules.cc
  Verdict receive_check(const Task& t, const ScanInput& s) const;
  void receive_apply(Task& t, const Verdict& v, const ScanInput& s);
  bool receive_damage(Task& t, Line& l, const nlohmann::json& item, std::int64_t qty);
  bool receive_complete(Task& t);
  static void receive_update_state(Task& t);

  // ---- return_rules.cc
  Verdict return_check(const Task& t, const ScanInput& s) const;
  void return_apply(Task& t, const Verdict& v, const ScanInput& s);
  bool return_inspect(Task& t, std::int64_t n, const std::string& disposition, std::int64_t qty,
                      const std::optional<std::string>& lot);
  bool return_complete(Task& t);

  // ---- pickup_rules.cc
  Verdict pickup_check(const Task& t, const ScanInput& s) const;
  void pickup_apply(Task& t, const Verdict& v, const ScanInput& s);
  // Closes a pickup that is not fully handed over: pickup.partial or pickup.missed.
  void pickup_close(Task& t, const char* cause);
  bool pickup_complete(Task& t);
  bool pickup_missed(Task& t);

  // ---- ship_rules.cc (ship_from_store)
  Verdict ship_check(const Task& t, const ScanInput& s) const;
  void ship_apply(Task& t, const Verdict& v, const ScanInput& s);
  bool ship_complete(Task& t);
  static void ship_update_state(Task& t);

  // ---- put_back_rules.cc
  Verdict put_back_check(const Task& t, const ScanInput& s) const;
  void put_back_apply(Task& t, const Verdict& v, const ScanInput& s);
  bool put_back_complete(Task& t);
  // Creates (or extends) PB-<origin> from the origin's staged units; returns its id and the
  // put_back list for task.cancelled, or nullopt when nothing was staged.
  std::optional<std::string> make_put_back(const Task& origin, nlohmann::json& put_back_list);

  // ---- operator_session.cc
  // The operator id in a badge scan / login request (prefix and AIM id stripped), or an
  // Error "bad_badge".
  Result<std::string> badge_operator(const std::string& data, bool prefix_required) const;
  void login(const std::string& op);
  void logout();

  // ---- task_documents.cc
  void put_document(const nlohmann::json& doc);
  // Cancels a non-final task (task.cancelled, late cancellation's put-back).
  void cancel(Task& t, const std::string& reason, const char* by, std::int64_t version);

  // ---- work_executor.cc: actions
  void act(const nlohmann::json& req);
  bool complete(Task& t);
  void exception_report(const nlohmann::json& req);
  void tick_pickups(std::vector<WorkDecision>& out);
  void tick_prune(std::vector<WorkDecision>& out);
};

// True for a scan with data that looks like a carrier's label (ship_rules.cc): sets `label`.
bool carrier_label_of(const ScanInput& s, std::string& label);

}  // namespace scanedge::tasks
