#pragma once
/// A run's figures as Prometheus metrics (prometheus-cpp), updated from each
/// time-series sample: an update costs O(groups + histogram buckets + new
/// operator actions), never O(phones), and so does a scrape. Series per
/// fleet group carry `group`, `model`, `firmware` and `tftp_node` (the
/// group's primary TFTP node); no series is per phone, so cardinality is
/// bounded by the scenario, not the fleet size. The phone series appear
/// with the first sample (before it, nothing says the fleet is empty).
///
/// The metrics, their kinds, labels and help texts are catalogue.hpp's.
///
/// Thread-safety: update() and mark_complete() may run on the engine's thread
/// while an Exposer's threads call Collect(); one mutex makes every update
/// atomic to a scrape (the states of one scrape always sum to the fleet).
///
///   auto ex = std::make_shared<prometheus_exporter>(run, groups);
///   ex->update(progress);  // each sample's run_progress
///   exposer.RegisterCollectable(ex);

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include "itlfleet/metrics/catalogue.hpp"
#include "itlfleet/metrics/counter_table.hpp"
#include "itlfleet/metrics/fleet_counters.hpp"
#include "itlfleet/metrics/report.hpp"
#include "itlfleet/metrics/run_progress.hpp"

namespace itlfleet::metrics {

/// The labels of one fleet group, in the run's group order.
struct prometheus_group {
  std::string name;
  std::string model;
  std::string firmware;
  std::string tftp_node;  ///< primary TFTP node host; empty when the group lists none
};

/// The labels of itlfleet_run_info.
struct prometheus_run {
  std::string scenario;
  std::uint64_t seed = 0;
  std::string engine = "virtual";
  std::string version;
};

class prometheus_exporter final : public prometheus::Collectable {
 public:
  prometheus_exporter(prometheus_run run, std::vector<prometheus_group> groups);

  /// Takes one sample's figures. Counters move by the increase since the
  /// previous update (totals never go down; a lower total is ignored);
  /// `actions` is read from where the previous update stopped.
  void update(const run_progress& s);
  /// Sets itlfleet_run_complete to 1: the figures are final.
  void mark_complete();

  /// Every family, under the update mutex (prometheus::Collectable).
  std::vector<prometheus::MetricFamily> Collect() const override;
  /// Collect() in the text exposition format, as GET /metrics serves it.
  std::string scrape() const;

 private:
  struct group_series {
    std::array<prometheus::Gauge*, sim::phone_state_count> states{};
    std::array<prometheus::Gauge*, phone_counts.size()> counts{};  ///< as phone_counts
  };
  /// A counter fed from a running total.
  struct total_counter {
    prometheus::Counter* counter = nullptr;
    std::uint64_t last = 0;
    void advance(std::uint64_t total);
  };
  struct histogram_state {
    const catalogue::metric* metric = nullptr;  ///< e.g. catalogue::boot_seconds
    std::vector<std::uint64_t> cumulative;      ///< at prometheus_latency_bounds
    std::uint64_t count = 0;
    double sum_s = 0;
  };

  /// The per-group series, at the first sample: before it a scrape shows
  /// no phones rather than a fleet of zeros.
  void add_group_series();
  void update_groups(const snapshot& s);
  void update_totals(const event_totals& e);
  void update_actions(const std::vector<operator_action>& actions);
  void update_latencies(const std::vector<latency>& latencies);
  void update_servers(const std::vector<server_figures>& servers);

  /// A live node's server series, made at its first report.
  struct server_series {
    prometheus::Gauge* transfers_limit = nullptr;
    prometheus::Gauge* active = nullptr;
    prometheus::Gauge* tvs_sessions = nullptr;
    total_counter retransmissions, malformed, handshakes_ok, handshakes_failed;
  };

  mutable std::mutex mutex_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::vector<prometheus_group> groups_;
  prometheus::Family<prometheus::Gauge>* phones_ = nullptr;
  std::array<prometheus::Family<prometheus::Gauge>*, phone_counts.size()> counts_{};
  std::vector<group_series> series_;    ///< one per distinct label set
  std::vector<std::size_t> series_of_;  ///< group index -> series_ index
  std::vector<counts> scratch_;         ///< per series_, summed over its groups
  std::array<total_counter, event_counters.size()> totals_;  ///< as event_counters
  total_counter commands_ok_, events_;
  std::array<std::array<total_counter, 3>, 2> file_requests_;  ///< [kind][result]
  prometheus::Family<prometheus::Gauge>* server_transfers_limit_ = nullptr;
  prometheus::Family<prometheus::Gauge>* server_active_ = nullptr;
  prometheus::Family<prometheus::Gauge>* server_tvs_sessions_ = nullptr;
  prometheus::Family<prometheus::Counter>* server_retransmissions_ = nullptr;
  prometheus::Family<prometheus::Counter>* server_malformed_ = nullptr;
  prometheus::Family<prometheus::Counter>* server_handshakes_ = nullptr;
  std::map<std::string, server_series> servers_;  ///< by node
  std::array<total_counter, 5> limits_;  ///< descriptors, memory, other, receive_queue, send_buffer
  prometheus::Family<prometheus::Counter>* protocol_errors_family_ = nullptr;
  std::map<std::pair<std::string, std::string>, total_counter> protocol_errors_;
  prometheus::Family<prometheus::Counter>* actions_family_ = nullptr;
  std::map<std::tuple<std::string, std::string, bool>, prometheus::Counter*> action_counters_;
  std::size_t actions_seen_ = 0;
  std::uint64_t commands_ok_seen_ = 0;
  prometheus::Gauge* time_ = nullptr;
  prometheus::Gauge* end_ = nullptr;
  prometheus::Gauge* complete_ = nullptr;
  std::vector<histogram_state> histograms_;
};

}  // namespace itlfleet::metrics
