#include "drivers/usb/usb_context.h"

#include <libusb.h>

#include <condition_variable>
#include <deque>
#include <map>
#include <tuple>

namespace scanedge::usb {

const char* to_string(HotplugEvent e) { return e == HotplugEvent::arrived ? "arrived" : "left"; }

// Where the libusb hotplug callback (event thread, or the thread calling register with
// LIBUSB_HOTPLUG_ENUMERATE) leaves events for a watch's dispatcher thread.
struct UsbContext::Sink {
  std::mutex mu;
  std::condition_variable cv;
  bool open = true;   // false once the watch is gone: events are dropped (device unref'd)
  std::deque<std::pair<HotplugEvent, libusb_device*>> events;  // devices ref'd
};

namespace {

std::mutex g_shared_mu;
std::weak_ptr<UsbContext> g_shared;

int LIBUSB_CALL on_hotplug(libusb_context*, libusb_device* dev, libusb_hotplug_event event, void* user) {
  auto* sink = static_cast<UsbContext::Sink*>(user);
  std::lock_guard lock(sink->mu);
  if (!sink->open) return 0;
  sink->events.emplace_back(event == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED ? HotplugEvent::arrived : HotplugEvent::left,
                            libusb_ref_device(dev));
  sink->cv.notify_all();
  return 0;
}

class LibusbWatch final : public HotplugWatch {
 public:
  LibusbWatch(libusb_context* ctx, std::shared_ptr<UsbContext::Sink> sink, HotplugCallback cb)
      : ctx_(ctx), sink_(std::move(sink)), cb_(std::move(cb)) {}

  Status start() {
    // Dispatcher first: with ENUMERATE, register calls on_hotplug for present devices.
    thread_ = std::thread([this] { run(); });
    int rc = libusb_hotplug_register_callback(
        ctx_, static_cast<libusb_hotplug_event>(LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED | LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT),
        LIBUSB_HOTPLUG_ENUMERATE, LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY,
        on_hotplug, sink_.get(), &handle_);
    if (rc != LIBUSB_SUCCESS) {
      stop_thread();
      return usb_error(rc, "libusb_hotplug_register_callback");
    }
    registered_ = true;
    return ok_status();
  }

  ~LibusbWatch() override {
    if (registered_) libusb_hotplug_deregister_callback(ctx_, handle_);
    stop_thread();
    for (auto& [dev, info] : known_) libusb_unref_device(dev);
  }

  bool uses_libusb_hotplug() const override { return true; }

 private:
  void stop_thread() {
    {
      std::lock_guard lock(sink_->mu);
      sink_->open = false;
      for (auto& e : sink_->events) libusb_unref_device(e.second);
      sink_->events.clear();
      sink_->cv.notify_all();
    }
    if (thread_.joinable()) thread_.join();
  }

  void run() {
    while (true) {
      std::pair<HotplugEvent, libusb_device*> ev;
      {
        std::unique_lock lock(sink_->mu);
        sink_->cv.wait(lock, [&] { return !sink_->open || !sink_->events.empty(); });
        if (!sink_->open) return;
        ev = sink_->events.front();
        sink_->events.pop_front();
      }
      if (ev.first == HotplugEvent::arrived) {
        UsbDeviceInfo info = read_usb_device_info(ev.second, true);
        auto [it, inserted] = known_.emplace(ev.second, info);
        if (!inserted) {
          libusb_unref_device(ev.second);  // duplicate arrival (enumerate raced a uevent)
          continue;
        }
        cb_(HotplugEvent::arrived, info);
      } else {
        auto it = known_.find(ev.second);
        if (it == known_.end()) {
          cb_(HotplugEvent::left, read_usb_device_info(ev.second, false));
        } else {
          UsbDeviceInfo info = std::move(it->second);
          libusb_unref_device(it->first);
          known_.erase(it);
          cb_(HotplugEvent::left, info);
        }
        libusb_unref_device(ev.second);
      }
    }
  }

  libusb_context* ctx_;
  std::shared_ptr<UsbContext::Sink> sink_;
  HotplugCallback cb_;
  libusb_hotplug_callback_handle handle_{};
  bool registered_ = false;
  std::thread thread_;
  std::map<libusb_device*, UsbDeviceInfo> known_;  // dispatcher thread only; devices ref'd
};

class PollingWatch final : public HotplugWatch {
 public:
  PollingWatch(libusb_context* ctx, HotplugCallback cb, std::chrono::milliseconds interval)
      : ctx_(ctx), cb_(std::move(cb)), interval_(interval) {
    thread_ = std::thread([this] { run(); });
  }
  ~PollingWatch() override {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
      cv_.notify_all();
    }
    thread_.join();
  }
  bool uses_libusb_hotplug() const override { return false; }

 private:
  using Key = std::tuple<int, int, int, int>;  // bus, address, vid, pid

  void poll_once() {
    libusb_device** list = nullptr;
    ssize_t n = libusb_get_device_list(ctx_, &list);
    if (n < 0) return;  // transient; try again next interval
    std::map<Key, libusb_device*> now;
    for (ssize_t i = 0; i < n; ++i) {
      libusb_device_descriptor d{};
      libusb_get_device_descriptor(list[i], &d);
      now.emplace(Key{libusb_get_bus_number(list[i]), libusb_get_device_address(list[i]), d.idVendor, d.idProduct},
                  list[i]);
    }
    for (auto it = known_.begin(); it != known_.end();) {
      if (now.count(it->first) == 0) {
        UsbDeviceInfo info = std::move(it->second);
        it = known_.erase(it);
        cb_(HotplugEvent::left, info);
      } else {
        ++it;
      }
    }
    for (auto& [key, dev] : now) {
      if (known_.count(key) != 0) continue;
      UsbDeviceInfo info = read_usb_device_info(dev, true);
      known_.emplace(key, info);
      cb_(HotplugEvent::arrived, info);
    }
    libusb_free_device_list(list, 1);
  }

  void run() {
    std::unique_lock lock(mu_);
    while (!stop_) {
      lock.unlock();
      poll_once();
      lock.lock();
      cv_.wait_for(lock, interval_, [&] { return stop_; });
    }
  }

  libusb_context* ctx_;
  HotplugCallback cb_;
  std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::map<Key, UsbDeviceInfo> known_;  // poll thread only
  std::thread thread_;
};

}  // namespace

Result<std::shared_ptr<UsbContext>> UsbContext::create() {
  libusb_context* ctx = nullptr;
  int rc = libusb_init(&ctx);
  if (rc != LIBUSB_SUCCESS) {
    return make_error("usb_init", std::string("libusb_init failed: ") + libusb_strerror(rc) +
                                      " (is /dev/bus/usb available? in a container, pass it through)");
  }
  return std::shared_ptr<UsbContext>(new UsbContext(ctx));
}

Result<std::shared_ptr<UsbContext>> UsbContext::shared() {
  std::lock_guard lock(g_shared_mu);
  if (auto existing = g_shared.lock()) return existing;
  auto created = create();
  if (!created.ok()) return created.error();
  g_shared = *created;
  return *created;
}

UsbContext::UsbContext(libusb_context* ctx) : ctx_(ctx) {
  events_ = std::thread([this] { event_loop(); });
}

UsbContext::~UsbContext() {
  stop_ = true;
  libusb_interrupt_event_handler(ctx_);
  events_.join();
  libusb_exit(ctx_);
}

void UsbContext::event_loop() {
  while (!stop_) {
    timeval tv{0, 200000};
    libusb_handle_events_timeout_completed(ctx_, &tv, nullptr);
  }
}

bool UsbContext::has_hotplug() const { return libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG) != 0; }

std::shared_ptr<UsbContext::Sink> UsbContext::new_sink() {
  auto sink = std::make_shared<Sink>();
  std::lock_guard lock(sinks_mu_);
  // Kept until the context is destroyed (a few dozen bytes per watch ever created): libusb
  // may still be inside on_hotplug for a callback that is being deregistered.
  sinks_.push_back(sink);
  return sink;
}

Result<std::vector<UsbDeviceInfo>> UsbContext::enumerate(bool probe_access) {
  libusb_device** list = nullptr;
  ssize_t n = libusb_get_device_list(ctx_, &list);
  if (n < 0) return usb_error(static_cast<int>(n), "libusb_get_device_list");
  std::vector<UsbDeviceInfo> out;
  out.reserve(static_cast<std::size_t>(n));
  for (ssize_t i = 0; i < n; ++i) out.push_back(read_usb_device_info(list[i], probe_access));
  libusb_free_device_list(list, 1);
  return out;
}

Result<std::unique_ptr<HotplugWatch>> UsbContext::watch(HotplugCallback cb, WatchOptions options) {
  if (!cb) return make_error("invalid_argument", "UsbContext::watch: empty callback");
  if (options.force_polling || !has_hotplug()) {
    auto interval = options.poll_interval.count() > 0 ? options.poll_interval : std::chrono::milliseconds(1000);
    return std::unique_ptr<HotplugWatch>(new PollingWatch(ctx_, std::move(cb), interval));
  }
  auto w = std::make_unique<LibusbWatch>(ctx_, new_sink(), std::move(cb));
  auto st = w->start();
  if (!st.ok()) return st.error();
  return std::unique_ptr<HotplugWatch>(std::move(w));
}

}  // namespace scanedge::usb
