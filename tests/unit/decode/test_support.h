// Shared helpers for the decoder unit tests.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "edge/decode/decoder.h"

namespace scanedge::decode::testing {

inline constexpr char kGsStr[] = "\x1D";

// Dates are judged against a fixed year so tests do not depend on the calendar.
inline DecodeResult dec(std::string_view data) {
  DecodeOptions o;
  o.reference_year = 2026;
  return decode(data, o);
}

// Decodes and expects success; returns the value (or an empty Decoded after a failure).
inline Decoded ok(std::string_view data) {
  DecodeResult r = dec(data);
  EXPECT_TRUE(r.ok()) << "data " << ::testing::PrintToString(std::string(data)) << ": "
                      << r.error.code << " @" << r.error.offset << " " << r.error.message;
  return r.ok() ? *r.value : Decoded{};
}

// Decodes and expects the given error code and offset; returns the error.
inline DecodeError fails(std::string_view data, std::string_view code, std::size_t offset) {
  DecodeResult r = dec(data);
  EXPECT_FALSE(r.ok()) << "data " << ::testing::PrintToString(std::string(data))
                       << " decoded, expected " << code;
  EXPECT_EQ(r.error.code, code) << r.error.message;
  EXPECT_EQ(r.error.offset, offset) << r.error.code << ": " << r.error.message;
  return r.error;
}

}  // namespace scanedge::decode::testing
