#include "itlfleet/metrics/prometheus_exporter.hpp"

#include <prometheus/text_serializer.h>

#include <algorithm>
#include <cassert>
#include <iterator>
#include <limits>

#include "itlfleet/metrics/catalogue.hpp"
#include "itlfleet/metrics/prometheus_histogram.hpp"

namespace itlfleet::metrics {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::Labels;

constexpr double us_per_s = 1e6;

double seconds(std::int64_t us) {
  return static_cast<double>(us) / us_per_s;
}

/// A family registered under the catalogue's name and help text.
template <class Builder>
auto& family(Builder builder, const catalogue::metric& m, prometheus::Registry& r) {
  return builder.Name(std::string(m.name)).Help(std::string(m.help)).Register(r);
}
prometheus::Family<prometheus::Gauge>& gauges(const catalogue::metric& m, prometheus::Registry& r) {
  assert(m.kind == catalogue::metric_kind::gauge);
  return family(BuildGauge(), m, r);
}
prometheus::Family<prometheus::Counter>& counters(const catalogue::metric& m,
                                                  prometheus::Registry& r) {
  assert(m.kind == catalogue::metric_kind::counter);
  return family(BuildCounter(), m, r);
}

}  // namespace

void prometheus_exporter::total_counter::advance(std::uint64_t total) {
  if (total > last) counter->Increment(static_cast<double>(total - last));
  last = std::max(last, total);
}

// prometheus-cpp 1.0 writes counter names as given: the catalogue's carry
// their `_total` suffix.
prometheus_exporter::prometheus_exporter(prometheus_run run, std::vector<prometheus_group> groups)
    : registry_(std::make_shared<prometheus::Registry>()) {
  namespace c = catalogue;
  prometheus::Registry& r = *registry_;
  // Every family, in the catalogue's order: a scrape lists the counters in
  // the order they were registered, then the gauges. Asked for again below,
  // the registry returns the family registered here (same name and labels).
  for (const catalogue::metric& m : catalogue::all) {
    if (m.kind == catalogue::metric_kind::counter) counters(m, r);
    if (m.kind == catalogue::metric_kind::gauge) gauges(m, r);
  }
  phones_ = &gauges(c::phones, r);
  for (std::size_t k = 0; k < phone_counts.size(); ++k)
    counts_[k] = &gauges(*phone_counts[k].family, r);
  groups_ = std::move(groups);

  // A scrape lists a family's series in an order that follows the order
  // they were added: these first, as they always were.
  auto& tftp = counters(c::tftp_requests, r);
  for (const char* result : {"served", "refused", "timed_out"}) tftp.Add({{"result", result}});
  commands_ok_.counter = &counters(c::operator_commands, r).Add({{"result", "ok"}});
  // One series per event counter that has a family (Add returns the series
  // made above for the same labels).
  for (std::size_t k = 0; k < event_counters.size(); ++k) {
    const event_counter& t = event_counters[k];
    if (!t.family) continue;
    Labels labels;
    if (!t.label.empty()) labels.emplace(std::string(t.family->labels), std::string(t.label));
    totals_[k].counter = &counters(*t.family, r).Add(labels);
  }
  actions_family_ = &counters(c::operator_actions, r);
  auto& files = counters(c::file_requests, r);
  const char* kinds[] = {"itl", "config"};
  const char* results[] = {"served", "refused", "timed_out"};
  for (std::size_t k = 0; k < 2; ++k)
    for (std::size_t i = 0; i < 3; ++i)
      file_requests_[k][i].counter = &files.Add({{"kind", kinds[k]}, {"result", results[i]}});
  server_transfers_limit_ = &gauges(c::server_transfers_limit, r);
  server_active_ = &gauges(c::server_transfers_active, r);
  server_tvs_sessions_ = &gauges(c::server_tvs_sessions_active, r);
  server_retransmissions_ = &counters(c::server_tftp_retransmissions, r);
  server_malformed_ = &counters(c::server_tftp_malformed, r);
  server_handshakes_ = &counters(c::server_tls_handshakes, r);
  auto& limits = counters(c::load_generator_limits, r);
  const char* reasons[] = {"descriptors", "memory", "other", "receive_queue", "send_buffer"};
  for (std::size_t k = 0; k < limits_.size(); ++k)
    limits_[k].counter = &limits.Add({{"reason", reasons[k]}});
  protocol_errors_family_ = &counters(c::protocol_errors, r);
  events_.counter = &counters(c::engine_events, r).Add({});
  time_ = &gauges(c::scenario_time, r).Add({});
  end_ = &gauges(c::scenario_end, r).Add({});
  complete_ = &gauges(c::run_complete, r).Add({});
  gauges(c::run_info, r)
      .Add({{"scenario", run.scenario},
            {"seed", std::to_string(run.seed)},
            {"engine", run.engine},
            {"version", run.version}})
      .Set(1);
}

void prometheus_exporter::update(const run_progress& s) {
  std::lock_guard lock(mutex_);
  time_->Set(seconds(s.sim_time_us));
  end_->Set(seconds(s.end_us));
  events_.advance(s.events);
  if (s.snapshot) {
    update_groups(*s.snapshot);
    update_totals(s.snapshot->events);
  }
  if (s.actions) update_actions(*s.actions);
  if (s.latencies) update_latencies(*s.latencies);
  if (s.servers) update_servers(*s.servers);
}

void prometheus_exporter::update_servers(const std::vector<server_figures>& servers) {
  for (const server_figures& f : servers) {
    auto [it, fresh] = servers_.try_emplace(f.node);
    server_series& s = it->second;
    if (fresh) {
      const Labels node = {{"node", f.node}};
      s.transfers_limit = &server_transfers_limit_->Add(node);
      s.active = &server_active_->Add(node);
      s.tvs_sessions = &server_tvs_sessions_->Add(node);
      s.retransmissions.counter = &server_retransmissions_->Add(node);
      s.malformed.counter = &server_malformed_->Add(node);
      s.handshakes_ok.counter = &server_handshakes_->Add({{"node", f.node}, {"result", "ok"}});
      s.handshakes_failed.counter =
          &server_handshakes_->Add({{"node", f.node}, {"result", "failed"}});
    }
    s.transfers_limit->Set(static_cast<double>(f.serving_count));
    s.active->Set(static_cast<double>(f.tftp_active));
    s.tvs_sessions->Set(static_cast<double>(f.tvs_sessions_active));
    s.retransmissions.advance(f.tftp_retransmissions);
    s.malformed.advance(f.tftp_malformed);
    s.handshakes_ok.advance(f.tls_handshakes_ok);
    s.handshakes_failed.advance(f.tls_handshakes_failed);
  }
}

void prometheus_exporter::add_group_series() {
  // Groups with identical labels share their series (their counts add up).
  std::map<std::tuple<std::string, std::string, std::string, std::string>, std::size_t> seen;
  for (const auto& g : groups_) {
    const auto key = std::make_tuple(g.name, g.model, g.firmware, g.tftp_node);
    auto [it, fresh] = seen.emplace(key, series_.size());
    series_of_.push_back(it->second);
    if (!fresh) continue;
    const Labels labels = {{"group", g.name},
                           {"model", g.model},
                           {"firmware", g.firmware},
                           {"tftp_node", g.tftp_node}};
    group_series s;
    for (std::size_t k = 0; k < s.states.size(); ++k) {
      Labels with_state = labels;
      with_state.emplace("state", std::string(sim::phone_state_names[k]));
      s.states[k] = &phones_->Add(with_state);
    }
    for (std::size_t k = 0; k < s.counts.size(); ++k) s.counts[k] = &counts_[k]->Add(labels);
    series_.push_back(s);
  }
  scratch_.resize(series_.size());
}

void prometheus_exporter::update_groups(const snapshot& s) {
  if (series_of_.empty()) add_group_series();
  for (auto& c : scratch_) c = counts{};
  const std::size_t n = std::min(s.groups.size(), series_of_.size());
  for (std::size_t g = 0; g < n; ++g) {
    counts& to = scratch_[series_of_[g]];
    const counts& from = s.groups[g];
    for (std::size_t k = 0; k < to.by_state.size(); ++k) to.by_state[k] += from.by_state[k];
    for (const phone_count& p : phone_counts) to.*p.member += from.*p.member;
  }
  for (std::size_t i = 0; i < series_.size(); ++i) {
    const counts& c = scratch_[i];
    group_series& out = series_[i];
    for (std::size_t k = 0; k < out.states.size(); ++k)
      out.states[k]->Set(static_cast<double>(c.by_state[k]));
    for (std::size_t k = 0; k < out.counts.size(); ++k)
      out.counts[k]->Set(static_cast<double>(c.*phone_counts[k].member));
  }
}

void prometheus_exporter::update_totals(const event_totals& e) {
  for (std::size_t k = 0; k < totals_.size(); ++k)
    if (totals_[k].counter) totals_[k].advance(e.*event_counters[k].member);
  for (std::size_t k = 0; k < file_requests_.size(); ++k)
    for (std::size_t r = 0; r < file_requests_[k].size(); ++r)
      file_requests_[k][r].advance(e.requests[k][r]);
  const auto& g = e.load_generator;
  const std::uint64_t limits[] = {g.descriptors_exhausted, g.memory_exhausted, g.other_local_errors,
                                  g.receive_drops, g.send_drops};
  for (std::size_t k = 0; k < limits_.size(); ++k) limits_[k].advance(limits[k]);
  for (const auto& [where, n] : e.protocol_errors) {
    auto [it, fresh] = protocol_errors_.try_emplace(where);
    if (fresh)
      it->second.counter =
          &protocol_errors_family_->Add({{"server", where.first}, {"kind", where.second}});
    it->second.advance(n);
  }
}

void prometheus_exporter::update_actions(const std::vector<operator_action>& actions) {
  for (std::size_t i = actions_seen_; i < actions.size(); ++i) {
    const auto& a = actions[i];
    auto key = std::make_tuple(a.text, a.node, a.ok);
    auto it = action_counters_.find(key);
    if (it == action_counters_.end()) {
      auto& c = actions_family_->Add(
          {{"command", a.text}, {"node", a.node}, {"result", a.ok ? "ok" : "refused"}});
      it = action_counters_.emplace(std::move(key), &c).first;
    }
    it->second->Increment();
    if (a.ok) ++commands_ok_seen_;
  }
  actions_seen_ = std::max(actions_seen_, actions.size());
  commands_ok_.advance(commands_ok_seen_);
}

void prometheus_exporter::update_latencies(const std::vector<latency>& latencies) {
  for (const auto& l : latencies) {
    // A latency without a histogram in the catalogue is not exported.
    const catalogue::metric* m = catalogue::histogram_for(l.name);
    if (!m) continue;
    auto it = std::find_if(histograms_.begin(), histograms_.end(),
                           [&](const histogram_state& h) { return h.metric == m; });
    if (it == histograms_.end()) {
      histograms_.push_back({m, {}, 0, 0});
      it = std::prev(histograms_.end());
    }
    it->cumulative = cumulative_at(l.histogram, prometheus_latency_bounds);
    it->count = l.histogram.count();
    it->sum_s = seconds(l.histogram.sum());
  }
}

void prometheus_exporter::mark_complete() {
  std::lock_guard lock(mutex_);
  complete_->Set(1);
}

std::vector<prometheus::MetricFamily> prometheus_exporter::Collect() const {
  std::lock_guard lock(mutex_);
  auto families = registry_->Collect();
  for (const auto& h : histograms_) {
    prometheus::MetricFamily f;
    f.name = std::string(h.metric->name);
    f.help = std::string(h.metric->help);
    f.type = prometheus::MetricType::Histogram;
    prometheus::ClientMetric m;
    m.histogram.sample_count = h.count;
    m.histogram.sample_sum = h.sum_s;
    for (std::size_t i = 0; i < h.cumulative.size(); ++i)
      m.histogram.bucket.push_back({h.cumulative[i], prometheus_latency_bounds[i]});
    m.histogram.bucket.push_back({h.count, std::numeric_limits<double>::infinity()});
    f.metric.push_back(std::move(m));
    families.push_back(std::move(f));
  }
  return families;
}

std::string prometheus_exporter::scrape() const {
  return prometheus::TextSerializer().Serialize(Collect());
}

}  // namespace itlfleet::metrics
