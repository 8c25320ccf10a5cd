// scanedged: the scanedge agent.
//
//   scanedged [--config FILE] [--check-config]
//
// Exit status: 0 after a clean stop (SIGTERM/SIGINT), 2 for a bad configuration (the message
// on stderr is `file:line: what is wrong`), 1 when the agent cannot start (database, bus).
// Under systemd (Type=notify) it sends READY=1 once the outbox is open and the bus is bound,
// STATUS= lines ("online, backlog 0"), and WATCHDOG=1 pings while the pipeline is not stuck.
#include <signal.h>
#include <systemd/sd-daemon.h>

#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "edge/agent/agent.h"
#include "edge/config/agent_config.h"
#include "edge/core/journal_log.h"

namespace {

// stderr: "<3>message" lines when it is journald's stream (the journal keeps the priority
// and the time), otherwise "2026-01-31T12:00:00.123 info message".
void setup_logging(const std::string& level) {
  scanedge::logging::install_stderr_logger("scanedged", "%Y-%m-%dT%H:%M:%S.%e %l %v", false);
  spdlog::set_level(spdlog::level::from_str(level));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"scanedged: scanedge edge agent"};
  std::string config_path = "/etc/scanedge/scanedged.toml";
  bool check_only = false;
  app.add_option("-c,--config", config_path, "Configuration file")->capture_default_str();
  app.add_flag("--check-config", check_only, "Validate the configuration and exit");
  app.set_version_flag("--version", SCANEDGE_VERSION);
  CLI11_PARSE(app, argc, argv);

  auto cfg = scanedge::config::load_config(config_path);
  if (!cfg) {
    std::cerr << scanedge::logging::stderr_prefix(spdlog::level::err) << cfg.error().message << "\n";
    return 2;
  }
  if (check_only) {
    if (auto s = scanedge::agent::Agent::check(*cfg); !s) {
      std::cerr << scanedge::logging::stderr_prefix(spdlog::level::err) << config_path << ": " << s.error().message << "\n";
      return 2;
    }
    std::cout << config_path << ": OK\n";
    return 0;
  }
  setup_logging(cfg->log_level);

  // Block the stop signals in every thread; the main thread waits for them.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto agent = scanedge::agent::Agent::create(*cfg);
  if (!agent) {
    spdlog::critical("cannot start: {}", agent.error().message);
    return agent.error().code == "config" ? 2 : 1;
  }
  if (auto s = (*agent)->start(); !s) {
    spdlog::critical("cannot start: {}", s.error().message);
    return 1;
  }
  spdlog::info("scanedged {} running: site {} device {}, bus {}", SCANEDGE_VERSION, cfg->site, cfg->device,
               cfg->bus_endpoint);
  sd_notify(0, "READY=1");

  std::uint64_t watchdog_usec = 0;
  const bool watchdog = sd_watchdog_enabled(0, &watchdog_usec) > 0;
  const auto stuck_limit = std::chrono::milliseconds(watchdog ? watchdog_usec / 2000 : 30000);
  std::string last_status;
  for (;;) {
    timespec tick{};
    tick.tv_nsec = 500 * 1000 * 1000;
    const int sig = sigtimedwait(&sigs, nullptr, &tick);
    if (sig == SIGTERM || sig == SIGINT) {
      spdlog::info("signal {}: stopping", sig);
      break;
    }
    if (watchdog && (*agent)->healthy(stuck_limit)) sd_notify(0, "WATCHDOG=1");
    const std::string line = (*agent)->status_line();
    if (line != last_status) {
      sd_notifyf(0, "STATUS=%s", line.c_str());
      last_status = line;
    }
  }
  sd_notify(0, "STOPPING=1");
  (*agent)->stop();
  spdlog::info("stopped");
  return 0;
}
