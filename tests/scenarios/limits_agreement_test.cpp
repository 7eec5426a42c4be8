// The loader and the engine apply the same limits (plan/plan_limits.hpp):
// whatever loads also passes plan::limits::check_plan, so a user never
// meets a limit at run time without the position the loader would give.

#include <gtest/gtest.h>

#include <chrono>
#include <initializer_list>
#include <string>
#include <vector>

#include "itlfleet/plan/plan_limits.hpp"
#include "itlfleet/scenarios/scenario.hpp"

namespace {

namespace sc = itlfleet::scenarios;
namespace limits = itlfleet::plan::limits;

TEST(LimitsAgreement, every_builtin_scenario_is_within_the_engines_limits) {
  for (const auto& name : sc::builtin_names()) {
    auto plan = sc::load(name);
    ASSERT_TRUE(plan.ok()) << plan.err().message;
    auto s = limits::check_plan(*plan);
    EXPECT_TRUE(s.ok()) << name << ": " << (s.ok() ? "" : s.err().message);
  }
}

/// A scenario with every value at its bound; node names make `<host>.<domain>`
/// `fqdn_bytes` long.
std::string edge_scenario(const std::string& version, const std::string& domain,
                          std::size_t fqdn_bytes, std::size_t node_count = limits::max_nodes) {
  const std::string forever = "596523h14m7s";
  std::vector<std::string> hosts;
  for (std::size_t i = 0; i < node_count; ++i) {
    std::string host =
        node_count > 26 ? "n" + std::to_string(i) : std::string(1, static_cast<char>('a' + i));
    hosts.push_back(host + std::string(fqdn_bytes - domain.size() - 1 - host.size(), 'x'));
  }
  std::string y = "name: edge\ndescription: |\n  two\n  lines\nseed: 18446744073709551615\n";
  y += "end: " + forever + "\nsample: " + forever + "\n";
  y += "cluster:\n  version: \"" + version + "\"\n  domain: " + domain + "\n";
  y += "  hold_time: " + forever + "\n";
  y += "  tftp: {max_serving_count: 100000, rtt: 1h, block_size: 65464, loss: 0.99, "
       "retransmit_timeout: 1h, block_cost: 1h, knee: 0, knee_slowdown: 1h}\n";
  y +=
      "  tvs: {handshake: 1h, query: 1h, concurrency: 100000, timeout: 1h, ttl: " + forever + "}\n";
  y += "  nodes:\n";
  for (std::size_t i = 0; i < hosts.size(); ++i)
    y += "    - {name: " + hosts[i] + (i == 0 ? ", publisher: true" : "") +
         // A node's own models at their bounds too.
         (i == 1 ? ", tftp: {max_serving_count: 100000, rtt: 1h, loss: 0.99, block_cost: 1h, "
                   "knee: 100000, knee_slowdown: 1h}, http: {rtt: 1h, request_cost: 1h, "
                   "workers: 100000, max_serving_count: 100000}, tvs: {handshake: 1h, query: 1h, "
                   "concurrency: 100000}"
                 : "") +
         "}\n";
  y += "fleet:\n  - {name: a, count: 49999999}\n  - {name: b, count: 1}\n";
  y += "boot: {spread: " + forever + ", reboot: " + forever + ", reboot_jitter: " + forever +
       ", reset_spread: " + forever + "}\n";
  y += "phone: {tftp_attempts: 255, tftp_backoff: " + forever + ", unreachable_retry: " + forever +
       ", max_itl_bytes: 65535}\n";
  y += "timeline:\n  - {at: " + forever + ", do: tvs outage, for: " + forever + "}\n";
  // A domain change to another domain of the same length keeps the name at its bound.
  y += "  - {at: " + forever + ", do: set network domain z" + domain.substr(1) +
       ", on: " + hosts[1] + "}\n";
  y += "expect:\n  - {at: " + forever + ", locked: \"100%\"}\n";
  return y;
}

TEST(LimitsAgreement, a_scenario_at_every_bound_loads_and_passes_the_engines_check) {
  // From 10.0: ITLRECOVERY_<host>.<domain> is exactly 64 bytes.
  auto with_recovery =
      sc::load_string(edge_scenario("9999.9999(1)", "example.lab", 52), "edge.yaml");
  // Before 10.0: <host>.<domain> is exactly 64 bytes.
  auto before_10 = sc::load_string(edge_scenario("9.1", "example.lab", 64), "edge.yaml");
  // The longest domain leaves one byte for the host.
  auto longest_domain =
      sc::load_string(edge_scenario("9.1", std::string(58, 'd') + ".lab", 64, 2), "edge.yaml");
  for (auto* plan : {&with_recovery, &before_10, &longest_domain}) {
    ASSERT_TRUE(plan->ok()) << plan->err().message;
    auto s = limits::check_plan(**plan);
    EXPECT_TRUE(s.ok()) << s.err().message;
  }
  EXPECT_EQ(longest_domain->cluster.nodes[1].host, "b");
}

TEST(LimitsAgreement, the_hold_timer_has_one_bound_and_one_message) {
  using namespace std::chrono_literals;
  const auto past = limits::max_hold_time + 1s;
  const std::string yaml_at = R"(name: hold
end: 1h
cluster:
  hold_time: )";
  const std::string rest = R"(
  nodes:
    - {name: pub, publisher: true}
fleet:
  - {name: desk, count: 1}
)";
  EXPECT_TRUE(sc::load_string(yaml_at + "596523h14m7s" + rest, "hold.yaml").ok());
  auto loaded = sc::load_string(yaml_at + "596523h14m8s" + rest, "hold.yaml");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.err().message,
            "hold.yaml:4:14: cluster.hold_time: " + *limits::hold_time_problem(past));

  auto plan = sc::load("double-regen-hold-timer");
  ASSERT_TRUE(plan.ok());
  plan->cluster.hold_time = limits::max_hold_time;
  EXPECT_TRUE(limits::check_plan(*plan).ok());
  for (itlfleet::plan::sim_duration bad :
       std::initializer_list<itlfleet::plan::sim_duration>{past, -1s, -1ms}) {
    plan->cluster.hold_time = bad;
    auto s = limits::check_plan(*plan);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.err().message, "run plan: cluster.hold_time: " + *limits::hold_time_problem(bad));
  }
  EXPECT_EQ(*limits::hold_time_problem(past),
            "expected a hold timer of 0 to 2147483647 s (68 years), got 2147483648 s");
  EXPECT_EQ(*limits::hold_time_problem(-1ms),
            "expected a hold timer of 0 to 2147483647 s (68 years), got -1000 us");
}

}  // namespace
