#pragma once
/// What both engines do the same way: lay out the plan's fleet, feed phones
/// their events and count what changes, play the operator's timeline on the
/// cluster, sample the fleet and assemble the result. An engine derives from
/// fleet_run and supplies time and transport: the virtual engine from an
/// event queue and modelled stations, the live engine from Asio timers and
/// real sockets. Not thread-safe: one engine thread owns a run.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "huge_pages.hpp"
#include "itlfleet/engine/plan.hpp"
#include "itlfleet/engine/run_types.hpp"
#include "itlfleet/metrics/event_log.hpp"
#include "itlfleet/metrics/fleet_counters.hpp"
#include "itlfleet/sim/cluster.hpp"
#include "itlfleet/sim/device_family.hpp"
#include "itlfleet/sim/phone.hpp"
#include "itlfleet/sim/result.hpp"
#include "itlfleet/sim/trust_oracle.hpp"

namespace itlfleet::engine {

/// A fleet group as the engines run it.
struct group_runtime {
  std::vector<std::uint8_t> tftp;  ///< node indices, primary first
  /// Node indices in the order phones try them; may be empty (a CallManager
  /// group none of whose nodes runs TVS, or a family without TVS).
  std::vector<std::uint8_t> tvs;
  sim::phone_profile profile;
  const sim::device_family* family = nullptr;  ///< from the group's model
  /// The scenario's `fetch:`, else the family's and firmware's default.
  fetch_protocol fetch = fetch_protocol::tftp;
  /// The firmware reports the installed ITL in DeviceTLInfo alarms (and the
  /// family holds ITLs at all).
  bool reports_device_tl_info = false;
};

/// The services an outage can stop.
enum class service : std::uint8_t { tftp, tvs };
std::string_view service_name(service s);

/// What a person does to a phone by hand.
enum class manual_action : std::uint8_t { delete_itl, factory_reset };

/// The sim::cluster configuration a plan describes.
result<sim::cluster_config> cluster_config_of(const run_plan& plan);

/// The plan's cluster with its PKI, built the way every engine builds it.
struct planned_cluster {
  std::unique_ptr<sim::identity_factory> factory;
  std::unique_ptr<sim::file_store> files;
  std::unique_ptr<sim::cluster> cluster;
};
result<planned_cluster> build_cluster(const run_plan& plan, const run_options& options);

class fleet_run {
 public:
  fleet_run(const run_plan& plan, const run_options& options, sim::file_store& files,
            sim::cluster& cluster);
  virtual ~fleet_run() = default;
  fleet_run(const fleet_run&) = delete;
  fleet_run& operator=(const fleet_run&) = delete;

 protected:
  /// Lays out the groups and their phones and checks that every node the
  /// fleet and the timeline name exists.
  status setup_fleet();

  // --- what an engine supplies ------------------------------------------------
  /// Carries out what a phone asked for (request a file, ask TVS, wait, reboot).
  virtual void perform(std::uint32_t i, const sim::phone_action& a) = 0;
  /// Delivers a boot event to phone `i` after `delay_us`, unless the phone's
  /// epoch has moved on by then.
  virtual void schedule_boot(std::uint32_t i, std::int64_t delay_us) = 0;
  /// Delivers a reset event to phone `i` after `delay_us`.
  virtual void schedule_reset(std::uint32_t i, std::int64_t delay_us) = 0;
  /// Delivers a manual action to phone `i` after `delay_us`.
  virtual void schedule_manual(std::uint32_t i, manual_action m, std::int64_t delay_us) = 0;
  /// Stops a service of a node now; the engine calls service_back() after `length_us`.
  virtual void outage(std::size_t node, service s, std::int64_t length_us) = 0;
  /// `restart tftp` restarted node's TFTP service: a live engine's server
  /// closes its sockets and listens again, dropping the transfers in flight.
  virtual void tftp_restarted(std::size_t /*node*/) {}
  /// The cluster's files or trust stores may have changed (after every command).
  virtual void cluster_changed() = 0;
  /// The peak load a node saw, for the report.
  virtual metrics::node_load load_of(std::size_t node) const = 0;
  /// What real servers report about themselves, at a sample; null: none.
  virtual const std::vector<metrics::server_figures>* server_figures() { return nullptr; }
  /// Called at the start of every sample: a chance to bring event totals
  /// kept elsewhere (the live engine's load generator) up to date.
  virtual void before_sample() {}

  // --- shared ------------------------------------------------------------------
  /// Feeds one event to phone `i`, counts the change, performs the action.
  void deliver(std::uint32_t i, const sim::phone_event& e);
  /// A TVS exchange ended (the phone counts it as failed or not).
  void deliver_tvs(std::uint32_t i, const sim::tvs_result& r);
  /// Plays timeline entry `index` at now_.
  void run_action(std::uint32_t index);
  /// A service stopped by outage() is back.
  void service_back(std::size_t node, service s);
  /// The daily RTMT check for an ITLRecovery backup.
  void daily_alert();
  /// Records a time-series row at now_ and reports progress.
  void sample();
  /// Stops the run at now_ because of `reason` (run_options::stop_requested):
  /// takes a last sample; finish() then reports the interruption.
  void interrupt(const char* reason);
  /// The run's stop_requested answer, null when it runs on (or has none).
  const char* stop_reason() const {
    return options_.stop_requested ? options_.stop_requested() : nullptr;
  }
  bool interrupted() const { return interrupted_.has_value(); }
  /// DeviceTLInfo, expectations and run facts: the run's result at its end,
  /// or where interrupt() stopped it.
  run_result finish();

  /// Asks the memory for what delivering an event to phone `i` touches
  /// (its state, its boot and cycle start times): in a million-phone fleet
  /// they are far apart and rarely cached, and an engine that knows the
  /// next few phones early (the virtual engine's sorted bucket) can have
  /// them on the way while it works on the current one. Always inlined:
  /// GCC takes a function that only prefetches for a pure one and drops
  /// the calls, prefetches and all (until 2026-12 none ran).
  [[gnu::always_inline]] void prefetch_phone(std::uint32_t i) const {
    if (i >= phones_.size()) return;
    __builtin_prefetch(&phones_[i], 1);
    __builtin_prefetch(&started_[i], 1);
  }
  /// How long phone `i` takes to come back from a reboot (the plan's reboot
  /// time with its jitter, drawn per phone and epoch).
  std::int64_t reboot_delay(std::uint32_t i) const;
  /// Phone `i` of this run is phone global_id(i) of the whole fleet (shards):
  /// its MAC, its loopback address and its random draws follow that index.
  std::uint32_t global_id(std::uint32_t i) const {
    return i * options_.shard_count + options_.shard_index;
  }
  /// Phone `i`'s device name, SEP<MAC>, its MAC counted from sim::first_phone_mac.
  std::string device_of(std::uint32_t i) const {
    return sim::device_name(sim::first_phone_mac + global_id(i));
  }
  std::uint32_t now_s() const { return static_cast<std::uint32_t>(now_ / 1'000'000); }
  const group_runtime& group_of(std::uint32_t i) const { return groups_[phones_[i].group]; }
  /// The TFTP node phone `i` asks as its `server`-th (its group's list can
  /// change under it: DHCP option 150).
  std::uint8_t tftp_node(std::uint32_t i, std::uint8_t server) const;

  const run_plan& plan_;
  const run_options& options_;
  sim::file_store& files_;
  sim::cluster& cluster_;
  sim::trust_oracle oracle_;
  metrics::fleet_counters counters_;
  metrics::event_log log_;
  /// Per phone, read at random: in huge pages (huge_pages.hpp).
  std::vector<sim::phone, huge_page_allocator<sim::phone>> phones_;
  std::vector<group_runtime> groups_;
  /// Latency distributions, indexed by latency_kind.
  enum latency_kind : std::size_t { boot_latency, trust_latency, download_latency, tvs_latency };
  metrics::latency_histogram& latency(latency_kind k) { return latencies_[k].histogram; }

  const char* engine_name_ = "virtual";  ///< "virtual" or "live", for reports
  std::int64_t now_ = 0;                 ///< scenario time in microseconds; the engine advances it
  std::uint64_t events_ = 0;             ///< events processed, for progress and the report

 private:
  metrics::cell cell_of(const sim::phone& p) const {
    return {p.state, p.ever_locked(), p.installed, p.ctl};
  }
  void apply(const action& a, const sim::command_output& out, const std::string& host);
  /// DHCP option 150 changed for the action's group (or every group).
  void set_option_150(const action& a);
  void reset_phones_of(const std::vector<std::size_t>& nodes, std::uint64_t counter);
  /// Resets every registered phone, or only those of them that `only`
  /// selects (`selected`: group, fraction), staggered over reset_spread; how many.
  std::uint64_t reset_registered(const action* only = nullptr, std::uint32_t index = 0);
  void reset_phone(std::uint32_t i, std::uint64_t counter);
  /// Phone actions apply to a group (or all) and a share of it, drawn per phone.
  bool selected(const action& a, std::uint32_t index, std::uint32_t i) const;
  /// `rate:` given: technicians visit the phones showing a trust failure.
  void visit_phones(const action& a, std::uint32_t index, manual_action m);
  void select_phones(const action& a, std::uint32_t index, manual_action m);
  std::optional<std::size_t> declared_node(const std::string& name) const;
  /// The group's TVS servers: its `tvs` list, else the TVS nodes of its
  /// CallManager group (possibly none), else every TVS node.
  status resolve_tvs(const fleet_group& fg, const std::vector<std::uint8_t>& all_tvs,
                     std::vector<std::uint8_t>& out) const;
  std::size_t node_or_publisher(const action& a) const;
  void report_device_tl_info();
  /// Mixed mode: phones start their boot with the CTL while any TFTP node
  /// serves one (after every command, as TFTP restarts change what is served).
  void refresh_ctl_requests();

  /// Records a fleet action (boot-all, resets, outages) for the reports.
  void action_done(const action& a, const std::string& node, bool ok);
  /// " (group NAME)" for an action restricted to a fleet group, else empty:
  /// how the log names the phones a fleet action chose.
  std::string group_named(const action& a) const;

  std::vector<metrics::snapshot> series_;
  std::vector<metrics::latency> latencies_;
  std::vector<metrics::operator_action> actions_;
  /// Per phone, scenario microseconds: when its current boot sequence began,
  /// and when the cycle that should end in trust began (power-on, reset,
  /// manual deletion). Side by side: one cache line for both.
  struct start_times {
    std::int64_t boot = 0;
    std::int64_t cycle = 0;
  };
  std::vector<start_times, huge_page_allocator<start_times>> started_;
  std::vector<metrics::itl_report> device_tl_info_;
  /// Milestones exist only once they happened: a run where nothing changed
  /// state has no "last state change", one where no phone locked no peak.
  std::optional<std::int64_t> last_change_;
  std::uint64_t peak_locked_ = 0;
  std::optional<std::int64_t> peak_locked_at_;
  /// Phones visited by technicians (`rate:`), their hours and the last visit.
  metrics::manual_recovery manual_;
  std::optional<metrics::interruption> interrupted_;

  /// Warns (event log and run_result::warnings, once each) when a TFTP node
  /// serves an ITL larger than phones load: after setup and every command.
  void warn_itl_size();
  std::vector<std::string> warnings_;
};

}  // namespace itlfleet::engine
