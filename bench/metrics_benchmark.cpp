// The Prometheus exporter: one update (what every time-series sample pays
// with --metrics) and one scrape (what every GET /metrics pays), at fleets of
// 10k to 1M phones, next to copying the sample itself (what every sample
// already pays without metrics); and whole virtual runs with metrics on and
// off in the same process.

#include <benchmark/benchmark.h>

#include <time.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "bench_fixture.hpp"
#include "itlfleet/engine/virtual_engine.hpp"
#include "itlfleet/metrics/prometheus_exporter.hpp"

namespace itlfleet::bench {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t groups = 8;  // a mid-sized deployment: models x firmware x nodes

std::vector<metrics::prometheus_group> group_labels() {
  std::vector<metrics::prometheus_group> out;
  for (std::size_t g = 0; g < groups; ++g)
    out.push_back({"group-" + std::to_string(g), g % 2 ? "CP-8861" : "CP-7841",
                   g % 4 < 2 ? "12.8(1)" : "14.2(1)", "cucm-" + std::to_string(g % 3)});
  return out;
}

/// A sample of `phones` phones spread over the groups and states, with
/// latencies recorded for every phone and a short operator timeline.
struct sample_data {
  metrics::snapshot snap;
  std::vector<metrics::latency> latencies;
  std::vector<metrics::operator_action> actions;
};

sample_data make_sample(std::uint64_t phones) {
  sample_data d;
  d.snap.groups.resize(groups);
  for (std::uint64_t i = 0; i < phones; ++i) {
    auto& c = d.snap.groups[i % groups];
    ++c.by_state[(i / groups) % sim::phone_state_count];
    if (i % 7 == 0) ++c.stale;
  }
  d.latencies = {{"boot", {}}, {"time_to_trust", {}}};
  for (std::uint64_t i = 0; i < phones; ++i) {
    d.latencies[0].histogram.record(static_cast<std::int64_t>(20'000 + (i * 7919) % 90'000'000));
    d.latencies[1].histogram.record(
        static_cast<std::int64_t>(1'000'000 + (i * 104729) % 1'800'000'000));
  }
  for (int a = 0; a < 10; ++a)
    d.actions.push_back({a * 60'000'000LL, "set cert regen TVS", "cucm-pub", a % 3 != 0});
  return d;
}

void BM_Baseline_SnapshotCopy(benchmark::State& state) {
  const auto d = make_sample(static_cast<std::uint64_t>(state.range(0)));
  for (auto _ : state) {
    metrics::snapshot copy = d.snap;
    benchmark::DoNotOptimize(copy);
  }
}
BENCHMARK(BM_Baseline_SnapshotCopy)->Arg(10'000)->Arg(100'000)->Arg(1'000'000);

void BM_PrometheusExporter_Update(benchmark::State& state) {
  auto d = make_sample(static_cast<std::uint64_t>(state.range(0)));
  metrics::prometheus_exporter ex({"bench", 7, "virtual", "0"}, group_labels());
  std::int64_t t = 0;
  for (auto _ : state) {
    t += 10'000'000;
    d.snap.events.boots += 1000;  // counters move on every sample
    d.snap.events.files_served += 2000;
    ex.update({t, 3'600'000'000, static_cast<std::uint64_t>(t), &d.snap, &d.latencies, &d.actions});
  }
}
BENCHMARK(BM_PrometheusExporter_Update)->Arg(10'000)->Arg(100'000)->Arg(1'000'000);

void BM_PrometheusExporter_Scrape(benchmark::State& state) {
  const auto d = make_sample(static_cast<std::uint64_t>(state.range(0)));
  metrics::prometheus_exporter ex({"bench", 7, "virtual", "0"}, group_labels());
  ex.update({0, 3'600'000'000, 0, &d.snap, &d.latencies, &d.actions});
  std::size_t bytes = 0;
  for (auto _ : state) {
    const std::string text = ex.scrape();
    bytes = text.size();
    benchmark::DoNotOptimize(text.data());
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_PrometheusExporter_Scrape)->Arg(10'000)->Arg(100'000)->Arg(1'000'000);

/// CPU time of the calling thread, in seconds.
double thread_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

/// One whole run; with `metrics` the exporter is updated at every sample and
/// scraped every 100 ms from another thread (ten times the shipped scrape
/// rate), as with --metrics. Returns events; adds wall and engine-thread CPU
/// seconds.
std::uint64_t timed_run(const plan::run_plan& plan, bool metrics, double& wall_s, double& cpu_s) {
  auto ex = std::make_shared<metrics::prometheus_exporter>(
      metrics::prometheus_run{"bench", 7, "virtual", "0"},
      std::vector<metrics::prometheus_group>{{"desk", "CP-8861", "12.8(1)", "cucm-pub"}});
  engine::run_options options;
  std::atomic<bool> done{false};
  std::thread scraper;
  if (metrics) {
    options.on_progress = [&](const engine::progress& p) { ex->update(p); };
    scraper = std::thread([&] {
      while (!done) {
        benchmark::DoNotOptimize(ex->scrape());
        std::this_thread::sleep_for(100ms);
      }
    });
  }
  const auto t0 = std::chrono::steady_clock::now();
  const double c0 = thread_cpu_s();
  auto r = engine::run_virtual(plan, options);
  cpu_s += thread_cpu_s() - c0;
  wall_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  done = true;
  if (scraper.joinable()) scraper.join();
  return r->info.events_processed;
}

/// The same run with metrics off and on, alternating within each iteration
/// so that load from other processes falls on both alike. Counters: events/s
/// of each (wall clock), and the cost of metrics in percent, by wall clock
/// and by the engine thread's CPU time.
void BM_VirtualRun_MetricsOnOff(benchmark::State& state) {
  const auto plan = double_regen_plan(static_cast<std::uint64_t>(state.range(0)), 10s);
  double wall_off = 0, wall_on = 0, cpu_off = 0, cpu_on = 0;
  std::uint64_t events = 0;
  for (auto _ : state) {
    events = timed_run(plan, false, wall_off, cpu_off);
    if (timed_run(plan, true, wall_on, cpu_on) != events)
      state.SkipWithError("metrics changed the run");
  }
  const auto runs = static_cast<double>(state.iterations());
  state.counters["events"] = static_cast<double>(events);
  state.counters["off_events_per_s"] = static_cast<double>(events) * runs / wall_off;
  state.counters["on_events_per_s"] = static_cast<double>(events) * runs / wall_on;
  state.counters["cost_wall_pct"] = (wall_on / wall_off - 1) * 100;
  state.counters["cost_cpu_pct"] = (cpu_on / cpu_off - 1) * 100;
}
BENCHMARK(BM_VirtualRun_MetricsOnOff)
    ->Arg(10'000)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace itlfleet::bench
