// `--phones N`: proportional rescaling of the fleet groups.

#include <algorithm>
#include <numeric>
#include <vector>

#include "itlfleet/scenarios/scenario.hpp"

namespace itlfleet::scenarios {

void scale_fleet(plan::run_plan& plan, std::uint64_t phones) {
  auto& groups = plan.fleet;
  if (groups.empty()) return;
  // Exact quotas count_i * phones / total in 128 bits: both factors may be
  // large, and so may the total of counts that a plan did not check.
  __extension__ using u128 = unsigned __int128;
  u128 total = 0;
  for (const auto& g : groups) total += g.count;
  std::vector<std::uint64_t> share(groups.size());
  std::vector<u128> remainder(groups.size());
  std::uint64_t assigned = 0;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    u128 num = total == 0 ? u128{phones} : u128{groups[i].count} * phones;
    u128 den = total == 0 ? u128{groups.size()} : u128{total};
    share[i] = static_cast<std::uint64_t>(num / den);
    remainder[i] = num % den;
    assigned += share[i];
  }

  // Largest remainders get the leftover phones; the stable sort keeps
  // declaration order among equals, so the outcome depends on nothing else.
  // The leftover is below the number of non-zero remainders, so a group of 0
  // (remainder 0) never receives one.
  std::vector<std::size_t> order(groups.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return remainder[a] > remainder[b]; });
  for (std::uint64_t k = 0; assigned + k < phones; ++k) ++share[order[k]];

  for (std::size_t i = 0; i < groups.size(); ++i) groups[i].count = share[i];
}

}  // namespace itlfleet::scenarios
