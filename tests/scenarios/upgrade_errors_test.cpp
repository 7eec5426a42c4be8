// The new verbs and settings load as written and refuse bad arguments with
// "<file>:<line>:<col>: <what was expected>": `upgrade cluster <version>`,
// `set enterprise parameter rollback-pre-8 <true|false>`, `phone.max_itl_bytes`.

#include <gtest/gtest.h>

#include <string>

#include "itlfleet/engine/cost.hpp"
#include "itlfleet/scenarios/scenario.hpp"
#include "load_check.hpp"

namespace {

namespace sc = itlfleet::scenarios;
using itlfleet::plan::action_kind;

// Lines 1-8; tests append from line 9.
constexpr const char* base = R"(name: t
end: 60m
cluster:
  version: "9.1"
  nodes:
    - {name: pub, publisher: true}
fleet:
  - {name: desk, count: 100}
)";

std::string error_with(const std::string& extra) {
  return itlfleet::test::load_error(std::string(base) + extra);
}

TEST(UpgradeVerbs, load_with_their_arguments) {
  auto r = sc::load_string(std::string(base) +
                               "timeline:\n"
                               "  - {at: 10m, do: upgrade cluster 10.5(2)SU3}\n"
                               "  - {at: 20m, do: Set Enterprise Parameter Rollback-Pre-8 TRUE}\n"
                               "  - {at: 30m, do: upgrade cluster 12.5}\n"
                               "  - {at: 40m, do: set enterprise parameter rollback-pre-8 false}\n"
                               "phone: {max_itl_bytes: 40000}\n",
                           "ok.yaml");
  ASSERT_TRUE(r.ok()) << r.err().message;
  ASSERT_EQ(r->timeline.size(), 4u);
  EXPECT_EQ(r->timeline[0].kind, action_kind::upgrade_cluster);
  EXPECT_EQ(r->timeline[0].args,
            (itlfleet::plan::action_args{itlfleet::plan::target_release{{10, 5}}}));
  EXPECT_EQ(r->timeline[1].kind, action_kind::set_rollback_pre8);
  EXPECT_EQ(r->timeline[1].args,
            (itlfleet::plan::action_args{itlfleet::plan::parameter_switch{true}}));
  EXPECT_EQ(r->timeline[3].args,
            (itlfleet::plan::action_args{itlfleet::plan::parameter_switch{false}}));
  EXPECT_EQ(r->phone.max_itl_bytes, 40000);
  EXPECT_EQ(sc::verb_name(action_kind::upgrade_cluster), "upgrade cluster");
  EXPECT_EQ(sc::verb_name(action_kind::set_rollback_pre8),
            "set enterprise parameter rollback-pre-8");
}

TEST(UpgradeVerbs, a_version_that_is_not_one_is_refused_at_its_line) {
  for (const char* bad : {"ten", "10", "10.x", "1O.5", "12345.1", ".5"}) {
    auto m = error_with(std::string("timeline:\n  - {at: 10m, do: upgrade cluster ") + bad + "}\n");
    EXPECT_HAS(m, "bad.yaml:10:");
    EXPECT_HAS(m, "'upgrade cluster': expected a CUCM version such as 10.0, 11.5 or 12.5(1)SU3");
    EXPECT_HAS(m, std::string("got '") + bad + "'");
  }
  auto m = error_with("timeline:\n  - {at: 10m, do: upgrade cluster}\n");
  EXPECT_HAS(m, "bad.yaml:10:");
  EXPECT_HAS(m, "'upgrade cluster' takes 1 argument <version>, got 0");
  m = error_with("timeline:\n  - {at: 10m, do: upgrade cluster 10.5, on: pub}\n");
  EXPECT_HAS(m, "'on' does not apply to 'upgrade cluster'");
}

TEST(UpgradeVerbs, a_downgrade_or_the_same_release_is_refused_in_time_order) {
  auto m = error_with("timeline:\n  - {at: 10m, do: upgrade cluster 9.1}\n");
  EXPECT_HAS(m, "bad.yaml:10:");
  EXPECT_HAS(m,
             "'upgrade cluster 9.1' at 10m: the cluster runs 9.1 then; an upgrade goes to a "
             "later release (same release)");
  // Written out of order: played in time order, 12.5 comes first.
  m = error_with(
      "timeline:\n"
      "  - {at: 30m, do: upgrade cluster 11.5}\n"
      "  - {at: 10m, do: upgrade cluster 12.5}\n");
  EXPECT_HAS(m, "bad.yaml:10:");
  EXPECT_HAS(m, "the cluster runs 12.5 then; an upgrade goes to a later release (a downgrade)");
}

TEST(UpgradeVerbs, itlrecovery_names_made_at_the_upgrade_must_fit) {
  // 9.1 only names CallManager <host>.<domain> (64 bytes allowed); the
  // upgrade adds ITLRECOVERY_ in front.
  const std::string host(50, 'h');  // + ".example.lab" = 62, + 12 = 74
  auto r = sc::load_string(std::string("name: t\ncluster:\n  version: \"9.1\"\n  nodes:\n"
                                       "    - {name: ") +
                               host +
                               ", publisher: true}\nfleet:\n  - {name: desk, count: 1}\n"
                               "timeline:\n  - {at: 10m, do: upgrade cluster 10.0}\n",
                           "bad.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_HAS(r.err().message, "bad.yaml:9:");
  EXPECT_HAS(r.err().message, "creates the ITLRecovery certificate 'ITLRECOVERY_" + host);
  EXPECT_HAS(r.err().message, "74 bytes long; X.509 allows at most 64");
}

TEST(UpgradeVerbs, rollback_takes_true_or_false) {
  auto m =
      error_with("timeline:\n  - {at: 10m, do: set enterprise parameter rollback-pre-8 yes}\n");
  EXPECT_HAS(m, "bad.yaml:10:");
  EXPECT_HAS(m, "expected true or false for 'set enterprise parameter rollback-pre-8', got 'yes'");
  m = error_with("timeline:\n  - {at: 10m, do: set enterprise parameter rollback-pre-8}\n");
  EXPECT_HAS(m, "takes 1 argument <true|false>, got 0");
}

TEST(UpgradeVerbs, max_itl_bytes_has_a_checked_range) {
  auto m = error_with("phone: {max_itl_bytes: 65536}\n");
  EXPECT_HAS(m, "bad.yaml:9:");
  EXPECT_HAS(m, "65535");
  m = error_with("phone: {max_itl_bytes: 1023}\n");
  EXPECT_HAS(m, "bad.yaml:9:");
  EXPECT_HAS(m, "1024");
}

TEST(UpgradeVerbs, the_cost_counts_the_itlrecovery_keys_the_upgrade_makes) {
  auto r = sc::load_string(std::string(base) +
                               "timeline:\n"
                               "  - {at: 10m, do: upgrade cluster 10.5}\n"
                               "  - {at: 20m, do: upgrade cluster 12.5}\n",
                           "ok.yaml");
  ASSERT_TRUE(r.ok()) << r.err().message;
  // One node: 3 keys on 9.1, 1 ITLRecovery key at the first upgrade only.
  EXPECT_EQ(itlfleet::engine::estimate_cost(*r).rsa_keygens, 3u + 1);
}

}  // namespace
