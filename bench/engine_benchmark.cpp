// The virtual-time engine on whole fleets, next to a bare event loop that
// pushes and pops events of the same size with no work attached.

#include <benchmark/benchmark.h>

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
             engine::event_kind::phone_boot, i);
    std::uint64_t processed = 0;
    while (!q.empty()) {
      const engine::event e = q.top();
      q.pop();
      ++processed;
      if (e.epoch + 1 < per_phone)
        q.push(e.time_us + 1000 + static_cast<std::int64_t>(e.target % 977), e.kind, e.target,
               e.epoch + 1);
    }
    benchmark::DoNotOptimize(processed);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * phones * per_phone));
}
BENCHMARK(BM_Baseline_EventLoop)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMillisecond);

/// Double regeneration without the hold timer on a single node, then the
/// bulk reset: the scenario the 1M target is set on.
engine::run_plan double_regen_plan(std::uint64_t phones) {
  engine::run_plan p;
  p.name = "bench-double-regen";
  p.source = "bench";
  p.seed = 7;
  p.cluster.hold_timer = false;
  p.cluster.nodes = {{"cucm-pub", true, true, true, true}};
  p.cluster.tftp.max_serving_count = 3500;
  engine::fleet_group g;
  g.name = "desk";
  g.count = phones;
  g.tftp = {"cucm-pub"};
  p.fleet = {g};
  p.boot.spread = 120s;
  p.end = 50min;
  p.sample_every = 30s;
  using engine::action_kind;
  auto act = [](std::chrono::microseconds at, action_kind k, std::vector<std::string> args) {
    engine::action a;
    a.at = at;
    a.kind = k;
    a.args = std::move(args);
    a.text = "bench";
    return a;
  };
  p.timeline = {act(0s, action_kind::boot_all, {}),
                act(10min, action_kind::cert_regen, {"CallManager"}),
                act(10min + 10s, action_kind::cert_regen, {"TVS"}),
                act(30min, action_kind::itl_reset_localkey, {}),
                act(31min, action_kind::reset_all_devices, {})};
  return p;
}

void BM_Engine_DoubleRegenBulkReset(benchmark::State& state) {
  const auto plan = double_regen_plan(static_cast<std::uint64_t>(state.range(0)));
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
