#include "bench_fixture.hpp"

namespace itlfleet::bench {

const fixture& seed_itl() {
  static const fixture f = [] {
    fixture x;
    sim::pki_options o;
    o.seed = "itlfleet-bench";
    sim::identity_factory factory(o);
    using P = sim::cert_purpose;
    x.callmanager = factory.make(P::callmanager, "test10pub.joemar2.lab");
    x.capf = factory.make(P::capf, "CAPF-75638ad9");
    x.tvs = factory.make(P::tvs, "test10pub.joemar2.lab");
    x.itlrecovery = factory.make(P::itlrecovery, "ITLRECOVERY_test10pub.joe2.lab");
    x.sub_tvs = factory.make(P::tvs, "test10sub.joemar2.lab", 0, 2048);
    using R = sim::cert_role;
    x.entries = {{x.callmanager.cert, R::sast, false, {}}, {x.callmanager.cert, R::tftp, false, {}},
                 {x.capf.cert, R::capf, true, {}},         {x.tvs.cert, R::tvs, true, {}},
                 {x.itlrecovery.cert, R::sast, false, {}}, {x.sub_tvs.cert, R::tvs, true, {}}};
    sim::build_options b;
    b.timestamp = 1393439067;
    x.itl = sim::build_trust_list(x.entries, x.callmanager, b);
    x.raw = sim::serialise(x.itl);
    return x;
  }();
  return f;
}

}  // namespace itlfleet::bench
