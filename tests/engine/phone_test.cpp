// The phone's trust decision against a real cluster: real ITL bytes, real
// signatures, the CUCM operations that change them. The safety property under
// adversarial input is in phone_property_test.cpp.

#include "itlfleet/sim/phone.hpp"
#include "tvs_answer.hpp"

#include <gtest/gtest.h>

#include "itlfleet/sim/cluster.hpp"
#include "itlfleet/sim/itl_builder.hpp"

namespace itlfleet::sim {
namespace {

struct world {
  identity_factory factory{[] {
    pki_options o;
    o.seed = "phone-test";
    return o;
  }()};
  file_store files;
  cluster c;
  trust_oracle oracle{files};
  phone_profile profile;

  world() : c(make()) {}
  cluster make() {
    cluster_config cfg;
    cfg.nodes = {{"cucm-pub", true, true, true, true}};
    cfg.hold_timer = false;
    // The phone's decisions are under test, not the service restarts: a
    // regeneration reaches the served files at once.
    cfg.regen_restarts = regen_restart::automatic;
    auto r = cluster::create(cfg, factory, files);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.err().to_string());
    return std::move(r.value());
  }
  /// The TVS exchange as the engine delivers it.
  tvs_result ask_tvs(const phone& p) { return test::tvs_answer(c, oracle, p); }
  phone_action feed(phone& p, phone_event e) { return handle(p, e, profile, oracle, 100); }
  phone_action file(phone& p, file_id f) {
    return feed(p, {phone_event_kind::file_received, f, {}});
  }
  /// Boots a phone through ITL, TVS if asked, and config.
  void boot(phone& p) {
    auto a = feed(p, {phone_event_kind::boot, no_file, {}});
    ASSERT_EQ(a.kind, phone_action_kind::request_itl);
    a = file(p, c.served_itl(0));
    if (a.kind == phone_action_kind::query_tvs) {
      a = feed(p, {phone_event_kind::tvs_answer, no_file, ask_tvs(p)});
    }
    ASSERT_EQ(a.kind, phone_action_kind::request_config);
    a = file(p, c.served_config(0));
    if (a.kind == phone_action_kind::query_tvs) {
      a = feed(p, {phone_event_kind::tvs_answer, no_file, ask_tvs(p)});
    }
    EXPECT_EQ(a.kind, phone_action_kind::none);
  }
};

world& shared_world() {
  static world w;
  return w;
}

TEST(Phone, without_an_itl_takes_the_first_one_on_faith) {
  world w;
  phone p;
  w.boot(p);
  EXPECT_EQ(p.installed, w.c.served_itl(0));
  EXPECT_EQ(p.state, phone_state::trusted);
}

TEST(Phone, holding_the_current_itl_boots_trusted_without_tvs) {
  world w;
  phone p;
  p.installed = w.c.served_itl(0);
  auto a = w.feed(p, {phone_event_kind::boot, no_file, {}});
  a = w.file(p, w.c.served_itl(0));
  EXPECT_EQ(a.kind, phone_action_kind::request_config);
  a = w.file(p, w.c.served_config(0));
  EXPECT_EQ(a.kind, phone_action_kind::none);
  EXPECT_EQ(p.state, phone_state::trusted);
}

TEST(Phone, new_callmanager_signer_is_accepted_through_tvs_it_trusts) {
  world w;
  phone p;
  p.installed = w.c.served_itl(0);
  const file_id old_itl = p.installed;
  ASSERT_TRUE(w.c.cert_regen(0, cert_purpose::callmanager, 0).ok);
  ASSERT_NE(w.c.served_itl(0), old_itl);
  w.feed(p, {phone_event_kind::boot, no_file, {}});
  auto a = w.file(p, w.c.served_itl(0));
  ASSERT_EQ(a.kind, phone_action_kind::query_tvs) << "the signer is unknown to the old ITL";
  a = w.feed(p, {phone_event_kind::tvs_answer, no_file, w.ask_tvs(p)});
  EXPECT_EQ(a.kind, phone_action_kind::request_config);
  EXPECT_EQ(p.installed, w.c.served_itl(0));
  w.file(p, w.c.served_config(0));
  EXPECT_EQ(p.state, phone_state::trusted);
}

TEST(Phone, callmanager_and_tvs_both_regenerated_locks_the_phone_and_keeps_its_itl) {
  world w;
  phone p;
  p.installed = w.c.served_itl(0);
  const file_id old_itl = p.installed;
  ASSERT_TRUE(w.c.cert_regen(0, cert_purpose::callmanager, 0).ok);
  ASSERT_TRUE(w.c.cert_regen(0, cert_purpose::tvs, 10).ok);
  w.boot(p);
  EXPECT_EQ(p.state, phone_state::locked);
  EXPECT_TRUE(p.ever_locked());
  EXPECT_EQ(p.installed, old_itl) << "a locked phone keeps its old ITL";
}

TEST(Phone, a_config_nobody_vouches_for_is_rejected_apart_from_the_itl) {
  world w;
  phone p;
  p.installed = w.c.served_itl(0);
  const file_id kept = p.installed;
  // A config signed by a key neither the installed ITL nor TVS knows, after a
  // boot that fetched no new ITL (the server had none).
  identity_factory other([] {
    pki_options o;
    o.seed = "another-cluster";
    return o;
  }());
  build_options options;
  options.filename = "SEP001E7A000001.cnf.xml.sgn";
  const file_id foreign = w.files.intern(build_signed_file(
      as_bytes("<device/>"), other.make(cert_purpose::callmanager, "cucm.other.lab", 0), options));
  w.feed(p, {phone_event_kind::boot, no_file, {}});
  w.feed(p, {phone_event_kind::file_missing, no_file, {}});           // ITLSEP<MAC>.tlv
  auto a = w.feed(p, {phone_event_kind::file_missing, no_file, {}});  // ITLFile.tlv
  ASSERT_EQ(a.kind, phone_action_kind::request_config);
  a = w.file(p, foreign);
  ASSERT_EQ(a.kind, phone_action_kind::query_tvs);
  a = w.feed(p, {phone_event_kind::tvs_answer, no_file, w.ask_tvs(p)});
  EXPECT_TRUE(a.config_rejected);
  EXPECT_EQ(p.state, phone_state::config_rejected) << "not \"Trust List Update Failed\"";
  EXPECT_EQ(p.installed, kept);
  EXPECT_TRUE(p.ever_locked());
  // Once the cluster's own config arrives, it is trusted again.
  w.feed(p, {phone_event_kind::reset, no_file, {}});
  w.boot(p);
  EXPECT_EQ(p.state, phone_state::trusted);
}

TEST(Phone, locked_phone_stays_locked_on_every_reboot_until_recovered) {
  world w;
  phone p;
  p.installed = w.c.served_itl(0);
  ASSERT_TRUE(w.c.cert_regen(0, cert_purpose::callmanager, 0).ok);
  ASSERT_TRUE(w.c.cert_regen(0, cert_purpose::tvs, 10).ok);
  for (int i = 0; i < 3; ++i) {
    w.feed(p, {phone_event_kind::reset, no_file, {}});
    w.boot(p);
    EXPECT_EQ(p.state, phone_state::locked) << "reboot " << i;
  }
}

TEST(Phone, bulk_reset_recovers_a_locked_phone_whose_itl_has_itlrecovery) {
  world w;
  phone p;
  p.installed = w.c.served_itl(0);
  ASSERT_TRUE(w.files.get(p.installed).has_recovery_record);
  ASSERT_TRUE(w.c.cert_regen(0, cert_purpose::callmanager, 0).ok);
  ASSERT_TRUE(w.c.cert_regen(0, cert_purpose::tvs, 10).ok);
  w.boot(p);
  ASSERT_EQ(p.state, phone_state::locked);
  ASSERT_TRUE(w.c.itl_reset_localkey(0, 20).ok);
  w.feed(p, {phone_event_kind::reset, no_file, {}});
  w.boot(p);
  EXPECT_EQ(p.state, phone_state::trusted);
  EXPECT_EQ(p.installed, w.c.served_itl(0));
}

TEST(Phone, bulk_reset_cannot_recover_an_itl_from_before_10_0) {
  world w;
  phone p;
  p.installed = w.c.pre10_itl(0);
  ASSERT_FALSE(w.files.get(p.installed).has_recovery_record);
  ASSERT_TRUE(w.c.cert_regen(0, cert_purpose::callmanager, 0).ok);
  ASSERT_TRUE(w.c.cert_regen(0, cert_purpose::tvs, 10).ok);
  ASSERT_TRUE(w.c.itl_reset_localkey(0, 20).ok);
  w.boot(p);
  EXPECT_EQ(p.state, phone_state::locked);
}

TEST(Phone, deleting_the_itl_by_hand_recovers_any_phone) {
  world w;
  phone p;
  p.installed = w.c.pre10_itl(0);
  ASSERT_TRUE(w.c.cert_regen(0, cert_purpose::callmanager, 0).ok);
  ASSERT_TRUE(w.c.cert_regen(0, cert_purpose::tvs, 10).ok);
  w.boot(p);
  ASSERT_EQ(p.state, phone_state::locked);
  auto a = w.feed(p, {phone_event_kind::delete_itl, no_file, {}});
  EXPECT_EQ(a.kind, phone_action_kind::reboot);
  EXPECT_EQ(p.installed, no_file);
  w.boot(p);
  EXPECT_EQ(p.state, phone_state::trusted);
}

TEST(Phone, a_config_received_for_the_itl_is_never_installed_even_on_faith) {
  world w;
  for (const file_id held : {w.c.served_itl(0), no_file}) {
    phone p;
    p.installed = held;
    w.feed(p, {phone_event_kind::boot, no_file, {}});
    // Signed by the CallManager key, which the held ITL trusts as TFTP.
    const auto a = w.file(p, w.c.served_config(0));
    EXPECT_FALSE(a.installed_itl);
    EXPECT_EQ(p.installed, held);
    EXPECT_EQ(a.kind, phone_action_kind::request_config) << "Trust List Update Failed";
  }
}

TEST(Phone, refused_requests_back_off_then_try_the_backup_server_then_give_up) {
  world w;
  phone_profile two;
  two.tftp_servers = 2;
  two.tftp_attempts = 2;
  phone p;
  auto feed = [&](phone_event_kind k) { return handle(p, {k, no_file, {}}, two, w.oracle, 0); };
  auto a = feed(phone_event_kind::boot);
  ASSERT_EQ(a.server, 0);
  a = feed(phone_event_kind::tftp_refused);
  EXPECT_EQ(a.kind, phone_action_kind::wait);
  a = feed(phone_event_kind::timer);
  EXPECT_EQ(a.kind, phone_action_kind::request_itl);
  EXPECT_EQ(a.server, 0);
  a = feed(phone_event_kind::tftp_refused);
  EXPECT_EQ(a.kind, phone_action_kind::request_itl);
  EXPECT_EQ(a.server, 1) << "after two failures it moves to the backup TFTP server";
  feed(phone_event_kind::tftp_timeout);
  feed(phone_event_kind::timer);
  a = feed(phone_event_kind::tftp_timeout);
  EXPECT_EQ(p.state, phone_state::unreachable);
  EXPECT_EQ(a.kind, phone_action_kind::wait);
  a = feed(phone_event_kind::timer);
  EXPECT_EQ(a.kind, phone_action_kind::request_itl) << "an unreachable phone starts over";
  EXPECT_EQ(p.state, phone_state::booting);
}

TEST(Phone, a_reset_of_a_phone_that_is_off_does_nothing) {
  world& w = shared_world();
  phone p;
  auto a = w.feed(p, {phone_event_kind::reset, no_file, {}});
  EXPECT_EQ(a.kind, phone_action_kind::none);
  EXPECT_EQ(p.state, phone_state::offline);
}

TEST(Phone, a_reset_reaches_only_a_registered_phone) {
  world& w = shared_world();
  phone p;
  w.feed(p, {phone_event_kind::boot, no_file, {}});
  ASSERT_EQ(p.state, phone_state::booting);
  const auto epoch = p.epoch;
  auto a = w.feed(p, {phone_event_kind::reset, no_file, {}});
  EXPECT_EQ(a.kind, phone_action_kind::none) << "a booting phone is not registered";
  EXPECT_EQ(p.epoch, epoch);
  w.boot(p);  // the boot in progress goes on and ends trusted
  ASSERT_EQ(p.state, phone_state::trusted);
  a = w.feed(p, {phone_event_kind::reset, no_file, {}});
  EXPECT_EQ(a.kind, phone_action_kind::reboot);
  EXPECT_EQ(p.state, phone_state::booting);
}

// --- device families and TVS lists ----------------------------------------

TEST(Phone, without_security_by_default_it_asks_for_no_itl_and_takes_any_config) {
  world w;
  w.profile.security_by_default = false;  // a 7940/7960
  // The cluster's keys change under it: nothing a 7940 checks.
  ASSERT_TRUE(w.c.cert_regen(0, cert_purpose::callmanager, 0).ok);
  ASSERT_TRUE(w.c.cert_regen(0, cert_purpose::tvs, 10).ok);
  phone p;
  auto a = w.feed(p, {phone_event_kind::boot, no_file, {}});
  ASSERT_EQ(a.kind, phone_action_kind::request_config) << "no ITL step";
  a = w.file(p, w.c.served_config(0));
  EXPECT_EQ(a.kind, phone_action_kind::none);
  EXPECT_FALSE(a.config_rejected);
  EXPECT_EQ(p.installed, no_file);
  EXPECT_EQ(p.state, phone_state::no_itl) << "registered, holding no ITL: never locked";
  EXPECT_FALSE(p.ever_locked());
  // In mixed mode it still takes the CTL step, then goes to its config.
  w.profile.request_ctl = true;
  w.feed(p, {phone_event_kind::reset, no_file, {}});
  a = w.feed(p, {phone_event_kind::boot, no_file, {}});
  ASSERT_EQ(a.kind, phone_action_kind::request_ctl);
  w.feed(p, {phone_event_kind::file_missing, no_file, {}});      // CTLSEP<MAC>.tlv
  a = w.feed(p, {phone_event_kind::file_missing, no_file, {}});  // CTLFile.tlv
  EXPECT_EQ(a.kind, phone_action_kind::request_config);
}

TEST(Phone, with_no_tvs_server_a_signer_its_itl_lacks_is_rejected_without_a_query) {
  world w;
  w.profile.tvs_servers = 0;  // a CallManager group none of whose nodes runs TVS
  phone p;
  p.installed = w.c.served_itl(0);
  const file_id old_itl = p.installed;
  ASSERT_TRUE(w.c.cert_regen(0, cert_purpose::callmanager, 0).ok);
  w.feed(p, {phone_event_kind::boot, no_file, {}});
  auto a = w.file(p, w.c.served_itl(0));
  ASSERT_EQ(a.kind, phone_action_kind::request_config) << "no TVS to ask: rejected at once";
  EXPECT_FALSE(a.tvs_failed) << "no TVS was asked";
  a = w.file(p, w.c.served_config(0));
  EXPECT_EQ(a.kind, phone_action_kind::none);
  EXPECT_EQ(p.state, phone_state::locked);
  EXPECT_EQ(p.installed, old_itl);
  // An ITL its own ITL vouches for still goes through without TVS.
  phone q;
  q.installed = w.c.served_itl(0);
  ASSERT_TRUE(w.c.cert_regen(0, cert_purpose::tvs, 1000).ok);
  w.boot(q);
  EXPECT_EQ(q.state, phone_state::trusted);
  EXPECT_EQ(q.installed, w.c.served_itl(0));
}

TEST(Phone, a_security_settings_reset_erases_the_ctl_as_well_as_the_itl) {
  world w;
  phone p;
  p.installed = w.c.served_itl(0);
  p.ctl = w.c.served_config(0);  // any file: only whether it is kept matters
  w.feed(p, {phone_event_kind::delete_itl, no_file, {}});
  EXPECT_EQ(p.installed, no_file);
  EXPECT_NE(p.ctl, no_file) << "Erase ITL leaves the CTL";
  w.profile.manual_recovery_erases_ctl = true;  // the 8945
  p.installed = w.c.served_itl(0);
  w.feed(p, {phone_event_kind::delete_itl, no_file, {}});
  EXPECT_EQ(p.installed, no_file);
  EXPECT_EQ(p.ctl, no_file);
}

}  // namespace
}  // namespace itlfleet::sim
