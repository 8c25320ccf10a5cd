// ByteStream seam: a bidirectional byte pipe to a device (serial port, USB endpoint).
//
// read(): waits at most `timeout` for bytes; returns the number of bytes placed in `buf`
//   (0 means the timeout passed with nothing to read). An Error means the stream is broken
//   (device gone, I/O error): the caller closes it and may reopen later.
// write(): writes all bytes or returns an Error.
// Threading: one reader thread and one writer thread may use a stream at the same time;
// close() may be called from any thread and makes a blocked read() return soon.
// Ownership: the stream owns its OS handle and releases it in close() or the destructor.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>

#include "edge/core/result.h"

namespace scanedge {

class ByteStream {
 public:
  virtual ~ByteStream() = default;
  virtual Result<std::size_t> read(std::span<std::uint8_t> buf, std::chrono::milliseconds timeout) = 0;
  virtual Status write(std::span<const std::uint8_t> bytes) = 0;
  virtual void close() = 0;
  // A human-readable name for logs, e.g. "/dev/ttyUSB0".
  virtual std::string describe() const = 0;
};

}  // namespace scanedge
