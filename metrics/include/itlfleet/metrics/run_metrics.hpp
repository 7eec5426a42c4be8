#pragma once
/// A run's Prometheus figures as `itlfleet run --metrics/--linger/--pushgateway`
/// offers them: the exporter, served on /metrics while the run goes, its
/// final figures marked complete and pushed to a Pushgateway, and served a
/// while longer. The CLI fills run_metrics_options and calls these.
///
///   auto m = run_metrics::start(options, run, groups, notice);
///   engine options.on_progress = [&](const run_progress& p) { m->update(p); };
///   ... run ...
///   m->finish(result.info, result.final_state);
///   m->linger(stop_requested);

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "itlfleet/metrics/fleet_counters.hpp"
#include "itlfleet/metrics/prometheus_endpoint.hpp"
#include "itlfleet/metrics/prometheus_exporter.hpp"
#include "itlfleet/metrics/report.hpp"
#include "itlfleet/metrics/run_progress.hpp"
#include "itlfleet/sim/result.hpp"

namespace itlfleet::metrics {

struct run_metrics_options {
  std::string listen;  ///< --metrics HOST:PORT (port 0 picks one); empty: not served
  /// --linger: how long finish()'s figures stay served; set, it needs `listen`.
  std::optional<std::chrono::microseconds> linger;
  std::string pushgateway;  ///< --pushgateway URL; empty: not pushed
  /// --shard K/N: K, a label of the push's grouping key, so that the shards
  /// of one run push side by side, not over one another.
  std::optional<std::uint32_t> shard{};
};

class run_metrics {
 public:
  /// One line for the user (stderr in the CLI: stdout stays the same for
  /// one seed): where the metrics are served, what was pushed.
  using notice_fn = std::function<void(const std::string&)>;

  /// Checks the options and starts serving. Errors name the option:
  /// "--linger needs --metrics", "--pushgateway: ...", "--metrics: ...".
  /// With neither `listen` nor `pushgateway`, every call does nothing.
  static result<std::unique_ptr<run_metrics>> start(const run_metrics_options& options,
                                                    prometheus_run run,
                                                    std::vector<prometheus_group> groups,
                                                    notice_fn notice);

  /// One time-series sample (the engine's thread).
  void update(const run_progress& p);

  /// The run's final figures: marks the run complete and pushes them.
  status finish(const run_info& info, const snapshot& final_state);

  /// Keeps serving the final figures for --linger, or until
  /// `stop_requested` says so (checked every 100 ms).
  void linger(const std::function<bool()>& stop_requested) const;

  /// The port /metrics is served on; 0 when not served.
  std::uint16_t port() const;

 private:
  run_metrics() = default;

  std::shared_ptr<prometheus_exporter> exporter_;
  std::unique_ptr<prometheus_server> server_;
  std::optional<pushgateway_address> push_to_;
  std::vector<std::pair<std::string, std::string>> grouping_;  ///< the push's, after job
  std::chrono::microseconds linger_{0};
  notice_fn notice_;
};

}  // namespace itlfleet::metrics
