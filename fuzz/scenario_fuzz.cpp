// libFuzzer target: the scenario loader (scenarios::load_string), YAML text
// to plan::run_plan, as `itlfleet run FILE` loads a user's file.
//
// Properties beyond "no crash, no leak, no UB, no exception":
// - an error names the source first ("<file>:<line>:<col>: ...");
// - an accepted plan satisfies what docs/scenarios.md promises: source as
//   given; at least one phone, and a fleet size that fits in 64 bits;
//   end > 0 and 0 < sample <= end; one publisher, a TFTP node, unique node
//   and group names; groups and actions name declared nodes and groups; the
//   timeline sorted by time, every time and expectation time within end;
//   fractions in 0..1, outages > 0; known metrics, non-negative values,
//   percentages up to 100;
// - format_sim_time(units) of every time reads back to the same value;
// - scale_fleet() to the fleet's own size changes nothing, and to another
//   size totals exactly that size.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "fuzz_check.hpp"
#include "itlfleet/plan/run_plan.hpp"
#include "itlfleet/scenarios/scenario.hpp"
#include "itlfleet/sim/device_family.hpp"
#include "itlfleet/sim/duration_text.hpp"

using namespace itlfleet;
namespace sc = itlfleet::scenarios;

namespace {

const std::string source_name = "fuzz.yaml";

void check_duration_round_trip(plan::sim_duration d) {
  auto back = sc::parse_duration(sim::format_sim_time(d, sim::below_second::units));
  ITLFLEET_FUZZ_CHECK(back.ok() && *back == d, "parse_duration(format_sim_time(d, units)) == d");
}

const plan::node_plan* find_node(const plan::run_plan& p, const std::string& host) {
  auto it = std::find_if(p.cluster.nodes.begin(), p.cluster.nodes.end(),
                         [&](const auto& n) { return n.host == host; });
  return it == p.cluster.nodes.end() ? nullptr : &*it;
}

bool has_group(const plan::run_plan& p, const std::string& name) {
  return std::any_of(p.fleet.begin(), p.fleet.end(), [&](const auto& g) { return g.name == name; });
}

void check_plan(const plan::run_plan& p) {
  ITLFLEET_FUZZ_CHECK(p.source == source_name, "the plan's source is the name given");
  ITLFLEET_FUZZ_CHECK(!p.name.empty(), "a plan has a name");
  ITLFLEET_FUZZ_CHECK(p.end > plan::sim_duration{0}, "end > 0");
  ITLFLEET_FUZZ_CHECK(p.sample_every > plan::sim_duration{0} && p.sample_every <= p.end,
                      "0 < sample <= end");
  check_duration_round_trip(p.end);
  check_duration_round_trip(p.sample_every);

  const auto& nodes = p.cluster.nodes;
  ITLFLEET_FUZZ_CHECK(!nodes.empty(), "at least one node");
  ITLFLEET_FUZZ_CHECK(
      std::count_if(nodes.begin(), nodes.end(), [](const auto& n) { return n.publisher; }) == 1,
      "exactly one publisher");
  ITLFLEET_FUZZ_CHECK(std::any_of(nodes.begin(), nodes.end(), [](const auto& n) { return n.tftp; }),
                      "a node runs tftp");
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    ITLFLEET_FUZZ_CHECK(!nodes[i].host.empty(), "node names are non-empty");
    for (std::size_t j = 0; j < i; ++j)
      ITLFLEET_FUZZ_CHECK(nodes[i].host != nodes[j].host, "node names are unique");
  }

  ITLFLEET_FUZZ_CHECK(!p.fleet.empty() && p.fleet_size() > 0, "at least one phone");
  std::uint64_t total = 0;
  for (const auto& g : p.fleet) {
    ITLFLEET_FUZZ_CHECK(!__builtin_add_overflow(total, g.count, &total),
                        "the fleet's size fits in 64 bits (fleet_size() counts the phones)");
  }
  for (std::size_t i = 0; i < p.fleet.size(); ++i) {
    const auto& g = p.fleet[i];
    for (std::size_t j = 0; j < i; ++j)
      ITLFLEET_FUZZ_CHECK(g.name != p.fleet[j].name, "group names are unique");
    ITLFLEET_FUZZ_CHECK(!g.tftp.empty(), "a group has a TFTP server");
    for (const auto& h : g.tftp) {
      const auto* n = find_node(p, h);
      ITLFLEET_FUZZ_CHECK(n != nullptr && n->tftp, "a group's TFTP servers run tftp");
    }
    for (const auto& h : g.tvs) {
      const auto* n = find_node(p, h);
      ITLFLEET_FUZZ_CHECK(n != nullptr && n->tvs, "a group's TVS servers run tvs");
    }
    ITLFLEET_FUZZ_CHECK(g.callmanager_group.size() <= 3, "a CallManager group has 1-3 nodes");
    ITLFLEET_FUZZ_CHECK(g.tvs.empty() || g.callmanager_group.empty(),
                        "tvs and callmanager_group are not both given");
    for (const auto& h : g.callmanager_group) {
      const auto* n = find_node(p, h);
      ITLFLEET_FUZZ_CHECK(n != nullptr && n->callmanager, "a CallManager group runs callmanager");
    }
    ITLFLEET_FUZZ_CHECK(sim::find_family(g.model) != nullptr, "a group's model is known");
  }

  for (std::size_t i = 0; i < p.timeline.size(); ++i) {
    const auto& a = p.timeline[i];
    ITLFLEET_FUZZ_CHECK(a.at >= plan::sim_time{0} && a.at <= p.end, "actions are within end");
    ITLFLEET_FUZZ_CHECK(i == 0 || p.timeline[i - 1].at <= a.at, "the timeline is sorted");
    ITLFLEET_FUZZ_CHECK(!a.node || *a.node < nodes.size(), "actions name declared nodes");
    ITLFLEET_FUZZ_CHECK(!a.group || *a.group < p.fleet.size(), "actions name declared groups");
    if (const auto* l = std::get_if<plan::tftp_server_list>(&a.args)) {
      for (const plan::node_index n : l->nodes)
        ITLFLEET_FUZZ_CHECK(n < nodes.size() && nodes[n].tftp, "option 150 lists TFTP nodes");
    }
    ITLFLEET_FUZZ_CHECK(a.fraction >= 0.0 && a.fraction <= 1.0, "fractions are in 0..1");
    if (a.kind == plan::action_kind::tftp_outage || a.kind == plan::action_kind::tvs_outage)
      ITLFLEET_FUZZ_CHECK(a.length > plan::sim_duration{0}, "outages last");
    ITLFLEET_FUZZ_CHECK(!sc::verb_name(a.kind).empty(), "every action kind has a verb");
    check_duration_round_trip(a.at);
  }

  for (const auto& e : p.expect) {
    ITLFLEET_FUZZ_CHECK(plan::find_metric(e.metric).has_value(), "expectations name metrics");
    ITLFLEET_FUZZ_CHECK(e.group.empty() || has_group(p, e.group),
                        "expectations name declared groups");
    ITLFLEET_FUZZ_CHECK(e.value >= 0 && (!e.percent || e.value <= 100),
                        "values are non-negative, percentages up to 100");
    if (e.at) {
      ITLFLEET_FUZZ_CHECK(*e.at >= plan::sim_time{0} && *e.at <= p.end,
                          "expectation times are within end");
      check_duration_round_trip(*e.at);
    }
    ITLFLEET_FUZZ_CHECK(!sc::describe(e).empty(), "expectations describe themselves");
  }
}

void check_scaling(const plan::run_plan& p) {
  std::vector<std::uint64_t> before;
  for (const auto& g : p.fleet) before.push_back(g.count);

  plan::run_plan same = p;
  sc::scale_fleet(same, p.fleet_size());
  for (std::size_t i = 0; i < before.size(); ++i)
    ITLFLEET_FUZZ_CHECK(same.fleet[i].count == before[i], "scaling to the fleet's size is a no-op");

  for (const std::uint64_t phones : {std::uint64_t{1}, std::uint64_t{100'003}}) {
    plan::run_plan scaled = p;
    sc::scale_fleet(scaled, phones);
    ITLFLEET_FUZZ_CHECK(scaled.fleet_size() == phones, "scale_fleet totals exactly N");
    for (std::size_t i = 0; i < before.size(); ++i) {
      if (before[i] == 0) ITLFLEET_FUZZ_CHECK(scaled.fleet[i].count == 0, "a group of 0 stays 0");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);
  auto plan = sc::load_string(yaml, source_name);
  if (!plan) {
    ITLFLEET_FUZZ_CHECK(plan.err().message.rfind(source_name, 0) == 0,
                        "an error names the source first");
    return 0;
  }
  check_plan(*plan);
  check_scaling(*plan);
  return 0;
}
