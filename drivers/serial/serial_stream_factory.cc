#include "drivers/serial/serial_stream_factory.h"

#include "drivers/serial/serial_port_source.h"
#include "drivers/serial/serial_port_stream.h"

namespace scanedge::serial {

std::string serial_scanner_id(const std::string& port) {
  if (port.rfind("usb:", 0) == 0 || port.rfind("serial:", 0) == 0) return port;
  return "serial:" + port;
}

StreamFactory serial_port_factory() {
  return [](const std::string& port, const SerialSettings& settings) -> Result<std::unique_ptr<ByteStream>> {
    auto path = find_port_for_identity(port);
    if (!path) return path.error();
    auto s = SerialPortStream::open(*path, settings);
    if (!s) return s.error();
    return std::unique_ptr<ByteStream>(std::move(*s));
  };
}

}  // namespace scanedge::serial
