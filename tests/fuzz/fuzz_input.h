// Fuzz input reader for the device-byte targets (ssi_frames, mercury_frames, hid_reports):
// takes a few leading bytes as settings and split points, the rest as the device's bytes.
//
// FuzzInput: a cursor over the input. byte() returns the next byte, or 0 once the input is
//   exhausted (so every input, even an empty one, is a valid test case); take(n) the next
//   min(n, left) bytes; rest() everything left. Never reads outside the input.
// Chunk plan (read_chunks): [count][len action]*count, then the stream. count is taken
//   modulo kMaxChunks + 1; each chunk takes `len` bytes of the stream (fewer when it runs
//   out) and `action % 8` says what happens after it (Action). The stream's remainder
//   always goes in one last chunk with action none, so every stream byte is fed.
// Header-only; no state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace scanedge::fuzz {

class FuzzInput {
 public:
  FuzzInput(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  std::uint8_t byte() { return pos_ < size_ ? data_[pos_++] : std::uint8_t{0}; }
  std::span<const std::uint8_t> take(std::size_t n) {
    const std::size_t k = n < left() ? n : left();
    std::span<const std::uint8_t> s(data_ + pos_, k);
    pos_ += k;
    return s;
  }
  std::span<const std::uint8_t> rest() { return take(left()); }
  std::size_t left() const { return size_ - pos_; }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

// What happens after a chunk was fed: nothing (the next chunk follows 1 ms later), a pause
// shorter than any timeout (50 ms), a pause past every timeout followed by poll(), or
// reset() (the device went away and came back).
enum class Action { none, pause, timeout, reset };

struct Chunk {
  std::span<const std::uint8_t> bytes;
  Action action = Action::none;
};

inline constexpr std::size_t kMaxChunks = 16;

inline std::vector<Chunk> read_chunks(FuzzInput& in) {
  const std::size_t count = in.byte() % (kMaxChunks + 1);
  std::vector<std::pair<std::size_t, Action>> plan;
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t len = in.byte();
    const unsigned a = in.byte() % 8u;
    plan.emplace_back(len, a < 5 ? Action::none : a == 5 ? Action::pause : a == 6 ? Action::timeout : Action::reset);
  }
  std::vector<Chunk> chunks;
  for (const auto& [len, action] : plan) chunks.push_back(Chunk{in.take(len), action});
  chunks.push_back(Chunk{in.rest(), Action::none});
  return chunks;
}

// True when the plan only splits the stream (no timeout, no reset): feeding the whole
// stream at once must then give the same result.
inline bool only_splits(const std::vector<Chunk>& chunks) {
  for (const auto& c : chunks) {
    if (c.action == Action::timeout || c.action == Action::reset) return false;
  }
  return true;
}

}  // namespace scanedge::fuzz
