#include "itlfleet/sweep/sweep.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>

#include "itlfleet/engine/cost.hpp"
#include "itlfleet/scenarios/scenario.hpp"

namespace itlfleet::sweep {
namespace {

std::size_t product_or_max(std::size_t a, std::size_t b) {
  if (a != 0 && b > SIZE_MAX / a) return SIZE_MAX;
  return a * b;
}

verdict judge(const std::vector<const run_outcome*>& runs) {
  std::size_t held = 0;
  for (const run_outcome* r : runs) held += r->found.value_or(false) ? 1 : 0;
  return held == runs.size() ? verdict::holds : held == 0 ? verdict::fails : verdict::mixed;
}

/// The tasks of a set of points: each with every seed.
std::vector<run_task> tasks_of(const std::vector<std::size_t>& points,
                               const std::vector<std::uint64_t>& seeds) {
  std::vector<run_task> tasks;
  for (std::size_t p : points) {
    if (seeds.empty()) tasks.push_back({p, std::nullopt});
    for (std::uint64_t s : seeds) tasks.push_back({p, s});
  }
  return tasks;
}

/// Bytes as "9.6 GB", in GiB as engine::check_cost writes them.
std::string gigabytes(std::uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f GB", static_cast<double>(bytes) / (1u << 30));
  return buf;
}

/// Every point's plan, before anything runs: a value that only fails in
/// combination (a time past a varied `end`) is reported now, not midway.
/// The fleet size is not in the YAML, so points that differ only in
/// `phones` are loaded once and costed at each size. The first failing
/// point in grid order is reported, whatever the threads did. Sets
/// `max_memory` to the costliest point's estimated memory.
status validate_points(const point_space& space, const sweep_request& request,
                       std::uint64_t& max_memory) {
  const auto phones_axis = space.phones_axis();
  std::vector<std::size_t> points;
  for (std::size_t p = 0; p < space.size(); ++p)
    if (!phones_axis || space.coordinates(p)[*phones_axis] == 0) points.push_back(p);

  // Each point's error, or its memory estimate, by position in `points`.
  std::vector<std::optional<error>> errors(points.size());
  std::vector<std::uint64_t> memory(points.size(), 0);
  auto check = [&](std::size_t i) -> std::optional<error> {
    auto plan = space.validate(points[i]);
    if (!plan) return plan.err();
    auto c = space.coordinates(points[i]);
    const std::size_t sizes = phones_axis ? space.axes()[*phones_axis].values.size() : 1;
    for (std::size_t k = 0; k < sizes; ++k) {
      plan::run_plan sized = *plan;
      if (phones_axis) {
        c[*phones_axis] = k;
        scenarios::scale_fleet(
            sized, static_cast<std::uint64_t>(*space.axes()[*phones_axis].values[k].position));
      }
      memory[i] = std::max(memory[i], engine::estimate_cost(sized).memory_bytes);
      if (request.allow_large) continue;
      if (auto cost = engine::check_cost(sized); !cost)
        return error{space.label(space.point_at(c)) + ": " + cost.err().message};
    }
    return std::nullopt;
  };

  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> first_bad{points.size()};
  auto work = [&] {
    for (std::size_t i = next++; i < points.size() && i < first_bad.load(); i = next++) {
      errors[i] = check(i);
      if (!errors[i]) continue;
      for (std::size_t seen = first_bad.load();
           i < seen && !first_bad.compare_exchange_weak(seen, i);) {
      }
    }
  };
  {
    std::vector<std::jthread> pool;
    for (unsigned t = 1; t < std::max(1u, request.jobs) && t < points.size(); ++t)
      pool.emplace_back(work);
    work();
  }
  if (first_bad.load() < points.size()) return *errors[first_bad.load()];
  max_memory = points.empty() ? 0 : *std::max_element(memory.begin(), memory.end());
  return ok();
}

}  // namespace

result<sweep_setup> prepare(const sweep_request& request) {
  if (request.vary.empty())
    return error{
        "nothing to vary: give at least one --vary KEY=VALUES, e.g. --vary "
        "cluster.tftp.max_serving_count=100..1000/100"};
  if (request.seeds == 0) return error{"--seeds: expected at least 1"};
  if (request.max_runs == 0) return error{"--max-points: expected at least 1"};
  if (!request.along.empty() && request.find.empty()) return error{"--along needs --find"};
  if (request.shard_count == 0 || request.shard_index >= request.shard_count)
    return error{"--shard: expected K/N with 0 <= K < N"};
  if (request.shard_count > 1 && !request.find.empty())
    return error{
        "--shard deals a grid's points among processes; a --find search picks each point from "
        "the last ones' verdicts, so it runs in one process: drop --shard or --find"};

  // The grid against the limit from the specs alone, before any value is
  // made: billions of points are refused at once, not after gigabytes.
  const auto too_many_runs = [&](std::size_t points) {
    return error{
        "the sweep has " +
        (points == SIZE_MAX ? "over " + std::to_string(SIZE_MAX) : std::to_string(points)) +
        " points" + (request.seeds > 1 ? " x " + std::to_string(request.seeds) + " seeds" : "") +
        ", more than the limit of " + std::to_string(request.max_runs) +
        " runs; narrow the ranges or raise the limit with --max-points"};
  };
  std::size_t grid = 1;
  for (const std::string& v : request.vary)
    if (const auto n = count_vary(v))
      grid = product_or_max(grid, static_cast<std::size_t>(std::min<std::uint64_t>(*n, SIZE_MAX)));
  if (product_or_max(grid, request.seeds) > request.max_runs) return too_many_runs(grid);

  std::vector<axis> axes;
  for (const std::string& v : request.vary) {
    auto a = parse_vary(v, request.max_runs);
    if (!a) return error{"--vary " + a.err().message};
    axes.push_back(std::move(*a));
  }
  const bool seed_varied =
      std::any_of(axes.begin(), axes.end(), [](const axis& a) { return a.key == "seed"; });
  if (seed_varied && (request.seeds > 1 || request.seed))
    return error{"--vary seed sets each point's seed; it does not go with --seed or --seeds"};

  std::optional<std::size_t> search_axis;
  if (!request.find.empty()) {
    if (request.along.empty()) {
      if (axes.size() > 1)
        return error{"--find searches one setting: with several --vary, name it with --along KEY"};
      search_axis = 0;
    } else {
      std::string along = request.along == "--phones" ? "phones" : request.along;
      for (std::size_t k = 0; k < axes.size(); ++k)
        if (axes[k].key == along) search_axis = k;
      if (!search_axis) return error{"--along " + request.along + ": not one of the --vary keys"};
    }
  }

  auto space = point_space::create(request.scenario, std::move(axes), request.find, request.phones,
                                   request.calibration);
  if (!space) return space.err();

  sweep_setup setup{std::move(*space),  {}, search_axis, 0, request.find, request.shard_index,
                    request.shard_count};
  if (request.shard_index >= setup.space.size())
    return error{"--shard " + std::to_string(request.shard_index) + "/" +
                 std::to_string(request.shard_count) + ": shard " +
                 std::to_string(request.shard_index) + " has no points: the sweep has " +
                 std::to_string(setup.space.size()) + " and point p runs in shard p mod " +
                 std::to_string(request.shard_count) + " (use at most " +
                 std::to_string(setup.space.size()) + " shards)"};
  const std::size_t runs = product_or_max(setup.space.size(), request.seeds);
  if (runs > request.max_runs) return too_many_runs(setup.space.size());
  if (!seed_varied) {
    const std::uint64_t first = request.seed.value_or(setup.space.base().seed);
    for (unsigned k = 0; k < request.seeds; ++k) setup.seeds.push_back(first + k);
  }
  if (search_axis) {
    const std::size_t along = setup.space.axes()[*search_axis].values.size();
    const std::size_t searches = setup.space.size() / along;
    setup.planned_runs =
        searches * bisection::max_evaluations(along) * std::max<std::size_t>(1, setup.seeds.size());
  } else {
    // This shard's points: those congruent to its index.
    const std::size_t mine =
        (setup.space.size() - 1 - request.shard_index) / request.shard_count + 1;
    setup.planned_runs = product_or_max(mine, request.seeds);
  }

  std::uint64_t max_memory = 0;
  if (auto valid = validate_points(setup.space, request, max_memory); !valid) return valid.err();
  // Runs at once each hold a whole fleet: `run`'s memory limit applies to
  // them together.
  const std::uint64_t at_once = std::min<std::uint64_t>(std::max(1u, request.jobs), runs);
  const engine::cost_limits limits;
  if (!request.allow_large && at_once > 1 && at_once * max_memory > limits.max_memory_bytes)
    return error{"--jobs " + std::to_string(at_once) + ": " + std::to_string(at_once) +
                 " runs at once would need about " + gigabytes(at_once * max_memory) +
                 " of memory (" + gigabytes(max_memory) +
                 " for the largest point), more than the " + "limit of " +
                 gigabytes(limits.max_memory_bytes) +
                 ": lower --jobs, or pass --allow-large to run it anyway"};
  return setup;
}

result<sweep_result> execute(const sweep_setup& setup, const runner_options& options) {
  const point_space& space = setup.space;
  sweep_result out;
  if (!setup.search_axis) {
    std::vector<std::size_t> points;
    for (std::size_t p = setup.shard_index; p < space.size(); p += setup.shard_count)
      points.push_back(p);
    auto runs = run_batch(space, tasks_of(points, setup.seeds), options);
    if (!runs) return runs.err();
    out.runs = std::move(*runs);
    return out;
  }

  // One search per combination of the other axes' values.
  const std::size_t along = *setup.search_axis;
  const std::size_t n = space.axes()[along].values.size();
  std::vector<bisection> searches;
  for (std::size_t p = 0; p < space.size(); ++p) {
    auto c = space.coordinates(p);
    if (c[along] != 0) continue;
    search_report r;
    r.fixed = c;
    for (std::size_t i = 0; i < n; ++i) {
      c[along] = i;
      r.points.push_back(space.point_at(c));
    }
    out.searches.push_back(std::move(r));
    searches.emplace_back(n);
  }
  for (;;) {
    // (search, value index) of every point wanted this round, in search order.
    std::vector<std::pair<std::size_t, std::size_t>> wanted;
    std::vector<std::size_t> points;
    for (std::size_t s = 0; s < searches.size(); ++s)
      for (std::size_t i : searches[s].wanted()) {
        wanted.emplace_back(s, i);
        points.push_back(out.searches[s].points[i]);
      }
    if (wanted.empty()) break;
    auto runs = run_batch(space, tasks_of(points, setup.seeds), options);
    if (!runs) return runs.err();
    const std::size_t per_point = std::max<std::size_t>(1, setup.seeds.size());
    for (std::size_t w = 0; w < wanted.size(); ++w) {
      std::vector<const run_outcome*> of_point;
      for (std::size_t k = 0; k < per_point; ++k) of_point.push_back(&(*runs)[w * per_point + k]);
      searches[wanted[w].first].record(wanted[w].second, judge(of_point));
    }
    for (auto& r : *runs) out.runs.push_back(std::move(r));
  }
  for (std::size_t s = 0; s < searches.size(); ++s) out.searches[s].result = searches[s].result();
  // Runs in point order (stable: seeds keep their order within a point).
  std::stable_sort(out.runs.begin(), out.runs.end(),
                   [](const run_outcome& a, const run_outcome& b) { return a.point < b.point; });
  return out;
}

}  // namespace itlfleet::sweep
