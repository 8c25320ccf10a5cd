#include "tests/support/usb/emulated_hid_device.h"

#include <linux/usbdevice_fs.h>
#include <sys/ioctl.h>
#include <umockdev.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "drivers/usb/usb_identity.h"
#include "tests/support/usb/umockdev_preload.h"

namespace scanedge::usb::testing {
namespace {

void put16(std::vector<std::uint8_t>& v, std::uint16_t x) {
  v.push_back(static_cast<std::uint8_t>(x & 0xff));
  v.push_back(static_cast<std::uint8_t>(x >> 8));
}

std::string hex(const std::vector<std::uint8_t>& bytes) {
  std::string out;
  char b[4];
  for (auto x : bytes) {
    std::snprintf(b, sizeof b, "%02x", static_cast<unsigned>(x));
    out += b;
  }
  return out;
}

std::string three(unsigned v) {
  char b[8];
  std::snprintf(b, sizeof b, "%03u", v);
  return b;
}

std::string hex4(unsigned v) {
  char b[8];
  std::snprintf(b, sizeof b, "%04x", v);
  return b;
}

// A boot keyboard report descriptor (what GET_DESCRIPTOR(Report) returns).
const std::vector<std::uint8_t> kReportDescriptor = {
    0x05, 0x01, 0x09, 0x06, 0xa1, 0x01, 0x05, 0x07, 0x19, 0xe0, 0x29, 0xe7, 0x15, 0x00, 0x25, 0x01, 0x75, 0x01,
    0x95, 0x08, 0x81, 0x02, 0x95, 0x01, 0x75, 0x08, 0x81, 0x01, 0x95, 0x05, 0x75, 0x01, 0x05, 0x08, 0x19, 0x01,
    0x29, 0x05, 0x91, 0x02, 0x95, 0x01, 0x75, 0x03, 0x91, 0x01, 0x95, 0x06, 0x75, 0x08, 0x15, 0x00, 0x25, 0x65,
    0x05, 0x07, 0x19, 0x00, 0x29, 0x65, 0x81, 0x00, 0xc0};

std::vector<std::uint8_t> string_descriptor(const std::string& s) {
  std::vector<std::uint8_t> d;
  std::size_t n = std::min<std::size_t>(s.size(), 126);
  d.push_back(static_cast<std::uint8_t>(2 + 2 * n));
  d.push_back(0x03);
  for (std::size_t i = 0; i < n; ++i) {
    d.push_back(static_cast<std::uint8_t>(s[i]));
    d.push_back(0);
  }
  return d;
}

// Hub descriptors (root hubs and external hubs): device class 9, one interrupt endpoint.
std::vector<std::uint8_t> hub_descriptors(bool root) {
  std::vector<std::uint8_t> d = {0x12, 0x01, 0x00, 0x02, 0x09, 0x00, 0x01, 0x40};
  put16(d, root ? 0x1d6b : 0x05e3);
  put16(d, root ? 0x0002 : 0x0608);
  put16(d, 0x0100);
  d.insert(d.end(), {0x00, 0x00, 0x00, 0x01});
  d.insert(d.end(), {0x09, 0x02, 0x19, 0x00, 0x01, 0x01, 0x00, 0xe0, 0x00});
  d.insert(d.end(), {0x09, 0x04, 0x00, 0x00, 0x01, 0x09, 0x00, 0x00, 0x00});
  d.insert(d.end(), {0x07, 0x05, 0x81, 0x03, 0x04, 0x00, 0x0c});
  return d;
}

gboolean on_handle_ioctl(UMockdevIoctlBase*, UMockdevIoctlClient* client, gpointer self) {
  return static_cast<EmulatedHidDevice*>(self)->handle_ioctl(client) ? TRUE : FALSE;
}

std::string sysname_of(std::uint8_t bus, const std::vector<std::uint8_t>& ports, std::size_t depth) {
  std::string s = std::to_string(bus) + "-";
  for (std::size_t i = 0; i < depth; ++i) s += (i ? "." : "") + std::to_string(ports[i]);
  return s;
}

}  // namespace

std::vector<std::uint8_t> device_descriptor(const EmulatedHidConfig& c) {
  std::vector<std::uint8_t> d = {0x12, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x40};
  put16(d, c.vid);
  put16(d, c.pid);
  put16(d, c.bcd_device);
  d.push_back(1);                                  // iManufacturer
  d.push_back(2);                                  // iProduct
  d.push_back(c.serial.empty() ? 0 : 3);           // iSerialNumber
  d.push_back(1);                                  // bNumConfigurations
  return d;
}

std::vector<std::uint8_t> configuration_descriptor(const EmulatedHidConfig& c) {
  const bool hid = c.interface_class == 3;
  const std::uint8_t n_ep = c.out_endpoint ? 2 : 1;
  const std::uint16_t total = static_cast<std::uint16_t>(9 + 9 + (hid ? 9 : 0) + 7 * n_ep);
  std::vector<std::uint8_t> d = {0x09, 0x02};
  put16(d, total);
  d.insert(d.end(), {0x01, 0x01, 0x00, 0xa0, 0x32});
  d.insert(d.end(), {0x09, 0x04, 0x00, 0x00, n_ep, c.interface_class, c.interface_subclass, c.interface_protocol, 0x00});
  if (hid) {
    d.insert(d.end(), {0x09, 0x21, 0x11, 0x01, 0x00, 0x01, 0x22});
    put16(d, static_cast<std::uint16_t>(kReportDescriptor.size()));
  }
  d.insert(d.end(), {0x07, 0x05, 0x81, 0x03});
  put16(d, c.report_size);
  d.push_back(0x01);
  if (c.out_endpoint) {
    d.insert(d.end(), {0x07, 0x05, 0x02, 0x03});
    put16(d, c.report_size);
    d.push_back(0x01);
  }
  return d;
}

// ---------------------------------------------------------------------------------------
UsbTestbed::UsbTestbed() {
  preload_active_ = umockdev_preload_loaded();
  testbed_ = umockdev_testbed_new();
}

UsbTestbed::~UsbTestbed() {
  if (testbed_ != nullptr) g_object_unref(testbed_);
}

std::string UsbTestbed::why() const {
  if (testbed_ == nullptr) return "umockdev_testbed_new failed";
  if (!preload_active_) {
    return "libumockdev-preload.so.0 is not in LD_PRELOAD (call reexec_under_umockdev_preload() in main, "
           "or run under umockdev-wrapper)";
  }
  return "ok";
}

std::uint8_t UsbTestbed::next_address(std::uint8_t bus) {
  std::lock_guard lock(mu_);
  auto [it, inserted] = next_addr_.emplace(bus, 2);
  return it->second++;
}

std::string UsbTestbed::ensure_parents(std::uint8_t bus, const std::vector<std::uint8_t>& ports) {
  std::string path = "/sys/devices/usb" + std::to_string(bus);
  auto add = [&](const std::string& syspath, bool root, std::uint8_t addr, const std::string& sysname) {
    std::lock_guard lock(mu_);
    if (hubs_.count(syspath) != 0) return;
    hubs_[syspath] = true;
    std::string rec = "P: " + syspath.substr(4) + "\nN: bus/usb/" + three(bus) + "/" + three(addr) +
                      "\nE: SUBSYSTEM=usb\nE: DEVTYPE=usb_device\nE: DRIVER=usb\nE: DEVNAME=/dev/bus/usb/" + three(bus) +
                      "/" + three(addr) + "\nE: BUSNUM=" + three(bus) + "\nE: DEVNUM=" + three(addr) +
                      "\nA: busnum=" + std::to_string(bus) + "\\n\nA: devnum=" + std::to_string(addr) +
                      "\\n\nA: speed=480\\n\nA: bConfigurationValue=1\\n\nA: idVendor=" +
                      std::string(root ? "1d6b" : "05e3") + "\\n\nA: idProduct=" + std::string(root ? "0002" : "0608") +
                      "\\n\nA: product=" + std::string(root ? "EHCI Host Controller" : "USB2.0 Hub") + "\\n\nH: descriptors=" +
                      hex(hub_descriptors(root)) + "\n";
    (void)sysname;
    GError* err = nullptr;
    if (!umockdev_testbed_add_from_string(testbed_, rec.c_str(), &err)) {
      std::fprintf(stderr, "UsbTestbed: adding hub %s failed: %s\n", syspath.c_str(), err ? err->message : "?");
      if (err) g_error_free(err);
    }
  };
  {
    std::lock_guard lock(mu_);
    next_addr_.emplace(bus, 2);
  }
  add(path, true, 1, "usb" + std::to_string(bus));
  for (std::size_t depth = 1; depth < ports.size(); ++depth) {
    std::string name = sysname_of(bus, ports, depth);
    path += "/" + name;
    std::uint8_t addr = 0;
    {
      std::lock_guard lock(mu_);
      if (hubs_.count(path) == 0) addr = next_addr_[bus]++;
    }
    if (addr != 0) add(path, false, addr, name);
  }
  return path;
}

// ---------------------------------------------------------------------------------------
EmulatedHidDevice::EmulatedHidDevice(UsbTestbed& testbed, EmulatedHidConfig config)
    : testbed_(testbed), config_(std::move(config)) {
  if (config_.ports.empty()) config_.ports = {1};
  std::string parent = testbed_.ensure_parents(config_.bus, config_.ports);
  syspath_ = parent + "/" + sysname_of(config_.bus, config_.ports, config_.ports.size());
  handler_ = umockdev_ioctl_base_new();
  g_signal_connect(handler_, "handle-ioctl", G_CALLBACK(on_handle_ioctl), this);
  std::lock_guard lock(mu_);
  driver_attached_ = config_.kernel_driver_bound;
  plug_locked();
}

EmulatedHidDevice::~EmulatedHidDevice() {
  unplug();
  // The handler stays referenced by umockdev's listener for old device nodes; make sure it
  // can no longer call into this object.
  g_signal_handlers_disconnect_by_data(handler_, this);
  g_object_unref(handler_);
}

void EmulatedHidDevice::plug_locked() {
  address_ = testbed_.next_address(config_.bus);
  devnode_ = "/dev/bus/usb/" + three(config_.bus) + "/" + three(address_);
  GError* err = nullptr;
  // The handler must be in place before the "add" uevent: libusb may open the node at once.
  if (!umockdev_testbed_attach_ioctl(testbed_.raw(), devnode_.c_str(), handler_, &err)) {
    std::fprintf(stderr, "EmulatedHidDevice: attach_ioctl %s: %s\n", devnode_.c_str(), err ? err->message : "?");
    if (err) g_error_free(err);
  }
  std::vector<std::uint8_t> desc = device_descriptor(config_);
  auto cfg = configuration_descriptor(config_);
  desc.insert(desc.end(), cfg.begin(), cfg.end());
  const std::string b3 = three(config_.bus);
  const std::string a3 = three(address_);
  std::string rec = "P: " + syspath_.substr(4) + "\nN: bus/usb/" + b3 + "/" + a3 +
                    "\nE: SUBSYSTEM=usb\nE: DEVTYPE=usb_device\nE: DRIVER=usb\nE: DEVNAME=/dev/bus/usb/" + b3 + "/" + a3 +
                    "\nE: BUSNUM=" + b3 + "\nE: DEVNUM=" + a3 + "\nE: PRODUCT=" + hex4(config_.vid) + "/" +
                    hex4(config_.pid) + "/" + hex4(config_.bcd_device) + "\nA: busnum=" + std::to_string(config_.bus) +
                    "\\n\nA: devnum=" + std::to_string(address_) +
                    "\\n\nA: speed=12\\n\nA: bConfigurationValue=1\\n\nA: bNumInterfaces= 1\\n\nA: idVendor=" +
                    hex4(config_.vid) + "\\n\nA: idProduct=" + hex4(config_.pid) + "\\n\nA: bcdDevice=" +
                    hex4(config_.bcd_device) + "\\n\n";
  // umockdev record attribute values cannot carry a raw newline; the test strings don't.
  if (!config_.manufacturer.empty()) rec += "A: manufacturer=" + config_.manufacturer + "\\n\n";
  if (!config_.product.empty()) rec += "A: product=" + config_.product + "\\n\n";
  if (!config_.serial.empty()) rec += "A: serial=" + config_.serial + "\\n\n";
  rec += "H: descriptors=" + hex(desc) + "\n";
  err = nullptr;
  if (!umockdev_testbed_add_from_string(testbed_.raw(), rec.c_str(), &err)) {
    std::fprintf(stderr, "EmulatedHidDevice: add %s: %s\n", syspath_.c_str(), err ? err->message : "?");
    if (err) g_error_free(err);
  }
  plugged_ = true;
  claimed_ = false;
  driver_attached_ = config_.kernel_driver_bound;
  cv_.notify_all();
}

void EmulatedHidDevice::unplug() {
  std::string node;
  {
    std::lock_guard lock(mu_);
    if (!plugged_) return;
    plugged_ = false;
    claimed_ = false;
    for (void* u : pending_in_) complete_locked(u, -ESHUTDOWN, 0);
    pending_in_.clear();
    node = devnode_;
    cv_.notify_all();
  }
  umockdev_testbed_uevent(testbed_.raw(), syspath_.c_str(), "remove");
  umockdev_testbed_remove_device(testbed_.raw(), syspath_.c_str());
  (void)node;
}

void EmulatedHidDevice::replug() {
  unplug();
  std::lock_guard lock(mu_);
  completed_.clear();  // URBs of the old node belong to a closed/forgotten file
  plug_locked();
}

std::string EmulatedHidDevice::identity() const {
  return usb_identity(config_.vid, config_.pid, config_.serial, config_.bus, config_.ports);
}
std::string EmulatedHidDevice::devnode() const {
  std::lock_guard lock(mu_);
  return devnode_;
}
std::string EmulatedHidDevice::syspath() const { return syspath_; }
std::uint8_t EmulatedHidDevice::address() const {
  std::lock_guard lock(mu_);
  return address_;
}
bool EmulatedHidDevice::plugged() const {
  std::lock_guard lock(mu_);
  return plugged_;
}

void EmulatedHidDevice::push_report(std::vector<std::uint8_t> report) {
  if (report.size() > config_.report_size) report.resize(config_.report_size);
  std::lock_guard lock(mu_);
  if (!plugged_) return;
  if (!pending_in_.empty()) {
    void* u = pending_in_.front();
    pending_in_.pop_front();
    auto* urb = static_cast<usbdevfs_urb*>(u);
    std::size_t n = std::min<std::size_t>(report.size(), static_cast<std::size_t>(urb->buffer_length));
    std::memcpy(urb->buffer, report.data(), n);
    complete_locked(u, 0, static_cast<int>(n));
  } else {
    reports_.push_back(std::move(report));
  }
  cv_.notify_all();
}

std::size_t EmulatedHidDevice::queued_reports() const {
  std::lock_guard lock(mu_);
  return reports_.size();
}

bool EmulatedHidDevice::wait_reports_taken(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return reports_.empty(); });
}

std::vector<WrittenReport> EmulatedHidDevice::written_reports() const {
  std::lock_guard lock(mu_);
  return written_;
}

bool EmulatedHidDevice::wait_written(std::size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return written_.size() >= count; });
}

int EmulatedHidDevice::claims() const {
  std::lock_guard lock(mu_);
  return claims_;
}
int EmulatedHidDevice::claims_with_auto_detach() const {
  std::lock_guard lock(mu_);
  return claims_auto_detach_;
}
bool EmulatedHidDevice::interface_claimed() const {
  std::lock_guard lock(mu_);
  return claimed_;
}
bool EmulatedHidDevice::kernel_driver_attached() const {
  std::lock_guard lock(mu_);
  return driver_attached_;
}
bool EmulatedHidDevice::wait_in_urb_pending(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return !pending_in_.empty(); });
}

void EmulatedHidDevice::complete_locked(void* u, int status, int actual) {
  auto* urb = static_cast<usbdevfs_urb*>(u);
  urb->status = status;
  urb->actual_length = actual;
  completed_.push_back(u);
}

void EmulatedHidDevice::handle_control_locked(void* u) {
  auto* urb = static_cast<usbdevfs_urb*>(u);
  auto* buf = static_cast<std::uint8_t*>(urb->buffer);
  if (urb->buffer_length < 8) {
    complete_locked(u, -EPIPE, 0);
    return;
  }
  const std::uint8_t type = buf[0];
  const std::uint8_t req = buf[1];
  const std::uint16_t value = static_cast<std::uint16_t>(buf[2] | (buf[3] << 8));
  const std::uint16_t length = static_cast<std::uint16_t>(buf[6] | (buf[7] << 8));
  std::uint8_t* data = buf + 8;
  const std::size_t room = std::min<std::size_t>(length, static_cast<std::size_t>(urb->buffer_length - 8));
  auto reply = [&](const std::vector<std::uint8_t>& bytes) {
    std::size_t n = std::min(room, bytes.size());
    std::memcpy(data, bytes.data(), n);
    complete_locked(u, 0, static_cast<int>(n));
  };
  if ((type == 0x80 || type == 0x81) && req == 0x06) {  // GET_DESCRIPTOR
    const std::uint8_t dtype = static_cast<std::uint8_t>(value >> 8);
    const std::uint8_t index = static_cast<std::uint8_t>(value & 0xff);
    if (dtype == 1) return reply(device_descriptor(config_));
    if (dtype == 2) return reply(configuration_descriptor(config_));
    if (dtype == 0x22) return reply(kReportDescriptor);
    if (dtype == 3) {
      if (index == 0) return reply({0x04, 0x03, 0x09, 0x04});
      if (index == 1) return reply(string_descriptor(config_.manufacturer));
      if (index == 2) return reply(string_descriptor(config_.product));
      if (index == 3 && !config_.serial.empty()) return reply(string_descriptor(config_.serial));
    }
    complete_locked(u, -EPIPE, 0);
    return;
  }
  if (type == 0x21 && req == 0x09) {  // SET_REPORT
    const std::uint8_t rtype = static_cast<std::uint8_t>(value >> 8);
    const std::uint8_t id = static_cast<std::uint8_t>(value & 0xff);
    std::vector<std::uint8_t> report;
    if (id == 0) report.push_back(0);
    report.insert(report.end(), data, data + room);
    if (rtype == 3) features_[id] = report;
    written_.push_back({rtype == 3 ? WrittenReport::Kind::feature : WrittenReport::Kind::output, std::move(report)});
    complete_locked(u, 0, static_cast<int>(room));
    cv_.notify_all();
    return;
  }
  if (type == 0xa1 && req == 0x01) {  // GET_REPORT
    const std::uint8_t id = static_cast<std::uint8_t>(value & 0xff);
    auto it = features_.find(id);
    std::vector<std::uint8_t> r = it != features_.end() ? it->second : std::vector<std::uint8_t>(room, 0);
    if (id == 0 && !r.empty() && it != features_.end()) r.erase(r.begin());
    return reply(r);
  }
  if (type == 0x21 && (req == 0x0a || req == 0x0b)) {  // SET_IDLE, SET_PROTOCOL
    complete_locked(u, 0, 0);
    return;
  }
  if (type == 0x00 && req == 0x09) {  // SET_CONFIGURATION
    complete_locked(u, 0, 0);
    return;
  }
  complete_locked(u, -EPIPE, 0);
}

bool EmulatedHidDevice::handle_ioctl(UMockdevIoctlClient* client) {
  const unsigned long request = umockdev_ioctl_client_get_request(client);
  UMockdevIoctlData* arg = umockdev_ioctl_client_get_arg(client);
  unsigned long argval = 0;
  std::memcpy(&argval, arg->data, std::min<std::size_t>(sizeof argval, static_cast<std::size_t>(arg->data_len)));
  void* argp = reinterpret_cast<void*>(argval);
  const std::string node = umockdev_ioctl_client_get_devnode(client);

  std::unique_lock lock(mu_);
  auto done = [&](long result, int err) {
    lock.unlock();
    umockdev_ioctl_client_complete(client, result, err);
    return true;
  };
  const bool current = plugged_ && node == devnode_;
  if (request == USBDEVFS_REAPURBNDELAY || request == USBDEVFS_REAPURB) {
    if (node == devnode_ && !completed_.empty()) {
      void* u = completed_.front();
      completed_.pop_front();
      std::memcpy(argp, &u, sizeof u);
      return done(0, 0);
    }
    return done(-1, current ? EAGAIN : ENODEV);
  }
  if (!current) return done(-1, ENODEV);

  switch (request) {
    case USBDEVFS_GET_CAPABILITIES: {
      std::uint32_t caps = USBDEVFS_CAP_BULK_CONTINUATION | USBDEVFS_CAP_NO_PACKET_SIZE_LIM |
                           USBDEVFS_CAP_REAP_AFTER_DISCONNECT | USBDEVFS_CAP_ZERO_PACKET;
      std::memcpy(argp, &caps, sizeof caps);
      return done(0, 0);
    }
    case USBDEVFS_DISCONNECT_CLAIM: {
      auto* dc = static_cast<usbdevfs_disconnect_claim*>(argp);
      if (dc->interface != 0) return done(-1, EINVAL);
      if (claimed_) return done(-1, EBUSY);
      claimed_ = true;
      driver_attached_ = false;
      ++claims_;
      ++claims_auto_detach_;
      cv_.notify_all();
      return done(0, 0);
    }
    case USBDEVFS_CLAIMINTERFACE: {
      unsigned int itf = 0;
      std::memcpy(&itf, argp, sizeof itf);
      if (itf != 0) return done(-1, EINVAL);
      if (driver_attached_ || claimed_) return done(-1, EBUSY);  // usbhid holds it
      claimed_ = true;
      ++claims_;
      cv_.notify_all();
      return done(0, 0);
    }
    case USBDEVFS_RELEASEINTERFACE: {
      if (!claimed_) return done(-1, EINVAL);
      claimed_ = false;
      cv_.notify_all();
      return done(0, 0);
    }
    case USBDEVFS_GETDRIVER: {
      auto* gd = static_cast<usbdevfs_getdriver*>(argp);
      if (!driver_attached_ || gd->interface != 0) return done(-1, ENODATA);
      std::snprintf(gd->driver, sizeof gd->driver, "usbhid");
      return done(0, 0);
    }
    case USBDEVFS_IOCTL: {
      auto* io = static_cast<usbdevfs_ioctl*>(argp);
      if (io->ifno != 0) return done(-1, EINVAL);
      if (io->ioctl_code == static_cast<int>(USBDEVFS_DISCONNECT)) {
        if (!driver_attached_) return done(-1, ENODATA);
        driver_attached_ = false;
        return done(0, 0);
      }
      if (io->ioctl_code == static_cast<int>(USBDEVFS_CONNECT)) {
        if (claimed_) return done(-1, EBUSY);
        driver_attached_ = config_.kernel_driver_bound;
        return done(0, 0);
      }
      return done(-1, ENOTTY);
    }
    case USBDEVFS_CLEAR_HALT:
    case USBDEVFS_RESETEP:
    case USBDEVFS_RESET:
    case USBDEVFS_SETINTERFACE:
    case USBDEVFS_SETCONFIGURATION:
      return done(0, 0);
    case USBDEVFS_SUBMITURB: {
      auto* urb = static_cast<usbdevfs_urb*>(argp);
      if (urb->type == USBDEVFS_URB_TYPE_CONTROL) {
        handle_control_locked(urb);
        cv_.notify_all();
        return done(0, 0);
      }
      if (urb->type == USBDEVFS_URB_TYPE_INTERRUPT && urb->endpoint == 0x81) {
        if (!claimed_) return done(-1, EINVAL);
        if (!reports_.empty()) {
          std::vector<std::uint8_t> r = std::move(reports_.front());
          reports_.pop_front();
          std::size_t n = std::min<std::size_t>(r.size(), static_cast<std::size_t>(urb->buffer_length));
          std::memcpy(urb->buffer, r.data(), n);
          complete_locked(urb, 0, static_cast<int>(n));
        } else {
          pending_in_.push_back(urb);
        }
        cv_.notify_all();
        return done(0, 0);
      }
      if (urb->type == USBDEVFS_URB_TYPE_INTERRUPT && urb->endpoint == 0x02 && config_.out_endpoint) {
        if (!claimed_) return done(-1, EINVAL);
        auto* b = static_cast<std::uint8_t*>(urb->buffer);
        std::vector<std::uint8_t> report;
        if (!config_.numbered_reports) report.push_back(0);
        report.insert(report.end(), b, b + urb->buffer_length);
        written_.push_back({WrittenReport::Kind::interrupt_out, std::move(report)});
        complete_locked(urb, 0, urb->buffer_length);
        cv_.notify_all();
        return done(0, 0);
      }
      return done(-1, EINVAL);
    }
    case USBDEVFS_DISCARDURB: {
      for (auto it = pending_in_.begin(); it != pending_in_.end(); ++it) {
        if (*it == argp) {
          pending_in_.erase(it);
          complete_locked(argp, -ENOENT, 0);
          cv_.notify_all();
          return done(0, 0);
        }
      }
      return done(-1, EINVAL);
    }
    default:
      return done(-1, ENOTTY);
  }
}

}  // namespace scanedge::usb::testing
