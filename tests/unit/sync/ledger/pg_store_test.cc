// PostgreSQL-only parts of the ledger: the SQL placeholder rewrite and conninfo redaction
// (no server needed), opening errors, concurrent schema creation, and reconnecting after
// the server restarted. The store contract itself is ledger_store_contract_test.cc.
#include <gtest/gtest.h>

#include <thread>

#include "sync/ledger/ledger_store.h"
#include "sync/ledger/pg_ledger_store.h"
#include "sync/ledger/pg_session.h"
#include "tests/support/postgres.h"
#include "tests/unit/sync/ledger/batch_builder.h"
#include "tests/unit/sync/ledger/store_backends.h"

namespace scanedge::ledger {
namespace {

using scanedge::testing::Postgres;
using testing::batch;

const sync::DeviceAddress kD1{"s1", "d1"};

#define REQUIRE_POSTGRES() \
  if (!Postgres::available()) GTEST_SKIP() << Postgres::skip_reason()

TEST(PgPlaceholders, NumberedAndBareQuestionMarksBecomeDollarParameters) {
  EXPECT_EQ(pg_placeholders("SELECT a FROM t WHERE b = ? AND c = ?"), "SELECT a FROM t WHERE b = $1 AND c = $2");
  EXPECT_EQ(pg_placeholders("UPDATE r SET x = CASE WHEN x > ?1 THEN x - ?1 ELSE 0 END WHERE k = ?12"),
            "UPDATE r SET x = CASE WHEN x > $1 THEN x - $1 ELSE 0 END WHERE k = $12");
  // Not inside literals or quoted identifiers.
  EXPECT_EQ(pg_placeholders("SELECT '?', \"a?b\", 'it''s ?' FROM t WHERE x = ?"),
            "SELECT '?', \"a?b\", 'it''s ?' FROM t WHERE x = $1");
  EXPECT_EQ(pg_placeholders("no parameters"), "no parameters");
}

TEST(PgConninfo, PasswordsAreRedacted) {
  EXPECT_EQ(redact_conninfo("postgresql://ledger:s3cret@db.example:5432/ledger"),
            "postgresql://ledger:***@db.example:5432/ledger");
  EXPECT_EQ(redact_conninfo("postgresql:///ledger?host=/run/pg&password=s3cret&sslmode=require"),
            "postgresql:///ledger?host=/run/pg&password=***&sslmode=require");
  EXPECT_EQ(redact_conninfo("host=db user=ledger password=s3cret dbname=l"), "host=db user=ledger password=*** dbname=l");
  EXPECT_EQ(redact_conninfo("postgresql://db.example/ledger"), "postgresql://db.example/ledger");
}

TEST(PgLocation, OnlyPostgresUrisSelectPostgres) {
  EXPECT_TRUE(is_postgres_location("postgresql://db/ledger"));
  EXPECT_TRUE(is_postgres_location("postgres://db/ledger"));
  EXPECT_FALSE(is_postgres_location("/var/lib/scanedge/ledger.db"));
  EXPECT_FALSE(is_postgres_location("ledger.db"));
  EXPECT_FALSE(is_postgres_location("host=db dbname=ledger"));
}

TEST(PgStore, UnusableUriAndUnreachableServerAreErrors) {
  auto bad = open_ledger("postgresql://db.example/ledger?no_such_option=1");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "bad_option") << bad.error().message;
  scanedge::testing::TempDir dir;
  // Nobody listens on this socket directory.
  auto down = open_ledger("postgresql:///ledger?host=" + dir.path() + "&port=5&user=postgres&password=s3cret");
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().code, "unavailable") << down.error().message;
  EXPECT_EQ(down.error().message.find("s3cret"), std::string::npos) << down.error().message;
}

TEST(PgStore, ReadOnlyOpenOfADatabaseWithoutTheLedgerSchemaIsNotALedger) {
  REQUIRE_POSTGRES();
  const std::string uri = testing::shared_postgres()->create_database("empty_" + std::to_string(::getpid()));
  auto ro = open_ledger_read_only(uri);
  ASSERT_FALSE(ro);
  EXPECT_EQ(ro.error().code, "not_a_ledger") << ro.error().message;
  // A read-write open creates the schema; then the reader works and cannot write.
  {
    auto rw = open_ledger(uri);
    ASSERT_TRUE(rw) << rw.error().message;
    EXPECT_EQ((*rw)->backend(), "postgresql");
  }
  auto ok = open_ledger_read_only(uri);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_FALSE((*ok)->apply(batch(kD1, Stream::exec, 1, 1)));
}

TEST(PgStore, LedgersStartingTogetherCreateTheSchemaOnce) {
  REQUIRE_POSTGRES();
  const std::string uri = testing::shared_postgres()->create_database("race_" + std::to_string(::getpid()));
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      LedgerOptions o;
      o.instance = "l" + std::to_string(i);
      auto s = open_ledger(uri, o);
      EXPECT_TRUE(s) << s.error().message;
      if (s && (*s)->apply(batch(kD1, Stream::exec, 1, 3))) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 4);
  auto ro = open_ledger_read_only(uri);
  ASSERT_TRUE(ro);
  EXPECT_EQ((*ro)->state(kD1, Stream::exec)->applied, 3);
}

TEST(PgStore, AfterTheServerRestartsTheStoreReconnectsAndNothingIsLost) {
  REQUIRE_POSTGRES();
  Postgres pg;  // our own server: this test restarts it
  pg.start();
  const std::string uri = pg.create_database("restart");
  auto store = open_ledger(uri);
  ASSERT_TRUE(store) << store.error().message;
  ASSERT_TRUE((*store)->apply(batch(kD1, Stream::exec, 1, 2)));
  pg.stop();
  auto down = (*store)->apply(batch(kD1, Stream::exec, 3, 4));
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().code, "unavailable") << down.error().message;
  pg.start();
  // The failed batch was not stored; the resend applies it.
  auto again = (*store)->apply(batch(kD1, Stream::exec, 3, 4));
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->applied, 2);
  EXPECT_EQ(again->acked_through, 4);
  EXPECT_EQ((*store)->state(kD1, Stream::exec)->applied, 4);
}

}  // namespace
}  // namespace scanedge::ledger
