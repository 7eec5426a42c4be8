#pragma once
/// What a calibration reports while it runs (its Prometheus view), the same
/// for every service it measures: the TFTP probe and the HTTP/TVS probe call
/// these as they offer load. Each is optional.

#include <cstdint>
#include <functional>
#include <string_view>

namespace itlfleet::engine {

struct calibration_watch {
  /// A step starts offering `rate` requests/s.
  std::function<void(double rate, int index)> step_started;
  /// A request is sent.
  std::function<void()> request_sent;
  /// A request ends: "ok", "refused", "timeout" or "error".
  std::function<void(std::string_view result)> request_done;
  /// A step ends: ok requests per second and their latency percentiles.
  std::function<void(double completed, std::int64_t p50_us, std::int64_t p90_us,
                     std::int64_t p99_us)>
      step_finished;
};

}  // namespace itlfleet::engine
