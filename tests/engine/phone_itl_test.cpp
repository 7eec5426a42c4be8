// What a phone does with the ITLs of an upgrade, of "Prepare Cluster for
// Rollback to pre-8.0" and with an ITL too large to load, against real
// clusters and real files; then the same through whole virtual runs.

#include <gtest/gtest.h>

#include <mutex>
#include <optional>
#include <string>

#include "itlfleet/engine/virtual_engine.hpp"
#include "itlfleet/sim/cluster.hpp"
#include "itlfleet/sim/phone.hpp"
#include "one_key_store.hpp"
#include "plan_fixture.hpp"
#include "tvs_answer.hpp"

namespace itlfleet::sim {
namespace {

using namespace std::chrono_literals;

struct world {
  identity_factory factory;
  file_store files;
  cluster c;
  trust_oracle oracle{files};
  phone_profile profile;

  explicit world(std::string_view version = "10.5", const char* seed = "phone-itl-test")
      : factory([&] {
          pki_options o;
          o.seed = seed;
          return o;
        }()),
        c(make(version)) {}
  cluster make(std::string_view version) {
    cluster_config cfg;
    cfg.version = *cucm_version::parse(version);
    cfg.nodes = {{"cucm-pub", true, true, true, true}};
    cfg.hold_timer = false;
    auto r = cluster::create(cfg, factory, files);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.err().to_string());
    return std::move(r.value());
  }
  phone_action feed(phone& p, phone_event e) { return handle(p, e, profile, oracle, 100); }
  phone_action file(phone& p, file_id f) {
    return feed(p, {phone_event_kind::file_received, f, {}});
  }
  /// TVS as the engine asks it: this cluster's TVS, its trust store.
  tvs_result ask_tvs(const phone& p) { return test::tvs_answer(c, oracle, p); }
  /// One boot against `itl` and `config` (TVS answered when asked).
  void boot(phone& p, file_id itl, file_id config) {
    auto a = feed(p, {phone_event_kind::boot, no_file, {}});
    ASSERT_EQ(a.kind, phone_action_kind::request_itl);
    a = file(p, itl);
    if (a.kind == phone_action_kind::query_tvs)
      a = feed(p, {phone_event_kind::tvs_answer, no_file, ask_tvs(p)});
    ASSERT_EQ(a.kind, phone_action_kind::request_config);
    a = file(p, config);
    if (a.kind == phone_action_kind::query_tvs)
      a = feed(p, {phone_event_kind::tvs_answer, no_file, ask_tvs(p)});
    EXPECT_EQ(a.kind, phone_action_kind::none);
  }
  void boot(phone& p) { boot(p, c.served_itl(0), c.served_config(0)); }
  /// CallManager and TVS regenerated back to back, TFTP (and TVS) restarted after each.
  void double_regeneration(std::int64_t t) {
    ASSERT_TRUE(c.cert_regen(0, cert_purpose::callmanager, t).ok);
    ASSERT_TRUE(c.restart_tftp(0, t).ok);
    ASSERT_TRUE(c.cert_regen(0, cert_purpose::tvs, t + 10).ok);
    ASSERT_TRUE(c.restart_tvs(0).ok);
    ASSERT_TRUE(c.restart_tftp(0, t + 10).ok);
  }
};

// --- upgrade -------------------------------------------------------------------

TEST(PhoneUpgrade, a_pre_10_itl_takes_the_10_x_itl_by_its_callmanager_signer) {
  world w("9.1");
  phone p;
  p.installed = w.c.served_itl(0);
  ASSERT_FALSE(w.files.get(p.installed).has_recovery_record);
  ASSERT_TRUE(w.c.upgrade(*cucm_version::parse("10.5"), 100).ok);
  const auto a = w.feed(p, {phone_event_kind::boot, no_file, {}});
  ASSERT_EQ(a.kind, phone_action_kind::request_itl);
  EXPECT_EQ(w.file(p, w.c.served_itl(0)).kind, phone_action_kind::request_config)
      << "no TVS needed: the signer is in the old ITL";
  EXPECT_EQ(w.file(p, w.c.served_config(0)).kind, phone_action_kind::none);
  EXPECT_EQ(p.state, phone_state::trusted);
  EXPECT_TRUE(w.files.get(p.installed).has_recovery_record);
}

TEST(PhoneUpgrade, a_pre_10_itl_takes_the_12_x_itl_through_tvs) {
  world w("9.1");
  phone p;
  p.installed = w.c.served_itl(0);
  ASSERT_TRUE(w.c.upgrade(*cucm_version::parse("12.5"), 100).ok);
  w.feed(p, {phone_event_kind::boot, no_file, {}});
  EXPECT_EQ(w.file(p, w.c.served_itl(0)).kind, phone_action_kind::query_tvs);
  EXPECT_EQ(w.feed(p, {phone_event_kind::tvs_answer, no_file, w.ask_tvs(p)}).kind,
            phone_action_kind::request_config);
  w.file(p, w.c.served_config(0));
  EXPECT_EQ(p.state, phone_state::trusted);
  EXPECT_EQ(p.installed, w.c.served_itl(0));
}

// --- Prepare Cluster for Rollback to pre-8.0 ---------------------------------

TEST(PhoneRollback, takes_the_empty_itl_then_survives_a_double_regeneration) {
  world w;
  phone took_it, was_off;
  took_it.installed = was_off.installed = w.c.served_itl(0);
  ASSERT_TRUE(w.c.set_rollback_pre8(true, 50).ok);
  w.boot(took_it);
  ASSERT_EQ(took_it.state, phone_state::trusted);
  ASSERT_TRUE(w.files.get(took_it.installed).rollback_itl);

  w.double_regeneration(100);
  // The ITL now comes from a CallManager key and a TVS the empty ITL does
  // not know: taken on faith, no TVS asked.
  auto a = w.feed(took_it, {phone_event_kind::boot, no_file, {}});
  a = w.file(took_it, w.c.served_itl(0));
  EXPECT_EQ(a.kind, phone_action_kind::request_config);
  EXPECT_TRUE(a.installed_itl);
  w.file(took_it, w.c.served_config(0));
  EXPECT_EQ(took_it.state, phone_state::trusted);
  EXPECT_FALSE(took_it.ever_locked());

  // The phone that was off still holds the normal ITL: locked.
  w.boot(was_off);
  EXPECT_EQ(was_off.state, phone_state::locked);

  // False again: the normal ITL is taken on faith too, and trust is normal from then on.
  ASSERT_TRUE(w.c.set_rollback_pre8(false, 200).ok);
  w.boot(took_it);
  EXPECT_EQ(took_it.state, phone_state::trusted);
  EXPECT_FALSE(w.files.get(took_it.installed).rollback_itl);
  EXPECT_EQ(took_it.installed, w.c.served_itl(0));
}

TEST(PhoneRollback, accepts_a_foreign_itl_and_a_config_signed_by_an_unknown_key) {
  world w;
  world foreign("10.5", "another-cluster");
  file_store& files = w.files;
  const file_id normal_itl = w.c.served_itl(0);
  const identity rogue = foreign.factory.make(cert_purpose::callmanager, "rogue.example.lab");
  build_options o;
  o.filename = "SEP001E7A000000.cnf.xml.sgn";
  const file_id rogue_config = files.intern(build_signed_file(as_bytes("<device/>"), rogue, o));

  // Holding the normal ITL, the rogue config is rejected (TVS: invalid).
  phone normal;
  normal.installed = normal_itl;
  w.feed(normal, {phone_event_kind::boot, no_file, {}});
  w.file(normal, normal_itl);
  ASSERT_EQ(w.file(normal, rogue_config).kind, phone_action_kind::query_tvs);
  const phone_action rejected =
      w.feed(normal, {phone_event_kind::tvs_answer, no_file, w.ask_tvs(normal)});
  EXPECT_TRUE(rejected.config_rejected);
  EXPECT_EQ(normal.state, phone_state::config_rejected);

  // Holding the empty ITL, it is accepted without asking anyone.
  ASSERT_TRUE(w.c.set_rollback_pre8(true, 50).ok);
  phone p;
  p.installed = normal_itl;
  w.boot(p);
  ASSERT_TRUE(files.get(p.installed).rollback_itl);
  const file_id empty = p.installed;
  w.feed(p, {phone_event_kind::boot, no_file, {}});
  EXPECT_EQ(w.file(p, empty).kind, phone_action_kind::request_config);
  phone_action a = w.file(p, rogue_config);
  EXPECT_EQ(a.kind, phone_action_kind::none);
  EXPECT_FALSE(a.config_rejected);
  EXPECT_EQ(p.state, phone_state::trusted);

  // Another cluster's ITL (the sanctioned way to move phones): on faith.
  const file_id moved = files.intern(foreign.files.get(foreign.c.served_itl(0)).parsed);
  w.feed(p, {phone_event_kind::boot, no_file, {}});
  a = w.file(p, moved);
  EXPECT_TRUE(a.installed_itl);
  EXPECT_EQ(p.installed, moved);
  // From then on it trusts as that cluster's phones do: our rogue config is refused.
  EXPECT_EQ(w.file(p, rogue_config).kind, phone_action_kind::query_tvs);
}

// --- ITL too large ---------------------------------------------------------------

using test::one_key_store;

/// A 10.5 cluster of `tvs_nodes` TVS nodes at 2048 bits; only the publisher
/// runs TFTP. All clusters share one store, so one phone can meet them all.
struct big_clusters {
  identity_factory factory{[] {
    pki_options o;
    o.seed = "itl-size";
    o.key_bits = 2048;
    o.cache = std::make_shared<one_key_store>();
    return o;
  }()};
  file_store files;
  std::vector<cluster> built;

  /// The publisher's ITL and config of a cluster of `n` nodes.
  std::pair<file_id, file_id> make(std::size_t n) {
    cluster_config cfg;
    cfg.version = *cucm_version::parse("10.5");
    for (std::size_t i = 0; i < n; ++i)
      cfg.nodes.push_back({"n" + std::to_string(i), i == 0, i == 0, true, true});
    auto r = cluster::create(cfg, factory, files);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.err().to_string());
    built.push_back(std::move(r.value()));
    return {built.back().served_itl(0), built.back().served_config(0)};
  }
  std::size_t size(file_id f) const { return files.get(f).raw.size(); }
};

TEST(PhoneItlSize, an_itl_over_64_kb_is_refused_and_one_just_under_is_taken) {
  big_clusters b;
  const std::size_t limit = phone_profile{}.max_itl_bytes;
  ASSERT_EQ(limit, 65535u);
  // Find the node count where the served ITL crosses 64 KB, from the real files.
  const std::size_t one = b.size(b.make(1).first), two = b.size(b.make(2).first);
  const std::size_t per_node = two - one;
  ASSERT_GT(per_node, 500u);
  std::size_t n = (limit - one) / per_node + 1;
  while (b.size(b.make(n).first) <= limit) ++n;
  while (n > 2 && b.size(b.make(n - 1).first) > limit) --n;
  const auto [over, over_config] = b.make(n);
  const auto [under, under_config] = b.make(n - 1);
  ASSERT_GT(b.size(over), limit);
  ASSERT_LE(b.size(under), limit);
  EXPECT_GT(n, 64u) << "the scenario limit of 64 nodes keeps every ITL loadable";
  ::testing::Test::RecordProperty("tvs_nodes_over_64kb", static_cast<int>(n));
  ::testing::Test::RecordProperty("itl_bytes_over", static_cast<int>(b.size(over)));
  ::testing::Test::RecordProperty("itl_bytes_under", static_cast<int>(b.size(under)));

  trust_oracle oracle(b.files);
  phone_profile profile;
  const auto boot = [&](phone& p, file_id itl, file_id config) {
    handle(p, {phone_event_kind::boot, no_file, {}}, profile, oracle, 0);
    const phone_action a =
        handle(p, {phone_event_kind::file_received, itl, {}}, profile, oracle, 0);
    EXPECT_EQ(a.kind, phone_action_kind::request_config);
    handle(p, {phone_event_kind::file_received, config, {}}, profile, oracle, 0);
  };

  // Just under: a new phone takes it on faith.
  phone fresh;
  boot(fresh, under, under_config);
  EXPECT_EQ(fresh.installed, under);
  EXPECT_EQ(fresh.state, phone_state::trusted);

  // Over: not even on faith; a new phone stays without ITL and locks.
  phone fresh2;
  boot(fresh2, over, over_config);
  EXPECT_EQ(fresh2.installed, no_file);
  EXPECT_EQ(fresh2.state, phone_state::locked);
  EXPECT_TRUE(fresh2.ever_locked());

  // Over, signed by a key its ITL trusts: keeps the old ITL, locked.
  boot(fresh, over, over_config);
  EXPECT_EQ(fresh.installed, under);
  EXPECT_EQ(fresh.state, phone_state::locked);

  // The limit is a setting: one byte below the file's size refuses it.
  profile.max_itl_bytes = static_cast<std::uint32_t>(b.size(under) - 1);
  phone fresh3;
  boot(fresh3, under, under_config);
  EXPECT_EQ(fresh3.installed, no_file);
  EXPECT_EQ(fresh3.state, phone_state::locked);
}

}  // namespace
}  // namespace itlfleet::sim

// --- whole runs ---------------------------------------------------------------------

namespace itlfleet::engine {
namespace {

using namespace std::chrono_literals;

std::uint64_t count(const metrics::snapshot& s, sim::phone_state st) {
  return s.fleet.state(st);
}

TEST(RunUpgrade, every_registered_phone_reboots_even_without_auto_reset) {
  run_plan p = test::single_node_plan(200);
  p.cluster.version = {11, 5};  // 11.5 to 12.5: every ITL changes its signer
  p.cluster.auto_reset = false;
  p.fleet.push_back(p.fleet[0]);
  p.fleet[1].name = "off";
  p.fleet[1].count = 50;
  action on = test::at(0s, action_kind::boot_all);
  on.group = 0;  // desk
  action later = test::at(20min, action_kind::boot_all);
  later.group = 1;  // off
  p.timeline = {on, test::at(10min, action_kind::upgrade_cluster, plan::target_release{{12, 5}}),
                later};
  auto r = run_virtual(p);
  ASSERT_TRUE(r.ok()) << r.err().to_string();
  EXPECT_EQ(count(r->final_state, sim::phone_state::trusted), 250u);
  EXPECT_EQ(r->final_state.events.refused_commands, 0u);
  // 200 phones took the ITLRecovery-signed ITL at the reboot, 50 at power-on.
  EXPECT_EQ(r->final_state.events.itl_installs_recovery, 250u);
  EXPECT_NE(r->event_log.find("200 registered phones re-register"), std::string::npos);
}

TEST(RunUpgrade, a_plan_with_a_bad_or_backward_upgrade_is_refused_before_running) {
  run_plan p = test::single_node_plan(10);
  // An upgrade without a release (its arguments are not the verb's).
  p.timeline = {test::at(1min, action_kind::upgrade_cluster)};
  auto r = run_virtual(p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.err().message.find("its arguments are not those of its verb"), std::string::npos)
      << r.err().message;
  p.timeline = {test::at(1min, action_kind::upgrade_cluster, plan::target_release{{9, 1}})};
  r = run_virtual(p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.err().message.find("the cluster already runs 10.0; expected a later release"),
            std::string::npos)
      << r.err().message;
  p.phone.max_itl_bytes = 100;
  p.timeline.clear();
  r = run_virtual(p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.err().message.find("phone.max_itl_bytes is 100; expected 1024 to 65535"),
            std::string::npos)
      << r.err().message;
}

TEST(RunUpgrade, itlrecovery_names_are_checked_as_they_are_at_the_upgrade) {
  // ITLRECOVERY_ + 41 + ".example.lab" = 65 bytes, one too many; on 9.1 the
  // node's own certificates (53 bytes) are fine.
  run_plan p = test::single_node_plan(10);
  p.cluster.version = {9, 1};
  p.cluster.nodes[0].host = std::string(41, 'h');
  p.fleet[0].tftp = {p.cluster.nodes[0].host};
  p.timeline = {test::at(2min, action_kind::upgrade_cluster, plan::target_release{{10, 0}})};
  auto r = run_virtual(p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.err().message.find("timeline.upgrade: certificate name 'ITLRECOVERY_hhh"),
            std::string::npos)
      << r.err().message;
  // Renamed to a short name first: the certificate made at the upgrade fits.
  p.timeline.insert(p.timeline.begin(),
                    test::at(1min, action_kind::rename_publisher, plan::new_host_name{"pub"}, 0));
  r = run_virtual(p);
  ASSERT_TRUE(r.ok()) << r.err().to_string();
  EXPECT_EQ(r->final_state.events.refused_commands, 0u);
}

TEST(RunItlSize, an_itl_over_the_phones_limit_locks_the_fleet_and_warns) {
  run_plan p = test::single_node_plan(100);
  p.phone.max_itl_bytes = 1024;  // any real ITL is larger
  p.fleet[0].itl = installed_itl::none;
  p.timeline = {test::at(0s, action_kind::boot_all)};
  auto r = run_virtual(p);
  ASSERT_TRUE(r.ok()) << r.err().to_string();
  EXPECT_EQ(count(r->final_state, sim::phone_state::locked), 100u);
  EXPECT_EQ(r->final_state.events.itl_installs_callmanager, 0u);
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_NE(r->warnings[0].find("cucm-pub serves an ITL of "), std::string::npos) << r->warnings[0];
  EXPECT_NE(r->warnings[0].find("over the 1024 bytes a phone loads"), std::string::npos);
  EXPECT_NE(r->event_log.find("WARNING: cucm-pub serves an ITL"), std::string::npos);

  // At the default limit nothing warns and the fleet trusts.
  p.phone.max_itl_bytes = 65535;
  r = run_virtual(p);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->warnings.empty());
  EXPECT_EQ(count(r->final_state, sim::phone_state::trusted), 100u);
}

}  // namespace
}  // namespace itlfleet::engine
