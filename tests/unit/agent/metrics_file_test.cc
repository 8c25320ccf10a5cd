// The metrics text file: the Prometheus format of the agent's status, and its atomic,
// periodic rewrite.
#include <gtest/gtest.h>

#include <dirent.h>
#include <sys/stat.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "edge/agent/metrics_file.h"
#include "tests/support/text_file.h"

using scanedge::testing::read_text_file;

namespace scanedge::agent {
namespace {

using namespace std::chrono_literals;

nlohmann::json sample_status() {
  return nlohmann::json::parse(R"({
    "site":"s1","device":"d1",
    "broker":{"uri":"tcp://127.0.0.1:1883","connected":true,"connects":3},
    "outbox":{"exec":{"depth":4,"last_seq":42,"acked_through":38,"bytes":1200,"shed":0,"shed_through":0},
              "telemetry":{"depth":2,"last_seq":17,"acked_through":15,"bytes":500,"shed":7,"shed_through":9}},
    "sync":{"exec":{"last_ack_age_ms":1500,"oldest_unacked_age_ms":2500},
            "telemetry":{"last_ack_age_ms":null,"oldest_unacked_age_ms":0}},
    "counters":{"confirmed":40,"rejected":12,"not_stored":1,"actions":3,"commit_groups":30},
    "scanners":[{"id":"usb:05e0:1200:S\"1","profile":"zebra-ds2208","state":"in_service"},
                {"id":"serial:/dev/ttyS0","profile":"generic-serial-ascii","state":"disconnected"}]
  })");
}

TEST(MetricsFormat, EveryFamilyHasHelpTypeAndTheStatusValues) {
  const std::string m = format_metrics(sample_status());
  for (const char* fam : {"scanedge_outbox_backlog", "scanedge_events_confirmed_total", "scanedge_events_rejected_total",
                          "scanedge_events_not_stored_total", "scanedge_sync_latency_seconds",
                          "scanedge_mqtt_reconnects_total", "scanedge_scanner_state", "scanedge_telemetry_shed_total"}) {
    EXPECT_NE(m.find(std::string("# HELP ") + fam + " "), std::string::npos) << fam;
    EXPECT_NE(m.find(std::string("# TYPE ") + fam + " "), std::string::npos) << fam;
  }
  EXPECT_NE(m.find("# TYPE scanedge_events_confirmed_total counter\n"), std::string::npos);
  EXPECT_NE(m.find("# TYPE scanedge_outbox_backlog gauge\n"), std::string::npos);
  EXPECT_NE(m.find("scanedge_outbox_backlog{stream=\"exec\"} 4\n"), std::string::npos) << m;
  EXPECT_NE(m.find("scanedge_outbox_backlog{stream=\"telemetry\"} 2\n"), std::string::npos);
  EXPECT_NE(m.find("scanedge_events_confirmed_total 40\n"), std::string::npos);
  EXPECT_NE(m.find("scanedge_events_rejected_total 12\n"), std::string::npos);
  EXPECT_NE(m.find("scanedge_events_not_stored_total 1\n"), std::string::npos);
  EXPECT_NE(m.find("scanedge_telemetry_shed_total 7\n"), std::string::npos);
  EXPECT_NE(m.find("scanedge_sync_latency_seconds{stream=\"exec\"} 2.5\n"), std::string::npos) << m;
  EXPECT_NE(m.find("scanedge_sync_latency_seconds{stream=\"telemetry\"} 0\n"), std::string::npos);
  EXPECT_NE(m.find("scanedge_sync_last_ack_age_seconds{stream=\"exec\"} 1.5\n"), std::string::npos);
  EXPECT_EQ(m.find("scanedge_sync_last_ack_age_seconds{stream=\"telemetry\"}"), std::string::npos)
      << "no ack yet: no sample rather than an invented one";
  EXPECT_NE(m.find("scanedge_mqtt_connected 1\n"), std::string::npos);
  EXPECT_NE(m.find("scanedge_mqtt_reconnects_total 2\n"), std::string::npos);
  EXPECT_NE(m.find("scanedge_scanner_state{scanner=\"usb:05e0:1200:S\\\"1\",profile=\"zebra-ds2208\",state=\"in_service\"} 1\n"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("state=\"disconnected\"} 1\n"), std::string::npos);
  EXPECT_EQ(m.back(), '\n');
}

TEST(MetricsFormat, MissingFiguresAreLeftOut) {
  nlohmann::json st = sample_status();
  st["outbox"]["exec"] = {{"error", "disk I/O error"}};
  st.erase("broker");
  const std::string m = format_metrics(st);
  EXPECT_EQ(m.find("scanedge_outbox_backlog{stream=\"exec\"}"), std::string::npos);
  EXPECT_NE(m.find("scanedge_outbox_backlog{stream=\"telemetry\"} 2\n"), std::string::npos);
  EXPECT_EQ(m.find("\nscanedge_mqtt_reconnects_total "), std::string::npos);
  EXPECT_NE(format_metrics(nlohmann::json::object()).find("# TYPE scanedge_outbox_backlog gauge"), std::string::npos);
}

class TempDir {
 public:
  TempDir() {
    std::string t = (std::filesystem::temp_directory_path() / "scanedge-metrics-XXXXXX").string();
    path_ = mkdtemp(t.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& n) const { return path_ + "/" + n; }
  std::vector<std::string> entries() const {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(path_)) out.push_back(e.path().filename().string());
    return out;
  }

 private:
  std::string path_;
};

TEST(MetricsFileWriter, WritesAtStartThenEveryIntervalAtomicallyAndLeavesNoTempFile) {
  TempDir dir;
  const std::string path = dir.file("scanedge.prom");
  std::atomic<int> confirmed{1};
  MetricsFileWriter w(path, 50ms, [&] {
    nlohmann::json st = sample_status();
    st["counters"]["confirmed"] = confirmed.load();
    return st;
  });
  w.start();
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (read_text_file(path).find("scanedge_events_confirmed_total 1\n") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_NE(read_text_file(path).find("scanedge_events_confirmed_total 1\n"), std::string::npos);
  confirmed = 9;
  while (read_text_file(path).find("scanedge_events_confirmed_total 9\n") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_NE(read_text_file(path).find("scanedge_events_confirmed_total 9\n"), std::string::npos) << "rewritten at the interval";
  w.stop();
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"scanedge.prom"}) << "no temp file left behind";
  struct stat sb{};
  ASSERT_EQ(::stat(path.c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 0777, 0644u);
  // Every complete read is a whole file: it ends with the last family's sample.
  EXPECT_EQ(read_text_file(path), format_metrics([&] {
              nlohmann::json st = sample_status();
              st["counters"]["confirmed"] = 9;
              return st;
            }()));
}

TEST(MetricsFileWriter, AMissingDirectoryIsAnErrorNotACrash) {
  TempDir dir;
  MetricsFileWriter w(dir.file("no/such/dir/scanedge.prom"), 20ms, [] { return sample_status(); });
  auto s = w.write_once();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, "io");
  EXPECT_NE(s.error().message.find("no/such/dir"), std::string::npos);
  w.start();
  std::this_thread::sleep_for(60ms);
  w.stop();  // keeps retrying quietly; stops promptly
}

}  // namespace
}  // namespace scanedge::agent
