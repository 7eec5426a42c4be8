#pragma once
/// The live engine's scenario clock: wall time since the run started, scaled
/// by the time scale (wall seconds per scenario second). Every conversion
/// between scenario and wall time in a live run goes through it.

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace itlfleet::engine {

/// A value: copy it freely; const members are safe from any thread.
class scaled_clock final {
 public:
  using wall_clock = std::chrono::steady_clock;

  /// `time_scale` > 0; `start`: the wall time of scenario time 0; `end_us`:
  /// the scenario's end (microseconds), past which now_us() never goes.
  scaled_clock(double time_scale, wall_clock::time_point start, std::int64_t end_us)
      : scale_(time_scale), start_(start), end_us_(end_us) {}

  double time_scale() const { return scale_; }
  wall_clock::time_point start() const { return start_; }
  std::int64_t end_us() const { return end_us_; }

  /// The wall duration of `scenario_us` scenario microseconds.
  wall_clock::duration wall(std::int64_t scenario_us) const {
    return std::chrono::duration_cast<wall_clock::duration>(
        std::chrono::duration<double, std::micro>(static_cast<double>(scenario_us) * scale_));
  }
  /// The wall time at which scenario time `scenario_us` is due.
  wall_clock::time_point wall_at(std::int64_t scenario_us) const {
    return start_ + wall(scenario_us);
  }
  /// Scenario microseconds in the wall duration `d` (truncated).
  std::int64_t scenario_us(wall_clock::duration d) const {
    return static_cast<std::int64_t>(std::chrono::duration<double, std::micro>(d).count() / scale_);
  }
  /// Scenario microseconds from wall time `from` to `to`.
  std::int64_t scenario_us_between(wall_clock::time_point from, wall_clock::time_point to) const {
    return scenario_us(to - from);
  }
  /// The scenario time wall time `t` says, but never before `reached` (the
  /// clock does not go backwards) nor past the end; `reached` <= the end.
  std::int64_t now_us(std::int64_t reached, wall_clock::time_point t = wall_clock::now()) const {
    return std::clamp(scenario_us(t - start_), reached, end_us_);
  }

 private:
  double scale_;
  wall_clock::time_point start_;
  std::int64_t end_us_;
};

}  // namespace itlfleet::engine
