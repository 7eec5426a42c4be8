#include "itlfleet/scenarios/scenario.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>

namespace {

using namespace std::chrono_literals;
using itlfleet::plan::action_kind;
using itlfleet::plan::comparison;
using itlfleet::plan::installed_itl;
namespace plan = itlfleet::plan;
namespace sc = itlfleet::scenarios;

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Every key of the format, non-default values wherever there is a choice.
constexpr const char* full_example = R"yaml(name: full-example
description: Every key, for the round-trip test.
seed: 4242
end: 90m
sample: 5s
cluster:
  version: "12.5(1)SU3"
  domain: corp.lab
  hold_timer: off
  hold_time: 7m
  key_bits: 2048
  security_password: "s3cret"
  auto_reset: false
  nodes:
    - {name: cucm-pub, publisher: true, services: [tvs, callmanager]}
    - name: cucm-sub1
      services: [tftp, tvs, callmanager]
    - {name: cucm-sub2, services: [tftp]}
  tftp: {max_serving_count: 900, rtt: 3ms, block_size: 1428, loss: 0.01, retransmit_timeout: 2s, block_cost: 35us}
  tvs:  {handshake: 4ms, query: 0.3ms, concurrency: 150, timeout: 12s, ttl: 12h}
fleet:
  - {name: desk, count: 9000, model: CP-8865, firmware: "14.1(1)", tftp: [cucm-sub1, cucm-sub2], tvs: [cucm-sub1], itl: current}
  - {name: old-phones, count: 1000, model: CP-7965G, firmware: "9.3(1)", tftp: cucm-sub2, itl: pre-10.0}
  - {name: new-phones, count: 0, itl: none}
boot: {spread: 2m, reboot: 80s, reboot_jitter: 5s, reset_spread: 45s}
phone: {tftp_attempts: 4, tftp_backoff: 7s, unreachable_retry: 90s}
timeline:
  - {at: 31m, do: reset all devices}
  - {at: 0s,  do: boot-all}
  - {at: 10m, do: set cert regen callmanager, on: cucm-sub1}
  - {at: 10m10s, do: set cert regen TVS, on: cucm-sub1}
  - {at: 30m, do: utils itl reset localkey, on: cucm-pub}
  - {at: 30m, do: utils itl reset remotekey sftp.example.lab admin /backup/ITLRecovery.p12}
  - {at: 5m, do: restart tftp, on: cucm-sub2}
  - {at: 5m, do: restart tftp, on: all}
  - {at: 6m, do: utils service restart Cisco Tftp}
  - {at: 7m, do: set network hostname cucm-pub2}
  - {at: 8m, do: set network domain new.lab}
  - {at: 9m, do: set password user security, password: newsecret}
  - {at: 1m, do: file get tftp ITLRecovery.p12, on: cucm-pub, to: /backup/ITLRecovery.p12}
  - {at: 20m, do: tftp outage, on: cucm-sub1, for: 5m}
  - {at: 20m, do: tvs outage, for: 90s}
  - {at: 40m, do: delete itl, group: old-phones, fraction: 0.5}
  - {at: 41m, do: factory reset}
expect:
  - {at: 29m, locked: ">= 9000"}
  - {at: end, locked: 1000, unrecoverable: 1000, trusted: 9000}
  - {by: 20m, locked: 0}
  - {at: end, recovered: ">= 99.5%"}
  - {at: end, group: old-phones, locked: "100%"}
  - {refused_commands: "!= 0", tftp_refusals: "< 5", backup_alerts: "<=2"}
  - {by: end, ever_locked: "> 0.1%"}
)yaml";

TEST(Loader, full_example_fills_every_field) {
  auto r = sc::load_string(full_example, "full.yaml");
  ASSERT_TRUE(r.ok()) << r.err().message;
  const auto& p = *r;
  EXPECT_EQ(p.name, "full-example");
  EXPECT_EQ(p.description, "Every key, for the round-trip test.");
  EXPECT_EQ(p.source, "full.yaml");
  EXPECT_EQ(p.seed, 4242u);
  EXPECT_EQ(p.end, 90min);
  EXPECT_EQ(p.sample_every, 5s);

  const auto& c = p.cluster;
  EXPECT_EQ(c.version, (itlfleet::sim::cucm_version{12, 5}));  // "12.5(1)SU3"
  EXPECT_EQ(c.domain, "corp.lab");
  EXPECT_FALSE(c.hold_timer);
  EXPECT_EQ(c.hold_time, 7min);
  EXPECT_EQ(c.key_bits, 2048);
  EXPECT_EQ(c.security_password, "s3cret");
  EXPECT_FALSE(c.auto_reset);
  ASSERT_EQ(c.nodes.size(), 3u);
  EXPECT_EQ(c.nodes[0].host, "cucm-pub");
  EXPECT_TRUE(c.nodes[0].publisher);
  EXPECT_FALSE(c.nodes[0].tftp);
  EXPECT_TRUE(c.nodes[0].tvs);
  EXPECT_TRUE(c.nodes[0].callmanager);
  EXPECT_EQ(c.nodes[1].host, "cucm-sub1");
  EXPECT_FALSE(c.nodes[1].publisher);
  EXPECT_TRUE(c.nodes[1].tftp && c.nodes[1].tvs && c.nodes[1].callmanager);
  EXPECT_TRUE(c.nodes[2].tftp);
  EXPECT_FALSE(c.nodes[2].tvs || c.nodes[2].callmanager);
  EXPECT_EQ(c.tftp.max_serving_count, 900);
  EXPECT_EQ(c.tftp.rtt, 3ms);
  EXPECT_EQ(c.tftp.block_size, 1428);
  EXPECT_DOUBLE_EQ(c.tftp.loss, 0.01);
  EXPECT_EQ(c.tftp.retransmit_timeout, 2s);
  EXPECT_EQ(c.tftp.block_cost, 35us);
  EXPECT_EQ(c.tvs.handshake, 4ms);
  EXPECT_EQ(c.tvs.query, 300us);
  EXPECT_EQ(c.tvs.concurrency, 150);
  EXPECT_EQ(c.tvs.timeout, 12s);
  EXPECT_EQ(c.tvs.answer_ttl, 12h);

  ASSERT_EQ(p.fleet.size(), 3u);
  const auto& desk = p.fleet[0];
  EXPECT_EQ(desk.name, "desk");
  EXPECT_EQ(desk.count, 9000u);
  EXPECT_EQ(desk.model, "CP-8865");
  EXPECT_EQ(desk.firmware, "14.1(1)");
  EXPECT_EQ(desk.tftp, (std::vector<std::string>{"cucm-sub1", "cucm-sub2"}));
  EXPECT_EQ(desk.tvs, (std::vector<std::string>{"cucm-sub1"}));
  EXPECT_EQ(desk.itl, installed_itl::current);
  EXPECT_EQ(desk.line, 22);
  EXPECT_EQ(p.fleet[1].tftp, (std::vector<std::string>{"cucm-sub2"}));
  EXPECT_TRUE(p.fleet[1].tvs.empty());
  EXPECT_EQ(p.fleet[1].itl, installed_itl::pre_10);
  EXPECT_EQ(p.fleet[2].itl, installed_itl::none);
  EXPECT_EQ(p.fleet[2].count, 0u);
  EXPECT_EQ(p.fleet[2].model, "CP-8861");  // default
  EXPECT_EQ(p.fleet_size(), 10000u);

  EXPECT_EQ(p.boot.spread, 2min);
  EXPECT_EQ(p.boot.reboot, 80s);
  EXPECT_EQ(p.boot.reboot_jitter, 5s);
  EXPECT_EQ(p.boot.reset_spread, 45s);
  EXPECT_EQ(p.phone.tftp_attempts, 4);
  EXPECT_EQ(p.phone.tftp_backoff, 7s);
  EXPECT_EQ(p.phone.unreachable_retry, 90s);

  // Sorted by time, equal times in the written order. Nodes and groups are
  // read once, to their indices; "" for none.
  const auto& t = p.timeline;
  const auto node = [&](std::size_t i) -> std::string {
    return t[i].node ? p.cluster.nodes[*t[i].node].host : "";
  };
  const auto group = [&](std::size_t i) -> std::string {
    return t[i].group ? p.fleet[*t[i].group].name : "";
  };
  ASSERT_EQ(t.size(), 20u);
  for (std::size_t i = 1; i < t.size(); ++i) EXPECT_LE(t[i - 1].at, t[i].at) << i;
  EXPECT_EQ(t[0].kind, action_kind::boot_all);
  EXPECT_EQ(t[0].at, 0s);
  EXPECT_EQ(t[1].kind, action_kind::backup_itlrecovery);
  EXPECT_EQ(node(1), "cucm-pub");
  EXPECT_EQ(t[1].args, (plan::action_args{plan::sftp_destination{"/backup/ITLRecovery.p12"}}));
  EXPECT_EQ(t[2].kind, action_kind::restart_tftp);
  EXPECT_EQ(node(2), "cucm-sub2");
  EXPECT_EQ(t[3].kind, action_kind::restart_tftp);
  EXPECT_EQ(node(3), "");  // all
  EXPECT_EQ(t[4].kind, action_kind::restart_tftp);
  EXPECT_EQ(t[4].text, "utils service restart Cisco Tftp");
  EXPECT_EQ(t[5].kind, action_kind::rename_publisher);
  EXPECT_EQ(node(5), "cucm-pub");  // publisher by default
  EXPECT_EQ(t[5].args, (plan::action_args{plan::new_host_name{"cucm-pub2"}}));
  // A domain change without `on:` is one action per node.
  for (std::size_t k = 6; k <= 8; ++k) {
    EXPECT_EQ(t[k].kind, action_kind::change_domain);
    EXPECT_EQ(t[k].args, (plan::action_args{plan::new_domain{"new.lab"}}));
    EXPECT_EQ(t[k].line, 38);
  }
  EXPECT_EQ(node(6), "cucm-pub");
  EXPECT_EQ(node(7), "cucm-sub1");
  EXPECT_EQ(node(8), "cucm-sub2");
  EXPECT_EQ(t[9].kind, action_kind::change_security_password);
  EXPECT_EQ(t[9].args, (plan::action_args{plan::security_password{"newsecret"}}));
  EXPECT_EQ(t[10].kind, action_kind::cert_regen);
  EXPECT_EQ(node(10), "cucm-sub1");
  EXPECT_EQ(t[10].args,  // any spelling of the name
            (plan::action_args{plan::regen_certificate{itlfleet::sim::cert_purpose::callmanager}}));
  EXPECT_EQ(t[10].text, "set cert regen callmanager");
  EXPECT_EQ(t[11].at, 10min + 10s);
  EXPECT_EQ(t[11].args,
            (plan::action_args{plan::regen_certificate{itlfleet::sim::cert_purpose::tvs}}));
  EXPECT_EQ(t[12].kind, action_kind::tftp_outage);
  EXPECT_EQ(node(12), "cucm-sub1");
  EXPECT_EQ(t[12].length, 5min);
  // A TVS outage without `on:` is one action per TVS node.
  EXPECT_EQ(t[13].kind, action_kind::tvs_outage);
  EXPECT_EQ(node(13), "cucm-pub");
  EXPECT_EQ(t[13].length, 90s);
  EXPECT_EQ(t[14].kind, action_kind::tvs_outage);
  EXPECT_EQ(node(14), "cucm-sub1");
  EXPECT_EQ(t[15].kind, action_kind::itl_reset_localkey);
  EXPECT_EQ(node(15), "cucm-pub");
  EXPECT_EQ(t[16].kind, action_kind::itl_reset_remotekey);
  EXPECT_EQ(node(16), "cucm-pub");
  EXPECT_EQ(t[16].args, (plan::action_args{plan::remote_key_source{"sftp.example.lab", "admin",
                                                                   "/backup/ITLRecovery.p12"}}));
  EXPECT_EQ(t[17].kind, action_kind::reset_all_devices);
  EXPECT_EQ(t[17].line, 28);
  EXPECT_EQ(t[18].kind, action_kind::delete_itl);
  EXPECT_EQ(group(18), "old-phones");
  EXPECT_DOUBLE_EQ(t[18].fraction, 0.5);
  EXPECT_EQ(t[19].kind, action_kind::factory_reset);
  EXPECT_EQ(group(19), "");
  EXPECT_DOUBLE_EQ(t[19].fraction, 1.0);

  const auto& e = p.expect;
  ASSERT_EQ(e.size(), 11u);
  EXPECT_EQ(e[0].metric, "locked");
  EXPECT_EQ(e[0].op, comparison::ge);
  EXPECT_EQ(e[0].value, 9000);
  EXPECT_FALSE(e[0].percent);
  EXPECT_EQ(e[0].at, 29min);
  EXPECT_FALSE(e[0].by);
  EXPECT_EQ(e[0].text, "locked >= 9000");
  EXPECT_EQ(e[0].line, 46);
  // One entry, three metrics, three expectations in written order.
  EXPECT_EQ(e[1].metric, "locked");
  EXPECT_EQ(e[1].op, comparison::eq);
  EXPECT_EQ(e[1].value, 1000);
  EXPECT_FALSE(e[1].at.has_value());
  EXPECT_EQ(e[2].metric, "unrecoverable");
  EXPECT_EQ(e[3].metric, "trusted");
  EXPECT_EQ(e[3].value, 9000);
  EXPECT_EQ(e[3].line, 47);
  EXPECT_EQ(e[4].metric, "locked");
  EXPECT_TRUE(e[4].by);
  EXPECT_EQ(e[4].at, 20min);
  EXPECT_EQ(e[5].metric, "recovered");
  EXPECT_EQ(e[5].op, comparison::ge);
  EXPECT_DOUBLE_EQ(e[5].value, 99.5);
  EXPECT_TRUE(e[5].percent);
  EXPECT_EQ(e[5].text, "recovered >= 99.5%");
  EXPECT_EQ(e[6].group, "old-phones");
  EXPECT_TRUE(e[6].percent);
  EXPECT_EQ(e[6].value, 100);
  EXPECT_EQ(e[6].op, comparison::eq);
  EXPECT_EQ(e[7].op, comparison::ne);
  EXPECT_FALSE(e[7].at.has_value());  // no at/by: end of run
  EXPECT_EQ(e[8].op, comparison::lt);
  EXPECT_EQ(e[9].op, comparison::le);
  EXPECT_EQ(e[9].value, 2);
  EXPECT_EQ(e[10].op, comparison::gt);
  EXPECT_TRUE(e[10].by);
  EXPECT_FALSE(e[10].at.has_value());
}

TEST(Loader, omitted_keys_take_the_documented_defaults) {
  auto r = sc::load_string(R"(
cluster:
  nodes:
    - {name: pub, publisher: true}
    - {name: sub, services: [tftp]}
    - {name: sub2, services: [tvs]}
fleet:
  - {count: 10}
  - {count: 5}
)",
                           "dir/minimal.yml");
  ASSERT_TRUE(r.ok()) << r.err().message;
  const auto& p = *r;
  const itlfleet::plan::run_plan d;
  EXPECT_EQ(p.name, "minimal");  // from the file name
  EXPECT_EQ(p.seed, d.seed);
  EXPECT_EQ(p.end, d.end);
  EXPECT_EQ(p.sample_every, d.sample_every);
  EXPECT_EQ(p.cluster.version, (itlfleet::sim::cucm_version{10, 0}));
  EXPECT_TRUE(p.cluster.hold_timer);
  EXPECT_EQ(p.cluster.hold_time, 5min);
  EXPECT_EQ(p.cluster.key_bits, 1024);
  EXPECT_TRUE(p.cluster.auto_reset);
  EXPECT_TRUE(p.cluster.nodes[0].tftp && p.cluster.nodes[0].tvs && p.cluster.nodes[0].callmanager);
  EXPECT_EQ(p.cluster.tftp.max_serving_count, d.cluster.tftp.max_serving_count);
  EXPECT_EQ(p.cluster.tvs.concurrency, d.cluster.tvs.concurrency);
  EXPECT_EQ(p.fleet[0].name, "group-1");
  EXPECT_EQ(p.fleet[1].name, "group-2");
  // Default TFTP list: every TFTP node in declaration order.
  EXPECT_EQ(p.fleet[0].tftp, (std::vector<std::string>{"pub", "sub"}));
  EXPECT_TRUE(p.fleet[0].tvs.empty());
  EXPECT_EQ(p.fleet[0].itl, installed_itl::current);
  EXPECT_EQ(p.boot.spread, d.boot.spread);
  EXPECT_EQ(p.phone.tftp_attempts, d.phone.tftp_attempts);
  EXPECT_TRUE(p.timeline.empty());
  EXPECT_TRUE(p.expect.empty());
}

TEST(Loader, timeline_sort_is_stable_for_equal_times) {
  auto r = sc::load_string(R"(
cluster: {nodes: [{name: pub, publisher: true}]}
fleet: [{count: 1}]
timeline:
  - {at: 2m, do: reset all devices}
  - {at: 1m, do: set cert regen TVS}
  - {at: 1m, do: set cert regen CAPF}
  - {at: 0, do: boot-all}
  - {at: 1m, do: set cert regen ITLRecovery}
)",
                           "s.yaml");
  ASSERT_TRUE(r.ok()) << r.err().message;
  std::vector<std::string> order;
  for (const auto& a : r->timeline) order.push_back(a.text);
  EXPECT_EQ(order,
            (std::vector<std::string>{"boot-all", "set cert regen TVS", "set cert regen CAPF",
                                      "set cert regen ITLRecovery", "reset all devices"}));
}

TEST(Builtins, every_builtin_loads_with_its_own_name) {
  auto names = sc::builtin_names();
  ASSERT_GE(names.size(), 9u);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  for (const auto& n : names) {
    SCOPED_TRACE(n);
    auto r = sc::load(n);
    ASSERT_TRUE(r.ok()) << r.err().message;
    EXPECT_EQ(r->name, n);
    EXPECT_EQ(r->source, "builtin:" + n);
    EXPECT_FALSE(r->description.empty());
    EXPECT_GE(r->fleet_size(), 1000u);
    EXPECT_LE(r->fleet_size(), 40000u);
    EXPECT_LE(r->end, 12h) << "a working day at most (manual-recovery)";
    EXPECT_FALSE(r->timeline.empty());
    EXPECT_FALSE(r->expect.empty());
  }
}

TEST(Builtins, the_library_names_the_technote_stories) {
  for (const char* n : {"bulk-reset-localkey", "bulk-reset-remotekey", "double-regen-hold-timer",
                        "double-regen-no-hold-timer", "double-regen-recovery", "itlrecovery-regen",
                        "publisher-rename", "pre-10-itl", "tftp-overload-40k"}) {
    EXPECT_TRUE(sc::builtin_yaml(n).has_value()) << n;
  }
  EXPECT_EQ(sc::load("tftp-overload-40k")->fleet_size(), 40000u);
  EXPECT_FALSE(sc::builtin_yaml("nope").has_value());
}

TEST(Builtins, every_yaml_file_in_the_library_directory_is_embedded) {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(std::string(ITLFLEET_SOURCE_DIR) +
                                                           "/scenarios/library")) {
    if (e.path().extension() == ".yaml") files.push_back(e.path().stem().string());
  }
  std::sort(files.begin(), files.end());
  EXPECT_EQ(files, sc::builtin_names()) << "list new files in scenarios/CMakeLists.txt";
}

TEST(Builtins, embedded_text_equals_the_file) {
  for (const auto& n : sc::builtin_names()) {
    std::ifstream in(std::string(ITLFLEET_SOURCE_DIR) + "/scenarios/library/" + n + ".yaml",
                     std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(text, *sc::builtin_yaml(n)) << n;
  }
}

TEST(Load, builtin_prefix_selects_a_builtin) {
  auto r = sc::load("builtin:double-regen-recovery");
  ASSERT_TRUE(r.ok()) << r.err().message;
  EXPECT_EQ(r->name, "double-regen-recovery");
}

TEST(Load, unknown_name_lists_the_builtins) {
  auto r = sc::load("no-such");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(contains(r.err().message, "'no-such'")) << r.err().message;
  for (const auto& n : sc::builtin_names()) {
    EXPECT_TRUE(contains(r.err().message, n)) << r.err().message;
  }
  auto b = sc::load("builtin:no-such");
  ASSERT_FALSE(b.ok());
  EXPECT_TRUE(contains(b.err().message, "double-regen-recovery")) << b.err().message;
}

TEST(Load, a_path_loads_the_file) {
  auto dir = std::filesystem::temp_directory_path() / "itlfleet_scenarios_test";
  std::filesystem::create_directories(dir);
  auto path = (dir / "my-run.yaml").string();
  {
    std::ofstream out(path);
    out << "cluster: {nodes: [{name: pub, publisher: true}]}\nfleet: [{count: 3}]\n";
  }
  auto r = sc::load(path);
  ASSERT_TRUE(r.ok()) << r.err().message;
  EXPECT_EQ(r->name, "my-run");
  EXPECT_EQ(r->source, path);
  EXPECT_EQ(r->fleet_size(), 3u);
  std::filesystem::remove_all(dir);
}

TEST(Load, unreadable_file_is_a_clear_error) {
  auto r = sc::load_file("/nonexistent/dir/scenario.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(contains(r.err().message, "/nonexistent/dir/scenario.yaml: cannot read"))
      << r.err().message;
  auto d = sc::load_file(std::filesystem::temp_directory_path().string());
  ASSERT_FALSE(d.ok());
  EXPECT_TRUE(contains(d.err().message, "directory")) << d.err().message;
}

TEST(Describe, states_an_expectation_in_one_line) {
  auto r = sc::load_string(full_example, "full.yaml");
  ASSERT_TRUE(r.ok()) << r.err().message;
  EXPECT_EQ(sc::describe(r->expect[0]), "locked >= 9000 at 29m");
  EXPECT_EQ(sc::describe(r->expect[4]), "locked == 0 by 20m");
  EXPECT_EQ(sc::describe(r->expect[5]), "recovered >= 99.5% at end");
  EXPECT_EQ(sc::describe(r->expect[6]), "locked == 100% at end [old-phones]");
  EXPECT_EQ(sc::describe(r->expect[10]), "ever_locked > 0.1% by end");
}

TEST(Names, verbs_and_metrics_are_listed) {
  EXPECT_EQ(sc::verb_name(action_kind::itl_reset_remotekey), "utils itl reset remotekey");
  EXPECT_EQ(sc::verb_name(action_kind::backup_itlrecovery), "file get tftp ITLRecovery.p12");
  EXPECT_EQ(sc::to_string(comparison::le), "<=");
  auto m = sc::metric_names();
  // with config_rejected, ctl_installs, ctl_update_failures, *_fallbacks, device_resets
  EXPECT_EQ(m.size(), 22u);
  EXPECT_NE(std::find(m.begin(), m.end(), "device_resets"), m.end());
  EXPECT_NE(std::find(m.begin(), m.end(), "config_rejected"), m.end());
  EXPECT_NE(std::find(m.begin(), m.end(), "unrecoverable"), m.end());
}

// Malformed input must give an error naming the file, never a crash or an
// escaped exception: every prefix of the full example, and random byte edits.
TEST(Robustness, truncated_and_mutated_input_never_crashes) {
  std::string text = full_example;
  for (std::size_t n = 0; n <= text.size(); n += 3) {
    auto r = sc::load_string(text.substr(0, n), "cut.yaml");
    if (!r.ok()) {
      EXPECT_TRUE(contains(r.err().message, "cut.yaml")) << r.err().message;
    }
  }
  std::mt19937 rng(12345);
  const std::string alphabet = "{}[]:,-#&*!|>'\"%@` \n\t0aZ.";
  for (int i = 0; i < 1000; ++i) {
    std::string m = text;
    for (int k = 0; k < 3; ++k) {
      std::size_t at = rng() % m.size();
      m[at] = alphabet[rng() % alphabet.size()];
    }
    auto r = sc::load_string(m, "mut.yaml");
    if (!r.ok()) {
      EXPECT_TRUE(contains(r.err().message, "mut.yaml")) << r.err().message;
    }
  }
}

TEST(Loader, per_device_trust_lists_default_to_served_and_can_be_turned_off) {
  const std::string head = "cluster:\n  nodes: [{name: pub, publisher: true}]\n";
  auto d = sc::load_string(head + "fleet: [{count: 3}]\n", "d.yaml");
  ASSERT_TRUE(d.ok()) << d.err().message;
  EXPECT_TRUE(d->cluster.tftp.per_device_itl) << "CUCM serves ITLSEP<MAC>.tlv";
  EXPECT_TRUE(d->cluster.tftp.per_device_ctl);
  auto off = sc::load_string(
      head + "  tftp: {per_device_itl: false, per_device_ctl: false}\nfleet: [{count: 3}]\n",
      "off.yaml");
  ASSERT_TRUE(off.ok()) << off.err().message;
  EXPECT_FALSE(off->cluster.tftp.per_device_itl);
  EXPECT_FALSE(off->cluster.tftp.per_device_ctl);
  auto bad = sc::load_string(head + "  tftp: {per_device_itl: sometimes}\nfleet: [{count: 3}]\n",
                             "bad.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(contains(bad.err().message, "bad.yaml:3:")) << bad.err().message;
  EXPECT_TRUE(contains(bad.err().message, "per_device_itl")) << bad.err().message;
}

}  // namespace
