#pragma once
// Golden files: checked-in expected output, compared line by line so that a
// failure names the first line that moved.
//
// ITLFLEET_UPDATE_GOLDEN=1 rewrites the file with the actual output instead
// of comparing, and FAILS the test saying so: an update must never pass for
// a check. Review the diff, commit it, and run again without the variable.

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace itlfleet::test {

inline bool golden_update_requested() {
  return std::getenv("ITLFLEET_UPDATE_GOLDEN") != nullptr;
}

/// Adds a test failure unless `actual` equals the golden file at `path`. In
/// update mode writes `actual` to `path` and adds a failure that says so.
inline void expect_matches_golden(const std::string& path, const std::string& actual) {
  if (golden_update_requested()) {
    std::ofstream out(path, std::ios::binary);
    out << actual;
    out.close();
    ADD_FAILURE() << "ITLFLEET_UPDATE_GOLDEN is set: " << (out ? "rewrote " : "could not rewrite ")
                  << path << ". Review the diff, then run again without it.";
    return;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "missing golden file " << path;
    return;
  }
  std::ostringstream content;
  content << in.rdbuf();
  const std::string expected = content.str();
  if (actual == expected) return;
  std::istringstream want(expected), got(actual);
  std::string w, g;
  for (int line = 1;; ++line) {
    const bool more_want = static_cast<bool>(std::getline(want, w));
    const bool more_got = static_cast<bool>(std::getline(got, g));
    if (!more_want && !more_got) break;
    if (more_want != more_got || w != g) {
      ADD_FAILURE() << path << " line " << line
                    << ":\n  golden: " << (more_want ? w : "(end of file)")
                    << "\n  actual: " << (more_got ? g : "(end of output)");
      return;
    }
  }
  ADD_FAILURE() << path << ": the output differs only in its final newline";
}

}  // namespace itlfleet::test
