// cluster_export::export_cluster, called as a library: the files it writes,
// their bytes against the cluster's, the manifest, and the options it
// refuses (each error names the option and writes nothing).

#include "itlfleet/cluster_export/cluster_export.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "itlfleet/host/files.hpp"
#include "itlfleet/host/shared_key_store.hpp"
#include "itlfleet/sim/crypto.hpp"
#include "itlfleet/sim/trust_file.hpp"
#include "itlfleet/sim/verify.hpp"

namespace itlfleet::cluster_export {
namespace {

namespace fs = std::filesystem;

/// Keys generated once for the whole binary, in memory: the user's key
/// cache is left alone.
std::shared_ptr<sim::key_store> keys() {
  static auto store = std::make_shared<host::shared_key_store>();
  return store;
}

class ClusterExport : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "itlfleet-export-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  /// Two nodes, four phones, the given directory under the test's own.
  export_options options(const std::string& out) const {
    export_options o;
    o.out = (dir_ / out).string();
    o.nodes = {"pub", "sub1"};
    o.phones = 4;
    o.key_cache = keys();
    return o;
  }
  bytes read(const fs::path& p) const {
    auto data = host::read_file(dir_ / p);
    EXPECT_TRUE(data) << data.err().message;
    return data ? *data : bytes{};
  }
  std::string text(const fs::path& p) const {
    const bytes b = read(p);
    return {b.begin(), b.end()};
  }
  /// The error message of an export that must fail, and that it wrote nothing.
  std::string refused(const export_options& o) const {
    auto r = export_cluster(o);
    EXPECT_FALSE(r) << "exported with options that should be refused";
    EXPECT_FALSE(fs::exists(o.out)) << "a refused option left " << o.out;
    return r ? "" : r.err().message;
  }

  fs::path dir_;
};

TEST_F(ClusterExport, each_node_serves_its_itl_under_the_shared_and_each_phones_name) {
  auto r = export_cluster(options("c"));
  ASSERT_TRUE(r) << r.err().message;
  ASSERT_EQ(r->nodes.size(), 2u);
  EXPECT_TRUE(r->nodes[0].publisher);
  EXPECT_EQ(r->nodes[0].fqdn, "pub.example.lab");
  // Round-robin: phones 0 and 2 on pub, 1 and 3 on sub1.
  EXPECT_EQ(r->nodes[0].phones, 2u);
  EXPECT_EQ(r->nodes[1].phones, 2u);
  const bytes pub_itl = read("c/tftp/pub/ITLFile.tlv");
  EXPECT_EQ(pub_itl.size(), r->nodes[0].itl.length);
  EXPECT_EQ(sim::sha1(pub_itl), r->nodes[0].itl.sha1);
  EXPECT_EQ(read("c/tftp/pub/ITLSEP001E7A000000.tlv"), pub_itl);
  EXPECT_EQ(read("c/tftp/pub/ITLSEP001E7A000002.tlv"), pub_itl);
  EXPECT_EQ(read("c/tftp/sub1/ITLSEP001E7A000003.tlv"), read("c/tftp/sub1/ITLFile.tlv"));
  EXPECT_FALSE(fs::exists(dir_ / "c/tftp/pub/ITLSEP001E7A000001.tlv"));
  EXPECT_TRUE(fs::exists(dir_ / "c/tftp/sub1/SEP001E7A000001.cnf.xml.sgn"));
  // The ITL verifies against itself, as a phone with it installed checks the next one.
  auto itl = sim::parse_trust_list(pub_itl);
  ASSERT_TRUE(itl) << itl.err().to_string();
  EXPECT_TRUE(sim::verify_with(*itl, *itl).ok());
  // Private keys are not for the TFTP root, nor for other users.
  EXPECT_EQ(fs::status(dir_ / "c/keys/pub/tvs.key").permissions() & fs::perms::others_all,
            fs::perms::none);
}

TEST_F(ClusterExport, the_manifest_lists_every_file_with_its_sha1) {
  auto r = export_cluster(options("c"));
  ASSERT_TRUE(r) << r.err().message;
  const std::string manifest = text("c/manifest.json");
  EXPECT_NE(manifest.find("\"first_mac\": \"001E7A000000\""), std::string::npos) << manifest;
  EXPECT_NE(manifest.find("\"mixed_mode\": false"), std::string::npos);
  const std::string entry = "\"path\": \"tftp/sub1/SEP001E7A000003.cnf.xml.sgn\"";
  ASSERT_NE(manifest.find(entry), std::string::npos);
  const bytes config = read("c/tftp/sub1/SEP001E7A000003.cnf.xml.sgn");
  const std::size_t at = manifest.find(entry);
  EXPECT_NE(manifest.find("\"sha1\": \"" + to_hex(sim::sha1(config)) + "\"", at),
            std::string::npos);
  // Every file but the manifest itself is listed: the summary counts it too.
  std::size_t on_disk = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir_ / "c"))
    on_disk += e.is_regular_file() ? 1 : 0;
  EXPECT_EQ(r->files, on_disk);
  const std::string summary = summary_text(*r);
  EXPECT_NE(summary.find("wrote " + std::to_string(on_disk) + " files"), std::string::npos)
      << summary;
  EXPECT_NE(summary.find("pub.example.lab (publisher): ITLFile.tlv "), std::string::npos);
}

TEST_F(ClusterExport, a_seed_gives_the_same_bytes) {
  ASSERT_TRUE(export_cluster(options("a")));
  ASSERT_TRUE(export_cluster(options("b")));
  for (const char* f :
       {"tftp/pub/ITLFile.tlv", "tftp/sub1/SEP001E7A000001.cnf.xml.sgn", "keys/sub1/tvs.key"})
    EXPECT_EQ(read(fs::path("a") / f), read(fs::path("b") / f)) << f;
  auto other = options("c");
  other.seed = "another";
  ASSERT_TRUE(export_cluster(other));
  EXPECT_NE(read("a/tftp/pub/ITLFile.tlv"), read("c/tftp/pub/ITLFile.tlv"));
}

TEST_F(ClusterExport, a_non_empty_directory_needs_force_which_replaces_the_previous_export) {
  ASSERT_TRUE(export_cluster(options("c")));
  auto again = options("c");
  again.nodes = {"cucm-pub"};
  auto r = export_cluster(again);
  ASSERT_FALSE(r);
  EXPECT_NE(r.err().message.find("is not empty; pass --force"), std::string::npos);
  EXPECT_TRUE(fs::exists(dir_ / "c/tftp/sub1/ITLFile.tlv"));  // left alone
  again.force = true;
  ASSERT_TRUE(export_cluster(again));
  EXPECT_FALSE(fs::exists(dir_ / "c/tftp/sub1"));  // replaced, not merged with
  EXPECT_TRUE(fs::exists(dir_ / "c/tftp/cucm-pub/ITLSEP001E7A000001.tlv"));
}

TEST_F(ClusterExport, the_itl_follows_the_cucm_version) {
  auto v12 = options("v12");
  v12.version = "12.5";
  v12.phones = 0;
  ASSERT_TRUE(export_cluster(v12));
  auto itl12 = sim::parse_trust_list(read("v12/tftp/sub1/ITLFile.tlv"));
  ASSERT_TRUE(itl12);
  EXPECT_EQ(text_of(itl12->header.signer.name).rfind("CN=ITLRECOVERY_pub.example.lab;", 0), 0u);

  auto v9 = options("v9");
  v9.version = "9.1";
  v9.nodes = {"cucm-pub"};
  auto r = export_cluster(v9);
  ASSERT_TRUE(r) << r.err().message;
  auto itl9 = sim::parse_trust_list(read("v9/tftp/cucm-pub/ITLFile.tlv"));
  ASSERT_TRUE(itl9);
  EXPECT_EQ(itl9->records.size(), 4u);  // CallManager SAST + TFTP, CAPF, TVS
  EXPECT_FALSE(fs::exists(dir_ / "v9/keys/cucm-pub/ITLRecovery.p12"));  // none before 10.0
}

TEST_F(ClusterExport, mixed_mode_serves_one_ctl_under_cucms_names_on_every_node) {
  auto o = options("m");
  o.version = "12.5";
  o.mixed_mode = true;
  auto r = export_cluster(o);
  ASSERT_TRUE(r) << r.err().message;
  const bytes ctl = read("m/tftp/pub/CTLFile.tlv");
  ASSERT_FALSE(ctl.empty());
  EXPECT_EQ(read("m/tftp/sub1/CTLFile.tlv"), ctl);
  for (const char* f : {"pub/CTLSEP001E7A000000.tlv", "pub/CTLSEP001E7A000002.tlv",
                        "sub1/CTLSEP001E7A000001.tlv", "sub1/CTLSEP001E7A000003.tlv"})
    EXPECT_EQ(read(fs::path("m/tftp") / f), ctl) << f;
  EXPECT_FALSE(fs::exists(dir_ / "m/tftp/pub/CTLSEP001E7A000001.tlv"));
  ASSERT_TRUE(r->nodes[1].ctl);
  EXPECT_EQ(r->nodes[1].ctl->sha1, sim::sha1(ctl));
  // A phone holding the CTL accepts every node's ITL (signed by ITLRecovery, a SAST of the CTL).
  auto parsed = sim::parse_trust_list(ctl);
  ASSERT_TRUE(parsed);
  for (const char* itl : {"m/tftp/pub/ITLFile.tlv", "m/tftp/sub1/ITLSEP001E7A000001.tlv"}) {
    auto f = sim::parse_trust_list(read(itl));
    ASSERT_TRUE(f) << itl;
    EXPECT_TRUE(sim::verify_with(*f, *parsed).ok()) << itl;
  }
  EXPECT_NE(text("m/manifest.json").find("\"path\": \"tftp/sub1/CTLFile.tlv\""), std::string::npos);

  auto old = options("old");
  old.version = "9.1";
  old.mixed_mode = true;
  EXPECT_NE(refused(old).find("--mixed-mode: a tokenless CTL needs CUCM 10.0(1) or later"),
            std::string::npos);
}

TEST_F(ClusterExport, names_cucm_or_x509_cannot_take_are_refused_naming_the_option) {
  auto o = options("x");
  o.nodes = {"pub", "PUB"};
  EXPECT_EQ(refused(o), "--nodes: 'PUB' appears twice");
  o.nodes = {"bad_name"};
  EXPECT_EQ(refused(o),
            "--nodes: 'bad_name' is not a host name (letters, digits and '-', at most 63)");
  o.nodes = {};
  EXPECT_EQ(refused(o), "--nodes: expected at least one node (the publisher)");
  o.nodes = {"pub"};
  o.domain = "example..lab";
  EXPECT_EQ(refused(o), "--domain: 'example..lab' is not a DNS domain");
  // 64 nodes is the most whose ITL stays under 64 KB.
  o = options("x");
  o.nodes.clear();
  for (int i = 0; i < 65; ++i) o.nodes.push_back("n" + std::to_string(i));
  EXPECT_NE(refused(o).find("--nodes: at most 64 nodes"), std::string::npos);
  // ITLRECOVERY_pub.<domain> must fit in 64 bytes from 10.0, not before;
  // every node has one named after itself.
  o = options("x");
  o.nodes = {"pub", std::string(41, 's')};
  EXPECT_EQ(
      refused(o).rfind("--nodes/--domain: certificate name 'ITLRECOVERY_" + std::string(41, 's') +
                           ".example.lab' would be 65 bytes; X.509 allows at most 64",
                       0),
      0u);
  o.nodes = {"pub"};
  o.domain = std::string(49, 'd');
  EXPECT_NE(refused(o).find("X.509 allows at most 64"), std::string::npos);
  o.version = "9.1";
  o.phones = 0;
  EXPECT_TRUE(export_cluster(o));
}

TEST_F(ClusterExport, values_out_of_range_are_refused_naming_the_option) {
  auto o = options("x");
  o.version = "ten";
  EXPECT_EQ(refused(o).rfind("--version: ", 0), 0u);
  o = options("x");
  o.phones = 0x1000001;
  EXPECT_EQ(refused(o),
            "--phones: at most 16777216 phones fit the MAC range 001E7A000000-001E7AFFFFFF");
  o = options("x");
  o.key_bits = 512;
  EXPECT_EQ(refused(o), "--key-bits: expected 1024 or 2048, got 512");
  o = options("x");
  o.timestamp = 4294967296;
  EXPECT_EQ(refused(o), "--timestamp: expected Unix seconds from 0 to 4294967295, got 4294967296");
}

TEST_F(ClusterExport, an_out_that_is_a_file_is_an_error_naming_it) {
  const fs::path file = dir_ / "a-file";
  std::ofstream(file) << "x";
  auto o = options("a-file");
  auto r = export_cluster(o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().message, file.string() + " exists and is not a directory");
}

}  // namespace
}  // namespace itlfleet::cluster_export
