// sweep.csv: one row per run, for spreadsheets and scripts.

#include <algorithm>

#include "itlfleet/metrics/csv_field.hpp"
#include "itlfleet/metrics/report.hpp"
#include "itlfleet/scenarios/scenario.hpp"
#include "itlfleet/sweep/report.hpp"

namespace itlfleet::sweep {
namespace {

using metrics::csv_field;
using metrics::seconds_decimal;
using sim::phone_state;

std::string optional_seconds(const std::optional<std::int64_t>& us) {
  return us ? seconds_decimal(*us) : "";
}

}  // namespace

std::optional<metrics::calibration_ref> calibration_of(const point_space& space) {
  const auto& c = space.base().cluster.tftp_calibration;
  if (!c) return std::nullopt;
  return metrics::calibration_ref{c->file, c->server, c->date};
}

std::vector<metrics::node_calibration> node_calibrations_of(const point_space& space) {
  std::vector<metrics::node_calibration> nodes;
  for (const plan::node_plan& n : space.base().cluster.nodes)
    if (const auto& c = n.calibration)
      nodes.push_back({n.host, metrics::calibration_ref{c->file, c->server, c->date}});
  return nodes;
}

std::string calibration_label(const point_space& space) {
  const auto used = calibration_of(space);
  std::string label = used ? used->file : "defaults";
  for (const auto& n : node_calibrations_of(space))
    label += "; " + n.node + "=" + n.calibration.file;
  return label;
}

std::string sweep_csv(const sweep_setup& setup, const sweep_result& result) {
  const point_space& space = setup.space;
  const auto& axes = space.axes();
  // The scenario's expectations name the verdict columns; a point whose
  // varied settings changed their number gets "expect[i]" for the rest.
  std::size_t checks = space.base().expect.size();
  for (const run_outcome& r : result.runs) checks = std::max(checks, r.checks.size());

  // "phones" and "seed" have columns of their own, whether varied or not.
  auto own_column = [](const axis& a) { return a.key == phones_key || a.key == "seed"; };
  std::string out = "point,seed";
  for (const axis& a : axes) {
    if (own_column(a)) continue;
    out += "," + csv_field(a.key);
    if (a.kind == value_kind::duration) out += "," + csv_field(a.key + "_s");
  }
  out += ",phones";
  for (int s = 0; s < sim::phone_state_count; ++s)
    out += "," + std::string(sim::state_name(static_cast<phone_state>(s)));
  out +=
      ",stale,unrecoverable,recovered,ever_locked,all_trusted_from_s,recover_s,settled_s,"
      "peak_tftp_transfers,longest_tvs_wait_s,tftp_refusals,tftp_timeouts,tvs_queries,"
      "tvs_failures,refused_commands,tftp_calibration,passed";
  if (!setup.find.empty()) out += "," + csv_field("find: " + setup.find);
  for (std::size_t i = 0; i < checks; ++i) {
    out += "," + csv_field(i < space.base().expect.size()
                               ? "expect: " + scenarios::describe(space.base().expect[i])
                               : "expect[" + std::to_string(i) + "]");
  }
  out += "\n";

  // The same for every row: the file whose TFTP model every point ran on.
  const std::string calibration = csv_field(calibration_label(space));
  for (const run_outcome& r : result.runs) {
    out += std::to_string(r.point) + "," + std::to_string(r.seed);
    const auto c = space.coordinates(r.point);
    for (std::size_t k = 0; k < axes.size(); ++k) {
      if (own_column(axes[k])) continue;
      const setting_value& v = axes[k].values[c[k]];
      out += "," + csv_field(v.text);
      if (axes[k].kind == value_kind::duration) {
        const auto d = scenarios::parse_duration(v.text);  // canonical text: exact
        out += "," + (d ? seconds_decimal(d->count()) : std::string());
      }
    }
    out += "," + std::to_string(r.phones);
    for (int s = 0; s < sim::phone_state_count; ++s)
      out += "," + std::to_string(r.fleet.state(static_cast<phone_state>(s)));
    for (std::uint64_t v :
         {r.fleet.stale, r.fleet.unrecoverable, r.fleet.recovered, r.fleet.ever_locked})
      out += "," + std::to_string(v);
    out += "," + optional_seconds(r.all_trusted_from_us) + "," + optional_seconds(r.recover_us) +
           "," + seconds_decimal(r.settled_us);
    out +=
        "," + std::to_string(r.peak_tftp_transfers) + "," + seconds_decimal(r.longest_tvs_wait_us);
    for (std::uint64_t v : {r.events.tftp_refusals, r.events.tftp_timeouts, r.events.tvs_queries,
                            r.events.tvs_failures, r.events.refused_commands})
      out += "," + std::to_string(v);
    out += "," + calibration;
    out += r.passed ? ",yes" : ",no";
    if (!setup.find.empty()) out += r.found.value_or(false) ? ",held" : ",failed";
    for (std::size_t i = 0; i < checks; ++i)
      out += i < r.checks.size() ? (r.checks[i].passed ? ",pass" : ",fail") : ",";
    out += "\n";
  }
  return out;
}

}  // namespace itlfleet::sweep
