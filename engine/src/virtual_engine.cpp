#include "itlfleet/engine/virtual_engine.hpp"

#include <algorithm>
#include <unordered_map>

#include "itlfleet/engine/event_queue.hpp"
#include "itlfleet/engine/expectations.hpp"
#include "itlfleet/engine/rng.hpp"
#include "itlfleet/engine/stations.hpp"
#include "itlfleet/sim/cluster.hpp"
#include "itlfleet/sim/firmware.hpp"
#include "itlfleet/sim/itl_builder.hpp"
#include "itlfleet/sim/phone.hpp"
#include "itlfleet/sim/trust_oracle.hpp"

namespace itlfleet::engine {
namespace {

using sim::file_id;
using sim::phone;
using sim::phone_action;
using sim::phone_action_kind;
using sim::phone_event;
using sim::phone_event_kind;

constexpr std::uint64_t first_mac = 0x001E7A000000ull;
constexpr std::int64_t day_us = 24LL * 3600 * 1'000'000;

struct group_runtime {
  std::vector<std::uint8_t> tftp;  ///< node indices, primary first
  std::vector<std::uint8_t> tvs;   ///< node indices in the order phones try them
  sim::phone_profile profile;
};

result<sim::cluster_config> cluster_config_of(const run_plan& plan) {
  auto version = sim::cucm_version::parse(plan.cluster.version);
  if (!version) return version.err();
  sim::cluster_config c;
  c.version = *version;
  c.domain = plan.cluster.domain;
  c.hold_timer = plan.cluster.hold_timer;
  c.hold_seconds = std::chrono::duration_cast<std::chrono::seconds>(plan.cluster.hold_time).count();
  c.security_password = plan.cluster.security_password;
  for (const auto& n : plan.cluster.nodes) {
    c.nodes.push_back({n.host, n.publisher, n.tftp, n.tvs, n.callmanager});
  }
  return c;
}

class virtual_run {
 public:
  virtual_run(const run_plan& plan, const run_options& options, sim::file_store& files,
              sim::cluster& cluster)
      : plan_(plan),
        options_(options),
        files_(files),
        cluster_(cluster),
        oracle_(files, options.verify_every_time),
        counters_(plan.fleet.size()),
        log_(options.phone_log.value_or(plan.fleet_size() <= 2000)) {}

  status setup();
  run_result run();

 private:
  // --- phones ----------------------------------------------------------------
  metrics::cell cell_of(const phone& p) const { return {p.state, p.ever_locked(), p.installed}; }
  void deliver(std::uint32_t i, const phone_event& e);
  void perform(std::uint32_t i, const phone_action& a);
  void request_file(std::uint32_t i, std::uint8_t server, bool itl);
  void query_tvs(std::uint32_t i, std::uint8_t server);
  sim::tvs_result tvs_answer(std::uint32_t i, std::uint8_t node);
  void schedule_reset(std::uint32_t i, std::uint64_t counter);

  // --- the operator ----------------------------------------------------------
  void run_action(std::uint32_t index);
  void apply(const action& a, const sim::command_output& out, const std::string& host);
  void reset_phones_of(const std::vector<std::size_t>& nodes, std::uint64_t counter);
  /// Phone actions apply to a group (or all) and a share of it, drawn per phone.
  bool selected(const action& a, std::uint32_t index, std::uint32_t i) const;
  void select_phones(const action& a, std::uint32_t index, std::uint32_t manual_kind);
  std::optional<std::size_t> declared_node(const std::string& name) const;
  std::size_t node_or_publisher(const action& a) const;
  void refresh_cluster_view();

  // --- observation -----------------------------------------------------------
  void sample();
  /// What firmware 9.4(1)+ reports in DeviceTLInfo, at the end of the run.
  void report_device_tl_info();
  std::uint32_t now_s() const { return static_cast<std::uint32_t>(now_ / 1'000'000); }

  const run_plan& plan_;
  const run_options& options_;
  sim::file_store& files_;
  sim::cluster& cluster_;
  sim::trust_oracle oracle_;
  metrics::fleet_counters counters_;
  metrics::event_log log_;
  event_queue queue_;
  std::vector<phone> phones_;
  std::vector<group_runtime> groups_;
  std::vector<tftp_station> tftp_;
  std::vector<tvs_station> tvs_;
  std::vector<bytes> tvs_sha1_;  ///< per node: the certificate its TVS presents now
  /// TVS's verdict on a file's signer, valid until the next operator action.
  std::unordered_map<file_id, std::optional<sim::cluster::tvs_entry>> tvs_memo_;
  std::vector<metrics::snapshot> series_;
  std::vector<metrics::itl_report> device_tl_info_;
  std::int64_t now_ = 0;
  std::uint64_t events_ = 0;
  std::int64_t last_change_ = 0;
  std::uint64_t peak_locked_ = 0;
  std::int64_t peak_locked_at_ = 0;
};

status virtual_run::setup() {
  const std::size_t nodes = cluster_.node_count();
  tftp_.reserve(nodes);
  tvs_.reserve(nodes);
  for (std::size_t n = 0; n < nodes; ++n) {
    tftp_.emplace_back(plan_.cluster.tftp);
    tvs_.emplace_back(plan_.cluster.tvs, plan_.cluster.tftp.rtt.count());
  }
  refresh_cluster_view();

  std::vector<std::uint8_t> all_tvs;
  for (std::size_t n = 0; n < nodes; ++n)
    if (cluster_.node(n).tvs) all_tvs.push_back(static_cast<std::uint8_t>(n));

  phones_.reserve(plan_.fleet_size());
  for (std::size_t g = 0; g < plan_.fleet.size(); ++g) {
    const fleet_group& fg = plan_.fleet[g];
    group_runtime rt;
    for (const auto& host : fg.tftp) {
      auto n = declared_node(host);
      if (!n || !cluster_.node(*n).tftp)
        return error{"fleet group '" + fg.name + "': '" + host + "' is not a TFTP node"};
      rt.tftp.push_back(static_cast<std::uint8_t>(*n));
    }
    if (rt.tftp.empty()) {
      for (std::size_t n = 0; n < nodes; ++n)
        if (cluster_.node(n).tftp) {
          rt.tftp.push_back(static_cast<std::uint8_t>(n));
          break;
        }
    }
    for (const auto& host : fg.tvs) {
      auto n = declared_node(host);
      if (!n || !cluster_.node(*n).tvs)
        return error{"fleet group '" + fg.name + "': '" + host + "' is not a TVS node"};
      rt.tvs.push_back(static_cast<std::uint8_t>(*n));
    }
    if (rt.tvs.empty()) rt.tvs = all_tvs;
    rt.profile.tftp_servers = static_cast<std::uint8_t>(rt.tftp.size());
    rt.profile.tvs_servers = static_cast<std::uint8_t>(rt.tvs.size());
    rt.profile.tftp_attempts = static_cast<std::uint8_t>(std::max(1, plan_.phone.tftp_attempts));
    rt.profile.tftp_backoff_us = plan_.phone.tftp_backoff.count();
    rt.profile.unreachable_retry_us = plan_.phone.unreachable_retry.count();
    rt.profile.tvs_ttl_s = static_cast<std::uint32_t>(
        std::chrono::duration_cast<std::chrono::seconds>(plan_.cluster.tvs.answer_ttl).count());

    file_id installed = sim::no_file;
    switch (fg.itl) {
      case installed_itl::current:
        installed = cluster_.served_itl(rt.tftp[0]);
        break;
      case installed_itl::none:
        installed = sim::no_file;
        break;
      case installed_itl::pre_10:
        installed = cluster_.pre10_itl(rt.tftp[0]);
        break;
    }
    phone p;
    p.group = static_cast<std::uint16_t>(g);
    p.installed = installed;
    phones_.insert(phones_.end(), fg.count, p);
    counters_.add(p.group, cell_of(p), fg.count);
    groups_.push_back(std::move(rt));
  }

  for (std::uint32_t i = 0; i < plan_.timeline.size(); ++i) {
    const action& a = plan_.timeline[i];
    if (!a.node.empty() && a.node != "all" && !declared_node(a.node))
      return error{"timeline: '" + a.text + "' names node '" + a.node +
                   "', which is not in the cluster"};
    queue_.push(a.at.count(), event_kind::admin_action, i);
  }
  const std::int64_t end = plan_.end.count();
  const std::int64_t step = std::max<std::int64_t>(1, plan_.sample_every.count());
  for (std::int64_t t = 0; t < end; t += step) queue_.push(t, event_kind::sample, 0);
  queue_.push(end, event_kind::sample, 0);
  for (const auto& e : plan_.expect)
    if (e.at && e.at->count() <= end) queue_.push(e.at->count(), event_kind::sample, 0);
  for (std::int64_t t = 0; t <= end; t += day_us) queue_.push(t, event_kind::daily_alert, 0);
  return ok();
}

void virtual_run::refresh_cluster_view() {
  tvs_sha1_.clear();
  for (std::size_t n = 0; n < cluster_.node_count(); ++n)
    tvs_sha1_.push_back(cluster_.node(n).tvs ? cluster_.tvs_certificate(n).sha1() : bytes{});
  tvs_memo_.clear();
}

void virtual_run::deliver(std::uint32_t i, const phone_event& e) {
  phone& p = phones_[i];
  const metrics::cell before = cell_of(p);
  const sim::phone_state old_state = p.state;
  const phone_action a = sim::handle(p, e, groups_[p.group].profile, oracle_, now_s());
  const metrics::cell after = cell_of(p);
  if (!(before == after)) {
    counters_.move(p.group, before, after);
    if (old_state != p.state) {
      last_change_ = now_;
      if (log_.phone_detail())
        log_.phone(now_, sim::device_name(first_mac + i), sim::state_name(old_state),
                   sim::state_name(p.state),
                   p.state == sim::phone_state::locked ? "Trust List Update Failed" : "");
    }
  }
  perform(i, a);
}

void virtual_run::perform(std::uint32_t i, const phone_action& a) {
  const phone& p = phones_[i];
  switch (a.kind) {
    case phone_action_kind::none:
      return;
    case phone_action_kind::request_itl:
      return request_file(i, a.server, true);
    case phone_action_kind::request_config:
      return request_file(i, a.server, false);
    case phone_action_kind::query_tvs:
      return query_tvs(i, a.server);
    case phone_action_kind::wait:
      queue_.push(now_ + a.delay_us, event_kind::phone_timer, i, p.epoch);
      return;
    case phone_action_kind::reboot: {
      const auto jitter = plan_.boot.reboot_jitter.count();
      const double u = uniform01(plan_.seed, i, draw::reboot_jitter, p.epoch);
      const auto delay = plan_.boot.reboot.count() +
                         static_cast<std::int64_t>((2 * u - 1) * static_cast<double>(jitter));
      queue_.push(now_ + std::max<std::int64_t>(0, delay), event_kind::phone_boot, i, p.epoch);
      return;
    }
  }
}

void virtual_run::request_file(std::uint32_t i, std::uint8_t server, bool itl) {
  const phone& p = phones_[i];
  const std::uint8_t node = groups_[p.group].tftp[server];
  tftp_station& st = tftp_[node];
  auto& ev = counters_.events();
  if (!st.up()) {
    ++ev.tftp_timeouts;
    queue_.push(now_ + st.no_answer_timeout(), event_kind::tftp_failed, i, p.epoch, 1);
    return;
  }
  const file_id f = itl ? cluster_.served_itl(node) : cluster_.served_config(node);
  if (f == sim::no_file) {
    queue_.push(now_ + st.rtt(), event_kind::tftp_failed, i, p.epoch, 2);
    return;
  }
  if (st.full()) {
    ++ev.tftp_refusals;
    queue_.push(now_ + st.rtt(), event_kind::tftp_failed, i, p.epoch, 0);
    return;
  }
  const std::size_t size = files_.get(f).raw.size();
  int lost = 0;
  if (plan_.cluster.tftp.loss > 0) {
    // Every packet of the exchange (request, blocks) may be lost once.
    const std::uint64_t base = (std::uint64_t{p.epoch} << 24) |
                               (std::uint64_t{static_cast<std::uint8_t>(p.step)} << 16) |
                               (std::uint64_t{server} << 8) | p.attempts;
    const int packets = st.blocks(size) + 1;
    for (int k = 0; k < packets; ++k)
      if (uniform01(plan_.seed, i, draw::block_loss, (base << 16) | static_cast<std::uint64_t>(k)) <
          plan_.cluster.tftp.loss)
        ++lost;
  }
  ++ev.files_served;
  ev.bytes_served += size;
  queue_.push(now_ + st.start(size, lost), event_kind::transfer_done, i, p.epoch, f, node);
}

void virtual_run::query_tvs(std::uint32_t i, std::uint8_t server) {
  const phone& p = phones_[i];
  const std::uint8_t node = groups_[p.group].tvs[server];
  tvs_station& st = tvs_[node];
  ++counters_.events().tvs_queries;
  const std::int64_t done = st.up() ? st.admit(now_) : -1;
  if (done < 0) {
    queue_.push(now_ + st.timeout(), event_kind::tvs_done, i, p.epoch, 1, node);
    return;
  }
  queue_.push(done, event_kind::tvs_done, i, p.epoch, 0, node);
}

sim::tvs_result virtual_run::tvs_answer(std::uint32_t i, std::uint8_t node) {
  sim::tvs_result r;
  if (!tvs_[node].up()) {
    r.status = sim::tvs_status::unreachable;
    return r;
  }
  const file_id f = phones_[i].pending;
  auto it = tvs_memo_.find(f);
  if (it == tvs_memo_.end())
    it = tvs_memo_.emplace(f, cluster_.tvs_lookup(files_.get(f).parsed.header.signer)).first;
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

void virtual_run::schedule_reset(std::uint32_t i, std::uint64_t counter) {
  if (phones_[i].state == sim::phone_state::offline) return;
  const double u = uniform01(plan_.seed, i, draw::reset_spread, counter);
  queue_.push(
      now_ + static_cast<std::int64_t>(u * static_cast<double>(plan_.boot.reset_spread.count())),
      event_kind::phone_reset, i);
}

void virtual_run::reset_phones_of(const std::vector<std::size_t>& nodes, std::uint64_t counter) {
  std::uint64_t n = 0;
  for (std::uint32_t i = 0; i < phones_.size(); ++i) {
    const std::uint8_t primary = groups_[phones_[i].group].tftp[0];
    if (std::find(nodes.begin(), nodes.end(), primary) == nodes.end()) continue;
    if (phones_[i].state == sim::phone_state::offline) continue;
    schedule_reset(i, counter);
    ++n;
  }
  log_.note(now_, "CUCM resets the " + std::to_string(n) + " powered phones whose ITL changed");
}

std::optional<std::size_t> virtual_run::declared_node(const std::string& name) const {
  // Scenarios name nodes as declared, even after a rename changed the host:
  // the cluster keeps the plan's node order.
  for (std::size_t n = 0; n < plan_.cluster.nodes.size(); ++n)
    if (plan_.cluster.nodes[n].host == name) return n;
  return std::nullopt;
}

std::size_t virtual_run::node_or_publisher(const action& a) const {
  // setup() checked that every named node exists.
  if (a.node.empty() || a.node == "all") return cluster_.publisher();
  return *declared_node(a.node);
}

void virtual_run::apply(const action& a, const sim::command_output& out, const std::string& host) {
  log_.command(now_, host + "$ " + a.text, out.ok, out.text);
  if (!out.ok) ++counters_.events().refused_commands;
  refresh_cluster_view();
  if (out.ok && out.resets_devices && plan_.cluster.auto_reset && !out.itl_changed.empty())
    reset_phones_of(out.itl_changed, static_cast<std::uint64_t>(now_));
}

bool virtual_run::selected(const action& a, std::uint32_t index, std::uint32_t i) const {
  if (!a.group.empty() && plan_.fleet[phones_[i].group].name != a.group) return false;
  return a.fraction >= 1.0 || uniform01(plan_.seed, i, draw::selection, index) < a.fraction;
}

void virtual_run::select_phones(const action& a, std::uint32_t index, std::uint32_t manual_kind) {
  std::uint64_t n = 0;
  for (std::uint32_t i = 0; i < phones_.size(); ++i) {
    if (!selected(a, index, i)) continue;
    queue_.push(now_, event_kind::phone_manual, i, 0, manual_kind);
    ++n;
  }
  log_.note(now_, a.text + ": " + std::to_string(n) + " phones");
}

void virtual_run::run_action(std::uint32_t index) {
  const action& a = plan_.timeline[index];
  const std::int64_t t = now_ / 1'000'000;
  const std::size_t node = node_or_publisher(a);
  const std::string host = cluster_.node(node).host;
  auto arg = [&](std::size_t k) { return k < a.args.size() ? a.args[k] : std::string(); };
  switch (a.kind) {
    case action_kind::boot_all: {
      std::uint64_t n = 0;
      for (std::uint32_t i = 0; i < phones_.size(); ++i) {
        if (phones_[i].state != sim::phone_state::offline ||
            phones_[i].step != sim::phone_step::idle)
          continue;
        if (!selected(a, index, i)) continue;
        const double u = uniform01(plan_.seed, i, draw::boot_spread, index);
        // Mark the phone as on its way so a second boot-all does not boot it twice.
        phones_[i].step = sim::phone_step::itl;
        queue_.push(
            now_ + static_cast<std::int64_t>(u * static_cast<double>(plan_.boot.spread.count())),
            event_kind::phone_boot, i, phones_[i].epoch);
        ++n;
      }
      log_.note(now_, "boot-all" + (a.group.empty() ? std::string() : " (group " + a.group + ")") +
                          ": " + std::to_string(n) + " phones power on over " +
                          metrics::format_sim_time(plan_.boot.spread.count()));
      return;
    }
    case action_kind::itl_reset_localkey:
      return apply(a, cluster_.itl_reset_localkey(node, t), host);
    case action_kind::itl_reset_remotekey:
      return apply(a, cluster_.itl_reset_remotekey(node, arg(0), arg(1), arg(2), t), host);
    case action_kind::cert_regen: {
      auto purpose = sim::parse_purpose(arg(0));
      if (!purpose) {
        log_.command(now_, host + "$ " + a.text, false, purpose.err().message);
        ++counters_.events().refused_commands;
        return;
      }
      return apply(a, cluster_.cert_regen(node, *purpose, t), host);
    }
    case action_kind::restart_tftp: {
      if (!a.node.empty() && a.node != "all") return apply(a, cluster_.restart_tftp(node, t), host);
      for (std::size_t n = 0; n < cluster_.node_count(); ++n)
        if (cluster_.node(n).tftp) apply(a, cluster_.restart_tftp(n, t), cluster_.node(n).host);
      return;
    }
    case action_kind::reset_all_devices: {
      std::uint64_t n = 0;
      for (std::uint32_t i = 0; i < phones_.size(); ++i) {
        if (phones_[i].state == sim::phone_state::offline) continue;
        schedule_reset(i, static_cast<std::uint64_t>(now_));
        ++n;
      }
      log_.note(now_, "reset all devices: " + std::to_string(n) + " phones reset over " +
                          metrics::format_sim_time(plan_.boot.reset_spread.count()));
      return;
    }
    case action_kind::rename_publisher:
      return apply(a, cluster_.rename_publisher(arg(0), t), host);
    case action_kind::change_domain:
      return apply(a, cluster_.change_domain(node, arg(0), t), host);
    case action_kind::change_security_password:
      return apply(a, cluster_.change_security_password(arg(0)), host);
    case action_kind::backup_itlrecovery:
      return apply(a, cluster_.backup_itlrecovery(node, arg(0)), host);
    case action_kind::tftp_outage:
    case action_kind::tvs_outage: {
      const bool is_tftp = a.kind == action_kind::tftp_outage;
      if (is_tftp)
        tftp_[node].set_up(false);
      else
        tvs_[node].set_up(false);
      log_.note(now_, std::string(is_tftp ? "TFTP" : "TVS") + " service on " + host + " down for " +
                          metrics::format_sim_time(a.length.count()));
      queue_.push(now_ + a.length.count(), event_kind::outage_end, static_cast<std::uint32_t>(node),
                  0, is_tftp ? 0 : 1);
      return;
    }
    case action_kind::delete_itl:
      return select_phones(a, index, 0);
    case action_kind::factory_reset:
      return select_phones(a, index, 1);
  }
}

void virtual_run::sample() {
  auto snap = counters_.take(
      now_, [&](std::uint16_t g) { return cluster_.served_itl(groups_[g].tftp[0]); },
      [&](file_id f) { return files_.get(f).has_recovery_record; });
  const std::uint64_t locked = snap.fleet.state(sim::phone_state::locked);
  if (locked > peak_locked_) {
    peak_locked_ = locked;
    peak_locked_at_ = now_;
  }
  if (options_.on_progress) {
    progress pr;
    pr.sim_time_us = now_;
    pr.end_us = plan_.end.count();
    pr.events = events_;
    pr.fleet = &snap.fleet;
    options_.on_progress(pr);
  }
  if (!series_.empty() && series_.back().time_us == now_)
    series_.back() = std::move(snap);
  else
    series_.push_back(std::move(snap));
}

run_result virtual_run::run() {
  const std::int64_t end = plan_.end.count();
  while (!queue_.empty() && queue_.top().time_us <= end) {
    const event e = queue_.top();
    queue_.pop();
    now_ = e.time_us;
    ++events_;
    const bool current = e.target < phones_.size() && e.epoch == phones_[e.target].epoch;
    switch (e.kind) {
      case event_kind::phone_boot:
        if (current) {
          ++counters_.events().boots;
          deliver(e.target, {phone_event_kind::boot, sim::no_file, {}});
        }
        break;
      case event_kind::phone_reset:
        deliver(e.target, {phone_event_kind::reset, sim::no_file, {}});
        break;
      case event_kind::phone_timer:
        if (current) deliver(e.target, {phone_event_kind::timer, sim::no_file, {}});
        break;
      case event_kind::phone_manual:
        deliver(e.target,
                {e.arg == 0 ? phone_event_kind::delete_itl : phone_event_kind::factory_reset,
                 sim::no_file,
                 {}});
        break;
      case event_kind::transfer_done:
        tftp_[e.node].finish();
        if (current) deliver(e.target, {phone_event_kind::file_received, e.arg, {}});
        break;
      case event_kind::tftp_failed:
        if (current) {
          const auto k = e.arg == 0   ? phone_event_kind::tftp_refused
                         : e.arg == 1 ? phone_event_kind::tftp_timeout
                                      : phone_event_kind::file_missing;
          deliver(e.target, {k, sim::no_file, {}});
        }
        break;
      case event_kind::tvs_done:
        if (current) {
          phone_event pe{phone_event_kind::tvs_answer, sim::no_file, {}};
          if (e.arg == 0) pe.tvs = tvs_answer(e.target, e.node);
          // Unreachable, "invalid" and a server certificate the phone's ITL
          // does not list all count as a failed TVS exchange.
          const bool trusted_server =
              pe.tvs.server_cert_sha1 != nullptr &&
              oracle_.trusts_tvs_server(phones_[e.target].installed, *pe.tvs.server_cert_sha1);
          if (pe.tvs.status != sim::tvs_status::valid || !trusted_server)
            ++counters_.events().tvs_failures;
          deliver(e.target, pe);
        }
        break;
      case event_kind::admin_action:
        run_action(e.target);
        break;
      case event_kind::outage_end:
        if (e.arg == 0)
          tftp_[e.target].set_up(true);
        else
          tvs_[e.target].set_up(true);
        log_.note(now_, std::string(e.arg == 0 ? "TFTP" : "TVS") + " service on " +
                            cluster_.node(e.target).host + " is back");
        break;
      case event_kind::daily_alert:
        if (auto alert = cluster_.daily_backup_alert()) {
          ++counters_.events().backup_alerts;
          log_.note(now_, "RTMT alert: " + *alert);
        }
        break;
      case event_kind::sample:
        sample();
        break;
    }
  }

  report_device_tl_info();
  run_result r;
  r.series = std::move(series_);
  r.final_state = r.series.back();
  r.checks = check_expectations(plan_, r.series);
  r.passed = std::all_of(r.checks.begin(), r.checks.end(), [](const auto& c) { return c.passed; });
  auto& info = r.info;
  info.scenario = plan_.name;
  info.source = plan_.source;
  info.seed = plan_.seed;
  info.phones = phones_.size();
  info.end_us = end;
  for (const auto& g : plan_.fleet) info.group_names.push_back(g.name);
  info.events_processed = events_;
  info.crypto_operations = oracle_.crypto_operations();
  info.distinct_files = files_.size();
  info.milestones.emplace_back("peak_locked_at", peak_locked_at_);
  info.milestones.emplace_back("last_state_change", last_change_ - last_change_ % 1000);
  info.device_tl_info = std::move(device_tl_info_);
  for (std::size_t n = 0; n < cluster_.node_count(); ++n) {
    info.load.push_back({cluster_.node(n).host, static_cast<std::uint64_t>(tftp_[n].peak_active()),
                         tvs_[n].peak_wait()});
  }
  r.event_log = log_.text();
  return r;
}

void virtual_run::report_device_tl_info() {
  for (const auto& [key, n] : counters_.installed_by_group()) {
    const auto& [g, itl] = key;
    const auto firmware = sim::firmware_version::parse(plan_.fleet[g].firmware);
    if (!firmware || !firmware->reports_device_tl_info()) continue;
    metrics::itl_report rep;
    rep.group = plan_.fleet[g].name;
    rep.itl_signature = to_hex(files_.get(itl).sha1, " ", true);
    rep.phones = n;
    rep.current = itl == cluster_.served_itl(groups_[g].tftp[0]);
    log_.note(now_, "DeviceTLInfo: " + std::to_string(n) + " phones of " + rep.group +
                        " report ITL_Signature " + rep.itl_signature +
                        (rep.current ? " (their TFTP server's current ITL)"
                                     : " (NOT their TFTP server's current ITL)"));
    device_tl_info_.push_back(std::move(rep));
  }
}

}  // namespace

result<run_result> run_virtual(const run_plan& plan, const run_options& options) {
  auto config = cluster_config_of(plan);
  if (!config) return config.err();
  sim::pki_options pki;
  pki.seed = "itlfleet-" + std::to_string(plan.seed);
  pki.key_bits = plan.cluster.key_bits;
  pki.cache_dir = options.key_cache_dir;
  sim::identity_factory factory(pki);
  sim::file_store files;
  auto cluster = sim::cluster::create(std::move(*config), factory, files);
  if (!cluster) return cluster.err();
  virtual_run run(plan, options, files, *cluster);
  if (auto s = run.setup(); !s) return s.err();
  return run.run();
}

}  // namespace itlfleet::engine
