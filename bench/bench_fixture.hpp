#pragma once
/// A seed-shaped ITL (publisher + subscriber, 1024-bit keys, six records) and
/// the identities behind it, built once per benchmark process.

#include "itlfleet/sim/itl_builder.hpp"
#include "itlfleet/sim/pki.hpp"

namespace itlfleet::bench {

struct fixture {
  sim::identity callmanager, capf, tvs, itlrecovery, sub_tvs;
  std::vector<sim::itl_entry> entries;
  sim::trust_file itl;
  bytes raw;
};

const fixture& seed_itl();

}  // namespace itlfleet::bench
