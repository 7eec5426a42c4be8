// Runs the built `itlfleet` binary as a user would: cluster export, then the
// trust-file commands on what it wrote.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <future>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

#include "cli_fixture.hpp"
#include "itlfleet/sim/crypto.hpp"
#include "itlfleet/sim/trust_file.hpp"

namespace itlfleet {
namespace {

TEST_F(Cli, version_and_help) {
  run_result r = run({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("itlfleet ", 0), 0u) << r.out;
  r = run({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("itl"), std::string::npos);
  EXPECT_NE(r.out.find("cluster"), std::string::npos);
  r = run({"itl", "build", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--hash-only-roles"), std::string::npos);
}

TEST_F(Cli, cluster_export_writes_tftp_roots_keys_and_manifest) {
  ASSERT_NO_FATAL_FAILURE(export_cluster());
  // Phones round-robin over the nodes: even MACs on pub, odd on sub1.
  for (const char* f : {"tftp/pub/ITLFile.tlv", "tftp/pub/ITLSEP001E7A000000.tlv",
                        "tftp/pub/ITLSEP001E7A000002.tlv", "tftp/pub/SEP001E7A000000.cnf.xml.sgn",
                        "tftp/sub1/ITLFile.tlv", "tftp/sub1/ITLSEP001E7A000001.tlv",
                        "tftp/sub1/SEP001E7A000003.cnf.xml.sgn", "keys/pub/callmanager.pem",
                        "keys/pub/callmanager.key", "keys/sub1/tvs.pem", "keys/pub/capf.key",
                        "keys/pub/itlrecovery.pem", "keys/pub/ITLRecovery.p12", "manifest.json"}) {
    EXPECT_TRUE(fs::is_regular_file(path("cluster") / f)) << f;
  }
  EXPECT_FALSE(fs::exists(path("cluster/tftp/pub/ITLSEP001E7A000001.tlv")));
  EXPECT_EQ(read_bytes(path("cluster/tftp/pub/ITLSEP001E7A000002.tlv")),
            read_bytes(path("cluster/tftp/pub/ITLFile.tlv")));
  // Each TFTP node has its own ITL.
  const bytes pub_itl = read_bytes(path("cluster/tftp/pub/ITLFile.tlv"));
  const bytes sub_itl = read_bytes(path("cluster/tftp/sub1/ITLFile.tlv"));
  EXPECT_NE(pub_itl, sub_itl);

  // Nothing secret in the served tree.
  for (const auto& e : fs::recursive_directory_iterator(path("cluster/tftp"))) {
    const std::string ext = e.path().extension().string();
    EXPECT_TRUE(ext != ".key" && ext != ".p12" && ext != ".pem") << e.path();
  }

  const std::string manifest = read_text(path("cluster/manifest.json"));
  EXPECT_NE(manifest.find("\"sha1\": \"" + to_hex(sim::sha1(pub_itl)) + "\""), std::string::npos);
  EXPECT_NE(manifest.find("\"sha1\": \"" + to_hex(sim::sha1(sub_itl)) + "\""), std::string::npos);
  EXPECT_NE(manifest.find("\"path\": \"tftp/sub1/SEP001E7A000003.cnf.xml.sgn\""),
            std::string::npos);
  EXPECT_NE(manifest.find("\"publisher\": \"pub\""), std::string::npos);

  // The recovery key store opens with the default cluster password only.
  const bytes p12 = read_bytes(path("cluster/keys/pub/ITLRecovery.p12"));
  auto opened = sim::read_pkcs12(p12, "itlfleet-cluster");
  ASSERT_TRUE(opened.ok()) << opened.err().message;
  EXPECT_EQ(opened->cert.subject().rfind("CN=ITLRECOVERY_pub.example.lab;", 0), 0u);
  EXPECT_FALSE(sim::read_pkcs12(p12, "wrong").ok());

  // The publisher's ITL: CallManager SAST + TFTP, CAPF, TVS, ITLRecovery, sub1's TVS.
  auto parsed = sim::parse_trust_list(pub_itl);
  ASSERT_TRUE(parsed.ok()) << parsed.err().to_string();
  std::vector<std::uint16_t> roles;
  for (const auto& rec : parsed->records) roles.push_back(rec.function().value_or(0xFFFF));
  EXPECT_EQ(roles, (std::vector<std::uint16_t>{0, 3, 4, 21, 0, 21}));
}

TEST_F(Cli, itl_show_on_each_exported_itl_exits_0) {
  ASSERT_NO_FATAL_FAILURE(export_cluster());
  for (const char* node : {"pub", "sub1"}) {
    const std::string file = std::string("cluster/tftp/") + node + "/ITLFile.tlv";
    run_result r = run({"itl", "show", file});
    EXPECT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_NE(r.out.find("The ITL file was verified successfully."), std::string::npos);
    EXPECT_NE(r.out.find("This etoken was used to sign the ITL file."), std::string::npos);
    EXPECT_NE(r.out.find("The ITL File was last modified on "), std::string::npos);
    r = run({"itl", "show", "--json", file});
    EXPECT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_NE(r.out.find("\"verified\": true"), std::string::npos) << r.out;
  }
}

TEST_F(Cli, itl_verify_accepts_own_files_and_rejects_another_nodes_signer) {
  ASSERT_NO_FATAL_FAILURE(export_cluster());
  run_result r = run({"itl", "verify", "cluster/tftp/sub1/ITLFile.tlv", "--trust",
                      "cluster/tftp/pub/ITLFile.tlv"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_EQ(r.out.rfind("rejected: ", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("a phone would ask TVS"), std::string::npos);

  r = run({"itl", "verify", "cluster/tftp/pub/ITLSEP001E7A000000.tlv", "--trust",
           "cluster/tftp/pub/ITLFile.tlv"});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(r.out.rfind("accepted: signed by CN=pub.example.lab;", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("record #1 of cluster/tftp/pub/ITLFile.tlv, role SAST"), std::string::npos)
      << r.out;

  // A phone's signed config verifies against its node's TFTP record only.
  r = run({"itl", "verify", "cluster/tftp/sub1/SEP001E7A000001.cnf.xml.sgn", "--trust",
           "cluster/tftp/sub1/ITLFile.tlv"});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.out.find("role TFTP"), std::string::npos) << r.out;
  r = run({"itl", "verify", "cluster/tftp/sub1/SEP001E7A000001.cnf.xml.sgn", "--trust",
           "cluster/tftp/pub/ITLFile.tlv"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
}

TEST_F(Cli, truncated_itl_exits_2_naming_the_byte) {
  ASSERT_NO_FATAL_FAILURE(export_cluster());
  const bytes itl = read_bytes(path("cluster/tftp/pub/ITLFile.tlv"));
  {
    std::ofstream out(path("truncated.tlv"), std::ios::binary);
    out.write(reinterpret_cast<const char*>(itl.data()),
              static_cast<std::streamsize>(itl.size() / 2));
  }
  run_result r = run({"itl", "show", "truncated.tlv"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_NE(r.err.find("truncated.tlv"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("byte"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("expected"), std::string::npos) << r.err;

  r = run({"itl", "verify", "truncated.tlv", "--trust", "cluster/tftp/pub/ITLFile.tlv"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_NE(r.err.find("byte"), std::string::npos) << r.err;

  r = run({"itl", "show", "no-such-file.tlv"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_NE(r.err.find("no-such-file.tlv"), std::string::npos) << r.err;
}

TEST_F(Cli, tampered_itl_is_parsed_but_not_verified_exit_1) {
  ASSERT_NO_FATAL_FAILURE(export_cluster());
  bytes itl = read_bytes(path("cluster/tftp/pub/ITLFile.tlv"));
  itl[itl.size() - 40] ^= 0x01;  // inside the last record's certificate signature
  {
    std::ofstream out(path("tampered.tlv"), std::ios::binary);
    out.write(reinterpret_cast<const char*>(itl.data()), static_cast<std::streamsize>(itl.size()));
  }
  run_result r = run({"itl", "show", "tampered.tlv"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_NE(r.out.find("The ITL file was not verified"), std::string::npos) << r.out;
  r = run({"itl", "verify", "tampered.tlv", "--trust", "cluster/tftp/pub/ITLFile.tlv"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_NE(r.out.find("signature does not verify"), std::string::npos) << r.out;
}

TEST_F(Cli, ctl_files_are_shown_with_the_ctl_label) {
  ASSERT_NO_FATAL_FAILURE(export_cluster());
  const std::string k = "cluster/keys/pub/";
  run_result r =
      run({"itl", "build", "--out", "CTLFile.tlv", "--filename", "CTLFile.tlv", "--signer",
           k + "callmanager.pem", "--signer-key", k + "callmanager.key", "--record",
           "sast:" + k + "callmanager.pem", "--record", "ccm+tftp:" + k + "callmanager.pem",
           "--record", "capf:" + k + "capf.pem", "--full-certs"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  r = run({"itl", "show", "CTLFile.tlv"});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.out.find("CTL Record #:2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("4 FUNCTION 2 CCM+TFTP"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("9 CERTIFICATE "), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("CERTHASH"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("The CTL file was verified successfully."), std::string::npos) << r.out;
}

TEST_F(Cli, itl_build_from_exported_pems_reproduces_the_exported_itl) {
  ASSERT_NO_FATAL_FAILURE(export_cluster());
  const std::string k = "cluster/keys/pub/";
  // The export's files carry the PKI epoch as TIMESTAMP.
  const run_result r = run({"itl",          "build",
                            "--out",        "built.tlv",
                            "--signer",     k + "callmanager.pem",
                            "--signer-key", k + "callmanager.key",
                            "--record",     "sast:" + k + "callmanager.pem",
                            "--record",     "tftp:" + k + "callmanager.pem",
                            "--record",     "capf:" + k + "capf.pem",
                            "--record",     "tvs:" + k + "tvs.pem",
                            "--record",     "sast:" + k + "itlrecovery.pem",
                            "--record",     "tvs:cluster/keys/sub1/tvs.pem",
                            "--timestamp",  "1767225600"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(read_bytes(path("built.tlv")), read_bytes(path("cluster/tftp/pub/ITLFile.tlv")));

  run_result shown = run({"itl", "show", "built.tlv"});
  EXPECT_EQ(shown.exit_code, 0) << describe(shown);
  run_result verified =
      run({"itl", "verify", "built.tlv", "--trust", "cluster/tftp/pub/ITLFile.tlv"});
  EXPECT_EQ(verified.exit_code, 0) << describe(verified);
}

TEST_F(Cli, itl_build_signed_by_itl_recovery_is_accepted_by_phones_of_every_node) {
  ASSERT_NO_FATAL_FAILURE(export_cluster());
  // The bulk reset's file, built by hand: ITLRecovery signs, cert and key in one PEM.
  const std::string k = "cluster/keys/pub/";
  {
    std::ofstream both(path("recovery.pem"));
    both << read_text(path(k + "itlrecovery.pem")) << read_text(path(k + "itlrecovery.key"));
  }
  const run_result r =
      run({"itl", "build", "--out", "reset.tlv", "--signer", "recovery.pem", "--record",
           "sast:" + k + "callmanager.pem", "--record", "tftp:" + k + "callmanager.pem", "--record",
           "sast:recovery.pem", "--digest", "sha256"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  for (const char* node : {"pub", "sub1"}) {
    const run_result v = run({"itl", "verify", "reset.tlv", "--trust",
                              std::string("cluster/tftp/") + node + "/ITLFile.tlv"});
    EXPECT_EQ(v.exit_code, 0) << node << "\n" << describe(v);
    EXPECT_NE(v.out.find("ITLRECOVERY_pub.example.lab"), std::string::npos) << v.out;
  }
}

TEST_F(Cli, itl_build_reports_bad_inputs_with_exit_2) {
  ASSERT_NO_FATAL_FAILURE(export_cluster());
  const std::string k = "cluster/keys/pub/";
  run_result r = run({"itl", "build", "--out", "x.tlv", "--signer", k + "callmanager.pem",
                      "--signer-key", k + "tvs.key", "--record", "sast:" + k + "callmanager.pem"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_NE(r.err.find("does not match"), std::string::npos) << r.err;

  r = run({"itl", "build", "--out", "x.tlv", "--signer", k + "callmanager.pem", "--signer-key",
           k + "callmanager.key", "--record", "boss:" + k + "callmanager.pem"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_NE(r.err.find("unknown role 'boss'"), std::string::npos) << r.err;

  r = run({"itl", "build", "--out", "x.tlv", "--signer", k + "callmanager.pem", "--signer-key",
           k + "callmanager.key", "--record", "sast:missing.pem"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_NE(r.err.find("missing.pem"), std::string::npos) << r.err;

  r = run({"itl", "build", "--out", "x.tlv", "--signer", k + "callmanager.pem", "--record",
           "sast:" + k + "callmanager.pem"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_NE(r.err.find("--signer-key"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(path("x.tlv")));
}

TEST_F(Cli, export_refuses_a_non_empty_directory_without_force) {
  ASSERT_NO_FATAL_FAILURE(export_cluster());
  run_result r = run({"cluster", "export", "--out", "cluster", "--phones", "2"});
  EXPECT_NE(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.err.find("not empty"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(path("cluster/tftp/sub1/ITLFile.tlv")));  // left alone

  r = run({"cluster", "export", "--out", "cluster", "--phones", "2", "--force"});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  // The previous export is replaced, not merged with.
  EXPECT_FALSE(fs::exists(path("cluster/tftp/sub1")));
  EXPECT_TRUE(fs::exists(path("cluster/tftp/cucm-pub/ITLSEP001E7A000001.tlv")));
}

// --- itlfleet run ------------------------------------------------------------

TEST_F(Cli, run_of_a_builtin_writes_its_four_files_and_exits_0_when_expectations_hold) {
  const run_result r = run({"run", "double-regen-recovery", "--phones", "300", "--out", "out"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("seed 42"), std::string::npos) << "the seed is printed";
  EXPECT_NE(r.out.find("PASS"), std::string::npos);
  for (const char* f : {"summary.json", "junit.xml", "timeseries.csv", "events.log"})
    EXPECT_TRUE(fs::exists(dir_ / "out" / f)) << f;
  const std::string junit = read_text(dir_ / "out" / "junit.xml");
  EXPECT_NE(junit.find("failures=\"0\""), std::string::npos) << junit;
}

TEST_F(Cli, same_seed_gives_byte_identical_files_and_another_seed_does_not) {
  ASSERT_EQ(run({"run", "pre-10-itl", "--phones", "400", "--seed", "9", "--out", "a"}).exit_code,
            0);
  ASSERT_EQ(run({"run", "pre-10-itl", "--phones", "400", "--seed", "9", "--out", "b"}).exit_code,
            0);
  ASSERT_EQ(run({"run", "pre-10-itl", "--phones", "400", "--seed", "10", "--out", "c"}).exit_code,
            0);
  for (const char* f :
       {"summary.json", "junit.xml", "timeseries.csv", "groups.csv", "events.log"}) {
    EXPECT_EQ(read_text(dir_ / "a" / f), read_text(dir_ / "b" / f)) << f;
  }
  EXPECT_NE(read_text(dir_ / "a" / "events.log"), read_text(dir_ / "c" / "events.log"));
}

TEST_F(Cli, run_exits_1_when_an_expectation_fails_and_junit_says_which) {
  std::ofstream(dir_ / "lockout.yaml") << R"(name: lockout-expected-trusted
seed: 3
end: 20m
cluster:
  hold_timer: off
  nodes:
    - {name: cucm-pub, publisher: true}
fleet:
  - {name: desk, count: 50}
timeline:
  - {at: 0s, do: boot-all}
  - {at: 5m, do: set cert regen CallManager, on: cucm-pub}
  - {at: 5m, do: restart tftp, on: cucm-pub}
  - {at: 5m10s, do: set cert regen TVS, on: cucm-pub}
  - {at: 5m10s, do: restart tvs, on: cucm-pub}
  - {at: 5m10s, do: restart tftp, on: cucm-pub}
expect:
  - {at: end, trusted: "100%"}
)";
  const run_result r = run({"run", "lockout.yaml", "--out", "out"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("FAIL"), std::string::npos);
  const std::string junit = read_text(dir_ / "out" / "junit.xml");
  EXPECT_NE(junit.find("failures=\"1\""), std::string::npos) << junit;
  EXPECT_NE(junit.find("trusted was 0%"), std::string::npos) << junit;
}

TEST_F(Cli, run_of_a_broken_scenario_exits_2_naming_file_and_line_and_writes_nothing) {
  std::ofstream(dir_ / "typo.yaml")
      << "name: typo\nboot: {spred: 60s}\ncluster:\n  nodes:\n    - {name: pub, publisher: true}\n"
         "fleet:\n  - {count: 5}\n";
  const run_result r = run({"run", "typo.yaml", "--out", "out"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("typo.yaml:2"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("spread"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "out"));
}

TEST_F(Cli, run_of_an_unknown_scenario_lists_the_builtins) {
  const run_result r = run({"run", "no-such-scenario"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("double-regen-recovery"), std::string::npos) << r.err;
}

// --- a stock TFTP server serves what cluster export wrote ----------------------

/// tftpd-hpa on a loopback port for the life of the object. The port is
/// race-free: this process binds 127.0.0.1:0 and hands the bound socket to
/// in.tftpd as its standard input (inetd mode), so no other process can take
/// the port between choosing and serving.
class tftpd {
 public:
  explicit tftpd(const fs::path& root) {
    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      ADD_FAILURE() << "cannot bind a UDP socket on 127.0.0.1: " << std::strerror(errno);
      if (fd >= 0) ::close(fd);
      return;
    }
    port_ = ntohs(a.sin_port);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fd, 0);
      ::execl("/usr/sbin/in.tftpd", "in.tftpd", "--secure", root.c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(fd);  // in.tftpd holds it now
  }
  int port() const { return port_; }
  ~tftpd() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  tftpd(const tftpd&) = delete;
  tftpd& operator=(const tftpd&) = delete;

  /// Fetches NAME with tftp-hpa into DIR/got-NAME: true when a non-empty
  /// file arrived.
  bool get(const fs::path& dir, const std::string& name) const {
    const std::string cmd = "cd " + quote(dir.string()) + " && /usr/bin/tftp 127.0.0.1 " +
                            std::to_string(port_) + " -m binary -c get " + quote(name) + " " +
                            quote("got-" + name) + " >/dev/null 2>&1";
    return std::system(cmd.c_str()) == 0 && fs::exists(dir / ("got-" + name)) &&
           fs::file_size(dir / ("got-" + name)) > 0;
  }

  /// The server needs a moment to bind: fetches NAME until it arrives, at
  /// most 50 tries 100 ms apart.
  bool wait_serving(const fs::path& dir, const std::string& name) const {
    for (int attempt = 0; attempt < 50; ++attempt) {
      if (get(dir, name)) return true;
      ::usleep(100'000);
    }
    return false;
  }

 private:
  int port_ = 0;
  pid_t pid_ = -1;
};

TEST_F(Cli, tftpd_hpa_serves_the_exported_files_byte_for_byte_and_they_verify) {
  if (!fs::exists("/usr/sbin/in.tftpd") || !fs::exists("/usr/bin/tftp"))
    GTEST_SKIP() << "tftpd-hpa and tftp-hpa are not installed (scripts/setup.sh installs them)";
  ASSERT_NO_FATAL_FAILURE(export_cluster());
  tftpd server(path("cluster/tftp/pub"));
  const int port = server.port();
  const auto fetch = [&](const std::string& name) { return server.get(dir_, name); };
  ASSERT_TRUE(server.wait_serving(dir_, "ITLFile.tlv"))
      << "no answer from in.tftpd on 127.0.0.1:" << port;
  for (const char* f : {"ITLSEP001E7A000002.tlv", "SEP001E7A000000.cnf.xml.sgn"})
    ASSERT_TRUE(fetch(f)) << f;
  for (const char* f : {"ITLFile.tlv", "ITLSEP001E7A000002.tlv", "SEP001E7A000000.cnf.xml.sgn"}) {
    EXPECT_EQ(read_bytes(dir_ / (std::string("got-") + f)),
              read_bytes(path("cluster/tftp/pub") / f))
        << f;
  }
  EXPECT_EQ(run({"itl", "show", "got-ITLSEP001E7A000002.tlv"}).exit_code, 0);
  const run_result v =
      run({"itl", "verify", "got-SEP001E7A000000.cnf.xml.sgn", "--trust", "got-ITLFile.tlv"});
  EXPECT_EQ(v.exit_code, 0) << describe(v);
  EXPECT_FALSE(fetch("../keys/pub/callmanager.key")) << "keys are outside the served tree";
}

// --- a live fleet against a stock TFTP server -----------------------------------

/// The first "final" object of a summary.json, for counts.
std::string final_counts(const std::string& summary) {
  const auto start = summary.find("\"final\"");
  return summary.substr(start, summary.find('}', start) - start);
}

TEST_F(Cli, live_fleet_against_tftpd_hpa_ends_trusted_and_locks_on_an_itl_no_tvs_vouches_for) {
  if (!fs::exists("/usr/sbin/in.tftpd") || !fs::exists("/usr/bin/tftp"))
    GTEST_SKIP() << "tftpd-hpa and tftp-hpa are not installed (scripts/setup.sh installs them)";
  // The scenario's cluster PKI is seeded "itlfleet-<scenario seed>": the
  // export with that seed writes the very ITL the phones hold.
  std::ofstream(dir_ / "stock.yaml") << R"(name: stock-tftp-boot
seed: 42
cluster:
  nodes:
    - {name: cucm-pub, publisher: true}
fleet:
  - {name: desk, count: 20}
boot: {spread: 5s}
timeline:
  - {at: 0s, do: boot-all}
end: 40s
expect:
  - {at: end, trusted: "100%"}
)";
  const run_result exported = run({"cluster", "export", "--out", "cluster", "--nodes", "cucm-pub",
                                   "--phones", "20", "--seed", "itlfleet-42"});
  ASSERT_EQ(exported.exit_code, 0) << describe(exported);
  tftpd server(path("cluster/tftp/cucm-pub"));
  const int port = server.port();
  ASSERT_TRUE(server.wait_serving(dir_, "ITLFile.tlv"))
      << "no answer from in.tftpd on 127.0.0.1:" << port;

  // No TVS listens on port 9: a phone that needs TVS cannot get an answer.
  const std::string tftp = "127.0.0.1:" + std::to_string(port);
  const run_result trusted =
      run({"run", "stock.yaml", "--engine", "live", "--time-scale", "0.25", "--tftp", tftp, "--tvs",
           "127.0.0.1:9", "--out", "trusted", "-q"});
  EXPECT_EQ(trusted.exit_code, 0) << describe(trusted);
  const std::string ok = final_counts(read_text(dir_ / "trusted" / "summary.json"));
  EXPECT_NE(ok.find("\"trusted\": 20,"), std::string::npos) << ok;

  // Another cluster's ITL (as after a CallManager regeneration whose key no
  // TVS knows) replaces every ITL file: the phones keep theirs and lock.
  const run_result other = run({"cluster", "export", "--out", "other", "--nodes", "cucm-pub",
                                "--phones", "20", "--seed", "a-regenerated-key"});
  ASSERT_EQ(other.exit_code, 0) << describe(other);
  for (const auto& entry : fs::directory_iterator(path("other/tftp/cucm-pub"))) {
    if (entry.path().extension() == ".tlv")
      fs::copy_file(entry.path(), path("cluster/tftp/cucm-pub") / entry.path().filename(),
                    fs::copy_options::overwrite_existing);
  }
  const run_result locked = run({"run", "stock.yaml", "--engine", "live", "--time-scale", "0.25",
                                 "--tftp", tftp, "--tvs", "127.0.0.1:9", "--out", "locked", "-q"});
  EXPECT_EQ(locked.exit_code, 1) << describe(locked);
  const std::string bad = final_counts(read_text(dir_ / "locked" / "summary.json"));
  EXPECT_NE(bad.find("\"locked\": 20,"), std::string::npos) << bad;
}

// --- itlfleet serve ----------------------------------------------------------------

TEST_F(Cli, serve_puts_the_scenario_cluster_on_loopback_and_refuses_commands_as_cucm_does) {
  if (!fs::exists("/usr/bin/tftp")) GTEST_SKIP() << "tftp-hpa is not installed";
  // double-regen-hold-timer's 40-minute timeline in about 14 s; its TVS
  // regeneration 10 s after CallManager's is refused by the hold timer.
  int port = 0;
  bool got = false;
  const run_result r = serve_on_a_free_port(
      [&](int p) {
        return std::vector<std::string>{"serve",        "double-regen-hold-timer",
                                        "--tftp-port",  std::to_string(p),
                                        "--http-port",  "0",
                                        "--tvs-port",   "0",
                                        "--time-scale", "0.006",
                                        "--once"};
      },
      // The publisher (node 0) listens on 127.0.1.1: fetch its ITL while it serves.
      [&](int p) {
        port = p;
        got = fetch_served(p, "ITLSEP001E7A000009.tlv", 5);
      });
  ASSERT_TRUE(got) << "nothing served on 127.0.1.1:" << port << "\n" << describe(r);
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.out.find("cucm-pub: TFTP udp 127.0.1.1:" + std::to_string(port)), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("CallManager certificate was modified in the last 5 minutes"),
            std::string::npos)
      << r.out;
  const run_result shown = run({"itl", "show", "served-ITLSEP001E7A000009.tlv"});
  EXPECT_EQ(shown.exit_code, 0) << describe(shown);
  EXPECT_NE(shown.out.find("cucm-pub"), std::string::npos) << shown.out;
}

// --- a stock TFTP server holding ITLFile.tlv only -------------------------------

TEST_F(Cli, live_phones_fall_back_to_itlfile_on_a_tftpd_hpa_without_itlsep_files) {
  if (!fs::exists("/usr/sbin/in.tftpd") || !fs::exists("/usr/bin/tftp"))
    GTEST_SKIP() << "tftpd-hpa and tftp-hpa are not installed (scripts/setup.sh installs them)";
  // Phones without an ITL: only an ITL they download makes them trusted.
  std::ofstream(dir_ / "itlfile.yaml") << R"(name: itlfile-only
seed: 42
cluster:
  nodes:
    - {name: cucm-pub, publisher: true}
fleet:
  - {name: desk, count: 20, itl: none}
boot: {spread: 5s}
timeline:
  - {at: 0s, do: boot-all}
end: 40s
expect:
  - {at: end, trusted: "100%"}
  - {at: end, itl_fallbacks: 20}
)";
  const run_result exported = run({"cluster", "export", "--out", "cluster", "--nodes", "cucm-pub",
                                   "--phones", "20", "--seed", "itlfleet-42"});
  ASSERT_EQ(exported.exit_code, 0) << describe(exported);
  // A plain TFTP directory: the cluster-wide ITL, the configs, no ITLSEP<MAC>.tlv.
  const fs::path root = path("cluster/tftp/cucm-pub");
  std::vector<fs::path> per_device;
  for (const auto& entry : fs::directory_iterator(root))
    if (entry.path().filename().string().rfind("ITLSEP", 0) == 0)
      per_device.push_back(entry.path());
  ASSERT_EQ(per_device.size(), 20u);
  for (const auto& f : per_device) fs::remove(f);
  ASSERT_TRUE(fs::exists(root / "ITLFile.tlv"));

  tftpd server(root);
  const int port = server.port();
  const auto fetch = [&](const std::string& name) { return server.get(dir_, name); };
  ASSERT_TRUE(server.wait_serving(dir_, "ITLFile.tlv"))
      << "no answer from in.tftpd on 127.0.0.1:" << port;
  EXPECT_FALSE(fetch("ITLSEP001E7A000003.tlv")) << "the server has no per-device ITL";

  const std::string tftp = "127.0.0.1:" + std::to_string(port);
  const run_result r = run({"run", "itlfile.yaml", "--engine", "live", "--time-scale", "0.25",
                            "--tftp", tftp, "--tvs", "127.0.0.1:9", "--out", "out", "-q"});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  const std::string summary = read_text(dir_ / "out" / "summary.json");
  const std::string counts = final_counts(summary);
  EXPECT_NE(counts.find("\"trusted\": 20,"), std::string::npos) << counts;
  // Each phone asked for its ITLSEP<MAC>.tlv, got "not found", asked for
  // ITLFile.tlv (20 fallbacks) and got it (20 ITL requests served).
  EXPECT_NE(summary.find("\"itl_fallbacks\": 20,"), std::string::npos) << summary;
  const auto itl = summary.find("\"itl\": {", summary.find("\"requests\""));
  ASSERT_NE(itl, std::string::npos) << summary;
  const std::string itl_requests = summary.substr(itl, summary.find('}', itl) - itl);
  EXPECT_NE(itl_requests.find("\"served\": 20,"), std::string::npos) << itl_requests;
}

}  // namespace
}  // namespace itlfleet
