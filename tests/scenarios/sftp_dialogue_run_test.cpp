// A scenario's `file get tftp ITLRecovery.p12` with an sftp:// `to:`: the
// run's event log shows CUCM's SFTP dialogue answered from it, remotekey
// fetches the saved key by its path, and a bad `to:` fails at its file:line.

#include <gtest/gtest.h>

#include <string>

#include "itlfleet/engine/virtual_engine.hpp"
#include "itlfleet/scenarios/scenario.hpp"

namespace itlfleet::scenarios {
namespace {

/// Lines 1-13; the `to:` is on line 13.
std::string scenario(const std::string& to) {
  return R"(name: sftp-dialogue
seed: 5
end: 10m
cluster:
  version: "10.5"
  hold_timer: off
  nodes:
    - {name: cucm-pub, publisher: true}
fleet:
  - {name: desk, count: 20}
timeline:
  - {at: 0s, do: boot-all}
  - {at: 1m, do: file get tftp ITLRecovery.p12, on: cucm-pub, to: )" +
         to + R"(}
  - {at: 5m, do: utils itl reset remotekey joemar2-server.cisco.com joemar2 /home/joemar2/ITLRecovery.p12, on: cucm-pub}
)";
}

TEST(SftpDialogueRun, the_event_log_shows_the_prompts_answered_from_to) {
  auto plan = load_string(
      scenario("sftp://joemar2@joemar2-server.cisco.com:2022/home/joemar2/ITLRecovery.p12"),
      "sftp.yaml");
  ASSERT_TRUE(plan.ok()) << plan.err().to_string();
  auto r = engine::run_virtual(*plan);
  ASSERT_TRUE(r.ok()) << r.err().to_string();
  const std::string& log = r->event_log;
  EXPECT_NE(log.find("Would you like to proceed [y/n]? y\n"), std::string::npos) << log;
  for (const char* line :
       {"SFTP server IP: joemar2-server.cisco.com", "SFTP server port [22]: 2022",
        "User ID: joemar2", "Password: *****", "Download directory: /home/joemar2/",
        "Transfer completed.", "Downloading file: /usr/local/cm/tftp/ITLRecovery.p12"}) {
    EXPECT_NE(log.find(line), std::string::npos) << line << "\n" << log;
  }
  EXPECT_EQ(log.find("File not found on"), std::string::npos)
      << "remotekey found the key saved under the URL's path\n"
      << log;
}

TEST(SftpDialogueRun, a_bad_to_fails_at_its_line) {
  auto plan = load_string(scenario("sftp://joe@sftp.lab:99999/backup/ITLRecovery.p12"), "bad.yaml");
  ASSERT_FALSE(plan.ok());
  const std::string m = plan.err().message;
  EXPECT_NE(m.find("bad.yaml:13:"), std::string::npos) << m;
  EXPECT_NE(m.find("expected a port from 1 to 65535, got '99999'"), std::string::npos) << m;
  plan = load_string(scenario("backup/ITLRecovery.p12"), "bad.yaml");
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.err().message.find("expected an absolute path"), std::string::npos)
      << plan.err().message;
}

}  // namespace
}  // namespace itlfleet::scenarios
