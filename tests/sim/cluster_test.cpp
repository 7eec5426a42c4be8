#include "itlfleet/sim/cluster.hpp"
#include "../common/seeded_factory.hpp"

#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "itlfleet/sim/verify.hpp"

namespace itlfleet::sim {
namespace {

identity_factory& factory() {
  return test::seeded_factory("cluster_test");
}

cluster_config two_nodes(std::string_view version = "10.5") {
  cluster_config c;
  c.version = cucm_version::parse(version).value();
  c.domain = "joemar2.lab";
  c.nodes = {{"pub", true, true, true, true}, {"sub", false, true, true, true}};
  return c;
}

cluster make(file_store& files, cluster_config config = two_nodes()) {
  auto c = cluster::create(std::move(config), factory(), files);
  if (!c) ADD_FAILURE() << c.err().message;
  return std::move(c).value();
}

const trust_file& parsed(const file_store& files, file_id id) {
  return files.get(id).parsed;
}

std::string signer_name(const trust_file& f) {
  return text_of(f.header.signer.name);
}

bool starts_with(const std::string& s, std::string_view prefix) {
  return s.rfind(prefix, 0) == 0;
}

std::vector<std::uint16_t> roles(const trust_file& f) {
  std::vector<std::uint16_t> out;
  for (const record& r : f.records) out.push_back(r.function().value_or(0xFFFF));
  return out;
}

constexpr std::uint16_t sast = 0, tftp = 3, capf = 4, tvs = 21;
constexpr std::string_view recovery_subject = "CN=ITLRECOVERY_pub.joemar2.lab;";

TEST(Cluster, versions_parse_as_cucm_prints_them) {
  for (auto [text, major, minor] : {std::tuple{"10.0", 10, 0}, std::tuple{"10.5(2)", 10, 5},
                                    std::tuple{"12.5.1", 12, 5}, std::tuple{"9.1", 9, 1}}) {
    auto v = cucm_version::parse(text);
    ASSERT_TRUE(v.ok()) << text;
    EXPECT_EQ(v->major, major) << text;
    EXPECT_EQ(v->minor, minor) << text;
  }
  EXPECT_EQ(cucm_version::parse("10.5(2)")->to_string(), "10.5");
  EXPECT_FALSE(cucm_version::parse("garbage").ok());
  EXPECT_FALSE(cucm_version::parse("").ok());
}

TEST(Cluster, create_rejects_inconsistent_configurations) {
  file_store files;
  auto expect_error = [&](cluster_config c, std::string_view what) {
    auto r = cluster::create(std::move(c), factory(), files);
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_NE(r.err().message.find(what), std::string::npos) << r.err().message;
  };
  cluster_config none = two_nodes();
  none.nodes[0].publisher = false;
  expect_error(none, "publisher");
  cluster_config both = two_nodes();
  both.nodes[1].publisher = true;
  expect_error(both, "publisher");
  cluster_config dup = two_nodes();
  dup.nodes[1].host = "pub";
  expect_error(dup, "'pub'");
  cluster_config no_tftp = two_nodes();
  no_tftp.nodes[0].tftp = no_tftp.nodes[1].tftp = false;
  expect_error(no_tftp, "TFTP");
  cluster_config no_tvs = two_nodes();
  no_tvs.nodes[0].tvs = no_tvs.nodes[1].tvs = false;
  expect_error(no_tvs, "TVS");
  expect_error(cluster_config{}, "no nodes");
  EXPECT_EQ(files.size(), 0u);
}

TEST(Cluster, each_tftp_node_serves_its_own_self_verifying_itl) {
  file_store files;
  cluster c = make(files);
  const file_id pub = c.served_itl(0), sub = c.served_itl(1);
  ASSERT_NE(pub, no_file);
  ASSERT_NE(sub, no_file);
  EXPECT_TRUE(verify_with(parsed(files, pub), parsed(files, pub)).ok());
  EXPECT_TRUE(verify_with(parsed(files, sub), parsed(files, sub)).ok());
  // Each node puts its own CallManager certificate in: different checksums.
  EXPECT_NE(files.get(pub).sha1, files.get(sub).sha1);
  EXPECT_TRUE(files.get(pub).has_recovery_record);
  EXPECT_EQ(text_of(parsed(files, pub).header.filename), "ITLFile.tlv");
  EXPECT_EQ(parsed(files, pub).header.timestamp, c.config().epoch_unix);
  EXPECT_EQ(c.fqdn(1), "sub.joemar2.lab");
  EXPECT_EQ(c.find_node("SUB"), std::optional<std::size_t>(1));
  EXPECT_EQ(c.find_node("pub.joemar2.lab"), std::optional<std::size_t>(0));
  EXPECT_FALSE(c.find_node("nope"));

  // The signed config is signed by the node's CallManager (TFTP record).
  const trust_file& config = parsed(files, c.served_config(1));
  EXPECT_EQ(config.kind, file_kind::signed_file);
  EXPECT_EQ(text_of(config.header.filename), "SEP001E7A000000.cnf.xml.sgn");
  EXPECT_TRUE(verify_with(config, parsed(files, sub)).ok());
  EXPECT_FALSE(verify_with(config, parsed(files, pub)).ok());
}

TEST(Cluster, itl_layout_and_signer_follow_the_release) {
  {
    file_store files;
    cluster c = make(files, two_nodes("10.5(2)"));
    const trust_file& itl = parsed(files, c.served_itl(0));
    EXPECT_EQ(roles(itl), (std::vector<std::uint16_t>{sast, tftp, capf, tvs, sast, tvs}));
    EXPECT_TRUE(starts_with(itl.records[4].subject(), recovery_subject));
    EXPECT_EQ(signer_name(itl), "CN=pub.joemar2.lab;OU=tac;O=cisco;L=rtp;ST=nc;C=US");
    // The subscriber's ITL carries the publisher's CAPF and ITLRecovery.
    const trust_file& sub = parsed(files, c.served_itl(1));
    EXPECT_EQ(sub.records[2].serial(), itl.records[2].serial());
    EXPECT_TRUE(starts_with(sub.records[4].subject(), recovery_subject));
    EXPECT_TRUE(starts_with(signer_name(sub), "CN=sub.joemar2.lab;"));
  }
  {
    file_store files;
    cluster c = make(files, two_nodes("9.1"));
    const trust_file& itl = parsed(files, c.served_itl(0));
    EXPECT_EQ(roles(itl), (std::vector<std::uint16_t>{sast, tftp, capf, tvs, tvs}));
    EXPECT_FALSE(files.get(c.served_itl(0)).has_recovery_record);
    EXPECT_TRUE(starts_with(signer_name(itl), "CN=pub.joemar2.lab;"));
    EXPECT_FALSE(c.daily_backup_alert());
    EXPECT_EQ(c.pre10_itl(0), c.served_itl(0));  // a 9.x ITL is a pre-10 ITL
    EXPECT_FALSE(c.cert_regen(0, cert_purpose::itlrecovery, 0).ok);
  }
  {
    file_store files;
    cluster c = make(files, two_nodes("12.5.1"));
    for (std::size_t node : {0u, 1u}) {
      const trust_file& itl = parsed(files, c.served_itl(node));
      EXPECT_EQ(roles(itl), (std::vector<std::uint16_t>{sast, tftp, capf, tvs, sast, tvs}));
      EXPECT_TRUE(starts_with(signer_name(itl), recovery_subject));
      EXPECT_TRUE(verify_with(itl, itl).ok());
    }
  }
}

TEST(Cluster, pre10_itl_has_no_recovery_record_and_is_signed_by_callmanager) {
  file_store files;
  cluster c = make(files, two_nodes("12.5"));
  const file_id old = c.pre10_itl(1);
  const trust_file& itl = parsed(files, old);
  EXPECT_EQ(roles(itl), (std::vector<std::uint16_t>{sast, tftp, capf, tvs, tvs}));
  EXPECT_FALSE(files.get(old).has_recovery_record);
  EXPECT_TRUE(starts_with(signer_name(itl), "CN=sub.joemar2.lab;"));
  EXPECT_TRUE(verify_with(itl, itl).ok());
  EXPECT_EQ(c.pre10_itl(1), old);  // memoised while the certificates stay
  // A phone holding it cannot follow a recovery-signed ITL on its own.
  EXPECT_FALSE(verify_with(parsed(files, c.served_itl(1)), itl).ok());
}

TEST(Cluster, bulk_reset_on_a_subscriber_is_refused_and_changes_nothing) {
  file_store files;
  cluster c = make(files);
  const file_id pub = c.served_itl(0), sub = c.served_itl(1);
  const std::size_t stored = files.size();
  const command_output out = c.itl_reset_localkey(1, 10);
  EXPECT_FALSE(out.ok);
  EXPECT_EQ(out.text, "This is not a Publisher Node");
  EXPECT_TRUE(out.itl_changed.empty());
  EXPECT_EQ(c.itl_reset_remotekey(1, "sftp", "joe", "/ITLRecovery.p12", 10).text,
            "This is not a Publisher Node");
  EXPECT_EQ(c.served_itl(0), pub);
  EXPECT_EQ(c.served_itl(1), sub);
  EXPECT_EQ(files.size(), stored);
}

TEST(Cluster, bulk_reset_is_refused_before_10_0) {
  file_store files;
  cluster c = make(files, two_nodes("9.1"));
  const command_output out = c.itl_reset_localkey(0, 10);
  EXPECT_FALSE(out.ok);
  EXPECT_EQ(out.text, "Invalid command: utils itl reset is available from CUCM 10.0(1)");
}

TEST(Cluster, localkey_reset_serves_one_recovery_signed_itl_that_old_itls_accept) {
  file_store files;
  cluster c = make(files);
  const file_id old_pub = c.served_itl(0), old_sub = c.served_itl(1);

  const command_output out = c.itl_reset_localkey(0, 600);
  ASSERT_TRUE(out.ok) << out.text;
  EXPECT_EQ(out.text,
            "Enter CCM Administrator password :\n"
            "Locating active Tftp servers in the cluster.....\n"
            "Following is the list of Active tftp servers in the cluster\n"
            "['pub', 'sub']\n"
            "The reset ITL file was generated successfully\n"
            "Transferring new reset ITL file to the TFTP server nodes in the cluster.....\n"
            "Restarting Cisco Tftp service on host pub\n"
            "Cisco Tftp service restarted on host pub\n"
            "Successfully transferred reset ITL to node sub\n"
            "Restarting Cisco Tftp service on host sub\n"
            "Cisco Tftp service restarted on host sub");
  EXPECT_EQ(out.itl_changed, (std::vector<std::size_t>{0, 1}));
  EXPECT_FALSE(out.resets_devices);

  const file_id reset = c.served_itl(0);
  EXPECT_EQ(c.served_itl(1), reset);
  const trust_file& itl = parsed(files, reset);
  EXPECT_TRUE(starts_with(signer_name(itl), recovery_subject));
  // Same records as the publisher's ITL; only the signature changed.
  EXPECT_EQ(itl.records, parsed(files, old_pub).records);
  EXPECT_EQ(itl.header.timestamp, c.config().epoch_unix + 600);
  // Phones holding either node's old ITL trust the recovery signer.
  EXPECT_TRUE(verify_with(itl, parsed(files, old_pub)).ok());
  EXPECT_TRUE(verify_with(itl, parsed(files, old_sub)).ok());

  // The TFTP restart rebuilds the node's own ITL: CallManager signs again.
  const command_output restart = c.restart_tftp(1, 900);
  EXPECT_TRUE(restart.ok);
  EXPECT_EQ(restart.text,
            "Do not press Ctrl+C while the service is restarting. If the service has not "
            "restarted properly, execute the same command again.\n"
            "Service Manager is running\n"
            "Cisco Tftp[STOPPING]\nCisco Tftp[STARTING]\nCisco Tftp[STARTED]");
  EXPECT_EQ(restart.itl_changed, (std::vector<std::size_t>{1}));
  EXPECT_FALSE(restart.resets_devices);
  const trust_file& rebuilt = parsed(files, c.served_itl(1));
  EXPECT_TRUE(starts_with(signer_name(rebuilt), "CN=sub.joemar2.lab;"));
  EXPECT_EQ(rebuilt.records, parsed(files, old_sub).records);
  // The reset ITL lists the publisher's CallManager, not the subscriber's: a
  // subscriber phone needs TVS to vouch for its node's signer, and it does.
  EXPECT_EQ(verify_with(rebuilt, itl).status, verify_status::signer_not_found);
  EXPECT_TRUE(c.tvs_lookup(rebuilt.header.signer));
  EXPECT_EQ(c.served_itl(0), reset);  // the publisher keeps serving the reset ITL
  EXPECT_EQ(c.restart_tftp(0, 900).itl_changed, (std::vector<std::size_t>{0}));
  // Same records and signer as before the reset, a new timestamp.
  EXPECT_EQ(parsed(files, c.served_itl(0)).records, parsed(files, old_pub).records);
  EXPECT_EQ(parsed(files, c.served_itl(0)).header.signer, parsed(files, old_pub).header.signer);
  EXPECT_TRUE(verify_with(parsed(files, old_pub), itl).ok());
}

TEST(Cluster, restart_without_changes_keeps_the_served_itl) {
  file_store files;
  cluster c = make(files);
  const file_id before = c.served_itl(0);
  const command_output out = c.restart_tftp(0, 5000);
  EXPECT_TRUE(out.ok);
  EXPECT_TRUE(out.itl_changed.empty());
  EXPECT_EQ(c.served_itl(0), before);

  cluster_config no_tftp_sub = two_nodes();
  no_tftp_sub.nodes[1].tftp = false;
  file_store files2;
  cluster c2 = make(files2, no_tftp_sub);
  EXPECT_EQ(c2.served_itl(1), no_file);
  const command_output refused = c2.restart_tftp(1, 10);
  EXPECT_FALSE(refused.ok);
  EXPECT_NE(refused.text.find("not activated on host sub"), std::string::npos);
  // Only the publisher serves files, the reset lists it alone.
  EXPECT_NE(c2.itl_reset_localkey(0, 20).text.find("['pub']"), std::string::npos);
}

TEST(Cluster, hold_timer_refuses_a_second_regeneration_within_five_minutes) {
  file_store files;
  cluster c = make(files);
  const command_output first = c.cert_regen(0, cert_purpose::callmanager, 1000);
  ASSERT_TRUE(first.ok);
  const command_output refused = c.cert_regen(0, cert_purpose::tvs, 1120);
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(refused.text,
            "CallManager certificate was modified in the last 5 minutes. Please re-try "
            "regenerating TVS certificate at a later time");
  EXPECT_TRUE(refused.itl_changed.empty());
  // Another node has its own timer.
  EXPECT_TRUE(c.cert_regen(1, cert_purpose::tvs, 1120).ok);
  EXPECT_TRUE(c.cert_regen(0, cert_purpose::tvs, 1300).ok);

  cluster_config no_hold = two_nodes();
  no_hold.hold_timer = false;
  file_store files2;
  cluster c2 = make(files2, no_hold);
  EXPECT_TRUE(c2.cert_regen(0, cert_purpose::callmanager, 1000).ok);
  EXPECT_TRUE(c2.cert_regen(0, cert_purpose::tvs, 1120).ok);

  // 9.x had no hold timer at all.
  file_store files3;
  cluster c3 = make(files3, two_nodes("9.1"));
  EXPECT_TRUE(c3.cert_regen(0, cert_purpose::callmanager, 1000).ok);
  EXPECT_TRUE(c3.cert_regen(0, cert_purpose::tvs, 1001).ok);
}

TEST(Cluster, under_manual_restarts_a_callmanager_regeneration_waits_for_the_tftp_restart) {
  file_store files;
  // Under manual restarts (the default applies it at once: below).
  cluster_config config = two_nodes();
  config.regen_restarts = regen_restart::manual;
  cluster c = make(files, config);
  const file_id old_id = c.served_itl(0);
  const file_id old_config = c.served_config(0);
  const signer_id old_signer = parsed(files, old_id).header.signer;
  const auto old_entry = c.tvs_lookup(old_signer);
  ASSERT_TRUE(old_entry);

  const command_output out = c.cert_regen(0, cert_purpose::callmanager, 100);
  ASSERT_TRUE(out.ok);
  EXPECT_EQ(out.text,
            "WARNING: This operation will overwrite any CA signed certificate previously "
            "imported for CallManager\n"
            "Proceed with regeneration (yes|no)? yes\n"
            "Successfully Regenerated Certificate for CallManager.\n"
            "Please do a backup of the server as soon as possible. Failure to do so can stale "
            "the cluster in case of a crash.\n"
            "You must restart services related to CallManager for the regenerated certificates "
            "to become active.");
  // As CUCM says: nothing the phones download changes until TFTP restarts.
  EXPECT_TRUE(out.itl_changed.empty());
  EXPECT_FALSE(out.resets_devices);
  EXPECT_EQ(c.served_itl(0), old_id);
  EXPECT_EQ(c.served_config(0), old_config);
  EXPECT_TRUE(verify_with(c.device_config(0, "SEP001E7A000001", 150), parsed(files, old_id)).ok())
      << "TFTP signs with the key it loaded until it restarts";

  const command_output restart = c.restart_tftp(0, 200);
  ASSERT_TRUE(restart.ok);
  EXPECT_EQ(restart.itl_changed, (std::vector<std::size_t>{0}));
  EXPECT_TRUE(restart.resets_devices) << "the regenerated ITL makes CUCM reset the phones";
  // A second restart changes nothing and resets nobody.
  const command_output again = c.restart_tftp(0, 300);
  EXPECT_TRUE(again.itl_changed.empty());
  EXPECT_FALSE(again.resets_devices);

  const trust_file& now = parsed(files, c.served_itl(0));
  EXPECT_NE(now.header.signer, old_signer);
  EXPECT_EQ(verify_with(now, parsed(files, old_id)).status, verify_status::signer_not_found);
  EXPECT_TRUE(verify_with(now, now).ok());
  EXPECT_NE(c.served_config(0), old_config);
  EXPECT_TRUE(verify_with(parsed(files, c.served_config(0)), now).ok());

  // TVS vouches for the new CallManager certificate, no longer for the old.
  const auto new_entry = c.tvs_lookup(now.header.signer);
  ASSERT_TRUE(new_entry);
  EXPECT_EQ(new_entry->serial(), now.header.signer.serial);
  EXPECT_NE(new_entry->sha1(), old_entry->sha1());
  EXPECT_FALSE(c.tvs_lookup(old_signer));
  EXPECT_TRUE(c.tvs_vouches_for(*new_entry));
  EXPECT_FALSE(c.tvs_vouches_for(*old_entry));
  // The subscriber's ITL does not carry the publisher's CallManager.
  EXPECT_TRUE(c.tvs_lookup(parsed(files, c.served_itl(1)).header.signer));
}

TEST(Cluster, under_manual_restarts_a_tvs_regeneration_reaches_the_itls_and_tvs_at_restarts) {
  file_store files;
  // Under manual restarts (the default applies it at once: below).
  cluster_config config = two_nodes();
  config.regen_restarts = regen_restart::manual;
  cluster c = make(files, config);
  const file_id pub = c.served_itl(0), sub = c.served_itl(1);
  const bytes old_tvs = c.tvs_certificate(1).sha1();
  const command_output out = c.cert_regen(1, cert_purpose::tvs, 100);
  ASSERT_TRUE(out.ok);
  EXPECT_TRUE(out.itl_changed.empty());
  EXPECT_EQ(c.tvs_certificate(1).sha1(), old_tvs) << "TVS presents its new certificate only "
                                                     "after a restart";
  // Every ITL lists every TVS: each node's ITL changes at its own TFTP restart.
  const command_output restart_pub = c.restart_tftp(0, 200);
  EXPECT_EQ(restart_pub.itl_changed, (std::vector<std::size_t>{0}));
  EXPECT_TRUE(restart_pub.resets_devices);
  EXPECT_EQ(c.served_itl(1), sub);
  EXPECT_EQ(c.restart_tftp(1, 200).itl_changed, (std::vector<std::size_t>{1}));
  // The ITLs list the subscriber's new TVS; the signer is unchanged.
  EXPECT_TRUE(verify_with(parsed(files, c.served_itl(0)), parsed(files, pub)).ok());
  EXPECT_TRUE(verify_with(parsed(files, c.served_itl(1)), parsed(files, sub)).ok());
  const bytes new_tvs = c.node_identity(1, cert_purpose::tvs).cert.sha1();
  EXPECT_EQ(files.get(c.served_itl(0)).tvs_hashes.back(), new_tvs);
  // Until TVS restarts, the certificate it presents is in none of the new ITLs.
  EXPECT_EQ(c.tvs_certificate(1).sha1(), old_tvs);
  const command_output restart_tvs = c.restart_tvs(1);
  ASSERT_TRUE(restart_tvs.ok);
  EXPECT_EQ(restart_tvs.text,
            "Do not press Ctrl+C while the service is restarting. If the service has not "
            "restarted properly, execute the same command again.\n"
            "Service Manager is running\n"
            "Cisco Trust Verification Service[STOPPING]\n"
            "Cisco Trust Verification Service[STARTING]\n"
            "Cisco Trust Verification Service[STARTED]");
  EXPECT_EQ(c.tvs_certificate(1).sha1(), new_tvs);
  EXPECT_TRUE(restart_tvs.itl_changed.empty());
}

TEST(Cluster, by_default_a_regeneration_applies_at_once) {
  file_store files;
  cluster c = make(files, two_nodes());
  const file_id pub = c.served_itl(0);
  const command_output out = c.cert_regen(1, cert_purpose::tvs, 100);
  ASSERT_TRUE(out.ok);
  EXPECT_EQ(out.itl_changed, (std::vector<std::size_t>{0, 1}));
  EXPECT_TRUE(out.resets_devices);
  EXPECT_EQ(c.tvs_certificate(1).sha1(), c.node_identity(1, cert_purpose::tvs).cert.sha1());
  EXPECT_NE(c.served_itl(0), pub);
  // ITLRecovery still waits for the TFTP restart (the technote).
  const command_output recovery = c.cert_regen(0, cert_purpose::itlrecovery, 1000);
  EXPECT_TRUE(recovery.itl_changed.empty());
  EXPECT_FALSE(recovery.resets_devices);
}

TEST(Cluster, service_restarts_are_refused_where_the_service_does_not_run) {
  file_store files;
  cluster_config config = two_nodes();
  config.nodes[1].tvs = false;
  config.nodes[1].callmanager = false;
  cluster c = make(files, config);
  const command_output tvs_restart = c.restart_tvs(1);
  EXPECT_FALSE(tvs_restart.ok);
  EXPECT_EQ(tvs_restart.text, "Cisco Trust Verification Service is not activated on host sub");
  const command_output cm = c.restart_callmanager(1);
  EXPECT_FALSE(cm.ok);
  EXPECT_EQ(cm.text, "Cisco CallManager service is not activated on host sub");
  const command_output ok = c.restart_callmanager(0);
  EXPECT_TRUE(ok.ok);
  EXPECT_EQ(ok.text,
            "Do not press Ctrl+C while the service is restarting. If the service has not "
            "restarted properly, execute the same command again.\n"
            "Service Manager is running\n"
            "Cisco CallManager[STOPPING]\n"
            "Cisco CallManager[STARTING]\n"
            "Cisco CallManager[STARTED]");
}

TEST(Cluster, itlrecovery_regeneration_waits_for_the_tftp_restart) {
  file_store files;
  cluster c = make(files);
  const file_id pub = c.served_itl(0), sub = c.served_itl(1);
  const bytes old_recovery_serial = parsed(files, pub).records[4].serial();

  const command_output out = c.cert_regen(0, cert_purpose::itlrecovery, 100);
  ASSERT_TRUE(out.ok);
  EXPECT_TRUE(out.itl_changed.empty());
  EXPECT_FALSE(out.resets_devices);
  EXPECT_EQ(c.served_itl(0), pub);
  EXPECT_EQ(c.served_itl(1), sub);

  const command_output restart = c.restart_tftp(0, 200);
  EXPECT_EQ(restart.itl_changed, (std::vector<std::size_t>{0}));
  EXPECT_FALSE(restart.resets_devices) << "the administrator resets the devices himself";
  const trust_file& itl = parsed(files, c.served_itl(0));
  EXPECT_NE(itl.records[4].serial(), old_recovery_serial);
  // The name stays: the recovery key is the publisher's install-time one.
  EXPECT_TRUE(starts_with(itl.records[4].subject(), recovery_subject));
  EXPECT_EQ(c.served_itl(1), sub);  // until its own TFTP restarts
  EXPECT_EQ(c.restart_tftp(1, 200).itl_changed, (std::vector<std::size_t>{1}));

  // A later reset signs with the new recovery key.
  ASSERT_TRUE(c.itl_reset_localkey(0, 700).ok);
  EXPECT_EQ(parsed(files, c.served_itl(0)).header.signer.serial, itl.records[4].serial());
}

TEST(Cluster, rename_keeps_the_itlrecovery_name) {
  file_store files;
  cluster c = make(files);
  const file_id pub = c.served_itl(0);
  const command_output out = c.rename_publisher("newpub", 100);
  ASSERT_TRUE(out.ok) << out.text;
  EXPECT_EQ(out.itl_changed, (std::vector<std::size_t>{0, 1}));
  EXPECT_TRUE(out.resets_devices);
  EXPECT_EQ(c.node(0).host, "newpub");
  EXPECT_EQ(c.fqdn(0), "newpub.joemar2.lab");
  const trust_file& itl = parsed(files, c.served_itl(0));
  EXPECT_TRUE(starts_with(itl.records[0].subject(), "CN=newpub.joemar2.lab;"));
  EXPECT_TRUE(starts_with(itl.records[4].subject(), recovery_subject));
  EXPECT_EQ(itl.records[4], parsed(files, pub).records[4]);
  // Phones with the old ITL cannot follow the new CallManager signer alone.
  EXPECT_FALSE(verify_with(itl, parsed(files, pub)).ok());
  // But the bulk reset recovers them: the ITLRecovery key is unchanged.
  ASSERT_TRUE(c.itl_reset_localkey(0, 200).ok);
  EXPECT_TRUE(verify_with(parsed(files, c.served_itl(0)), parsed(files, pub)).ok());
  EXPECT_NE(c.itl_reset_localkey(0, 300).text.find("['newpub', 'sub']"), std::string::npos);

  EXPECT_FALSE(c.rename_publisher("sub", 400).ok);
}

TEST(Cluster, a_regeneration_within_the_hold_time_after_a_rename_or_domain_change_is_refused) {
  // Both regenerate CallManager, TVS and CAPF at once: the hold timer runs
  // from there, as after `set cert regen`.
  file_store files;
  cluster_config config = two_nodes();
  config.hold_timer = true;
  config.hold_seconds = 300;
  cluster c = make(files, config);
  ASSERT_TRUE(c.rename_publisher("newpub", 100).ok);
  const command_output early = c.cert_regen(0, cert_purpose::tvs, 399);
  EXPECT_FALSE(early.ok);
  EXPECT_EQ(early.text,
            "CallManager certificate was modified in the last 5 minutes. Please re-try "
            "regenerating TVS certificate at a later time");
  EXPECT_TRUE(c.cert_regen(0, cert_purpose::tvs, 400).ok);
  EXPECT_TRUE(c.cert_regen(1, cert_purpose::callmanager, 401).ok) << "another node's timer";

  ASSERT_TRUE(c.change_domain(1, "other.lab", 1000).ok);
  EXPECT_FALSE(c.cert_regen(1, cert_purpose::callmanager, 1100).ok);
  EXPECT_TRUE(c.cert_regen(1, cert_purpose::callmanager, 1300).ok);
}

TEST(Cluster, domain_change_regenerates_the_node_certificates) {
  file_store files;
  cluster c = make(files);
  const file_id pub = c.served_itl(0), sub = c.served_itl(1);
  const command_output out = c.change_domain(1, "other.lab", 100);
  ASSERT_TRUE(out.ok) << out.text;
  EXPECT_EQ(c.fqdn(1), "sub.other.lab");
  EXPECT_EQ(out.itl_changed, (std::vector<std::size_t>{0, 1}));  // sub's TVS is in both
  EXPECT_TRUE(out.resets_devices);
  EXPECT_TRUE(
      starts_with(parsed(files, c.served_itl(1)).records[0].subject(), "CN=sub.other.lab;"));
  EXPECT_FALSE(verify_with(parsed(files, c.served_itl(1)), parsed(files, sub)).ok());
  EXPECT_TRUE(verify_with(parsed(files, c.served_itl(0)), parsed(files, pub)).ok());
}

TEST(Cluster, remotekey_needs_a_backup_made_under_the_current_password) {
  file_store files;
  cluster c = make(files);
  // No backup yet: nothing on the SFTP server.
  const command_output missing =
      c.itl_reset_remotekey(0, "sftp.lab", "joe", "/home/joe/ITLRecovery.p12", 10);
  EXPECT_FALSE(missing.ok);
  EXPECT_EQ(missing.text,
            "Enter Sftp password :Processing token in else 0 tac\ncount is 1\n"
            "Processing token in else 0 tac\ncount is 1\n"
            "File not found on sftp.lab: /home/joe/ITLRecovery.p12");

  const command_output backup = c.backup_itlrecovery(0, "/home/joe/ITLRecovery.p12");
  ASSERT_TRUE(backup.ok);
  EXPECT_NE(backup.text.find("Transfer completed."), std::string::npos);
  EXPECT_EQ(c.sftp_store().count("/home/joe/ITLRecovery.p12"), 1u);

  EXPECT_FALSE(c.itl_reset_remotekey(0, "sftp.lab", "", "/home/joe/ITLRecovery.p12", 20).ok);
  const file_id old_sub = c.served_itl(1);
  const command_output ok =
      c.itl_reset_remotekey(0, "sftp.lab", "joe", "/home/joe/ITLRecovery.p12", 20);
  ASSERT_TRUE(ok.ok) << ok.text;
  EXPECT_EQ(ok.itl_changed, (std::vector<std::size_t>{0, 1}));
  EXPECT_TRUE(starts_with(signer_name(parsed(files, c.served_itl(0))), recovery_subject));
  EXPECT_TRUE(verify_with(parsed(files, c.served_itl(1)), parsed(files, old_sub)).ok());

  // A password change leaves the saved .p12 under the old password.
  const command_output pw = c.change_security_password("another-secret");
  EXPECT_TRUE(pw.ok);
  const command_output stale =
      c.itl_reset_remotekey(0, "sftp.lab", "joe", "/home/joe/ITLRecovery.p12", 30);
  EXPECT_FALSE(stale.ok);
  EXPECT_NE(stale.text.find("another cluster security password"), std::string::npos) << stale.text;

  // A new backup opens again.
  ASSERT_TRUE(c.backup_itlrecovery(0, "/home/joe/ITLRecovery.p12").ok);
  EXPECT_TRUE(c.itl_reset_remotekey(0, "sftp.lab", "joe", "/home/joe/ITLRecovery.p12", 40).ok);
}

TEST(Cluster, remotekey_with_an_older_key_replaces_the_publishers_key_everywhere) {
  for (std::string_view version : {"10.5", "12.5"}) {
    SCOPED_TRACE(std::string(version));
    file_store files;
    cluster c = make(files, two_nodes(version));
    const file_id first = c.served_itl(0);
    const bytes saved = c.node_identity(0, cert_purpose::itlrecovery).cert.der();
    ASSERT_TRUE(c.backup_itlrecovery(0, "/keys/ITLRecovery.p12").ok);
    ASSERT_TRUE(c.cert_regen(0, cert_purpose::itlrecovery, 100).ok);
    ASSERT_TRUE(c.restart_tftp(0, 150).ok);
    const file_id with_new_key = c.served_itl(0);
    ASSERT_NE(with_new_key, first);
    EXPECT_TRUE(c.reset_recovers(with_new_key));
    EXPECT_FALSE(c.reset_recovers(first)) << "its record is for a key the cluster no longer has";

    // The saved .p12 opens (same password) and holds the older key: the one
    // the phones that never took the new ITL still trust.
    const command_output out =
        c.itl_reset_remotekey(0, "sftp", "joe", "/keys/ITLRecovery.p12", 300);
    ASSERT_TRUE(out.ok) << out.text;
    EXPECT_NE(out.text.find("Enter CCM Administrator password :\n"
                            "The ITLRecovery key of pub was replaced by the key in "
                            "/keys/ITLRecovery.p12\nLocating active Tftp servers"),
              std::string::npos)
        << out.text;
    EXPECT_EQ(c.node_identity(0, cert_purpose::itlrecovery).cert.der(), saved);
    EXPECT_FALSE(c.daily_backup_alert()) << "the key the cluster holds is the saved one";
    // The reset ITL carries the older key's record and is signed by it.
    const trust_file& reset = parsed(files, c.served_itl(0));
    EXPECT_TRUE(verify_with(reset, parsed(files, first)).ok());
    EXPECT_TRUE(c.reset_recovers(c.served_itl(0)));
    EXPECT_TRUE(c.reset_recovers(first));
    EXPECT_FALSE(c.reset_recovers(with_new_key));

    // TFTP rebuilds with the older key's record (and signs with it on 12.x).
    ASSERT_TRUE(c.restart_tftp(0, 400).ok);
    const trust_file& rebuilt = parsed(files, c.served_itl(0));
    EXPECT_TRUE(c.reset_recovers(c.served_itl(0)));
    if (version == "12.5") {
      EXPECT_TRUE(starts_with(signer_name(rebuilt), recovery_subject));
      EXPECT_TRUE(verify_with(rebuilt, parsed(files, first)).ok());
    }
    // A later localkey reset signs with it too: phones holding the first ITL take it.
    ASSERT_TRUE(c.itl_reset_localkey(0, 500).ok);
    EXPECT_TRUE(verify_with(parsed(files, c.served_itl(1)), parsed(files, first)).ok());
  }
}

TEST(Cluster, itlrecovery_regeneration_on_the_publisher_re_arms_the_backup_alert) {
  file_store files;
  cluster c = make(files);
  ASSERT_TRUE(c.backup_itlrecovery(0, "/keys/ITLRecovery.p12").ok);
  ASSERT_FALSE(c.daily_backup_alert());
  // A subscriber's ITLRecovery is in no ITL and signs nothing.
  ASSERT_TRUE(c.cert_regen(1, cert_purpose::itlrecovery, 100).ok);
  EXPECT_FALSE(c.daily_backup_alert());
  // The publisher's is the cluster's recovery key: the saved one is now stale.
  ASSERT_TRUE(c.cert_regen(0, cert_purpose::itlrecovery, 200).ok);
  EXPECT_TRUE(c.daily_backup_alert());
  ASSERT_TRUE(c.backup_itlrecovery(0, "/keys/ITLRecovery-2.p12").ok);
  EXPECT_FALSE(c.daily_backup_alert());
  // Other regenerations leave the recovery key, and so the backup, alone.
  ASSERT_TRUE(c.cert_regen(0, cert_purpose::callmanager, 1000).ok);
  EXPECT_FALSE(c.daily_backup_alert());
}

TEST(Cluster, a_drs_backup_is_not_a_backup_of_the_recovery_key) {
  file_store files;
  cluster c = make(files);
  ASSERT_TRUE(c.daily_backup_alert());
  const command_output drs = c.drs_backup(0);
  EXPECT_TRUE(drs.ok);
  EXPECT_TRUE(c.daily_backup_alert()) << "domain.md: a DRS backup does not stop the alert";
}

TEST(Cluster, a_rebuilt_publisher_has_new_keys_and_the_saved_one_brings_the_phones_back) {
  file_store files;
  cluster c = make(files);
  const file_id before = c.served_itl(0);
  ASSERT_TRUE(c.backup_itlrecovery(0, "/backup/ITLRecovery.p12").ok);
  std::vector<bytes> old_certs;
  for (cert_purpose p : {cert_purpose::callmanager, cert_purpose::tvs, cert_purpose::capf,
                         cert_purpose::itlrecovery})
    old_certs.push_back(c.node_identity(0, p).cert.der());
  const bytes sub_callmanager = c.node_identity(1, cert_purpose::callmanager).cert.der();

  const command_output rebuilt = c.rebuild_publisher("typed-at-install", 1000);
  ASSERT_TRUE(rebuilt.ok);
  EXPECT_EQ(rebuilt.itl_changed, (std::vector<std::size_t>{0, 1}));
  EXPECT_TRUE(rebuilt.resets_devices);
  std::size_t k = 0;
  for (cert_purpose p : {cert_purpose::callmanager, cert_purpose::tvs, cert_purpose::capf,
                         cert_purpose::itlrecovery}) {
    EXPECT_NE(c.node_identity(0, p).cert.der(), old_certs[k++]) << purpose_name(p);
    EXPECT_EQ(c.node_identity(0, p).cert.subject().empty(), false);
  }
  EXPECT_EQ(c.node_identity(1, cert_purpose::callmanager).cert.der(), sub_callmanager);
  EXPECT_EQ(c.tvs_certificate(0).der(), c.node_identity(0, cert_purpose::tvs).cert.der());
  EXPECT_TRUE(starts_with(parsed(files, c.served_itl(0)).records[4].subject(), recovery_subject))
      << "the same names";
  EXPECT_FALSE(verify_with(parsed(files, c.served_itl(0)), parsed(files, before)).ok());
  EXPECT_FALSE(c.reset_recovers(before)) << "the old recovery key is gone with the old disk";
  EXPECT_TRUE(c.daily_backup_alert());

  // The saved file was made under the old security password.
  const command_output wrong =
      c.itl_reset_remotekey(0, "sftp", "admin", "/backup/ITLRecovery.p12", 2000);
  EXPECT_FALSE(wrong.ok);
  EXPECT_NE(wrong.text.find("another cluster security password"), std::string::npos) << wrong.text;
  ASSERT_TRUE(c.change_security_password(two_nodes().security_password).ok);
  const command_output ok =
      c.itl_reset_remotekey(0, "sftp", "admin", "/backup/ITLRecovery.p12", 2100);
  ASSERT_TRUE(ok.ok) << ok.text;
  EXPECT_EQ(c.node_identity(0, cert_purpose::itlrecovery).cert.der(), old_certs[3]);
  EXPECT_TRUE(verify_with(parsed(files, c.served_itl(0)), parsed(files, before)).ok())
      << "phones holding the old ITL take the reset ITL";
  EXPECT_TRUE(c.reset_recovers(before));
  EXPECT_FALSE(c.daily_backup_alert());
}

TEST(Cluster, backup_is_a_publisher_file_and_silences_the_daily_alert) {
  file_store files;
  cluster c = make(files);
  ASSERT_TRUE(c.daily_backup_alert());
  EXPECT_NE(c.daily_backup_alert()->find("file get tftp ITLRecovery.p12"), std::string::npos);

  const command_output sub = c.backup_itlrecovery(1, "/home/joe/ITLRecovery.p12");
  EXPECT_FALSE(sub.ok);
  EXPECT_NE(sub.text.find("File not found"), std::string::npos);
  EXPECT_TRUE(c.sftp_store().empty());
  EXPECT_TRUE(c.daily_backup_alert());

  ASSERT_TRUE(c.backup_itlrecovery(0, "/home/joe/ITLRecovery.p12").ok);
  EXPECT_FALSE(c.daily_backup_alert());
  ASSERT_TRUE(c.change_security_password("new-password").ok);
  EXPECT_TRUE(c.daily_backup_alert());
  ASSERT_TRUE(c.backup_itlrecovery(0, "/home/joe/ITLRecovery2.p12").ok);
  EXPECT_FALSE(c.daily_backup_alert());
}

}  // namespace
}  // namespace itlfleet::sim
