// The names a phone asks for: its own ITLSEP<MAC>.tlv, then, when the server
// has none, ITLFile.tlv from the same server, and only then its config
// without an ITL; the CTL step likewise (docs/model.md, "The phone").

#include <gtest/gtest.h>

#include "itlfleet/sim/cluster.hpp"
#include "itlfleet/sim/phone.hpp"
#include "itlfleet/sim/requested_name.hpp"

namespace itlfleet::sim {
namespace {

identity_factory& factory() {
  static identity_factory f([] {
    pki_options o;
    o.seed = "phone-fallback-test";
    return o;
  }());
  return f;
}

/// A mixed-mode cluster (it serves a CTL and an ITL) and a fleet's oracle.
struct world {
  file_store files;
  cluster c;
  trust_oracle oracle{files};
  phone_profile profile;

  world() : c(make()) {}
  static cluster make_in(file_store& files) {
    cluster_config cfg;
    cfg.version = cucm_version::parse("12.5").value();
    cfg.hold_timer = false;
    cfg.mixed_mode = true;
    cfg.nodes = {{"cucm-pub", true, true, true, true}};
    auto r = cluster::create(cfg, factory(), files);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.err().to_string());
    return std::move(r.value());
  }
  cluster make() { return make_in(files); }
  phone_action feed(phone& p, phone_event_kind k) {
    return handle(p, {k, no_file, {}}, profile, oracle, 100);
  }
  phone_action file(phone& p, file_id f) {
    return handle(p, {phone_event_kind::file_received, f, {}}, profile, oracle, 100);
  }
};

const std::string device = "SEP001E7A000001";

TEST(PhoneFallback, a_missing_itlsep_is_followed_by_itlfile_from_the_same_server_and_installed) {
  world w;
  phone p;
  phone_action a = w.feed(p, phone_event_kind::boot);
  ASSERT_EQ(a.kind, phone_action_kind::request_itl);
  EXPECT_EQ(requested_name(a, device), "ITLSEP001E7A000001.tlv");
  EXPECT_FALSE(a.fell_back);

  a = w.feed(p, phone_event_kind::file_missing);
  ASSERT_EQ(a.kind, phone_action_kind::request_itl) << "not on to the config yet";
  EXPECT_EQ(requested_name(a, device), "ITLFile.tlv");
  EXPECT_EQ(a.server, 0);
  EXPECT_TRUE(a.fell_back);

  a = w.file(p, w.c.served_itl(0));
  EXPECT_TRUE(a.installed_itl);
  ASSERT_EQ(a.kind, phone_action_kind::request_config);
  EXPECT_EQ(requested_name(a, device), "SEP001E7A000001.cnf.xml.sgn");
  a = w.file(p, w.c.served_config(0));
  EXPECT_EQ(p.state, phone_state::trusted);
  EXPECT_EQ(p.installed, w.c.served_itl(0));

  // The next boot asks for the device's own name first again.
  w.feed(p, phone_event_kind::reset);
  a = w.feed(p, phone_event_kind::boot);
  EXPECT_EQ(requested_name(a, device), "ITLSEP001E7A000001.tlv");
  EXPECT_EQ(sizeof(phone), 32u) << "a million phones in 32 MB";
}

TEST(PhoneFallback, both_itl_names_missing_means_no_itl_served_and_the_boot_carries_on) {
  world w;
  phone p;
  w.feed(p, phone_event_kind::boot);
  phone_action a = w.feed(p, phone_event_kind::file_missing);
  ASSERT_EQ(requested_name(a, device), "ITLFile.tlv");
  a = w.feed(p, phone_event_kind::file_missing);
  ASSERT_EQ(a.kind, phone_action_kind::request_config);
  EXPECT_FALSE(a.fell_back) << "one fallback per step";
  EXPECT_FALSE(a.common_name);
  a = w.file(p, w.c.served_config(0));
  EXPECT_EQ(p.state, phone_state::no_itl);
  EXPECT_EQ(p.installed, no_file);
}

TEST(PhoneFallback, a_refused_or_lost_itlfile_request_is_retried_as_the_first_one_was) {
  world w;
  w.profile.tftp_servers = 2;
  w.profile.tftp_attempts = 2;
  phone p;
  w.feed(p, phone_event_kind::boot);
  phone_action a = w.feed(p, phone_event_kind::file_missing);
  ASSERT_EQ(requested_name(a, device), "ITLFile.tlv");

  a = w.feed(p, phone_event_kind::tftp_refused);
  ASSERT_EQ(a.kind, phone_action_kind::wait);
  EXPECT_EQ(a.delay_us, w.profile.tftp_backoff_us) << "the same backoff";
  a = w.feed(p, phone_event_kind::timer);
  ASSERT_EQ(a.kind, phone_action_kind::request_itl);
  EXPECT_EQ(requested_name(a, device), "ITLFile.tlv") << "the same name again";
  EXPECT_EQ(a.server, 0);
  EXPECT_FALSE(a.fell_back) << "a retry is no new fallback";

  a = w.feed(p, phone_event_kind::tftp_timeout);
  ASSERT_EQ(a.kind, phone_action_kind::request_itl);
  EXPECT_EQ(a.server, 1) << "after tftp_attempts failures, the backup server";
  EXPECT_EQ(requested_name(a, device), "ITLSEP001E7A000001.tlv")
      << "another server is asked for the device's own file first";

  // Both servers fail: unreachable, and the retry starts a boot afresh.
  w.feed(p, phone_event_kind::tftp_timeout);
  w.feed(p, phone_event_kind::timer);
  a = w.feed(p, phone_event_kind::tftp_timeout);
  EXPECT_EQ(p.state, phone_state::unreachable);
  ASSERT_EQ(a.kind, phone_action_kind::wait);
  EXPECT_EQ(a.delay_us, w.profile.unreachable_retry_us);
  a = w.feed(p, phone_event_kind::timer);
  ASSERT_EQ(a.kind, phone_action_kind::request_itl);
  EXPECT_EQ(requested_name(a, device), "ITLSEP001E7A000001.tlv");
}

TEST(PhoneFallback, the_ctl_step_falls_back_from_ctlsep_to_ctlfile_then_asks_for_itlsep) {
  world w;
  w.profile.request_ctl = true;
  phone p;
  phone_action a = w.feed(p, phone_event_kind::boot);
  ASSERT_EQ(a.kind, phone_action_kind::request_ctl);
  EXPECT_EQ(requested_name(a, device), "CTLSEP001E7A000001.tlv");
  a = w.feed(p, phone_event_kind::file_missing);
  ASSERT_EQ(a.kind, phone_action_kind::request_ctl);
  EXPECT_EQ(requested_name(a, device), "CTLFile.tlv");
  EXPECT_TRUE(a.fell_back);
  a = w.file(p, w.c.served_ctl(0));
  EXPECT_TRUE(a.installed_ctl);
  ASSERT_EQ(a.kind, phone_action_kind::request_itl);
  EXPECT_EQ(requested_name(a, device), "ITLSEP001E7A000001.tlv")
      << "the ITL step starts with the device's own name";
  EXPECT_EQ(p.ctl, w.c.served_ctl(0));

  // CTLSEP and CTLFile both missing: no CTL served, on to the ITL.
  phone q;
  w.feed(q, phone_event_kind::boot);
  w.feed(q, phone_event_kind::file_missing);
  a = w.feed(q, phone_event_kind::file_missing);
  ASSERT_EQ(a.kind, phone_action_kind::request_itl);
  EXPECT_FALSE(a.common_name);
  EXPECT_EQ(q.ctl, no_file);
}

}  // namespace
}  // namespace itlfleet::sim
