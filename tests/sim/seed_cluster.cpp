#include "seed_cluster.hpp"
#include "../common/seeded_factory.hpp"

namespace itlfleet::test {

using namespace sim;

identity_factory& seed_factory() {
  return test::seeded_factory("seed_cluster");
}

const seed_cluster& seed_ids() {
  static const seed_cluster c = [] {
    identity_factory& f = seed_factory();
    seed_cluster made;
    made.callmanager = f.make(cert_purpose::callmanager, "test10pub.joemar2.lab");
    made.tvs = f.make(cert_purpose::tvs, "test10pub.joemar2.lab");
    made.capf = f.make(cert_purpose::capf, "CAPF-75638ad9");
    made.recovery = f.make(cert_purpose::itlrecovery, "ITLRECOVERY_test10pub.joe2.lab");
    made.sub_tvs = f.make(cert_purpose::tvs, "test10sub.joemar2.lab", 0, 2048);
    made.sub_callmanager = f.make(cert_purpose::callmanager, "test10sub.joemar2.lab");
    return made;
  }();
  return c;
}

std::vector<itl_entry> seed_entries() {
  const seed_cluster& c = seed_ids();
  return {
      {c.callmanager.cert, cert_role::sast, false, {}},
      {c.callmanager.cert, cert_role::tftp, false, {}},
      {c.capf.cert, cert_role::capf, true, {}},
      {c.tvs.cert, cert_role::tvs, true, {}},
      {c.recovery.cert, cert_role::sast, false, {}},
      {c.sub_tvs.cert, cert_role::tvs, true, {}},
  };
}

node_itl_inputs seed_publisher_inputs(cucm_version version) {
  const seed_cluster& c = seed_ids();
  node_itl_inputs in;
  in.callmanager = c.callmanager;
  in.own_tvs = c.tvs.cert;
  in.publisher_capf = c.capf.cert;
  in.publisher_itlrecovery = c.recovery;
  in.cluster_tvs = {c.tvs.cert, c.sub_tvs.cert};
  in.version = version;
  return in;
}

trust_file seed_itl() {
  build_options o;
  o.timestamp = seed_built_at;
  return build_trust_list(seed_entries(), seed_ids().callmanager, o);
}

}  // namespace itlfleet::test
