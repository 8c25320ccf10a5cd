#include "edge/core/journal_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

namespace scanedge::logging {
namespace {

std::string format(spdlog::level::level_enum level, std::string_view text) {
  JournalFormatter f;
  spdlog::details::log_msg msg("scanedged", level, spdlog::string_view_t(text.data(), text.size()));
  spdlog::memory_buf_t buf;
  f.format(msg, buf);
  return std::string(buf.data(), buf.size());
}

std::string dev_ino(int fd) {
  struct stat st {};
  if (fstat(fd, &st) != 0) return {};
  return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
}

// A temporary file, removed at the end.
struct TempFile {
  std::string path;
  TempFile() {
    char tmpl[] = "/tmp/journal_log_test.XXXXXX";
    const int fd = mkstemp(tmpl);
    if (fd >= 0) close(fd);
    path = tmpl;
  }
  ~TempFile() { std::remove(path.c_str()); }
  std::string read() const {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
};

TEST(JournalPrefix, SdDaemonPriorities) {
  EXPECT_EQ(journal_prefix(spdlog::level::critical), "<2>");
  EXPECT_EQ(journal_prefix(spdlog::level::err), "<3>");
  EXPECT_EQ(journal_prefix(spdlog::level::warn), "<4>");
  EXPECT_EQ(journal_prefix(spdlog::level::info), "<6>");
  EXPECT_EQ(journal_prefix(spdlog::level::debug), "<7>");
  EXPECT_EQ(journal_prefix(spdlog::level::trace), "<7>");
}

TEST(JournalFormatter, PrefixAndMessageOnlyNoTimestamp) {
  EXPECT_EQ(format(spdlog::level::err, "cannot start: disk full"), "<3>cannot start: disk full\n");
  EXPECT_EQ(format(spdlog::level::warn, "ledger: disconnected"), "<4>ledger: disconnected\n");
  EXPECT_EQ(format(spdlog::level::info, "running"), "<6>running\n");
  EXPECT_EQ(format(spdlog::level::debug, "page read"), "<7>page read\n");
}

TEST(JournalFormatter, EveryLineOfAMultiLineMessageKeepsItsPriority) {
  EXPECT_EQ(format(spdlog::level::err, "first\nsecond\nthird"), "<3>first\n<3>second\n<3>third\n");
  EXPECT_EQ(format(spdlog::level::warn, "ends in newline\n"), "<4>ends in newline\n");
  EXPECT_EQ(format(spdlog::level::info, ""), "<6>\n");
  EXPECT_EQ(format(spdlog::level::info, "a\n\nb"), "<6>a\n<6>\n<6>b\n");
}

TEST(IsJournalStream, MatchesOnlyTheDeviceAndInodeOfTheFd) {
  TempFile a, b;
  const int fa = open(a.path.c_str(), O_WRONLY);
  const int fb = open(b.path.c_str(), O_WRONLY);
  ASSERT_GE(fa, 0);
  ASSERT_GE(fb, 0);
  const std::string ida = dev_ino(fa);
  EXPECT_TRUE(is_journal_stream(ida.c_str(), fa));
  EXPECT_FALSE(is_journal_stream(ida.c_str(), fb));  // stderr redirected elsewhere after systemd set it
  EXPECT_FALSE(is_journal_stream(nullptr, fa));       // not under systemd
  for (const char* bad : {"", "12", ":", "12:", ":34", "a:b", "1:2x", "1:2:3", "-1:2", " 1:2"}) {
    EXPECT_FALSE(is_journal_stream(bad, fa)) << bad;
  }
  close(fa);
  close(fb);
  EXPECT_FALSE(is_journal_stream(ida.c_str(), fa));  // closed fd
}

// Runs `body` with fd 2 redirected to a fresh file and JOURNAL_STREAM set to `journal`
// (unset when null; "self" = the file's own device:inode). Returns what reached fd 2.
template <class Body>
std::string with_stderr(const char* journal, Body body) {
  TempFile out;
  fflush(stderr);
  const int saved = dup(2);
  const int fd = open(out.path.c_str(), O_WRONLY | O_APPEND);
  dup2(fd, 2);
  close(fd);
  const char* old = std::getenv("JOURNAL_STREAM");
  const std::string old_value = old != nullptr ? old : "";
  if (journal == nullptr) {
    unsetenv("JOURNAL_STREAM");
  } else {
    setenv("JOURNAL_STREAM", std::string(journal) == "self" ? dev_ino(2).c_str() : journal, 1);
  }
  body();
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  if (old != nullptr) {
    setenv("JOURNAL_STREAM", old_value.c_str(), 1);
  } else {
    unsetenv("JOURNAL_STREAM");
  }
  return out.read();
}

TEST(InstallStderrLogger, UnderJournaldEachLevelGetsItsPrefixAndNoTimestamp) {
  const std::string got = with_stderr("self", [] {
    EXPECT_TRUE(stderr_is_journal());
    EXPECT_EQ(stderr_prefix(spdlog::level::err), "<3>");
    auto logger = install_stderr_logger("journal-test", "%Y-%m-%dT%H:%M:%S.%e %l %v", false);
    logger->set_level(spdlog::level::debug);
    spdlog::error("outbox: disk full");
    spdlog::warn("offline");
    spdlog::info("running");
    spdlog::debug("detail");
    logger->flush();
  });
  EXPECT_EQ(got, "<3>outbox: disk full\n<4>offline\n<6>running\n<7>detail\n");
}

TEST(InstallStderrLogger, ElsewhereTheHumanFormatWithTimestampsStays) {
  for (const char* env : {static_cast<const char*>(nullptr), "1:1"}) {  // unset, or another stream's
    const std::string got = with_stderr(env, [] {
      EXPECT_FALSE(stderr_is_journal());
      EXPECT_EQ(stderr_prefix(spdlog::level::err), "");
      auto logger = install_stderr_logger("human-test", "%Y-%m-%dT%H:%M:%S.%e %l %v", true);
      spdlog::error("outbox: disk full");
      spdlog::info("running");
      logger->flush();
    });
    const std::regex want(
        "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3} error outbox: disk full\n"
        "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3} info running\n");
    EXPECT_TRUE(std::regex_match(got, want)) << (env ? env : "(unset)") << ": " << got;
  }
}

}  // namespace
}  // namespace scanedge::logging
