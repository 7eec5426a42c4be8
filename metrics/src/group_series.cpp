#include "itlfleet/metrics/group_series.hpp"

#include <algorithm>
#include <string_view>

#include "itlfleet/metrics/csv_field.hpp"

namespace itlfleet::metrics {
namespace {

/// The most groups any sample has (every sample has them all, but a
/// hand-built series may not).
std::size_t group_count(const std::vector<snapshot>& series) {
  std::size_t groups = 0;
  for (const snapshot& s : series) groups = std::max(groups, s.groups.size());
  return groups;
}

void add_counts(counts& sum, const counts& c) {
  for (std::size_t i = 0; i < sum.by_state.size(); ++i) sum.by_state[i] += c.by_state[i];
  sum.stale += c.stale;
  sum.unrecoverable += c.unrecoverable;
  sum.recovered += c.recovered;
  sum.ever_locked += c.ever_locked;
}

void write_row(std::string& out, const std::string& time, const std::string& name, const counts& c,
               std::uint64_t device_tl_info) {
  out += time;
  out += ',';
  out += name;
  for (std::uint64_t n : c.by_state) out += ',' + std::to_string(n);
  out += ',' + std::to_string(c.stale);
  out += ',' + std::to_string(c.unrecoverable);
  out += ',' + std::to_string(c.recovered);
  out += ',' + std::to_string(c.ever_locked);
  out += ',' + std::to_string(device_tl_info);
  out += '\n';
}

}  // namespace

std::vector<std::uint64_t> peak_stale(const std::vector<snapshot>& series) {
  std::vector<std::uint64_t> peak(group_count(series), 0);
  for (const snapshot& s : series)
    for (std::size_t g = 0; g < s.groups.size(); ++g)
      peak[g] = std::max(peak[g], s.groups[g].stale);
  return peak;
}

std::vector<std::size_t> groups_by_peak_stale(const std::vector<std::uint64_t>& peak) {
  std::vector<std::size_t> order(peak.size());
  for (std::size_t g = 0; g < order.size(); ++g) order[g] = g;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return peak[a] > peak[b]; });
  return order;
}

std::vector<std::optional<std::int64_t>> stale_cleared_at(const std::vector<snapshot>& series) {
  const std::size_t groups = group_count(series);
  std::vector<std::optional<std::int64_t>> out(groups);
  // Walk back from the end: the earliest time of the trailing run of zeros,
  // kept only if a stale sample precedes it.
  for (std::size_t g = 0; g < groups; ++g) {
    std::optional<std::int64_t> zero_since;
    for (auto it = series.rbegin(); it != series.rend(); ++it) {
      const std::uint64_t stale = g < it->groups.size() ? it->groups[g].stale : 0;
      if (stale > 0) {
        out[g] = zero_since;
        break;
      }
      zero_since = it->time_us;
    }
  }
  return out;
}

std::string group_name(const run_info& info, std::size_t g) {
  return g < info.group_names.size() ? info.group_names[g] : "group" + std::to_string(g);
}

bool reports_device_tl_info(const run_info& info, std::size_t g) {
  return g < info.group_reports_device_tl_info.size() && info.group_reports_device_tl_info[g];
}

std::string groups_csv(const run_info& info, const std::vector<snapshot>& series) {
  std::string out = "time_s,group";
  for (std::string_view k : sim::phone_state_names) {
    out += ',';
    out += k;
  }
  out += ",stale,unrecoverable,recovered,ever_locked,device_tl_info\n";

  // Which groups get rows of their own, in fleet order.
  std::vector<std::size_t> ranked = groups_by_peak_stale(peak_stale(series));
  const std::size_t others =
      ranked.size() > groups_csv_max_named ? ranked.size() - groups_csv_max_named : 0;
  std::vector<bool> named(ranked.size(), others == 0);
  for (std::size_t k = 0; k < ranked.size() && k < groups_csv_max_named; ++k)
    named[ranked[k]] = true;
  std::vector<std::string> names(ranked.size());
  for (std::size_t g = 0; g < ranked.size(); ++g)
    if (named[g]) names[g] = csv_field(group_name(info, g));
  const std::string other_name = "(" + std::to_string(others) + " other groups)";

  for (const snapshot& s : series) {
    const std::string time = seconds_decimal(s.time_us);
    counts rest;
    std::uint64_t rest_reporting = 0;
    for (std::size_t g = 0; g < s.groups.size(); ++g) {
      const counts& c = s.groups[g];
      const std::uint64_t seen = reports_device_tl_info(info, g) ? c.stale : 0;
      if (g < named.size() && named[g]) {
        write_row(out, time, names[g], c, seen);
      } else {
        add_counts(rest, c);
        rest_reporting += seen;
      }
    }
    if (others > 0) write_row(out, time, other_name, rest, rest_reporting);
  }
  return out;
}

}  // namespace itlfleet::metrics
