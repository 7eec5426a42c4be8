#pragma once
// The itlfleet binary (ITLFLEET_BIN) as a child process the test can signal
// while it runs: stdout and stderr go to files in its directory.

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cli_fixture.hpp"

namespace itlfleet {

class spawned_itlfleet {
 public:
  /// Starts `itlfleet ARGS...` in `dir`, writing dir/stdout.txt and
  /// dir/stderr.txt; with `open_files`, under that open-file limit (soft and
  /// hard, so the child cannot raise it).
  spawned_itlfleet(const fs::path& dir, const std::vector<std::string>& args,
                   std::optional<rlim_t> open_files = {})
      : out_(dir / "stdout.txt"), err_(dir / "stderr.txt") {
    std::vector<std::string> argv_text{ITLFLEET_BIN};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_text) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      // Only async-signal-safe calls between fork and exec.
      const int out = ::open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int err = ::open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (out < 0 || err < 0 || ::chdir(dir.c_str()) != 0) ::_exit(127);
      if (open_files) {
        const rlimit lim{*open_files, *open_files};
        if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) ::_exit(127);
      }
      ::dup2(out, STDOUT_FILENO);
      ::dup2(err, STDERR_FILENO);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
  }
  /// A child still running when the test ends is killed: nothing outlives it.
  ~spawned_itlfleet() {
    if (pid_ > 0 && !status_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  spawned_itlfleet(const spawned_itlfleet&) = delete;
  spawned_itlfleet& operator=(const spawned_itlfleet&) = delete;

  bool started() const { return pid_ > 0; }
  void signal(int sig) const { ::kill(pid_, sig); }

  /// Waits at most `limit` for `text` to appear in stdout or stderr.
  bool wait_for_output(const std::string& text, std::chrono::seconds limit) const {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      if (out().find(text) != std::string::npos || err().find(text) != std::string::npos)
        return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  /// Waits at most `limit` for the process to end: its exit status (128 +
  /// the signal when a signal killed it), or nullopt if it still runs.
  std::optional<int> wait_exit(std::chrono::seconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!status_) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        break;
      }
      if (std::chrono::steady_clock::now() >= until) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return status_;
  }

  std::string out() const { return read_text(out_); }
  std::string err() const { return read_text(err_); }
  std::string describe() const { return "stdout:\n" + out() + "\nstderr:\n" + err(); }

 private:
  fs::path out_, err_;
  pid_t pid_ = -1;
  std::optional<int> status_;
};

}  // namespace itlfleet
