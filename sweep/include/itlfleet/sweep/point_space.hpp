#pragma once
/// The points of a sweep: a base scenario, the settings it varies (`axis`)
/// and the run plan of every point of their product.
///
/// A point's scenario is the base scenario's YAML with each varied setting
/// replaced, loaded again by the scenarios library, so it is validated and
/// interpreted exactly as a scenario file would be. Points are numbered in
/// the order of the grid, the first axis varying slowest.
///
///   auto space = sweep::point_space::create("hold-timer-too-short", {*axis}, "locked == 0", {});
///   for (std::size_t p = 0; p < space->size(); ++p) auto plan = space->plan(p);
///
/// Thread-safe after creation: `plan` and `yaml` parse their own copy.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "itlfleet/plan/run_plan.hpp"
#include "itlfleet/sim/result.hpp"
#include "itlfleet/sweep/setting_values.hpp"

namespace itlfleet::sweep {

/// The settings key of the fleet size: scales the groups like `run --phones`.
inline constexpr std::string_view phones_key = "phones";

class point_space {
 public:
  /// Loads the base scenario (a built-in name or a file; its errors carry
  /// file:line:col), checks that every value of each axis can be written
  /// where its key says (errors name "--vary KEY=VALUE"), and appends the
  /// `--find` condition (empty: none) to its expectations. `phones`, when
  /// set and not varied, scales every point's fleet. The loader judges the
  /// values point by point: see `validate`.
  /// `calibrations` are `itlfleet calibrate`'s calibration.yaml files, as
  /// `run --calibration` takes them (scenarios::apply_calibrations): FILE,
  /// every node's, is written into the base scenario's `cluster.tftp`,
  /// `cluster.http` and `cluster.tvs` (taking out every node's own
  /// `calibration:`, `tftp:`, `http:` and `tvs:`); NODE=FILE into that
  /// node's own `tftp:`, `http:` and `tvs:` (over its `calibration:`). Both
  /// below the varied values, so `--vary cluster.tftp.max_serving_count`
  /// still varies it; every point's plan names the calibrations.
  static result<point_space> create(std::string_view scenario, std::vector<axis> axes,
                                    std::string_view find, std::optional<std::uint64_t> phones,
                                    const std::vector<std::string>& calibrations = {});

  /// The base scenario as loaded, without the --find condition.
  const plan::run_plan& base() const { return base_; }
  const std::vector<axis>& axes() const { return axes_; }
  /// Points in the grid: the product of the axes' sizes.
  std::size_t size() const { return size_; }

  /// The index of each axis's value at `point`, and back.
  std::vector<std::size_t> coordinates(std::size_t point) const;
  std::size_t point_at(const std::vector<std::size_t>& coordinates) const;
  /// "timeline[2].at=16m, phones=20000".
  std::string label(std::size_t point) const;

  /// The point's plan with the --find condition as its last `find_checks()`
  /// expectations. Errors (a value the loader rejects) name the point's
  /// settings and what the loader expected, without the line of the
  /// rewritten YAML (which is nowhere on disk).
  result<plan::run_plan> plan(std::size_t point) const;
  /// `plan(point)` with the error for a user: it names "--vary KEY=VALUE"
  /// when that value alone fails the same way on the base scenario (a typo
  /// in a key, a malformed duration), else the point's settings (a value
  /// that only fails with another, e.g. a time past a varied `end`).
  result<plan::run_plan> validate(std::size_t point) const;
  /// The axis of `phones`, if the fleet size is varied.
  std::optional<std::size_t> phones_axis() const { return phones_axis_; }
  /// Expectations the --find condition adds to every plan (0 without one).
  std::size_t find_checks() const { return find_checks_; }

  /// The point as a stand-alone scenario file for `itlfleet run`: the varied
  /// settings written in, the fleet already scaled, `seed` set, without the
  /// --find condition. Comments of the base file are not kept.
  std::string yaml(std::size_t point, std::uint64_t seed) const;

 private:
  point_space() = default;
  /// The base document with `point`'s values set, as YAML text.
  result<std::string> edited_yaml(std::size_t point, bool with_find) const;

  plan::run_plan base_;
  std::string base_yaml_;
  /// The calibrations given to create(), which point plans name: every
  /// node's, and each node's own (by node index).
  std::optional<plan::tftp_calibration_ref> calibration_;
  std::vector<std::optional<plan::tftp_calibration_ref>> node_calibrations_;
  bool calibrated_ = false;  ///< create() was given calibrations
  std::string find_entry_;   ///< YAML flow map; empty: no --find
  std::size_t find_checks_ = 0;
  std::vector<axis> axes_;
  std::vector<std::vector<std::string>> paths_;  ///< split key per axis; empty for phones
  std::optional<std::size_t> phones_axis_;
  std::optional<std::uint64_t> phones_;
  std::size_t size_ = 1;
};

}  // namespace itlfleet::sweep
