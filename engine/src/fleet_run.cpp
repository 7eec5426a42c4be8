#include "fleet_run.hpp"

#include <algorithm>
#include <cstdio>

#include "itlfleet/engine/event_queue.hpp"
#include "itlfleet/engine/expectations.hpp"
#include "itlfleet/engine/plan.hpp"
#include "itlfleet/engine/rng.hpp"
#include "itlfleet/metrics/catalogue.hpp"
#include "itlfleet/metrics/group_series.hpp"
#include "itlfleet/sim/firmware.hpp"
#include "itlfleet/sim/itl_builder.hpp"

namespace itlfleet::engine {

using sim::file_id;
using sim::phone;
using sim::phone_event_kind;

std::string_view service_name(service s) {
  return s == service::tftp ? "TFTP" : "TVS";
}

result<sim::cluster_config> cluster_config_of(const run_plan& plan) {
  sim::cluster_config c;
  c.version = plan.cluster.version;
  c.domain = plan.cluster.domain;
  c.hold_timer = plan.cluster.hold_timer;
  c.hold_seconds = std::chrono::duration_cast<std::chrono::seconds>(plan.cluster.hold_time).count();
  c.security_password = plan.cluster.security_password;
  c.regen_restarts = plan.cluster.regen_restarts_automatic ? sim::regen_restart::automatic
                                                           : sim::regen_restart::manual;
  c.mixed_mode = plan.cluster.mixed_mode;
  c.ctl_itlrecovery_from_10 = plan.cluster.ctl_itlrecovery_from_10;
  for (const auto& n : plan.cluster.nodes) {
    c.nodes.push_back({n.host, n.publisher, n.tftp, n.tvs, n.callmanager});
  }
  return c;
}

result<planned_cluster> build_cluster(const run_plan& plan, const run_options& options) {
  // Before the first key is generated: a plan past the limits fails here.
  if (auto s = limits::check_plan(plan); !s) return s.err();
  auto config = cluster_config_of(plan);
  if (!config) return config.err();
  sim::pki_options pki;
  pki.seed = "itlfleet-" + std::to_string(plan.seed);
  pki.key_bits = plan.cluster.key_bits;
  pki.cache = options.key_cache;
  planned_cluster out;
  out.factory = std::make_unique<sim::identity_factory>(pki);
  out.files = std::make_unique<sim::file_store>();
  auto cluster = sim::cluster::create(std::move(*config), *out.factory, *out.files);
  if (!cluster) return cluster.err();
  out.cluster = std::make_unique<sim::cluster>(std::move(*cluster));
  return out;
}

fleet_run::fleet_run(const run_plan& plan, const run_options& options, sim::file_store& files,
                     sim::cluster& cluster)
    : plan_(plan),
      options_(options),
      files_(files),
      cluster_(cluster),
      oracle_(files, options.verify_every_time),
      counters_(plan.fleet.size()),
      log_(options.phone_log.value_or(plan.fleet_size() <= 2000)),
      // Indexed by latency_kind; named after their Prometheus histograms.
      latencies_{{std::string(metrics::catalogue::boot_seconds.latency), {}},
                 {std::string(metrics::catalogue::time_to_trust_seconds.latency), {}},
                 {std::string(metrics::catalogue::download_seconds.latency), {}},
                 {std::string(metrics::catalogue::tvs_query_seconds.latency), {}}} {}

// The narrowing casts below hold because check_plan() bounds what they
// narrow: node indices (< limits::max_nodes), list lengths and attempts
// (<= 255), groups (< limits::max_groups), seconds (limits::max_duration).
static_assert(std::is_same_v<decltype(group_runtime::tftp)::value_type, event::node_index>);
static_assert(limits::max_nodes <= limits::node_index_bound);

status fleet_run::resolve_tvs(const fleet_group& fg, const std::vector<std::uint8_t>& all_tvs,
                              std::vector<std::uint8_t>& out) const {
  for (const auto& host : fg.tvs) {
    auto n = declared_node(host);
    if (!n || !cluster_.node(*n).tvs)
      return error{"fleet group '" + fg.name + "': '" + host + "' is not a TVS node"};
    out.push_back(static_cast<std::uint8_t>(*n));
  }
  if (!fg.tvs.empty()) return ok();
  if (fg.callmanager_group.empty()) {
    out = all_tvs;
    return ok();
  }
  // The CallManager group: its nodes' TVS, in its order; a node without TVS
  // is skipped, so the list may end up empty.
  if (fg.callmanager_group.size() > 3)
    return error{"fleet group '" + fg.name + "': a CallManager group has at most 3 nodes"};
  for (const auto& host : fg.callmanager_group) {
    auto n = declared_node(host);
    if (!n || !cluster_.node(*n).callmanager)
      return error{"fleet group '" + fg.name + "': '" + host + "' is not a CallManager node"};
    if (cluster_.node(*n).tvs) out.push_back(static_cast<std::uint8_t>(*n));
  }
  return ok();
}

status fleet_run::setup_fleet() {
  if (auto s = limits::check_plan(plan_); !s) return s;
  const std::size_t nodes = cluster_.node_count();
  std::vector<std::uint8_t> all_tvs;
  for (std::size_t n = 0; n < nodes; ++n)
    if (cluster_.node(n).tvs) all_tvs.push_back(static_cast<std::uint8_t>(n));

  if (options_.shard_count == 0 || options_.shard_index >= options_.shard_count)
    return error{"shard " + std::to_string(options_.shard_index) + "/" +
                 std::to_string(options_.shard_count) + ": expected K/N with 0 <= K < N"};
  const std::uint64_t shards = options_.shard_count;
  phones_.reserve(plan_.fleet_size() / shards + 1);
  std::uint64_t first_of_group = 0;  // global index of the group's first phone
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
    rt.family = sim::find_family(fg.model);
    if (!rt.family) return error{"fleet group '" + fg.name + "': unknown model '" + fg.model + "'"};
    if (auto s = resolve_tvs(fg, all_tvs, rt.tvs); !s) return s;
    if (!rt.family->tvs) rt.tvs.clear();
    const auto firmware = sim::firmware_version::parse(fg.firmware);
    rt.fetch = fg.fetch.value_or(firmware && rt.family->fetches_over_http(*firmware)
                                     ? fetch_protocol::http
                                     : fetch_protocol::tftp);
    rt.reports_device_tl_info = firmware && rt.family->reports_device_tl_info(*firmware);
    rt.profile.security_by_default = rt.family->security_by_default;
    rt.profile.manual_recovery_erases_ctl =
        rt.family->recovery == sim::manual_recovery::reset_security_settings;
    rt.profile.tftp_servers = static_cast<std::uint8_t>(rt.tftp.size());
    rt.profile.tvs_servers = static_cast<std::uint8_t>(rt.tvs.size());
    rt.profile.tftp_attempts = static_cast<std::uint8_t>(std::max(1, plan_.phone.tftp_attempts));
    rt.profile.tftp_backoff_us = plan_.phone.tftp_backoff.count();
    rt.profile.unreachable_retry_us = plan_.phone.unreachable_retry.count();
    rt.profile.tvs_ttl_s = static_cast<std::uint32_t>(
        std::chrono::duration_cast<std::chrono::seconds>(plan_.cluster.tvs.answer_ttl).count());
    rt.profile.max_itl_bytes =
        std::min(static_cast<std::uint32_t>(plan_.phone.max_itl_bytes), rt.family->max_itl_bytes);
    rt.profile.itl_via_ctl_only = plan_.cluster.itl_check_with_ctl_only;

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
    // A phone without Security by Default holds no ITL, whatever the plan says.
    p.installed = rt.family->security_by_default ? installed : sim::no_file;
    if (fg.ctl == installed_ctl::current && !cluster_.mixed_mode())
      return error{"fleet group '" + fg.name +
                   "': ctl: current, but the cluster does not start in mixed mode"};
    if (rt.family->ctl && (fg.ctl == installed_ctl::current ||
                           (fg.ctl == installed_ctl::automatic && cluster_.mixed_mode())))
      p.ctl = cluster_.served_ctl(rt.tftp[0]);
    // This shard's phones of the group: global indices in the group's range
    // that are congruent to the shard index.
    const std::uint64_t end = first_of_group + fg.count;
    const std::uint64_t first =
        first_of_group + (options_.shard_index + shards - first_of_group % shards) % shards;
    const std::uint64_t mine = first < end ? (end - 1 - first) / shards + 1 : 0;
    first_of_group = end;
    phones_.insert(phones_.end(), mine, p);
    counters_.add(p.group, cell_of(p), mine);
    groups_.push_back(std::move(rt));
  }

  refresh_ctl_requests();
  started_.assign(phones_.size(), {});
  warn_itl_size();
  return ok();
}

void fleet_run::deliver(std::uint32_t i, const sim::phone_event& e) {
  phone& p = phones_[i];
  const metrics::cell before = cell_of(p);
  const sim::phone_state old_state = p.state;
  // A power-on, a reset or a manual deletion starts a cycle that should end
  // in trust; every boot event starts a boot sequence.
  const bool new_cycle =
      e.kind == phone_event_kind::reset || e.kind == phone_event_kind::delete_itl ||
      e.kind == phone_event_kind::factory_reset ||
      (e.kind == phone_event_kind::boot && old_state == sim::phone_state::offline);
  const sim::phone_action a = sim::handle(p, e, groups_[p.group].profile, oracle_, now_s());
  auto& ev = counters_.events();
  if (a.tvs_failed) ++ev.tvs_failures;
  if (a.config_rejected) ++ev.configs_rejected;
  if (a.installed_ctl) ++ev.ctl_installs;
  if (a.ctl_rejected) ++ev.ctl_update_failures;
  if (a.fell_back)
    ++(a.kind == sim::phone_action_kind::request_ctl ? ev.ctl_fallbacks : ev.itl_fallbacks);
  if (a.installed_itl) {
    // The signer's role: the cluster's ITLRecovery key, or a node's CallManager.
    if (sim::names_itlrecovery(text_of(files_.get(p.installed).parsed.header.signer.name)))
      ++ev.itl_installs_recovery;
    else
      ++ev.itl_installs_callmanager;
  }
  if (p.state == sim::phone_state::booting) {
    if (new_cycle) started_[i].cycle = now_;
    if (e.kind == phone_event_kind::boot) started_[i].boot = now_;
  }
  const metrics::cell after = cell_of(p);
  if (!(before == after)) {
    counters_.move(p.group, before, after);
    if (old_state != p.state) {
      last_change_ = now_;
      if (old_state == sim::phone_state::booting && p.state != sim::phone_state::unreachable)
        latency(boot_latency).record(now_ - started_[i].boot);
      if (p.state == sim::phone_state::trusted)
        latency(trust_latency).record(now_ - started_[i].cycle);
      if (log_.phone_detail()) {
        const std::string device = device_of(i);
        std::string why;
        if (p.state == sim::phone_state::locked)
          why = (p.flags & phone::ctl_rejected_flag) ? "CTL update failed"
                                                     : "Trust List Update Failed";
        // The phone's own log line for a config it could not verify.
        if (p.state == sim::phone_state::config_rejected)
          why = "invalid file " + sim::config_name_for(device) + ", authenticated fail";
        log_.phone(now_, device, sim::state_name(old_state), sim::state_name(p.state), why);
      }
    }
  }
  perform(i, a);
}

void fleet_run::deliver_tvs(std::uint32_t i, const sim::tvs_result& r) {
  deliver(i, {phone_event_kind::tvs_answer, sim::no_file, r});
}

std::int64_t fleet_run::reboot_delay(std::uint32_t i) const {
  const auto jitter = plan_.boot.reboot_jitter.count();
  const double u = uniform01(plan_.seed, global_id(i), draw::reboot_jitter, phones_[i].epoch);
  const auto delay = plan_.boot.reboot.count() +
                     static_cast<std::int64_t>((2 * u - 1) * static_cast<double>(jitter));
  return std::max<std::int64_t>(0, delay);
}

void fleet_run::reset_phone(std::uint32_t i, std::uint64_t counter) {
  ++counters_.events().device_resets;
  const double u = uniform01(plan_.seed, global_id(i), draw::reset_spread, counter);
  schedule_reset(
      i, static_cast<std::int64_t>(u * static_cast<double>(plan_.boot.reset_spread.count())));
}

std::uint64_t fleet_run::reset_registered(const action* only, std::uint32_t index) {
  std::uint64_t n = 0;
  for (std::uint32_t i = 0; i < phones_.size(); ++i) {
    if (only != nullptr && !selected(*only, index, i)) continue;
    if (!sim::registered(phones_[i].state)) continue;
    reset_phone(i, static_cast<std::uint64_t>(now_));
    ++n;
  }
  return n;
}

void fleet_run::reset_phones_of(const std::vector<std::size_t>& nodes, std::uint64_t counter) {
  std::uint64_t n = 0;
  for (std::uint32_t i = 0; i < phones_.size(); ++i) {
    const std::uint8_t primary = groups_[phones_[i].group].tftp[0];
    if (std::find(nodes.begin(), nodes.end(), primary) == nodes.end()) continue;
    if (!sim::registered(phones_[i].state)) continue;
    reset_phone(i, counter);
    ++n;
  }
  log_.note(now_, "CUCM resets the " + std::to_string(n) + " registered phones whose ITL changed");
}

std::optional<std::size_t> fleet_run::declared_node(const std::string& name) const {
  // A group's servers are named as declared; the cluster keeps the plan's
  // node order.
  for (std::size_t n = 0; n < plan_.cluster.nodes.size(); ++n)
    if (plan_.cluster.nodes[n].host == name) return n;
  return std::nullopt;
}

std::size_t fleet_run::node_or_publisher(const action& a) const {
  // The loader resolved the node (check_plan: in range); the cluster keeps
  // the plan's node order, also through renames.
  return a.node ? std::size_t{*a.node} : cluster_.publisher();
}

void fleet_run::action_done(const action& a, const std::string& node, bool ok) {
  actions_.push_back({now_, a.text, node, ok});
}

std::string fleet_run::group_named(const action& a) const {
  return a.group ? " (group " + plan_.fleet[*a.group].name + ")" : std::string();
}

void fleet_run::apply(const action& a, const sim::command_output& out, const std::string& host) {
  action_done(a, host, out.ok);
  log_.command(now_, host + "$ " + a.text, out.ok, out.text);
  if (!out.ok) ++counters_.events().refused_commands;
  cluster_changed();
  refresh_ctl_requests();
  if (out.ok && out.resets_devices && plan_.cluster.auto_reset && !out.itl_changed.empty())
    reset_phones_of(out.itl_changed, static_cast<std::uint64_t>(now_));
  warn_itl_size();
}

bool fleet_run::selected(const action& a, std::uint32_t index, std::uint32_t i) const {
  if (a.group && phones_[i].group != *a.group) return false;
  return a.fraction >= 1.0 ||
         uniform01(plan_.seed, global_id(i), draw::selection, index) < a.fraction;
}

void fleet_run::select_phones(const action& a, std::uint32_t index, manual_action m) {
  action_done(a, "", true);
  if (a.rate_per_hour > 0) return visit_phones(a, index, m);
  std::uint64_t n = 0;
  for (std::uint32_t i = 0; i < phones_.size(); ++i) {
    if (!selected(a, index, i)) continue;
    schedule_manual(i, m, 0);
    ++n;
  }
  log_.note(now_, a.text + ": " + std::to_string(n) + " phones");
}

void fleet_run::visit_phones(const action& a, std::uint32_t index, manual_action m) {
  // Technicians walk to the phones that show the failure (locked or config
  // rejected now), one after another in fleet order, `rate` phones an hour
  // for the whole crew; visits that would fall after the end are not made.
  const double interval_us = 3600e6 / a.rate_per_hour;
  std::uint64_t visits = 0, skipped = 0;
  std::int64_t last = now_;
  for (std::uint32_t i = 0; i < phones_.size(); ++i) {
    if (!selected(a, index, i) || !sim::untrusted(phones_[i].state)) continue;
    const auto delay =
        static_cast<std::int64_t>(static_cast<double>(visits + skipped) * interval_us);
    if (now_ + delay > plan_.end.count()) {
      ++skipped;
      continue;
    }
    schedule_manual(i, m, delay);
    last = now_ + delay;
    ++visits;
  }
  const double hours = static_cast<double>(visits) / a.rate_per_hour;
  manual_.visits += visits;
  manual_.not_reached += skipped;
  manual_.technician_hours += hours;
  if (visits > 0) manual_.last_visit_us = std::max(manual_.last_visit_us.value_or(0), last);
  char pace[64];
  std::snprintf(pace, sizeof pace, "%.2f technician-hours at %g phones/hour", hours,
                a.rate_per_hour);
  log_.note(now_, a.text + ": technicians visit " + std::to_string(visits) +
                      " phones showing a trust failure, " + pace + ", the last at " +
                      metrics::format_sim_time(last) +
                      (skipped > 0 ? "; " + std::to_string(skipped) + " more not reached by the end"
                                   : std::string()));
}

void fleet_run::run_action(std::uint32_t index) {
  const action& a = plan_.timeline[index];
  const std::int64_t t = now_ / 1'000'000;
  const std::size_t node = node_or_publisher(a);
  const std::string host = cluster_.node(node).host;
  // The loader read the arguments into the verb's type (check_plan: args_fit).
  switch (a.kind) {
    case action_kind::boot_all: {
      std::uint64_t n = 0;
      for (std::uint32_t i = 0; i < phones_.size(); ++i) {
        if (!selected(a, index, i) || !sim::power_on_requested(phones_[i])) continue;
        const double u = uniform01(plan_.seed, global_id(i), draw::boot_spread, index);
        schedule_boot(
            i, static_cast<std::int64_t>(u * static_cast<double>(plan_.boot.spread.count())));
        ++n;
      }
      action_done(a, "", true);
      log_.note(now_, "boot-all" + group_named(a) + ": " + std::to_string(n) +
                          " phones power on over " +
                          metrics::format_sim_time(plan_.boot.spread.count()));
      return;
    }
    case action_kind::itl_reset_localkey:
      return apply(a, cluster_.itl_reset_localkey(node, t), host);
    case action_kind::itl_reset_remotekey: {
      const auto& from = std::get<plan::remote_key_source>(a.args);
      return apply(a, cluster_.itl_reset_remotekey(node, from.host, from.user, from.path, t), host);
    }
    case action_kind::cert_regen:
      return apply(
          a, cluster_.cert_regen(node, std::get<plan::regen_certificate>(a.args).purpose, t), host);
    case action_kind::restart_tftp: {
      const auto restart = [&](std::size_t n) {
        const sim::command_output out = cluster_.restart_tftp(n, t);
        apply(a, out, cluster_.node(n).host);
        if (out.ok) tftp_restarted(n);
      };
      if (a.node) return restart(node);
      for (std::size_t n = 0; n < cluster_.node_count(); ++n)
        if (cluster_.node(n).tftp) restart(n);
      return;
    }
    case action_kind::restart_tvs:
      return apply(a, cluster_.restart_tvs(node), host);
    case action_kind::restart_callmanager:
      return apply(a, cluster_.restart_callmanager(node), host);
    case action_kind::reset_all_devices: {
      const std::uint64_t n = reset_registered();
      action_done(a, "", true);
      log_.note(now_, "reset all devices: " + std::to_string(n) + " phones reset over " +
                          metrics::format_sim_time(plan_.boot.reset_spread.count()));
      return;
    }
    case action_kind::reset_devices: {
      // `reset all devices` restricted to the phones the action selects: the
      // registered ones among them reset, over the same spread.
      const std::uint64_t n = reset_registered(&a, index);
      action_done(a, "", true);
      log_.note(now_, "reset devices" + group_named(a) + ": " + std::to_string(n) +
                          " phones reset over " +
                          metrics::format_sim_time(plan_.boot.reset_spread.count()));
      return;
    }
    case action_kind::rename_publisher:
      return apply(a, cluster_.rename_publisher(std::get<plan::new_host_name>(a.args).host, t),
                   host);
    case action_kind::change_domain:
      return apply(a, cluster_.change_domain(node, std::get<plan::new_domain>(a.args).domain, t),
                   host);
    case action_kind::change_security_password:
      return apply(
          a, cluster_.change_security_password(std::get<plan::security_password>(a.args).password),
          host);
    case action_kind::backup_itlrecovery:
      return apply(a,
                   cluster_.backup_itlrecovery(node, std::get<plan::sftp_destination>(a.args).path),
                   host);
    case action_kind::tftp_outage:
    case action_kind::tvs_outage: {
      const service s = a.kind == action_kind::tftp_outage ? service::tftp : service::tvs;
      action_done(a, host, true);
      log_.note(now_, std::string(service_name(s)) + " service on " + host + " down for " +
                          metrics::format_sim_time(a.length.count()));
      outage(node, s, a.length.count());
      return;
    }
    case action_kind::delete_itl:
      return select_phones(a, index, manual_action::delete_itl);
    case action_kind::factory_reset:
      return select_phones(a, index, manual_action::factory_reset);
    case action_kind::drs_backup:
      return apply(a, cluster_.drs_backup(t), host);
    case action_kind::drs_restore:
      return apply(a, cluster_.drs_restore(t), host);
    case action_kind::rebuild_publisher:
      return apply(
          a, cluster_.rebuild_publisher(std::get<plan::security_password>(a.args).password, t),
          host);
    case action_kind::set_option_150:
      return set_option_150(a);
    case action_kind::restore_previous_itl:
      return apply(a, cluster_.restore_previous_itl(node), host);
    case action_kind::inject_fault:
    case action_kind::clear_fault: {
      const sim::cluster_fault fault = std::get<plan::cluster_fault_choice>(a.args).fault;
      return apply(a, cluster_.set_fault(fault, node, a.kind == action_kind::inject_fault), host);
    }
    case action_kind::upgrade_cluster: {
      sim::command_output out = cluster_.upgrade(std::get<plan::target_release>(a.args).version, t);
      const bool reboot = out.ok && out.resets_devices;
      // Not CUCM's reset of the phones whose ITL changed (auto_reset): the
      // reboot of every node drops every registration, whatever auto_reset says.
      out.resets_devices = false;
      apply(a, out, host);
      if (!reboot) return;
      const std::uint64_t n = reset_registered();
      log_.note(now_, "upgrade: every node rebooted; " + std::to_string(n) +
                          " registered phones re-register over " +
                          metrics::format_sim_time(plan_.boot.reset_spread.count()));
      return;
    }
    case action_kind::set_rollback_pre8:
      return apply(a, cluster_.set_rollback_pre8(std::get<plan::parameter_switch>(a.args).on, t),
                   host);
    case action_kind::ctl_set_mixed_mode:
      return apply(a, cluster_.ctl_set_mixed_mode(node, t), host);
    case action_kind::ctl_update:
      return apply(a, cluster_.ctl_update(node, t), host);
    case action_kind::ctl_reset_localkey:
      return apply(a, cluster_.ctl_reset_localkey(node, t), host);
    case action_kind::ctl_set_non_secure_mode:
      return apply(a, cluster_.ctl_set_non_secure_mode(node, t), host);
  }
}

void fleet_run::refresh_ctl_requests() {
  bool served = false;
  for (std::size_t n = 0; n < cluster_.node_count(); ++n)
    served = served || (cluster_.node(n).tftp && cluster_.served_ctl(n) != sim::no_file);
  for (group_runtime& g : groups_) g.profile.request_ctl = served && g.family->ctl;
}

void fleet_run::warn_itl_size() {
  for (std::size_t n = 0; n < cluster_.node_count(); ++n) {
    if (!cluster_.node(n).tftp) continue;
    const std::size_t size = files_.get(cluster_.served_itl(n)).raw.size();
    if (size <= static_cast<std::size_t>(plan_.phone.max_itl_bytes)) continue;
    const std::string text = cluster_.node(n).host + " serves an ITL of " + std::to_string(size) +
                             " bytes, over the " + std::to_string(plan_.phone.max_itl_bytes) +
                             " bytes a phone loads (phone.max_itl_bytes): every phone that "
                             "downloads it fails to install it and locks";
    // Once per distinct warning: every later command would repeat it.
    if (std::find(warnings_.begin(), warnings_.end(), text) != warnings_.end()) continue;
    log_.note(now_, "WARNING: " + text);
    warnings_.push_back(text);
  }
}

void fleet_run::set_option_150(const action& a) {
  // The loader resolved the list: distinct TFTP nodes (check_plan: in range).
  const std::vector<plan::node_index>& nodes = std::get<plan::tftp_server_list>(a.args).nodes;
  const std::vector<std::uint8_t> tftp(nodes.begin(), nodes.end());
  std::size_t changed = 0;
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    if (a.group && g != *a.group) continue;
    groups_[g].tftp = tftp;
    groups_[g].profile.tftp_servers = static_cast<std::uint8_t>(tftp.size());
    ++changed;
  }
  action_done(a, "", true);
  log_.note(now_, a.text + ": " + std::to_string(changed) +
                      " group(s) fetch from these TFTP servers from their next boot");
}

std::uint8_t fleet_run::tftp_node(std::uint32_t i, std::uint8_t server) const {
  // DHCP is read at boot; a phone in the middle of one when the option
  // changed goes on with the new list at the position it had reached.
  const auto& list = group_of(i).tftp;
  return list[std::min<std::size_t>(server, list.size() - 1)];
}

void fleet_run::service_back(std::size_t node, service s) {
  log_.note(now_,
            std::string(service_name(s)) + " service on " + cluster_.node(node).host + " is back");
}

void fleet_run::daily_alert() {
  if (auto alert = cluster_.daily_backup_alert()) {
    ++counters_.events().backup_alerts;
    log_.note(now_, "RTMT alert: " + *alert);
  }
}

void fleet_run::sample() {
  before_sample();
  // A phone without Security by Default is never stale: it holds no ITL and
  // none is meant for it.
  auto snap = counters_.take(
      now_,
      [&](std::uint16_t g) {
        return groups_[g].family->security_by_default ? cluster_.served_itl(groups_[g].tftp[0])
                                                      : sim::no_file;
      },
      [&](file_id itl, file_id ctl) {
        return cluster_.bulk_recovers(itl, ctl, plan_.cluster.itl_check_with_ctl_only);
      });
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
    pr.snapshot = &snap;
    pr.latencies = &latencies_;
    pr.actions = &actions_;
    pr.engine = engine_name_;
    pr.servers = server_figures();
    options_.on_progress(pr);
  }
  if (!series_.empty() && series_.back().time_us == now_)
    series_.back() = std::move(snap);
  else
    series_.push_back(std::move(snap));
}

void fleet_run::interrupt(const char* reason) {
  if (interrupted_) return;
  interrupted_ = metrics::interruption{reason, now_};
  log_.note(now_, std::string("run interrupted (") + reason + ")");
  sample();
}

run_result fleet_run::finish() {
  report_device_tl_info();
  run_result r;
  r.series = std::move(series_);
  r.final_state = r.series.back();
  r.checks = check_expectations(plan_, r.series,
                                interrupted_ ? std::optional<std::int64_t>(now_) : std::nullopt);
  r.passed = !interrupted_ &&
             std::all_of(r.checks.begin(), r.checks.end(), [](const auto& c) { return c.passed; });
  auto& info = r.info;
  info.scenario = plan_.name;
  info.source = plan_.source;
  info.description = plan_.description;
  info.seed = plan_.seed;
  info.phones = phones_.size();
  info.end_us = plan_.end.count();
  for (const auto& g : plan_.fleet) info.group_names.push_back(g.name);
  info.events_processed = events_;
  info.crypto_operations = oracle_.crypto_operations();
  info.distinct_files = files_.size();
  if (peak_locked_at_) info.milestones.emplace_back("peak_locked_at", *peak_locked_at_);
  if (last_change_)
    info.milestones.emplace_back("last_state_change", *last_change_ - *last_change_ % 1000);
  info.device_tl_info = std::move(device_tl_info_);
  info.manual = manual_;
  info.engine = engine_name_;
  if (const auto& c = plan_.cluster.tftp_calibration)
    info.tftp_calibration = metrics::calibration_ref{c->file, c->server, c->date};
  for (const node_plan& n : plan_.cluster.nodes)
    if (const auto& c = n.calibration)
      info.node_calibrations.push_back(
          {n.host, metrics::calibration_ref{c->file, c->server, c->date}});
  info.actions = std::move(actions_);
  for (auto& l : latencies_)
    if (l.histogram.count() > 0) info.latencies.push_back(std::move(l));
  for (std::size_t n = 0; n < cluster_.node_count(); ++n) info.load.push_back(load_of(n));
  for (const auto& g : groups_)
    info.group_reports_device_tl_info.push_back(g.reports_device_tl_info);
  info.group_stale_cleared_us = metrics::stale_cleared_at(r.series);
  info.interrupted = interrupted_;
  r.event_log = log_.text();
  r.warnings = warnings_;
  return r;
}

void fleet_run::report_device_tl_info() {
  for (const auto& [key, n] : counters_.installed_by_group()) {
    const auto& [g, itl] = key;
    if (!groups_[g].reports_device_tl_info) continue;
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

}  // namespace itlfleet::engine
