// Every kind of bad scenario gives "<file>:<line>:<col>: <what was expected>".

#include <gtest/gtest.h>

#include <string>

#include "itlfleet/scenarios/scenario.hpp"
#include "load_check.hpp"

namespace {

namespace sc = itlfleet::scenarios;

// Lines 1-9; tests append from line 10.
constexpr const char* base = R"(name: t
end: 60m
cluster:
  nodes:
    - {name: pub, publisher: true}
    - {name: sub, services: [tftp, tvs]}
    - {name: cm, services: [callmanager]}
fleet:
  - {name: desk, count: 100}
)";

using itlfleet::test::load_error;
using itlfleet::test::load_ok;

std::string error_of(const std::string& yaml) {
  return load_error(yaml);
}

std::string error_with(const std::string& extra) {
  return load_error(std::string(base) + extra);
}

TEST(Errors, the_base_document_is_valid) {
  auto r = sc::load_string(base, "bad.yaml");
  EXPECT_TRUE(r.ok()) << r.err().message;
}

TEST(Errors, unknown_key_is_named_with_a_suggestion_and_exact_position) {
  auto m = error_with("boot: {spred: 60s}\n");
  EXPECT_HAS(m, "bad.yaml:10:8: ");
  EXPECT_HAS(m, "unknown key 'spred' in boot");
  EXPECT_HAS(m, "did you mean 'spread'");
  EXPECT_HAS(m, "reset_spread");
}

TEST(Errors, unknown_key_at_top_level_and_deep) {
  auto top = error_with("sead: 1\n");
  EXPECT_HAS(top, "bad.yaml:10:1: ");
  EXPECT_HAS(top, "did you mean 'seed'");
  auto deep = error_with("phone:\n  tftp_atempts: 3\n");
  EXPECT_HAS(deep, "bad.yaml:11:3: ");
  EXPECT_HAS(deep, "tftp_attempts");
  auto shortened = error_of(R"(cluster:
  nodes: [{name: pub, publisher: true}]
  tftp: {max_serving: 3}
fleet: [{count: 1}]
)");
  EXPECT_HAS(shortened, "bad.yaml:3:10: ");
  EXPECT_HAS(shortened, "did you mean 'max_serving_count'");
  auto node = error_of(R"(cluster:
  nodes:
    - {name: pub, publisher: true, servces: [tftp]}
fleet: [{count: 1}]
)");
  EXPECT_HAS(node, "bad.yaml:3:36: ");
  EXPECT_HAS(node, "did you mean 'services'");
}

TEST(Errors, duplicate_key_is_an_error) {
  auto m = error_with("seed: 1\nseed: 2\n");
  EXPECT_HAS(m, "bad.yaml:11:1: ");
  EXPECT_HAS(m, "duplicate key 'seed'");
  EXPECT_HAS(m, "line 10");
}

TEST(Errors, wrong_types_say_what_was_expected) {
  auto seed = error_with("seed: abc\n");
  EXPECT_HAS(seed, "bad.yaml:10:7: seed: expected a non-negative integer, got 'abc'");
  auto boot = error_with("boot: [60s]\n");
  EXPECT_HAS(boot, "bad.yaml:10:7: ");
  EXPECT_HAS(boot, "expected a mapping");
  auto hold = error_of(R"(cluster:
  hold_timer: maybe
  nodes: [{name: pub, publisher: true}]
fleet: [{count: 1}]
)");
  EXPECT_HAS(hold, "bad.yaml:2:15: cluster.hold_timer: expected on/off, true/false or yes/no");
  auto nodes = error_of("cluster: {nodes: pub}\nfleet: [{count: 1}]\n");
  EXPECT_HAS(nodes, "bad.yaml:1:18: ");
  EXPECT_HAS(nodes, "expected a list of nodes");
  auto loss = error_of(R"(cluster:
  nodes: [{name: pub, publisher: true}]
  tftp: {loss: 1.5}
fleet: [{count: 1}]
)");
  EXPECT_HAS(loss, "bad.yaml:3:16: cluster.tftp.loss: expected a number from 0 to 0.99");
  auto version = error_of(R"(cluster:
  version: ten
  nodes: [{name: pub, publisher: true}]
fleet: [{count: 1}]
)");
  EXPECT_HAS(version, "bad.yaml:2:12: ");
  EXPECT_HAS(version, "expected a CUCM version");
  auto itl = error_of(R"(cluster: {nodes: [{name: pub, publisher: true}]}
fleet:
  - {count: 1, itl: old}
)");
  EXPECT_HAS(itl, "bad.yaml:3:21: ");
  EXPECT_HAS(itl, "expected itl current, none or pre-10.0");
}

TEST(Errors, bad_duration_names_the_key_and_the_forms) {
  auto m = error_with("boot:\n  spread: 10 minutes\n");
  EXPECT_HAS(m, "bad.yaml:11:11: boot.spread: expected a duration such as 90s");
  EXPECT_HAS(m, "got '10 minutes'");
  auto bare = error_with("boot: {reboot: 90}\n");
  EXPECT_HAS(bare, "bad.yaml:10:16: ");
  EXPECT_HAS(bare, "unit is missing");
  auto end =
      error_of("end: 0\ncluster: {nodes: [{name: pub, publisher: true}]}\nfleet: [{count: 1}]\n");
  EXPECT_HAS(end, "bad.yaml:1:6: end: expected a duration greater than 0");
}

TEST(Errors, unknown_verb_lists_the_valid_ones) {
  auto m = error_with("timeline:\n  - {at: 1m, do: regenerate everything}\n");
  EXPECT_HAS(m, "bad.yaml:11:");
  EXPECT_HAS(m, "unknown command 'regenerate everything'");
  EXPECT_HAS(m, "utils itl reset localkey");
  EXPECT_HAS(m, "set cert regen <CallManager|TVS|CAPF|ITLRecovery>");
  EXPECT_HAS(m, "file get tftp ITLRecovery.p12");
}

TEST(Errors, unknown_node_in_timeline_lists_defined_nodes) {
  auto m = error_with("timeline:\n  - {at: 1m, do: set cert regen TVS, on: cucm-pub}\n");
  EXPECT_HAS(m, "bad.yaml:11:42: ");
  EXPECT_HAS(m, "unknown node 'cucm-pub'; defined nodes: pub, sub, cm");
}

TEST(Errors, a_renamed_publisher_is_named_as_declared) {
  // Names are resolved at load, as declared: the publisher keeps its
  // declared name in the timeline after `set network hostname`.
  const std::string renamed =
      "timeline:\n  - {at: 1m, do: set network hostname pub2}\n"
      "  - {at: 2m, do: set cert regen TVS, on: ";
  auto m = error_with(renamed + "pub2}\n");
  EXPECT_HAS(m, "bad.yaml:12:42: ");
  EXPECT_HAS(m, "unknown node 'pub2'; defined nodes: pub, sub, cm");
  const auto ok =
      load_ok(std::string(base) + renamed + "pub}\n" + "  - {at: 3m, do: restart tftp, on: pub}\n");
  ASSERT_EQ(ok.timeline.size(), 3u);
  EXPECT_EQ(ok.timeline[0].node, 0u);
  EXPECT_EQ(ok.timeline[1].node, 0u);
  EXPECT_EQ(ok.timeline[2].node, 0u);
}

TEST(Errors, unknown_node_in_fleet_lists_defined_nodes) {
  auto m = error_with("  - {name: other, count: 5, tftp: [sub, nope]}\n");
  EXPECT_HAS(m, "bad.yaml:10:");
  EXPECT_HAS(m, "unknown node 'nope'; defined nodes: pub, sub, cm");
  auto tvs = error_with("  - {name: other, count: 5, tvs: ghost}\n");
  EXPECT_HAS(tvs, "bad.yaml:10:");
  EXPECT_HAS(tvs, "unknown node 'ghost'");
}

TEST(Errors, node_without_the_service_is_refused) {
  auto fleet = error_with("  - {name: other, count: 5, tftp: [cm]}\n");
  EXPECT_HAS(fleet, "bad.yaml:10:");
  EXPECT_HAS(fleet, "node 'cm' does not run tftp; nodes running tftp: pub, sub");
  auto restart = error_with("timeline:\n  - {at: 1m, do: restart tftp, on: cm}\n");
  EXPECT_HAS(restart, "bad.yaml:11:");
  EXPECT_HAS(restart, "does not run tftp");
  auto outage = error_with("timeline:\n  - {at: 1m, do: tvs outage, on: cm, for: 1m}\n");
  EXPECT_HAS(outage, "does not run tvs");
  auto nobody = error_of(R"(cluster: {nodes: [{name: pub, publisher: true, services: [tftp]}]}
fleet: [{count: 1}]
timeline:
  - {at: 1m, do: tvs outage, for: 1m}
)");
  EXPECT_HAS(nobody, "bad.yaml:4:5: ");
  EXPECT_HAS(nobody, "no node runs tvs for 'tvs outage'");
}

TEST(Errors, service_restarts_need_a_node_running_the_service) {
  auto tvs = error_with("timeline:\n  - {at: 1m, do: restart tvs, on: cm}\n");
  EXPECT_HAS(tvs, "bad.yaml:11:");
  EXPECT_HAS(tvs, "node 'cm' does not run tvs; nodes running tvs: pub, sub");
  auto cm = error_with("timeline:\n  - {at: 1m, do: restart callmanager, on: sub}\n");
  EXPECT_HAS(cm, "node 'sub' does not run callmanager; nodes running callmanager: pub, cm");
  auto mode = error_of(R"(cluster:
  regen_restarts: sometimes
  nodes: [{name: pub, publisher: true}]
fleet: [{count: 1}]
)");
  EXPECT_HAS(mode, "bad.yaml:2:19: ");
  EXPECT_HAS(mode, "expected regen_restarts manual or automatic, got 'sometimes'");
}

TEST(Errors, option_150_lists_distinct_tftp_nodes_for_whole_groups) {
  auto unknown = error_with("timeline:\n  - {at: 1m, do: \"set dhcp option 150 pub,nope\"}\n");
  EXPECT_HAS(unknown, "bad.yaml:11:");
  EXPECT_HAS(unknown, "unknown node 'nope'");
  auto no_tftp = error_with("timeline:\n  - {at: 1m, do: set dhcp option 150 cm}\n");
  EXPECT_HAS(no_tftp, "node 'cm' does not run tftp");
  auto twice = error_with("timeline:\n  - {at: 1m, do: \"set dhcp option 150 sub,pub,sub\"}\n");
  EXPECT_HAS(twice, "TFTP node 'sub' is listed twice in 'sub,pub,sub'");
  auto empty = error_with("timeline:\n  - {at: 1m, do: \"set dhcp option 150 pub,,sub\"}\n");
  EXPECT_HAS(empty, "expected TFTP node names separated by commas, got 'pub,,sub'");
  auto share = error_with(
      "timeline:\n  - {at: 1m, do: set dhcp option 150 sub, group: desk, fraction: 0.5}\n");
  EXPECT_HAS(share, "'fraction' does not apply to 'set dhcp option 150'");
  auto group = error_with("timeline:\n  - {at: 1m, do: set dhcp option 150 sub, group: lobby}\n");
  EXPECT_HAS(group, "lobby");
  const auto ok = load_ok(std::string(base) +
                          "timeline:\n  - {at: 1m, do: \"set dhcp option 150 sub,pub\", "
                          "group: desk}\n");
  ASSERT_EQ(ok.timeline.size(), 1u);
  EXPECT_EQ(ok.timeline[0].args,  // sub, pub: as declared
            (itlfleet::plan::action_args{itlfleet::plan::tftp_server_list{{1, 0}}}));
  EXPECT_EQ(ok.timeline[0].group, 0u);  // desk
}

TEST(Errors, rebuild_publisher_needs_the_password_typed_at_the_install) {
  auto m = error_with("timeline:\n  - {at: 1m, do: rebuild publisher}\n");
  EXPECT_HAS(m, "bad.yaml:11:");
  EXPECT_HAS(m, "password");
}

TEST(Errors, faults_are_named_and_the_transfer_fault_needs_a_subscriber_tftp_node) {
  auto name = error_with("timeline:\n  - {at: 1m, do: inject fault disk-full}\n");
  EXPECT_HAS(name, "bad.yaml:11:");
  EXPECT_HAS(name, "unknown fault 'disk-full'; expected reset-transfer or sftp-auth");
  auto publisher = error_with("timeline:\n  - {at: 1m, do: inject fault reset-transfer}\n");
  EXPECT_HAS(publisher, "fault reset-transfer needs `on:` a subscriber that runs tftp, got 'pub'");
  auto no_tftp = error_with("timeline:\n  - {at: 1m, do: clear fault reset-transfer, on: cm}\n");
  EXPECT_HAS(no_tftp, "got 'cm'");
  const auto ok = load_ok(std::string(base) +
                          "timeline:\n  - {at: 1m, do: inject fault Reset-Transfer, on: sub}\n");
  ASSERT_EQ(ok.timeline.size(), 1u);
  EXPECT_EQ(ok.timeline[0].args, (itlfleet::plan::action_args{itlfleet::plan::cluster_fault_choice{
                                     itlfleet::sim::cluster_fault::reset_transfer}}));
}

TEST(Errors, exactly_one_publisher) {
  auto none = error_of(R"(cluster:
  nodes:
    - {name: a}
    - {name: b}
fleet: [{count: 1}]
)");
  EXPECT_HAS(none, "bad.yaml:3:");
  EXPECT_HAS(none, "no publisher; expected exactly one node with publisher: true");
  auto two = error_of(R"(cluster:
  nodes:
    - {name: a, publisher: true}
    - {name: b, publisher: yes}
fleet: [{count: 1}]
)");
  EXPECT_HAS(two, "bad.yaml:4:7: ");
  EXPECT_HAS(two, "second publisher 'b'");
}

TEST(Errors, duplicate_node_and_group_names) {
  auto shortened = error_of(R"(cluster:
  nodes: [{name: pub, publisher: true}]
  tftp: {max_serving: 3}
fleet: [{count: 1}]
)");
  EXPECT_HAS(shortened, "bad.yaml:3:10: ");
  EXPECT_HAS(shortened, "did you mean 'max_serving_count'");
  auto node = error_of(R"(cluster:
  nodes:
    - {name: a, publisher: true}
    - {name: a}
fleet: [{count: 1}]
)");
  EXPECT_HAS(node, "bad.yaml:4:7: ");
  EXPECT_HAS(node, "duplicate node name 'a' (first at line 3)");
  auto group = error_with("  - {name: desk, count: 3}\n");
  EXPECT_HAS(group, "bad.yaml:10:");
  EXPECT_HAS(group, "duplicate group name 'desk' (first at line 9)");
}

TEST(Errors, negative_count) {
  auto m = error_with("  - {name: other, count: -5}\n");
  EXPECT_HAS(m, "bad.yaml:10:26: fleet[1].count: expected an integer from 0 to 50000000, got '-5'");
}

TEST(Errors, key_bits_must_be_1024_or_2048) {
  auto m = error_of(R"(cluster:
  key_bits: 4096
  nodes: [{name: pub, publisher: true}]
fleet: [{count: 1}]
)");
  EXPECT_HAS(m, "bad.yaml:2:13: ");
  EXPECT_HAS(m, "expected key_bits 1024 or 2048, got '4096'");
}

TEST(Errors, unknown_certificate_in_cert_regen) {
  auto m = error_with("timeline:\n  - {at: 1m, do: set cert regen Tomcat}\n");
  EXPECT_HAS(m, "bad.yaml:11:");
  EXPECT_HAS(m, "unknown certificate 'Tomcat'");
  EXPECT_HAS(m, "expected CallManager, TVS, CAPF or ITLRecovery");
  auto none = error_with("timeline:\n  - {at: 1m, do: set cert regen}\n");
  EXPECT_HAS(none, "'set cert regen' takes 1 argument");
}

TEST(Errors, remotekey_needs_three_arguments) {
  auto m =
      error_with("timeline:\n  - {at: 1m, do: utils itl reset remotekey sftp.lab /backup/x.p12}\n");
  EXPECT_HAS(m, "bad.yaml:11:");
  EXPECT_HAS(m, "'utils itl reset remotekey' takes 3 arguments <host> <user> <path>, got 2");
  auto extra = error_with("timeline:\n  - {at: 1m, do: reset all devices now}\n");
  EXPECT_HAS(extra, "'reset all devices' takes no arguments, got 1 ('now')");
}

TEST(Errors, outage_needs_a_length) {
  auto m = error_with("timeline:\n  - {at: 1m, do: tftp outage, on: sub}\n");
  EXPECT_HAS(m, "bad.yaml:11:");
  EXPECT_HAS(m, "missing key 'for'");
  auto zero = error_with("timeline:\n  - {at: 1m, do: tftp outage, on: sub, for: 0}\n");
  EXPECT_HAS(zero, "duration greater than 0");
}

TEST(Errors, keys_that_do_not_apply_to_the_verb) {
  auto m = error_with("timeline:\n  - {at: 1m, do: restart tftp, for: 5m}\n");
  EXPECT_HAS(m, "bad.yaml:11:");
  EXPECT_HAS(m, "'for' does not apply to 'restart tftp'; it takes: at, do, on");
  auto on = error_with("timeline:\n  - {at: 1m, do: reset all devices, on: pub}\n");
  EXPECT_HAS(on, "'on' does not apply to 'reset all devices'");
  auto to = error_with("timeline:\n  - {at: 1m, do: file get tftp ITLRecovery.p12}\n");
  EXPECT_HAS(to, "missing key 'to'");
  auto pw = error_with("timeline:\n  - {at: 1m, do: set password user security}\n");
  EXPECT_HAS(pw, "missing key 'password'");
  auto rename = error_with("timeline:\n  - {at: 1m, do: set network hostname x, on: sub}\n");
  EXPECT_HAS(rename, "only the publisher can be renamed");
}

TEST(Errors, phone_actions_check_group_and_fraction) {
  auto group = error_with("timeline:\n  - {at: 1m, do: delete itl, group: nobody}\n");
  EXPECT_HAS(group, "bad.yaml:11:");
  EXPECT_HAS(group, "unknown group 'nobody'; fleet groups: desk");
  auto fraction = error_with("timeline:\n  - {at: 1m, do: factory reset, fraction: 1.5}\n");
  EXPECT_HAS(fraction, "expected a number from 0 to 1");
}

TEST(Errors, reset_devices_takes_a_group_and_a_fraction_and_names_the_line_of_a_bad_one) {
  auto group = error_with("timeline:\n  - {at: 1m, do: reset devices, group: nobody}\n");
  EXPECT_HAS(group, "bad.yaml:11:");
  EXPECT_HAS(group, "unknown group 'nobody'; fleet groups: desk");
  auto fraction = error_with("timeline:\n  - {at: 1m, do: reset devices, fraction: 1.5}\n");
  EXPECT_HAS(fraction, "bad.yaml:11:");
  EXPECT_HAS(fraction, "expected a number from 0 to 1");
  auto rate = error_with("timeline:\n  - {at: 1m, do: reset devices, group: desk, rate: 60}\n");
  EXPECT_HAS(rate, "bad.yaml:11:");
  EXPECT_HAS(rate, "'rate' does not apply to 'reset devices'; it takes: at, do, group, fraction");
  auto on = error_with("timeline:\n  - {at: 1m, do: reset devices, on: pub}\n");
  EXPECT_HAS(on, "'on' does not apply to 'reset devices'");
  auto word = error_with("timeline:\n  - {at: 1m, do: reset devices desk}\n");
  EXPECT_HAS(word, "bad.yaml:11:");
  EXPECT_HAS(word, "'reset devices' takes no arguments, got 1 ('desk')");
  // The fleet-wide reset stays the Enterprise Parameters one: no selection.
  auto all = error_with("timeline:\n  - {at: 1m, do: reset all devices, group: desk}\n");
  EXPECT_HAS(all, "'group' does not apply to 'reset all devices'");

  const auto plan = load_ok(std::string(base) + R"(timeline:
  - {at: 1m, do: Reset Devices, group: desk, fraction: 0.25}
  - {at: 2m, do: reset devices}
  - {at: 3m, do: reset all devices}
)");
  ASSERT_EQ(plan.timeline.size(), 3u);
  EXPECT_EQ(plan.timeline[0].kind, itlfleet::plan::action_kind::reset_devices);
  ASSERT_TRUE(plan.timeline[0].group.has_value());
  EXPECT_EQ(plan.fleet[*plan.timeline[0].group].name, "desk");
  EXPECT_EQ(plan.timeline[0].fraction, 0.25);
  EXPECT_EQ(plan.timeline[1].kind, itlfleet::plan::action_kind::reset_devices);
  EXPECT_FALSE(plan.timeline[1].group.has_value()) << "without group: the whole fleet";
  EXPECT_EQ(plan.timeline[1].fraction, 1.0);
  EXPECT_EQ(plan.timeline[2].kind, itlfleet::plan::action_kind::reset_all_devices);
  EXPECT_EQ(sc::verb_name(itlfleet::plan::action_kind::reset_devices), "reset devices");
}

TEST(Errors, a_technicians_rate_is_phones_per_hour_for_manual_actions_only) {
  auto low = error_with("timeline:\n  - {at: 1m, do: delete itl, rate: 0.5}\n");
  EXPECT_HAS(low, "bad.yaml:11:");
  EXPECT_HAS(low, "expected a number from 1 to 3");
  auto huge = error_with("timeline:\n  - {at: 1m, do: factory reset, rate: 1e12}\n");
  EXPECT_HAS(huge, "expected a number from 1 to 3");
  auto text = error_with("timeline:\n  - {at: 1m, do: delete itl, rate: fast}\n");
  EXPECT_HAS(text, "bad.yaml:11:");
  auto other = error_with("timeline:\n  - {at: 1m, do: reset all devices, rate: 60}\n");
  EXPECT_HAS(other, "'rate' does not apply to 'reset all devices'");
  auto ok = sc::load_string(
      std::string(base) + "timeline:\n  - {at: 1m, do: delete itl, group: desk, rate: 90}\n",
      "ok.yaml");
  ASSERT_TRUE(ok.ok()) << ok.err().to_string();
  EXPECT_EQ(ok->timeline.back().rate_per_hour, 90.0);
}

TEST(Errors, timeline_time_beyond_end) {
  auto m = error_with("timeline:\n  - {at: 61m, do: reset all devices}\n");
  EXPECT_HAS(m, "bad.yaml:11:10: timeline[0].at: expected a time no later than end (1h)");
}

TEST(Errors, expectation_with_unknown_metric) {
  auto m = error_with("expect:\n  - {at: end, lockd: 0}\n");
  EXPECT_HAS(m, "bad.yaml:11:15: ");
  EXPECT_HAS(m, "unknown key 'lockd'");
  EXPECT_HAS(m, "did you mean 'locked'");
  EXPECT_HAS(m, "unrecoverable");
  auto none = error_with("expect:\n  - {at: end}\n");
  EXPECT_HAS(none, "bad.yaml:11:");
  EXPECT_HAS(none, "expected at least one metric");
}

TEST(Errors, expectation_with_unparsable_value) {
  auto m = error_with("expect:\n  - {at: end, locked: \"about 5\"}\n");
  EXPECT_HAS(m, "bad.yaml:11:23: expect[0].locked: expected a number or \"<op> <number>[%]\"");
  EXPECT_HAS(m, "got 'about 5'");
  auto pct = error_with("expect:\n  - {locked: \"150%\"}\n");
  EXPECT_HAS(pct, "expected a percentage from 0% to 100%");
  auto op = error_with("expect:\n  - {locked: \"=> 5\"}\n");
  EXPECT_HAS(op, "got '=> 5'");
  auto events = error_with("expect:\n  - {refused_commands: \"10%\"}\n");
  EXPECT_HAS(events, "expected a count for refused_commands");
  auto list = error_with("expect:\n  - {locked: [1, 2]}\n");
  EXPECT_HAS(list, "got a sequence");
}

TEST(Errors, expectation_time_and_group_are_checked) {
  auto late = error_with("expect:\n  - {at: 2h, locked: 0}\n");
  EXPECT_HAS(late, "bad.yaml:11:10: expect[0].at: expected a time no later than end");
  auto both = error_with("expect:\n  - {at: 1m, by: 2m, locked: 0}\n");
  EXPECT_HAS(both, "expected either at or by, not both");
  auto group = error_with("expect:\n  - {group: nobody, locked: 0}\n");
  EXPECT_HAS(group, "unknown group 'nobody'");
  auto cluster_wide = error_with("expect:\n  - {group: desk, backup_alerts: 0}\n");
  EXPECT_HAS(cluster_wide, "backup_alerts is counted for the whole cluster");
}

TEST(Errors, empty_fleet_and_fleet_without_phones) {
  auto empty = error_of("cluster: {nodes: [{name: pub, publisher: true}]}\nfleet: []\n");
  EXPECT_HAS(empty, "bad.yaml:2:8: ");
  EXPECT_HAS(empty, "the fleet is empty");
  auto zero = error_of("cluster: {nodes: [{name: pub, publisher: true}]}\nfleet: [{count: 0}]\n");
  EXPECT_HAS(zero, "every group has count 0");
  auto missing = error_of("cluster: {nodes: [{name: pub, publisher: true}]}\n");
  EXPECT_HAS(missing, "bad.yaml:1:1: missing key 'fleet'");
}

TEST(Errors, yaml_syntax_error_has_file_line_and_column) {
  auto m = error_with("timeline:\n  - {at: 1m, do: boot-all\n  - {at: 2m}\n");
  EXPECT_HAS(m, "bad.yaml:12:");
  EXPECT_HAS(m, "YAML syntax error");
  auto block = error_of("a: >= 9000\n");
  EXPECT_HAS(block, "bad.yaml:1:");
  EXPECT_HAS(block, "YAML syntax error");
  EXPECT_HAS(block, "must be quoted");
  auto flow = error_with("expect:\n  - {at: end, locked: >= 5}\n");
  EXPECT_HAS(flow, "bad.yaml:11:23: YAML syntax error");
  EXPECT_HAS(flow, "a value starting with '>' must be quoted");
}

TEST(Errors, empty_or_non_mapping_documents) {
  // Issue #9: even an empty file names a position.
  EXPECT_HAS(error_of(""), "bad.yaml:1:1: the scenario is empty");
  EXPECT_HAS(error_of("# only a comment\n"), "bad.yaml:1:1: the scenario is empty");
  EXPECT_HAS(error_of("---\n"), "bad.yaml:1:1: the scenario is empty");
  auto list = error_of("- a\n- b\n");
  EXPECT_HAS(list, "bad.yaml:1:1: ");
  EXPECT_HAS(list, "expected a mapping");
  auto two = error_of(std::string(base) + "---\nname: again\n");
  EXPECT_HAS(two, "bad.yaml:11:1: expected a single YAML document");
}

TEST(Errors, stray_flow_indicators_end_the_load) {
  // yaml-cpp 0.7's LoadAll() never returns on these, it allocates until the
  // process dies (jbeder/yaml-cpp#1319); found by fuzz/scenario_fuzz.cpp.
  for (const char* yaml : {",", "\n,\n", ",{}]", ", p\x8cublisher:{coujt: 1}]\n"}) {
    auto m = error_of(yaml);
    EXPECT_EQ(m.rfind("bad.yaml:", 0), 0u) << "in: " << m;
    EXPECT_EQ(m.find("bad_alloc"), std::string::npos) << "in: " << m;
  }
}

TEST(Errors, sample_longer_than_the_run) {
  auto m = error_of(
      "end: 1m\nsample: 2m\ncluster: {nodes: [{name: pub, publisher: true}]}\nfleet: [{count: "
      "1}]\n");
  EXPECT_HAS(m, "bad.yaml:2:9: ");
  EXPECT_HAS(m, "no longer than end (1m)");
}

// --- device families and CallManager groups ---------------------------------

TEST(Errors, an_unknown_model_lists_the_known_ones) {
  auto m = error_with("  - {name: other, count: 5, model: CP-1234}\n");
  EXPECT_HAS(m, "bad.yaml:10:36: ");
  EXPECT_HAS(m, "unknown model 'CP-1234'; known models: CP-7940, CP-7960,");
  EXPECT_HAS(m, "CP-8861");
  EXPECT_HAS(m, "CP-DX80");
}

TEST(Errors, a_model_is_found_with_or_without_cp_and_in_any_case) {
  for (const char* model : {"CP-8861", "8861", "cp-8861", "CP-7965G", "7965g", "dx80"}) {
    auto plan = load_ok(std::string(base) + "  - {name: other, count: 5, model: " + model + "}\n");
    EXPECT_EQ(plan.fleet.size(), 2u) << model;
  }
}

TEST(Errors, a_phone_without_security_by_default_holds_no_itl) {
  auto m = error_with("  - {name: other, count: 5, model: 7940, itl: current}\n");
  EXPECT_HAS(m, "bad.yaml:10:47: ");
  EXPECT_HAS(m, "model 7940 has no Security by Default: it never holds an ITL");
  load_ok(std::string(base) + "  - {name: other, count: 5, model: 7940, itl: none}\n");
}

TEST(Errors, tvs_and_callmanager_group_together_are_refused) {
  auto m = error_with("  - {name: other, count: 5, tvs: [sub], callmanager_group: [pub]}\n");
  EXPECT_HAS(m, "bad.yaml:10:60: ");
  EXPECT_HAS(m, "give either tvs");
  EXPECT_HAS(m, "not both");
}

TEST(Errors, a_callmanager_group_names_callmanager_nodes) {
  auto m = error_with("  - {name: other, count: 5, callmanager_group: [sub]}\n");
  EXPECT_HAS(m, "bad.yaml:10:49: ");
  EXPECT_HAS(m, "node 'sub' does not run callmanager; nodes running callmanager: pub, cm");
  auto empty = error_with("  - {name: other, count: 5, callmanager_group: []}\n");
  EXPECT_HAS(empty, "bad.yaml:10:48: ");
  EXPECT_HAS(empty, "expected 1 to 3 CallManager nodes, got 0");
}

TEST(Errors, a_callmanager_group_has_at_most_three_nodes) {
  auto m = error_of(R"(cluster:
  nodes:
    - {name: a, publisher: true}
    - {name: b}
    - {name: c}
    - {name: d}
fleet:
  - {count: 1, callmanager_group: [a, b, c, d]}
)");
  EXPECT_HAS(m, "bad.yaml:8:35: ");
  EXPECT_HAS(m, "expected 1 to 3 CallManager nodes, got 4");
}

TEST(Errors, a_callmanager_group_keeps_its_order_and_may_have_no_tvs) {
  auto plan = load_ok(std::string(base) + "  - {name: other, count: 5, callmanager_group: [cm]}\n");
  ASSERT_EQ(plan.fleet.size(), 2u);
  EXPECT_EQ(plan.fleet[1].callmanager_group, std::vector<std::string>{"cm"});
  EXPECT_TRUE(plan.fleet[1].tvs.empty());
}

}  // namespace

// Mixed mode: the start state, the ITL rule under a CTL, the group's CTL.
namespace mixed {

constexpr const char* cluster_head = R"(name: t
cluster:
  version: "VERSION"
  mixed_mode: MIXED
  nodes:
    - {name: pub, publisher: true}
fleet:
  - {name: desk, count: 10, CTL}
)";

std::string doc(std::string version, std::string mixed, std::string ctl) {
  std::string s = cluster_head;
  s.replace(s.find("VERSION"), 7, version);
  s.replace(s.find("MIXED"), 5, mixed);
  s.replace(s.find("CTL}"), 3, ctl);
  return s;
}

TEST(Errors, mixed_mode_before_10_0_is_refused_at_its_line) {
  auto m = error_of(doc("9.1(2)SU1", "true", "ctl: none"));
  EXPECT_HAS(m, "bad.yaml:4:15: ");
  EXPECT_HAS(m, "mixed mode needs version 10.0 or later (tokenless CTL); version 9.1(2)SU1 sets");
}

TEST(Errors, a_group_holding_the_current_ctl_needs_a_cluster_in_mixed_mode) {
  auto m = error_of(doc("12.5", "false", "ctl: current"));
  EXPECT_HAS(m, "bad.yaml:8:34: ");
  EXPECT_HAS(m, "ctl: current needs cluster.mixed_mode: true");
  auto bad = error_of(doc("12.5", "true", "ctl: old"));
  EXPECT_HAS(bad, "expected ctl current or none, got 'old'");
}

TEST(Errors, itl_check_with_ctl_takes_ctl_or_ctl_itl_tvs) {
  std::string s = doc("12.5", "true", "ctl: none");
  s.insert(s.find("  nodes:"), "  itl_check_with_ctl: tvs\n");
  auto m = error_of(s);
  EXPECT_HAS(m, "bad.yaml:5:23: ");
  EXPECT_HAS(m, "expected itl_check_with_ctl ctl or ctl-itl-tvs, got 'tvs'");
}

TEST(Errors, ctl_itlrecovery_takes_from_12_or_from_10) {
  std::string s = doc("11.5", "true", "ctl: none");
  s.insert(s.find("  nodes:"), "  ctl_itlrecovery: always\n");
  auto m = error_of(s);
  EXPECT_HAS(m, "bad.yaml:5:");
  EXPECT_HAS(m, "expected ctl_itlrecovery from-12.0 or from-10.0, got 'always'");
  std::string ok = doc("11.5", "true", "ctl: none");
  ok.insert(ok.find("  nodes:"), "  ctl_itlrecovery: from-10.0\n");
  auto r = sc::load_string(ok, "ok.yaml");
  ASSERT_TRUE(r.ok()) << r.err().to_string();
  EXPECT_TRUE(r->cluster.ctl_itlrecovery_from_10);
  auto d = sc::load_string(doc("11.5", "true", "ctl: none"), "ok.yaml");
  ASSERT_TRUE(d.ok()) << d.err().to_string();
  EXPECT_FALSE(d->cluster.ctl_itlrecovery_from_10) << "from 12.0 by default";
}

TEST(Loader, mixed_mode_settings_and_ctl_verbs_load) {
  std::string s = doc("12.5", "true", "ctl: none");
  s.insert(s.find("  nodes:"), "  itl_check_with_ctl: ctl-itl-tvs\n");
  s += "timeline:\n"
       "  - {at: 1m, do: utils ctl update CTLFile}\n"
       "  - {at: 2m, do: UTILS CTL RESET LOCALKEY, on: pub}\n"
       "  - {at: 3m, do: utils ctl set-cluster mixed-mode}\n"
       "  - {at: 4m, do: utils ctl set-cluster non-secure-mode}\n"
       "expect:\n"
       "  - {ctl_installs: 10, ctl_update_failures: 0}\n";
  auto r = sc::load_string(s, "ok.yaml");
  ASSERT_TRUE(r.ok()) << r.err().message;
  EXPECT_TRUE(r->cluster.mixed_mode);
  EXPECT_FALSE(r->cluster.itl_check_with_ctl_only);
  EXPECT_EQ(r->fleet[0].ctl, itlfleet::plan::installed_ctl::none);
  ASSERT_EQ(r->timeline.size(), 4u);
  EXPECT_EQ(r->timeline[0].kind, itlfleet::plan::action_kind::ctl_update);
  EXPECT_EQ(r->timeline[0].node, 0u) << "default: the publisher, pub";
  EXPECT_EQ(r->timeline[1].kind, itlfleet::plan::action_kind::ctl_reset_localkey);
  EXPECT_EQ(r->timeline[2].kind, itlfleet::plan::action_kind::ctl_set_mixed_mode);
  EXPECT_EQ(sc::verb_name(r->timeline[2].kind), "utils ctl set-cluster mixed-mode");
  EXPECT_EQ(r->timeline[3].kind, itlfleet::plan::action_kind::ctl_set_non_secure_mode);

  auto defaults = sc::load_string(doc("12.5", "false", "model: CP-8861"), "ok.yaml");
  ASSERT_TRUE(defaults.ok()) << defaults.err().message;
  EXPECT_FALSE(defaults->cluster.mixed_mode);
  EXPECT_TRUE(defaults->cluster.itl_check_with_ctl_only) << "default: the CTL decides";
  EXPECT_EQ(defaults->fleet[0].ctl, itlfleet::plan::installed_ctl::automatic);

  auto extra = error_of(doc("12.5", "true", "ctl: none") +
                        "timeline:\n  - {at: 1m, do: utils ctl update CTLFile now}\n");
  EXPECT_HAS(extra, "bad.yaml:10:");
  EXPECT_HAS(extra, "'utils ctl update CTLFile' takes no arguments");
}

}  // namespace mixed
