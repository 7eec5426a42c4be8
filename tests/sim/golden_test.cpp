// The golden-file check itself: a golden test run in update mode must fail,
// never pass for a check it did not make.

#include "../common/golden.hpp"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace itlfleet::test {
namespace {

std::string scratch(const char* name) {
  return ::testing::TempDir() + name;
}

void write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Sets ITLFLEET_UPDATE_GOLDEN for one scope, restoring what was there.
struct update_mode {
  const char* before = std::getenv("ITLFLEET_UPDATE_GOLDEN");
  std::string saved = before ? before : "";
  update_mode() { setenv("ITLFLEET_UPDATE_GOLDEN", "1", 1); }
  ~update_mode() {
    if (before)
      setenv("ITLFLEET_UPDATE_GOLDEN", saved.c_str(), 1);
    else
      unsetenv("ITLFLEET_UPDATE_GOLDEN");
  }
};

TEST(Golden, update_mode_rewrites_the_file_and_fails_the_test) {
  const std::string path = scratch("itlfleet_golden_update.txt");
  write(path, "old\n");
  {
    update_mode on;
    EXPECT_NONFATAL_FAILURE(expect_matches_golden(path, "new\n"),
                            "ITLFLEET_UPDATE_GOLDEN is set: rewrote");
  }
  EXPECT_EQ(read(path), "new\n");
}

TEST(Golden, names_the_first_line_that_moved) {
  if (golden_update_requested()) GTEST_SKIP() << "compares only outside update mode";
  const std::string path = scratch("itlfleet_golden_compare.txt");
  write(path, "a\nb\nc\n");
  expect_matches_golden(path, "a\nb\nc\n");
  EXPECT_NONFATAL_FAILURE(expect_matches_golden(path, "a\nB\nc\n"),
                          "line 2:\n  golden: b\n  actual: B");
  EXPECT_NONFATAL_FAILURE(expect_matches_golden(path, "a\nb\n"), "actual: (end of output)");
  EXPECT_NONFATAL_FAILURE(expect_matches_golden(path + ".missing", "a\n"), "missing golden file");
}

}  // namespace
}  // namespace itlfleet::test
