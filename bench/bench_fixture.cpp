#include "bench_fixture.hpp"

namespace itlfleet::bench {

using namespace std::chrono_literals;

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

plan::run_plan double_regen_plan(std::uint64_t phones, std::chrono::microseconds sample_every) {
  plan::run_plan p;
  p.name = "bench-double-regen";
  p.source = "bench";
  p.seed = 7;
  p.cluster.hold_timer = false;
  p.cluster.nodes = {{"cucm-pub", true, true, true, true}};
  p.cluster.tftp.max_serving_count = 3500;
  plan::fleet_group g;
  g.name = "desk";
  g.count = phones;
  g.tftp = {"cucm-pub"};
  p.fleet = {g};
  p.boot.spread = 120s;
  p.end = 50min;
  p.sample_every = sample_every;
  using plan::action_kind;
  auto act = [](std::chrono::microseconds at, action_kind k, plan::action_args args) {
    plan::action a;
    a.at = at;
    a.kind = k;
    a.args = std::move(args);
    a.text = "bench";
    return a;
  };
  p.timeline = {
      act(0s, action_kind::boot_all, {}),
      act(10min, action_kind::cert_regen, plan::regen_certificate{sim::cert_purpose::callmanager}),
      act(10min, action_kind::restart_tftp, {}),
      act(10min + 10s, action_kind::cert_regen, plan::regen_certificate{sim::cert_purpose::tvs}),
      act(10min + 10s, action_kind::restart_tvs, {}),
      act(10min + 10s, action_kind::restart_tftp, {}),
      act(30min, action_kind::itl_reset_localkey, {}),
      act(31min, action_kind::reset_all_devices, {})};
  return p;
}

}  // namespace itlfleet::bench
