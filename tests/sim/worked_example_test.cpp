// The worked example of docs/formats.md: the seed's `show itl` of a CUCM 10.0
// publisher, rebuilt from certificates of the same sizes. Every length the
// real file shows must come out the same, before and after `utils itl reset`.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "itlfleet/sim/cluster_itl.hpp"
#include "itlfleet/sim/crypto.hpp"
#include "itlfleet/sim/itl_builder.hpp"
#include "itlfleet/sim/pki.hpp"
#include "itlfleet/sim/show_itl.hpp"
#include "itlfleet/sim/trust_file.hpp"
#include "itlfleet/sim/verify.hpp"
#include "seed_cluster.hpp"

namespace itlfleet::sim {
namespace {

using test::seed_built_at;
using test::seed_cluster;
using test::seed_ids;
using test::seed_itl;
using test::seed_publisher_inputs;
using test::seed_reset_at;

std::size_t field_size(const record& r, record_tag t) {
  const bytes* v = r.find(t);
  return v ? v->size() : 0;
}

TEST(WorkedExample, certificates_have_the_seed_sizes) {
  const seed_cluster& c = seed_ids();
  EXPECT_EQ(c.callmanager.cert.der().size(), 684u);
  EXPECT_EQ(c.recovery.cert.der().size(), 692u);
  EXPECT_EQ(c.callmanager.cert.subject(),
            "CN=test10pub.joemar2.lab;OU=tac;O=cisco;L=rtp;ST=nc;C=US");
  EXPECT_EQ(c.capf.cert.subject(), "CN=CAPF-75638ad9;OU=tac;O=cisco;L=rtp;ST=nc;C=US");
  for (const identity* id : {&c.callmanager, &c.tvs, &c.capf, &c.recovery, &c.sub_tvs}) {
    EXPECT_EQ(id->cert.serial().size(), 16u) << id->cert.subject();
  }
  EXPECT_EQ(c.sub_tvs.key.bits(), 2048);
}

TEST(WorkedExample, callmanager_signed_itl_has_every_length_of_the_seed) {
  const trust_file f = seed_itl();
  const bytes data = serialise(f);
  EXPECT_EQ(f.header.header_length, 324);
  EXPECT_EQ(f.header.signer.name.size(), 57u);
  EXPECT_EQ(f.header.signer.serial.size(), 16u);
  EXPECT_EQ(f.header.signer.ca_name.size(), 57u);
  EXPECT_EQ(f.header.signature.size(), 128u);
  EXPECT_EQ(f.header.filename.size(), 12u);

  const std::vector<std::size_t> record_lengths = {1115, 1115, 439, 455, 1141, 713};
  ASSERT_EQ(f.records.size(), record_lengths.size());
  for (std::size_t i = 0; i < record_lengths.size(); ++i) {
    EXPECT_EQ(f.records[i].encoded_size(), record_lengths[i]) << "record #" << i + 1;
  }
  EXPECT_EQ(data.size(), 5302u);

  // The per-field lengths `show itl` prints.
  const record& recovery = f.records[4];
  EXPECT_EQ(field_size(recovery, record_tag::subject_name), 66u);
  EXPECT_EQ(field_size(recovery, record_tag::certificate), 692u);
  EXPECT_EQ(field_size(f.records[0], record_tag::certificate), 684u);
  EXPECT_EQ(field_size(f.records[2], record_tag::subject_name), 49u);
  EXPECT_EQ(field_size(f.records[5], record_tag::public_key), 270u);
  EXPECT_EQ(field_size(f.records[5], record_tag::signature), 256u);
  EXPECT_EQ(field_size(f.records[3], record_tag::public_key), 140u);
  EXPECT_EQ(field_size(f.records[3], record_tag::cert_hash), 20u);

  auto parsed = parse_trust_list(data);
  ASSERT_TRUE(parsed.ok()) << parsed.err().to_string();
  EXPECT_TRUE(verify_with(*parsed, *parsed).ok());
}

TEST(WorkedExample, itl_recovery_signed_itl_after_reset_is_344_and_5322) {
  const trust_file original = seed_itl();
  trust_file reset = original;
  sign_with(reset, seed_ids().recovery, seed_reset_at);
  const bytes data = serialise(reset);
  EXPECT_EQ(reset.header.header_length, 344);
  EXPECT_EQ(reset.header.signer.name.size(), 66u);
  EXPECT_EQ(data.size(), 5322u);

  auto parsed = parse_trust_list(data);
  ASSERT_TRUE(parsed.ok()) << parsed.err().to_string();
  const verification self = verify_with(*parsed, *parsed);
  EXPECT_TRUE(self.ok()) << self.describe();
  EXPECT_EQ(self.signer_record, 4u);
  // And a phone holding the CallManager-signed ITL installs it.
  EXPECT_TRUE(verify_with(*parsed, original).ok());
}

TEST(WorkedExample, cluster_rule_builds_the_same_file) {
  build_options o;
  o.timestamp = seed_built_at;
  EXPECT_EQ(serialise(build_node_itl(seed_publisher_inputs(cucm_version{10, 0}), o)),
            serialise(seed_itl()));
}

TEST(WorkedExample, show_itl_prints_the_seed_lengths) {
  const bytes data = serialise(seed_itl());
  const show_report before = show_trust_list(data);
  ASSERT_TRUE(before.verified) << before.text;
  for (const char* line :
       {"Length of ITL file: 5302\n", "HeaderLength: 324 (BYTES)\n", "3 SIGNERID 2 139\n",
        "1 RECORDLENGTH 2 1115\n", "1 RECORDLENGTH 2 439\n", "1 RECORDLENGTH 2 455\n",
        "1 RECORDLENGTH 2 1141\n", "1 RECORDLENGTH 2 713\n",
        "3 SUBJECTNAME 66 CN=ITLRECOVERY_test10pub.joe2.lab;", "7 PUBLICKEY 270\n",
        "8 SIGNATURE 256\n", "9 CERTIFICATE 684 ", "9 CERTIFICATE 692 "}) {
    EXPECT_NE(before.text.find(line), std::string::npos) << line;
  }

  trust_file reset = seed_itl();
  sign_with(reset, seed_ids().recovery, seed_reset_at);
  const show_report after = show_trust_list(serialise(reset));
  ASSERT_TRUE(after.verified) << after.text;
  for (const char* line : {"Length of ITL file: 5322\n", "HeaderLength: 344 (BYTES)\n",
                           "3 SIGNERID 2 157\n", "4 SIGNERNAME 66 CN=ITLRECOVERY_"}) {
    EXPECT_NE(after.text.find(line), std::string::npos) << line;
  }
}

}  // namespace
}  // namespace itlfleet::sim
