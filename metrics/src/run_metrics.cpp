#include "itlfleet/metrics/run_metrics.hpp"

#include <thread>
#include <utility>

namespace itlfleet::metrics {

result<std::unique_ptr<run_metrics>> run_metrics::start(const run_metrics_options& options,
                                                        prometheus_run run,
                                                        std::vector<prometheus_group> groups,
                                                        notice_fn notice) {
  std::unique_ptr<run_metrics> m(new run_metrics);
  m->notice_ = std::move(notice);
  if (options.linger) {
    if (options.listen.empty()) return failure("--linger needs --metrics");
    m->linger_ = *options.linger;
  }
  if (!options.pushgateway.empty()) {
    auto to = parse_pushgateway_url(options.pushgateway);
    if (!to) return failure("--pushgateway: " + to.err().message);
    m->push_to_ = *to;
  }
  if (options.listen.empty() && !m->push_to_) return m;
  m->grouping_ = {{"scenario", run.scenario}};
  if (options.shard) m->grouping_.emplace_back("shard", std::to_string(*options.shard));
  m->exporter_ = std::make_shared<prometheus_exporter>(std::move(run), std::move(groups));
  if (!options.listen.empty()) {
    auto server = prometheus_server::listen(options.listen, m->exporter_);
    if (!server) return failure("--metrics: " + server.err().message);
    m->server_ = std::move(*server);
    if (m->notice_)
      m->notice_("serving Prometheus metrics on http://" + options.listen + "/metrics (port " +
                 std::to_string(m->server_->port()) + ")");
  }
  return m;
}

void run_metrics::update(const run_progress& p) {
  if (exporter_) exporter_->update(p);
}

status run_metrics::finish(const run_info& info, const snapshot& final_state) {
  if (!exporter_) return ok();
  exporter_->update({final_state.time_us, info.end_us, info.events_processed, &final_state,
                     &info.latencies, &info.actions});
  exporter_->mark_complete();
  if (push_to_) {
    auto pushed = push_metrics(*push_to_, "itlfleet", grouping_, exporter_);
    if (!pushed) return failure("--pushgateway: " + pushed.err().message);
    std::string group;
    for (const auto& [name, value] : grouping_) group += ", " + name + " " + value;
    if (notice_)
      notice_("pushed the final figures to " + push_to_->host + ":" + push_to_->port +
              " (job itlfleet" + group + ")");
  }
  return ok();
}

void run_metrics::linger(const std::function<bool()>& stop_requested) const {
  const auto stopped = [&] { return stop_requested && stop_requested(); };
  if (!server_ || linger_.count() <= 0 || stopped()) return;
  if (notice_) notice_("serving the final metrics for " + format_sim_time(linger_) + " more");
  const auto until = std::chrono::steady_clock::now() + linger_;
  while (!stopped() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

std::uint16_t run_metrics::port() const {
  return server_ ? server_->port() : 0;
}

}  // namespace itlfleet::metrics
