#include <gtest/gtest.h>

#include <random>

#include "itlfleet/scenarios/scenario.hpp"

namespace {

namespace sc = itlfleet::scenarios;
using itlfleet::plan::run_plan;

run_plan plan_of(std::vector<std::uint64_t> counts) {
  run_plan p;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    itlfleet::plan::fleet_group g;
    g.name = "g" + std::to_string(i);
    g.count = counts[i];
    p.fleet.push_back(g);
  }
  return p;
}

std::vector<std::uint64_t> counts_of(const run_plan& p) {
  std::vector<std::uint64_t> out;
  for (const auto& g : p.fleet) out.push_back(g.count);
  return out;
}

std::vector<std::uint64_t> scaled(std::vector<std::uint64_t> counts, std::uint64_t n) {
  auto p = plan_of(std::move(counts));
  sc::scale_fleet(p, n);
  return counts_of(p);
}

using v = std::vector<std::uint64_t>;

TEST(ScaleFleet, keeps_exact_proportions_when_they_divide) {
  EXPECT_EQ(scaled({9000, 1000}, 100), (v{90, 10}));
  EXPECT_EQ(scaled({9000, 1000}, 1'000'000), (v{900'000, 100'000}));
  EXPECT_EQ(scaled({20000, 20000}, 40000), (v{20000, 20000}));
}

TEST(ScaleFleet, largest_remainder_with_ties_to_the_first_group) {
  EXPECT_EQ(scaled({1, 1, 1}, 10), (v{4, 3, 3}));
  EXPECT_EQ(scaled({1, 1, 1}, 11), (v{4, 4, 3}));
  // Quotas 2.5, 5.5, 2 -> floors 2, 5, 2 (9); the leftover goes to the first
  // of the tied .5 remainders.
  EXPECT_EQ(scaled({5, 11, 4}, 10), (v{3, 5, 2}));
  // Quotas 0.6, 0.3, 0.1: one phone, to the largest remainder.
  EXPECT_EQ(scaled({6, 3, 1}, 1), (v{1, 0, 0}));
}

TEST(ScaleFleet, empty_groups_stay_empty) {
  EXPECT_EQ(scaled({0, 7, 0, 3}, 1001), (v{0, 701, 0, 300}));
  EXPECT_EQ(scaled({5, 0}, 3), (v{3, 0}));
}

TEST(ScaleFleet, all_zero_fleet_is_split_evenly) {
  EXPECT_EQ(scaled({0, 0, 0}, 7), (v{3, 2, 2}));
}

TEST(ScaleFleet, zero_phones_empties_every_group) {
  EXPECT_EQ(scaled({9000, 1000}, 0), (v{0, 0}));
}

TEST(ScaleFleet, huge_targets_do_not_overflow) {
  const std::uint64_t big = 1'000'000'000'000ULL;
  EXPECT_EQ(scaled({3'000'000'000ULL, 1'000'000'000ULL}, big),
            (v{750'000'000'000ULL, 250'000'000'000ULL}));
}

TEST(ScaleFleet, totals_are_exact_and_shares_within_one) {
  std::mt19937_64 rng(99);
  for (int i = 0; i < 2000; ++i) {
    std::size_t groups = 1 + rng() % 6;
    v counts;
    std::uint64_t total = 0;
    for (std::size_t g = 0; g < groups; ++g) {
      counts.push_back(rng() % 5 == 0 ? 0 : rng() % 50000);
      total += counts.back();
    }
    std::uint64_t n = rng() % 2'000'000;
    auto out = scaled(counts, n);
    std::uint64_t sum = 0;
    for (std::size_t g = 0; g < groups; ++g) {
      sum += out[g];
      if (total == 0) continue;
      double quota =
          static_cast<double>(counts[g]) * static_cast<double>(n) / static_cast<double>(total);
      EXPECT_LT(std::abs(static_cast<double>(out[g]) - quota), 1.0 + 1e-9);
      if (counts[g] == 0) {
        EXPECT_EQ(out[g], 0u);
      }
    }
    EXPECT_EQ(sum, n);
    EXPECT_EQ(scaled(counts, n), out);  // deterministic
  }
}

TEST(ScaleFleet, builtin_scenario_scales_to_the_requested_size) {
  auto p = sc::load("pre-10-itl");
  ASSERT_TRUE(p.ok()) << p.err().message;
  sc::scale_fleet(*p, 123457);
  EXPECT_EQ(p->fleet_size(), 123457u);
  EXPECT_EQ(p->fleet[0].count, 111111u);  // 90% of 123457 = 111111.3
  EXPECT_EQ(p->fleet[1].count, 12346u);   // 10% = 12345.7
}

}  // namespace
