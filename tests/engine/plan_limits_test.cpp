// Issue #9: values past what the engine's types hold are refused before a
// run (and before a single key is generated) instead of narrowing silently;
// the bounds themselves hold (the largest cluster's ITL fits in 64 KB).

#include "itlfleet/plan/plan_limits.hpp"
#include "one_key_store.hpp"

#include <gtest/gtest.h>

#include <mutex>

#include "itlfleet/engine/virtual_engine.hpp"
#include "itlfleet/sim/cluster.hpp"
#include "plan_fixture.hpp"

namespace itlfleet::engine {
namespace {

using namespace std::chrono_literals;

#define EXPECT_HAS(message, part) \
  EXPECT_NE((message).find(part), std::string::npos) << "in: " << (message)

/// The error of running `plan`; fails the test if it runs.
std::string run_error(const run_plan& plan) {
  auto r = run_virtual(plan, {});
  if (r.ok()) {
    ADD_FAILURE() << "the plan ran";
    return {};
  }
  return r.err().message;
}

run_plan with_nodes(std::size_t n) {
  run_plan p = test::single_node_plan(10);
  for (std::size_t i = 1; i < n; ++i)
    p.cluster.nodes.push_back({"sub" + std::to_string(i), false, true, true, true});
  p.fleet[0].tftp = {p.cluster.nodes.back().host};
  return p;
}

TEST(PlanLimits, the_fixture_plans_are_within_the_limits) {
  EXPECT_TRUE(limits::check_plan(test::single_node_plan(300)).ok());
  EXPECT_TRUE(limits::check_plan(test::two_node_plan(300)).ok());
  EXPECT_TRUE(limits::check_plan(with_nodes(limits::max_nodes)).ok());
}

TEST(PlanLimits, more_nodes_than_an_itl_holds_are_refused_before_key_generation) {
  // Before: 257 nodes left the group pointed at node 256 (index 0 in 8 bits)
  // unserved and unreachable, 300 reported load on the wrong node, and 1,000
  // spent 51 s generating keys first. Now the run stops at once.
  for (std::size_t n : {limits::max_nodes + 1, std::size_t{257}, std::size_t{300}}) {
    const std::string m = run_error(with_nodes(n));
    EXPECT_HAS(m, "cluster.nodes: " + std::to_string(n) + " nodes; expected at most 64");
  }
}

TEST(PlanLimits, more_groups_than_a_phone_can_name_are_refused) {
  // Before: sim::phone::group is 16 bits, so group 65,536 counted as group 0.
  run_plan p = test::single_node_plan(1);
  plan::fleet_group empty = p.fleet[0];
  empty.count = 0;
  p.fleet.resize(limits::max_groups + 1, empty);
  EXPECT_HAS(run_error(p), "fleet: 65537 groups; expected at most 65536");
  p.fleet.resize(limits::max_groups);
  EXPECT_TRUE(limits::check_plan(p).ok());
}

TEST(PlanLimits, an_action_naming_a_node_or_group_the_plan_lacks_is_refused) {
  // The loader resolves names to indices; a plan built in code may hold any.
  const auto refused = [](plan::action a, const std::string& part) {
    run_plan p = test::two_node_plan(10);
    a.text = "restart tftp";
    p.timeline = {a};
    const auto s = limits::check_plan(p);
    ASSERT_FALSE(s.ok());
    EXPECT_HAS(s.err().message, part);
  };
  refused(test::at(1min, plan::action_kind::restart_tftp, {}, 2),
          "timeline: 'restart tftp' names node 2; the cluster has 2 nodes");
  plan::action boot = test::at(0s, plan::action_kind::boot_all);
  boot.group = 1;
  refused(boot, "timeline: 'restart tftp' names fleet group 1; the fleet has 1 groups");
  refused(test::at(1min, plan::action_kind::set_option_150, plan::tftp_server_list{{1, 7}}),
          "names node 7; the cluster has 2 nodes");
  refused(test::at(1min, plan::action_kind::set_option_150, plan::tftp_server_list{}),
          "expected at least one TFTP node");

  run_plan p = test::two_node_plan(10);
  boot.group = 0;
  p.timeline = {boot, test::at(1min, plan::action_kind::restart_tftp, {}, 1),
                test::at(2min, plan::action_kind::set_option_150, plan::tftp_server_list{{1, 0}})};
  EXPECT_TRUE(limits::check_plan(p).ok());
}

TEST(PlanLimits, tftp_attempts_past_8_bits_are_refused_not_wrapped) {
  // Before: 256 behaved like 0 and 257 like 1.
  for (int attempts : {0, 256, 257}) {
    run_plan p = test::single_node_plan(10);
    p.phone.tftp_attempts = attempts;
    EXPECT_HAS(run_error(p),
               "phone.tftp_attempts is " + std::to_string(attempts) + "; expected 1 to 255");
  }
  run_plan p = test::single_node_plan(10);
  p.phone.tftp_attempts = 255;
  EXPECT_TRUE(limits::check_plan(p).ok());
}

TEST(PlanLimits, counts_that_wrap_do_not_look_like_a_small_fleet) {
  // Before: two counts adding up to 2^64 made an empty fleet.
  run_plan p = test::single_node_plan(std::uint64_t{1} << 63);
  p.fleet.push_back(p.fleet[0]);
  p.fleet[1].name = "other";
  EXPECT_EQ(p.fleet_size(), std::numeric_limits<std::uint64_t>::max());
  EXPECT_HAS(run_error(p), "expected at most 50000000");

  run_plan two = test::single_node_plan(30'000'000);
  two.fleet.push_back(two.fleet[0]);
  two.fleet[1].name = "other";
  EXPECT_HAS(run_error(two), "fleet: 60000000 phones or more; expected at most 50000000");
}

TEST(PlanLimits, durations_past_the_32_bit_second_clock_are_refused) {
  run_plan p = test::single_node_plan(10);
  p.end = limits::max_duration + 1us;
  EXPECT_HAS(run_error(p), "end is");
  p = test::single_node_plan(10);
  p.cluster.tvs.answer_ttl = std::chrono::hours(24 * 365 * 100);
  EXPECT_HAS(run_error(p), "cluster.tvs.ttl");
  p = test::single_node_plan(10);
  p.sample_every = 0us;
  EXPECT_HAS(run_error(p), "sample is 0us");
  p = test::single_node_plan(10);
  p.cluster.tftp.block_cost = 2h;
  EXPECT_HAS(run_error(p), "cluster.tftp.block_cost");
  p = test::single_node_plan(10);
  p.cluster.tvs.concurrency = std::numeric_limits<int>::max();
  EXPECT_HAS(run_error(p), "cluster.tvs.concurrency is 2147483647; expected 1 to 100000");
  p = test::single_node_plan(10);
  p.cluster.http = http_model{};
  p.cluster.http->workers = 0;
  EXPECT_HAS(run_error(p), "cluster.http.workers is 0; expected 1 to 100000");
  p.cluster.http->workers = 1;
  p.cluster.http->request_cost = 2h;
  EXPECT_HAS(run_error(p), "cluster.http.request_cost");
}

TEST(PlanLimits, a_nodes_own_models_are_checked_and_named_by_node) {
  run_plan p = test::two_node_plan(10);
  p.cluster.nodes[1].own_tftp = p.cluster.tftp;
  p.cluster.nodes[1].own_tftp->max_serving_count = 0;
  EXPECT_HAS(run_error(p),
             "cluster.nodes[1] (cucm-sub).tftp.max_serving_count is 0; expected 1 to 100000");
  p.cluster.nodes[1].own_tftp.reset();
  p.cluster.nodes[1].own_tvs = p.cluster.tvs;
  p.cluster.nodes[1].own_tvs->handshake = 2h;
  EXPECT_HAS(run_error(p), "cluster.nodes[1] (cucm-sub).tvs.handshake");
  p.cluster.nodes[1].own_tvs.reset();
  p.cluster.nodes[1].own_http = http_model{};
  p.cluster.nodes[1].own_http->workers = 0;
  EXPECT_HAS(run_error(p), "cluster.nodes[1] (cucm-sub).http.workers is 0");
}

TEST(PlanLimits, names_that_openssl_would_refuse_are_refused_by_name) {
  // Before: "X509_NAME_add_entry_by_NID: ... invalid utf8string" / "string too long".
  run_plan p = test::single_node_plan(10);
  p.cluster.nodes[0].host = "pub\xff";
  p.fleet[0].tftp = {p.cluster.nodes[0].host};
  EXPECT_HAS(run_error(p), "cluster.nodes.name: expected UTF-8 text; byte 4 (0xFF)");
  p = test::single_node_plan(10);
  p.cluster.domain = std::string(100'000, 'd');
  EXPECT_HAS(run_error(p), "cluster.domain: expected at most 62 bytes");
  p = test::single_node_plan(10);
  p.cluster.nodes[0].host = std::string(41, 'h');  // ITLRECOVERY_ + 41 + .example.lab = 65
  p.fleet[0].tftp = {p.cluster.nodes[0].host};
  EXPECT_HAS(run_error(p), "cluster.nodes.name: certificate name 'ITLRECOVERY_" +
                               p.cluster.nodes[0].host +
                               ".example.lab' would be 65 bytes; X.509 allows at most 64 in a "
                               "common name (ITLRECOVERY_<host>.<domain>, from version 10.0)");
}

using test::one_key_store;

/// The largest ITL of a cluster of max_nodes TVS nodes at 2048 bits whose
/// certificate names are as long as X.509 allows.
std::size_t largest_itl(const std::string& version, std::size_t fqdn_bytes) {
  const std::string domain = "example.lab";
  sim::cluster_config config;
  config.version = *sim::cucm_version::parse(version);
  config.domain = domain;
  for (std::size_t i = 0; i < limits::max_nodes; ++i) {
    std::string host = "n" + std::to_string(i);
    host += std::string(fqdn_bytes - domain.size() - 1 - host.size(), 'x');
    config.nodes.push_back({host, i == 0, true, true, true});
  }
  sim::pki_options pki;
  pki.key_bits = 2048;
  pki.cache = std::make_shared<one_key_store>();
  sim::identity_factory factory(pki);
  sim::file_store files;
  auto cluster = sim::cluster::create(config, factory, files);
  EXPECT_TRUE(cluster.ok()) << (cluster.ok() ? "" : cluster.err().message);
  if (!cluster.ok()) return 0;
  std::size_t largest = 0;
  for (std::size_t n = 0; n < cluster->node_count(); ++n) {
    largest = std::max(largest, files.get(cluster->served_itl(n)).raw.size());
    largest = std::max(largest, files.get(cluster->served_config(n)).raw.size());
  }
  return largest;
}

TEST(PlanLimits, the_largest_cluster_itl_fits_in_64_kb) {
  // 10.0 and later: ITLRECOVERY_<fqdn> limits the FQDN to 52 bytes.
  const std::size_t with_recovery = largest_itl("12.5", limits::max_common_name_bytes - 12);
  EXPECT_LE(with_recovery, sim::max_trust_file_size);
  EXPECT_GT(with_recovery, 40'000u) << "the test no longer builds a large ITL";
  // Before 10.0: no ITLRecovery record, FQDNs of 64 bytes.
  EXPECT_LE(largest_itl("9.1", limits::max_common_name_bytes), sim::max_trust_file_size);
}

TEST(PlanLimits, text_problem_names_the_byte) {
  EXPECT_FALSE(limits::text_problem("cucm-pub", 64));
  EXPECT_FALSE(limits::text_problem("caf\xc3\xa9", 64));
  EXPECT_FALSE(limits::text_problem("two\nlines\tand a tab", 64, true));
  EXPECT_HAS(*limits::text_problem("two\nlines", 64), "byte 4 starts the control character U+000A");
  EXPECT_HAS(*limits::text_problem("a\x7f", 64), "U+007F");
  EXPECT_HAS(*limits::text_problem("a\xc2\x9b", 64), "U+009B");  // C1 CSI
  EXPECT_HAS(*limits::text_problem("ab\xc3", 64), "byte 3 (0xC3) is not valid UTF-8");
  EXPECT_HAS(*limits::text_problem("\xc0\xaf", 64), "byte 1 (0xC0)");  // overlong '/'
  EXPECT_HAS(*limits::text_problem(std::string(65, 'a'), 64), "at most 64 bytes, got 65");
}

TEST(PlanLimits, stale_counts_phones_that_took_their_backup_servers_itl) {
  // Issue #9 item 8 (docs/model.md, "stale"): each TFTP node serves its own
  // ITL. A phone refused by its primary until its attempts run out installs
  // its backup's ITL and counts as stale, though no ITL changed; nothing is
  // wrong with it (it is trusted) until it next boots from its primary.
  run_plan p = test::two_node_plan(200);
  p.cluster.tftp.max_serving_count = 5;
  p.phone.tftp_attempts = 1;
  p.boot.spread = 1s;
  p.end = 20min;
  p.timeline = {test::at(0s, action_kind::boot_all)};
  auto r = run_virtual(p, {});
  ASSERT_TRUE(r.ok()) << r.err().message;
  const auto& end = r->final_state.fleet;
  EXPECT_EQ(end.state(sim::phone_state::trusted), 200u);
  EXPECT_EQ(end.ever_locked, 0u);
  EXPECT_GT(end.stale, 0u);
  EXPECT_LT(end.stale, 200u);
  // Those phones report the backup's ITL (DeviceTLInfo), not their primary's.
  std::uint64_t not_current = 0;
  for (const auto& rep : r->info.device_tl_info)
    if (!rep.current) not_current += rep.phones;
  EXPECT_EQ(not_current, end.stale);
}

}  // namespace
}  // namespace itlfleet::engine
