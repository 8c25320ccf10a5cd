#include "edge/rfid/tag_table.h"

#include <cassert>

namespace scanedge::rfid {

TagTable::TagTable(std::size_t capacity) : tags_(capacity) {
  std::size_t n = 8;
  while (n < 2 * capacity) n *= 2;
  slots_.resize(n);
  mask_ = n - 1;
  free_.reserve(capacity);
  for (std::size_t i = capacity; i > 0; --i) free_.push_back(static_cast<std::uint32_t>(i - 1));
}

std::uint32_t TagTable::find(const EpcBytes& epc, std::uint64_t hash) const {
  const auto h32 = static_cast<std::uint32_t>(hash);
  for (std::size_t i = h32 & mask_;; i = (i + 1) & mask_) {
    const Slot& s = slots_[i];
    if (s.idx == kNone) return kNone;
    if (s.hash32 == h32 && tags_[s.idx].epc == epc) return s.idx;
  }
}

std::uint32_t TagTable::insert(const EpcBytes& epc, std::uint64_t hash, TagList l) {
  assert(size_ < tags_.size());
  assert(find(epc, hash) == kNone);
  const auto h32 = static_cast<std::uint32_t>(hash);
  const std::uint32_t idx = free_.back();
  free_.pop_back();
  TrackedTag& t = tags_[idx];
  t = TrackedTag{};
  t.epc = epc;
  t.hash32 = h32;
  std::size_t i = h32 & mask_;
  while (slots_[i].idx != kNone) i = (i + 1) & mask_;
  slots_[i] = Slot{idx, h32};
  ++size_;
  link_back(idx, l);
  return idx;
}

std::size_t TagTable::slot_of(std::uint32_t idx) const {
  for (std::size_t i = tags_[idx].hash32 & mask_;; i = (i + 1) & mask_) {
    if (slots_[i].idx == idx) return i;
    assert(slots_[i].idx != kNone);
  }
}

void TagTable::erase(std::uint32_t idx) {
  unlink(idx);
  // Backward-shift deletion: pull later members of the probe run into the hole when their
  // home slot does not lie cyclically in (hole, their slot].
  std::size_t hole = slot_of(idx);
  slots_[hole] = Slot{};
  for (std::size_t j = (hole + 1) & mask_; slots_[j].idx != kNone; j = (j + 1) & mask_) {
    const std::size_t home = slots_[j].hash32 & mask_;
    const bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (!stays) {
      slots_[hole] = slots_[j];
      slots_[j] = Slot{};
      hole = j;
    }
  }
  tags_[idx].list = TagList::none;
  free_.push_back(idx);
  --size_;
}

void TagTable::move_to_back(std::uint32_t idx, TagList l) {
  if (tags_[idx].list == l && lists_[static_cast<std::size_t>(l)].tail == idx) return;
  unlink(idx);
  link_back(idx, l);
}

void TagTable::link_back(std::uint32_t idx, TagList l) {
  ListHead& lh = lists_[static_cast<std::size_t>(l)];
  TrackedTag& t = tags_[idx];
  t.list = l;
  t.prev = lh.tail;
  t.next = kNone;
  if (lh.tail != kNone) {
    tags_[lh.tail].next = idx;
  } else {
    lh.head = idx;
  }
  lh.tail = idx;
  ++lh.size;
}

void TagTable::unlink(std::uint32_t idx) {
  TrackedTag& t = tags_[idx];
  if (t.list == TagList::none) return;
  ListHead& lh = lists_[static_cast<std::size_t>(t.list)];
  if (t.prev != kNone) {
    tags_[t.prev].next = t.next;
  } else {
    lh.head = t.next;
  }
  if (t.next != kNone) {
    tags_[t.next].prev = t.prev;
  } else {
    lh.tail = t.prev;
  }
  t.prev = t.next = kNone;
  t.list = TagList::none;
  --lh.size;
}

}  // namespace scanedge::rfid
