// The phone in mixed mode against a real cluster: the CTL comes first, is
// taken on faith once, and from then on decides which new CTL and which new
// ITL the phone accepts (docs/model.md, "Mixed mode and the CTL").

#include <gtest/gtest.h>

#include "../common/seeded_factory.hpp"
#include "itlfleet/sim/cluster.hpp"
#include "itlfleet/sim/phone.hpp"
#include "tvs_answer.hpp"

namespace itlfleet::sim {
namespace {

identity_factory& factory() {
  return test::seeded_factory("phone-ctl-test");
}

/// A cluster in mixed mode and the oracle a fleet would share.
struct world {
  file_store files;
  cluster c;
  trust_oracle oracle{files};
  phone_profile profile;

  explicit world(std::string_view version, std::size_t nodes = 1) : c(make(version, nodes)) {
    profile.request_ctl = true;
  }
  cluster make(std::string_view version, std::size_t nodes) {
    cluster_config cfg;
    cfg.version = cucm_version::parse(version).value();
    cfg.hold_timer = false;
    cfg.mixed_mode = true;
    cfg.nodes = {{"cucm-pub", true, true, true, true}};
    if (nodes > 1) cfg.nodes.push_back({"cucm-sub", false, true, true, true});
    auto r = cluster::create(cfg, factory(), files);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.err().to_string());
    return std::move(r.value());
  }
  phone_action feed(phone& p, phone_event e) { return handle(p, e, profile, oracle, 100); }
  phone_action file(phone& p, file_id f) {
    return feed(p, {phone_event_kind::file_received, f, {}});
  }
  /// A phone holding the cluster's CTL and node `n`'s ITL, as after a boot.
  phone holding(std::size_t n = 0) {
    phone p;
    p.ctl = c.served_ctl(n);
    p.installed = c.served_itl(n);
    p.state = phone_state::trusted;
    return p;
  }
  /// CallManager (and TVS, `tvs_too`) regenerated on node 0, then `utils
  /// ctl update CTLFile` and the TFTP restart that serves the new CTL.
  void regenerate_then_update_ctl(bool tvs_too) {
    ASSERT_TRUE(c.cert_regen(0, cert_purpose::callmanager, 600).ok);
    if (tvs_too) ASSERT_TRUE(c.cert_regen(0, cert_purpose::tvs, 605).ok);
    ASSERT_TRUE(c.ctl_update(0, 610).ok);
    ASSERT_TRUE(c.restart_tftp(0, 610).ok);
  }
  /// TVS's answer about the pending file, from node 0's TVS.
  tvs_result ask_tvs(const phone& p) { return test::tvs_answer(c, oracle, p); }
  /// Boots `p` against node `n`: CTL, ITL (TVS if asked), config (TVS if asked).
  void boot(phone& p, std::size_t n = 0) {
    phone_action a = feed(p, {phone_event_kind::boot, no_file, {}});
    ASSERT_EQ(a.kind, phone_action_kind::request_ctl);
    a = file(p, c.served_ctl(n));
    ASSERT_EQ(a.kind, phone_action_kind::request_itl);
    a = file(p, c.served_itl(n));
    if (a.kind == phone_action_kind::query_tvs)
      a = feed(p, {phone_event_kind::tvs_answer, no_file, ask_tvs(p)});
    ASSERT_EQ(a.kind, phone_action_kind::request_config);
    a = file(p, c.served_config(n));
    if (a.kind == phone_action_kind::query_tvs)
      a = feed(p, {phone_event_kind::tvs_answer, no_file, ask_tvs(p)});
    EXPECT_EQ(a.kind, phone_action_kind::none);
  }
};

TEST(PhoneCtl, a_phone_without_a_ctl_installs_the_first_one_on_faith_then_the_itl) {
  world w("11.5");
  phone p;
  phone_action a = w.feed(p, {phone_event_kind::boot, no_file, {}});
  ASSERT_EQ(a.kind, phone_action_kind::request_ctl) << "mixed mode: the CTL comes first";
  a = w.file(p, w.c.served_ctl(0));
  EXPECT_TRUE(a.installed_ctl);
  EXPECT_EQ(p.ctl, w.c.served_ctl(0));
  EXPECT_EQ(a.kind, phone_action_kind::request_itl);
  w.boot(p);
  EXPECT_EQ(p.state, phone_state::trusted);
  EXPECT_EQ(p.installed, w.c.served_itl(0));
  EXPECT_EQ(sizeof(phone), 32u) << "a million phones in 32 MB";
}

TEST(PhoneCtl, a_cluster_not_serving_a_ctl_answers_not_found_and_the_phone_carries_on) {
  world w("11.5");
  phone p;
  ASSERT_EQ(w.feed(p, {phone_event_kind::boot, no_file, {}}).kind, phone_action_kind::request_ctl);
  w.feed(p, {phone_event_kind::file_missing, no_file, {}});  // CTLSEP<MAC>.tlv
  const phone_action a = w.feed(p, {phone_event_kind::file_missing, no_file, {}});  // CTLFile.tlv
  EXPECT_EQ(a.kind, phone_action_kind::request_itl);
  EXPECT_EQ(p.ctl, no_file);
  w.profile.request_ctl = false;
  phone q;
  EXPECT_EQ(w.feed(q, {phone_event_kind::boot, no_file, {}}).kind, phone_action_kind::request_itl)
      << "outside mixed mode a phone without CTL starts with the ITL, as before";
}

TEST(PhoneCtl, a_ctl_request_that_gets_no_answer_moves_to_the_next_tftp_server) {
  world w("11.5", 2);
  w.profile.tftp_servers = 2;
  w.profile.tftp_attempts = 2;
  phone p = w.holding(0);
  ASSERT_EQ(w.feed(p, {phone_event_kind::boot, no_file, {}}).kind, phone_action_kind::request_ctl);
  phone_action a = w.feed(p, {phone_event_kind::tftp_timeout, no_file, {}});
  ASSERT_EQ(a.kind, phone_action_kind::wait);
  a = w.feed(p, {phone_event_kind::timer, no_file, {}});
  EXPECT_EQ(a.kind, phone_action_kind::request_ctl) << "the same request again";
  a = w.feed(p, {phone_event_kind::tftp_refused, no_file, {}});
  EXPECT_EQ(a.kind, phone_action_kind::request_ctl);
  EXPECT_EQ(a.server, 1) << "then the backup TFTP server";
  a = w.file(p, w.c.served_ctl(1));
  EXPECT_EQ(a.kind, phone_action_kind::request_itl);
  EXPECT_EQ(a.server, 1) << "the ITL from the server that gave the CTL";
}

TEST(PhoneCtl, a_ctl_signed_by_a_regenerated_callmanager_key_gets_in_through_tvs) {
  // Cisco's tokenless-CTL guide: Security by Default phones install a CTL
  // signed by an updated CallManager certificate because they can use TVS.
  world w("11.5");
  phone p = w.holding();
  const file_id old_ctl = p.ctl;
  ASSERT_NO_FATAL_FAILURE(w.regenerate_then_update_ctl(false));
  ASSERT_NE(w.c.served_ctl(0), old_ctl);
  ASSERT_EQ(w.feed(p, {phone_event_kind::boot, no_file, {}}).kind, phone_action_kind::request_ctl);
  phone_action a = w.file(p, w.c.served_ctl(0));
  ASSERT_EQ(a.kind, phone_action_kind::query_tvs) << "its CTL does not list the new signer";
  a = w.feed(p, {phone_event_kind::tvs_answer, no_file, w.ask_tvs(p)});
  EXPECT_TRUE(a.installed_ctl);
  EXPECT_EQ(p.ctl, w.c.served_ctl(0));
  EXPECT_EQ(a.kind, phone_action_kind::request_itl);
  // The ITL signed by the new CallManager key: the new CTL lists it.
  a = w.file(p, w.c.served_itl(0));
  EXPECT_TRUE(a.installed_itl);
  a = w.file(p, w.c.served_config(0));
  EXPECT_EQ(p.state, phone_state::trusted);
  EXPECT_FALSE(p.ever_locked());
}

TEST(PhoneCtl, a_ctl_that_neither_its_ctl_nor_a_trusted_tvs_vouches_for_is_refused_and_locks) {
  // CallManager and TVS both regenerated: TVS now presents a certificate the
  // phone's ITL does not list, so nobody it trusts can vouch for the CTL.
  world w("11.5");
  phone p = w.holding();
  const file_id old_ctl = p.ctl;
  ASSERT_NO_FATAL_FAILURE(w.regenerate_then_update_ctl(true));
  ASSERT_NE(w.c.served_ctl(0), old_ctl);
  ASSERT_EQ(w.feed(p, {phone_event_kind::boot, no_file, {}}).kind, phone_action_kind::request_ctl);
  phone_action a = w.file(p, w.c.served_ctl(0));
  ASSERT_EQ(a.kind, phone_action_kind::query_tvs);
  a = w.feed(p, {phone_event_kind::tvs_answer, no_file, w.ask_tvs(p)});
  EXPECT_TRUE(a.ctl_rejected);
  EXPECT_FALSE(a.installed_ctl);
  EXPECT_EQ(p.ctl, old_ctl) << "a failed CTL update keeps the old CTL";
  EXPECT_EQ(a.kind, phone_action_kind::request_itl) << "the phone carries on with its boot";
  // The ITL (new CallManager key) is refused too: the old CTL does not list it.
  phone_action b = w.file(p, w.c.served_itl(0));
  EXPECT_EQ(b.kind, phone_action_kind::request_config);
  b = w.file(p, w.c.served_config(0));
  if (b.kind == phone_action_kind::query_tvs)
    b = w.feed(p, {phone_event_kind::tvs_answer, no_file, w.ask_tvs(p)});
  EXPECT_EQ(p.state, phone_state::locked);
  EXPECT_TRUE(p.flags & phone::ctl_rejected_flag);
  EXPECT_TRUE(p.ever_locked());
}

TEST(PhoneCtl, a_phone_with_a_ctl_but_no_itl_knows_no_tvs_and_refuses_a_foreign_ctl) {
  world w("11.5");
  phone p = w.holding();
  p.installed = no_file;
  ASSERT_NO_FATAL_FAILURE(w.regenerate_then_update_ctl(false));
  ASSERT_EQ(w.feed(p, {phone_event_kind::boot, no_file, {}}).kind, phone_action_kind::request_ctl);
  const phone_action a = w.file(p, w.c.served_ctl(0));
  EXPECT_TRUE(a.ctl_rejected) << "no ITL, so no TVS server to ask";
  EXPECT_EQ(a.kind, phone_action_kind::request_itl);
}

TEST(PhoneCtl, an_itl_signed_by_a_key_only_the_ctl_lists_is_accepted_without_tvs) {
  // The subscriber's ITL is signed by its own CallManager key: the
  // publisher's ITL does not list it, the CTL does (CCM+TFTP record).
  world w("11.5", 2);
  phone p = w.holding(0);
  ASSERT_EQ(w.feed(p, {phone_event_kind::boot, no_file, {}}).kind, phone_action_kind::request_ctl);
  ASSERT_EQ(w.file(p, w.c.served_ctl(1)).kind, phone_action_kind::request_itl);
  const phone_action a = w.file(p, w.c.served_itl(1));
  EXPECT_TRUE(a.installed_itl);
  EXPECT_EQ(a.kind, phone_action_kind::request_config) << "the CTL vouched: no TVS query";
  // The same phone without its CTL must ask TVS: the CTL made the difference.
  phone q = w.holding(0);
  q.ctl = no_file;
  w.profile.request_ctl = false;
  ASSERT_EQ(w.feed(q, {phone_event_kind::boot, no_file, {}}).kind, phone_action_kind::request_itl);
  EXPECT_EQ(w.file(q, w.c.served_itl(1)).kind, phone_action_kind::query_tvs);
}

TEST(PhoneCtl, with_a_ctl_an_itl_only_tvs_vouches_for_is_refused_unless_the_cluster_allows_it) {
  world w("11.5");
  const file_id old_itl = w.c.served_itl(0);
  // CallManager regenerated and TFTP restarted, the CTL not updated: the new
  // ITL's signer is in TVS's trust store but in neither the CTL nor the ITL.
  ASSERT_TRUE(w.c.cert_regen(0, cert_purpose::callmanager, 600).ok);
  ASSERT_TRUE(w.c.restart_tftp(0, 600).ok);
  for (bool ctl_only : {true, false}) {
    SCOPED_TRACE(ctl_only ? "itl_check_with_ctl: ctl" : "itl_check_with_ctl: ctl-itl-tvs");
    w.profile.itl_via_ctl_only = ctl_only;
    phone p;
    p.ctl = w.c.served_ctl(0);
    p.installed = old_itl;
    w.boot(p);
    EXPECT_EQ(p.state, ctl_only ? phone_state::locked : phone_state::trusted);
    EXPECT_EQ(p.installed == w.c.served_itl(0), !ctl_only);
    EXPECT_FALSE(p.flags & phone::ctl_rejected_flag) << "the CTL itself was unchanged";
  }
}

TEST(PhoneCtl, a_reset_itl_is_accepted_through_the_12_x_ctl_itlrecovery_entry_but_not_on_11_x) {
  for (const char* version : {"12.5", "11.5"}) {
    SCOPED_TRACE(version);
    world w(version);
    phone p = w.holding();
    ASSERT_TRUE(w.files.get(p.installed).has_recovery_record);
    ASSERT_TRUE(w.c.itl_reset_localkey(0, 900).ok);
    const bool v12 = std::string_view(version) == "12.5";
    w.boot(p);
    EXPECT_EQ(p.state, v12 ? phone_state::trusted : phone_state::locked)
        << "11.x: the installed ITL lists ITLRecovery, but the CTL decides";
  }
}

TEST(PhoneCtl, a_ctl_where_the_itl_was_asked_and_an_itl_where_the_ctl_was_are_refused) {
  world w("12.5");
  phone p;  // nothing installed: even faith takes only the file it asked for
  ASSERT_EQ(w.feed(p, {phone_event_kind::boot, no_file, {}}).kind, phone_action_kind::request_ctl);
  phone_action a = w.file(p, w.c.served_itl(0));
  EXPECT_TRUE(a.ctl_rejected) << "an ITL is not a CTL, though the format is the same";
  EXPECT_EQ(p.ctl, no_file);
  ASSERT_EQ(a.kind, phone_action_kind::request_itl);
  a = w.file(p, w.c.served_ctl(0));
  EXPECT_FALSE(a.installed_itl) << "a CTL is not an ITL";
  EXPECT_EQ(p.installed, no_file);
  // A phone holding the ITL, whose CallManager record signed the CTL, and no CTL.
  phone q = w.holding();
  q.ctl = no_file;
  w.profile.request_ctl = false;
  ASSERT_EQ(w.feed(q, {phone_event_kind::boot, no_file, {}}).kind, phone_action_kind::request_itl);
  const file_id itl = q.installed;
  EXPECT_FALSE(w.file(q, w.c.served_ctl(0)).installed_itl);
  EXPECT_EQ(q.installed, itl);
  EXPECT_TRUE(q.flags & phone::itl_rejected_flag) << "Trust List Update Failed";
}

}  // namespace
}  // namespace itlfleet::sim
