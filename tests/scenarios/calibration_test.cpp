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

TEST_F(Calibration, a_nodes_calibration_sets_the_clusters_tftp_model_relative_to_the_scenario) {
  const auto path = write("s.yaml",
                          "cluster:\n  tftp: {rtt: 9ms, block_size: 1024}\n  nodes:\n"
                          "  - {name: pub, publisher: true, calibration: cal.yaml}\n"
                          "fleet: [{count: 3}]\n");
  auto plan = sc::load_file(path);
  ASSERT_TRUE(plan.ok()) << plan.err().message;
  const auto& t = plan->cluster.tftp;
  EXPECT_EQ(t.rtt, 150us);
  EXPECT_EQ(t.block_cost, 2ms);
  EXPECT_EQ(t.max_serving_count, 4);
  EXPECT_DOUBLE_EQ(t.loss, 0.001);
  EXPECT_EQ(t.block_size, 1024);  // not in the calibration: the scenario's
  ASSERT_TRUE(plan->cluster.tftp_calibration);
  EXPECT_EQ(plan->cluster.tftp_calibration->file, "cal.yaml");
  EXPECT_EQ(plan->cluster.tftp_calibration->server, "127.0.1.1:6969");
  EXPECT_EQ(plan->cluster.tftp_calibration->date, "2026-01-02T03:04:05Z");
}

TEST_F(Calibration, two_nodes_with_different_calibrations_are_refused) {
  const auto path = write("s.yaml",
                          "cluster:\n  nodes:\n"
                          "  - {name: pub, publisher: true, calibration: cal.yaml}\n"
                          "  - {name: sub, calibration: other.yaml}\n"
                          "fleet: [{count: 3}]\n");
  auto plan = sc::load_file(path);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.err().message.find("s.yaml:4:"), std::string::npos) << plan.err().message;
  EXPECT_NE(plan.err().message.find("per-node models are not modelled"), std::string::npos)
      << plan.err().message;
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

TEST_F(Calibration, a_calibration_for_one_node_is_refused_with_what_to_give_instead) {
  auto plan = sc::load("pre-10-itl");
  ASSERT_TRUE(plan.ok());
  const std::string node = plan->cluster.nodes.front().host;
  const std::string file = (dir_ / "cal.yaml").string();
  auto s = sc::apply_calibration(*plan, node + "=" + file);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(
      s.err().message.find(": a calibration of node '" + node + "' alone is not modelled yet"),
      std::string::npos)
      << s.err().message;
  EXPECT_NE(s.err().message.find("give --calibration " + file + " to apply it to every node"),
            std::string::npos)
      << s.err().message;
  EXPECT_FALSE(plan->cluster.tftp_calibration) << "nothing applied";
  // Not a node's name: read as a file name, which does not exist.
  s = sc::apply_calibration(*plan, "nosuchnode=" + file);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.err().message.find("cannot read calibration"), std::string::npos) << s.err().message;
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
