// EPC Tag Data Standard partition tables: how the 3-bit partition value (0..6) splits a
// scheme's "GS1 Company Prefix + reference" bits between the two, and how many decimal
// digits (or, for GIAI-202, characters) each part has. Partition 7 is invalid everywhere.
//
// Constant data, thread-safe.
#pragma once

#include <array>
#include <cstdint>

namespace scanedge::decode {

struct EpcPartitionRow {
  std::uint8_t prefix_bits;    // GS1 Company Prefix field width
  std::uint8_t prefix_digits;  // its decimal digits (12..6)
  std::uint8_t ref_bits;       // the reference field that follows it
  std::uint8_t ref_digits;     // its decimal digits, or max characters (GIAI-202)
};

using EpcPartitionTable = std::array<EpcPartitionRow, 7>;

// SGTIN: item reference incl. indicator digit (1..7 digits); 44 bits together.
extern const EpcPartitionTable kSgtinPartitions;
// SSCC: serial reference incl. extension digit (5..11 digits); 58 bits together.
extern const EpcPartitionTable kSsccPartitions;
// SGLN: location reference (0..6 digits); 41 bits together.
extern const EpcPartitionTable kSglnPartitions;
// GRAI: asset type (0..6 digits); 44 bits together.
extern const EpcPartitionTable kGraiPartitions;
// GIAI-96: individual asset reference, an integer (digits = most a field of that width can
// hold, so the bit width is the only limit); 82 bits together.
extern const EpcPartitionTable kGiai96Partitions;
// GIAI-202: individual asset reference, 7-bit characters (18..24 max); 188 bits together.
extern const EpcPartitionTable kGiai202Partitions;

}  // namespace scanedge::decode
