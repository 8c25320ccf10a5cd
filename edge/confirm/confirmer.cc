#include "edge/confirm/confirmer.h"

#include "edge/decode/epc.h"

#include "edge/decode/decoder.h"

namespace scanedge::confirm {

namespace {
nlohmann::json opt(const std::optional<std::string>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }
}  // namespace

nlohmann::json item_json(const decode::Identity& id) {
  return {{"gtin", opt(id.gtin)},     {"lot", opt(id.lot)},   {"serial", opt(id.serial)},
          {"expiry", opt(id.expiry)}, {"sscc", opt(id.sscc)}, {"epc", opt(id.epc)}};
}

Confirmer::Confirmer(const Clock& clock, EventIdGenerator& ids, DeviceIdentity device)
    : clock_(clock), ids_(ids), device_(std::move(device)) {}

nlohmann::json Confirmer::base_event(const char* type, const RawScan& scan, const std::string& symbology) const {
  const auto now = clock_.wall();
  nlohmann::json e;
  e["id"] = ids_.next(now);
  e["type"] = type;
  e["time"] = format_time_utc(now);
  e["clock"] = clock_.wall_synced() ? "synced" : "unsynced";
  e["mono_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(scan.mono).count();
  e["site"] = device_.site;
  e["device"] = device_.device;
  e["operator"] = nullptr;
  e["scan"] = {{"raw", scan.data}, {"symbology", symbology}, {"scanner", scan.scanner}};
  return e;
}

Decision Confirmer::reject(Decision d, const RawScan& scan, std::string code, std::string message) const {
  d.outcome = Outcome::rejected;
  d.feedback = Feedback::bad;
  d.reason = make_error(std::move(code), std::move(message));
  nlohmann::json e = base_event("scan.rejected", scan, d.symbology);
  e["reason"] = {{"code", d.reason.code}, {"message", d.reason.message}};
  e["item"] = d.item;
  d.event = EventDraft{Stream::telemetry, std::move(e)};
  return d;
}

Decision Confirmer::decide(const RawScan& scan, TaskBook& book) {
  Decision d;
  // Raw data is stored in events as JSON strings: keep only valid UTF-8 so that a device
  // sending garbage bytes can never make an event unserialisable.
  RawScan safe = scan;
  {
    std::string cleaned;
    cleaned.reserve(scan.data.size());
    for (unsigned char c : scan.data) {
      if (c < 0x80) {
        cleaned.push_back(static_cast<char>(c));
      } else {
        cleaned += "\xEF\xBF\xBD";  // U+FFFD: non-ASCII bytes are never valid barcode data here
      }
    }
    safe.data = std::move(cleaned);
  }

  const decode::DecodeResult r = scan.rfid_epc ? decode::decode_epc(scan.data) : decode::decode(scan.data);
  if (!scan.refusal_code.empty()) {
    d.symbology = r.ok() ? r.value->symbology : "unknown";
    d.item = r.ok() ? item_json(r.value->identity) : nlohmann::json(nullptr);
    return reject(std::move(d), safe, scan.refusal_code, scan.refusal_message);
  }
  if (!r.ok()) {
    d.symbology = "unknown";
    d.item = nullptr;
    return reject(std::move(d), safe, r.error.code, r.error.message);
  }
  const decode::Decoded& dec = *r.value;
  d.symbology = dec.symbology;
  d.item = item_json(dec.identity);
  if (!dec.identity.gtin) {
    return reject(std::move(d), safe, "not_an_item",
                  "the scan carries no GTIN (it decoded as " + dec.kind + "): scan the item's barcode");
  }
  const std::string& gtin = *dec.identity.gtin;
  if (book.size() == 0) return reject(std::move(d), safe, "no_task", "no pick task is loaded on this device");

  // Prefer a line on a task already in progress, then any released task (task id order).
  PickTask* chosen = nullptr;
  PickLine* chosen_line = nullptr;
  const PickLine* full_line = nullptr;
  const PickTask* full_task = nullptr;
  for (int pass = 0; pass < 2 && chosen == nullptr; ++pass) {
    for (const auto& [id, t] : book.tasks()) {
      const bool wanted_state = pass == 0 ? t.state == TaskState::in_progress : t.state == TaskState::released;
      if (!wanted_state) continue;
      PickTask* task = book.find_mutable(id);
      for (auto& l : task->lines) {
        if (l.gtin != gtin) continue;
        if (l.picked < l.qty) {
          chosen = task;
          chosen_line = &l;
          break;
        }
      }
      if (chosen != nullptr) break;
    }
  }
  if (chosen == nullptr) {
    for (const auto& [id, t] : book.tasks()) {
      for (const auto& l : t.lines) {
        if (l.gtin == gtin && full_line == nullptr) {
          full_line = &l;
          full_task = &t;
        }
      }
    }
    if (full_line != nullptr) {
      return reject(std::move(d), safe, "over_pick",
                    "task " + full_task->task_id + " line " + std::to_string(full_line->line) + ": all " +
                        std::to_string(full_line->qty) + " of GTIN " + gtin + " already picked");
    }
    return reject(std::move(d), safe, "wrong_item", "GTIN " + gtin + " is not on any open task");
  }

  chosen_line->picked += 1;
  chosen->state = chosen->complete() ? TaskState::picked : TaskState::in_progress;
  d.outcome = Outcome::confirmed;
  d.feedback = Feedback::good;
  d.task_id = chosen->task_id;
  d.line = chosen_line->line;
  d.remaining = chosen_line->qty - chosen_line->picked;
  nlohmann::json e = base_event("pick.confirmed", safe, d.symbology);
  e["task"] = chosen->task_id;
  e["line"] = chosen_line->line;
  e["location"] = chosen_line->location;
  e["item"] = d.item;
  e["qty"] = 1;
  d.event = EventDraft{Stream::exec, std::move(e)};
  return d;
}

}  // namespace scanedge::confirm
