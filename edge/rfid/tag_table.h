// TagTable: the read filter's fixed-capacity store of tracked tags (internal to edge/rfid).
//
// Holds up to `capacity` TrackedTag records, an open-addressing index EPC -> record (linear
// probing, load <= 1/2, backward-shift deletion: no tombstones) and two intrusive
// doubly-linked lists, `pending` and `present`, each kept in the order records were last
// touched (move_to_back on every read), so the front of a list is its least recently read
// tag. All memory is allocated by the constructor; find/insert/erase/move never allocate.
//
// Contract: insert() requires size() < capacity() and an EPC not already in the table
// (checked with assert in debug builds). Indexes stay valid until the record is erased.
// Threading: none; owned by one ReadFilter.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "edge/rfid/epc_bytes.h"

namespace scanedge::rfid {

enum class TagList : std::uint8_t { none, pending, present };

struct TrackedTag {
  EpcBytes epc;
  std::uint32_t hash32 = 0;
  TagList list = TagList::none;
  std::uint16_t peak_antenna = 0;
  std::uint32_t reads = 0;
  std::chrono::nanoseconds first_seen{0};  // start of the current window / session
  std::chrono::nanoseconds last_seen{0};
  double peak_rssi_dbm = 0.0;
  std::uint32_t prev = 0;
  std::uint32_t next = 0;
};

class TagTable {
 public:
  static constexpr std::uint32_t kNone = 0xFFFFFFFFu;

  explicit TagTable(std::size_t capacity);

  std::size_t capacity() const { return tags_.size(); }
  std::size_t size() const { return size_; }
  std::size_t list_size(TagList l) const { return lists_[static_cast<std::size_t>(l)].size; }

  // Index of the record for `epc` (whose hash() is `hash`), or kNone.
  std::uint32_t find(const EpcBytes& epc, std::uint64_t hash) const;
  // Adds a zeroed record for `epc` at the back of list `l`; returns its index.
  std::uint32_t insert(const EpcBytes& epc, std::uint64_t hash, TagList l);
  // Removes the record from its list and the index.
  void erase(std::uint32_t idx);
  // Unlinks the record from its list and links it at the back of `l`.
  void move_to_back(std::uint32_t idx, TagList l);
  // Least recently touched record of `l`, or kNone.
  std::uint32_t front(TagList l) const { return lists_[static_cast<std::size_t>(l)].head; }

  TrackedTag& at(std::uint32_t idx) { return tags_[idx]; }
  const TrackedTag& at(std::uint32_t idx) const { return tags_[idx]; }

 private:
  struct Slot {
    std::uint32_t idx = kNone;
    std::uint32_t hash32 = 0;
  };
  struct ListHead {
    std::uint32_t head = kNone;
    std::uint32_t tail = kNone;
    std::size_t size = 0;
  };

  void link_back(std::uint32_t idx, TagList l);
  void unlink(std::uint32_t idx);
  std::size_t slot_of(std::uint32_t idx) const;

  std::vector<TrackedTag> tags_;
  std::vector<std::uint32_t> free_;  // stack of unused record indexes
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
  ListHead lists_[3];
};

}  // namespace scanedge::rfid
