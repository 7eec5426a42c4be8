#pragma once
// One memoising identity factory per seed for a whole test binary: key
// generation dominates the run time of the cluster tests, and a fixed seed
// keeps every identity the same from run to run.

#include <map>
#include <memory>
#include <string>

#include "itlfleet/sim/pki.hpp"

namespace itlfleet::test {

/// The factory for `seed` (1024-bit keys), made on first use.
inline sim::identity_factory& seeded_factory(const std::string& seed) {
  static std::map<std::string, std::unique_ptr<sim::identity_factory>> factories;
  auto& f = factories[seed];
  if (!f) {
    sim::pki_options o;
    o.seed = seed;
    o.key_bits = 1024;
    f = std::make_unique<sim::identity_factory>(o);
  }
  return *f;
}

}  // namespace itlfleet::test
