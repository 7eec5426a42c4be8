// Mixed mode on the cluster: the tokenless CTL that `utils ctl` builds, who
// signs it, when the TFTP nodes serve it, and what CUCM refuses.

#include "itlfleet/sim/cluster_ctl.hpp"
#include "../common/seeded_factory.hpp"

#include <gtest/gtest.h>

#include "itlfleet/sim/cluster.hpp"
#include "itlfleet/sim/trust_oracle.hpp"
#include "itlfleet/sim/verify.hpp"

namespace itlfleet::sim {
namespace {

identity_factory& factory() {
  return test::seeded_factory("cluster_ctl_test");
}

cluster_config config(std::string_view version, bool mixed = false) {
  cluster_config c;
  c.version = cucm_version::parse(version).value();
  c.domain = "ctl.lab";
  c.hold_timer = false;
  c.mixed_mode = mixed;
  c.nodes = {{"pub", true, true, true, true}, {"sub", false, true, true, true}};
  return c;
}

cluster make(file_store& files, cluster_config cfg) {
  auto c = cluster::create(std::move(cfg), factory(), files);
  if (!c) ADD_FAILURE() << c.err().message;
  return std::move(c).value();
}

std::vector<std::uint16_t> roles(const trust_file& f) {
  std::vector<std::uint16_t> out;
  for (const record& r : f.records) out.push_back(r.function().value_or(0xFFFF));
  return out;
}

bool signed_by(const trust_file& f, const certificate& cert) {
  return f.header.signer.serial == cert.serial() && verify_signature(f, cert.public_key());
}

constexpr std::uint16_t sast = 0, ccm_tftp = 2, capf = 4;

TEST(ClusterCtl, set_mixed_mode_builds_a_ctl_that_parses_back_signed_by_the_callmanager_key) {
  file_store files;
  cluster c = make(files, config("11.5"));
  EXPECT_FALSE(c.mixed_mode());
  const command_output out = c.ctl_set_mixed_mode(c.publisher(), 60);
  ASSERT_TRUE(out.ok) << out.text;
  EXPECT_NE(out.text.find("Cluster set to Mixed Mode"), std::string::npos);
  EXPECT_TRUE(out.itl_changed.empty());
  EXPECT_FALSE(out.resets_devices);
  EXPECT_TRUE(c.mixed_mode());

  const stored_file& ctl = files.get(c.written_ctl());
  auto parsed = parse_trust_list(ctl.raw);
  ASSERT_TRUE(parsed.ok()) << parsed.err().to_string();
  EXPECT_EQ(serialise(*parsed), ctl.raw);
  EXPECT_EQ(text_of(parsed->header.filename), "CTLFile.tlv");
  // 11.5: the signer as SAST, both nodes' CallManager as CCM+TFTP, the CAPF;
  // no ITLRecovery (that comes with 12.0) and no TVS.
  EXPECT_EQ(roles(*parsed), (std::vector<std::uint16_t>{sast, ccm_tftp, ccm_tftp, capf}));
  const certificate& pub_cm = c.node_identity(c.publisher(), cert_purpose::callmanager).cert;
  EXPECT_TRUE(signed_by(*parsed, pub_cm));
  EXPECT_TRUE(verify_with(*parsed, *parsed).ok()) << "the CTL verifies with its own SAST record";
}

TEST(ClusterCtl, from_12_0_the_ctl_lists_the_itlrecovery_certificate_as_a_second_sast) {
  file_store files;
  cluster c = make(files, config("12.5", true));
  const trust_file& ctl = files.get(c.served_ctl(0)).parsed;
  EXPECT_EQ(roles(ctl), (std::vector<std::uint16_t>{sast, sast, ccm_tftp, ccm_tftp, capf}));
  EXPECT_TRUE(is_recovery_record(ctl.records[1]));
  EXPECT_TRUE(signed_by(ctl, c.node_identity(0, cert_purpose::callmanager).cert))
      << "tokenless: the CallManager key signs the CTL, also on 12.x";
}

TEST(ClusterCtl, tftp_nodes_serve_the_ctl_only_from_their_next_restart) {
  file_store files;
  cluster c = make(files, config("11.5"));
  ASSERT_TRUE(c.ctl_set_mixed_mode(0, 60).ok);
  EXPECT_EQ(c.served_ctl(0), no_file) << "written, not served until TFTP restarts";
  EXPECT_EQ(c.served_ctl(1), no_file);
  ASSERT_TRUE(c.restart_tftp(1, 70).ok);
  EXPECT_EQ(c.served_ctl(1), c.written_ctl());
  EXPECT_EQ(c.served_ctl(0), no_file);
  ASSERT_TRUE(c.restart_tftp(0, 70).ok);
  EXPECT_EQ(c.served_ctl(0), c.written_ctl());
}

TEST(ClusterCtl, a_cluster_started_in_mixed_mode_serves_its_ctl_on_every_tftp_node) {
  file_store files;
  cluster c = make(files, config("10.5", true));
  EXPECT_TRUE(c.mixed_mode());
  EXPECT_NE(c.served_ctl(0), no_file);
  EXPECT_EQ(c.served_ctl(0), c.served_ctl(1)) << "one CTL for the cluster, unlike the ITL";
}

TEST(ClusterCtl, commands_are_refused_on_a_subscriber_before_10_0_and_out_of_mixed_mode) {
  file_store files;
  cluster c = make(files, config("11.5"));
  command_output out = c.ctl_set_mixed_mode(1, 0);
  EXPECT_FALSE(out.ok);
  EXPECT_EQ(out.text, "This is not a Publisher Node");
  out = c.ctl_update(0, 0);
  EXPECT_FALSE(out.ok);
  EXPECT_NE(out.text.find("not in Mixed Mode"), std::string::npos) << out.text;
  EXPECT_FALSE(c.ctl_reset_localkey(0, 0).ok);
  EXPECT_FALSE(c.mixed_mode());
  EXPECT_EQ(c.written_ctl(), no_file);

  ASSERT_TRUE(c.ctl_set_mixed_mode(0, 0).ok);
  out = c.ctl_set_mixed_mode(0, 0);
  EXPECT_FALSE(out.ok);
  EXPECT_EQ(out.text, "The cluster is already in Mixed Mode");

  file_store old_files;
  cluster old = make(old_files, config("9.1"));
  out = old.ctl_set_mixed_mode(0, 0);
  EXPECT_FALSE(out.ok);
  EXPECT_NE(out.text.find("10.0(1)"), std::string::npos) << out.text;
  EXPECT_FALSE(cluster::create(config("9.1", true), factory(), old_files).ok())
      << "no tokenless CTL to start with before 10.0";
}

TEST(ClusterCtl, update_after_a_regeneration_is_signed_by_the_new_key_that_old_ctls_do_not_list) {
  file_store files;
  cluster c = make(files, config("11.5", true));
  trust_oracle oracle(files);
  const file_id old_ctl = c.served_ctl(0);
  ASSERT_TRUE(c.cert_regen(0, cert_purpose::callmanager, 600).ok);
  ASSERT_TRUE(c.ctl_update(0, 610).ok);
  ASSERT_TRUE(c.restart_tftp(0, 610).ok);
  const file_id new_ctl = c.served_ctl(0);
  ASSERT_NE(new_ctl, old_ctl);
  const certificate& new_cm = c.node_identity(0, cert_purpose::callmanager).cert;
  EXPECT_TRUE(signed_by(files.get(new_ctl).parsed, new_cm));
  EXPECT_FALSE(oracle.accepts_ctl(new_ctl, old_ctl));
  // Without a regeneration an update is signed by a key the old CTL lists.
  const file_id again = c.written_ctl();
  ASSERT_TRUE(c.ctl_update(0, 700).ok);
  EXPECT_NE(c.written_ctl(), again);
  EXPECT_TRUE(oracle.accepts_ctl(c.written_ctl(), new_ctl));
}

TEST(ClusterCtl, reset_localkey_re_signs_with_itlrecovery_which_only_12_x_ctls_list) {
  for (const char* version : {"12.5", "11.5"}) {
    SCOPED_TRACE(version);
    file_store files;
    cluster c = make(files, config(version, true));
    trust_oracle oracle(files);
    const file_id old_ctl = c.served_ctl(0);
    ASSERT_TRUE(c.cert_regen(0, cert_purpose::callmanager, 600).ok);
    ASSERT_TRUE(c.ctl_update(0, 610).ok);
    const command_output out = c.ctl_reset_localkey(0, 900);
    ASSERT_TRUE(out.ok) << out.text;
    EXPECT_EQ(c.served_ctl(0), old_ctl) << "served from the next TFTP restart";
    ASSERT_TRUE(c.itl_reset_localkey(0, 900).ok);
    const file_id reset = c.served_ctl(0);
    EXPECT_EQ(reset, c.written_ctl()) << "the bulk ITL reset restarts TFTP: the CTL goes out too";
    EXPECT_EQ(c.served_ctl(1), reset);
    const trust_file& f = files.get(reset).parsed;
    EXPECT_TRUE(signed_by(f, c.node_identity(0, cert_purpose::itlrecovery).cert));
    EXPECT_EQ(f.records, files.get(c.served_ctl(1)).parsed.records);
    EXPECT_EQ(oracle.accepts_ctl(reset, old_ctl), std::string_view(version) == "12.5");
  }
  file_store files;
  cluster c = make(files, config("12.5"));
  EXPECT_FALSE(c.ctl_reset_localkey(0, 0).ok) << "no CTL to reset outside mixed mode";
  ASSERT_TRUE(c.ctl_set_mixed_mode(0, 0).ok);
  EXPECT_EQ(c.ctl_reset_localkey(1, 0).text, "This is not a Publisher Node");
}

TEST(ClusterCtl, non_secure_mode_leaves_mixed_mode_but_keeps_serving_a_ctl) {
  file_store files;
  cluster c = make(files, config("12.5"));
  command_output out = c.ctl_set_non_secure_mode(0, 0);
  EXPECT_FALSE(out.ok) << "no CTL yet";
  ASSERT_TRUE(c.ctl_set_mixed_mode(0, 0).ok);
  ASSERT_TRUE(c.restart_tftp(0, 0).ok);
  const file_id mixed_ctl = c.served_ctl(0);
  EXPECT_EQ(c.ctl_set_non_secure_mode(1, 60).text, "This is not a Publisher Node");
  out = c.ctl_set_non_secure_mode(0, 60);
  ASSERT_TRUE(out.ok) << out.text;
  EXPECT_FALSE(c.mixed_mode());
  ASSERT_TRUE(c.restart_tftp(0, 60).ok);
  ASSERT_NE(c.served_ctl(0), no_file) << "the CTL is still served";
  EXPECT_NE(c.served_ctl(0), mixed_ctl) << "rebuilt";
  trust_oracle oracle(files);
  EXPECT_TRUE(oracle.accepts_ctl(c.served_ctl(0), mixed_ctl)) << "signed by the same key";
  EXPECT_EQ(c.ctl_set_non_secure_mode(0, 70).text, "The cluster is already in Non Secure Mode");
  EXPECT_TRUE(c.ctl_update(0, 80).ok) << "the CTL can still be updated";
  EXPECT_TRUE(c.ctl_set_mixed_mode(0, 90).ok) << "and the cluster set back to mixed mode";
}

TEST(ClusterCtl, per_device_name_is_ctl_sep_mac_tlv) {
  EXPECT_EQ(ctl_name_for(device_name(0x001E7A0000FFull)), "CTLSEP001E7A0000FF.tlv");
}

}  // namespace
}  // namespace itlfleet::sim
