#pragma once
// The fixture of the end-to-end tests: runs the built `itlfleet` binary
// (ITLFLEET_BIN) in a scratch directory of its own, as a user would, with the
// key cache inside that directory.

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

#include "itlfleet/sim/bytes.hpp"

namespace itlfleet {

namespace fs = std::filesystem;

struct run_result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

inline std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline bytes read_bytes(const fs::path& p) {
  const std::string s = read_text(p);
  return bytes(s.begin(), s.end());
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("itlfleet_cli_test_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    // Keys go to a cache inside the test directory: nothing in the user's ~/.cache.
    ::setenv("ITLFLEET_KEY_CACHE", (dir_ / "key-cache").c_str(), 1);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  /// Runs itlfleet with `args` in the test directory.
  run_result run(std::initializer_list<std::string> args) {
    return run(std::vector<std::string>(args));
  }
  run_result run(const std::vector<std::string>& args) {
    std::string cmd = "cd " + quote(dir_.string()) + " && " + quote(ITLFLEET_BIN);
    for (const std::string& a : args) cmd += " " + quote(a);
    cmd += " >" + quote((dir_ / "stdout.txt").string()) + " 2>" +
           quote((dir_ / "stderr.txt").string());
    const int status = std::system(cmd.c_str());
    run_result r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = read_text(dir_ / "stdout.txt");
    r.err = read_text(dir_ / "stderr.txt");
    return r;
  }

  /// Two nodes, four phones: the export every test starts from.
  void export_cluster() {
    const run_result r =
        run({"cluster", "export", "--out", "cluster", "--nodes", "pub,sub1", "--phones", "4"});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }

  fs::path path(const std::string& rel) const { return dir_ / rel; }

  /// Fetches `name` with tftp-hpa from the publisher of a running `itlfleet
  /// serve` (127.0.1.1:`port`) into served-`name`, up to `tries` times
  /// 100 ms apart: true when a non-empty file arrived. tftp-hpa would wait
  /// 25 s for a server that is not there yet, so each try gets 2 s.
  bool fetch_served(int port, const std::string& name, int tries = 1) {
    const fs::path got = dir_ / ("served-" + name);
    const std::string cmd = "cd " + quote(dir_.string()) +
                            " && timeout 2 /usr/bin/tftp 127.0.1.1 " + std::to_string(port) +
                            " -m binary -c get " + quote(name) + " " +
                            quote(got.filename().string()) + " >/dev/null 2>&1";
    for (int attempt = 0; attempt < tries; ++attempt) {
      if (attempt > 0) ::usleep(100'000);
      if (std::system(cmd.c_str()) == 0 && fs::exists(got) && fs::file_size(got) > 0) return true;
    }
    return false;
  }

  fs::path dir_;
};

inline std::string describe(const run_result& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

}  // namespace itlfleet
