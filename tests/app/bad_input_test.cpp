// Bad input from the command line and from files: the exit status is the
// documented one, the message names what was wrong, nothing is written by
// halves, and what itlfleet prints or writes stays valid UTF-8 with no
// control bytes from the input reaching a terminal.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "cli_fixture.hpp"
#include "itlfleet/sim/trust_file.hpp"
#include "itlfleet/sim/utf8.hpp"

namespace itlfleet {
namespace {

void expect_bad_input(const run_result& r, const std::string& names) {
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_NE(r.err.find(names), std::string::npos) << describe(r);
}

TEST_F(Cli, every_option_error_exits_2_naming_the_option) {
  expect_bad_input(run({"run", "pre-10-itl", "--phones", "0"}), "--phones");
  expect_bad_input(run({"run", "pre-10-itl", "--phones", "1.5"}), "--phones");
  expect_bad_input(run({"run", "pre-10-itl", "--no-such-flag"}), "--no-such-flag");
  expect_bad_input(run({"run", "pre-10-itl", "--seed"}), "--seed");
  expect_bad_input(run({"run", "pre-10-itl", "--seed", "1.5"}), "--seed");
  expect_bad_input(run({"run", "pre-10-itl", "--engine", "warp"}), "--engine");
  expect_bad_input(run({"run", "pre-10-itl", "--engine", "live", "--threads", "0"}), "--threads");
  expect_bad_input(run({"run", "pre-10-itl", "--engine", "live", "--threads", "257"}), "--threads");
  expect_bad_input(run({"run", "pre-10-itl", "--threads", "2"}), "--threads");
  expect_bad_input(run({"serve", "pre-10-itl", "--threads", "0"}), "--threads");
  expect_bad_input(run({"serve", "pre-10-itl", "--tftp-port", "70000"}), "--tftp-port");
  expect_bad_input(run({"cluster", "export", "--out", "x", "--phones", "-3"}), "--phones");
}

TEST_F(Cli, serve_listen_takes_one_address_per_node_without_a_port) {
  // pre-10-itl has one node; nothing is served on a refusal.
  expect_bad_input(run({"serve", "pre-10-itl", "--listen", "127.0.0.1,127.0.0.2"}),
                   "--listen: give one address per node (1, in the scenario's node order), got 2");
  expect_bad_input(run({"serve", "pre-10-itl", "--listen", "127.0.0.1:69"}),
                   "give addresses only; the ports are --tftp-port");
  expect_bad_input(run({"serve", "pre-10-itl", "--listen", "cucm.example"}),
                   "'cucm.example' is not an IP address");
}

TEST_F(Cli, a_seed_out_of_range_is_refused_not_wrapped) {
  // CLI11 alone reads both as 18446744073709551615 and runs with it.
  expect_bad_input(run({"run", "pre-10-itl", "--seed", "-1"}), "--seed");
  expect_bad_input(run({"run", "pre-10-itl", "--seed", "18446744073709551616"}),
                   "18446744073709551615");
  // The largest seed itself is fine.
  const run_result r =
      run({"run", "pre-10-itl", "--phones", "20", "-q", "--seed", "18446744073709551615"});
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.out.find("seed 18446744073709551615"), std::string::npos) << r.out;
}

TEST_F(Cli, a_shard_with_no_phones_is_refused_before_it_runs) {
  // 20 phones in 30 shards: phone i runs in shard i mod 30, so 20..29 are empty.
  const run_result empty =
      run({"run", "pre-10-itl", "--phones", "20", "--shard", "25/30", "-q", "--out", "out"});
  expect_bad_input(empty, "--shard 25/30: shard 25 has no phones");
  EXPECT_NE(empty.err.find("only shards 0 to 19"), std::string::npos) << describe(empty);
  EXPECT_FALSE(fs::exists(path("out/summary.json"))) << "nothing ran";
  // The last shard with a phone runs it: phone 19, alone.
  const run_result last =
      run({"run", "pre-10-itl", "--phones", "20", "--shard", "19/30", "-q", "--out", "last"});
  EXPECT_NE(last.exit_code, 2) << describe(last);
  EXPECT_NE(read_text(path("last/summary.json")).find("\"phones\": 1,"), std::string::npos);
}

TEST_F(Cli, metrics_on_a_busy_port_says_which_address_and_why_and_ipv6_loopback_serves) {
  // A port this test holds.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  const std::string busy = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  const run_result r = run({"run", "pre-10-itl", "--phones", "20", "-q", "--metrics", busy});
  ::close(fd);
  expect_bad_input(r, "--metrics: cannot listen on " + busy + ": Address already in use");
  expect_bad_input(run({"run", "pre-10-itl", "--phones", "20", "-q", "--metrics", "::1:9464"}),
                   "[::1]:9464");
  const int fd6 = ::socket(AF_INET6, SOCK_STREAM, 0);
  sockaddr_in6 a6{};
  a6.sin6_family = AF_INET6;
  a6.sin6_addr = in6addr_loopback;
  const bool has_ipv6 = fd6 >= 0 && ::bind(fd6, reinterpret_cast<sockaddr*>(&a6), sizeof a6) == 0;
  if (fd6 >= 0) ::close(fd6);
  if (!has_ipv6) GTEST_SKIP() << "no IPv6 loopback on this machine for the rest";
  const run_result v6 = run({"run", "pre-10-itl", "--phones", "20", "-q", "--metrics", "[::1]:0"});
  EXPECT_NE(v6.exit_code, 2) << describe(v6);
  EXPECT_NE(v6.err.find("serving Prometheus metrics on http://[::1]:0/metrics"), std::string::npos)
      << describe(v6);
}

TEST_F(Cli, an_unknown_command_is_named) {
  expect_bad_input(run({"frobnicate"}), "unknown command 'frobnicate'");
  const run_result r = run({"itl", "frob", "file"});
  expect_bad_input(r, "unknown command 'frob' for `itlfleet itl`");
  EXPECT_NE(r.err.find("show, verify, build"), std::string::npos) << r.err;
}

TEST_F(Cli, a_run_past_its_cost_limit_is_refused_before_it_starts) {
  // Each value is legal; together they would take gigabytes of samples.
  std::ofstream(dir_ / "fine-grained.yaml")
      << "name: fine-grained\nend: 1h\nsample: 1us\ncluster:\n  nodes:\n"
         "    - {name: pub, publisher: true}\nfleet:\n  - {name: desk, count: 5, tftp: [pub]}\n";
  const run_result r = run({"run", "fine-grained.yaml", "--out", "out"});
  expect_bad_input(r, "fine-grained.yaml: too large to run");
  EXPECT_NE(r.err.find("--allow-large"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("sample"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "out" / "summary.json"));
}

TEST_F(Cli, an_unusable_out_fails_before_the_run) {
  std::ofstream(dir_ / "a-file") << "x";
  for (const char* out : {"a-file", "a-file/sub", "/proc/itlfleet-out"}) {
    const run_result r = run({"run", "pre-10-itl", "--out", out});
    expect_bad_input(r, std::string("--out: "));
    EXPECT_NE(r.err.find(out), std::string::npos) << r.err;
    // The simulation never ran: no table, no verdict.
    EXPECT_EQ(r.out.find("Expectations:"), std::string::npos) << r.out;
  }
}

TEST_F(Cli, an_output_that_cannot_be_written_leaves_nothing_of_the_run) {
  // report.html cannot be replaced: it is a directory. The other four files
  // must not appear either, and no temporary directory may stay behind.
  fs::create_directories(dir_ / "out" / "report.html" / "keep");
  const run_result r = run({"run", "pre-10-itl", "--phones", "20", "-q", "--out", "out"});
  expect_bad_input(r, "report.html");
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(dir_ / "out"))
    left.push_back(e.path().filename().string());
  EXPECT_EQ(left, std::vector<std::string>{"report.html"});
}

TEST_F(Cli, outputs_replace_an_older_run_whole) {
  ASSERT_EQ(run({"run", "pre-10-itl", "--phones", "20", "-q", "--out", "out"}).exit_code, 0);
  const std::string first = read_text(dir_ / "out" / "summary.json");
  ASSERT_EQ(run({"run", "pre-10-itl", "--phones", "30", "-q", "--out", "out"}).exit_code, 0);
  EXPECT_NE(read_text(dir_ / "out" / "summary.json"), first);
  for (const auto& e : fs::directory_iterator(dir_ / "out"))
    EXPECT_EQ(e.path().filename().string().rfind(".itlfleet-", 0), std::string::npos) << e.path();
}

TEST_F(Cli, milestones_only_for_what_happened) {
  // Nothing boots, nothing locks: no "peak_locked_at: 0s", no "last_state_change: 0s".
  std::ofstream(dir_ / "idle.yaml")
      << "name: idle\nend: 5m\ncluster:\n  nodes:\n    - {name: pub, publisher: true}\n"
         "fleet:\n  - {name: desk, count: 5, tftp: [pub]}\n";
  run_result r = run({"run", "idle.yaml", "-q", "--out", "idle"});
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  std::string summary = read_text(dir_ / "idle" / "summary.json");
  EXPECT_EQ(summary.find("peak_locked_at"), std::string::npos) << summary;
  EXPECT_EQ(summary.find("last_state_change"), std::string::npos) << summary;
  EXPECT_EQ(r.out.find("peak_locked_at"), std::string::npos) << r.out;

  // Phones boot and end trusted, none ever locks: a last change, no peak.
  r = run({"run", "bulk-reset-localkey", "--phones", "20", "-q", "--out", "boot"});
  summary = read_text(dir_ / "boot" / "summary.json");
  EXPECT_NE(summary.find("last_state_change"), std::string::npos) << summary;
}

/// An exported ITL with its signer's name replaced by `name` (the signature no
/// longer matches, which `itl show` reports with exit 1).
void write_itl_signed_by_name(const fs::path& from, const fs::path& to, const std::string& name) {
  auto parsed = sim::parse_trust_list(read_bytes(from));
  ASSERT_TRUE(parsed) << parsed.err().to_string();
  parsed->header.signer.name = bytes(name.begin(), name.end());
  parsed->header.signer.name.push_back(0);
  sim::canonical_layout(parsed->header);
  const bytes out = sim::serialise(*parsed);
  std::ofstream(to, std::ios::binary)
      .write(reinterpret_cast<const char*>(out.data()), static_cast<std::streamsize>(out.size()));
}

TEST_F(Cli, itl_show_never_passes_control_bytes_or_invalid_utf8_through) {
  ASSERT_NO_FATAL_FAILURE(export_cluster());
  const std::string hostile = "CN=evil\x1b]0;owned\x07\x1b[2J\xff\xfe";
  write_itl_signed_by_name(path("cluster/tftp/pub/ITLFile.tlv"), path("hostile.tlv"), hostile);

  run_result r = run({"itl", "show", "hostile.tlv"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);  // parsed, not verified
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos);
  EXPECT_EQ(r.out.find('\x07'), std::string::npos);
  EXPECT_TRUE(is_valid_utf8(r.out));
  EXPECT_NE(r.out.find("CN=evil\\x1b]0;owned\\x07\\x1b[2J\\xff\\xfe"), std::string::npos) << r.out;

  r = run({"itl", "show", "--json", "hostile.tlv"});
  EXPECT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_TRUE(is_valid_utf8(r.out)) << r.out;
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos);
  EXPECT_NE(r.out.find("CN=evil\\u001b]0;owned\\u0007\\u001b[2J\\ufffd\\ufffd"), std::string::npos)
      << r.out;
}

}  // namespace
}  // namespace itlfleet
