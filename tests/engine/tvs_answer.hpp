#pragma once
// TVS's answer about a phone's pending file as the engines deliver it, from a
// node's TVS and the cluster's trust stores: the phone tests' stand-in for
// the network.

#include <optional>

#include "itlfleet/sim/cluster.hpp"
#include "itlfleet/sim/phone.hpp"

namespace itlfleet::test {

/// The answer of `c`'s TVS on `node` about the file phone `p` is checking.
/// The result points into thread-local storage that the next call reuses.
inline sim::tvs_result tvs_answer(const sim::cluster& c, sim::trust_oracle& oracle,
                                  const sim::phone& p, std::size_t node = 0) {
  static thread_local bytes sha;
  static thread_local std::optional<sim::certificate> entry;
  sim::tvs_result r;
  sha = c.tvs_certificate(node).sha1();
  r.server_cert_sha1 = &sha;
  entry = c.tvs_lookup(c.files().get(p.pending).parsed.header.signer);
  r.status = entry ? sim::tvs_status::valid : sim::tvs_status::invalid;
  if (entry) {
    r.signer_cert = &*entry;
    r.signer_key = oracle.key_of(*entry);
  }
  return r;
}

}  // namespace itlfleet::test
