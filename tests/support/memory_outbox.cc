#include "tests/support/memory_outbox.h"

namespace scanedge::testing {

Result<std::vector<Committed>> MemoryOutbox::commit(std::span<const EventDraft> events,
                                                    std::span<const StateWrite> state) {
  std::lock_guard lock(mu_);
  if (!fail_code_.empty()) return make_error(fail_code_, "MemoryOutbox: injected commit failure");
  // Validate and serialise everything before changing anything.
  std::array<std::int64_t, 2> next{streams_[0].last_seq, streams_[1].last_seq};
  std::vector<std::pair<std::size_t, std::string>> rows;
  std::vector<Committed> out;
  rows.reserve(events.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& d = events[i];
    const auto where = "event " + std::to_string(i);
    if (d.stream != Stream::exec && d.stream != Stream::telemetry) return make_error("bad_event", where + ": unknown stream");
    if (!d.body.is_object()) return make_error("bad_event", where + ": body is not a JSON object");
    if (!d.body.contains("id") || !d.body["id"].is_string()) return make_error("bad_event", where + ": no string \"id\"");
    if (!d.body.contains("type") || !d.body["type"].is_string()) {
      return make_error("bad_event", where + ": no string \"type\"");
    }
    const auto ix = index(d.stream);
    nlohmann::json body = d.body;
    body["seq"] = ++next[ix];
    body["stream"] = std::string(to_string(d.stream));
    try {
      rows.emplace_back(ix, body.dump());
    } catch (const nlohmann::json::exception& e) {
      return make_error("bad_event", where + ": cannot serialise: " + e.what());
    }
    out.push_back(Committed{d.stream, next[ix]});
  }
  for (std::size_t i = 0; i < state.size(); ++i) {
    if (state[i].key.empty()) return make_error("bad_state", "state write " + std::to_string(i) + ": empty key");
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    auto& sd = streams_[rows[i].first];
    sd.last_seq = out[i].seq;
    sd.bytes += static_cast<std::int64_t>(rows[i].second.size());
    sd.events.emplace(out[i].seq, std::move(rows[i].second));
  }
  for (const auto& w : state) {
    if (w.value) {
      state_[w.key] = *w.value;
    } else {
      state_.erase(w.key);
    }
  }
  return out;
}

Result<std::vector<StoredEvent>> MemoryOutbox::read_page(Stream stream, std::int64_t after_seq, std::size_t max_events,
                                                         std::size_t max_bytes) {
  ++page_reads_;
  std::lock_guard lock(mu_);
  std::vector<StoredEvent> page;
  const auto& sd = streams_[index(stream)];
  std::size_t bytes = 0;
  for (auto it = sd.events.upper_bound(after_seq); it != sd.events.end() && page.size() < max_events; ++it) {
    if (!page.empty() && bytes + it->second.size() > max_bytes) break;
    bytes += it->second.size();
    page.push_back(StoredEvent{it->first, it->second});
  }
  return page;
}

Result<std::int64_t> MemoryOutbox::apply_ack(Stream stream, std::int64_t acked_through) {
  ++ack_calls_;
  std::lock_guard lock(mu_);
  auto& sd = streams_[index(stream)];
  if (acked_through > sd.last_seq) {
    return make_error("bad_ack", "ack " + std::to_string(acked_through) + " for " + std::string(to_string(stream)) +
                                     " is beyond the last seq " + std::to_string(sd.last_seq));
  }
  if (acked_through <= sd.acked_through) return std::int64_t{0};
  std::int64_t deleted = 0;
  while (!sd.events.empty() && sd.events.begin()->first <= acked_through) {
    sd.bytes -= static_cast<std::int64_t>(sd.events.begin()->second.size());
    sd.events.erase(sd.events.begin());
    ++deleted;
  }
  sd.acked_through = acked_through;
  return deleted;
}

Result<StreamStats> MemoryOutbox::stats(Stream stream) {
  std::lock_guard lock(mu_);
  const auto& sd = streams_[index(stream)];
  return StreamStats{sd.last_seq, sd.acked_through, static_cast<std::int64_t>(sd.events.size()), sd.bytes};
}

Result<std::vector<std::pair<std::string, std::string>>> MemoryOutbox::load_state(const std::string& prefix) {
  std::lock_guard lock(mu_);
  std::vector<std::pair<std::string, std::string>> out;
  for (auto it = state_.lower_bound(prefix); it != state_.end() && it->first.rfind(prefix, 0) == 0; ++it) {
    out.emplace_back(it->first, it->second);
  }
  return out;
}

std::int64_t MemoryOutbox::append(Stream stream, std::int64_t n, const std::string& type, std::size_t group) {
  std::int64_t last = 0;
  std::vector<EventDraft> drafts;
  while (n > 0) {
    drafts.clear();
    for (std::size_t i = 0; i < group && n > 0; ++i, --n) {
      std::int64_t id = 0;
      {
        std::lock_guard lock(mu_);
        id = next_id_++;
      }
      drafts.push_back(EventDraft{stream, nlohmann::json{{"id", "evt-" + std::to_string(id)}, {"type", type}}});
    }
    auto r = commit(drafts, {});
    if (!r) return -1;
    last = r->back().seq;
  }
  return last;
}

void MemoryOutbox::fail_commits(std::string code) {
  std::lock_guard lock(mu_);
  fail_code_ = std::move(code);
}

}  // namespace scanedge::testing
