// The virtual-time engine on whole fleets, next to a bare event loop that
// pushes and pops events of the same size with no work attached.

#include <benchmark/benchmark.h>

#include "bench_fixture.hpp"
#include "itlfleet/engine/event_queue.hpp"
#include "itlfleet/engine/rng.hpp"
#include "itlfleet/engine/virtual_engine.hpp"

namespace itlfleet::bench {
namespace {

using namespace std::chrono_literals;

// Each of `phones` entities keeps one event pending and reschedules itself a
// little later when it fires: the queue shape of a fleet run, with no phones.
void BM_Baseline_EventLoop(benchmark::State& state) {
  const auto phones = static_cast<std::uint32_t>(state.range(0));
  const std::uint64_t per_phone = 8;
  for (auto _ : state) {
    engine::event_queue q;
    for (std::uint32_t i = 0; i < phones; ++i)
      q.push(static_cast<std::int64_t>(engine::hash_draw(1, i, engine::draw::boot_spread, 0) %
                                       60'000'000),
             engine::event::phone_boot(i, 0));
    std::uint64_t processed = 0;
    while (!q.empty()) {
      const engine::event e = q.top();
      q.pop();
      ++processed;
      if (e.epoch() + 1 < per_phone)
        q.push(e.time_us + 1000 + static_cast<std::int64_t>(e.phone() % 977),
               engine::event::phone_boot(e.phone(), e.epoch() + 1));
    }
    benchmark::DoNotOptimize(processed);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * phones * per_phone));
}
BENCHMARK(BM_Baseline_EventLoop)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMillisecond);

void BM_Engine_DoubleRegenBulkReset(benchmark::State& state) {
  const auto plan = double_regen_plan(static_cast<std::uint64_t>(state.range(0)), 30s);
  std::uint64_t events = 0, boots = 0;
  for (auto _ : state) {
    auto r = engine::run_virtual(plan);
    events = r->info.events_processed;
    boots = r->final_state.events.boots;
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * events));
  state.counters["boots_per_s"] = benchmark::Counter(
      static_cast<double>(boots * state.iterations()), benchmark::Counter::kIsRate);
  state.counters["events"] = static_cast<double>(events);
}
BENCHMARK(BM_Engine_DoubleRegenBulkReset)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace itlfleet::bench
