#include "itlfleet/engine/virtual_engine.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>

#include "fleet_run.hpp"
#include "itlfleet/engine/event_queue.hpp"
#include "itlfleet/engine/plan.hpp"
#include "itlfleet/engine/plan_schedule.hpp"
#include "itlfleet/engine/rng.hpp"
#include "itlfleet/engine/stations.hpp"

namespace itlfleet::engine {
namespace {

using sim::file_id;
using sim::phone_action;
using sim::phone_action_kind;
using sim::phone_event_kind;

constexpr std::int64_t day_us = 24LL * 3600 * 1'000'000;

class virtual_run final : public fleet_run {
 public:
  using fleet_run::fleet_run;

  status setup();
  run_result run();

 private:
  void perform(std::uint32_t i, const phone_action& a) override;
  void schedule_boot(std::uint32_t i, std::int64_t delay_us) override {
    queue_.push(now_ + delay_us, event::phone_boot(i, phones_[i].epoch));
  }
  void schedule_reset(std::uint32_t i, std::int64_t delay_us) override {
    queue_.push(now_ + delay_us, event::phone_reset(i));
  }
  void schedule_manual(std::uint32_t i, manual_action m, std::int64_t delay_us) override {
    queue_.push(now_ + delay_us, event::phone_manual(i, m));
  }
  void outage(std::size_t node, service s, std::int64_t length_us) override;
  void cluster_changed() override;
  metrics::node_load load_of(std::size_t node) const override {
    // TFTP and HTTP transfers summed, as the live engine's servers count them.
    const int http = http_[node] ? http_[node]->peak_active() : 0;
    return {cluster_.node(node).host, static_cast<std::uint64_t>(tftp_[node].peak_active() + http),
            tvs_[node].peak_wait()};
  }
  /// Whether phone i's downloads from `node` meet the node's HTTP station
  /// (the node has an HTTP model and the group fetches over HTTP), not the
  /// TFTP one.
  bool over_http(std::uint32_t i, std::size_t node) const {
    return http_[node] && group_of(i).fetch == fetch_protocol::http;
  }

  using wanted = metrics::event_totals::requested;
  /// `common`: the cluster-wide name (ITLFile.tlv, CTLFile.tlv), not the device's.
  void request_file(std::uint32_t i, std::uint8_t server, wanted what, bool common = false);
  void tftp_failed(std::uint32_t i, std::int64_t after_us, tftp_failure why);
  void query_tvs(std::uint32_t i, std::uint8_t server);
  sim::tvs_result tvs_answer(std::uint32_t i, std::uint8_t node);
  /// --pace: waits for the wall clock to reach `due`; the stop reason if
  /// asked to stop meanwhile, else null.
  const char* sleep_until_or_stop(std::chrono::steady_clock::time_point due) const;

  event_queue queue_;
  /// Per node: its servers' models (its own or the cluster's) with this
  /// shard's share of their capacity. The stations refer to them, so they
  /// are sized once, before the stations.
  std::vector<tftp_model> tftp_share_;
  std::vector<tvs_model> tvs_share_;
  std::vector<http_model> http_share_;
  std::vector<tftp_station> tftp_;
  /// Per node: its HTTP station, when it has an HTTP model.
  std::vector<std::optional<http_station>> http_;
  std::vector<tvs_station> tvs_;
  std::vector<bytes> tvs_sha1_;  ///< per node: the certificate its TVS presents now
  /// TVS's verdict on a file's signer (certificate and its oracle key), valid
  /// until the next operator action.
  struct vouched {
    sim::certificate cert;
    std::uint32_t key;
  };
  std::unordered_map<file_id, std::optional<vouched>> tvs_memo_;
};

status virtual_run::setup() {
  const std::size_t nodes = cluster_.node_count();
  tftp_.reserve(nodes);
  tvs_.reserve(nodes);
  // A shard's phones meet 1/N of every server: Maximum Serving Count and
  // TVS slots divided by N, rounded up, at least 1, and a TFTP block costs
  // N times the CPU (with n of the shard's transfers active a block costs
  // n x N x block_cost, as with the whole fleet's N x n). Exact for
  // capacity no shard's phones reach; an approximation where phones queue
  // (README.md, "Shards and merge").
  const int shards = static_cast<int>(options_.shard_count);
  auto share = [shards](int capacity) { return std::max(1, (capacity + shards - 1) / shards); };
  // Every node's models, its own or the cluster's (node_tftp_model ...),
  // looked up here once: the stations hold them by node index.
  tftp_share_.reserve(nodes);
  tvs_share_.reserve(nodes);
  http_share_.reserve(nodes);
  http_.reserve(nodes);
  for (std::size_t n = 0; n < nodes; ++n) {
    tftp_model& t = tftp_share_.emplace_back(node_tftp_model(plan_.cluster, n));
    t.max_serving_count = share(t.max_serving_count);
    // At most limits::max_exchange, which keeps every transfer within
    // limits::transfer_bound.
    t.block_cost = std::min<sim_duration>(t.block_cost * shards, limits::max_exchange);
    // Past the knee a block costs N x (block_cost + knee_slowdown x (N n -
    // knee)) = N x block_cost + N^2 knee_slowdown x (n - knee / N): the knee
    // divided by N, the slowdown times N^2 (capped like the block cost).
    t.knee = (t.knee + shards - 1) / shards;
    t.knee_slowdown = sim_duration(static_cast<std::int64_t>(
        std::min(static_cast<double>(t.knee_slowdown.count()) * shards * shards,
                 static_cast<double>(limits::max_exchange.count()))));
    tvs_model& v = tvs_share_.emplace_back(node_tvs_model(plan_.cluster, n));
    v.concurrency = share(v.concurrency);
    http_model& h =
        http_share_.emplace_back(node_http_model(plan_.cluster, n).value_or(http_model{}));
    h.workers = share(h.workers);
    h.max_serving_count = share(h.max_serving_count);
  }
  for (std::size_t n = 0; n < nodes; ++n) {
    tftp_.emplace_back(tftp_share_[n]);
    // A TVS answer reaches the phone one of the node's TFTP round trips later.
    tvs_.emplace_back(tvs_share_[n], tftp_share_[n].rtt.count());
    if (node_http_model(plan_.cluster, n))
      http_.emplace_back(std::in_place, http_share_[n]);
    else
      http_.emplace_back();
  }
  cluster_changed();
  if (auto s = setup_fleet(); !s) return s;

  // The instants the live engine acts on too (plan_schedule.hpp); a sample
  // asked for twice is queued twice, each an event processed.
  const plan_schedule schedule = schedule_of(plan_);
  for (const auto& a : schedule.actions) queue_.push(a.at_us, event::admin_action(a.index));
  for (const auto& s : schedule.samples)
    for (std::uint32_t k = 0; k < s.asked; ++k) queue_.push(s.at_us, event::sample());
  const std::int64_t end = plan_.end.count();
  for (std::int64_t t = 0; t <= end; t += day_us) queue_.push(t, event::daily_alert());
  return ok();
}

void virtual_run::cluster_changed() {
  tvs_sha1_.clear();
  for (std::size_t n = 0; n < cluster_.node_count(); ++n)
    tvs_sha1_.push_back(cluster_.node(n).tvs ? cluster_.tvs_certificate(n).sha1() : bytes{});
  tvs_memo_.clear();
}

void virtual_run::outage(std::size_t node, service s, std::int64_t length_us) {
  if (s == service::tftp)
    tftp_[node].set_up(false);
  else
    tvs_[node].set_up(false);
  // Fits: check_plan() keeps node indices under limits::max_nodes.
  queue_.push(now_ + length_us, event::outage_end(static_cast<event::node_index>(node), s));
}

void virtual_run::perform(std::uint32_t i, const phone_action& a) {
  switch (a.kind) {
    case phone_action_kind::none:
      return;
    case phone_action_kind::request_itl:
      return request_file(i, a.server, wanted::itl, a.common_name);
    case phone_action_kind::request_config:
      return request_file(i, a.server, wanted::config);
    case phone_action_kind::request_ctl:
      return request_file(i, a.server, wanted::ctl, a.common_name);
    case phone_action_kind::query_tvs:
      return query_tvs(i, a.server);
    case phone_action_kind::wait:
      queue_.push(now_ + a.delay_us, event::phone_timer(i, phones_[i].epoch));
      return;
    case phone_action_kind::reboot:
      queue_.push(now_ + reboot_delay(i), event::phone_boot(i, phones_[i].epoch));
      return;
  }
}

void virtual_run::tftp_failed(std::uint32_t i, std::int64_t after_us, tftp_failure why) {
  queue_.push(now_ + after_us, event::tftp_failed(i, phones_[i].epoch, why));
}

void virtual_run::request_file(std::uint32_t i, std::uint8_t server, wanted what, bool common) {
  const sim::phone& p = phones_[i];
  const std::uint8_t node = tftp_node(i, server);
  tftp_station& st = tftp_[node];
  auto& ev = counters_.events();
  if (!st.up()) {
    ev.count_request(what, metrics::event_totals::timed_out);
    return tftp_failed(i, st.no_answer_timeout(), tftp_failure::timed_out);
  }
  // A node without per-device trust lists (cluster.tftp.per_device_itl,
  // per_device_ctl: false) answers "not found" for ITLSEP/CTLSEP<MAC>.tlv.
  const bool per_device_missing =
      !common && ((what == wanted::itl && !plan_.cluster.tftp.per_device_itl) ||
                  (what == wanted::ctl && !plan_.cluster.tftp.per_device_ctl));
  const file_id f = per_device_missing       ? sim::no_file
                    : what == wanted::itl    ? cluster_.served_itl(node)
                    : what == wanted::config ? cluster_.served_config(node)
                                             : cluster_.served_ctl(node);
  if (f == sim::no_file) return tftp_failed(i, st.rtt(), tftp_failure::not_found);
  const std::size_t size = files_.get(f).raw.size();
  if (over_http(i, node)) {
    const std::int64_t done = http_[node]->admit(now_);
    if (done < 0) {
      ev.count_request(what, metrics::event_totals::refused);
      return tftp_failed(i, 2 * http_share_[node].rtt.count(), tftp_failure::refused);
    }
    ev.count_request(what, metrics::event_totals::served);
    ev.bytes_served += size;
    queue_.push(done, event::transfer_done(i, p.epoch, node, f));
    return;
  }
  if (st.full()) {
    ev.count_request(what, metrics::event_totals::refused);
    return tftp_failed(i, st.rtt(), tftp_failure::refused);
  }
  int lost = 0;
  if (const double loss = tftp_share_[node].loss; loss > 0) {
    // Every packet of the exchange (request, blocks) may be lost once.
    const std::uint64_t base = (std::uint64_t{p.epoch} << 24) |
                               (std::uint64_t{static_cast<std::uint8_t>(p.step)} << 16) |
                               (std::uint64_t{server} << 8) | p.attempts;
    const int packets = st.blocks(size) + 1;
    for (int k = 0; k < packets; ++k)
      if (uniform01(plan_.seed, global_id(i), draw::block_loss,
                    (base << 16) | static_cast<std::uint64_t>(k)) < loss)
        ++lost;
  }
  ev.count_request(what, metrics::event_totals::served);
  ev.bytes_served += size;
  queue_.push(now_ + st.start(size, lost), event::transfer_done(i, p.epoch, node, f));
}

void virtual_run::query_tvs(std::uint32_t i, std::uint8_t server) {
  const sim::phone& p = phones_[i];
  const std::uint8_t node = groups_[p.group].tvs[server];
  tvs_station& st = tvs_[node];
  ++counters_.events().tvs_queries;
  const std::int64_t done = st.up() ? st.admit(now_) : -1;
  if (done < 0) {
    queue_.push(now_ + st.timeout(), event::tvs_done(i, p.epoch, node, tvs_reach::unreachable));
    return;
  }
  // The modelled exchange: the wait for a session slot, handshake, query, round trip.
  latency(tvs_latency).record(done - now_);
  queue_.push(done, event::tvs_done(i, p.epoch, node, tvs_reach::answered));
}

sim::tvs_result virtual_run::tvs_answer(std::uint32_t i, std::uint8_t node) {
  sim::tvs_result r;
  if (!tvs_[node].up()) {
    r.status = sim::tvs_status::unreachable;
    return r;
  }
  const file_id f = phones_[i].pending;
  auto it = tvs_memo_.find(f);
  if (it == tvs_memo_.end()) {
    std::optional<vouched> v;
    if (auto cert = cluster_.tvs_lookup(files_.get(f).parsed.header.signer)) {
      const std::uint32_t key = oracle_.key_of(*cert);
      v = vouched{std::move(*cert), key};
    }
    it = tvs_memo_.emplace(f, std::move(v)).first;
  }
  r.server_cert_sha1 = &tvs_sha1_[node];
  if (it->second) {
    r.status = sim::tvs_status::valid;
    r.signer_cert = &it->second->cert;
    r.signer_key = it->second->key;
  } else {
    r.status = sim::tvs_status::invalid;
  }
  return r;
}

const char* virtual_run::sleep_until_or_stop(std::chrono::steady_clock::time_point due) const {
  // In slices, so that a paced run with minutes between events still stops
  // at once when asked.
  constexpr auto slice = std::chrono::milliseconds(100);
  for (auto now = std::chrono::steady_clock::now(); now < due;
       now = std::chrono::steady_clock::now()) {
    if (const char* reason = stop_reason()) return reason;
    std::this_thread::sleep_until(std::min(due, now + slice));
  }
  return stop_reason();
}

run_result virtual_run::run() {
  const std::int64_t end = plan_.end.count();
  // --pace: wall-clock time at which simulated time 0 was reached, and the
  // simulated time the wall clock is known to have passed already.
  const auto wall_start = std::chrono::steady_clock::now();
  std::int64_t paced_to = 0;
  // Asking whether to stop costs a call: once every so many events is soon
  // enough (well under a millisecond of work).
  constexpr std::uint64_t stop_check_every = 1024;
  // How many events ahead of the next a phone's state is fetched: 2, 4
  // and 8 measured at 1M phones, 4 and 8 alike, 2 slower (BENCHMARKS.md,
  // "The virtual engine at half its loop"). An event pushed into the
  // current bucket (due within 16 ms) is not among them: the earliest such
  // is fetched as well.
  constexpr std::size_t prefetch_distance = 4;
  while (!queue_.empty() && queue_.top().time_us <= end) {
    const event e = queue_.top();
    if (events_ % stop_check_every == 0) {
      if (const char* reason = stop_reason()) {
        interrupt(reason);
        break;
      }
    }
    if (options_.pace > 0 && e.time_us > paced_to) {
      const auto due = wall_start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                        std::chrono::duration<double, std::micro>(
                                            static_cast<double>(e.time_us) / options_.pace));
      if (const char* reason = sleep_until_or_stop(due)) {
        interrupt(reason);
        break;
      }
      paced_to = e.time_us;
    }
    queue_.pop();
    if (const event* soon = queue_.ahead(prefetch_distance); soon && soon->for_phone())
      prefetch_phone(soon->phone());
    if (const event* soon = queue_.late_front(); soon && soon->for_phone())
      prefetch_phone(soon->phone());
    now_ = e.time_us;
    ++events_;
    // Whether a phone's event is still meant for it (no reboot since).
    const auto current = [&] {
      return e.phone() < phones_.size() && e.epoch() == phones_[e.phone()].epoch;
    };
    switch (e.kind()) {
      case event_kind::phone_boot:
        if (current()) {
          ++counters_.events().boots;
          deliver(e.phone(), {phone_event_kind::boot, sim::no_file, {}});
        }
        break;
      case event_kind::phone_reset:
        deliver(e.phone(), {phone_event_kind::reset, sim::no_file, {}});
        break;
      case event_kind::phone_timer:
        if (current()) deliver(e.phone(), {phone_event_kind::timer, sim::no_file, {}});
        break;
      case event_kind::phone_manual:
        deliver(e.phone(),
                {e.manual() == manual_action::delete_itl ? phone_event_kind::delete_itl
                                                         : phone_event_kind::factory_reset,
                 sim::no_file,
                 {}});
        break;
      case event_kind::transfer_done:
        if (!over_http(e.phone(), e.node())) tftp_[e.node()].finish();
        if (current()) deliver(e.phone(), {phone_event_kind::file_received, e.file(), {}});
        break;
      case event_kind::tftp_failed:
        if (current()) {
          const auto why = e.failure();
          const auto k = why == tftp_failure::refused     ? phone_event_kind::tftp_refused
                         : why == tftp_failure::timed_out ? phone_event_kind::tftp_timeout
                                                          : phone_event_kind::file_missing;
          deliver(e.phone(), {k, sim::no_file, {}});
        }
        break;
      case event_kind::tvs_done:
        if (current()) {
          sim::tvs_result r;
          if (e.tvs_outcome() == tvs_reach::answered) r = tvs_answer(e.phone(), e.node());
          deliver_tvs(e.phone(), r);
        }
        break;
      case event_kind::admin_action:
        run_action(e.timeline_index());
        break;
      case event_kind::outage_end: {
        const auto s = e.service();
        if (s == service::tftp)
          tftp_[e.node()].set_up(true);
        else
          tvs_[e.node()].set_up(true);
        service_back(e.node(), s);
        break;
      }
      case event_kind::daily_alert:
        daily_alert();
        break;
      case event_kind::sample:
        sample();
        break;
    }
  }
  return finish();
}

}  // namespace

result<run_result> run_virtual(const run_plan& plan, const run_options& options) {
  auto built = build_cluster(plan, options);
  if (!built) return built.err();
  virtual_run run(plan, options, *built->files, *built->cluster);
  if (auto s = run.setup(); !s) return s.err();
  return run.run();
}

}  // namespace itlfleet::engine
