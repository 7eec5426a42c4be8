#include "itlfleet/net/descriptor_budget.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <limits>

namespace itlfleet::net {

descriptor_budget budget_descriptors(descriptor_counts wanted, std::uint64_t limit,
                                     std::uint64_t reserve) {
  __extension__ typedef unsigned __int128 wide;  // three 64-bit counts summed cannot overflow
  descriptor_budget b{wanted, true, {}};
  const wide asked = wide{wanted.tftp} + wanted.http + wanted.tvs;
  const wide need = asked + reserve;
  if (need <= limit) return b;
  b.fits = false;
  const std::uint64_t room = limit > reserve ? limit - reserve : 0;
  auto share = [&](std::uint64_t part) -> std::uint64_t {
    if (part == 0) return 0;
    return std::max<std::uint64_t>(1, static_cast<std::uint64_t>(wide{room} * part / asked));
  };
  b.granted = {share(wanted.tftp), share(wanted.http), share(wanted.tvs)};
  const auto n = [](std::uint64_t v) { return std::to_string(v); };
  const std::string fix = need <= std::numeric_limits<std::uint64_t>::max()
                              ? n(static_cast<std::uint64_t>(need))
                              : "more";
  b.warning = "open-file limit " + n(limit) + " cannot hold the servers' descriptors: TFTP " +
              n(wanted.tftp) + " + HTTP " + n(wanted.http) + " + TVS " + n(wanted.tvs) + " plus " +
              n(reserve) + " kept for the rest; serving at most TFTP " + n(b.granted.tftp) +
              ", HTTP " + n(b.granted.http) + ", TVS " + n(b.granted.tvs) +
              " so that a flood of one cannot starve the others. Raise the limit to " + fix +
              " (ulimit -n) or lower the counts";
  return b;
}

std::uint64_t open_file_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur == RLIM_INFINITY)
    return std::numeric_limits<std::uint64_t>::max();
  return lim.rlim_cur;
}

}  // namespace itlfleet::net
