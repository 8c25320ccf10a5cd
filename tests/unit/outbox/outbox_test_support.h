// Test helpers for the outbox unit tests: a fresh temporary directory per test and event
// draft builders.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "edge/core/outbox.h"
#include "edge/outbox/sqlite_outbox.h"

namespace scanedge::outbox::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "scanedge-outbox-XXXXXX").string();
    char* made = mkdtemp(tmpl.data());
    if (made == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = made;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline EventDraft draft(Stream s, const std::string& id, const std::string& type = "pick.confirmed",
                        nlohmann::json extra = nlohmann::json::object()) {
  nlohmann::json body = std::move(extra);
  body["id"] = id;
  body["type"] = type;
  return EventDraft{s, std::move(body)};
}

inline std::vector<EventDraft> drafts(Stream s, int n, const std::string& prefix = "ev",
                                      std::size_t padding = 0) {
  std::vector<EventDraft> out;
  out.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    nlohmann::json extra = nlohmann::json::object();
    if (padding > 0) extra["pad"] = std::string(padding, 'x');
    out.push_back(draft(s, prefix + "-" + std::to_string(i), "pick.confirmed", extra));
  }
  return out;
}

}  // namespace scanedge::outbox::testing
