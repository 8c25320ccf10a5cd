// Test helper: the LedgerStore backends as a test parameter (the contract suites run against
// both). SQLite: a file in a temp dir per test. PostgreSQL: one throwaway cluster per test
// process (tests/support/postgres.h, started on first use, stopped at exit) and a fresh
// database per test. A PostgreSQL test skips with a clear reason only when the server
// binaries are not installed.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>

#include "sync/ledger/ledger_store.h"
#include "tests/support/postgres.h"
#include "tests/support/process.h"

namespace scanedge::ledger::testing {

enum class Backend { sqlite, postgresql };

inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::sqlite ? "SQLite" : "PostgreSQL";
}

// The process-wide cluster (nullptr when PostgreSQL is not installed).
inline scanedge::testing::Postgres* shared_postgres() {
  static std::unique_ptr<scanedge::testing::Postgres> pg = [] {
    std::unique_ptr<scanedge::testing::Postgres> p;
    if (scanedge::testing::Postgres::available()) {
      p = std::make_unique<scanedge::testing::Postgres>();
      p->start();
    }
    return p;
  }();
  return pg.get();
}

// A fresh ledger location for `backend`: a file path under `dir`, or a new database's URI.
inline std::string fresh_location(Backend backend, const scanedge::testing::TempDir& dir) {
  if (backend == Backend::sqlite) return dir.file("ledger.db");
  static std::atomic<int> counter{0};
  return shared_postgres()->create_database("ledger_" + std::to_string(::getpid()) + "_" + std::to_string(++counter));
}

// Fixture base: location_ is ready in SetUp (or the test is skipped).
class BackendTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::postgresql && !scanedge::testing::Postgres::available()) {
      GTEST_SKIP() << scanedge::testing::Postgres::skip_reason();
    }
    location_ = fresh_location(GetParam(), dir_);
  }

  std::unique_ptr<LedgerStore> open_store(LedgerOptions options = {}) {
    if (options.synchronous.empty()) options.synchronous = "normal";
    auto s = open_ledger(location_, options);
    EXPECT_TRUE(s) << s.error().code << ": " << s.error().message;
    return s ? std::move(*s) : nullptr;
  }
  std::unique_ptr<LedgerStore> open_read_only() {
    auto s = open_ledger_read_only(location_);
    EXPECT_TRUE(s) << s.error().code << ": " << s.error().message;
    return s ? std::move(*s) : nullptr;
  }

  scanedge::testing::TempDir dir_;
  std::string location_;
};

}  // namespace scanedge::ledger::testing
