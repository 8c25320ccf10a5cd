#include "edge/rfid/tag_table.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "tests/unit/rfid/rfid_test_util.h"

namespace scanedge::rfid {
namespace {

using test::epc;

std::vector<std::uint32_t> list_order(const TagTable& t, TagList l) {
  std::vector<std::uint32_t> out;
  for (auto i = t.front(l); i != TagTable::kNone; i = t.at(i).next) out.push_back(i);
  return out;
}

TEST(TagTable, RandomInsertEraseAgreesWithReferenceMap) {
  // Small capacity forces long probe runs and wrap-around; erase exercises backward shift.
  TagTable t(64);
  std::unordered_map<unsigned, std::uint32_t> ref;
  std::uint64_t x = 12345;
  for (int step = 0; step < 20000; ++step) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    const unsigned key = static_cast<unsigned>((x >> 33) % 200);
    const EpcBytes e = epc(key);
    const auto idx = t.find(e, e.hash());
    auto it = ref.find(key);
    ASSERT_EQ(idx != TagTable::kNone, it != ref.end()) << "step " << step;
    if (it != ref.end()) {
      ASSERT_EQ(idx, it->second);
      ASSERT_TRUE(t.at(idx).epc == e);
      if ((x >> 20) % 2 == 0) {
        t.erase(idx);
        ref.erase(it);
      }
    } else if (t.size() < t.capacity()) {
      ref[key] = t.insert(e, e.hash(), (x >> 21) % 2 ? TagList::pending : TagList::present);
    }
    ASSERT_EQ(t.size(), ref.size());
    ASSERT_EQ(t.list_size(TagList::pending) + t.list_size(TagList::present), ref.size());
  }
  for (const auto& [key, idx] : ref) {
    const EpcBytes e = epc(key);
    EXPECT_EQ(t.find(e, e.hash()), idx);
  }
}

TEST(TagTable, ListsKeepTouchOrder) {
  TagTable t(8);
  const auto a = t.insert(epc(1), epc(1).hash(), TagList::pending);
  const auto b = t.insert(epc(2), epc(2).hash(), TagList::pending);
  const auto c = t.insert(epc(3), epc(3).hash(), TagList::pending);
  EXPECT_EQ(list_order(t, TagList::pending), (std::vector<std::uint32_t>{a, b, c}));
  t.move_to_back(a, TagList::pending);
  EXPECT_EQ(list_order(t, TagList::pending), (std::vector<std::uint32_t>{b, c, a}));
  t.move_to_back(c, TagList::present);
  EXPECT_EQ(list_order(t, TagList::pending), (std::vector<std::uint32_t>{b, a}));
  EXPECT_EQ(list_order(t, TagList::present), (std::vector<std::uint32_t>{c}));
  t.erase(b);
  EXPECT_EQ(t.front(TagList::pending), a);
  EXPECT_EQ(t.find(epc(2), epc(2).hash()), TagTable::kNone);
  EXPECT_EQ(t.size(), 2u);
}

}  // namespace
}  // namespace scanedge::rfid
