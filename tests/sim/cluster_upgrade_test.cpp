// The upgrade to 10.x and later as a timeline event, and the enterprise
// parameter "Prepare Cluster for Rollback to pre-8.0": what every TFTP node
// serves before and after, who signs it, which old ITLs still trust it, and
// the refusals.

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "../common/seeded_factory.hpp"
#include "itlfleet/sim/cluster.hpp"
#include "itlfleet/sim/rollback_itl.hpp"
#include "itlfleet/sim/verify.hpp"

namespace itlfleet::sim {
namespace {

identity_factory& factory() {
  return test::seeded_factory("cluster_upgrade_test");
}

cluster_config two_nodes(std::string_view version) {
  cluster_config c;
  c.version = cucm_version::parse(version).value();
  c.domain = "joemar2.lab";
  c.nodes = {{"pub", true, true, true, true}, {"sub", false, true, true, true}};
  return c;
}

cluster make(file_store& files, std::string_view version) {
  auto c = cluster::create(two_nodes(version), factory(), files);
  if (!c) ADD_FAILURE() << c.err().message;
  return std::move(c).value();
}

cucm_version v(std::string_view text) {
  return cucm_version::parse(text).value();
}

const trust_file& parsed(const file_store& files, file_id id) {
  return files.get(id).parsed;
}

std::string signer(const file_store& files, file_id id) {
  return text_of(parsed(files, id).header.signer.name);
}

std::vector<std::uint16_t> roles(const trust_file& f) {
  std::vector<std::uint16_t> out;
  for (const record& r : f.records) out.push_back(r.function().value_or(0xFFFF));
  return out;
}

bool starts_with(const std::string& s, std::string_view prefix) {
  return s.rfind(prefix, 0) == 0;
}

constexpr std::uint16_t sast = 0, tftp = 3, capf = 4, tvs = 21;

TEST(ClusterUpgrade, from_9_1_to_10_5_adds_itlrecovery_and_keeps_the_callmanager_signer) {
  file_store files;
  cluster c = make(files, "9.1");
  const file_id before_pub = c.served_itl(0), before_sub = c.served_itl(1);
  ASSERT_EQ(roles(parsed(files, before_pub)),
            (std::vector<std::uint16_t>{sast, tftp, capf, tvs, tvs}));
  EXPECT_FALSE(c.daily_backup_alert());
  EXPECT_FALSE(c.itl_reset_localkey(0, 10).ok);

  const command_output out = c.upgrade(v("10.5"), 100);
  ASSERT_TRUE(out.ok) << out.text;
  EXPECT_TRUE(out.resets_devices);
  EXPECT_EQ(out.itl_changed, (std::vector<std::size_t>{0, 1}));
  EXPECT_NE(out.text.find("CN=ITLRECOVERY_pub.joemar2.lab"), std::string::npos) << out.text;
  EXPECT_EQ(c.config().version, v("10.5"));

  for (std::size_t node : {0u, 1u}) {
    const trust_file& itl = parsed(files, c.served_itl(node));
    EXPECT_EQ(roles(itl), (std::vector<std::uint16_t>{sast, tftp, capf, tvs, sast, tvs}));
    EXPECT_TRUE(starts_with(itl.records[4].subject(), "CN=ITLRECOVERY_pub.joemar2.lab;"));
    EXPECT_TRUE(files.get(c.served_itl(node)).has_recovery_record);
  }
  // Same CallManager key: a phone holding its pre-10 ITL installs the new one.
  EXPECT_TRUE(starts_with(signer(files, c.served_itl(0)), "CN=pub.joemar2.lab;"));
  EXPECT_TRUE(verify_with(parsed(files, c.served_itl(0)), parsed(files, before_pub)).ok());
  EXPECT_TRUE(verify_with(parsed(files, c.served_itl(1)), parsed(files, before_sub)).ok());

  // The ITL a 10.5 installation serves, record for record.
  file_store fresh_files;
  cluster fresh = make(fresh_files, "10.5");
  EXPECT_EQ(parsed(files, c.served_itl(0)).records,
            parsed(fresh_files, fresh.served_itl(0)).records);

  // 10.0 features now: the bulk reset, the backup alert, TVS vouching for ITLRecovery.
  EXPECT_TRUE(c.daily_backup_alert());
  EXPECT_TRUE(c.tvs_vouches_for(c.node_identity(0, cert_purpose::itlrecovery).cert));
  EXPECT_TRUE(c.itl_reset_localkey(0, 200).ok);
}

TEST(ClusterUpgrade, the_hold_timer_applies_from_the_upgrade_on) {
  file_store files;
  cluster c = make(files, "9.1");
  // 9.1 has no hold timer: back-to-back regenerations are taken.
  EXPECT_TRUE(c.cert_regen(0, cert_purpose::callmanager, 0).ok);
  EXPECT_TRUE(c.cert_regen(0, cert_purpose::tvs, 10).ok);
  ASSERT_TRUE(c.upgrade(v("10.0"), 1000).ok);
  EXPECT_TRUE(c.cert_regen(0, cert_purpose::callmanager, 2000).ok);
  const command_output refused = c.cert_regen(0, cert_purpose::tvs, 2010);
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(refused.text,
            "CallManager certificate was modified in the last 5 minutes. Please re-try "
            "regenerating TVS certificate at a later time");
}

TEST(ClusterUpgrade, to_12_the_itl_is_signed_by_itlrecovery_which_tvs_vouches_for) {
  file_store files;
  cluster c = make(files, "9.1");
  const file_id old = c.served_itl(0);
  ASSERT_TRUE(c.upgrade(v("12.5"), 100).ok);
  const trust_file& itl = parsed(files, c.served_itl(0));
  EXPECT_TRUE(starts_with(signer(files, c.served_itl(0)), "CN=ITLRECOVERY_pub.joemar2.lab;"));
  EXPECT_TRUE(verify_with(itl, itl).ok());
  // A pre-10 ITL does not hold the new signer: the phone needs TVS, whose
  // certificate is unchanged and which vouches for the ITLRecovery key.
  EXPECT_FALSE(verify_with(itl, parsed(files, old)).ok());
  const auto vouched = c.tvs_lookup(itl.header.signer);
  ASSERT_TRUE(vouched);
  EXPECT_TRUE(verify_signature(itl, vouched->public_key()));
}

TEST(ClusterUpgrade, from_10_5_to_12_5_an_itl_with_itlrecovery_trusts_the_new_signer) {
  file_store files;
  cluster c = make(files, "10.5");
  const file_id old = c.served_itl(1);
  const command_output out = c.upgrade(v("12.5"), 100);
  ASSERT_TRUE(out.ok);
  EXPECT_EQ(out.text.find("Created the ITLRecovery"), std::string::npos) << "it existed already";
  EXPECT_TRUE(verify_with(parsed(files, c.served_itl(1)), parsed(files, old)).ok());
  // 10.5 to 11.5 changes nothing a phone sees: same ITL file.
  file_store files2;
  cluster c2 = make(files2, "10.5");
  const file_id same = c2.served_itl(0);
  const command_output minor = c2.upgrade(v("11.5"), 100);
  EXPECT_TRUE(minor.ok);
  EXPECT_TRUE(minor.itl_changed.empty());
  EXPECT_TRUE(minor.resets_devices);
  EXPECT_EQ(c2.served_itl(0), same);
}

TEST(ClusterUpgrade, same_release_and_downgrades_are_refused_and_change_nothing) {
  file_store files;
  cluster c = make(files, "10.5");
  const file_id itl = c.served_itl(0);
  const std::size_t stored = files.size();
  command_output out = c.upgrade(v("10.5(2)"), 10);
  EXPECT_FALSE(out.ok);
  EXPECT_EQ(out.text,
            "Upgrade refused: the cluster already runs 10.5; an upgrade needs a later "
            "release");
  out = c.upgrade(v("9.1"), 10);
  EXPECT_FALSE(out.ok);
  EXPECT_EQ(out.text.rfind("Upgrade refused: 9.1 is older than the running 10.5", 0), 0u)
      << out.text;
  EXPECT_FALSE(out.resets_devices);
  EXPECT_TRUE(out.itl_changed.empty());
  EXPECT_EQ(c.config().version, v("10.5"));
  EXPECT_EQ(c.served_itl(0), itl);
  EXPECT_EQ(files.size(), stored);
}

TEST(ClusterUpgrade, itlrecovery_is_named_after_the_publisher_at_the_upgrade) {
  file_store files;
  cluster c = make(files, "9.1");
  ASSERT_TRUE(c.rename_publisher("newpub", 10).ok);
  ASSERT_TRUE(c.upgrade(v("10.0"), 20).ok);
  const trust_file& itl = parsed(files, c.served_itl(0));
  EXPECT_TRUE(starts_with(itl.records[4].subject(), "CN=ITLRECOVERY_newpub.joemar2.lab;"))
      << itl.records[4].subject();
}

// --- Prepare Cluster for Rollback to pre-8.0 ---------------------------------

TEST(RollbackPre8, every_tftp_node_serves_an_itl_without_tftp_and_tvs_records) {
  file_store files;
  cluster c = make(files, "10.5");
  const file_id normal_pub = c.served_itl(0), normal_sub = c.served_itl(1);
  const file_id config = c.served_config(0);
  EXPECT_FALSE(files.get(normal_pub).rollback_itl);

  const command_output out = c.set_rollback_pre8(true, 100);
  ASSERT_TRUE(out.ok);
  EXPECT_TRUE(c.rollback_pre8());
  EXPECT_FALSE(out.resets_devices) << "the administrator resets the devices";
  EXPECT_EQ(out.itl_changed, (std::vector<std::size_t>{0, 1}));
  for (std::size_t node : {0u, 1u}) {
    const stored_file& f = files.get(c.served_itl(node));
    // The node's CallManager as SAST, the publisher's CAPF and ITLRecovery.
    EXPECT_EQ(roles(f.parsed), (std::vector<std::uint16_t>{sast, capf, sast}));
    EXPECT_TRUE(f.rollback_itl);
    EXPECT_TRUE(is_rollback_itl(f.parsed));
    EXPECT_TRUE(f.tvs_hashes.empty());
    EXPECT_TRUE(f.has_recovery_record);
  }
  // Signed by the node's CallManager key: phones holding the normal ITL take it.
  EXPECT_TRUE(starts_with(signer(files, c.served_itl(0)), "CN=pub.joemar2.lab;"));
  EXPECT_TRUE(verify_with(parsed(files, c.served_itl(0)), parsed(files, normal_pub)).ok());
  EXPECT_TRUE(verify_with(parsed(files, c.served_itl(1)), parsed(files, normal_sub)).ok());
  EXPECT_EQ(c.served_config(0), config);

  // Setting it again changes nothing.
  const command_output again = c.set_rollback_pre8(true, 110);
  EXPECT_TRUE(again.ok);
  EXPECT_TRUE(again.itl_changed.empty());

  // It survives regenerations and restarts: the rebuilt ITL is a rollback one.
  ASSERT_TRUE(c.cert_regen(0, cert_purpose::callmanager, 200).ok);
  ASSERT_TRUE(c.restart_tftp(0, 200).ok);
  EXPECT_TRUE(files.get(c.served_itl(0)).rollback_itl);

  // False: the normal ITL (with the new CallManager), signed as before.
  const command_output off = c.set_rollback_pre8(false, 300);
  EXPECT_TRUE(off.ok);
  EXPECT_EQ(off.itl_changed, (std::vector<std::size_t>{0, 1}));
  const trust_file& normal = parsed(files, c.served_itl(0));
  EXPECT_EQ(roles(normal), (std::vector<std::uint16_t>{sast, tftp, capf, tvs, sast, tvs}));
  EXPECT_FALSE(files.get(c.served_itl(0)).rollback_itl);
}

TEST(RollbackPre8, on_12_x_callmanager_signs_the_rollback_itl) {
  file_store files;
  cluster c = make(files, "12.5");
  ASSERT_TRUE(starts_with(signer(files, c.served_itl(0)), "CN=ITLRECOVERY_"));
  ASSERT_TRUE(c.set_rollback_pre8(true, 100).ok);
  EXPECT_TRUE(starts_with(signer(files, c.served_itl(0)), "CN=pub.joemar2.lab;"));
}

TEST(RollbackPre8, before_10_0_only_callmanager_and_capf_remain) {
  file_store files;
  cluster c = make(files, "9.1");
  ASSERT_TRUE(c.set_rollback_pre8(true, 100).ok);
  EXPECT_EQ(roles(parsed(files, c.served_itl(1))), (std::vector<std::uint16_t>{sast, capf}));
  EXPECT_FALSE(files.get(c.served_itl(1)).has_recovery_record);
}

}  // namespace
}  // namespace itlfleet::sim
