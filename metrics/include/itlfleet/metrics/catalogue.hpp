#pragma once
/// Every Prometheus metric itlfleet exports, in one place: its name, kind,
/// label names and help text. prometheus_exporter registers its families
/// from these entries (counter_table.hpp says which event total or phone
/// count feeds each series), the engines name their latency distributions after
/// the histograms' `latency`, and a test checks that README.md's metric
/// table lists exactly these names and that they follow Prometheus naming
/// (counters end in `_total`; no gauge ends in `_count`, `_sum`, `_bucket`
/// or `_total`). Times are seconds of scenario time; in live runs, wall time
/// divided by the time scale.
///
/// Header-only, constexpr data; thread-safe.
///
///   for (const catalogue::metric& m : catalogue::all) std::puts(m.name.data());

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace itlfleet::metrics::catalogue {

enum class metric_kind { counter, gauge, histogram };

struct metric {
  std::string_view name;
  metric_kind kind;
  /// Label names, comma-separated (empty: none). Histograms list none but
  /// Prometheus's own `le`.
  std::string_view labels;
  std::string_view help;
  /// Histograms: the name of the metrics::latency they show (e.g. "boot").
  std::string_view latency = {};
};

using enum metric_kind;

// --- phones, per fleet group -----------------------------------------------------
inline constexpr metric phones{
    "itlfleet_phones", gauge, "group,model,firmware,tftp_node,state",
    "Phones by trust state, per fleet group; the states sum to the fleet"};
inline constexpr metric phones_stale{
    "itlfleet_phones_stale", gauge, "group,model,firmware,tftp_node",
    "Phones whose installed ITL differs from their TFTP node's current one"};
inline constexpr metric phones_unrecoverable{"itlfleet_phones_unrecoverable", gauge,
                                             "group,model,firmware,tftp_node",
                                             "Locked phones whose ITL has no ITLRecovery record"};
inline constexpr metric phones_recovered{"itlfleet_phones_recovered", gauge,
                                         "group,model,firmware,tftp_node",
                                         "Phones trusted again after having been locked"};
inline constexpr metric phones_ever_locked{"itlfleet_phones_ever_locked", gauge,
                                           "group,model,firmware,tftp_node",
                                           "Phones locked at some point of the run"};

// --- event totals ------------------------------------------------------------------
inline constexpr metric boots{"itlfleet_boots_total", counter, "", "Boot sequences started"};
inline constexpr metric device_resets{
    "itlfleet_device_resets_total", counter, "",
    "Phones CUCM reset: after an ITL change (automatic reset), reset all devices, or the node "
    "reboots of an upgrade"};
inline constexpr metric tftp_requests{"itlfleet_tftp_requests_total", counter, "result",
                                      "TFTP and HTTP 6970 file requests by result (refused: past "
                                      "the Maximum Serving Count; timed_out: service down)"};
inline constexpr metric file_requests{
    "itlfleet_file_requests_total", counter, "kind,result",
    "TFTP and HTTP 6970 requests by file kind (itl, config) and result"};
inline constexpr metric tftp_served_bytes{"itlfleet_tftp_served_bytes_total", counter, "",
                                          "Bytes of the files served over TFTP and HTTP 6970"};
inline constexpr metric itl_installs{
    "itlfleet_itl_installs_total", counter, "signer",
    "ITLs phones installed, by the signer's role: a node's CallManager key, or the ITLRecovery "
    "key after utils itl reset"};
inline constexpr metric configs_rejected{"itlfleet_configs_rejected_total", counter, "",
                                         "Signed configs phones rejected (authenticated fail)"};
inline constexpr metric tvs_queries{"itlfleet_tvs_queries_total", counter, "",
                                    "TVS queries sent by phones"};
inline constexpr metric tvs_queries_failed{
    "itlfleet_tvs_queries_failed_total", counter, "",
    "TVS queries that failed: unreachable, untrusted server or \"invalid\" answer"};
inline constexpr metric operator_commands{
    "itlfleet_operator_commands_total", counter, "result",
    "Administrator commands and fleet actions by result (refused: hold timer, not the "
    "publisher, ...)"};
inline constexpr metric operator_actions{
    "itlfleet_operator_actions_total", counter, "command,node,result",
    "Each distinct action of the timeline as written, by node and result: dashboard "
    "annotations"};
inline constexpr metric backup_alerts{"itlfleet_backup_alerts_total", counter, "",
                                      "Daily RTMT alerts that ITLRecovery is not backed up"};
inline constexpr metric ctl_updates{
    "itlfleet_ctl_updates_total", counter, "result",
    "Mixed mode: CTLs phones installed (on faith or signed by a SAST of their CTL) and new CTLs "
    "they refused (CTL update failed)"};
inline constexpr metric trust_list_fallbacks{
    "itlfleet_trust_list_fallbacks_total", counter, "file",
    "Boots whose TFTP server had no ITLSEP<MAC>.tlv (CTLSEP<MAC>.tlv), so that the phone asked "
    "for ITLFile.tlv (CTLFile.tlv)"};
inline constexpr metric engine_events{"itlfleet_engine_events_total", counter, "",
                                      "Engine events processed"};

// --- latencies ----------------------------------------------------------------------
inline constexpr metric boot_seconds{
    "itlfleet_boot_seconds", histogram, "",
    "Power-on or reboot to the end of the boot sequence, scenario seconds", "boot"};
inline constexpr metric time_to_trust_seconds{"itlfleet_time_to_trust_seconds", histogram, "",
                                              "Reset or power-on to trusted, scenario seconds",
                                              "time_to_trust"};
inline constexpr metric download_seconds{
    "itlfleet_download_seconds", histogram, "",
    "Live runs: one ITL, CTL or config fetch, scenario seconds (wall time divided by the time "
    "scale)",
    "download"};
inline constexpr metric tvs_query_seconds{
    "itlfleet_tvs_query_seconds", histogram, "",
    "One TVS exchange that TVS answered, scenario seconds (virtual runs: the modelled wait for a "
    "session slot, handshake, query and round trip; live runs: wall time divided by the time "
    "scale)",
    "tvs_query"};

// --- live runs: the in-process servers ------------------------------------------------
inline constexpr metric server_transfers_limit{
    "itlfleet_server_transfers_limit", gauge, "node",
    "Live runs: a node's configured Maximum Serving Count, the most TFTP and HTTP transfers it "
    "serves at once"};
inline constexpr metric server_transfers_active{
    "itlfleet_server_transfers_active", gauge, "node",
    "Live runs: TFTP and HTTP transfers a node's servers serve now"};
inline constexpr metric server_tvs_sessions_active{
    "itlfleet_server_tvs_sessions_active", gauge, "node",
    "Live runs: TLS sessions open on a node's TVS server"};
inline constexpr metric server_tftp_retransmissions{
    "itlfleet_server_tftp_retransmissions_total", counter, "node",
    "Live runs: DATA packets a node's TFTP server sent again"};
inline constexpr metric server_tftp_malformed{
    "itlfleet_server_tftp_malformed_total", counter, "node",
    "Live runs: datagrams a node's TFTP server dropped as malformed"};
inline constexpr metric server_tls_handshakes{
    "itlfleet_server_tls_handshakes_total", counter, "node,result",
    "Live runs: TLS handshakes on a node's TVS server by result"};

// --- live runs: the load generator and what servers did wrong -------------------------
inline constexpr metric load_generator_limits{
    "itlfleet_load_generator_limits_total", counter, "reason",
    "Live runs: what the load generator itself could not do, never a server's failure: "
    "exchanges not sent for want of descriptors, memory or another local socket error "
    "(reason descriptors, memory, other), datagrams lost on its own full queues "
    "(receive_queue, send_buffer)"};
inline constexpr metric protocol_errors{
    "itlfleet_protocol_errors_total", counter, "server,kind",
    "Live runs: server replies that broke the protocol, unexpected TFTP ERRORs and HTTP "
    "statuses, files over their size cap, transfers over their deadline, failed TVS answers; by "
    "server address and kind"};

// --- the run --------------------------------------------------------------------------
inline constexpr metric scenario_time{"itlfleet_scenario_time_seconds", gauge, "",
                                      "Scenario time of the last sample"};
inline constexpr metric scenario_end{"itlfleet_scenario_end_seconds", gauge, "",
                                     "Scenario time at which the run stops"};
inline constexpr metric run_complete{
    "itlfleet_run_complete", gauge, "",
    "1 once the run has ended and its outputs are written, else 0"};
inline constexpr metric run_info{
    "itlfleet_run_info", gauge, "scenario,seed,engine,version",
    "The run: scenario, seed, engine (virtual or live) and itlfleet version; always 1"};

/// Every metric, in the order the exporter registers them: a scrape lists
/// the counters in this order, then the gauges, then the histograms.
inline constexpr std::array all = {
    phones,
    phones_stale,
    phones_unrecoverable,
    phones_recovered,
    phones_ever_locked,
    boots,
    device_resets,
    tftp_requests,
    tftp_served_bytes,
    tvs_queries,
    tvs_queries_failed,
    operator_commands,
    operator_actions,
    backup_alerts,
    itl_installs,
    configs_rejected,
    ctl_updates,
    trust_list_fallbacks,
    file_requests,
    boot_seconds,
    time_to_trust_seconds,
    download_seconds,
    tvs_query_seconds,
    server_transfers_limit,
    server_transfers_active,
    server_tvs_sessions_active,
    server_tftp_retransmissions,
    server_tftp_malformed,
    server_tls_handshakes,
    load_generator_limits,
    protocol_errors,
    engine_events,
    scenario_time,
    scenario_end,
    run_complete,
    run_info,
};

// --- itlfleet calibrate --metrics: the load offered to a server and its answer --------
inline constexpr metric calibration_step{
    "itlfleet_calibration_step", gauge, "",
    "itlfleet calibrate: the load step under way, 1 to --steps (0 before the first)"};
inline constexpr metric calibration_offered_rate{
    "itlfleet_calibration_offered_requests_per_second", gauge, "",
    "itlfleet calibrate: the rate the current step offers (open loop, Poisson arrivals)"};
inline constexpr metric calibration_completed_rate{
    "itlfleet_calibration_completed_downloads_per_second", gauge, "",
    "itlfleet calibrate: downloads completed per second in the last finished step"};
inline constexpr metric calibration_requests{
    "itlfleet_calibration_requests_total", counter, "result",
    "itlfleet calibrate: requests by result (ok, refused: the serving count; timeout: no answer "
    "after the retries; error: protocol or local errors)"};
inline constexpr metric calibration_in_flight{
    "itlfleet_calibration_downloads_in_flight", gauge, "",
    "itlfleet calibrate: requests sent and not yet finished"};
inline constexpr metric calibration_latency{
    "itlfleet_calibration_latency_seconds", gauge, "percentile",
    "itlfleet calibrate: latency of the last finished step's completed downloads (RRQ to last "
    "ACK), wall seconds, at percentile 50, 90 and 99"};
inline constexpr metric calibration_complete{
    "itlfleet_calibration_complete", gauge, "",
    "itlfleet calibrate: 1 once the measurement has stopped (saturation, ceiling or signal)"};

/// The metrics `itlfleet calibrate --metrics` serves (a run serves `all`).
inline constexpr std::array calibration_all = {
    calibration_step,     calibration_offered_rate, calibration_completed_rate,
    calibration_requests, calibration_in_flight,    calibration_latency,
    calibration_complete,
};

/// The histogram that shows latency `name` (metrics::latency::name), or null.
constexpr const metric* histogram_for(std::string_view latency) {
  for (const metric& m : all)
    if (m.kind == histogram && m.latency == latency) return &m;
  return nullptr;
}

/// `m.labels` split at the commas.
inline std::vector<std::string> label_names(const metric& m) {
  std::vector<std::string> out;
  std::string_view rest = m.labels;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    out.emplace_back(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
  }
  return out;
}

}  // namespace itlfleet::metrics::catalogue
