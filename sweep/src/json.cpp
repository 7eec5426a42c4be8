// sweep.json: everything sweep.csv holds, plus messages, per-node load and
// the searches.

#include "itlfleet/sim/json.hpp"
#include "itlfleet/metrics/report.hpp"
#include "itlfleet/scenarios/scenario.hpp"
#include "itlfleet/sweep/report.hpp"

namespace itlfleet::sweep {
namespace {

using sim::phone_state;

void seconds(json_writer& w, std::string_view key, const std::optional<std::int64_t>& us) {
  w.key(key);
  if (us)
    w.value(static_cast<double>(*us) / 1e6);
  else
    w.null();
}

void settings(json_writer& w, const point_space& space, std::size_t point,
              std::optional<std::size_t> skip = std::nullopt) {
  const auto c = space.coordinates(point);
  w.begin_object();
  for (std::size_t k = 0; k < space.axes().size(); ++k)
    if (k != skip) w.key(space.axes()[k].key).value(space.axes()[k].values[c[k]].text);
  w.end_object();
}

void run(json_writer& w, const run_outcome& r) {
  w.begin_object();
  w.key("seed").value(r.seed);
  w.key("phones").value(r.phones);
  w.key("final").begin_object();
  for (int s = 0; s < sim::phone_state_count; ++s)
    w.key(sim::state_name(static_cast<phone_state>(s)))
        .value(r.fleet.state(static_cast<phone_state>(s)));
  w.key("stale").value(r.fleet.stale);
  w.key("unrecoverable").value(r.fleet.unrecoverable);
  w.key("recovered").value(r.fleet.recovered);
  w.key("ever_locked").value(r.fleet.ever_locked);
  w.end_object();
  seconds(w, "all_trusted_from_s", r.all_trusted_from_us);
  seconds(w, "recover_s", r.recover_us);
  seconds(w, "settled_s", r.settled_us);
  w.key("events").begin_object();
  w.key("tftp_refusals").value(r.events.tftp_refusals);
  w.key("tftp_timeouts").value(r.events.tftp_timeouts);
  w.key("tvs_queries").value(r.events.tvs_queries);
  w.key("tvs_failures").value(r.events.tvs_failures);
  w.key("refused_commands").value(r.events.refused_commands);
  w.key("files_served").value(r.events.files_served);
  w.end_object();
  w.key("peak_tftp_transfers").value(r.peak_tftp_transfers);
  seconds(w, "longest_tvs_wait_s", r.longest_tvs_wait_us);
  w.key("load").begin_array();
  for (const auto& l : r.load) {
    w.begin_object();
    w.key("node").value(l.node);
    w.key("peak_tftp_transfers").value(l.peak_tftp_transfers);
    seconds(w, "longest_tvs_wait_s", l.longest_tvs_wait_us);
    w.end_object();
  }
  w.end_array();
  w.key("passed").value(r.passed);
  w.key("find");
  if (r.found) {
    w.begin_object();
    w.key("held").value(*r.found);
    w.key("observed").value(r.found_message);
    w.end_object();
  } else {
    w.null();
  }
  w.key("expectations").begin_array();
  for (const auto& c : r.checks) {
    w.begin_object();
    w.key("name").value(c.name);
    w.key("passed").value(c.passed);
    w.key("observed").value(c.message);
    w.end_object();
  }
  w.end_array();
  w.key("events_processed").value(r.events_processed);
  w.end_object();
}

std::string_view outcome_name(search_result::kind k) {
  switch (k) {
    case search_result::kind::threshold:
      return "threshold";
    case search_result::kind::holds_everywhere:
      return "holds_everywhere";
    case search_result::kind::fails_everywhere:
      return "fails_everywhere";
    case search_result::kind::not_monotone:
      return "not_monotone";
  }
  return "";
}

std::string_view verdict_name(verdict v) {
  return v == verdict::holds ? "holds" : v == verdict::fails ? "fails" : "mixed";
}

}  // namespace

std::string sweep_json(const sweep_setup& setup, const sweep_result& result) {
  const point_space& space = setup.space;
  json_writer w;
  w.begin_object();
  w.key("scenario").value(space.base().name);
  w.key("source").value(space.base().source);
  // Which TFTP model every point ran on, as summary.json names it.
  metrics::write_tftp_calibration(w, calibration_of(space), node_calibrations_of(space));
  w.key("seeds").begin_array();
  for (std::uint64_t s : setup.seeds) w.value(s);
  w.end_array();
  w.key("axes").begin_array();
  for (const axis& a : space.axes()) {
    w.begin_object();
    w.key("key").value(a.key);
    w.key("kind").value(kind_name(a.kind));
    w.key("values").begin_array();
    for (const auto& v : a.values) w.value(v.text);
    w.end_array();
    w.end_object();
  }
  w.end_array();
  w.key("points_in_grid").value(static_cast<std::uint64_t>(space.size()));
  w.key("runs").value(static_cast<std::uint64_t>(result.runs.size()));
  w.key("expectations").begin_array();
  for (const auto& e : space.base().expect) w.value(scenarios::describe(e));
  w.end_array();

  w.key("find");
  if (setup.search_axis) {
    const axis& a = space.axes()[*setup.search_axis];
    w.begin_object();
    w.key("condition").value(setup.find);
    w.key("along").value(a.key);
    w.key("searches").begin_array();
    for (const search_report& s : result.searches) {
      const search_result& r = s.result;
      w.begin_object();
      w.key("fixed");
      settings(w, space, s.points.front(), *setup.search_axis);
      w.key("outcome").value(outcome_name(r.outcome));
      w.key("summary").value(describe_search(setup, s));
      if (r.outcome == search_result::kind::threshold) {
        w.key("threshold").value(a.values[r.holds_after ? r.after : r.before].text);
        w.key("holds").value(r.holds_after ? "from the threshold on" : "up to the threshold");
        w.key("before").begin_object();
        w.key("value").value(a.values[r.before].text);
        w.key("point").value(static_cast<std::uint64_t>(s.points[r.before]));
        w.end_object();
        w.key("after").begin_object();
        w.key("value").value(a.values[r.after].text);
        w.key("point").value(static_cast<std::uint64_t>(s.points[r.after]));
        w.end_object();
      }
      w.key("evaluations").value(static_cast<std::uint64_t>(r.evaluations));
      w.key("max_evaluations")
          .value(static_cast<std::uint64_t>(bisection::max_evaluations(s.points.size())));
      w.key("seen").begin_array();
      for (const auto& [i, v] : r.seen) {
        w.begin_object();
        w.key("value").value(a.values[i].text);
        w.key("verdict").value(verdict_name(v));
        w.end_object();
      }
      w.end_array();
      w.end_object();
    }
    w.end_array();
    w.end_object();
  } else {
    w.null();
  }

  w.key("points").begin_array();
  for (std::size_t i = 0; i < result.runs.size();) {
    const std::size_t point = result.runs[i].point;
    w.begin_object();
    w.key("point").value(static_cast<std::uint64_t>(point));
    w.key("settings");
    settings(w, space, point);
    w.key("runs").begin_array();
    for (; i < result.runs.size() && result.runs[i].point == point; ++i) run(w, result.runs[i]);
    w.end_array();
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return w.str();
}

}  // namespace itlfleet::sweep
