#include "itlfleet/metrics/report.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cstdio>
#include <string_view>
#include <system_error>

#include "itlfleet/metrics/counter_table.hpp"
#include "itlfleet/sim/json.hpp"
#include "itlfleet/sim/utf8.hpp"

namespace itlfleet::metrics {
namespace {

/// Writes `key: [ {...}, ... ]`, one object per item, its fields from `fields`.
template <class T, class F>
void object_array(json_writer& w, std::string_view key, const std::vector<T>& items, F fields) {
  w.key(key).begin_array();
  for (const T& item : items) {
    w.begin_object();
    fields(item);
    w.end_object();
  }
  w.end_array();
}

constexpr std::uint64_t us_per_s = 1'000'000;

std::uint64_t magnitude(std::int64_t v) {
  // Negating in unsigned arithmetic keeps INT64_MIN defined.
  return v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
}

// "5", "0.5", "0.002": whole seconds, then the sub-second part with trailing
// zeros trimmed.
std::string seconds_text(std::uint64_t whole, std::uint64_t frac_us) {
  std::string out = std::to_string(whole);
  if (frac_us != 0) {
    assert(frac_us < us_per_s);
    std::string digits = std::to_string(frac_us);
    digits.insert(0, 6 - digits.size(), '0');
    while (digits.back() == '0') digits.pop_back();
    out += '.';
    out += digits;
  }
  return out;
}

/// A scenario time in seconds under `key`. Whole seconds stay integers;
/// json_writer's doubles keep only 6 digits, which would round a week-long run.
void write_seconds(json_writer& w, std::string_view key, std::int64_t us) {
  if (us % static_cast<std::int64_t>(us_per_s) == 0) {
    w.key(key).value(us / static_cast<std::int64_t>(us_per_s));
  } else {
    w.key(key).value(static_cast<double>(us) / static_cast<double>(us_per_s));
  }
}

void write_counts(json_writer& w, const counts& c) {
  for (int i = 0; i < sim::phone_state_count; ++i)
    w.key(sim::phone_state_names[static_cast<std::size_t>(i)]).value(c.by_state[i]);
  for (const phone_count& p : phone_counts) w.key(p.name).value(c.*p.member);
}

}  // namespace

// Escapes for both attribute values and text. Control characters other than
// tab, newline and carriage return cannot appear in XML 1.0 at all, not even
// as references, so they become '?', as do U+FFFE and U+FFFF; whitespace in
// attributes is written as a reference because parsers would otherwise
// normalise it to spaces. Bytes that are not UTF-8 become U+FFFD, so the
// document is well-formed whatever the scenario or file held.
std::string xml_escape(std::string_view s, bool attribute) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const auto ch = decode_utf8(s, i);
    if (!ch) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    const std::uint32_t cp = ch->code_point;
    switch (cp) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\n':
        out += attribute ? "&#10;" : "\n";
        break;
      case '\r':
        out += "&#13;";
        break;
      case '\t':
        out += attribute ? "&#9;" : "\t";
        break;
      default:
        if (cp < 0x20 || cp == 0x7f || cp == 0xFFFE || cp == 0xFFFF) {
          out += '?';
        } else {
          out.append(s.substr(i, ch->length));
        }
    }
    i += ch->length;
  }
  return out;
}

namespace {

std::string attr(std::string_view s) {
  return xml_escape(s, true);
}

}  // namespace

std::string seconds_decimal(std::int64_t us) {
  const std::uint64_t m = magnitude(us);
  return (us < 0 ? "-" : "") + seconds_text(m / us_per_s, m % us_per_s);
}

void write_tftp_calibration(json_writer& w, const std::optional<calibration_ref>& calibration,
                            const std::vector<node_calibration>& nodes) {
  if (!calibration) {
    w.key("tftp_calibration").value("defaults");
  } else {
    w.key("tftp_calibration").begin_object();
    w.key("file").value(calibration->file);
    w.key("server").value(calibration->server);
    w.key("date").value(calibration->date);
    w.end_object();
  }
  if (nodes.empty()) return;
  w.key("node_calibrations").begin_array();
  for (const node_calibration& n : nodes) {
    w.begin_object();
    w.key("node").value(n.node);
    w.key("file").value(n.calibration.file);
    w.key("server").value(n.calibration.server);
    w.key("date").value(n.calibration.date);
    w.end_object();
  }
  w.end_array();
}

std::string summary_json(const run_info& info, const snapshot& final_state,
                         const std::vector<check_result>& checks) {
  const bool passed =
      std::all_of(checks.begin(), checks.end(), [](const check_result& c) { return c.passed; });

  json_writer w;
  w.begin_object();
  w.key("scenario").value(info.scenario);
  w.key("source").value(info.source);
  w.key("seed").value(info.seed);
  w.key("engine").value(info.engine);
  write_tftp_calibration(w, info.tftp_calibration, info.node_calibrations);
  w.key("phones").value(info.phones);
  if (info.shard) {
    w.key("shard").begin_object();
    w.key("index").value(info.shard->index);
    w.key("count").value(info.shard->count);
    w.key("file").value("shard.json");
    w.end_object();
  }
  w.key("end").value(format_sim_time(info.end_us));
  write_seconds(w, "end_s", info.end_us);
  w.key("passed").value(passed && !info.interrupted);
  if (info.interrupted) {
    w.key("interrupted").begin_object();
    w.key("signal").value(info.interrupted->reason);
    w.key("at").value(format_sim_time(info.interrupted->at_us));
    write_seconds(w, "at_s", info.interrupted->at_us);
    w.end_object();
  }
  w.key("events_processed").value(info.events_processed);
  w.key("crypto_operations").value(info.crypto_operations);
  w.key("distinct_files").value(info.distinct_files);

  w.key("final").begin_object();
  write_counts(w, final_state.fleet);
  w.end_object();

  w.key("groups").begin_array();
  for (std::size_t i = 0; i < final_state.groups.size(); ++i) {
    w.begin_object();
    w.key("name").value(i < info.group_names.size() ? info.group_names[i]
                                                    : "group" + std::to_string(i));
    write_counts(w, final_state.groups[i]);
    if (i < info.group_stale_cleared_us.size() && info.group_stale_cleared_us[i])
      w.key("stale_cleared_at").value(format_sim_time(*info.group_stale_cleared_us[i]));
    w.end_object();
  }
  w.end_array();

  const event_totals& e = final_state.events;
  w.key("events").begin_object();
  for (const event_counter& c : event_counters) w.key(c.name).value(e.*c.member);
  w.key("requests").begin_object();
  for (std::size_t k = 0; k < e.requests.size(); ++k) {
    w.key(k == event_totals::itl_file ? "itl" : "config").begin_object();
    w.key("served").value(e.requests[k][event_totals::served]);
    w.key("refused").value(e.requests[k][event_totals::refused]);
    w.key("timed_out").value(e.requests[k][event_totals::timed_out]);
    w.end_object();
  }
  w.end_object();
  w.end_object();

  // Latencies in seconds of scenario time (live runs: wall time divided by
  // the time scale); "clock" says so, as it always has.
  object_array(w, "latency", info.latencies, [&](const latency& l) {
    const auto s = [](std::int64_t us) { return static_cast<double>(us) / 1e6; };
    const latency_histogram& h = l.histogram;
    w.key("name").value(l.name);
    w.key("clock").value("scenario");
    w.key("count").value(h.count());
    w.key("min_s").value(s(h.min()));
    w.key("p50_s").value(s(h.percentile(50)));
    w.key("p90_s").value(s(h.percentile(90)));
    w.key("p99_s").value(s(h.percentile(99)));
    w.key("max_s").value(s(h.max()));
    w.key("mean_s").value(s(h.sum() / static_cast<std::int64_t>(h.count())));
  });

  w.key("milestones").begin_object();
  for (const auto& [name, at] : info.milestones) w.key(name).value(format_sim_time(at));
  w.end_object();

  if (info.manual.visits > 0 || info.manual.not_reached > 0) {
    w.key("manual_recovery").begin_object();
    w.key("visits").value(info.manual.visits);
    w.key("not_reached").value(info.manual.not_reached);
    w.key("technician_hours").value(info.manual.technician_hours);
    if (info.manual.last_visit_us)
      w.key("last_visit_at").value(format_sim_time(*info.manual.last_visit_us));
    w.end_object();
  }

  if (info.engine == "live") {
    const auto& g = e.load_generator;
    const std::pair<std::string_view, std::uint64_t> fields[] = {
        {"descriptors_exhausted", g.descriptors_exhausted},
        {"memory_exhausted", g.memory_exhausted},
        {"other_local_errors", g.other_local_errors},
        {"retries", g.retries},
        {"receive_drops", g.receive_drops},
        {"send_drops", g.send_drops},
        {"udp_sockets", g.udp_sockets},
        {"peak_descriptors", g.peak_descriptors}};
    w.key("load_generator").begin_object();
    for (const auto& [name, value] : fields) w.key(name).value(value);
    w.end_object();
    w.key("protocol_errors").begin_array();
    for (const auto& [where, n] : e.protocol_errors) {
      w.begin_object();
      w.key("server").value(where.first);
      w.key("kind").value(where.second);
      w.key("count").value(n);
      w.end_object();
    }
    w.end_array();
  }

  object_array(w, "load", info.load, [&](const node_load& l) {
    w.key("node").value(l.node);
    w.key("peak_tftp_transfers").value(l.peak_tftp_transfers);
    w.key("longest_tvs_wait").value(format_sim_time(l.longest_tvs_wait_us));
  });
  object_array(w, "device_tl_info", info.device_tl_info, [&](const itl_report& r) {
    w.key("group").value(r.group);
    w.key("itl_signature").value(r.itl_signature);
    w.key("phones").value(r.phones);
    w.key("current").value(r.current);
  });
  object_array(w, "expectations", checks, [&](const check_result& c) {
    w.key("name").value(c.name);
    w.key("passed").value(c.passed);
    w.key("message").value(c.message);
    w.key("line").value(c.line);
  });

  w.end_object();
  return w.str();
}

std::string junit_xml(const run_info& info, const std::vector<check_result>& checks) {
  const auto failures =
      std::count_if(checks.begin(), checks.end(), [](const check_result& c) { return !c.passed; });
  const std::string suite = attr(info.scenario);
  const bool interrupted = info.interrupted.has_value();

  // No timestamp, hostname or wall-clock durations: the same seed must give
  // the same bytes, and CI only needs names and verdicts.
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites>\n";
  out += "  <testsuite name=\"" + suite + "\" tests=\"" +
         std::to_string(checks.size() + (interrupted ? 1 : 0)) + "\" failures=\"" +
         std::to_string(failures) + "\" errors=\"" + (interrupted ? "1" : "0") + "\" time=\"0\">\n";
  out += "    <properties>\n";
  out += "      <property name=\"seed\" value=\"" + std::to_string(info.seed) + "\"/>\n";
  out += "      <property name=\"phones\" value=\"" + std::to_string(info.phones) + "\"/>\n";
  out += "      <property name=\"source\" value=\"" + attr(info.source) + "\"/>\n";
  out += "    </properties>\n";
  for (const check_result& c : checks) {
    out += "    <testcase classname=\"itlfleet." + suite + "\" name=\"" + attr(c.name) +
           "\" time=\"0\"";
    if (c.passed) {
      out += "/>\n";
      continue;
    }
    // The body leads with file:line so CI log viewers can link to the
    // expectation in the scenario.
    std::string where = info.source;
    if (c.line > 0) where += ":" + std::to_string(c.line);
    out += ">\n      <failure message=\"" + attr(c.message) + "\">" +
           xml_escape(where + ": " + c.message, false) + "</failure>\n    </testcase>\n";
  }
  if (interrupted) {
    // The run itself did not finish: an error, apart from the verdicts.
    const std::string why = "interrupted by " + info.interrupted->reason + " at " +
                            format_sim_time(info.interrupted->at_us) + " of " +
                            format_sim_time(info.end_us);
    out += "    <testcase classname=\"itlfleet." + suite + "\" name=\"run to the end (" +
           format_sim_time(info.end_us) + ")\" time=\"0\">\n      <error message=\"" + attr(why) +
           "\">" + xml_escape(info.source + ": " + why, false) + "</error>\n    </testcase>\n";
  }
  out += "  </testsuite>\n";
  out += "</testsuites>\n";
  return out;
}

std::string timeseries_csv(const std::vector<snapshot>& series) {
  std::string out = "time_s";
  for (std::string_view k : sim::phone_state_names) {
    out += ',';
    out += k;
  }
  out += ",stale,unrecoverable,recovered\n";
  for (const snapshot& s : series) {
    out += seconds_decimal(s.time_us);
    for (std::uint64_t n : s.fleet.by_state) out += ',' + std::to_string(n);
    out += ',' + std::to_string(s.fleet.stale);
    out += ',' + std::to_string(s.fleet.unrecoverable);
    out += ',' + std::to_string(s.fleet.recovered);
    out += '\n';
  }
  return out;
}

}  // namespace itlfleet::metrics
