// `itlfleet cluster export --mixed-mode`: the CTL beside the ITLs, byte for
// byte what the cluster's TFTP service serves, under CUCM's names.

#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <future>
#include <string>
#include <vector>

#include "cli_fixture.hpp"

namespace itlfleet {
namespace {

/// Every file under `root` whose name starts with `prefix`.
std::vector<std::string> files_starting(const fs::path& root, const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.path().filename().string().rfind(prefix, 0) == 0) out.push_back(e.path().string());
  return out;
}

TEST_F(Cli, export_in_mixed_mode_writes_the_ctl_under_cucms_names_and_it_verifies) {
  const run_result r = run({"cluster", "export", "--out", "mixed", "--nodes", "pub,sub1",
                            "--phones", "4", "--version", "12.5", "--mixed-mode"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  // One CTL for the cluster, on every TFTP node under CTLFile.tlv and each
  // of the node's phones' CTLSEP<MAC>.tlv.
  const bytes ctl = read_bytes(path("mixed/tftp/pub/CTLFile.tlv"));
  ASSERT_FALSE(ctl.empty());
  EXPECT_EQ(read_bytes(path("mixed/tftp/sub1/CTLFile.tlv")), ctl);
  for (const char* f : {"pub/CTLSEP001E7A000000.tlv", "pub/CTLSEP001E7A000002.tlv",
                        "sub1/CTLSEP001E7A000001.tlv", "sub1/CTLSEP001E7A000003.tlv"}) {
    EXPECT_EQ(read_bytes(path("mixed/tftp") / f), ctl) << f;
  }
  EXPECT_FALSE(fs::exists(path("mixed/tftp/pub/CTLSEP001E7A000001.tlv")));
  EXPECT_NE(r.out.find("mixed mode: CTLFile.tlv " + std::to_string(ctl.size()) + " bytes"),
            std::string::npos)
      << r.out;
  const std::string manifest = read_text(path("mixed/manifest.json"));
  EXPECT_NE(manifest.find("\"mixed_mode\": true"), std::string::npos);
  EXPECT_NE(manifest.find("\"path\": \"tftp/sub1/CTLFile.tlv\""), std::string::npos);
  EXPECT_NE(manifest.find("\"path\": \"tftp/pub/CTLSEP001E7A000002.tlv\""), std::string::npos);

  run_result shown = run({"itl", "show", "mixed/tftp/pub/CTLFile.tlv"});
  EXPECT_EQ(shown.exit_code, 0) << describe(shown);
  EXPECT_NE(shown.out.find("The CTL file was verified successfully."), std::string::npos)
      << shown.out;
  EXPECT_NE(shown.out.find("CTL Record #:"), std::string::npos) << shown.out;
  // What a phone holding this CTL checks: every node's ITL (signed by the
  // ITLRecovery key on 12.x, a SAST of the CTL) and the CTL itself.
  for (const char* itl : {"mixed/tftp/pub/ITLFile.tlv", "mixed/tftp/sub1/ITLSEP001E7A000001.tlv",
                          "mixed/tftp/pub/CTLSEP001E7A000000.tlv"}) {
    const run_result v = run({"itl", "verify", itl, "--trust", "mixed/tftp/pub/CTLFile.tlv"});
    EXPECT_EQ(v.exit_code, 0) << itl << "\n" << describe(v);
    EXPECT_EQ(v.out.rfind("accepted: ", 0), 0u) << v.out;
  }
}

TEST_F(Cli, export_outside_mixed_mode_writes_no_ctl_and_mixed_mode_needs_10_0) {
  ASSERT_NO_FATAL_FAILURE(export_cluster());
  EXPECT_TRUE(files_starting(path("cluster/tftp"), "CTL").empty());
  EXPECT_NE(read_text(path("cluster/manifest.json")).find("\"mixed_mode\": false"),
            std::string::npos);
  const run_result r = run(
      {"cluster", "export", "--out", "old", "--version", "9.1", "--mixed-mode", "--phones", "1"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_NE(r.err.find("--mixed-mode: a tokenless CTL needs CUCM 10.0(1) or later"),
            std::string::npos)
      << r.err;
}

TEST_F(Cli, exported_ctl_is_byte_for_byte_what_the_scenario_clusters_tftp_serves) {
  if (!fs::exists("/usr/bin/tftp")) GTEST_SKIP() << "tftp-hpa is not installed";
  // A mixed-mode scenario with seed 42: its cluster PKI is seeded "itlfleet-42".
  std::ofstream(dir_ / "mixed.yaml") << R"(name: mixed-export
seed: 42
cluster:
  version: "12.5"
  mixed_mode: true
  nodes:
    - {name: cucm-pub, publisher: true}
fleet:
  - {name: desk, count: 1, itl: none}
timeline:
  - {at: 0s, do: boot-all}
end: 40s
)";
  const run_result exported =
      run({"cluster", "export", "--out", "cluster", "--nodes", "cucm-pub", "--phones", "4",
           "--version", "12.5", "--mixed-mode", "--seed", "itlfleet-42"});
  ASSERT_EQ(exported.exit_code, 0) << describe(exported);

  int port = 0;
  bool got = false, got_per_device = false;
  const run_result r = serve_on_a_free_port(
      [](int p) {
        return std::vector<std::string>{
            "serve",        "mixed.yaml", "--tftp-port", std::to_string(p),
            "--http-port",  "0",          "--tvs-port",  "0",
            "--time-scale", "0.25",       "--once"};
      },
      // The publisher (node 0) listens on 127.0.1.1.
      [&](int p) {
        port = p;
        got = fetch_served(p, "CTLFile.tlv", 4);
        got_per_device = got && fetch_served(p, "CTLSEP001E7A000003.tlv");
      });
  ASSERT_TRUE(got) << "nothing served on 127.0.1.1:" << port << "\n" << describe(r);
  ASSERT_TRUE(got_per_device);
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  const bytes ctl = read_bytes(path("cluster/tftp/cucm-pub/CTLFile.tlv"));
  EXPECT_EQ(read_bytes(path("served-CTLFile.tlv")), ctl);
  EXPECT_EQ(read_bytes(path("served-CTLSEP001E7A000003.tlv")), ctl);
  EXPECT_EQ(read_bytes(path("cluster/tftp/cucm-pub/CTLSEP001E7A000003.tlv")), ctl);
}

}  // namespace
}  // namespace itlfleet
