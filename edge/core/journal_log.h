// Logging to stderr in the form journald understands, for the daemons (scanedged,
// scanedge-ledger) that systemd runs with StandardError=journal.
//
// Under systemd, journald reads a service's stderr line by line. A line starting with an
// sd-daemon priority prefix ("<3>" error, "<4>" warning, "<6>" info, "<7>" debug; see
// sd-daemon(3)) is stored with that priority, so `journalctl -p warning` works; journald
// stamps every line itself, so a timestamp in the text would only be noise. Anywhere else
// (a terminal, a log file of a test) the usual human format with timestamps is kept.
//
// systemd tells a service that its stderr is the journal by setting JOURNAL_STREAM to
// "DEVICE:INODE" of that stream; it counts only while fd 2 still is that stream (a wrapper
// may have redirected it), which is_journal_stream() checks.
//
// Threading: the functions are thread-safe; install_stderr_logger() is meant to be called
// once, early in main(), before other threads log.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <spdlog/formatter.h>
#include <spdlog/logger.h>

namespace scanedge::logging {

// True when `journal_stream` (the value of $JOURNAL_STREAM: "DEVICE:INODE", decimal) names
// the file open on `fd`. False when it is null, malformed, or names another file, and when
// `fd` is not open.
bool is_journal_stream(const char* journal_stream, int fd);

// is_journal_stream(getenv("JOURNAL_STREAM"), 2), evaluated at each call.
bool stderr_is_journal();

// The sd-daemon priority prefix for a spdlog level: critical "<2>", err "<3>", warn "<4>",
// info "<6>", debug and trace "<7>". `off` (not a message level) maps to "<6>".
std::string_view journal_prefix(spdlog::level::level_enum level);

// journal_prefix(level) when stderr is the journal, "" otherwise: for the few messages a
// daemon writes to std::cerr itself (before logging is set up).
std::string_view stderr_prefix(spdlog::level::level_enum level);

// spdlog formatter for journald: the message, each of its lines (a message with embedded
// newlines would otherwise reach the journal as several entries, all but the first at the
// default priority) prefixed with journal_prefix(level), each ending in '\n'. No time, no
// level name, no logger name: journald records the time, priority and unit itself.
class JournalFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::formatter> clone() const override;
};

// Creates a logger named `name` writing to stderr and makes it spdlog's default logger
// (replacing the previous default). When stderr is the journal it uses JournalFormatter;
// otherwise `human_pattern` (a spdlog pattern; spdlog's default pattern when empty), with
// colours when `color` is true and stderr is a terminal. Never throws for a name already
// registered. Returns the logger (also reachable as spdlog::default_logger()).
std::shared_ptr<spdlog::logger> install_stderr_logger(const std::string& name, const std::string& human_pattern,
                                                      bool color);

}  // namespace scanedge::logging
