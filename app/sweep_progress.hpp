#pragma once
// The progress bar of `itlfleet sweep` on stderr: runs done, elapsed time and
// an ETA. Drawn only on a terminal; not thread-safe (the sweep runner calls
// it one run at a time).

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <string>

namespace itlfleet::app {

class sweep_progress {
 public:
  /// `total`: runs planned; `at_most`: a search may need fewer.
  sweep_progress(bool enabled, std::size_t total, bool at_most)
      : enabled_(enabled), total_(total), at_most_(at_most), start_(clock::now()) {}

  void run_done() {
    ++done_;
    if (!enabled_) return;
    const auto now = clock::now();
    if (now - last_ < std::chrono::milliseconds(200) && done_ < total_) return;
    last_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    constexpr int width = 30;
    const std::size_t shown = done_ < total_ ? done_ : total_;
    const int filled = total_ == 0 ? width : static_cast<int>(width * shown / total_);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(width, '.');
    std::string eta = "--";
    if (done_ > 0 && done_ < total_)
      eta = clock_text(elapsed / static_cast<double>(done_) * static_cast<double>(total_ - done_));
    std::fprintf(stderr, "\r\033[K[%s] %zu/%s%zu runs  %s elapsed  ETA %s%s", bar.c_str(), done_,
                 at_most_ ? "at most " : "", total_, clock_text(elapsed).c_str(),
                 at_most_ ? "<= " : "", eta.c_str());
    std::fflush(stderr);
    drawn_ = true;
  }

  /// Clears the bar so the results print on a clean line.
  void done() {
    if (drawn_) std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
  }

 private:
  using clock = std::chrono::steady_clock;
  static std::string clock_text(double seconds) {
    const auto s = static_cast<long long>(seconds + 0.5);
    char buf[32];
    if (s >= 3600)
      std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
    else
      std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
    return buf;
  }

  bool enabled_;
  std::size_t total_;
  bool at_most_;
  std::size_t done_ = 0;
  bool drawn_ = false;
  clock::time_point start_;
  clock::time_point last_{};
};

}  // namespace itlfleet::app
