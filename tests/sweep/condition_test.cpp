#include "itlfleet/sweep/condition.hpp"

#include <gtest/gtest.h>

#include <random>

namespace itlfleet::sweep {
namespace {

std::string entry(std::string_view s) {
  auto e = expect_entry(s);
  EXPECT_TRUE(e) << s << ": " << (e ? "" : e.err().message);
  return e ? *e : "";
}

TEST(Condition, becomes_an_expect_entry_with_the_operator_and_value_quoted) {
  EXPECT_EQ(entry("locked == 0"), "{locked: \"== 0\"}");
  EXPECT_EQ(entry("  locked<=1%  "), "{locked: \"<= 1%\"}");
  EXPECT_EQ(entry("locked 0"), "{locked: \"== 0\"}");
  EXPECT_EQ(entry("locked = 0"), "{locked: \"== 0\"}");
}

TEST(Condition, takes_at_by_and_a_group_as_describe_prints_them) {
  EXPECT_EQ(entry("recovered >= 99.5% by 30m"), "{recovered: \">= 99.5%\", by: \"30m\"}");
  EXPECT_EQ(entry("trusted == 100% at 20m [desk]"),
            "{trusted: \"== 100%\", at: \"20m\", group: \"desk\"}");
  EXPECT_EQ(entry("locked 0 in desk at end"), "{locked: \"== 0\", group: \"desk\", at: \"end\"}");
}

TEST(Condition, a_yaml_flow_map_passes_as_written) {
  EXPECT_EQ(entry("{by: 20m, locked: 0}"), "{by: 20m, locked: 0}");
}

TEST(Condition, malformed_conditions_say_what_was_expected) {
  for (std::string_view bad :
       {"", "== 0", "locked ==", "locked == 0 at", "locked == 0 banana", "locked == 0 at 1m by 2m",
        "locked == 0 [a] [b]", "locked == 0 [", "locked == 0 in"}) {
    auto e = expect_entry(bad);
    ASSERT_FALSE(e) << bad;
    EXPECT_NE(e.err().message.find("expected METRIC OP VALUE"), std::string::npos)
        << e.err().message;
  }
}

TEST(Condition, random_input_never_crashes) {
  std::mt19937 rng(11);
  const std::string alphabet = "lockedtrus_ =<>!0123456789.%[]atby mend";
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    const int n = static_cast<int>(rng() % 30);
    for (int k = 0; k < n; ++k) s += alphabet[rng() % alphabet.size()];
    auto e = expect_entry(s);
    if (e) {
      EXPECT_EQ(e->front(), '{');
    }
  }
}

}  // namespace
}  // namespace itlfleet::sweep
