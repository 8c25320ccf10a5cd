#include "drivers/serial/serial_port_stream.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>

#include <libserialport.h>

namespace scanedge::serial {
namespace {

constexpr std::chrono::milliseconds kSlice{50};

std::string errno_code(int err) {
  switch (err) {
    case ENOENT:
    case ENODEV:
    case ENXIO: return "device_not_found";
    case EACCES:
    case EPERM: return "permission_denied";
    case EBUSY: return "device_busy";
    default: return "device_io";
  }
}

// Builds an Error from a failed libserialport call. Must run right after the call, on the
// same thread (libserialport keeps the OS error in errno).
Error sp_failure(const std::string& port, const std::string& step, sp_return ret) {
  std::string reason;
  std::string code = "device_io";
  if (ret == SP_ERR_FAIL) {
    const int err = sp_last_error_code();
    char* msg = sp_last_error_message();
    reason = msg != nullptr ? msg : std::strerror(err);
    sp_free_error_message(msg);
    code = errno_code(err);
  } else if (ret == SP_ERR_ARG) {
    reason = "invalid argument";
  } else if (ret == SP_ERR_MEM) {
    reason = "out of memory";
  } else if (ret == SP_ERR_SUPP) {
    reason = "not supported by this port or OS";
  } else {
    reason = "libserialport error " + std::to_string(static_cast<int>(ret));
  }
  std::string message = "serial port " + port + ": " + step + " failed: " + reason;
  if (code == "permission_denied") {
    message += " (add the agent's user to the 'dialout' group, or install a udev rule giving it access to " +
               port + ")";
  }
  return make_error(code, message);
}

sp_parity to_parity(const std::string& p) {
  if (p == "odd") return SP_PARITY_ODD;
  if (p == "even") return SP_PARITY_EVEN;
  if (p == "mark") return SP_PARITY_MARK;
  if (p == "space") return SP_PARITY_SPACE;
  return SP_PARITY_NONE;
}

sp_flowcontrol to_flow(const std::string& f) {
  if (f == "xonxoff") return SP_FLOWCONTROL_XONXOFF;
  if (f == "rtscts") return SP_FLOWCONTROL_RTSCTS;
  if (f == "dtrdsr") return SP_FLOWCONTROL_DTRDSR;
  return SP_FLOWCONTROL_NONE;
}

struct ConfigDeleter {
  void operator()(sp_port_config* c) const { sp_free_config(c); }
};

}  // namespace

Result<std::unique_ptr<SerialPortStream>> SerialPortStream::open(const std::string& port,
                                                                 const SerialSettings& settings) {
  sp_port* raw = nullptr;
  sp_return ret = sp_get_port_by_name(port.c_str(), &raw);
  if (ret != SP_OK) {
    // libserialport looks the port up in sysfs; a missing entry means no such device.
    Error e = sp_failure(port, "lookup", ret);
    if (e.code == "device_io" && ret != SP_ERR_MEM) {
      e.code = "device_not_found";
      e.message += " (no such serial port: is the scanner plugged in and the name right?)";
    }
    return e;
  }
  ret = sp_open(raw, SP_MODE_READ_WRITE);
  if (ret != SP_OK) {
    Error e = sp_failure(port, "open", ret);
    sp_free_port(raw);
    return e;
  }
  auto fail = [&](const std::string& step, sp_return r) {
    Error e = sp_failure(port, step, r);
    sp_close(raw);
    sp_free_port(raw);
    return e;
  };
  sp_port_config* cfg_raw = nullptr;
  if ((ret = sp_new_config(&cfg_raw)) != SP_OK) return fail("allocating config", ret);
  std::unique_ptr<sp_port_config, ConfigDeleter> cfg(cfg_raw);
  if ((ret = sp_get_config(raw, cfg.get())) != SP_OK) return fail("reading config", ret);
  if ((ret = sp_set_config_baudrate(cfg.get(), settings.baud)) != SP_OK) return fail("setting baud", ret);
  if ((ret = sp_set_config_bits(cfg.get(), settings.data_bits)) != SP_OK) return fail("setting data bits", ret);
  if ((ret = sp_set_config_parity(cfg.get(), to_parity(settings.parity))) != SP_OK) return fail("setting parity", ret);
  if ((ret = sp_set_config_stopbits(cfg.get(), settings.stop_bits)) != SP_OK) return fail("setting stop bits", ret);
  if ((ret = sp_set_config_flowcontrol(cfg.get(), to_flow(settings.flow))) != SP_OK) {
    return fail("setting flow control", ret);
  }
  if ((ret = sp_set_config(raw, cfg.get())) != SP_OK) return fail("applying config", ret);
  int fd = -1;
  if ((ret = sp_get_port_handle(raw, &fd)) != SP_OK) return fail("getting handle", ret);
  return std::unique_ptr<SerialPortStream>(new SerialPortStream(port, raw, fd));
}

SerialPortStream::SerialPortStream(std::string name, sp_port* port, int fd)
    : name_(std::move(name)), port_(port), fd_(fd) {}

SerialPortStream::~SerialPortStream() { close(); }

void SerialPortStream::close() {
  closed_ = true;
  std::unique_lock lock(mu_);
  if (port_ != nullptr) {
    sp_close(port_);
    sp_free_port(port_);
    port_ = nullptr;
  }
}

Result<std::size_t> SerialPortStream::read(std::span<std::uint8_t> buf, std::chrono::milliseconds timeout) {
  if (buf.empty()) return std::size_t{0};
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    {
      std::shared_lock lock(mu_);
      if (closed_ || port_ == nullptr) return make_error("device_closed", "serial port " + name_ + ": closed");
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      const auto slice = std::clamp(left, std::chrono::milliseconds(0), kSlice);
      pollfd pfd{fd_, POLLIN, 0};
      const int pr = ::poll(&pfd, 1, static_cast<int>(slice.count()));
      if (pr < 0) {
        if (errno != EINTR) {
          return make_error("device_io", "serial port " + name_ + ": poll failed: " + std::strerror(errno));
        }
      } else if (pr > 0) {
        if ((pfd.revents & POLLIN) != 0) {
          const sp_return n = sp_nonblocking_read(port_, buf.data(), buf.size());
          if (n < 0) {
            Error e = sp_failure(name_, "read", n);
            e.code = "device_disconnected";
            return e;
          }
          if (n > 0) return static_cast<std::size_t>(n);
          // Readable but nothing read: end of file, the other end hung up.
          return make_error("device_disconnected", "serial port " + name_ + ": device hung up (end of file)");
        }
        if ((pfd.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0) {
          return make_error("device_disconnected", "serial port " + name_ + ": device hung up or was removed");
        }
      }
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::size_t{0};
  }
}

Status SerialPortStream::write(std::span<const std::uint8_t> bytes) {
  std::shared_lock lock(mu_);
  if (closed_ || port_ == nullptr) return make_error("device_closed", "serial port " + name_ + ": closed");
  const sp_return n = sp_blocking_write(port_, bytes.data(), bytes.size(), 1000);
  if (n < 0) return sp_failure(name_, "write", n);
  if (static_cast<std::size_t>(n) != bytes.size()) {
    return make_error("device_io", "serial port " + name_ + ": write timed out after " + std::to_string(n) + " of " +
                                       std::to_string(bytes.size()) + " bytes");
  }
  return ok_status();
}

}  // namespace scanedge::serial
