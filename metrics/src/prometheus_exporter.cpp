#include "itlfleet/metrics/prometheus_exporter.hpp"

#include <prometheus/text_serializer.h>

#include <algorithm>
#include <iterator>
#include <limits>

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

/// Help text of a latency histogram, by its name in metrics::latency.
std::string latency_help(const latency& l) {
  const std::string clock = l.real_time ? "wall-clock seconds" : "scenario seconds";
  if (l.name == "boot") return "Power-on or reboot to the end of the boot sequence, " + clock;
  if (l.name == "time_to_trust") return "Reset or power-on to trusted, " + clock;
  if (l.name == "download") return "One ITL or config fetch, " + clock;
  if (l.name == "tvs_query") return "One TVS exchange, " + clock;
  return "Latency '" + l.name + "', " + clock;
}

}  // namespace

void prometheus_exporter::total_counter::advance(std::uint64_t total) {
  if (total > last) counter->Increment(static_cast<double>(total - last));
  last = std::max(last, total);
}

// prometheus-cpp 1.0 writes counter names as given: they carry their
// `_total` suffix here.
prometheus_exporter::prometheus_exporter(prometheus_run run, std::vector<prometheus_group> groups)
    : registry_(std::make_shared<prometheus::Registry>()) {
  phones_ = &BuildGauge()
                 .Name("itlfleet_phones")
                 .Help("Phones by trust state, per fleet group; the states sum to the fleet")
                 .Register(*registry_);
  stale_ = &BuildGauge()
                .Name("itlfleet_phones_stale")
                .Help("Phones whose installed ITL differs from their TFTP node's current one")
                .Register(*registry_);
  unrecoverable_ = &BuildGauge()
                        .Name("itlfleet_phones_unrecoverable")
                        .Help("Locked phones whose ITL has no ITLRecovery record")
                        .Register(*registry_);
  recovered_ = &BuildGauge()
                    .Name("itlfleet_phones_recovered")
                    .Help("Phones trusted again after having been locked")
                    .Register(*registry_);
  ever_locked_ = &BuildGauge()
                      .Name("itlfleet_phones_ever_locked")
                      .Help("Phones locked at some point of the run")
                      .Register(*registry_);
  groups_ = std::move(groups);

  auto& boots = BuildCounter()
                    .Name("itlfleet_boots_total")
                    .Help("Boot sequences started")
                    .Register(*registry_);
  boots_.counter = &boots.Add({});
  auto& tftp = BuildCounter()
                   .Name("itlfleet_tftp_requests_total")
                   .Help(
                       "TFTP and HTTP 6970 file requests by result (refused: past the "
                       "Maximum Serving Count; timed_out: service down)")
                   .Register(*registry_);
  served_.counter = &tftp.Add({{"result", "served"}});
  refused_.counter = &tftp.Add({{"result", "refused"}});
  timed_out_.counter = &tftp.Add({{"result", "timed_out"}});
  bytes_.counter = &BuildCounter()
                        .Name("itlfleet_tftp_served_bytes_total")
                        .Help("Bytes of the files served over TFTP and HTTP 6970")
                        .Register(*registry_)
                        .Add({});
  tvs_.counter = &BuildCounter()
                      .Name("itlfleet_tvs_queries_total")
                      .Help("TVS queries sent by phones")
                      .Register(*registry_)
                      .Add({});
  tvs_failed_.counter = &BuildCounter()
                             .Name("itlfleet_tvs_queries_failed_total")
                             .Help(
                                 "TVS queries that failed: unreachable, untrusted server or "
                                 "\"invalid\" answer")
                             .Register(*registry_)
                             .Add({});
  auto& commands = BuildCounter()
                       .Name("itlfleet_operator_commands_total")
                       .Help(
                           "Administrator commands and fleet actions by result (refused: hold "
                           "timer, not the publisher, ...)")
                       .Register(*registry_);
  commands_ok_.counter = &commands.Add({{"result", "ok"}});
  commands_refused_.counter = &commands.Add({{"result", "refused"}});
  actions_family_ = &BuildCounter()
                         .Name("itlfleet_operator_actions_total")
                         .Help(
                             "Each distinct action of the timeline as written, by node and "
                             "result: dashboard annotations")
                         .Register(*registry_);
  alerts_.counter = &BuildCounter()
                         .Name("itlfleet_backup_alerts_total")
                         .Help("Daily RTMT alerts that ITLRecovery is not backed up")
                         .Register(*registry_)
                         .Add({});
  auto& installs = BuildCounter()
                       .Name("itlfleet_itl_installs_total")
                       .Help(
                           "ITLs phones installed, by the signer's role: a node's CallManager "
                           "key, or the ITLRecovery key after utils itl reset")
                       .Register(*registry_);
  installs_callmanager_.counter = &installs.Add({{"signer", "callmanager"}});
  installs_recovery_.counter = &installs.Add({{"signer", "itlrecovery"}});
  configs_rejected_.counter = &BuildCounter()
                                   .Name("itlfleet_configs_rejected_total")
                                   .Help("Signed configs phones rejected (authenticated fail)")
                                   .Register(*registry_)
                                   .Add({});
  auto& ctl = BuildCounter()
                  .Name("itlfleet_ctl_updates_total")
                  .Help(
                      "Mixed mode: CTLs phones installed (on faith or signed by a SAST of their "
                      "CTL) and new CTLs they refused (CTL update failed)")
                  .Register(*registry_);
  ctl_installed_.counter = &ctl.Add({{"result", "installed"}});
  ctl_refused_.counter = &ctl.Add({{"result", "refused"}});
  auto& fallbacks = BuildCounter()
                        .Name("itlfleet_trust_list_fallbacks_total")
                        .Help(
                            "Boots whose TFTP server had no ITLSEP<MAC>.tlv (CTLSEP<MAC>.tlv), "
                            "so that the phone asked for ITLFile.tlv (CTLFile.tlv)")
                        .Register(*registry_);
  itl_fallbacks_.counter = &fallbacks.Add({{"file", "itl"}});
  ctl_fallbacks_.counter = &fallbacks.Add({{"file", "ctl"}});
  auto& files = BuildCounter()
                    .Name("itlfleet_file_requests_total")
                    .Help("TFTP and HTTP 6970 requests by file kind (itl, config) and result")
                    .Register(*registry_);
  const char* kinds[] = {"itl", "config"};
  const char* results[] = {"served", "refused", "timed_out"};
  for (std::size_t k = 0; k < 2; ++k)
    for (std::size_t r = 0; r < 3; ++r)
      file_requests_[k][r].counter = &files.Add({{"kind", kinds[k]}, {"result", results[r]}});
  server_serving_count_ = &BuildGauge()
                               .Name("itlfleet_server_serving_count")
                               .Help("Live runs: a node's configured Maximum Serving Count")
                               .Register(*registry_);
  server_active_ = &BuildGauge()
                        .Name("itlfleet_server_transfers_active")
                        .Help("Live runs: TFTP and HTTP transfers a node's servers serve now")
                        .Register(*registry_);
  server_tvs_sessions_ = &BuildGauge()
                              .Name("itlfleet_server_tvs_sessions_active")
                              .Help("Live runs: TLS sessions open on a node's TVS server")
                              .Register(*registry_);
  server_retransmissions_ = &BuildCounter()
                                 .Name("itlfleet_server_tftp_retransmissions_total")
                                 .Help("Live runs: DATA packets a node's TFTP server sent again")
                                 .Register(*registry_);
  server_malformed_ = &BuildCounter()
                           .Name("itlfleet_server_tftp_malformed_total")
                           .Help("Live runs: datagrams a node's TFTP server dropped as malformed")
                           .Register(*registry_);
  server_handshakes_ = &BuildCounter()
                            .Name("itlfleet_server_tls_handshakes_total")
                            .Help("Live runs: TLS handshakes on a node's TVS server by result")
                            .Register(*registry_);
  events_.counter = &BuildCounter()
                         .Name("itlfleet_engine_events_total")
                         .Help("Engine events processed")
                         .Register(*registry_)
                         .Add({});
  time_ = &BuildGauge()
               .Name("itlfleet_scenario_time_seconds")
               .Help("Scenario time of the last sample")
               .Register(*registry_)
               .Add({});
  end_ = &BuildGauge()
              .Name("itlfleet_scenario_end_seconds")
              .Help("Scenario time at which the run stops")
              .Register(*registry_)
              .Add({});
  complete_ = &BuildGauge()
                   .Name("itlfleet_run_complete")
                   .Help("1 once the run has ended and its outputs are written, else 0")
                   .Register(*registry_)
                   .Add({});
  BuildGauge()
      .Name("itlfleet_run_info")
      .Help("The run: scenario, seed, engine (virtual or live) and itlfleet version; always 1")
      .Register(*registry_)
      .Add({{"scenario", run.scenario},
            {"seed", std::to_string(run.seed)},
            {"engine", run.engine},
            {"version", run.version}})
      .Set(1);
}

void prometheus_exporter::update(const prometheus_sample& s) {
  std::lock_guard lock(mutex_);
  time_->Set(seconds(s.sim_time_us));
  end_->Set(seconds(s.end_us));
  events_.advance(s.events);
  if (s.state) {
    update_groups(*s.state);
    update_totals(s.state->events);
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
      s.serving_count = &server_serving_count_->Add(node);
      s.active = &server_active_->Add(node);
      s.tvs_sessions = &server_tvs_sessions_->Add(node);
      s.retransmissions.counter = &server_retransmissions_->Add(node);
      s.malformed.counter = &server_malformed_->Add(node);
      s.handshakes_ok.counter = &server_handshakes_->Add({{"node", f.node}, {"result", "ok"}});
      s.handshakes_failed.counter =
          &server_handshakes_->Add({{"node", f.node}, {"result", "failed"}});
    }
    s.serving_count->Set(static_cast<double>(f.serving_count));
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
    s.stale = &stale_->Add(labels);
    s.unrecoverable = &unrecoverable_->Add(labels);
    s.recovered = &recovered_->Add(labels);
    s.ever_locked = &ever_locked_->Add(labels);
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
    to.stale += from.stale;
    to.unrecoverable += from.unrecoverable;
    to.recovered += from.recovered;
    to.ever_locked += from.ever_locked;
  }
  for (std::size_t i = 0; i < series_.size(); ++i) {
    const counts& c = scratch_[i];
    group_series& out = series_[i];
    for (std::size_t k = 0; k < out.states.size(); ++k)
      out.states[k]->Set(static_cast<double>(c.by_state[k]));
    out.stale->Set(static_cast<double>(c.stale));
    out.unrecoverable->Set(static_cast<double>(c.unrecoverable));
    out.recovered->Set(static_cast<double>(c.recovered));
    out.ever_locked->Set(static_cast<double>(c.ever_locked));
  }
}

void prometheus_exporter::update_totals(const event_totals& e) {
  boots_.advance(e.boots);
  served_.advance(e.files_served);
  refused_.advance(e.tftp_refusals);
  timed_out_.advance(e.tftp_timeouts);
  bytes_.advance(e.bytes_served);
  tvs_.advance(e.tvs_queries);
  tvs_failed_.advance(e.tvs_failures);
  commands_refused_.advance(e.refused_commands);
  alerts_.advance(e.backup_alerts);
  installs_callmanager_.advance(e.itl_installs_callmanager);
  installs_recovery_.advance(e.itl_installs_recovery);
  configs_rejected_.advance(e.configs_rejected);
  ctl_installed_.advance(e.ctl_installs);
  ctl_refused_.advance(e.ctl_update_failures);
  itl_fallbacks_.advance(e.itl_fallbacks);
  ctl_fallbacks_.advance(e.ctl_fallbacks);
  for (std::size_t k = 0; k < file_requests_.size(); ++k)
    for (std::size_t r = 0; r < file_requests_[k].size(); ++r)
      file_requests_[k][r].advance(e.requests[k][r]);
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
    const std::string name = "itlfleet_" + l.name + "_seconds";
    auto it = std::find_if(histograms_.begin(), histograms_.end(),
                           [&](const histogram_state& h) { return h.name == name; });
    if (it == histograms_.end()) {
      histograms_.push_back({name, latency_help(l), {}, 0, 0});
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
    f.name = h.name;
    f.help = h.help;
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
