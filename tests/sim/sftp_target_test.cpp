// `file get tftp ITLRecovery.p12` prints CUCM's SFTP dialogue (the technote's
// prompts) answered from the scenario's `to:`, and stores the key under the
// path that `utils itl reset remotekey` fetches.

#include "itlfleet/sim/sftp_target.hpp"

#include <gtest/gtest.h>

#include <string>

#include "../common/seeded_factory.hpp"
#include "itlfleet/sim/cluster.hpp"

namespace itlfleet::sim {
namespace {

cluster make(file_store& files) {
  cluster_config cfg;
  cfg.version = cucm_version::parse("10.5").value();
  cfg.hold_timer = false;
  cfg.nodes = {{"cucm-pub", true, true, true, true}, {"cucm-sub", false, true, true, true}};
  auto r = cluster::create(cfg, test::seeded_factory("sftp-target-test"), files);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.err().to_string());
  return std::move(r.value());
}

/// The output from the confirmation on: what follows the file sizes.
std::string after_proceed(const std::string& text) {
  const auto at = text.find("Would you like to proceed [y/n]? y\n");
  return at == std::string::npos ? text : text.substr(at);
}

TEST(SftpDialogue, file_get_prints_the_technotes_prompts_answered_from_the_url) {
  file_store files;
  cluster c = make(files);
  const command_output out = c.backup_itlrecovery(
      0, "sftp://joemar2@joemar2-server.cisco.com/home/joemar2/ITLRecovery.p12");
  ASSERT_TRUE(out.ok) << out.text;
  const bytes& p12 = c.sftp_store().at("/home/joemar2/ITLRecovery.p12");
  EXPECT_EQ(out.text.substr(0, out.text.find("Total size in Kbytes")),
            "Please wait while the system is gathering files info ...done.\n"
            "Sub-directories were not traversed.\n"
            "Number of files affected: 1\n"
            "Total size in Bytes: " +
                std::to_string(p12.size()) + "\n");
  // The technote's lines, in its order, with its answers.
  EXPECT_EQ(after_proceed(out.text),
            "Would you like to proceed [y/n]? y\n"
            "SFTP server IP: joemar2-server.cisco.com\n"
            "SFTP server port [22]:\n"
            "User ID: joemar2\n"
            "Password: *****\n"
            "Download directory: /home/joemar2/\n"
            ".\n"
            "Transfer completed.\n"
            "Downloading file: /usr/local/cm/tftp/ITLRecovery.p12");
  // remotekey fetches what was saved, by its path.
  EXPECT_TRUE(c.itl_reset_remotekey(0, "joemar2-server.cisco.com", "joemar2",
                                    "/home/joemar2/ITLRecovery.p12", 100)
                  .ok);
}

TEST(SftpDialogue, another_port_is_typed_and_a_bare_path_gets_the_default_answers) {
  file_store files;
  cluster c = make(files);
  command_output out =
      c.backup_itlrecovery(0, "sftp://backup@127.0.0.22:2222/keys/cucm/ITLRecovery.p12");
  ASSERT_TRUE(out.ok) << out.text;
  EXPECT_NE(out.text.find("\nSFTP server IP: 127.0.0.22\nSFTP server port [22]: 2222\n"
                          "User ID: backup\nPassword: *****\nDownload directory: /keys/cucm/\n"),
            std::string::npos)
      << out.text;
  EXPECT_EQ(c.sftp_store().count("/keys/cucm/ITLRecovery.p12"), 1u);

  out = c.backup_itlrecovery(0, "/backup/ITLRecovery.p12");
  ASSERT_TRUE(out.ok) << out.text;
  EXPECT_NE(out.text.find("\nSFTP server IP: sftp.example.lab\nSFTP server port [22]:\n"
                          "User ID: admin\nPassword: *****\nDownload directory: /backup/\n"),
            std::string::npos)
      << out.text;

  out = c.backup_itlrecovery(0, "sftp://joe@sftp.lab:0/x.p12");
  EXPECT_FALSE(out.ok);
  EXPECT_EQ(out.text, "Invalid download path: expected a port from 1 to 65535, got '0'");
  EXPECT_FALSE(c.backup_itlrecovery(1, "/backup/ITLRecovery.p12").ok) << "subscriber: not found";
}

TEST(SftpDialogue, to_values_are_checked) {
  const auto error = [](std::string_view to) {
    auto t = parse_sftp_target(to);
    return t ? std::string("parsed") : t.err().message;
  };
  auto full = parse_sftp_target("sftp://u@h.lab:65535/a/b.p12");
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->user, "u");
  EXPECT_EQ(full->host, "h.lab");
  EXPECT_EQ(full->port, 65535);
  EXPECT_EQ(full->path, "/a/b.p12");
  EXPECT_EQ(full->directory(), "/a/");
  auto bare = parse_sftp_target("/b.p12");
  ASSERT_TRUE(bare.ok());
  EXPECT_TRUE(bare->host.empty() && bare->user.empty());
  EXPECT_EQ(bare->directory(), "/");
  EXPECT_EQ(parse_sftp_target("sftp://h/b.p12")->port, 22);

  EXPECT_EQ(error("sftp://h:65536/x.p12"), "expected a port from 1 to 65535, got '65536'");
  EXPECT_EQ(error("sftp://h:/x.p12"), "expected a port from 1 to 65535, got ''");
  EXPECT_EQ(error("sftp://h:22a/x.p12"), "expected a port from 1 to 65535, got '22a'");
  EXPECT_NE(error("sftp://@h/x.p12").find("expected a user name"), std::string::npos);
  EXPECT_NE(error("sftp://h_x/x.p12").find("expected an SFTP server name"), std::string::npos);
  EXPECT_NE(error("sftp:///x.p12").find("expected an SFTP server name"), std::string::npos);
  EXPECT_NE(error("sftp://h").find("expected a path after the host"), std::string::npos);
  EXPECT_EQ(error("sftp://h/dir/"), "the path '/dir/' names no file");
  EXPECT_NE(error("backup/x.p12").find("expected an absolute path"), std::string::npos);
  EXPECT_NE(error("joe@h:/x.p12").find("expected an absolute path"), std::string::npos);
  EXPECT_NE(error("/a b.p12").find("blanks"), std::string::npos);
  EXPECT_NE(error("/" + std::string(max_sftp_target_bytes, 'a')).find("at most 1024"),
            std::string::npos);
}

}  // namespace
}  // namespace itlfleet::sim
