#include "itlfleet/sweep/runner.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "itlfleet/engine/virtual_engine.hpp"

namespace itlfleet::sweep {

result<std::vector<run_outcome>> run_batch(const point_space& space,
                                           const std::vector<run_task>& tasks,
                                           const runner_options& options) {
  std::vector<std::optional<run_outcome>> slots(tasks.size());
  std::vector<std::optional<error>> errors(tasks.size());
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex callback_mutex;

  auto work = [&] {
    for (;;) {
      if (stop.load()) return;
      const std::size_t i = next.fetch_add(1);
      if (i >= tasks.size()) return;
      const run_task& t = tasks[i];
      auto plan = space.plan(t.point);
      if (!plan) {
        errors[i] = plan.err();
        stop = true;
        return;
      }
      if (t.seed) plan->seed = *t.seed;
      engine::run_options ro;
      ro.key_cache = options.key_cache;
      ro.phone_log = false;  // per-phone lines are for one run's events.log, not a sweep
      auto r = engine::run_virtual(*plan, ro);
      if (!r) {
        errors[i] = error{space.label(t.point) + ": " + r.err().to_string()};
        stop = true;
        return;
      }
      slots[i] = summarise(*r, t.point, plan->seed, space.find_checks());
      if (options.on_run_done) {
        std::lock_guard lock(callback_mutex);
        options.on_run_done();
      }
    }
  };

  const std::size_t threads = std::min<std::size_t>(std::max(1u, options.jobs), tasks.size());
  if (threads <= 1) {
    work();
  } else {
    std::vector<std::jthread> pool;
    pool.reserve(threads);
    for (std::size_t k = 0; k < threads; ++k) pool.emplace_back(work);
  }  // the jthreads join here

  for (auto& e : errors)
    if (e) return *e;
  std::vector<run_outcome> out;
  out.reserve(tasks.size());
  for (auto& s : slots) out.push_back(std::move(*s));
  return out;
}

}  // namespace itlfleet::sweep
