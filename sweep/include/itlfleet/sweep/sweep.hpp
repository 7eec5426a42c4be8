#pragma once
/// `itlfleet sweep`: many runs of one scenario over a grid of settings, or a
/// threshold search along one of them. Two steps, so a caller can report
/// bad input before anything runs:
///
///   auto setup = sweep::prepare(request);        // parses and validates every point
///   if (!setup) { print(setup.err()); return 2; }
///   auto result = sweep::execute(*setup, {.jobs = 2, .key_cache = keys});
///
/// The result is the same for any `jobs` and any finishing order: runs are
/// independent and collected in point order.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "itlfleet/sim/result.hpp"
#include "itlfleet/sweep/bisection.hpp"
#include "itlfleet/sweep/outcome.hpp"
#include "itlfleet/sweep/point_space.hpp"
#include "itlfleet/sweep/runner.hpp"

namespace itlfleet::sweep {

/// The default bound on points × seeds (`--max-points` raises it).
inline constexpr std::size_t default_max_runs = 10'000;

/// What the command line asks for.
struct sweep_request {
  std::string scenario;                     ///< built-in name or YAML file
  std::vector<std::string> vary;            ///< "KEY=VALUES", one per axis, grid order
  std::optional<std::uint64_t> phones;      ///< fleet size of every point (unless varied)
  std::optional<std::uint64_t> seed;        ///< first seed; default the scenario's
  unsigned seeds = 1;                       ///< runs per point: seed, seed+1, ...
  std::string find;                         ///< threshold condition; empty: walk the grid
  std::string along;                        ///< the axis --find searches (needed with several)
  std::size_t max_runs = default_max_runs;  ///< bound on points × seeds
  /// Threads that validate the points, and runs at once: with
  /// `allow_large` false, `jobs` runs of the costliest point must fit the
  /// memory limit together.
  unsigned jobs = 1;
  /// Run points past the cost limits of `itlfleet run` (scenarios/cost.hpp).
  bool allow_large = false;
  /// `--shard K/N`: run only the grid's points p with p mod N == K (each
  /// with every seed); `itlfleet merge` joins the shards. Not with `find`.
  std::uint32_t shard_index = 0;
  std::uint32_t shard_count = 1;
  /// `--calibration FILE` or `NODE=FILE` (repeated): every point's server
  /// models from `itlfleet calibrate` (point_space::create); empty: the
  /// scenario's.
  std::vector<std::string> calibration;
};

struct sweep_setup {
  point_space space;
  /// The seeds every point runs with; empty when `seed` itself is varied
  /// (each point runs with its plan's seed).
  std::vector<std::uint64_t> seeds;
  std::optional<std::size_t> search_axis;  ///< set with --find
  /// Runs the sweep will make (grid), or at most (search).
  std::size_t planned_runs = 0;
  std::string find;  ///< the condition as written
  /// The grid's points this process runs: p mod shard_count == shard_index.
  std::uint32_t shard_index = 0;
  std::uint32_t shard_count = 1;
};

/// One threshold search: along `search_axis`, the other axes held at `fixed`.
struct search_report {
  std::vector<std::size_t> fixed;   ///< coordinates of every axis (the search axis's ignored)
  std::vector<std::size_t> points;  ///< the point of each value of the search axis
  search_result result;
};

struct sweep_result {
  /// Every run, ordered by point then seed. A grid sweep runs every point; a
  /// search only the points it needed.
  std::vector<run_outcome> runs;
  std::vector<search_report> searches;  ///< one per combination of the other axes
};

/// Parses the axes and the condition, loads the scenario and validates
/// every point's plan, and its cost as `itlfleet run` does (unless
/// `allow_large`); nothing runs. Errors are bad input: they name the option,
/// the point or the scenario's file:line:col.
result<sweep_setup> prepare(const sweep_request& request);

/// Runs the sweep (or the searches, round by round: each round runs what
/// every search wants next, in parallel).
result<sweep_result> execute(const sweep_setup& setup, const runner_options& options);

}  // namespace itlfleet::sweep
