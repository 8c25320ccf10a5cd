#include "sync/ledger/clock_placement.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdlib>

#include "edge/core/event_id.h"
#include "sync/ledger/ledger_store.h"

namespace scanedge::ledger {

namespace {

using nlohmann::json;

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

struct Fields {
  std::optional<std::string> time_text;
  std::optional<std::int64_t> time_ms;
  bool synced = true;  // no "clock": written before the field existed, taken as stamped
  std::optional<std::int64_t> mono_ms;
  std::string boot;
};

Fields fields_of(const json& e) {
  Fields f;
  if (!e.is_object()) {
    f.synced = false;
    return f;
  }
  if (auto t = e.find("time"); t != e.end() && t->is_string()) {
    f.time_text = t->get<std::string>();
    f.time_ms = parse_rfc3339_ms(*f.time_text);
  }
  if (auto c = e.find("clock"); c != e.end() && c->is_string()) f.synced = c->get<std::string>() != "unsynced";
  if (auto m = e.find("mono_ms"); m != e.end() && (m->is_number_integer() || m->is_number_unsigned())) {
    if (m->is_number_integer() || m->get<std::uint64_t>() <= static_cast<std::uint64_t>(INT64_MAX)) {
      f.mono_ms = m->get<std::int64_t>();
    }
  }
  if (auto b = e.find("boot"); b != e.end() && b->is_string()) f.boot = b->get<std::string>();
  return f;
}

}  // namespace

std::optional<std::int64_t> parse_rfc3339_ms(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  if (!digits(s, 0, 4, y) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't') || !digits(s, 11, 2, h) || s[13] != ':' ||
      !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, se)) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  std::int64_t ms = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::size_t n = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (n < 3) ms = ms * 10 + (s[pos] - '0');
      ++n;
      ++pos;
    }
    if (n == 0) return std::nullopt;
    for (std::size_t k = n; k < 3; ++k) ms *= 10;
  }
  std::int64_t offset_min = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z') && pos + 1 == s.size()) {
    // UTC
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-') && pos + 6 == s.size() && s[pos + 3] == ':') {
    int oh = 0, om = 0;
    if (!digits(s, pos + 1, 2, oh) || !digits(s, pos + 4, 2, om) || oh > 23 || om > 59) return std::nullopt;
    offset_min = (s[pos] == '+' ? 1 : -1) * (oh * 60 + om);
  } else {
    return std::nullopt;
  }
  using namespace std::chrono;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || se > 60) return std::nullopt;
  const auto days = sys_days{ymd}.time_since_epoch().count();
  return ((static_cast<std::int64_t>(days) * 86400 + h * 3600 + mi * 60 + se) - offset_min * 60) * 1000 + ms;
}

std::string_view to_string(Placement::Kind k) {
  switch (k) {
    case Placement::Kind::synced: return "synced";
    case Placement::Kind::placed: return "placed";
    case Placement::Kind::unplaced: return "unplaced";
  }
  return "unplaced";
}

void ClockPlacer::add(const json& event) {
  const Fields f = fields_of(event);
  if (!f.synced || !f.time_ms || !f.mono_ms || f.boot.empty()) return;
  auto it = by_boot_.find(f.boot);
  if (it == by_boot_.end()) it = by_boot_.emplace(f.boot, std::vector<std::pair<std::int64_t, std::int64_t>>{}).first;
  it->second.emplace_back(*f.mono_ms, *f.time_ms);
  sorted_ = false;
}

void ClockPlacer::add(std::string_view body) {
  const json e = json::parse(body, nullptr, false);
  if (!e.is_discarded()) add(e);
}

std::size_t ClockPlacer::anchors() const {
  std::size_t n = 0;
  for (const auto& [boot, v] : by_boot_) n += v.size();
  return n;
}

void ClockPlacer::sort() const {
  if (sorted_) return;
  for (auto& [boot, v] : by_boot_) std::sort(v.begin(), v.end());
  sorted_ = true;
}

Placement ClockPlacer::place(const json& event) const {
  const Fields f = fields_of(event);
  if (f.synced) return Placement{f.time_text ? Placement::Kind::synced : Placement::Kind::unplaced, f.time_text};
  Placement own{Placement::Kind::unplaced, f.time_text};
  if (!f.mono_ms || f.boot.empty()) return own;
  auto it = by_boot_.find(f.boot);
  if (it == by_boot_.end() || it->second.empty()) return own;
  sort();
  const auto& v = it->second;
  // The anchor nearest in monotonic time: the first at or after mono_ms, or the one before.
  auto at = std::lower_bound(v.begin(), v.end(), std::make_pair(*f.mono_ms, INT64_MIN));
  const std::pair<std::int64_t, std::int64_t>* best = nullptr;
  if (at != v.end()) best = &*at;
  if (at != v.begin()) {
    const auto& before = *(at - 1);
    if (best == nullptr || *f.mono_ms - before.first <= best->first - *f.mono_ms) best = &before;
  }
  const std::int64_t placed = best->second + (*f.mono_ms - best->first);
  constexpr std::int64_t kMax = 7258118399999;  // 2199-12-31T23:59:59.999Z (nanosecond clock range)
  if (placed < 0 || placed > kMax) return own;
  return Placement{Placement::Kind::placed,
                   format_time_utc(std::chrono::system_clock::time_point(std::chrono::milliseconds(placed)))};
}

Placement ClockPlacer::place(std::string_view body) const {
  const json e = json::parse(body, nullptr, false);
  if (e.is_discarded()) return Placement{};
  return place(e);
}

Result<ClockPlacer> device_placer(LedgerStore& store, const sync::DeviceAddress& address) {
  ClockPlacer placer;
  constexpr std::size_t kPage = 1000;
  for (Stream s : {Stream::exec, Stream::telemetry}) {
    std::int64_t cursor = 0;
    for (;;) {
      auto page = store.events(address, s, cursor, kPage);
      if (!page) return page.error();
      for (const AppliedEvent& e : *page) {
        placer.add(std::string_view(e.body));
        cursor = e.seq;
      }
      if (page->size() < kPage) break;
    }
  }
  return placer;
}

}  // namespace scanedge::ledger
