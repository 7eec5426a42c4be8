// A calibration (`itlfleet calibrate`'s calibration.yaml) in a scenario: a
// node's `calibration: FILE` and apply_calibration (`run --calibration`).

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "itlfleet/scenarios/scenario.hpp"

namespace {

using namespace std::chrono_literals;
namespace sc = itlfleet::scenarios;
namespace fs = std::filesystem;

constexpr const char* calibration = R"(# itlfleet calibration of a TFTP server
# server: 127.0.1.1:6969
# file: ITLFile.tlv (4587 bytes, 9 blocks)
# date: 2026-01-02T03:04:05Z
tftp:
  rtt: 150us
  block_cost: 2ms
  max_serving_count: 4
  loss: 0.001
)";

class Calibration : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("itlfleet_calibration_test_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::create_directories(dir_);
    write("cal.yaml", calibration);
    write("other.yaml", calibration);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }
  fs::path dir_;
};

TEST_F(Calibration, a_nodes_calibration_sets_that_nodes_models_relative_to_the_scenario) {
  const auto path = write("s.yaml",
                          "cluster:\n  tftp: {rtt: 9ms, block_size: 1024}\n  nodes:\n"
                          "  - {name: pub, publisher: true, calibration: cal.yaml}\n"
                          "  - {name: sub}\n"
                          "fleet: [{count: 3}]\n");
  auto plan = sc::load_file(path);
  ASSERT_TRUE(plan.ok()) << plan.err().message;
  const auto& pub = plan->cluster.nodes[0];
  ASSERT_TRUE(pub.own_tftp);
  EXPECT_FALSE(pub.own_http);
  EXPECT_FALSE(pub.own_tvs);
  const auto t = itlfleet::plan::node_tftp_model(plan->cluster, 0);
  EXPECT_EQ(t.rtt, 150us);
  EXPECT_EQ(t.block_cost, 2ms);
  EXPECT_EQ(t.max_serving_count, 4);
  EXPECT_DOUBLE_EQ(t.loss, 0.001);
  EXPECT_EQ(t.block_size, 1024);  // not in the calibration: the scenario's
  ASSERT_TRUE(pub.calibration);
  EXPECT_EQ(pub.calibration->file, "cal.yaml");
  EXPECT_EQ(pub.calibration->server, "127.0.1.1:6969");
  EXPECT_EQ(pub.calibration->date, "2026-01-02T03:04:05Z");
  // The other node and the cluster keep the scenario's.
  EXPECT_FALSE(plan->cluster.tftp_calibration);
  EXPECT_FALSE(plan->cluster.nodes[1].own_tftp);
  EXPECT_FALSE(plan->cluster.nodes[1].calibration);
  EXPECT_EQ(itlfleet::plan::node_tftp_model(plan->cluster, 1).rtt, 9ms);
  EXPECT_EQ(plan->cluster.tftp.block_cost, 20us);
}

TEST_F(Calibration, two_nodes_take_different_calibrations_and_their_own_keys_over_them) {
  write("fast.yaml",
        "# server: fast\ntftp: {block_cost: 10us, max_serving_count: 3000}\n"
        "tvs: {concurrency: 400}\n");
  const auto path = write("s.yaml",
                          "cluster:\n  nodes:\n"
                          "  - {name: pub, publisher: true, calibration: cal.yaml,"
                          " tftp: {max_serving_count: 7}}\n"
                          "  - {name: sub, calibration: fast.yaml}\n"
                          "  - {name: sub2, tvs: {concurrency: 3}, http: {workers: 2}}\n"
                          "fleet: [{count: 3}]\n");
  auto plan = sc::load_file(path);
  ASSERT_TRUE(plan.ok()) << plan.err().message;
  const auto& c = plan->cluster;
  using itlfleet::plan::node_http_model;
  using itlfleet::plan::node_tftp_model;
  using itlfleet::plan::node_tvs_model;
  EXPECT_EQ(node_tftp_model(c, 0).block_cost, 2ms);
  EXPECT_EQ(node_tftp_model(c, 0).max_serving_count, 7) << "the node's own key over its file";
  EXPECT_EQ(node_tftp_model(c, 1).block_cost, 10us);
  EXPECT_EQ(node_tftp_model(c, 1).max_serving_count, 3000);
  EXPECT_EQ(node_tvs_model(c, 1).concurrency, 400);
  EXPECT_EQ(node_tvs_model(c, 0).concurrency, 200) << "pub's file has no tvs: the cluster's";
  EXPECT_EQ(node_tvs_model(c, 2).concurrency, 3);
  EXPECT_EQ(node_tftp_model(c, 2).block_cost, 20us);
  EXPECT_FALSE(node_http_model(c, 0)) << "no HTTP model: HTTP fetches meet the TFTP station";
  ASSERT_TRUE(node_http_model(c, 2));
  EXPECT_EQ(node_http_model(c, 2)->workers, 2);
  EXPECT_EQ(node_http_model(c, 2)->max_serving_count, 2500);
  EXPECT_EQ(c.nodes[1].calibration->server, "fast");
  EXPECT_FALSE(c.nodes[2].calibration);
}

TEST_F(Calibration, a_nodes_out_of_range_or_unknown_or_phone_setting_is_refused_where_written) {
  const std::string head = "cluster:\n  nodes:\n  - {name: pub, publisher: true}\n";
  const std::string fleet = "fleet: [{count: 3}]\n";
  auto error_of = [&](const std::string& node) {
    auto plan = sc::load_file(write("s.yaml", head + node + fleet));
    return plan.ok() ? std::string("loaded") : plan.err().message;
  };
  std::string e = error_of("  - {name: sub, tftp: {max_serving_count: 100001}}\n");
  EXPECT_NE(e.find("s.yaml:4:"), std::string::npos) << e;
  EXPECT_NE(e.find("cluster.nodes[1].tftp.max_serving_count: expected an integer from 1 to 100000"),
            std::string::npos)
      << e;
  e = error_of("  - {name: sub, tvs: {handshake: 2h}}\n");
  EXPECT_NE(e.find("s.yaml:4:"), std::string::npos) << e;
  EXPECT_NE(e.find("handshake"), std::string::npos) << e;
  e = error_of("  - {name: sub, tftp: {block_cots: 1ms}}\n");
  EXPECT_NE(e.find("unknown key 'block_cots' in cluster.nodes[1].tftp"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean 'block_cost'"), std::string::npos) << e;
  e = error_of("  - {name: sub, tftp: {retransmit_timeout: 2s}}\n");
  EXPECT_NE(e.find("s.yaml:4:"), std::string::npos) << e;
  EXPECT_NE(e.find("'retransmit_timeout' in cluster.nodes[1].tftp is not a node's own"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("set it in cluster.tftp"), std::string::npos) << e;
  e = error_of("  - {name: sub, tvs: {timeout: 2s}}\n");
  EXPECT_NE(e.find("set it in cluster.tvs"), std::string::npos) << e;
  e = error_of("  - {name: sub, http: {workers: 0}}\n");
  EXPECT_NE(e.find("cluster.nodes[1].http.workers"), std::string::npos) << e;
}

TEST_F(Calibration, apply_calibration_overrides_and_names_a_bad_file) {
  auto plan = sc::load("pre-10-itl");
  ASSERT_TRUE(plan.ok());
  EXPECT_FALSE(plan->cluster.tftp_calibration);
  ASSERT_TRUE(sc::apply_calibration(*plan, (dir_ / "cal.yaml").string()).ok());
  EXPECT_EQ(plan->cluster.tftp.block_cost, 2ms);
  EXPECT_EQ(plan->cluster.tftp_calibration->server, "127.0.1.1:6969");

  const auto bad = write("bad.yaml", "# server: x\ntftp: {block_cost: 2ms, colour: red}\n");
  auto s = sc::apply_calibration(*plan, bad);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.err().message.find("bad.yaml:2:"), std::string::npos) << s.err().message;
  EXPECT_FALSE(sc::apply_calibration(*plan, (dir_ / "missing.yaml").string()).ok());
}

TEST_F(Calibration, a_calibration_for_one_node_sets_that_nodes_models_only) {
  auto plan = sc::load("tftp-overload-40k");
  ASSERT_TRUE(plan.ok());
  ASSERT_GE(plan->cluster.nodes.size(), 2u);
  const std::string node = plan->cluster.nodes[1].host;
  const auto cluster_before = plan->cluster.tftp.block_cost;
  ASSERT_TRUE(sc::apply_calibration(*plan, node + "=" + (dir_ / "cal.yaml").string()).ok());
  const auto& c = plan->cluster;
  EXPECT_EQ(itlfleet::plan::node_tftp_model(c, 1).block_cost, 2ms);
  EXPECT_EQ(itlfleet::plan::node_tftp_model(c, 0).block_cost, cluster_before);
  EXPECT_EQ(c.tftp.block_cost, cluster_before);
  EXPECT_FALSE(c.tftp_calibration);
  ASSERT_TRUE(c.nodes[1].calibration);
  EXPECT_EQ(c.nodes[1].calibration->file, (dir_ / "cal.yaml").string());

  // A FILE alone is every node's: it takes the nodes' own models out.
  const auto every = write("every.yaml", "# server: every\ntftp: {block_cost: 3ms}\n");
  ASSERT_TRUE(sc::apply_calibration(*plan, every).ok());
  EXPECT_FALSE(c.nodes[1].own_tftp);
  EXPECT_FALSE(c.nodes[1].calibration);
  EXPECT_EQ(itlfleet::plan::node_tftp_model(c, 1).block_cost, 3ms);
  EXPECT_EQ(c.tftp_calibration->server, "every");
}

TEST_F(Calibration, calibrations_apply_every_nodes_first_then_each_nodes_own) {
  auto plan = sc::load("tftp-overload-40k");
  ASSERT_TRUE(plan.ok());
  const std::string node = plan->cluster.nodes[1].host;
  const auto every = write("every.yaml", "# server: every\ntftp: {block_cost: 3ms}\n");
  ASSERT_TRUE(
      sc::apply_calibrations(*plan, {node + "=" + (dir_ / "cal.yaml").string(), every}).ok());
  EXPECT_EQ(itlfleet::plan::node_tftp_model(plan->cluster, 1).block_cost, 2ms);
  EXPECT_EQ(itlfleet::plan::node_tftp_model(plan->cluster, 0).block_cost, 3ms);
}

TEST_F(Calibration, a_calibration_for_an_unknown_node_is_refused_with_the_nodes) {
  auto plan = sc::load("tftp-overload-40k");
  ASSERT_TRUE(plan.ok());
  const std::string file = (dir_ / "cal.yaml").string();
  auto s = sc::apply_calibration(*plan, "nosuchnode=" + file);
  ASSERT_FALSE(s.ok());
  const std::string& m = s.err().message;
  EXPECT_NE(m.find("unknown node 'nosuchnode'; defined nodes: "), std::string::npos) << m;
  for (const auto& n : plan->cluster.nodes) EXPECT_NE(m.find(n.host), std::string::npos) << m;
  // A node's calibration may not set what phones do.
  const auto phone = write("phone.yaml", "tftp: {retransmit_timeout: 2s}\n");
  s = sc::apply_calibration(*plan, plan->cluster.nodes[0].host + "=" + phone);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.err().message.find("set it in cluster.tftp"), std::string::npos) << s.err().message;
}

TEST_F(Calibration, an_http_and_tvs_calibration_sets_those_models_and_leaves_tftp_alone) {
  auto plan = sc::load("pre-10-itl");
  ASSERT_TRUE(plan.ok());
  EXPECT_FALSE(plan->cluster.http);  // no HTTP model: HTTP fetches meet the TFTP station
  const auto tftp_before = plan->cluster.tftp.block_cost;
  const auto cal = write("ht.yaml",
                         "# server: 127.0.1.1:6970, 127.0.1.1:2445\n# date: d\n"
                         "http:\n  rtt: 90us\n  request_cost: 10ms\n  workers: 2\n"
                         "tvs:\n  handshake: 21ms\n  query: 5ms\n  concurrency: 2\n");
  ASSERT_TRUE(sc::apply_calibration(*plan, cal).ok());
  ASSERT_TRUE(plan->cluster.http);
  EXPECT_EQ(plan->cluster.http->rtt, 90us);
  EXPECT_EQ(plan->cluster.http->request_cost, 10ms);
  EXPECT_EQ(plan->cluster.http->workers, 2);
  EXPECT_EQ(plan->cluster.http->max_serving_count, 2500);  // not measured: the default
  EXPECT_EQ(plan->cluster.tvs.handshake, 21ms);
  EXPECT_EQ(plan->cluster.tvs.query, 5ms);
  EXPECT_EQ(plan->cluster.tvs.concurrency, 2);
  EXPECT_EQ(plan->cluster.tftp.block_cost, tftp_before);
  EXPECT_EQ(plan->cluster.tftp_calibration->server, "127.0.1.1:6970, 127.0.1.1:2445");
}

TEST_F(Calibration, a_calibration_without_a_service_or_with_a_bad_http_value_is_refused) {
  auto plan = sc::load("pre-10-itl");
  ASSERT_TRUE(plan.ok());
  auto s = sc::apply_calibration(*plan, write("none.yaml", "# date: d\nloss: 0\n"));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.err().message.find("none.yaml:2:"), std::string::npos) << s.err().message;
  s = sc::apply_calibration(*plan, write("w.yaml", "http: {workers: 0}\n"));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.err().message.find("w.yaml:1:"), std::string::npos) << s.err().message;
  EXPECT_NE(s.err().message.find("workers"), std::string::npos) << s.err().message;
}

TEST_F(Calibration, a_scenarios_cluster_http_gives_http_fetches_their_own_model) {
  const auto path = write("s.yaml",
                          "cluster:\n  http: {request_cost: 2ms, max_serving_count: 40}\n"
                          "  nodes:\n  - {name: pub, publisher: true}\n"
                          "fleet: [{count: 3}]\n");
  auto plan = sc::load_file(path);
  ASSERT_TRUE(plan.ok()) << plan.err().message;
  ASSERT_TRUE(plan->cluster.http);
  EXPECT_EQ(plan->cluster.http->request_cost, 2ms);
  EXPECT_EQ(plan->cluster.http->max_serving_count, 40);
  EXPECT_EQ(plan->cluster.http->workers, 8);
  EXPECT_EQ(plan->cluster.http->rtt, 2ms);
  const auto bad = write("b.yaml",
                         "cluster:\n  http: {max_serving_count: 100001}\n"
                         "  nodes:\n  - {name: pub, publisher: true}\n"
                         "fleet: [{count: 3}]\n");
  auto refused = sc::load_file(bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.err().message.find("b.yaml:2:"), std::string::npos) << refused.err().message;
}

}  // namespace
