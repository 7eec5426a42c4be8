#include "itlfleet/net/descriptor_budget.hpp"

#include <gtest/gtest.h>

#include <sys/resource.h>

#include <limits>

namespace itlfleet::net {
namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(DescriptorBudget, counts_that_fit_are_granted_as_asked_without_a_warning) {
  const descriptor_counts wanted{2000, 2048, 4352};
  const auto b = budget_descriptors(wanted, 20000, 256);
  EXPECT_TRUE(b.fits);
  EXPECT_EQ(b.granted, wanted);
  EXPECT_TRUE(b.warning.empty());
  EXPECT_TRUE(budget_descriptors(wanted, 8656, 256).fits);  // exactly the limit
}

TEST(DescriptorBudget, counts_past_the_limit_are_shared_below_it_with_a_warning) {
  const auto b = budget_descriptors({2000, 2048, 4352}, 1024, 256);
  EXPECT_FALSE(b.fits);
  // 768 to share, in proportion to what each asked.
  EXPECT_EQ(b.granted, (descriptor_counts{182, 187, 397}));
  EXPECT_LE(b.granted.total(), 1024u - 256u);
  for (const char* part : {"open-file limit 1024", "TFTP 2000", "HTTP 2048", "TVS 4352", "plus 256",
                           "TFTP 182, HTTP 187, TVS 397", "8656"})
    EXPECT_TRUE(has(b.warning, part)) << part << " not in: " << b.warning;
}

TEST(DescriptorBudget, a_limit_below_the_reserve_leaves_one_each_to_services_that_asked) {
  const auto b = budget_descriptors({10, 0, 10}, 100, 256);
  EXPECT_FALSE(b.fits);
  EXPECT_EQ(b.granted, (descriptor_counts{1, 0, 1}));
}

TEST(DescriptorBudget, an_unlimited_limit_always_fits) {
  const auto huge = std::numeric_limits<std::uint64_t>::max();
  EXPECT_TRUE(budget_descriptors({1'000'000, 1'000'000, 1'000'000}, huge, 256).fits);
  // A sum that overflows never fits, and is still shared without overflow.
  const auto b = budget_descriptors({huge, huge, 0}, 1000, 0);
  EXPECT_FALSE(b.fits);
  EXPECT_EQ(b.granted, (descriptor_counts{500, 500, 0}));
}

TEST(DescriptorBudget, open_file_limit_is_the_soft_limit) {
  rlimit lim{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &lim), 0);
  if (lim.rlim_cur == RLIM_INFINITY)
    EXPECT_EQ(open_file_limit(), std::numeric_limits<std::uint64_t>::max());
  else
    EXPECT_EQ(open_file_limit(), lim.rlim_cur);
}

}  // namespace
}  // namespace itlfleet::net
