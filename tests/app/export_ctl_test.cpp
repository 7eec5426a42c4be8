// `itlfleet cluster export --mixed-mode` against `itlfleet serve`: the CTL
// exported is byte for byte what the scenario cluster's TFTP service serves.
// (The export's own rules are tested in tests/cluster_export.)

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
