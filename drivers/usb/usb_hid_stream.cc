#include "drivers/usb/usb_hid_stream.h"

#include <libusb.h>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <vector>

#include "drivers/usb/usb_identity.h"

namespace scanedge::usb {
namespace {

constexpr std::size_t kQueueCapacity = 256;
constexpr int kMaxConsecutiveErrors = 8;
constexpr unsigned kControlTimeoutMs = 1000;
constexpr auto kCancelWait = std::chrono::seconds(2);

constexpr std::uint8_t kSetReportRequestType = 0x21;  // host-to-device, class, interface
constexpr std::uint8_t kHidSetReport = 0x09;
constexpr std::uint8_t kReportTypeOutput = 0x02;
constexpr std::uint8_t kReportTypeFeature = 0x03;

std::string serial_by_descriptor(libusb_device_handle* h, std::uint8_t index) {
  if (index == 0) return {};
  std::array<unsigned char, 256> buf{};
  int n = libusb_get_string_descriptor_ascii(h, index, buf.data(), static_cast<int>(buf.size()));
  if (n <= 0) return {};
  return std::string(reinterpret_cast<const char*>(buf.data()), static_cast<std::size_t>(n));
}

}  // namespace

struct UsbHidStream::Impl {
  std::shared_ptr<UsbContext> ctx;
  UsbDeviceInfo info;
  libusb_device_handle* handle = nullptr;  // owned; closed in close()
  int iface = -1;
  std::uint8_t ep_in = 0;
  std::uint8_t ep_out = 0;
  libusb_transfer* transfer = nullptr;     // the IN transfer; owned
  std::vector<std::uint8_t> in_buf;

  mutable std::mutex mu;                   // everything below
  std::condition_variable cv;
  std::deque<std::vector<std::uint8_t>> queue;
  bool closed = false;
  bool in_flight = false;
  bool disconnected = false;
  bool broken = false;
  std::string broken_reason;
  int consecutive_errors = 0;
  UsbHidStats stats;

  std::mutex io_mu;                        // held by writes and by close() while releasing

  static void LIBUSB_CALL on_in(libusb_transfer* t);
  Status control_set_report(std::uint8_t type, std::span<const std::uint8_t> report, const char* what);
};

void LIBUSB_CALL UsbHidStream::Impl::on_in(libusb_transfer* t) {
  auto* im = static_cast<Impl*>(t->user_data);
  std::lock_guard lock(im->mu);
  bool resubmit = false;
  switch (t->status) {
    case LIBUSB_TRANSFER_COMPLETED: {
      im->consecutive_errors = 0;
      if (t->actual_length > 0) {
        ++im->stats.reports_received;
        if (im->queue.size() >= kQueueCapacity) {
          im->queue.pop_front();
          ++im->stats.reports_dropped;
        }
        im->queue.emplace_back(t->buffer, t->buffer + t->actual_length);
      }
      resubmit = true;
      break;
    }
    case LIBUSB_TRANSFER_CANCELLED:
      break;
    case LIBUSB_TRANSFER_NO_DEVICE:
      im->disconnected = true;
      break;
    case LIBUSB_TRANSFER_TIMED_OUT:
      resubmit = true;
      break;
    default:  // ERROR, STALL, OVERFLOW
      ++im->stats.transfer_errors;
      if (++im->consecutive_errors >= kMaxConsecutiveErrors) {
        im->broken = true;
        im->broken_reason = std::string("interrupt IN transfer failed ") + std::to_string(kMaxConsecutiveErrors) +
                            " times in a row (last status " + libusb_error_name(static_cast<int>(t->status)) + ")";
      } else {
        resubmit = true;
      }
      break;
  }
  if (resubmit && !im->closed) {
    int rc = libusb_submit_transfer(t);
    if (rc != LIBUSB_SUCCESS) {
      if (rc == LIBUSB_ERROR_NO_DEVICE) {
        im->disconnected = true;
      } else {
        im->broken = true;
        im->broken_reason = std::string("resubmitting the interrupt IN transfer: ") + libusb_strerror(rc);
      }
      im->in_flight = false;
    }
  } else {
    im->in_flight = false;
  }
  im->cv.notify_all();
}

Status UsbHidStream::Impl::control_set_report(std::uint8_t type, std::span<const std::uint8_t> report,
                                              const char* what) {
  if (report.empty()) return make_error("invalid_argument", std::string(what) + ": empty report (report[0] is the id)");
  std::lock_guard io(io_mu);
  {
    std::lock_guard lock(mu);
    if (closed || handle == nullptr) return make_error("device_closed", info.identity + ": stream closed");
    if (disconnected) return make_error("device_disconnected", info.identity + ": device unplugged");
  }
  const std::uint8_t id = report[0];
  std::span<const std::uint8_t> data = id == 0 ? report.subspan(1) : report;
  if (data.size() > 0xffff) return make_error("invalid_argument", std::string(what) + ": report too long");
  std::vector<std::uint8_t> copy(data.begin(), data.end());
  const auto value = static_cast<std::uint16_t>((type << 8) | id);
  int rc = libusb_control_transfer(
      handle, kSetReportRequestType, kHidSetReport, value,
      static_cast<std::uint16_t>(iface), copy.data(), static_cast<std::uint16_t>(copy.size()), kControlTimeoutMs);
  if (rc < 0) return usb_error(rc, info.identity + ": " + what);
  if (static_cast<std::size_t>(rc) != copy.size()) {
    return make_error("device_io", info.identity + ": " + what + ": device took " + std::to_string(rc) + " of " +
                                       std::to_string(copy.size()) + " bytes");
  }
  return ok_status();
}

UsbHidStream::UsbHidStream(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

UsbHidStream::~UsbHidStream() { close(); }

Result<std::unique_ptr<UsbHidStream>> UsbHidStream::open(std::shared_ptr<UsbContext> ctx, const std::string& identity,
                                                         int interface_class) {
  if (!ctx) return make_error("invalid_argument", "UsbHidStream::open: no USB context");
  auto id = parse_usb_identity(identity);
  if (!id.ok()) return id.error();
  const std::string canonical = format_usb_identity(*id);

  // 1. Find the device (and open it).
  libusb_device** list = nullptr;
  ssize_t n = libusb_get_device_list(ctx->raw(), &list);
  if (n < 0) return usb_error(static_cast<int>(n), "libusb_get_device_list");
  libusb_device_handle* handle = nullptr;
  UsbDeviceInfo info;
  Error open_error = make_error("device_not_found", canonical + ": no such USB device attached");
  for (ssize_t i = 0; i < n && handle == nullptr; ++i) {
    libusb_device_descriptor d{};
    libusb_get_device_descriptor(list[i], &d);
    if (d.idVendor != id->vid || d.idProduct != id->pid) continue;
    UsbDeviceInfo cand = read_usb_device_info(list[i], false);
    if (!cand.serial.empty() && cand.identity != canonical) continue;  // sysfs told us already
    if (!id->by_serial() && (cand.bus != id->bus || cand.ports != id->ports)) continue;
    libusb_device_handle* h = nullptr;
    int rc = libusb_open(list[i], &h);
    if (rc != LIBUSB_SUCCESS) {
      Error e = usb_error(rc, "opening " + cand.devnode + " for " + canonical);
      if (rc == LIBUSB_ERROR_ACCESS) e.message += ": " + usb_permission_fix(cand.vid, cand.pid);
      // A serial match is certain only once the serial was read; keep looking otherwise.
      open_error = e;
      if (!id->by_serial() || !cand.serial.empty()) break;
      continue;
    }
    if (cand.serial.empty()) {
      cand.serial = serial_by_descriptor(h, d.iSerialNumber);
      cand.identity = usb_identity(cand.vid, cand.pid, cand.serial, cand.bus, cand.ports);
    }
    if (cand.identity != canonical) {  // e.g. a location identity, but the device has a serial
      libusb_close(h);
      continue;
    }
    cand.access = UsbAccess::ok;
    handle = h;
    info = std::move(cand);
  }
  libusb_free_device_list(list, 1);
  if (handle == nullptr) return open_error;

  auto impl = std::make_unique<Impl>();
  impl->ctx = std::move(ctx);
  impl->info = std::move(info);
  impl->handle = handle;
  auto fail = [&](Error e) -> Error {
    libusb_close(impl->handle);
    impl->handle = nullptr;
    return e;
  };

  // 2. The interface and its endpoints.
  libusb_config_descriptor* cfg = nullptr;
  int rc = libusb_get_active_config_descriptor(libusb_get_device(handle), &cfg);
  if (rc != LIBUSB_SUCCESS) return fail(usb_error(rc, canonical + ": reading the active configuration"));
  int max_packet = 0;
  for (int i = 0; i < cfg->bNumInterfaces && impl->iface < 0; ++i) {
    const libusb_interface& itf = cfg->interface[i];
    if (itf.num_altsetting < 1) continue;
    const libusb_interface_descriptor& alt = itf.altsetting[0];
    if (alt.bInterfaceClass != interface_class) continue;
    std::uint8_t in = 0;
    std::uint8_t out = 0;
    int mp = 0;
    for (int e = 0; e < alt.bNumEndpoints; ++e) {
      const libusb_endpoint_descriptor& ep = alt.endpoint[e];
      if ((ep.bmAttributes & LIBUSB_TRANSFER_TYPE_MASK) != LIBUSB_TRANSFER_TYPE_INTERRUPT) continue;
      if ((ep.bEndpointAddress & LIBUSB_ENDPOINT_DIR_MASK) == LIBUSB_ENDPOINT_IN) {
        if (in == 0) {
          in = ep.bEndpointAddress;
          mp = ep.wMaxPacketSize & 0x7ff;
        }
      } else if (out == 0) {
        out = ep.bEndpointAddress;
      }
    }
    if (in == 0) continue;
    impl->iface = alt.bInterfaceNumber;
    impl->ep_in = in;
    impl->ep_out = out;
    max_packet = mp;
  }
  libusb_free_config_descriptor(cfg);
  if (impl->iface < 0) {
    return fail(make_error("device_not_found", canonical + ": no interface of class " + std::to_string(interface_class) +
                                                   " with an interrupt IN endpoint"));
  }

  // 3. Detach the kernel driver automatically (set BEFORE claiming), then claim.
  rc = libusb_set_auto_detach_kernel_driver(handle, 1);
  if (rc != LIBUSB_SUCCESS && rc != LIBUSB_ERROR_NOT_SUPPORTED) {
    return fail(usb_error(rc, canonical + ": enabling kernel driver auto-detach"));
  }
  rc = libusb_claim_interface(handle, impl->iface);
  if (rc != LIBUSB_SUCCESS) {
    Error e = usb_error(rc, canonical + ": claiming interface " + std::to_string(impl->iface));
    if (rc == LIBUSB_ERROR_BUSY) e.message += " (another program holds it)";
    if (rc == LIBUSB_ERROR_ACCESS) e.message += ": " + usb_permission_fix(impl->info.vid, impl->info.pid);
    return fail(e);
  }

  // 4. One interrupt IN transfer always in flight.
  impl->in_buf.assign(static_cast<std::size_t>(std::max(max_packet, 8)), 0);
  impl->transfer = libusb_alloc_transfer(0);
  if (impl->transfer == nullptr) {
    libusb_release_interface(handle, impl->iface);
    return fail(make_error("device_io", canonical + ": out of memory for a USB transfer"));
  }
  libusb_fill_interrupt_transfer(impl->transfer, handle, impl->ep_in, impl->in_buf.data(),
                                 static_cast<int>(impl->in_buf.size()), &Impl::on_in, impl.get(), 0);
  {
    std::lock_guard lock(impl->mu);
    impl->in_flight = true;
  }
  rc = libusb_submit_transfer(impl->transfer);
  if (rc != LIBUSB_SUCCESS) {
    libusb_free_transfer(impl->transfer);
    impl->transfer = nullptr;
    libusb_release_interface(handle, impl->iface);
    return fail(usb_error(rc, canonical + ": starting interrupt IN reads"));
  }
  return std::unique_ptr<UsbHidStream>(new UsbHidStream(std::move(impl)));
}

Result<std::size_t> UsbHidStream::read_report(std::span<std::uint8_t> buf, std::chrono::milliseconds timeout) {
  Impl& im = *impl_;
  std::unique_lock lock(im.mu);
  im.cv.wait_for(lock, timeout, [&] { return im.closed || !im.queue.empty() || im.disconnected || im.broken; });
  if (im.closed) return make_error("device_closed", im.info.identity + ": stream closed");
  if (!im.queue.empty()) {
    std::vector<std::uint8_t> r = std::move(im.queue.front());
    im.queue.pop_front();
    std::size_t n = std::min(r.size(), buf.size());
    if (n < r.size()) ++im.stats.reports_truncated;
    std::copy_n(r.begin(), n, buf.begin());
    return n;
  }
  if (im.disconnected) return make_error("device_disconnected", im.info.identity + ": device unplugged");
  if (im.broken) return make_error("device_io", im.info.identity + ": " + im.broken_reason);
  return std::size_t{0};
}

Status UsbHidStream::write_output_report(std::span<const std::uint8_t> report) {
  Impl& im = *impl_;
  if (im.ep_out == 0) return im.control_set_report(kReportTypeOutput, report, "SET_REPORT(Output)");
  if (report.empty()) return make_error("invalid_argument", "write_output_report: empty report (report[0] is the id)");
  std::lock_guard io(im.io_mu);
  {
    std::lock_guard lock(im.mu);
    if (im.closed || im.handle == nullptr) return make_error("device_closed", im.info.identity + ": stream closed");
    if (im.disconnected) return make_error("device_disconnected", im.info.identity + ": device unplugged");
  }
  std::span<const std::uint8_t> data = report[0] == 0 ? report.subspan(1) : report;
  std::vector<std::uint8_t> copy(data.begin(), data.end());
  int transferred = 0;
  int rc = libusb_interrupt_transfer(im.handle, im.ep_out, copy.data(), static_cast<int>(copy.size()), &transferred,
                                     kControlTimeoutMs);
  if (rc != LIBUSB_SUCCESS) return usb_error(rc, im.info.identity + ": interrupt OUT report");
  if (static_cast<std::size_t>(transferred) != copy.size()) {
    return make_error("device_io", im.info.identity + ": interrupt OUT report: device took " +
                                       std::to_string(transferred) + " of " + std::to_string(copy.size()) + " bytes");
  }
  return ok_status();
}

Status UsbHidStream::set_feature_report(std::span<const std::uint8_t> report) {
  return impl_->control_set_report(kReportTypeFeature, report, "SET_REPORT(Feature)");
}

void UsbHidStream::close() {
  Impl& im = *impl_;
  bool cancel = false;
  {
    std::lock_guard lock(im.mu);
    if (im.closed) return;
    im.closed = true;
    cancel = im.in_flight;
    im.cv.notify_all();
  }
  if (cancel && im.transfer != nullptr) libusb_cancel_transfer(im.transfer);
  bool settled = true;
  {
    std::unique_lock lock(im.mu);
    settled = im.cv.wait_for(lock, kCancelWait, [&] { return !im.in_flight; });
  }
  std::lock_guard io(im.io_mu);
  if (!settled) {
    // libusb never completed the cancelled transfer; freeing it or the handle now would
    // be a use-after-free in the event thread. Leak both (does not happen with a working
    // usbfs) and keep the context alive with them.
    auto* leak = new std::shared_ptr<UsbContext>(im.ctx);
    (void)leak;
    im.transfer = nullptr;
    im.handle = nullptr;
    return;
  }
  if (im.transfer != nullptr) {
    libusb_free_transfer(im.transfer);
    im.transfer = nullptr;
  }
  if (im.handle != nullptr) {
    libusb_release_interface(im.handle, im.iface);  // re-attaches the kernel driver (auto-detach)
    libusb_close(im.handle);
    im.handle = nullptr;
  }
}

std::string UsbHidStream::describe() const {
  const UsbDeviceInfo& i = impl_->info;
  std::string ports;
  for (std::size_t k = 0; k < i.ports.size(); ++k) {
    if (k != 0) ports += '.';  // (one append per piece: g++ 12 -O2 flags `"." + to_string()` with -Wrestrict)
    ports += std::to_string(i.ports[k]);
  }
  return i.identity + " (bus " + std::to_string(i.bus) + " port " + ports + ")";
}

std::string UsbHidStream::firmware_version() const { return impl_->info.bcd_device; }
const UsbDeviceInfo& UsbHidStream::info() const { return impl_->info; }
int UsbHidStream::interface_number() const { return impl_->iface; }
std::uint8_t UsbHidStream::in_endpoint() const { return impl_->ep_in; }
std::uint8_t UsbHidStream::out_endpoint() const { return impl_->ep_out; }

UsbHidStats UsbHidStream::stats() const {
  std::lock_guard lock(impl_->mu);
  return impl_->stats;
}

HidStreamOpener usb_hid_opener(std::shared_ptr<UsbContext> ctx) {
  return [ctx](const std::string& identity, int interface_class) -> Result<std::unique_ptr<HidReportStream>> {
    std::shared_ptr<UsbContext> c = ctx;
    if (!c) {
      auto s = UsbContext::shared();
      if (!s.ok()) return s.error();
      c = *s;
    }
    auto st = UsbHidStream::open(std::move(c), identity, interface_class);
    if (!st.ok()) return st.error();
    return std::unique_ptr<HidReportStream>(std::move(*st));
  };
}

}  // namespace scanedge::usb
