#pragma once
/// Turns on a fixed number of workers, first come first served: what lets a
/// server play a slower one with a known capacity (`itlfleet serve
/// --tvs-concurrency`, `--http-workers`), the way the virtual engine's TVS
/// and HTTP stations serve. A request reserves the worker free soonest for
/// `cost`; it starts when that worker is free and ends `cost` later.
///
///   worker_schedule workers(2);
///   const auto turn = workers.reserve(clock::now(), 20ms);
///   timer.expires_at(turn.end);  // the request's answer goes out then
///
/// Thread-safe: connections on several strands reserve concurrently.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <queue>
#include <vector>

namespace itlfleet::net {

class worker_schedule {
 public:
  using clock = std::chrono::steady_clock;
  struct turn {
    clock::time_point start, end;
  };

  explicit worker_schedule(std::size_t workers) {
    for (std::size_t i = 0; i < std::max<std::size_t>(1, workers); ++i) free_at_.push({});
  }

  /// The turn of a request arriving at `now` that keeps a worker for
  /// `cost`; nothing (and no worker kept) when it would start more than
  /// `longest_wait` after `now`.
  std::optional<turn> reserve(clock::time_point now, clock::duration cost,
                              clock::duration longest_wait = clock::duration::max()) {
    std::lock_guard lock(mutex_);
    const clock::time_point start = std::max(now, free_at_.top());
    if (start - now > longest_wait) return std::nullopt;
    free_at_.pop();
    free_at_.push(start + cost);
    return turn{start, start + cost};
  }

 private:
  std::mutex mutex_;
  /// When each worker is next free, soonest first.
  std::priority_queue<clock::time_point, std::vector<clock::time_point>, std::greater<>> free_at_;
};

}  // namespace itlfleet::net
