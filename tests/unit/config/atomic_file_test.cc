// write_file_atomic: a reader sees the old file or the new one, never a partial one, and a
// failure leaves the old file and no temp file.
#include "edge/config/atomic_file.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include "tests/support/text_file.h"

using scanedge::testing::read_text_file;

namespace scanedge::config {
namespace {

class Dir {
 public:
  Dir() {
    std::string t = (std::filesystem::temp_directory_path() / "scanedge-atomic-XXXXXX").string();
    path_ = mkdtemp(t.data());
  }
  ~Dir() {
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all, std::filesystem::perm_options::add);
    std::filesystem::remove_all(path_);
  }
  std::string file(const std::string& n) const { return path_ + "/" + n; }
  std::size_t count() const {
    return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator(path_), {}));
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(AtomicFile, CreatesAndReplacesWithTheGivenModeAndNoTempLeft) {
  Dir d;
  const std::string p = d.file("scanedged.toml");
  ASSERT_TRUE(write_file_atomic(p, "one\n", 0640));
  EXPECT_EQ(read_text_file(p), "one\n");
  struct stat sb{};
  ASSERT_EQ(::stat(p.c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 0777, 0640u);
  const ino_t first = sb.st_ino;
  ASSERT_TRUE(write_file_atomic(p, "two\n", 0600));
  EXPECT_EQ(read_text_file(p), "two\n");
  ASSERT_EQ(::stat(p.c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 0777, 0600u);
  EXPECT_NE(sb.st_ino, first) << "replaced by rename, not rewritten in place";
  EXPECT_EQ(d.count(), 1u);
}

TEST(AtomicFile, FailureNamesTheFileAndKeepsTheOldContent) {
  Dir d;
  auto s = write_file_atomic(d.file("missing/x.prom"), "x");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, "io");
  EXPECT_NE(s.error().message.find(d.file("missing/x.prom")), std::string::npos) << s.error().message;

  // Renaming onto a directory fails after the temp file was written: old content stays, no temp.
  const std::string target = d.file("adir");
  std::filesystem::create_directory(target);
  std::ofstream(target + "/keep") << "k";
  auto r = write_file_atomic(target, "new");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("rename"), std::string::npos) << r.error().message;
  EXPECT_EQ(d.count(), 1u) << "the temp file was removed";
}

}  // namespace
}  // namespace scanedge::config
