// SerialPortStream: a ByteStream over one serial port, through libserialport.
//
// open(port, settings): looks the port up (libserialport needs its sysfs entry), opens it
//   read-write and applies baud, data bits, parity, stop bits and flow control. Failure is
//   an Error naming the port, the step and the OS reason, with codes:
//     device_not_found   no such port (not plugged in, wrong name),
//     permission_denied  EACCES/EPERM; the message says how to fix it (dialout group or a
//                        udev rule),
//     device_busy        EBUSY (another program holds the port),
//     device_io          anything else (the libserialport message is included).
// read(): waits at most `timeout` for at least one byte and returns what is available. It
//   waits with poll() on the port's handle in slices of at most 50 ms so that close() from
//   another thread takes effect within a slice, and so that a hang-up (USB adapter
//   unplugged: POLLHUP/POLLERR, or end-of-file) is reported as an Error
//   (code device_disconnected) instead of an endless stream of empty reads.
// write(): blocks until every byte is handed to the OS (sp_blocking_write), or an Error.
// close(): idempotent, any thread; reads/writes after it return device_closed.
// Threading: one reader and one writer may run concurrently; close() waits for an
//   in-flight read slice or write to leave libserialport before freeing the port.
#pragma once

#include <atomic>
#include <memory>
#include <shared_mutex>
#include <string>

#include "edge/core/byte_stream.h"
#include "edge/core/result.h"
#include "edge/profiles/profile.h"

struct sp_port;

namespace scanedge::serial {

class SerialPortStream final : public ByteStream {
 public:
  static Result<std::unique_ptr<SerialPortStream>> open(const std::string& port, const SerialSettings& settings);

  ~SerialPortStream() override;
  SerialPortStream(const SerialPortStream&) = delete;
  SerialPortStream& operator=(const SerialPortStream&) = delete;

  Result<std::size_t> read(std::span<std::uint8_t> buf, std::chrono::milliseconds timeout) override;
  Status write(std::span<const std::uint8_t> bytes) override;
  void close() override;
  std::string describe() const override { return name_; }

 private:
  SerialPortStream(std::string name, sp_port* port, int fd);

  std::string name_;
  sp_port* port_;  // owned; freed in close()
  int fd_;
  std::atomic<bool> closed_{false};
  mutable std::shared_mutex mu_;  // shared: read/write in progress; unique: close()
};

}  // namespace scanedge::serial
