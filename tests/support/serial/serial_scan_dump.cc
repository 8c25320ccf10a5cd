// serial_scan_dump: reads scans from a serial scanner through the real serial-ascii driver
// and prints one line per scan, bytes < 0x20, 0x7f and >= 0x80 and '\' written as \xHH.
// A test and field-debugging tool (e.g. under run-with-serial-scanner.sh).
//
// Usage: serial_scan_dump --profile FILE [--port /dev/ttyUSB0] [--count N] [--timeout-ms T]
// Exit: 0 after N scans (or, without --count, when the timeout passes); 1 when fewer than N
// scans came before the timeout; 2 for a usage, profile or open error (message on stderr).
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <string>
#include <vector>

#include "drivers/serial_ascii/serial_ascii_driver.h"
#include "edge/profiles/profile.h"

namespace {

std::string escape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x20 || c >= 0x7f || c == '\\') {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

int usage(const char* msg) {
  std::cerr << "serial_scan_dump: " << msg
            << "\nusage: serial_scan_dump --profile FILE [--port /dev/ttyUSB0] [--count N] [--timeout-ms T]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string port = "/dev/ttyUSB0";
  std::string profile_path;
  long count = -1;
  long timeout_ms = 5000;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    auto value = [&]() -> const std::string* { return i + 1 < args.size() ? &args[++i] : nullptr; };
    const std::string& a = args[i];
    const std::string* v = nullptr;
    if (a == "--port" && (v = value())) {
      port = *v;
    } else if (a == "--profile" && (v = value())) {
      profile_path = *v;
    } else if (a == "--count" && (v = value())) {
      count = std::strtol(v->c_str(), nullptr, 10);
    } else if (a == "--timeout-ms" && (v = value())) {
      timeout_ms = std::strtol(v->c_str(), nullptr, 10);
    } else {
      return usage(("bad argument: " + a).c_str());
    }
  }
  if (profile_path.empty()) return usage("--profile is required");
  auto profile = scanedge::load_profile_file(profile_path);
  if (!profile) {
    std::cerr << profile.error().message << "\n";
    return 2;
  }

  scanedge::SystemClock clock;
  scanedge::serial_ascii::SerialAsciiDriver driver(port, *profile, clock);
  std::mutex mu;
  std::condition_variable cv;
  long seen = 0;
  auto st = driver.start([&](scanedge::RawScan scan) {
    std::lock_guard lock(mu);
    std::cout << escape(scan.data) << std::endl;
    ++seen;
    cv.notify_all();
  });
  if (!st) {
    std::cerr << st.error().code << ": " << st.error().message << "\n";
    return 2;
  }
  {
    std::unique_lock lock(mu);
    cv.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return count >= 0 && seen >= count; });
  }
  driver.stop();
  if (count >= 0 && seen < count) {
    std::cerr << "serial_scan_dump: " << seen << " of " << count << " scans before the timeout\n";
    return 1;
  }
  return 0;
}
