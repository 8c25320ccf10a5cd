// Emulated USB HID devices for tests, so that the REAL libusb code path (enumeration
// through udev/sysfs, open, claim with kernel-driver auto-detach, interrupt IN transfers,
// control transfers, disconnect handling, hotplug uevents) runs without hardware.
//
// How: umockdev (libumockdev, 0.17) in-process testbed. UsbTestbed builds a sysfs tree with
// a root hub (/dev/bus/usb/BBB/001) and one external hub per tier; EmulatedHidDevice adds a
// device below them (sysfs attributes, the binary `descriptors` attribute libusb parses,
// and serial/manufacturer/product attributes) and attaches a UMockdevIoctlBase whose
// "handle-ioctl" signal answers the usbdevfs ioctls libusb issues on its device node:
// GET_CAPABILITIES, DISCONNECT_CLAIM / CLAIMINTERFACE / RELEASEINTERFACE / GETDRIVER /
// IOCTL(CONNECT|DISCONNECT), SUBMITURB, REAPURBNDELAY, DISCARDURB, CLEAR_HALT, RESET.
//   - interrupt IN URBs on endpoint 0x81 wait until the test calls push_report(); pushed
//     reports are queued when no URB is waiting (like a device's endpoint buffer);
//   - control URBs: GET_DESCRIPTOR (device, configuration, strings, HID report descriptor),
//     SET_REPORT (recorded: written_reports()), GET_REPORT(Feature) (last one set or zeros),
//     SET_IDLE / SET_PROTOCOL; anything else stalls (-EPIPE);
//   - interrupt OUT URBs (when configured with out_endpoint) are recorded like SET_REPORT;
//   - unplug(): a "remove" uevent, then the sysfs entry goes; waiting IN URBs complete with
//     -ESHUTDOWN and every later ioctl on that node fails with ENODEV (what the kernel does),
//     so libusb reports LIBUSB_TRANSFER_NO_DEVICE / LIBUSB_ERROR_NO_DEVICE;
//   - replug(): the device comes back at the same port with the NEXT bus address (new
//     /dev/bus/usb/BBB/DDD), with an "add" uevent.
// The ioctl handler runs on umockdev's testbed worker thread (it has its own GLib main
// context); the URB memory of the client is written directly (the client, libusb, is in the
// same process: that is a requirement of this emulation).
//
// Process requirement: the test binary must run with libumockdev-preload.so.0 in
// LD_PRELOAD; call reexec_under_umockdev_preload() first thing in main() (see
// umockdev_preload.h). Create the UsbTestbed BEFORE any libusb context (libusb's udev
// monitor must be created inside the testbed to see uevents) and destroy it after.
// Threading: every public method is thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

struct _UMockdevTestbed;
struct _UMockdevIoctlBase;
struct _UMockdevIoctlClient;

namespace scanedge::usb::testing {

class UsbTestbed {
 public:
  // Creates the umockdev testbed (sets $UMOCKDEV_DIR for this process). ok() is false when
  // libumockdev-preload is not active (then nothing is emulated); why() says what to do.
  UsbTestbed();
  ~UsbTestbed();
  UsbTestbed(const UsbTestbed&) = delete;
  UsbTestbed& operator=(const UsbTestbed&) = delete;

  bool ok() const { return testbed_ != nullptr && preload_active_; }
  std::string why() const;
  _UMockdevTestbed* raw() const { return testbed_; }

  // Makes sure bus `bus` has a root hub and that every hub above `ports` exists.
  // Returns the sysfs device path of the parent of a device at `ports`.
  std::string ensure_parents(std::uint8_t bus, const std::vector<std::uint8_t>& ports);
  // A fresh device address on `bus` (addresses are never reused within a testbed).
  std::uint8_t next_address(std::uint8_t bus);

 private:
  _UMockdevTestbed* testbed_ = nullptr;
  bool preload_active_ = false;
  std::mutex mu_;
  std::map<std::string, bool> hubs_;          // sysfs paths created
  std::map<std::uint8_t, std::uint8_t> next_addr_;
};

struct EmulatedHidConfig {
  std::uint16_t vid = 0x05e0;
  std::uint16_t pid = 0x1200;
  std::string serial = "EMU0001";             // empty: the device has no serial number string
  std::string manufacturer = "ScanEdge Emulation";
  std::string product = "Emulated HID Scanner";
  std::uint16_t bcd_device = 0x0112;          // firmware_version() "1.12"
  std::uint8_t interface_class = 3;           // HID
  std::uint8_t interface_subclass = 1;        // boot
  std::uint8_t interface_protocol = 1;        // keyboard
  std::uint16_t report_size = 8;              // wMaxPacketSize of 0x81 (and 0x02)
  bool out_endpoint = false;                  // add interrupt OUT endpoint 0x02
  bool numbered_reports = false;              // interrupt OUT data starts with a report id
  bool kernel_driver_bound = true;            // usbhid "owns" the interface until detached
  std::uint8_t bus = 1;
  std::vector<std::uint8_t> ports = {1, 4};   // "1-1.4": root hub port 1 -> hub port 4
};

struct WrittenReport {
  enum class Kind { output, feature, interrupt_out };
  Kind kind;
  // Same convention as HidReportStream: report[0] = report id (0 when unnumbered), then
  // the payload.
  std::vector<std::uint8_t> report;
};

class EmulatedHidDevice {
 public:
  // Plugs the device in (attach handler, add sysfs entry, "add" uevent).
  EmulatedHidDevice(UsbTestbed& testbed, EmulatedHidConfig config);
  ~EmulatedHidDevice();  // unplugs when plugged
  EmulatedHidDevice(const EmulatedHidDevice&) = delete;
  EmulatedHidDevice& operator=(const EmulatedHidDevice&) = delete;

  const EmulatedHidConfig& config() const { return config_; }
  std::string identity() const;         // "usb:05e0:1200:EMU0001" / "usb:05e0:1200@1-1.4"
  std::string devnode() const;          // current "/dev/bus/usb/001/005"
  std::string syspath() const;          // "/sys/devices/usb1/1-1/1-1.4"
  std::uint8_t address() const;
  bool plugged() const;

  // What the device sends next on 0x81 (at most report_size bytes; longer is truncated).
  void push_report(std::vector<std::uint8_t> report);
  // Reports pushed but not yet taken by an IN URB.
  std::size_t queued_reports() const;
  // Waits until every pushed report was handed to the host.
  bool wait_reports_taken(std::chrono::milliseconds timeout) const;

  std::vector<WrittenReport> written_reports() const;
  bool wait_written(std::size_t count, std::chrono::milliseconds timeout) const;

  // Observations of what the host did.
  int claims() const;                         // successful claims of the interface, all kinds
  int claims_with_auto_detach() const;        // claims through DISCONNECT_CLAIM (auto-detach set)
  bool interface_claimed() const;
  bool kernel_driver_attached() const;
  bool wait_in_urb_pending(std::chrono::milliseconds timeout) const;  // host is reading

  void unplug();
  void replug();

  // Internal (called from the umockdev worker thread).
  bool handle_ioctl(_UMockdevIoctlClient* client);

 private:
  void plug_locked();
  void complete_locked(void* urb, int status, int actual);
  void handle_control_locked(void* urb);

  UsbTestbed& testbed_;
  EmulatedHidConfig config_;
  _UMockdevIoctlBase* handler_ = nullptr;
  std::string syspath_;

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  bool plugged_ = false;
  std::uint8_t address_ = 0;
  std::string devnode_;
  std::deque<void*> pending_in_;              // client usbdevfs_urb* waiting for a report
  std::deque<void*> completed_;               // ready to be reaped
  std::deque<std::vector<std::uint8_t>> reports_;
  std::vector<WrittenReport> written_;
  std::map<std::uint8_t, std::vector<std::uint8_t>> features_;
  int claims_ = 0;
  int claims_auto_detach_ = 0;
  bool claimed_ = false;
  bool driver_attached_ = true;
};

// Bytes of the descriptors (exposed for tests of the emulation itself).
std::vector<std::uint8_t> device_descriptor(const EmulatedHidConfig& c);
std::vector<std::uint8_t> configuration_descriptor(const EmulatedHidConfig& c);

}  // namespace scanedge::usb::testing
