#include "edge/rfid/filter_settings.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>

#include "edge/rfid/read_filter.h"

namespace scanedge::rfid {
namespace {

using namespace std::chrono_literals;

TEST(RfidFilterSettings, DefaultsAndBoundariesAreValid) {
  EXPECT_TRUE(validate_filter_settings(RfidFilterSettings{}).ok());
  RfidFilterSettings s;
  s.window = 1ms;
  s.absence_timeout = 1ms;  // equal to the window is allowed
  s.min_reads = 1;
  s.max_tags = 1;
  s.rssi_min_dbm = -150.0;
  EXPECT_TRUE(validate_filter_settings(s).ok());
  s.window = 600000ms;
  s.absence_timeout = 86400000ms;
  s.min_reads = 10000;
  s.max_tags = 1000000;
  s.rssi_min_dbm = 30.0;
  EXPECT_TRUE(validate_filter_settings(s).ok());
}

struct BadCase {
  const char* key;
  std::function<void(RfidFilterSettings&)> spoil;
};

TEST(RfidFilterSettings, BadValuesNameTheSetting) {
  const BadCase cases[] = {
      {"rfid.window_ms", [](RfidFilterSettings& s) { s.window = 0ms; }},
      {"rfid.window_ms", [](RfidFilterSettings& s) { s.window = -5ms; }},
      {"rfid.window_ms", [](RfidFilterSettings& s) {
         s.window = 600001ms;
         s.absence_timeout = 700000ms;
       }},
      {"rfid.min_reads", [](RfidFilterSettings& s) { s.min_reads = 0; }},
      {"rfid.min_reads", [](RfidFilterSettings& s) { s.min_reads = -1; }},
      {"rfid.min_reads", [](RfidFilterSettings& s) { s.min_reads = 10001; }},
      {"rfid.rssi_min_dbm", [](RfidFilterSettings& s) { s.rssi_min_dbm = std::nan(""); }},
      {"rfid.rssi_min_dbm",
       [](RfidFilterSettings& s) { s.rssi_min_dbm = -std::numeric_limits<double>::infinity(); }},
      {"rfid.rssi_min_dbm", [](RfidFilterSettings& s) { s.rssi_min_dbm = -151.0; }},
      {"rfid.rssi_min_dbm", [](RfidFilterSettings& s) { s.rssi_min_dbm = 31.0; }},
      {"rfid.absence_timeout_ms", [](RfidFilterSettings& s) { s.absence_timeout = 999ms; }},  // < window
      {"rfid.absence_timeout_ms", [](RfidFilterSettings& s) { s.absence_timeout = 86400001ms; }},
      {"rfid.max_tags", [](RfidFilterSettings& s) { s.max_tags = 0; }},
      {"rfid.max_tags", [](RfidFilterSettings& s) { s.max_tags = 1000001; }},
  };
  for (const auto& c : cases) {
    RfidFilterSettings s;
    c.spoil(s);
    auto st = validate_filter_settings(s);
    ASSERT_FALSE(st.ok()) << c.key;
    EXPECT_EQ(st.error().code, "rfid_settings_invalid") << c.key;
    EXPECT_NE(st.error().message.find(c.key), std::string::npos) << st.error().message;

    auto f = ReadFilter::create(s);
    ASSERT_FALSE(f.ok()) << c.key;
    EXPECT_EQ(f.error().code, "rfid_settings_invalid");
    EXPECT_NE(f.error().message.find(c.key), std::string::npos) << f.error().message;
  }
}

TEST(RfidFilterSettings, MessageShowsValueAndRange) {
  RfidFilterSettings s;
  s.min_reads = 0;
  auto st = validate_filter_settings(s);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("= 0"), std::string::npos) << st.error().message;
  EXPECT_NE(st.error().message.find("1..10000"), std::string::npos) << st.error().message;
}

}  // namespace
}  // namespace scanedge::rfid
