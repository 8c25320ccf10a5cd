#include "edge/core/journal_log.h"

#include <sys/stat.h>
#include <systemd/sd-daemon.h>

#include <charconv>
#include <cstdint>
#include <cstdlib>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace scanedge::logging {

namespace {

// One unsigned decimal number filling [first, last) exactly.
bool parse_decimal(const char* first, const char* last, std::uint64_t& out) {
  if (first == last) return false;
  const auto [ptr, ec] = std::from_chars(first, last, out, 10);
  return ec == std::errc() && ptr == last;
}

}  // namespace

bool is_journal_stream(const char* journal_stream, int fd) {
  if (journal_stream == nullptr) return false;
  const std::string_view v(journal_stream);
  const auto colon = v.find(':');
  if (colon == std::string_view::npos) return false;
  std::uint64_t dev = 0, ino = 0;
  if (!parse_decimal(v.data(), v.data() + colon, dev) || !parse_decimal(v.data() + colon + 1, v.data() + v.size(), ino)) {
    return false;
  }
  struct stat st {};
  if (fstat(fd, &st) != 0) return false;
  return static_cast<std::uint64_t>(st.st_dev) == dev && static_cast<std::uint64_t>(st.st_ino) == ino;
}

bool stderr_is_journal() { return is_journal_stream(std::getenv("JOURNAL_STREAM"), 2); }

std::string_view journal_prefix(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::critical: return SD_CRIT;
    case spdlog::level::err: return SD_ERR;
    case spdlog::level::warn: return SD_WARNING;
    case spdlog::level::debug:
    case spdlog::level::trace: return SD_DEBUG;
    case spdlog::level::info:
    default: return SD_INFO;
  }
}

std::string_view stderr_prefix(spdlog::level::level_enum level) {
  return stderr_is_journal() ? journal_prefix(level) : std::string_view();
}

void JournalFormatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  const std::string_view prefix = journal_prefix(msg.level);
  std::string_view rest(msg.payload.data(), msg.payload.size());
  // A trailing newline ends the last line; it does not start an empty one.
  if (!rest.empty() && rest.back() == '\n') rest.remove_suffix(1);
  for (;;) {
    const auto nl = rest.find('\n');
    const std::string_view line = rest.substr(0, nl);
    dest.append(prefix.data(), prefix.data() + prefix.size());
    dest.append(line.data(), line.data() + line.size());
    dest.push_back('\n');
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
}

std::unique_ptr<spdlog::formatter> JournalFormatter::clone() const { return std::make_unique<JournalFormatter>(); }

std::shared_ptr<spdlog::logger> install_stderr_logger(const std::string& name, const std::string& human_pattern,
                                                      bool color) {
  const bool journal = stderr_is_journal();
  spdlog::sink_ptr sink;
  if (color && !journal) {
    sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  } else {
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  }
  auto logger = std::make_shared<spdlog::logger>(name, std::move(sink));
  if (journal) {
    logger->set_formatter(std::make_unique<JournalFormatter>());
  } else if (!human_pattern.empty()) {
    logger->set_pattern(human_pattern);
  }
  spdlog::set_default_logger(logger);
  return logger;
}

}  // namespace scanedge::logging
