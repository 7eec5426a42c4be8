// SIGINT and SIGTERM stop a long run where it stands: the outputs are written
// with what was reached and the exit status names the signal (130, 143); a
// second signal quits at once; `serve` prints its log and exits 0. Waits are
// generous (30 s) for a loaded machine; no test asserts a tighter upper bound.

#include <boost/json/src.hpp>

#include <chrono>
#include <csignal>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "cli_fixture.hpp"
#include "spawned_itlfleet.hpp"

namespace itlfleet {
namespace {

using namespace std::chrono_literals;

constexpr auto generous = 30s;

/// 20 phones that boot within the first second, then ten hours of nothing.
void write_long_scenario(const fs::path& file) {
  std::ofstream(file) << R"(name: long-quiet
seed: 7
cluster:
  nodes:
    - {name: cucm-pub, publisher: true}
fleet:
  - {name: desk, count: 20}
boot: {spread: 1s}
timeline:
  - {at: 0s, do: boot-all}
end: 10h
expect:
  - {at: end, trusted: "100%"}
)";
}

/// summary.json parsed: a parse error fails the test (it must be valid JSON).
boost::json::object summary_of(const fs::path& dir) {
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(read_text(dir / "summary.json"), ec);
  EXPECT_FALSE(ec) << "summary.json is not valid JSON: " << ec.message();
  return v.is_object() ? v.as_object() : boost::json::object{};
}

std::uint64_t phones_in(const boost::json::object& final_counts) {
  std::uint64_t n = 0;
  for (const char* state :
       {"offline", "booting", "trusted", "locked", "no_itl", "unreachable", "config_rejected"})
    n += final_counts.at(state).to_number<std::uint64_t>();
  return n;
}

/// Checks the files of a run stopped by `signal` after `at_least_s` of
/// scenario time, in a 10-hour scenario of 20 phones.
void expect_interrupted_outputs(const fs::path& out, const std::string& signal, double at_least_s) {
  for (const char* f :
       {"summary.json", "junit.xml", "timeseries.csv", "groups.csv", "events.log", "report.html"})
    EXPECT_TRUE(fs::exists(out / f)) << f;
  const boost::json::object s = summary_of(out);
  ASSERT_TRUE(s.contains("interrupted")) << read_text(out / "summary.json");
  const auto& stopped = s.at("interrupted").as_object();
  EXPECT_EQ(stopped.at("signal").as_string(), signal);
  const double at_s = stopped.at("at_s").to_number<double>();
  EXPECT_GE(at_s, at_least_s);
  EXPECT_LT(at_s, 36000);
  EXPECT_FALSE(s.at("passed").as_bool());
  EXPECT_EQ(phones_in(s.at("final").as_object()), 20u);
  EXPECT_GT(s.at("events").as_object().at("boots").to_number<std::uint64_t>(), 0u)
      << "the phones that booted before the signal are counted";
  const std::string junit = read_text(out / "junit.xml");
  EXPECT_NE(junit.find("errors=\"1\""), std::string::npos) << junit;
  EXPECT_NE(junit.find("<error message=\"interrupted by " + signal), std::string::npos) << junit;
  EXPECT_NE(junit.find("not reached"), std::string::npos) << junit;
}

/// itlfleet ARGS started in `dir`, once it has printed `ready`; null (and a
/// failed test) when it did not within the generous wait.
std::unique_ptr<spawned_itlfleet> start(const fs::path& dir, const std::vector<std::string>& args,
                                        const std::string& ready) {
  auto p = std::make_unique<spawned_itlfleet>(dir, args);
  if (!p->started() || !p->wait_for_output(ready, generous)) {
    ADD_FAILURE() << "no '" << ready << "' within " << generous.count() << " s\n" << p->describe();
    return nullptr;
  }
  return p;
}

/// Sends `signals` in order and waits for the exit: its status, or -1 (and
/// a failed test) if it still runs after the generous wait.
int signal_and_wait(spawned_itlfleet& p, std::initializer_list<int> signals) {
  for (int sig : signals) p.signal(sig);
  const auto status = p.wait_exit(generous);
  if (!status) {
    ADD_FAILURE() << "still running " << generous.count() << " s after the signal\n"
                  << p.describe();
    return -1;
  }
  return *status;
}

const std::vector<std::string> long_live_run = {"run",   "long.yaml", "--engine", "live",
                                                "--out", "out",       "-q"};

TEST_F(Cli, sigint_stops_a_live_run_and_writes_what_was_reached) {
  write_long_scenario(path("long.yaml"));
  // The servers are up once the node's addresses are printed; the phones
  // boot within the next second.
  // Three threads, each with phones' exchanges (and the first with the
  // server and the fleet): all must stop with the fleet's.
  std::vector<std::string> args = long_live_run;
  args.insert(args.end(), {"--threads", "3"});
  auto run = start(dir_, args, "cucm-pub: TFTP udp");
  ASSERT_TRUE(run);
  std::this_thread::sleep_for(3s);
  EXPECT_EQ(signal_and_wait(*run, {SIGINT}), 130) << run->describe();
  EXPECT_NE(run->out().find("Interrupted by SIGINT"), std::string::npos) << run->describe();
  expect_interrupted_outputs(path("out"), "SIGINT", 1.0);
}

TEST_F(Cli, sigterm_stops_a_paced_virtual_run_and_writes_what_was_reached) {
  write_long_scenario(path("long.yaml"));
  // --pace 1: a virtual run in real time, ten hours long.
  auto run = start(dir_, {"run", "long.yaml", "--pace", "1", "--out", "out", "-q"}, "itlfleet run");
  ASSERT_TRUE(run);
  // Past the key generation and the phones' boots (scenario time = wall time).
  std::this_thread::sleep_for(5s);
  EXPECT_EQ(signal_and_wait(*run, {SIGTERM}), 143) << run->describe();
  expect_interrupted_outputs(path("out"), "SIGTERM", 0.0);
}

TEST_F(Cli, a_second_signal_quits_at_once_without_writing) {
  write_long_scenario(path("long.yaml"));
  auto run = start(dir_, long_live_run, "cucm-pub: TFTP udp");
  ASSERT_TRUE(run);
  // Both signals are pending when the process resumes, so the second one
  // arrives before the engine (which looks every 100 ms) can stop: the
  // second quits at once. Which of the two counts as second is up to the
  // kernel's choice of thread.
  const int status = signal_and_wait(*run, {SIGSTOP, SIGINT, SIGTERM, SIGCONT});
  EXPECT_TRUE(status == 130 || status == 143) << "exit " << status << "\n" << run->describe();
  EXPECT_FALSE(fs::exists(path("out/summary.json"))) << "nothing is written after the second";
}

TEST_F(Cli, serve_stops_on_sigterm_prints_its_log_and_exits_0) {
  auto serve = start(dir_,
                     {"serve", "double-regen-hold-timer", "--tftp-port", "0", "--http-port", "0",
                      "--tvs-port", "0"},
                     "cucm-pub: TFTP udp");
  ASSERT_TRUE(serve);
  EXPECT_EQ(signal_and_wait(*serve, {SIGTERM}), 0) << serve->describe();
  const std::string out = serve->out();
  // What each server did, and the administrator's log (the timeline was cut
  // short: the log says so).
  EXPECT_NE(out.find("cucm-pub: TFTP 0 files served"), std::string::npos) << out;
  EXPECT_NE(out.find("run interrupted (SIGTERM)"), std::string::npos) << out;
}

TEST_F(Cli, serve_under_a_low_open_file_limit_names_the_counts_and_the_limit) {
  spawned_itlfleet serve(dir_,
                         {"serve", "double-regen-hold-timer", "--tftp-port", "0", "--http-port",
                          "0", "--tvs-port", "0", "--http-connections", "1000"},
                         400);
  ASSERT_TRUE(serve.started());
  ASSERT_TRUE(serve.wait_for_output("cucm-pub: TFTP udp", generous)) << serve.describe();
  const std::string out = serve.out();
  EXPECT_NE(out.find("open-file limit 400 cannot hold the servers' descriptors: TFTP "),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(" + HTTP 1000 + TVS "), std::string::npos) << out;
  EXPECT_NE(out.find("serving at most TFTP "), std::string::npos) << out;
  serve.signal(SIGTERM);
  EXPECT_EQ(serve.wait_exit(generous), 0) << serve.describe();
}

}  // namespace
}  // namespace itlfleet
