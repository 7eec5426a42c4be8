#pragma once
// The technote's cluster: the CUCM 10.0 publisher (and one subscriber) of the
// seed's `show itl` (docs/formats.md), rebuilt from certificates of the same
// sizes. Shared by the ITL builder, `show itl` and worked-example tests.

#include <cstdint>
#include <vector>

#include "itlfleet/sim/cluster_itl.hpp"
#include "itlfleet/sim/itl_builder.hpp"
#include "itlfleet/sim/pki.hpp"
#include "itlfleet/sim/trust_file.hpp"

namespace itlfleet::test {

/// Wed Feb 26 10:24:27 PST 2014 (18:24:27 UTC): the seed's first `show itl`.
inline constexpr std::uint32_t seed_built_at = 1393439067;
/// 10:34:46 PST, the seed's `show itl` after `utils itl reset`.
inline constexpr std::uint32_t seed_reset_at = 1393439686;

/// Organisation OU=tac O=cisco L=rtp ST=nc C=US; 1024-bit keys unless said.
struct seed_cluster {
  sim::identity callmanager;  ///< CN=test10pub.joemar2.lab, service profile: DER 684
  sim::identity tvs;          ///< same CN as CallManager
  sim::identity capf;         ///< CN=CAPF-75638ad9
  /// CN=ITLRECOVERY_test10pub.joe2.lab. The technote's record says 66 bytes
  /// of subject: the real CN was three characters shorter than the printed
  /// one, so the host is shortened here.
  sim::identity recovery;
  sim::identity sub_tvs;          ///< CN=test10sub.joemar2.lab, 2048-bit
  sim::identity sub_callmanager;  ///< CN=test10sub.joemar2.lab
};

/// The factory every seed identity comes from: one instance for the test
/// binary, seeded once. It memoises, so further identities (a regenerated
/// certificate, a stranger) cost one key generation each. Thread-safe.
sim::identity_factory& seed_factory();

/// The cluster's identities, made on first use.
const seed_cluster& seed_ids();

/// The seed's record order: CallManager SAST + TFTP, CAPF, TVS, ITLRecovery,
/// sub TVS.
std::vector<sim::itl_entry> seed_entries();

/// The publisher's inputs to build_node_itl() at release `version`.
sim::node_itl_inputs seed_publisher_inputs(sim::cucm_version version);

/// seed_entries() signed by the publisher's CallManager at seed_built_at.
sim::trust_file seed_itl();

}  // namespace itlfleet::test
