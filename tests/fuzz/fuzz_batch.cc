// Fuzz target: the ledger's payload decoders of protocol v1 (sync/protocol/envelope.h),
// decode_batch() and decode_ack(), on arbitrary bytes (the same bytes go to both).
//
// Properties:
// - errors are values: code "bad_payload" (or "too_large" for decode_batch, only when the
//   payload exceeds the limit), with a non-empty message; a payload one byte over the limit
//   is always "too_large";
// - what decode_batch accepts is strict JSON (nlohmann's parser accepts it too, except that
//   nlohmann refuses numbers beyond a double's range, which RFC 8259 grammar allows and
//   the ledger keeps verbatim) with the documented envelope: valid site/device ids, at least one event, consecutive seqs >= 1;
//   each event's json is a compact JSON object whose "id", "seq", "type" and "stream" are
//   the decoded fields;
// - round trip: encode_batch() of the decoded events (as StoredEvent{seq, json}) decodes
//   again to the same address, stream and events (seq, id, type, json);
// - an accepted ack has acked_through >= 0 and expect == acked_through + 1 when present,
//   and encode_ack() of it decodes to the same ack.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "edge/core/outbox.h"
#include "sync/protocol/envelope.h"
#include "sync/protocol/topics.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using nlohmann::json;
namespace s = scanedge::sync;
using scanedge::fuzz::printable;

constexpr std::size_t kMaxBytes = 1 << 20;

// No whitespace outside strings (the form decode_batch promises for BatchEvent::json).
bool compact_json(std::string_view text) {
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      return false;
    }
  }
  return true;
}

// nlohmann's reading of a JSON text. nullopt when nlohmann refuses only a number beyond a
// double's range ("number overflow", out_of_range 406): RFC 8259 grammar allows it and
// lets parsers limit the range, so it is not a violation. Any other refusal is.
std::optional<json> parse_json(std::string_view text, const std::string& ctx) {
  try {
    return json::parse(text);
  } catch (const json::out_of_range& e) {
    if (e.id != 406) scanedge::fuzz::property_failed(__FILE__, __LINE__, "nlohmann parses it", ctx + ": " + e.what());
  } catch (const json::exception& e) {
    scanedge::fuzz::property_failed(__FILE__, __LINE__, "nlohmann parses it", ctx + ": " + e.what());
  }
  return std::nullopt;
}

void check_batch(std::string_view payload) {
  const auto r = s::decode_batch(payload, kMaxBytes);
  const std::string ctx = "payload " + printable(payload);
  if (!payload.empty()) {
    const auto over = s::decode_batch(payload, payload.size() - 1);
    FUZZ_CHECK(!over.ok() && over.error().code == "too_large", ctx);
  }
  if (!r.ok()) {
    FUZZ_CHECK(r.error().code == "bad_payload", ctx + " -> " + r.error().code);
    FUZZ_CHECK(!r.error().message.empty(), ctx);
    return;
  }
  const s::Batch& b = *r;
  parse_json(payload, ctx + ": accepted but not JSON for nlohmann");
  FUZZ_CHECK(s::valid_id(b.address.site) && s::valid_id(b.address.device), ctx);
  FUZZ_CHECK(!b.events.empty(), ctx);
  std::vector<scanedge::StoredEvent> stored;
  for (std::size_t i = 0; i < b.events.size(); ++i) {
    const s::BatchEvent& e = b.events[i];
    const std::string ectx = ctx + " event " + std::to_string(i) + " " + printable(e.json);
    FUZZ_CHECK(e.seq >= 1 && (i == 0 || e.seq == b.events[i - 1].seq + 1), ectx);
    FUZZ_CHECK(compact_json(e.json), ectx);
    if (const std::optional<json> ev = parse_json(e.json, ectx)) {
      FUZZ_CHECK(ev->is_object(), ectx);
      FUZZ_CHECK(ev->contains("id") && (*ev)["id"] == e.id, ectx);
      FUZZ_CHECK(ev->contains("type") && (*ev)["type"] == e.type, ectx);
      FUZZ_CHECK(ev->contains("seq") && (*ev)["seq"].is_number_integer() && (*ev)["seq"] == e.seq, ectx);
      FUZZ_CHECK(ev->contains("stream") && (*ev)["stream"] == scanedge::to_string(b.stream), ectx);
    }
    stored.push_back(scanedge::StoredEvent{e.seq, e.json});
  }

  const std::string encoded = s::encode_batch(b.address, b.stream, stored);
  const auto again = s::decode_batch(encoded, kMaxBytes);
  const std::string rctx = ctx + "; re-encoded " + printable(encoded);
  FUZZ_CHECK(again.ok(), rctx + " -> " + (again.ok() ? std::string() : again.error().message));
  FUZZ_CHECK(again->address == b.address && again->stream == b.stream, rctx);
  FUZZ_CHECK(again->events.size() == b.events.size(), rctx);
  for (std::size_t i = 0; i < b.events.size(); ++i) {
    const s::BatchEvent& x = b.events[i];
    const s::BatchEvent& y = again->events[i];
    FUZZ_CHECK(x.seq == y.seq && x.id == y.id && x.type == y.type && x.json == y.json,
               rctx + " event " + std::to_string(i));
  }
}

void check_ack(std::string_view payload) {
  const auto r = s::decode_ack(payload);
  const std::string ctx = "ack " + printable(payload);
  if (!r.ok()) {
    FUZZ_CHECK(r.error().code == "bad_payload" && !r.error().message.empty(), ctx);
    return;
  }
  FUZZ_CHECK(json::accept(payload), ctx);
  FUZZ_CHECK(r->acked_through >= 0, ctx);
  FUZZ_CHECK(!r->expect || *r->expect == r->acked_through + 1, ctx);
  const std::string encoded = s::encode_ack(*r);
  const auto again = s::decode_ack(encoded);
  FUZZ_CHECK(again.ok() && again->stream == r->stream && again->acked_through == r->acked_through &&
                 again->expect == r->expect,
             ctx + "; re-encoded " + encoded);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string_view payload(reinterpret_cast<const char*>(bytes), size);
  check_batch(payload);
  check_ack(payload);
  return 0;
}
