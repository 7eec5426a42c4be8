// Issue #9 ("bad input never gives a wrong answer"): every number and string
// of a scenario is checked against the range the engine holds, at load time
// and with its position; a run's cost is estimated and refused past a limit.
// Each reproducer of the issue is a test here.

#include <gtest/gtest.h>

#include <string>

#include "itlfleet/engine/cost.hpp"
#include "itlfleet/plan/plan_limits.hpp"
#include "itlfleet/scenarios/scenario.hpp"
#include "load_check.hpp"

namespace {

namespace sc = itlfleet::scenarios;
namespace limits = itlfleet::plan::limits;
using namespace std::chrono_literals;

// Lines 1-8; a test appends from line 9, or replaces parts.
constexpr const char* base = R"(name: t
end: 60m
cluster:
  nodes:
    - {name: pub, publisher: true}
    - {name: sub, services: [tftp, tvs]}
fleet:
  - {name: desk, count: 100}
)";

using itlfleet::test::load_ok;

std::string error_of(const std::string& yaml) {
  return itlfleet::test::load_error(yaml);
}

std::string error_with(const std::string& extra) {
  return error_of(std::string(base) + extra);
}

/// `base` with `from` replaced by `to` (which must be there).
std::string replaced(std::string_view from, std::string_view to) {
  std::string s = base;
  const auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return s.replace(at, from.size(), to);
}

std::string nodes_yaml(std::size_t n) {
  std::string s = "name: t\ncluster:\n  nodes:\n";
  for (std::size_t i = 0; i < n; ++i) {
    s += "    - {name: n" + std::to_string(i) + (i == 0 ? ", publisher: true" : "") + "}\n";
  }
  return s + "fleet: [{count: 1, tftp: n" + std::to_string(n - 1) + "}]\n";
}

// --- 1. silent narrowing --------------------------------------------------------

TEST(Limits, more_nodes_than_the_engine_holds_fail_at_the_first_one_too_many) {
  // Before: 257 or 300 nodes loaded; 8-bit node indices then served the wrong node.
  for (std::size_t n : {std::size_t{257}, std::size_t{300}}) {
    const auto m = error_of(nodes_yaml(n));
    EXPECT_HAS(m, "bad.yaml:68:7: cluster.nodes[64]: expected at most 64 nodes");
  }
  EXPECT_EQ(load_ok(nodes_yaml(limits::max_nodes)).cluster.nodes.size(), 64u);
}

TEST(Limits, more_groups_than_a_phone_can_name_fail_at_the_first_one_too_many) {
  // Before: 65,537 groups loaded and phones of the last counted in group 0.
  std::string yaml = "name: t\ncluster: {nodes: [{name: pub, publisher: true}]}\nfleet:\n";
  for (std::size_t g = 0; g <= limits::max_groups; ++g) yaml += "  - {count: 1}\n";
  const auto m = error_of(yaml);
  EXPECT_HAS(m, "bad.yaml:65540:5: fleet[65536]: expected at most 65536 phone groups");
}

TEST(Limits, tftp_attempts_must_fit_the_phones_8_bit_counter) {
  // Before: 256 behaved like 0 and 257 like 1.
  EXPECT_HAS(error_with("phone: {tftp_attempts: 256}\n"),
             "bad.yaml:9:24: phone.tftp_attempts: expected an integer from 1 to 255, got '256'");
  EXPECT_HAS(error_with("phone: {tftp_attempts: 257}\n"), "from 1 to 255, got '257'");
  EXPECT_EQ(load_ok(std::string(base) + "phone: {tftp_attempts: 255}\n").phone.tftp_attempts, 255);
}

TEST(Limits, model_numbers_have_ranges_that_keep_transfer_times_in_range) {
  const std::string head = "name: t\ncluster:\n  nodes: [{name: pub, publisher: true}]\n";
  const std::string fleet = "fleet: [{count: 1}]\n";
  EXPECT_HAS(error_of(head + "  tftp: {max_serving_count: 100001}\n" + fleet),
             "bad.yaml:4:29: cluster.tftp.max_serving_count: expected an integer from 1 to "
             "100000");
  EXPECT_HAS(error_of(head + "  tvs: {concurrency: 2147483647}\n" + fleet),
             "cluster.tvs.concurrency: expected an integer from 1 to 100000");
  EXPECT_HAS(error_of(head + "  tftp: {block_cost: 2h}\n" + fleet),
             "bad.yaml:4:22: cluster.tftp.block_cost: expected a duration at most 1h, got '2h'");
  EXPECT_HAS(error_of(head + "  tftp: {retransmit_timeout: 61m}\n" + fleet),
             "expected a duration greater than 0 and at most 1h, got '61m'");
  EXPECT_HAS(error_of(head + "  tvs: {timeout: 1h1s}\n" + fleet), "cluster.tvs.timeout");
  EXPECT_HAS(error_of(head + "  tftp: {knee: 100001}\n" + fleet),
             "bad.yaml:4:16: cluster.tftp.knee: expected an integer from 0 to 100000");
  EXPECT_HAS(error_of(head + "  tftp: {knee: -1}\n" + fleet), "cluster.tftp.knee: expected");
  EXPECT_HAS(error_of(head + "  tftp: {knee_slowdown: 2h}\n" + fleet),
             "cluster.tftp.knee_slowdown: expected a duration at most 1h, got '2h'");
  EXPECT_TRUE(sc::load_string(head +
                                  "  tftp: {max_serving_count: 100000, rtt: 1h, block_cost: "
                                  "1h, retransmit_timeout: 1h, knee: 0, knee_slowdown: 1h}\n" +
                                  fleet,
                              "ok.yaml")
                  .ok());
}

// --- 2. unbounded memory from one value -----------------------------------------------

TEST(Limits, durations_are_bounded_by_the_phones_32_bit_seconds) {
  // Before: `end: 2562047h` loaded and took 8 GB before running.
  EXPECT_HAS(error_of(replaced("end: 60m", "end: 2562047h")),
             "bad.yaml:2:6: end: expected a duration greater than 0 and at most 596523h14m7s, "
             "got '2562047h'");
  EXPECT_HAS(error_with("boot: {reboot: 600000h}\n"), "boot.reboot: expected a duration at most");
  EXPECT_TRUE(sc::load_string(replaced("end: 60m", "end: 596523h14m7s"), "ok.yaml").ok());
}

TEST(Limits, a_group_count_is_bounded_like_run_phones) {
  // Before: accepted, then "itlfleet: vector::reserve".
  EXPECT_HAS(error_of(replaced("count: 100", "count: 18446744073709551615")),
             "bad.yaml:8:25: fleet[0].count: expected an integer from 0 to 50000000, got "
             "'18446744073709551615'");
  EXPECT_HAS(error_of(replaced("count: 100", "count: 50000001")), "from 0 to 50000000");
  EXPECT_EQ(load_ok(replaced("count: 100", "count: 50000000")).fleet_size(), 50'000'000u);
}

TEST(Limits, group_counts_cannot_add_up_past_the_bound_or_wrap) {
  // Before: two counts whose sum wrapped to 0 gave "every group has count 0".
  EXPECT_HAS(error_with("  - {name: more, count: 49999901}\n"),
             "bad.yaml:9:25: fleet[1].count: the fleet would have 50000001 phones; expected at "
             "most 50000000 in all groups together");
  EXPECT_HAS(error_of(replaced("count: 100",
                               "count: 9223372036854775808}\n  - {count: 9223372036854775808")),
             "bad.yaml:8:25: fleet[0].count: expected an integer from 0 to 50000000");
}

TEST(Limits, scaling_the_largest_fleet_does_not_overflow) {
  itlfleet::plan::run_plan p = load_ok(replaced(
      "count: 100", "count: 25000000}\n  - {name: b, count: 25000000}\n  - {name: c, count: 0"));
  sc::scale_fleet(p, limits::max_phones);
  EXPECT_EQ(p.fleet_size(), limits::max_phones);
  EXPECT_EQ(p.fleet[2].count, 0u);
  // A plan built in code with counts that wrap still scales exactly.
  p.fleet[0].count = p.fleet[1].count = std::uint64_t{1} << 63;
  sc::scale_fleet(p, 1000);
  EXPECT_EQ(p.fleet[0].count, 500u);
  EXPECT_EQ(p.fleet[1].count, 500u);
}

TEST(Cost, a_microsecond_sample_is_refused_before_running) {
  // Before: `sample: 1us` took over 6 GB in 20 s.
  auto p = load_ok(std::string(base) + "sample: 1us\n");
  const auto c = itlfleet::engine::estimate_cost(p);
  EXPECT_EQ(c.samples, 3'600'000'001u);
  auto s = itlfleet::engine::check_cost(p);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.err().message,
            "ok.yaml: too large to run: 3,600,000,001 time-series samples (end 1h / sample 1us) "
            "exceed the limit of 1,000,000: set a longer sample (at least 4ms for this end) or a "
            "shorter end, or pass --allow-large to run it anyway");
}

TEST(Cost, a_millisecond_sample_over_half_an_hour_is_refused) {
  // Before: 554 MB of time series for a 30-minute run.
  auto p = load_ok(replaced("end: 60m", "end: 30m\nsample: 1ms"));
  EXPECT_EQ(itlfleet::engine::estimate_cost(p).samples, 1'800'001u);
  auto s = itlfleet::engine::check_cost(p);
  ASSERT_FALSE(s.ok());
  EXPECT_HAS(s.err().message, "1,800,001 time-series samples (end 30m / sample 1ms)");
  EXPECT_HAS(s.err().message, "at least 2ms");
  // The flag lifts it; the default scenarios are far inside.
  itlfleet::engine::cost_limits lifted;
  lifted.max_samples = std::numeric_limits<std::uint64_t>::max();
  EXPECT_TRUE(itlfleet::engine::check_cost(p, lifted).ok());
  for (const auto& name : sc::builtin_names()) {
    auto b = sc::load(name);
    ASSERT_TRUE(b.ok());
    EXPECT_TRUE(itlfleet::engine::check_cost(*b).ok()) << name;
  }
}

TEST(Cost, memory_grows_with_phones_and_the_limit_names_the_setting) {
  auto p = load_ok(std::string(base));
  sc::scale_fleet(p, limits::max_phones);
  const auto c = itlfleet::engine::estimate_cost(p);
  EXPECT_EQ(c.phones, 50'000'000u);
  EXPECT_GT(c.phone_bytes, 50'000'000u * 150);
  auto s = itlfleet::engine::check_cost(p);
  ASSERT_FALSE(s.ok());
  EXPECT_HAS(s.err().message, "ok.yaml: too large to run: about ");
  EXPECT_HAS(s.err().message, "50,000,000 phones x ");
  EXPECT_HAS(s.err().message, "exceeds the limit of 8.0 GB: run fewer phones (--phones");
  EXPECT_HAS(s.err().message, "or pass --allow-large to run it anyway");
  // A shard of it fits; so does a million phones.
  EXPECT_TRUE(itlfleet::engine::check_cost(p, {}, {false, 8}).ok());
  sc::scale_fleet(p, 1'000'000);
  EXPECT_TRUE(itlfleet::engine::check_cost(p).ok());
  // The live engine costs more per phone.
  EXPECT_GT(itlfleet::engine::estimate_cost(p, {true, 1}).memory_bytes,
            itlfleet::engine::estimate_cost(p).memory_bytes);
}

TEST(Cost, key_generations_count_nodes_and_the_timeline) {
  auto p = load_ok(std::string(base) +
                   "timeline:\n  - {at: 1m, do: set cert regen TVS}\n"
                   "  - {at: 2m, do: set network domain other.lab}\n");
  // 2 nodes x 4 keys, 1 regeneration, a domain change on both (3 + 2).
  EXPECT_EQ(itlfleet::engine::estimate_cost(p).rsa_keygens, 8u + 1 + 5);
  std::string yaml = std::string(base) + "timeline:\n";
  for (int i = 0; i < 1000; ++i) yaml += "  - {at: 1m, do: set cert regen TVS}\n";
  auto many = load_ok(yaml);
  auto s = itlfleet::engine::check_cost(many);
  ASSERT_FALSE(s.ok());
  EXPECT_HAS(s.err().message,
             "1,008 RSA key generations (1024-bit, about 15 s without the key cache: 2 nodes x 4 "
             "certificates, 1,000 from the timeline) exceed the limit of 1,000");
  itlfleet::engine::cost_limits sweep;
  sweep.raise_with = "--max-keys";
  EXPECT_HAS(itlfleet::engine::check_cost(many, sweep).err().message,
             "or pass --max-keys to run it anyway");
}

// --- 3. accepted at load, refused later without a location ------------------------------

TEST(Limits, a_version_the_engine_cannot_read_fails_at_load) {
  // Before: loaded, then "expected a CUCM version ..." with no position.
  EXPECT_HAS(error_of(replaced("cluster:\n", "cluster:\n  version: \"10.12345\"\n")),
             "bad.yaml:4:12: cluster.version: expected a CUCM version such as");
  EXPECT_HAS(error_of(replaced("cluster:\n", "cluster:\n  version: \"12345.0\"\n")),
             "got '12345.0'");
  EXPECT_TRUE(
      sc::load_string(replaced("cluster:\n", "cluster:\n  version: \"1234.5678(1)\"\n"), "ok.yaml")
          .ok());
}

TEST(Limits, invalid_utf8_fails_where_it_is_written) {
  // Before: OpenSSL's "X509_NAME_add_entry_by_NID: ... invalid utf8string" at run time.
  EXPECT_HAS(error_of(replaced("name: pub,",
                               "name: \"p\xff"
                               "ub\",")),
             "bad.yaml:5:14: cluster.nodes[0].name: expected UTF-8 text; byte 2 (0xFF) is not "
             "valid UTF-8");
  EXPECT_HAS(error_of(replaced("cluster:\n", "cluster:\n  domain: ex\xc3.lab\n")),
             "bad.yaml:4:11: cluster.domain: expected UTF-8 text; byte 3 (0xC3)");
  EXPECT_HAS(error_with("timeline:\n  - {at: 1m, do: set network hostname pub\xed\xa0\x80}\n"),
             "bad.yaml:10:18: timeline[0].do: expected UTF-8 text; byte 25 (0xED)");
  EXPECT_HAS(error_with("timeline:\n  - {at: 1m, do: set network domain \xfe.lab}\n"),
             "bad.yaml:10:18: timeline[0].do: expected UTF-8 text");
  EXPECT_HAS(error_of(replaced("name: desk", "name: \"d\xe9sk\"")),
             "bad.yaml:8:12: fleet[0].name: expected UTF-8 text");
  EXPECT_HAS(error_of(replaced("name: t\n", "name: t\ndescription: caf\xe9\n")),
             "bad.yaml:2:14: description: expected UTF-8 text");
  // A key is text too.
  EXPECT_HAS(error_with("bo\xffot: {}\n"), "bad.yaml:9:1: a key in the scenario: expected UTF-8");
  // Well-formed UTF-8 is fine anywhere a string is.
  auto p = load_ok(replaced("name: desk", "name: caf\xc3\xa9"));
  EXPECT_EQ(p.fleet[0].name, "caf\xc3\xa9");
}

TEST(Limits, control_characters_fail_where_they_are_written) {
  EXPECT_HAS(error_of(replaced("name: pub,", "name: \"p\\u0000ub\",")),
             "bad.yaml:5:14: cluster.nodes[0].name: expected text without control characters; "
             "byte 2 starts the control character U+0000");
  EXPECT_HAS(error_of(replaced("name: t\n", "name: \"t\\e[2J\"\n")), "U+001B");
  EXPECT_HAS(error_with("timeline:\n  - {at: 1m, do: set password user security, password: "
                        "\"a\\x07\"}\n"),
             "timeline[0].password: expected text without control characters");
  EXPECT_HAS(error_of(replaced("name: desk", "name: \"d\\u009Bsk\"")), "U+009B");
  // A description may span lines.
  auto p = load_ok(replaced("name: t\n", "name: t\ndescription: |\n  one\n  two\n"));
  EXPECT_EQ(p.description, "one\ntwo\n");
}

TEST(Limits, certificate_names_must_fit_x509s_64_bytes) {
  // Before: "X509_NAME_add_entry_by_NID: ... string too long" at run time.
  const std::string h65(65, 'h');
  EXPECT_HAS(error_of(replaced("name: pub,", "name: " + h65 + ",")),
             "bad.yaml:5:14: cluster.nodes[0].name: certificate name '" + h65 +
                 ".example.lab' would be 77 bytes; X.509 allows at most 64 in a common name "
                 "(<host>.<domain>): shorten the host name or cluster.domain");
  EXPECT_HAS(
      error_of(replaced("cluster:\n", "cluster:\n  domain: " + std::string(100'000, 'd') + "\n")),
      "bad.yaml:4:11: cluster.domain: expected a domain of at most 62 bytes (it goes into "
      "certificate names of at most 64), got 100000");
  EXPECT_HAS(error_of(replaced("cluster:\n", "cluster:\n  domain: " + std::string(63, 'd') + "\n")),
             "bad.yaml:4:11: cluster.domain: expected a domain of at most 62 bytes");
  // From 10.0 the ITLRecovery certificate is ITLRECOVERY_<host>.<domain>: 52-byte FQDNs.
  const std::string h40(40, 'h');  // 40 + ".example.lab" = 52
  EXPECT_TRUE(sc::load_string(replaced("name: pub,", "name: " + h40 + ","), "ok.yaml").ok());
  EXPECT_HAS(error_of(replaced("name: pub,", "name: " + h40 + "h,")),
             "certificate name 'ITLRECOVERY_" + h40 +
                 "h.example.lab' would be 65 bytes; X.509 allows at most 64 in a common name "
                 "(ITLRECOVERY_<host>.<domain>, from version 10.0)");
  // Before 10.0 there is no ITLRecovery certificate: 64-byte FQDNs.
  const std::string h52(52, 'h');
  std::string pre10 = replaced("name: pub,", "name: " + h52 + ",");
  pre10.insert(pre10.find("  nodes:"), "  version: \"9.1\"\n");
  EXPECT_TRUE(sc::load_string(pre10, "ok.yaml").ok());
  pre10.insert(pre10.find(h52), "h");
  EXPECT_HAS(error_of(pre10), "would be 65 bytes");
}

TEST(Limits, renames_and_domain_changes_are_checked_in_time_order) {
  const std::string h50(50, 'h');
  // 50 + ".example.lab" = 62: fits; after the domain change to other-domain.lab: 67.
  const auto m = error_with(
      "timeline:\n  - {at: 5m, do: set network domain other-domain.lab, on: "
      "pub}\n  - {at: 1m, do: set network hostname " +
      h50 + "}\n");
  EXPECT_HAS(m,
             "bad.yaml:10:18: timeline[0].do: 'set network domain other-domain.lab' on pub "
             "makes its certificate name '" +
                 h50 + ".other-domain.lab' 67 bytes long; X.509 allows at most 64");
  // The same two the other way round are fine: the rename comes first but
  // the domain change is to a shorter domain.
  EXPECT_TRUE(sc::load_string(std::string(base) +
                                  "timeline:\n  - {at: 5m, do: set network domain x.lab, on: pub}\n"
                                  "  - {at: 1m, do: set network hostname " +
                                  h50 + "}\n",
                              "ok.yaml")
                  .ok());
  EXPECT_HAS(error_with("timeline:\n  - {at: 1m, do: set network hostname " + std::string(53, 'h') +
                        "}\n"),
             "bad.yaml:10:18: timeline[0].do: 'set network hostname");
  EXPECT_HAS(
      error_with("timeline:\n  - {at: 1m, do: set network domain " + std::string(63, 'd') + "}\n"),
      "expected a domain of at most 62 bytes");
}

TEST(Limits, firmware_the_engine_cannot_read_fails_at_load) {
  // Before: loaded, and DeviceTLInfo silently left the group out.
  EXPECT_HAS(error_of(replaced("count: 100", "count: 100, firmware: latest")),
             "bad.yaml:8:40: fleet[0].firmware: expected a firmware version such as");
}

TEST(Limits, a_file_named_with_bad_bytes_needs_a_name) {
  std::string yaml = base;
  yaml.erase(0, yaml.find('\n') + 1);  // no name:
  auto r = sc::load_string(yaml, "dir/bad\x01.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_HAS(r.err().message, "dir/bad\x01.yaml:1:1: the scenario is named after its file");
}

}  // namespace
