#include "export_rules.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <string_view>

#include "itlfleet/plan/plan_limits.hpp"
#include "itlfleet/sim/itl_builder.hpp"

namespace itlfleet::cluster_export::detail {
namespace {

// RFC 1123 host label: what CUCM accepts as a node name.
bool valid_label(std::string_view s) {
  if (s.empty() || s.size() > 63 || s.front() == '-' || s.back() == '-') return false;
  return std::all_of(s.begin(), s.end(),
                     [](unsigned char c) { return std::isalnum(c) || c == '-'; });
}

bool valid_domain(std::string_view d) {
  if (d.empty()) return true;
  std::size_t start = 0;
  for (;;) {
    const auto dot = d.find('.', start);
    if (!valid_label(d.substr(start, dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

status check_names_and_counts(const export_options& o) {
  if (o.nodes.empty()) return failure("--nodes: expected at least one node (the publisher)");
  std::set<std::string> seen;
  for (const std::string& host : o.nodes) {
    if (!valid_label(host)) {
      return failure("--nodes: '" + host +
                     "' is not a host name (letters, digits and '-', at most 63)");
    }
    if (!seen.insert(to_lower(host)).second)
      return failure("--nodes: '" + host + "' appears twice");
  }
  if (!valid_domain(o.domain)) return failure("--domain: '" + o.domain + "' is not a DNS domain");
  if (o.nodes.size() > plan::limits::max_nodes) {
    return failure("--nodes: at most " + std::to_string(plan::limits::max_nodes) +
                   " nodes (the ITL of a larger cluster passes 64 KB, which phones refuse), "
                   "got " +
                   std::to_string(o.nodes.size()));
  }
  if (o.phones > sim::phone_mac_count) {
    return failure("--phones: at most " + std::to_string(sim::phone_mac_count) +
                   " phones fit the MAC range " + sim::device_name(sim::first_phone_mac).substr(3) +
                   "-" +
                   sim::device_name(sim::first_phone_mac + sim::phone_mac_count - 1).substr(3));
  }
  if (o.key_bits != 1024 && o.key_bits != 2048)
    return failure("--key-bits: expected 1024 or 2048, got " + std::to_string(o.key_bits));
  if (o.timestamp < -1 || o.timestamp > 0xFFFFFFFFLL)
    return failure("--timestamp: expected Unix seconds from 0 to 4294967295, got " +
                   std::to_string(o.timestamp));
  return ok();
}

}  // namespace

result<sim::cucm_version> checked_version(const export_options& o) {
  if (auto s = check_names_and_counts(o); !s) return s.err();
  auto version = sim::cucm_version::parse(o.version);
  if (!version) return failure("--version: " + version.err().message);
  if (o.mixed_mode && !version->has_itl_recovery()) {
    return failure("--mixed-mode: a tokenless CTL needs CUCM 10.0(1) or later, got --version " +
                   o.version + " (earlier releases set mixed mode with USB tokens)");
  }
  // Every certificate's CN must fit X.509's 64 bytes, or OpenSSL refuses it
  // half-way through the export: every node's own ITLRecovery included.
  for (const std::string& host : o.nodes)
    if (auto p = plan::limits::common_name_problem(host, o.domain, version->has_itl_recovery()))
      return failure("--nodes/--domain: " + *p);
  return *version;
}

}  // namespace itlfleet::cluster_export::detail
