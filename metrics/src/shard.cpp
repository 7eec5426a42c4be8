#include "itlfleet/metrics/shard.hpp"

// Boost.JSON in header-only form: this is its one translation unit in the
// libraries (a test executable that includes it too must not link metrics).
#include <algorithm>
#include <boost/json/src.hpp>
#include <cctype>
#include <cstdio>
#include <map>
#include <tuple>

#include "itlfleet/metrics/catalogue.hpp"
#include "itlfleet/metrics/counter_table.hpp"
#include "itlfleet/sim/json.hpp"

namespace itlfleet::metrics {
namespace {

namespace json = boost::json;

constexpr std::string_view format_name = "itlfleet shard";
// 2: a run's load generator totals and protocol errors (live runs).
// 3: device_resets among the event totals.
constexpr std::int64_t format_version = 3;

std::string_view kind_name(shard_kind k) {
  return k == shard_kind::run ? "run" : "sweep";
}

// --- writing -------------------------------------------------------------------
// Written by hand, not with json_writer: one sample per line keeps a long
// run's file readable and small.

std::string num(std::uint64_t v) {
  return std::to_string(v);
}
std::string num(std::int64_t v) {
  return std::to_string(v);
}
std::string boolean(bool b) {
  return b ? "true" : "false";
}

/// The event totals in a fixed order (counter_table.hpp's, then requests):
/// writer and reader share it.
template <class Totals, class F>
void for_each_total(Totals& e, F&& f) {
  for (const event_counter& c : event_counters) f(e.*c.member);
  for (auto& kind : e.requests)
    for (auto& v : kind) f(v);
}

/// A live run's load generator totals by name: writer, reader and merge share it.
template <class Totals, class F>
void for_each_load_generator_total(Totals& g, F&& f) {
  f("descriptors_exhausted", g.descriptors_exhausted);
  f("memory_exhausted", g.memory_exhausted);
  f("other_local_errors", g.other_local_errors);
  f("retries", g.retries);
  f("receive_drops", g.receive_drops);
  f("send_drops", g.send_drops);
  f("udp_sockets", g.udp_sockets);
  f("peak_descriptors", g.peak_descriptors);
}

/// A group's (or the fleet's) counts in a fixed order.
template <class Counts, class F>
void for_each_count(Counts& c, F&& f) {
  for (auto& v : c.by_state) f(v);
  for (const phone_count& p : phone_counts) f(c.*p.member);
}

std::string counts_array(const counts& c) {
  std::string out = "[";
  for_each_count(c, [&](std::uint64_t v) { out += (out.size() > 1 ? "," : "") + num(v); });
  return out + "]";
}

std::string header_json(const shard_header& h) {
  std::string out = "{\n";
  out += "  \"format\": " + json_quote(format_name) + ",\n";
  out += "  \"version\": " + num(format_version) + ",\n";
  out += "  \"kind\": " + json_quote(kind_name(h.kind)) + ",\n";
  out += "  \"index\": " + num(std::uint64_t{h.index}) + ",\n";
  out += "  \"count\": " + num(std::uint64_t{h.count}) + ",\n";
  out += "  \"identity\": {";
  for (std::size_t i = 0; i < h.identity.size(); ++i)
    out += std::string(i ? "," : "") + "\n    " + json_quote(h.identity[i].first) + ": " +
           json_quote(h.identity[i].second);
  out += "\n  }";
  return out;
}

std::string optional_us(const std::optional<std::int64_t>& us) {
  return us ? num(*us) : "null";
}

// --- reading -------------------------------------------------------------------

/// Thrown by the accessors below, caught at the top: the message names the field.
struct bad_field {
  std::string what;
};

const json::value& field(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v) throw bad_field{"missing \"" + std::string(key) + "\""};
  return *v;
}
const json::object& object_of(const json::value& v, std::string_view what) {
  if (!v.is_object()) throw bad_field{std::string(what) + ": expected an object"};
  return v.as_object();
}
const json::array& array_of(const json::value& v, std::string_view what) {
  if (!v.is_array()) throw bad_field{std::string(what) + ": expected an array"};
  return v.as_array();
}
std::string text_of(const json::value& v, std::string_view what) {
  if (!v.is_string()) throw bad_field{std::string(what) + ": expected a string"};
  return std::string(v.as_string());
}
bool bool_of(const json::value& v, std::string_view what) {
  if (!v.is_bool()) throw bad_field{std::string(what) + ": expected true or false"};
  return v.as_bool();
}
std::uint64_t unsigned_of(const json::value& v, std::string_view what) {
  if (v.is_uint64()) return v.as_uint64();
  if (v.is_int64() && v.as_int64() >= 0) return static_cast<std::uint64_t>(v.as_int64());
  throw bad_field{std::string(what) + ": expected a whole number of at least 0"};
}
std::int64_t signed_of(const json::value& v, std::string_view what) {
  if (v.is_int64()) return v.as_int64();
  if (v.is_uint64() && v.as_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
    return static_cast<std::int64_t>(v.as_uint64());
  throw bad_field{std::string(what) + ": expected a whole number"};
}
double double_of(const json::value& v, std::string_view what) {
  if (v.is_double()) return v.as_double();
  if (v.is_int64()) return static_cast<double>(v.as_int64());
  if (v.is_uint64()) return static_cast<double>(v.as_uint64());
  throw bad_field{std::string(what) + ": expected a number"};
}
std::optional<std::int64_t> optional_signed(const json::value& v, std::string_view what) {
  if (v.is_null()) return std::nullopt;
  return signed_of(v, what);
}

counts counts_of(const json::value& v, std::string_view what) {
  const json::array& a = array_of(v, what);
  counts c;
  std::size_t i = 0;
  std::size_t n = 0;
  for_each_count(c, [&](std::uint64_t&) { ++n; });
  if (a.size() != n) throw bad_field{std::string(what) + ": expected " + num(n) + " counts"};
  for_each_count(c, [&](std::uint64_t& x) { x = unsigned_of(a[i++], what); });
  return c;
}

snapshot sample_of(const json::value& v, std::size_t groups) {
  const json::array& a = array_of(v, "samples[]");
  if (a.size() != 4) throw bad_field{"samples[]: expected [time_us, fleet, groups, events]"};
  snapshot s;
  s.time_us = signed_of(a[0], "samples[] time");
  s.fleet = counts_of(a[1], "samples[] fleet");
  const json::array& g = array_of(a[2], "samples[] groups");
  if (g.size() != groups)
    throw bad_field{"samples[] groups: expected " + num(std::uint64_t{groups}) + " groups"};
  for (const auto& x : g) s.groups.push_back(counts_of(x, "samples[] groups"));
  const json::array& e = array_of(a[3], "samples[] events");
  std::size_t n = 0;
  for_each_total(s.events, [&](std::uint64_t&) { ++n; });
  if (e.size() != n) throw bad_field{"samples[] events: expected " + num(n) + " totals"};
  std::size_t i = 0;
  for_each_total(s.events, [&](std::uint64_t& x) { x = unsigned_of(e[i++], "samples[] events"); });
  return s;
}

shard_run run_of(const json::object& r) {
  shard_run out;
  run_info& info = out.info;
  info.scenario = text_of(field(r, "scenario"), "scenario");
  info.source = text_of(field(r, "source"), "source");
  info.description = text_of(field(r, "description"), "description");
  info.engine = text_of(field(r, "engine"), "engine");
  info.seed = unsigned_of(field(r, "seed"), "seed");
  info.phones = unsigned_of(field(r, "phones"), "phones");
  info.end_us = signed_of(field(r, "end_us"), "end_us");
  info.events_processed = unsigned_of(field(r, "events_processed"), "events_processed");
  info.crypto_operations = unsigned_of(field(r, "crypto_operations"), "crypto_operations");
  info.distinct_files = unsigned_of(field(r, "distinct_files"), "distinct_files");
  if (auto last = optional_signed(field(r, "last_state_change_us"), "last_state_change_us"))
    info.milestones.emplace_back("last_state_change", *last);
  if (const auto& i = field(r, "interrupted"); !i.is_null()) {
    const auto& o = object_of(i, "interrupted");
    info.interrupted = interruption{text_of(field(o, "reason"), "interrupted.reason"),
                                    signed_of(field(o, "at_us"), "interrupted.at_us")};
  }
  const auto& m = object_of(field(r, "manual_recovery"), "manual_recovery");
  info.manual.visits = unsigned_of(field(m, "visits"), "manual_recovery.visits");
  info.manual.not_reached = unsigned_of(field(m, "not_reached"), "manual_recovery.not_reached");
  info.manual.technician_hours =
      double_of(field(m, "technician_hours"), "manual_recovery.technician_hours");
  info.manual.last_visit_us =
      optional_signed(field(m, "last_visit_us"), "manual_recovery.last_visit_us");
  for (const auto& g : array_of(field(r, "groups"), "groups")) {
    const auto& o = object_of(g, "groups[]");
    info.group_names.push_back(text_of(field(o, "name"), "groups[].name"));
    info.group_reports_device_tl_info.push_back(
        bool_of(field(o, "reports_device_tl_info"), "groups[].reports_device_tl_info"));
  }
  for (const auto& l : array_of(field(r, "load"), "load")) {
    const auto& o = object_of(l, "load[]");
    info.load.push_back({text_of(field(o, "node"), "load[].node"),
                         unsigned_of(field(o, "peak_tftp_transfers"), "load[].peak_tftp_transfers"),
                         signed_of(field(o, "longest_tvs_wait_us"), "load[].longest_tvs_wait_us")});
  }
  for (const auto& d : array_of(field(r, "device_tl_info"), "device_tl_info")) {
    const auto& o = object_of(d, "device_tl_info[]");
    info.device_tl_info.push_back(
        {text_of(field(o, "group"), "device_tl_info[].group"),
         text_of(field(o, "itl_signature"), "device_tl_info[].itl_signature"),
         unsigned_of(field(o, "phones"), "device_tl_info[].phones"),
         bool_of(field(o, "current"), "device_tl_info[].current")});
  }
  for (const auto& a : array_of(field(r, "actions"), "actions")) {
    const auto& o = object_of(a, "actions[]");
    info.actions.push_back({signed_of(field(o, "time_us"), "actions[].time_us"),
                            text_of(field(o, "text"), "actions[].text"),
                            text_of(field(o, "node"), "actions[].node"),
                            bool_of(field(o, "ok"), "actions[].ok")});
  }
  for (const auto& l : array_of(field(r, "latency"), "latency")) {
    const auto& o = object_of(l, "latency[]");
    std::vector<latency_histogram::raw_bucket> buckets;
    for (const auto& b : array_of(field(o, "buckets"), "latency[].buckets")) {
      const auto& pair = array_of(b, "latency[].buckets[]");
      if (pair.size() != 2) throw bad_field{"latency[].buckets[]: expected [index, count]"};
      buckets.push_back({static_cast<std::size_t>(unsigned_of(pair[0], "bucket index")),
                         unsigned_of(pair[1], "bucket count")});
    }
    const std::string name = text_of(field(o, "name"), "latency[].name");
    auto h = latency_histogram::from_raw(buckets, signed_of(field(o, "min_us"), "latency[].min_us"),
                                         signed_of(field(o, "max_us"), "latency[].max_us"),
                                         signed_of(field(o, "sum_us"), "latency[].sum_us"));
    if (!h) throw bad_field{"latency " + name + ": buckets, min, max and sum do not agree"};
    info.latencies.push_back({name, *h});
  }
  for (const auto& s : array_of(field(r, "samples"), "samples"))
    out.series.push_back(sample_of(s, info.group_names.size()));
  if (out.series.empty()) throw bad_field{"samples: expected at least one"};
  event_totals& final_events = out.series.back().events;
  const auto& g = object_of(field(r, "load_generator"), "load_generator");
  for_each_load_generator_total(
      final_events.load_generator, [&](std::string_view name, std::uint64_t& v) {
        v = unsigned_of(field(g, name), "load_generator." + std::string(name));
      });
  for (const auto& e : array_of(field(r, "protocol_errors"), "protocol_errors")) {
    const auto& o = object_of(e, "protocol_errors[]");
    final_events.protocol_errors[{text_of(field(o, "server"), "protocol_errors[].server"),
                                  text_of(field(o, "kind"), "protocol_errors[].kind")}] +=
        unsigned_of(field(o, "count"), "protocol_errors[].count");
  }
  return out;
}

/// Where a latency stands in the engine's order (catalogue.hpp); others last.
std::size_t latency_rank(std::string_view name) {
  const std::string_view order[] = {
      catalogue::boot_seconds.latency, catalogue::time_to_trust_seconds.latency,
      catalogue::download_seconds.latency, catalogue::tvs_query_seconds.latency};
  return static_cast<std::size_t>(std::find(std::begin(order), std::end(order), name) -
                                  std::begin(order));
}

// --- event logs ----------------------------------------------------------------

/// Microseconds of a stamp's time ("1h2m3.456s", "0s"); nullopt if it is not one.
std::optional<std::int64_t> stamp_time(std::string_view t) {
  std::int64_t total = 0;
  bool any = false;
  while (!t.empty()) {
    std::size_t i = 0;
    std::int64_t whole = 0;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') whole = whole * 10 + (t[i++] - '0');
    std::int64_t frac = 0;
    if (i < t.size() && t[i] == '.') {
      ++i;
      std::int64_t scale = 100'000;
      while (i < t.size() && t[i] >= '0' && t[i] <= '9') {
        frac += (t[i++] - '0') * scale;
        scale /= 10;
      }
    }
    if (i == 0 || i >= t.size()) return std::nullopt;
    const char unit = t[i];
    const std::int64_t us = unit == 'h' ? 3'600'000'000 : unit == 'm' ? 60'000'000 : 1'000'000;
    if (unit != 'h' && unit != 'm' && unit != 's') return std::nullopt;
    total += whole * us + frac * (us / 1'000'000);
    any = true;
    t.remove_prefix(i + 1);
  }
  if (!any) return std::nullopt;
  return total;
}

struct log_entry {
  std::int64_t time_us;
  std::size_t shard;
  std::string text;  ///< the stamped line and those under it, newlines included
  bool per_shard;    ///< a note counting this shard's phones: never merged away
};

/// A note that counts this shard's phones: a number, then " phones" or
/// " registered phones" ("boot-all: 100 phones power on", "CUCM resets the
/// 100 registered phones ...").
bool counts_phones_of(std::string_view body) {
  for (std::string_view word :
       {std::string_view(" phones"), std::string_view(" registered phones")}) {
    for (auto at = body.find(word); at != std::string_view::npos; at = body.find(word, at + 1)) {
      const bool ends = at + word.size() == body.size() ||
                        !std::isalnum(static_cast<unsigned char>(body[at + word.size()]));
      if (at > 0 && ends && std::isdigit(static_cast<unsigned char>(body[at - 1]))) return true;
    }
  }
  return false;
}

std::vector<log_entry> entries_of(const std::string& log, std::size_t shard) {
  std::vector<log_entry> out;
  std::int64_t last = 0;
  std::string_view rest = log;
  while (!rest.empty()) {
    const auto nl = rest.find('\n');
    const std::string_view line = rest.substr(0, nl == std::string_view::npos ? rest.size() : nl);
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    std::optional<std::int64_t> t;
    if (line.starts_with('[')) {
      const auto close = line.find("] ");
      if (close != std::string_view::npos) {
        std::string_view stamp = line.substr(1, close - 1);
        while (!stamp.empty() && stamp.front() == ' ') stamp.remove_prefix(1);
        t = stamp_time(stamp);
      }
    }
    if (t || out.empty()) {
      last = t.value_or(last);
      const std::string_view body = t ? line.substr(line.find("] ") + 2) : line;
      const bool command = body.ends_with("  (ok)") || body.ends_with("  (refused)");
      const bool counts_phones = !command && counts_phones_of(body);
      out.push_back({last, shard, std::string(), counts_phones});
    }
    out.back().text.append(line);
    out.back().text += '\n';
  }
  return out;
}

}  // namespace

const std::string* shard_header::find(std::string_view name) const {
  for (const auto& [k, v] : identity)
    if (k == name) return &v;
  return nullptr;
}

std::string shard_json(const shard_header& header) {
  return header_json(header) + "\n}\n";
}

std::string shard_json(const shard_header& header, const run_info& info,
                       const std::vector<snapshot>& series) {
  std::string out = header_json(header) + ",\n  \"run\": {\n";
  auto line = [&](std::string_view key, const std::string& value, bool last = false) {
    out += "    " + json_quote(key) + ": " + value + (last ? "\n" : ",\n");
  };
  line("scenario", json_quote(info.scenario));
  line("source", json_quote(info.source));
  line("description", json_quote(info.description));
  line("engine", json_quote(info.engine));
  line("seed", num(info.seed));
  line("phones", num(info.phones));
  line("end_us", num(info.end_us));
  line("events_processed", num(info.events_processed));
  line("crypto_operations", num(info.crypto_operations));
  line("distinct_files", num(info.distinct_files));
  std::optional<std::int64_t> last_change;
  for (const auto& [name, at] : info.milestones)
    if (name == "last_state_change") last_change = at;
  line("last_state_change_us", optional_us(last_change));
  line("interrupted", info.interrupted ? "{\"reason\": " + json_quote(info.interrupted->reason) +
                                             ", \"at_us\": " + num(info.interrupted->at_us) + "}"
                                       : "null");
  {
    char hours[32];  // exact: merged shards add them up
    std::snprintf(hours, sizeof hours, "%.17g", info.manual.technician_hours);
    line("manual_recovery", "{\"visits\": " + num(info.manual.visits) + ", \"not_reached\": " +
                                num(info.manual.not_reached) + ", \"technician_hours\": " + hours +
                                ", \"last_visit_us\": " + optional_us(info.manual.last_visit_us) +
                                "}");
  }
  std::string groups = "[";
  for (std::size_t g = 0; g < info.group_names.size(); ++g) {
    const bool reports =
        g < info.group_reports_device_tl_info.size() && info.group_reports_device_tl_info[g];
    groups += std::string(g ? "," : "") + "\n      {\"name\": " + json_quote(info.group_names[g]) +
              ", \"reports_device_tl_info\": " + boolean(reports) + "}";
  }
  line("groups", groups + "\n    ]");
  std::string load = "[";
  for (std::size_t n = 0; n < info.load.size(); ++n) {
    const auto& l = info.load[n];
    load += std::string(n ? "," : "") + "\n      {\"node\": " + json_quote(l.node) +
            ", \"peak_tftp_transfers\": " + num(l.peak_tftp_transfers) +
            ", \"longest_tvs_wait_us\": " + num(l.longest_tvs_wait_us) + "}";
  }
  line("load", load + "\n    ]");
  std::string dtl = "[";
  for (std::size_t i = 0; i < info.device_tl_info.size(); ++i) {
    const auto& d = info.device_tl_info[i];
    dtl += std::string(i ? "," : "") + "\n      {\"group\": " + json_quote(d.group) +
           ", \"itl_signature\": " + json_quote(d.itl_signature) +
           ", \"phones\": " + num(d.phones) + ", \"current\": " + boolean(d.current) + "}";
  }
  line("device_tl_info", dtl + "\n    ]");
  std::string actions = "[";
  for (std::size_t i = 0; i < info.actions.size(); ++i) {
    const auto& a = info.actions[i];
    actions += std::string(i ? "," : "") + "\n      {\"time_us\": " + num(a.time_us) +
               ", \"text\": " + json_quote(a.text) + ", \"node\": " + json_quote(a.node) +
               ", \"ok\": " + boolean(a.ok) + "}";
  }
  line("actions", actions + "\n    ]");
  std::string lat = "[";
  for (std::size_t i = 0; i < info.latencies.size(); ++i) {
    const auto& h = info.latencies[i].histogram;
    std::string buckets;
    for (const auto& b : h.raw_buckets())
      buckets += std::string(buckets.empty() ? "" : ", ") + "[" +
                 num(static_cast<std::uint64_t>(b.index)) + ", " + num(b.count) + "]";
    lat += std::string(i ? "," : "") + "\n      {\"name\": " + json_quote(info.latencies[i].name) +
           ", \"count\": " + num(h.count()) + ", \"min_us\": " + num(h.min()) +
           ", \"max_us\": " + num(h.max()) + ", \"sum_us\": " + num(h.sum()) +
           ",\n       \"buckets\": [" + buckets + "]}";
  }
  line("latency", lat + "\n    ]");
  // What only the final totals hold (live runs): the load generator's own
  // limits and the servers' protocol errors.
  const event_totals none;
  const event_totals& final_events = series.empty() ? none : series.back().events;
  std::string generator = "{";
  for_each_load_generator_total(final_events.load_generator, [&](std::string_view name,
                                                                 std::uint64_t v) {
    generator += std::string(generator.size() > 1 ? ", " : "") + json_quote(name) + ": " + num(v);
  });
  line("load_generator", generator + "}");
  std::string errors = "[";
  for (const auto& [where, n] : final_events.protocol_errors)
    errors += std::string(errors.size() > 1 ? "," : "") +
              "\n      {\"server\": " + json_quote(where.first) +
              ", \"kind\": " + json_quote(where.second) + ", \"count\": " + num(n) + "}";
  line("protocol_errors", errors + (errors.size() > 1 ? "\n    ]" : "]"));
  // samples: [time_us, fleet counts, [group counts...], event totals]
  std::string samples = "[";
  for (std::size_t i = 0; i < series.size(); ++i) {
    const snapshot& s = series[i];
    samples += std::string(i ? "," : "") + "\n      [" + num(s.time_us) + ", " +
               counts_array(s.fleet) + ", [";
    for (std::size_t g = 0; g < s.groups.size(); ++g)
      samples += std::string(g ? ", " : "") + counts_array(s.groups[g]);
    samples += "], [";
    bool first = true;
    for_each_total(s.events, [&](std::uint64_t v) {
      samples += (first ? "" : ",") + num(v);
      first = false;
    });
    samples += "]]";
  }
  line("samples", samples + "\n    ]", true);
  out += "  }\n}\n";
  return out;
}

result<shard_file> parse_shard_json(std::string_view text) {
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec) return failure("not JSON: " + ec.message());
  try {
    const auto& o = object_of(doc, "shard.json");
    const json::value* format = o.if_contains("format");
    if (!format || !format->is_string() || format->as_string() != format_name)
      return failure("not an itlfleet shard file (no \"format\": \"itlfleet shard\")");
    if (signed_of(field(o, "version"), "version") != format_version)
      return failure("shard file version " + json::serialize(field(o, "version")) +
                     ", this itlfleet reads version " + num(format_version));
    shard_file out;
    const std::string kind = text_of(field(o, "kind"), "kind");
    if (kind != "run" && kind != "sweep")
      return failure("\"kind\": expected \"run\" or \"sweep\", got \"" + kind + "\"");
    out.header.kind = kind == "run" ? shard_kind::run : shard_kind::sweep;
    const std::uint64_t index = unsigned_of(field(o, "index"), "index");
    const std::uint64_t count = unsigned_of(field(o, "count"), "count");
    if (count == 0 || count > 1'000'000 || index >= count)
      return failure("\"index\" " + num(index) + " of \"count\" " + num(count) +
                     ": expected 0 <= index < count <= 1000000");
    out.header.index = static_cast<std::uint32_t>(index);
    out.header.count = static_cast<std::uint32_t>(count);
    for (const auto& [k, v] : object_of(field(o, "identity"), "identity"))
      out.header.identity.emplace_back(std::string(k), text_of(v, "identity." + std::string(k)));
    if (out.header.kind == shard_kind::run) out.run = run_of(object_of(field(o, "run"), "run"));
    return out;
  } catch (const bad_field& e) {
    return failure(e.what);
  }
}

status check_shard_set(const std::vector<shard_header>& headers,
                       const std::vector<std::string>& names) {
  if (headers.empty()) return failure("no shards to merge");
  const shard_header& first = headers.front();
  for (std::size_t i = 1; i < headers.size(); ++i) {
    const shard_header& h = headers[i];
    const std::string these = names[0] + " and " + names[i];
    if (h.kind != first.kind)
      return failure(these + " are not shards of the same kind: one is a " +
                     std::string(kind_name(first.kind)) + ", the other a " +
                     std::string(kind_name(h.kind)));
    for (const auto& [key, value] : first.identity) {
      const std::string* other = h.find(key);
      if (other && *other == value) continue;
      std::string what = "different " + key;
      // Short values are worth showing; a scenario's whole text is not.
      if (other && value.size() <= 64 && other->size() <= 64 &&
          value.find('\n') == std::string::npos && other->find('\n') == std::string::npos)
        what += " (" + value + " and " + *other + ")";
      return failure(these + " are shards of different runs: " + what);
    }
    if (h.identity.size() != first.identity.size())
      return failure(these + " are shards of different runs: their identities differ");
    if (h.count != first.count)
      return failure(these + " split the work differently: into " +
                     num(std::uint64_t{first.count}) + " and into " + num(std::uint64_t{h.count}) +
                     " shards");
  }
  std::vector<std::optional<std::size_t>> by_index(first.count);
  for (std::size_t i = 0; i < headers.size(); ++i) {
    auto& seen = by_index[headers[i].index];
    if (seen)
      return failure("shard " + num(std::uint64_t{headers[i].index}) + " of " +
                     num(std::uint64_t{first.count}) + " given twice: " + names[*seen] + " and " +
                     names[i]);
    seen = i;
  }
  std::string missing;
  std::size_t n_missing = 0;
  for (std::size_t k = 0; k < by_index.size(); ++k) {
    if (by_index[k]) continue;
    if (++n_missing <= 10) missing += (missing.empty() ? "" : ", ") + num(std::uint64_t{k});
  }
  if (n_missing > 0)
    return failure("missing shard" + std::string(n_missing > 1 ? "s " : " ") + missing +
                   (n_missing > 10 ? " and " + num(std::uint64_t{n_missing - 10}) + " more" : "") +
                   " of " + num(std::uint64_t{first.count}) + ": every shard 0 to " +
                   num(std::uint64_t{first.count - 1}) + " is needed");
  return ok();
}

result<shard_run> merge_run_shards(const std::vector<shard_run>& shards) {
  if (shards.empty()) return failure("no shards to merge");
  const shard_run& first = shards.front();
  for (std::size_t k = 0; k < shards.size(); ++k) {
    const run_info& info = shards[k].info;
    if (info.interrupted)
      return failure("shard " + num(std::uint64_t{k}) + " was interrupted (" +
                     info.interrupted->reason + " at " + format_sim_time(info.interrupted->at_us) +
                     "): run it again to the end");
    if (info.group_names != first.info.group_names)
      return failure("shard " + num(std::uint64_t{k}) + " has other fleet groups than shard 0");
    if (info.load.size() != first.info.load.size())
      return failure("shard " + num(std::uint64_t{k}) + " has other nodes than shard 0");
    if (shards[k].series.size() != first.series.size())
      return failure("shard " + num(std::uint64_t{k}) + " has " +
                     num(std::uint64_t{shards[k].series.size()}) + " samples, shard 0 " +
                     num(std::uint64_t{first.series.size()}));
    for (std::size_t i = 0; i < first.series.size(); ++i)
      if (shards[k].series[i].time_us != first.series[i].time_us)
        return failure("shard " + num(std::uint64_t{k}) + " sampled at " +
                       format_sim_time(shards[k].series[i].time_us) + " where shard 0 sampled at " +
                       format_sim_time(first.series[i].time_us));
  }

  shard_run out;
  run_info& info = out.info;
  info.scenario = first.info.scenario;
  info.source = first.info.source;
  info.description = first.info.description;
  info.engine = first.info.engine;
  info.seed = first.info.seed;
  info.end_us = first.info.end_us;
  info.group_names = first.info.group_names;
  info.group_reports_device_tl_info = first.info.group_reports_device_tl_info;
  info.actions = first.info.actions;  // the same timeline in every shard
  info.load = first.info.load;
  for (auto& l : info.load) l = {l.node, 0, 0};

  // Counts add, sample by sample.
  out.series = first.series;
  for (std::size_t k = 1; k < shards.size(); ++k) {
    for (std::size_t i = 0; i < out.series.size(); ++i) {
      snapshot& to = out.series[i];
      const snapshot& from = shards[k].series[i];
      auto add = [](counts& a, const counts& b) {
        auto it = a.by_state.begin();
        for (std::uint64_t v : b.by_state) *it++ += v;
        for (const phone_count& p : phone_counts) a.*p.member += b.*p.member;
      };
      add(to.fleet, from.fleet);
      for (std::size_t g = 0; g < to.groups.size(); ++g) add(to.groups[g], from.groups[g]);
      std::vector<std::uint64_t> b;
      for_each_total(from.events, [&](const std::uint64_t& v) { b.push_back(v); });
      std::size_t j = 0;
      for_each_total(to.events, [&](std::uint64_t& v) { v += b[j++]; });
    }
  }
  // Fleet-wide totals of the cluster's own (operator commands refused, daily
  // alerts) happen once in every shard: the whole run counts them once.
  for (std::size_t i = 0; i < out.series.size(); ++i)
    for (const event_counter& c : event_counters)
      if (c.merge == across_shards::once)
        out.series[i].events.*c.member = first.series[i].events.*c.member;
  // Each shard's load generator is a process of its own: its totals add, and
  // so do its peak descriptors (an upper bound of all of them at once, like
  // the nodes' peak TFTP transfers). Protocol errors add by server and kind.
  for (std::size_t k = 1; k < shards.size() && !out.series.empty(); ++k) {
    event_totals& final_events = out.series.back().events;
    const event_totals& from = shards[k].series.back().events;
    std::vector<std::uint64_t> values;
    for_each_load_generator_total(from.load_generator,
                                  [&](std::string_view, std::uint64_t v) { values.push_back(v); });
    std::size_t j = 0;
    for_each_load_generator_total(final_events.load_generator,
                                  [&](std::string_view, std::uint64_t& v) { v += values[j++]; });
    for (const auto& [where, n] : from.protocol_errors) final_events.protocol_errors[where] += n;
  }

  std::optional<std::int64_t> last_change;
  std::vector<std::string> latency_order;
  std::map<std::string, latency_histogram> latencies;
  std::map<std::tuple<std::string, std::string, bool>, std::size_t> dtl_at;
  for (const shard_run& s : shards) {
    info.phones += s.info.phones;
    info.events_processed += s.info.events_processed;
    info.crypto_operations += s.info.crypto_operations;
    info.distinct_files = std::max(info.distinct_files, s.info.distinct_files);
    for (const auto& [name, at] : s.info.milestones)
      if (name == "last_state_change") last_change = std::max(last_change.value_or(at), at);
    info.manual.visits += s.info.manual.visits;
    info.manual.not_reached += s.info.manual.not_reached;
    info.manual.technician_hours += s.info.manual.technician_hours;
    if (s.info.manual.last_visit_us)
      info.manual.last_visit_us =
          std::max(info.manual.last_visit_us.value_or(0), *s.info.manual.last_visit_us);
    for (std::size_t n = 0; n < info.load.size(); ++n) {
      info.load[n].peak_tftp_transfers += s.info.load[n].peak_tftp_transfers;
      info.load[n].longest_tvs_wait_us =
          std::max(info.load[n].longest_tvs_wait_us, s.info.load[n].longest_tvs_wait_us);
    }
    for (const auto& l : s.info.latencies) {
      if (!latencies.contains(l.name)) latency_order.push_back(l.name);
      latencies[l.name].merge(l.histogram);
    }
    for (const auto& d : s.info.device_tl_info) {
      const auto key = std::make_tuple(d.group, d.itl_signature, d.current);
      if (auto it = dtl_at.find(key); it != dtl_at.end()) {
        info.device_tl_info[it->second].phones += d.phones;
        continue;
      }
      dtl_at[key] = info.device_tl_info.size();
      info.device_tl_info.push_back(d);
    }
  }
  // The engine's order of latencies, whichever shards had them.
  std::stable_sort(
      latency_order.begin(), latency_order.end(),
      [](const std::string& a, const std::string& b) { return latency_rank(a) < latency_rank(b); });
  for (const std::string& name : latency_order) info.latencies.push_back({name, latencies[name]});
  // DeviceTLInfo by group, as the engine lists it.
  std::stable_sort(info.device_tl_info.begin(), info.device_tl_info.end(),
                   [&](const itl_report& a, const itl_report& b) {
                     auto pos = [&](const std::string& g) {
                       return std::find(info.group_names.begin(), info.group_names.end(), g) -
                              info.group_names.begin();
                     };
                     return pos(a.group) < pos(b.group);
                   });

  // Milestones as the engine finds them: the first sample with the most
  // phones locked, and the last state change of any shard.
  std::uint64_t peak = 0;
  std::optional<std::int64_t> peak_at;
  for (const snapshot& s : out.series) {
    const std::uint64_t locked = s.fleet.state(sim::phone_state::locked);
    if (locked > peak) {
      peak = locked;
      peak_at = s.time_us;
    }
  }
  if (peak_at) info.milestones.emplace_back("peak_locked_at", *peak_at);
  if (last_change) info.milestones.emplace_back("last_state_change", *last_change);
  return out;
}

std::string merge_event_logs(const std::vector<std::string>& logs) {
  std::vector<log_entry> all;
  for (std::size_t k = 0; k < logs.size(); ++k) {
    auto e = entries_of(logs[k], k);
    all.insert(all.end(), std::make_move_iterator(e.begin()), std::make_move_iterator(e.end()));
  }
  std::stable_sort(all.begin(), all.end(),
                   [](const log_entry& a, const log_entry& b) { return a.time_us < b.time_us; });
  // An entry logged by several shards at one time is kept as often as the
  // shard that logged it most often did.
  std::map<std::pair<std::int64_t, std::string_view>, std::size_t> kept;
  std::map<std::tuple<std::size_t, std::int64_t, std::string_view>, std::size_t> seen;
  std::string out;
  for (const log_entry& e : all) {
    if (!e.per_shard) {
      const std::size_t copy = ++seen[{e.shard, e.time_us, e.text}];
      std::size_t& k = kept[{e.time_us, e.text}];
      if (copy <= k) continue;
      ++k;
    }
    out += e.text;
  }
  return out;
}

}  // namespace itlfleet::metrics
