#include "edge/devices/device_manager.h"

#include <spdlog/spdlog.h>

#include "edge/devices/profile_matcher.h"

namespace scanedge::devices {

DeviceManager::DeviceManager(std::vector<Profile> profiles, std::vector<ConfiguredScanner> configured,
                             std::vector<DeviceSource*> sources, DriverFactory factory, ManagerOptions options)
    : profiles_(std::move(profiles)),
      configured_(std::move(configured)),
      sources_(std::move(sources)),
      factory_(std::move(factory)),
      options_(options) {}

DeviceManager::~DeviceManager() { stop(); }

Status DeviceManager::start_entry(Entry& e) {
  ScannerDriver* drv = e.driver.get();
  const Profile* prof = &e.profile;
  return drv->start([this, drv, prof](RawScan scan) {
    if (!symbology_enabled(*prof, scan.data)) {
      scan.refusal_code = "symbology_disabled";
      scan.refusal_message = "symbology " + scan.data.substr(0, 3) + " is not enabled in profile " + prof->name +
                             " ([symbology] enabled)";
    }
    on_scan_(std::move(scan), *drv);
  });
}

Status DeviceManager::start(ScanHandler on_scan) {
  if (started_) return make_error("misuse", "device manager already started");
  on_scan_ = std::move(on_scan);
  std::vector<std::unique_ptr<Entry>> created;
  for (const auto& c : configured_) {
    auto drv = factory_(c.port, c.profile);
    if (!drv) return drv.error();
    created.push_back(std::make_unique<Entry>(Entry{std::move(*drv), c.profile, "config", ""}));
  }
  {
    std::lock_guard lock(mu_);
    entries_ = std::move(created);
    for (auto& e : entries_) {
      if (auto s = start_entry(*e); !s) {
        spdlog::warn("scanner {} ({}) not in service yet: {} (retrying)", e->driver->id(), e->profile.name,
                     s.error().message);
      }
    }
  }
  for (DeviceSource* src : sources_) src->set_change_callback([this] { rescan_now(); });
  started_ = true;
  rescan();
  thread_ = std::thread([this] { run(); });
  return {};
}

void DeviceManager::stop() {
  {
    std::lock_guard lock(mu_);
    if (!started_ || stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  for (DeviceSource* src : sources_) src->set_change_callback(nullptr);
  std::vector<std::unique_ptr<Entry>> entries;
  {
    std::lock_guard lock(mu_);
    entries.swap(entries_);
  }
  for (auto& e : entries) e->driver->stop();
  // Keep the drivers alive until here: scan replies may still call feedback() on them
  // until the caller's pipeline has stopped; the caller stops the manager first.
  std::lock_guard lock(mu_);
  entries_ = std::move(entries);
}

void DeviceManager::rescan_now() {
  {
    std::lock_guard lock(mu_);
    wake_ = true;
  }
  cv_.notify_all();
}

void DeviceManager::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, options_.rescan, [this] { return stopping_ || wake_; });
    if (stopping_) break;
    wake_ = false;
    lock.unlock();
    rescan();
    lock.lock();
  }
}

bool DeviceManager::served(const AttachedDevice& d) const {
  for (const auto& e : entries_) {
    const std::string id = e->driver->id();
    if (id == d.identity || id == "serial:" + d.node) return true;
  }
  for (const auto& c : configured_) {
    if (c.port == d.node || c.port == d.identity) return true;
  }
  return false;
}

void DeviceManager::rescan() {
  std::vector<AttachedDevice> seen;
  for (DeviceSource* src : sources_) {
    auto list = src->list();
    if (!list) {
      std::lock_guard lock(mu_);
      if (logged_["source:" + src->name()] != list.error().message) {
        logged_["source:" + src->name()] = list.error().message;
        spdlog::warn("device enumeration ({}) failed: {} (retrying every rescan)", src->name(), list.error().message);
      }
      continue;
    }
    for (auto& d : *list) seen.push_back(std::move(d));
  }
  std::vector<UnservedDevice> unserved;
  std::vector<std::unique_ptr<Entry>> to_start;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    for (const auto& d : seen) {
      bool known = false;
      for (auto& e : entries_) {
        const std::string id = e->driver->id();
        if (id == d.identity || id == "serial:" + d.node) {
          e->node = d.node;
          known = true;
        }
      }
      if (known || served(d)) continue;
      std::vector<std::string> tied;
      const Profile* p = match_profile(d, profiles_, &tied);
      UnservedDevice u{d, p != nullptr ? p->name : "", "", ""};
      if (p == nullptr) {
        u.reason = "no_profile";
        u.detail = "no firmware profile's [match] rules recognise this device";
      } else if (!options_.autodetect) {
        u.reason = "autodetect_off";
        u.detail = "profiles.autodetect is false: add a [[scanner]] entry with port = \"" + d.identity + "\"";
      } else if (d.access == AttachedDevice::Access::permission_denied) {
        u.reason = "permission_denied";
        u.detail = d.access_fix;
      } else {
        auto drv = factory_(d.identity, *p);
        if (!drv) {
          u.reason = "driver_error";
          u.detail = drv.error().message;
        } else {
          if (!tied.empty()) {
            std::string names;
            for (const auto& t : tied) names += (names.empty() ? "" : ", ") + t;
            spdlog::warn("device {} matches several profiles equally ({}); using {}", d.identity, names, p->name);
          }
          to_start.push_back(std::make_unique<Entry>(Entry{std::move(*drv), *p, "autodetect", d.node}));
          continue;
        }
      }
      if (logged_[d.identity] != u.reason) {
        logged_[d.identity] = u.reason;
        if (u.reason == "no_profile") {
          spdlog::debug("device {} ({}) has no profile", d.identity, d.node);
        } else {
          spdlog::warn("device {} ({}) not served: {}: {}", d.identity, d.node, u.reason, u.detail);
        }
      }
      unserved.push_back(std::move(u));
    }
    unserved_ = std::move(unserved);
  }
  // Start outside the lock: opening a device and its init sequence can take a while, and
  // status requests must not wait for it.
  for (auto& e : to_start) {
    spdlog::info("scanner {} attached at {}: profile {} (driver {})", e->driver->id(), e->node, e->profile.name,
                 e->profile.driver);
    if (auto s = start_entry(*e); !s) {
      spdlog::warn("scanner {} not in service yet: {} (retrying)", e->driver->id(), s.error().message);
    }
    std::lock_guard lock(mu_);
    logged_.erase(e->driver->id());
    if (stopping_) {
      e->driver->stop();
    }
    entries_.push_back(std::move(e));
  }
}

std::vector<ScannerView> DeviceManager::snapshot() const {
  std::lock_guard lock(mu_);
  std::vector<ScannerView> out;
  for (const auto& e : entries_) {
    out.push_back(ScannerView{e->driver->id(), e->profile.name, e->profile.driver, e->origin, e->node,
                              e->driver->state()});
  }
  return out;
}

std::vector<UnservedDevice> DeviceManager::unserved() const {
  std::lock_guard lock(mu_);
  return unserved_;
}

}  // namespace scanedge::devices
