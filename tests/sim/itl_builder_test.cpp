// The header under test comes first: it must compile on its own.
#include "itlfleet/sim/itl_builder.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "itlfleet/sim/cluster_itl.hpp"
#include "itlfleet/sim/crypto.hpp"
#include "itlfleet/sim/pki.hpp"
#include "itlfleet/sim/trust_file.hpp"
#include "itlfleet/sim/verify.hpp"
#include "seed_cluster.hpp"

namespace itlfleet::sim {
namespace {

using test::seed_built_at;
using test::seed_cluster;
using test::seed_entries;
using test::seed_factory;
using test::seed_ids;
using test::seed_itl;
using test::seed_reset_at;

build_options itl_options() {
  build_options o;
  o.timestamp = seed_built_at;
  return o;
}

/// Offset in `data` of the value of `tag` in record `index` of the parsed file.
std::size_t field_value_offset(const trust_file& f, std::size_t index, record_tag tag) {
  std::size_t pos = f.header.header_length;
  for (std::size_t i = 0; i < index; ++i) pos += f.records[i].encoded_size();
  pos += 5;  // RECORDLENGTH
  for (const record_field& field : f.records[index].fields) {
    if (field.tag == tag) return pos + 3;
    pos += 3 + field.value.size();
  }
  ADD_FAILURE() << "record " << index << " has no tag " << static_cast<int>(tag);
  return 0;
}

// --- build_trust_list -------------------------------------------------------

TEST(BuildTrustList, parses_and_round_trips_byte_for_byte) {
  const trust_file built = seed_itl();
  const bytes data = serialise(built);
  auto parsed = parse_trust_list(data);
  ASSERT_TRUE(parsed.ok()) << parsed.err().to_string();
  EXPECT_EQ(serialise(*parsed), data);
  EXPECT_EQ(parsed->records, built.records);
  EXPECT_EQ(parsed->header.signer, built.header.signer);
  EXPECT_EQ(parsed->header.header_length % 4, 0);
  EXPECT_EQ(text_of(parsed->header.filename), "ITLFile.tlv");
  EXPECT_EQ(parsed->header.timestamp, seed_built_at);
  EXPECT_EQ(parsed->header.version_major, 1);
  EXPECT_EQ(parsed->header.version_minor, 2);
}

TEST(BuildTrustList, verifies_with_itself_through_the_signing_sast_record) {
  const trust_file f = seed_itl();
  const verification v = verify_with(f, f);
  EXPECT_TRUE(v.ok()) << v.describe();
  EXPECT_EQ(v.signer_record, 0u);
  // And after a trip through the bytes, as a phone sees it.
  auto parsed = parse_trust_list(serialise(f));
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(verify_with(*parsed, *parsed).ok());
}

TEST(BuildTrustList, header_names_the_signer_by_serial_and_issuer) {
  const trust_file f = seed_itl();
  const certificate& cert = seed_ids().callmanager.cert;
  EXPECT_EQ(text_of(f.header.signer.name), cert.subject());
  EXPECT_EQ(text_of(f.header.signer.ca_name), cert.issuer());
  EXPECT_EQ(f.header.signer.serial, cert.serial());
  EXPECT_EQ(f.header.signature.size(), 128u);
  EXPECT_EQ(f.header.signature_modulus, 1);  // 1024-bit
}

TEST(BuildTrustList, hash_only_records_carry_certhash_instead_of_the_certificate) {
  const trust_file f = seed_itl();
  const auto entries = seed_entries();
  ASSERT_EQ(f.records.size(), entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const record& r = f.records[i];
    SCOPED_TRACE("record " + std::to_string(i + 1));
    EXPECT_EQ(r.subject(), entries[i].cert.subject());
    EXPECT_TRUE(r.has_role(entries[i].role));
    EXPECT_EQ(r.serial(), entries[i].cert.serial());
    ASSERT_NE(r.public_key(), nullptr);
    EXPECT_EQ(*r.public_key(), entries[i].cert.public_key().public_pkcs1_der());
    EXPECT_EQ(r.cert_sha1(), entries[i].cert.sha1());
    if (entries[i].hash_only) {
      EXPECT_EQ(r.certificate(), nullptr);
      ASSERT_NE(r.find(record_tag::cert_hash), nullptr);
      EXPECT_EQ(*r.find(record_tag::hash_algorithm), bytes{1});
    } else {
      ASSERT_NE(r.certificate(), nullptr);
      EXPECT_EQ(*r.certificate(), entries[i].cert.der());
      EXPECT_EQ(r.find(record_tag::cert_hash), nullptr);
    }
  }
}

TEST(BuildTrustList, same_inputs_give_identical_bytes) {
  EXPECT_EQ(serialise(seed_itl()), serialise(seed_itl()));
}

TEST(BuildTrustList, other_digests_sign_and_verify) {
  for (digest_algorithm d : {digest_algorithm::sha256, digest_algorithm::sha512}) {
    build_options o = itl_options();
    o.digest = d;
    const trust_file f = build_trust_list(seed_entries(), seed_ids().callmanager, o);
    auto parsed = parse_trust_list(serialise(f));
    ASSERT_TRUE(parsed.ok()) << parsed.err().to_string();
    EXPECT_EQ(parsed->header.digest, d);
    EXPECT_TRUE(verify_with(*parsed, *parsed).ok()) << digest_name(d);
  }
}

// --- sign_with: the bulk ITL reset ------------------------------------------

TEST(SignWith, itl_recovery_becomes_the_signer_and_the_file_still_verifies) {
  const trust_file original = seed_itl();
  trust_file reset = original;
  sign_with(reset, seed_ids().recovery, seed_reset_at);

  EXPECT_EQ(text_of(reset.header.signer.name), seed_ids().recovery.cert.subject());
  EXPECT_EQ(reset.header.signer.serial, seed_ids().recovery.cert.serial());
  EXPECT_EQ(reset.header.timestamp, seed_reset_at);
  EXPECT_EQ(reset.records, original.records);
  EXPECT_EQ(reset.header.filename, original.header.filename);
  EXPECT_NE(reset.header.signature, original.header.signature);
  // A longer signer name makes a longer header, still a multiple of four.
  EXPECT_GT(reset.header.header_length, original.header.header_length);
  EXPECT_EQ(reset.header.header_length % 4, 0);

  auto parsed = parse_trust_list(serialise(reset));
  ASSERT_TRUE(parsed.ok()) << parsed.err().to_string();
  const verification v = verify_with(*parsed, *parsed);
  EXPECT_TRUE(v.ok()) << v.describe();
  EXPECT_EQ(v.signer_record, 4u);  // the ITLRecovery SAST record
}

TEST(SignWith, keeps_the_digest_of_the_file) {
  build_options o = itl_options();
  o.digest = digest_algorithm::sha256;
  trust_file f = build_trust_list(seed_entries(), seed_ids().callmanager, o);
  sign_with(f, seed_ids().recovery, seed_reset_at);
  EXPECT_EQ(f.header.digest, digest_algorithm::sha256);
  EXPECT_TRUE(verify_with(f, f).ok());
}

TEST(SignWith, signing_back_with_callmanager_restores_the_original_bytes) {
  const trust_file original = seed_itl();
  trust_file f = original;
  sign_with(f, seed_ids().recovery, seed_reset_at);
  sign_with(f, seed_ids().callmanager, seed_built_at);
  EXPECT_EQ(serialise(f), serialise(original));
}

TEST(PhoneTrust, accepts_a_file_re_signed_by_the_itl_recovery_key_of_its_installed_itl) {
  const trust_file installed = seed_itl();
  trust_file reset = installed;
  sign_with(reset, seed_ids().recovery, seed_reset_at);
  const verification v = verify_with(reset, installed);
  EXPECT_TRUE(v.ok()) << v.describe();
  EXPECT_EQ(v.signer_record, 4u);
}

TEST(PhoneTrust, rejects_a_file_signed_by_a_fresh_unknown_key) {
  const trust_file installed = seed_itl();
  const identity stranger = seed_factory().make(cert_purpose::callmanager, "intruder.example.lab");
  trust_file forged = installed;
  sign_with(forged, stranger, seed_reset_at);
  EXPECT_FALSE(verify_with(forged, forged).ok());  // the stranger is no record of it either
  const verification v = verify_with(forged, installed);
  EXPECT_EQ(v.status, verify_status::signer_not_found);
  EXPECT_FALSE(v.signer_record);
}

TEST(PhoneTrust, rejects_an_itl_signed_by_a_regenerated_callmanager_certificate) {
  // Same subject and issuer, new key and serial: what `set cert regen
  // CallManager` produces. Only the serial tells the phone it is not the one it knows.
  const identity regenerated =
      seed_factory().make(cert_purpose::callmanager, "test10pub.joemar2.lab", /*generation=*/1);
  ASSERT_EQ(regenerated.cert.subject(), seed_ids().callmanager.cert.subject());
  std::vector<itl_entry> entries = seed_entries();
  entries[0].cert = entries[1].cert = regenerated.cert;
  const trust_file next = build_trust_list(entries, regenerated, itl_options());
  EXPECT_TRUE(verify_with(next, next).ok());
  EXPECT_EQ(verify_with(next, seed_itl()).status, verify_status::signer_not_found);
}

TEST(PhoneTrust, rejects_a_signer_that_copies_a_trusted_serial_and_issuer) {
  // The header can claim any serial; the signature still has to verify with
  // the trusted record's key.
  const identity& real = seed_ids().callmanager;
  deterministic_stream stream("itl_builder_test/impostor");
  identity impostor;
  impostor.key = rsa_key::generate(1024, stream);
  impostor.cert =
      certificate::self_signed(impostor.key, seed_factory().name_for("test10pub.joemar2.lab"),
                               real.cert.serial(), 1767225600, 1826, cert_profile::service);
  trust_file forged = seed_itl();
  sign_with(forged, impostor, seed_reset_at);
  const verification v = verify_with(forged, seed_itl());
  EXPECT_EQ(v.status, verify_status::bad_signature);
  EXPECT_EQ(v.signer_record, 0u);
}

TEST(PhoneTrust, a_record_whose_publickey_is_not_its_certificates_key_vouches_for_nothing) {
  // A forger who got an ITL installed on faith could put his own key in a
  // record's PUBLICKEY beside the genuine certificate; files signed with it
  // and naming the genuine signer must not pass as the certificate's.
  const identity& real = seed_ids().callmanager;
  deterministic_stream stream("itl_builder_test/key-swapper");
  identity impostor;
  impostor.key = rsa_key::generate(1024, stream);
  impostor.cert =
      certificate::self_signed(impostor.key, seed_factory().name_for("test10pub.joemar2.lab"),
                               real.cert.serial(), 1767225600, 1826, cert_profile::service);
  trust_file installed = seed_itl();
  for (record_field& f : installed.records[0].fields)
    if (f.tag == record_tag::public_key) f.value = impostor.key.public_pkcs1_der();
  ASSERT_EQ(*installed.records[0].certificate(), real.cert.der());
  trust_file forged = seed_itl();
  sign_with(forged, impostor, seed_reset_at);
  const verification v = verify_with(forged, installed);
  EXPECT_EQ(v.status, verify_status::unusable_key) << v.describe();
  // The genuine file fails too: the record no longer says which key is right.
  EXPECT_EQ(verify_with(seed_itl(), installed).status, verify_status::unusable_key);
}

// --- signed files (.sgn) ----------------------------------------------------

TEST(SignedFile, builds_parses_round_trips_and_verifies_against_the_tftp_record) {
  const std::string device = device_name(0x001E7A0000AB);
  const std::string xml = phone_config_xml(device, {"test10pub.joemar2.lab"});
  build_options o;
  o.filename = config_name_for(device);
  o.timestamp = seed_built_at;
  const trust_file sgn = build_signed_file(as_bytes(xml), seed_ids().callmanager, o);
  const bytes data = serialise(sgn);

  auto parsed = parse_signed_file(data);
  ASSERT_TRUE(parsed.ok()) << parsed.err().to_string();
  EXPECT_EQ(serialise(*parsed), data);
  EXPECT_EQ(parsed->kind, file_kind::signed_file);
  EXPECT_EQ(parsed->header.version_major, 1);
  EXPECT_EQ(parsed->header.version_minor, 0);
  EXPECT_EQ(text_of(parsed->header.filename), "SEP001E7A0000AB.cnf.xml.sgn");
  EXPECT_EQ(parsed->payload, to_bytes(xml));
  EXPECT_TRUE(parsed->records.empty());

  const verification v = verify_with(*parsed, seed_itl());
  EXPECT_TRUE(v.ok()) << v.describe();
  EXPECT_EQ(v.signer_record, 1u);  // a config needs the TFTP record, not the SAST one
  EXPECT_TRUE(verify_signature(*parsed, seed_ids().callmanager.cert.public_key()));
}

TEST(SignedFile, is_rejected_when_its_signer_is_only_a_sast_record) {
  // ITLRecovery is a SAST: it may sign an ITL but not a phone's config.
  build_options o;
  o.filename = "SEP001E7A000001.cnf.xml.sgn";
  const trust_file sgn = build_signed_file(as_bytes("<device/>"), seed_ids().recovery, o);
  EXPECT_EQ(verify_with(sgn, seed_itl()).status, verify_status::signer_not_found);
}

TEST(SignedFile, from_another_node_is_rejected) {
  build_options o;
  o.filename = "SEP001E7A000001.cnf.xml.sgn";
  const trust_file sgn = build_signed_file(as_bytes("<device/>"), seed_ids().sub_callmanager, o);
  EXPECT_EQ(verify_with(sgn, seed_itl()).status, verify_status::signer_not_found);
}

TEST(SignedFile, tampered_payload_does_not_verify) {
  build_options o;
  o.filename = "SEP001E7A000001.cnf.xml.sgn";
  bytes data = serialise(build_signed_file(as_bytes("<device><sshAccess>1</sshAccess></device>"),
                                           seed_ids().callmanager, o));
  data[data.size() - 12] ^= 0x01;
  auto parsed = parse_signed_file(data);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(verify_with(*parsed, seed_itl()).status, verify_status::bad_signature);
}

// --- tampering --------------------------------------------------------------

TEST(Tampering, a_changed_byte_in_any_record_breaks_verification) {
  const trust_file f = seed_itl();
  const bytes data = serialise(f);
  for (std::size_t i = 0; i < f.records.size(); ++i) {
    for (record_tag tag :
         {record_tag::subject_name, record_tag::signature, record_tag::public_key}) {
      bytes copy = data;
      copy[field_value_offset(f, i, tag) + 5] ^= 0x20;
      auto parsed = parse_trust_list(copy);
      ASSERT_TRUE(parsed.ok()) << parsed.err().to_string();
      // The signer is still found by serial and issuer, so it is the
      // signature that fails; but a changed PUBLICKEY of the signer's own
      // record (the first) no longer matches its certificate: no usable key.
      const verify_status want = i == 0 && tag == record_tag::public_key
                                     ? verify_status::unusable_key
                                     : verify_status::bad_signature;
      EXPECT_EQ(verify_with(*parsed, *parsed).status, want)
          << "record " << i + 1 << " tag " << static_cast<int>(tag);
    }
  }
}

TEST(Tampering, a_changed_header_timestamp_or_signature_breaks_verification) {
  const trust_file f = seed_itl();
  {
    trust_file g = f;
    g.header.timestamp += 1;
    EXPECT_EQ(verify_with(g, g).status, verify_status::bad_signature);
  }
  {
    trust_file g = f;
    g.header.signature[17] ^= 0x80;
    EXPECT_EQ(verify_with(g, g).status, verify_status::bad_signature);
  }
}

// --- names and the phone config ----------------------------------------------

TEST(DeviceNames, follow_cucm_conventions) {
  EXPECT_EQ(device_name(0x001E7A000001), "SEP001E7A000001");
  EXPECT_EQ(device_name(0xABCDEF012345), "SEPABCDEF012345");
  EXPECT_EQ(itl_name_for("SEP001E7A000001"), "ITLSEP001E7A000001.tlv");
  EXPECT_EQ(config_name_for("SEP001E7A000001"), "SEP001E7A000001.cnf.xml.sgn");
}

TEST(DeviceNames, phones_count_from_one_first_mac_under_ciscos_oui) {
  EXPECT_EQ(device_name(first_phone_mac), "SEP001E7A000000");
  EXPECT_EQ(device_name(first_phone_mac + phone_mac_count - 1), "SEP001E7AFFFFFF");
}

TEST(PhoneConfig, names_the_device_and_its_tvs_servers_in_order) {
  const std::string xml = phone_config_xml("SEP001E7A000001", {"pub.lab", "sub.lab"});
  EXPECT_NE(xml.find("<name>SEP001E7A000001</name>"), std::string::npos);
  const auto pub = xml.find("<address>pub.lab</address>");
  const auto sub = xml.find("<address>sub.lab</address>");
  ASSERT_NE(pub, std::string::npos);
  ASSERT_NE(sub, std::string::npos);
  EXPECT_LT(pub, sub);
}

// --- cluster_itl: which records a TFTP node's ITL has -------------------------

node_itl_inputs publisher_inputs(std::string_view version) {
  return test::seed_publisher_inputs(cucm_version::parse(version).value());
}

std::vector<std::uint16_t> roles_of(const std::vector<itl_entry>& entries) {
  std::vector<std::uint16_t> out;
  for (const auto& e : entries) out.push_back(static_cast<std::uint16_t>(e.role));
  return out;
}

TEST(ClusterItl, version_10_has_the_seed_records_in_the_seed_order) {
  const auto entries = node_itl_entries(publisher_inputs("10.0"));
  const auto expected = seed_entries();
  ASSERT_EQ(entries.size(), expected.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i].cert.der(), expected[i].cert.der()) << i;
    EXPECT_EQ(entries[i].role, expected[i].role) << i;
    EXPECT_EQ(entries[i].hash_only, expected[i].hash_only) << i;
  }
  EXPECT_EQ(serialise(build_node_itl(publisher_inputs("10.0"), itl_options())),
            serialise(seed_itl()));
}

TEST(ClusterItl, before_10_there_is_no_itl_recovery_record) {
  node_itl_inputs in = publisher_inputs("9.1");
  in.publisher_itlrecovery = {};
  EXPECT_EQ(roles_of(node_itl_entries(in)), (std::vector<std::uint16_t>{0, 3, 4, 21, 21}));
  EXPECT_EQ(&node_itl_signer(in), &in.callmanager);
}

TEST(ClusterItl, callmanager_signs_in_10_and_11_itl_recovery_from_12) {
  for (const char* v : {"10.0", "10.5", "11.5"}) {
    const node_itl_inputs in = publisher_inputs(v);
    EXPECT_EQ(&node_itl_signer(in), &in.callmanager) << v;
  }
  const node_itl_inputs in12 = publisher_inputs("12.5");
  EXPECT_EQ(&node_itl_signer(in12), &in12.publisher_itlrecovery);
  const trust_file f = build_node_itl(in12, itl_options());
  EXPECT_EQ(f.header.signer.serial, seed_ids().recovery.cert.serial());
  const verification v = verify_with(f, f);
  EXPECT_TRUE(v.ok());
  EXPECT_EQ(v.signer_record, 4u);
}

TEST(ClusterItl, a_subscriber_puts_its_own_callmanager_and_tvs_first) {
  const seed_cluster& c = seed_ids();
  node_itl_inputs in = publisher_inputs("10.0");
  in.callmanager = c.sub_callmanager;
  in.own_tvs = c.sub_tvs.cert;
  const auto entries = node_itl_entries(in);
  ASSERT_EQ(entries.size(), 6u);
  EXPECT_EQ(entries[0].cert.der(), c.sub_callmanager.cert.der());
  EXPECT_EQ(entries[1].cert.der(), c.sub_callmanager.cert.der());
  EXPECT_EQ(entries[2].cert.der(), c.capf.cert.der());  // the publisher's CAPF
  EXPECT_EQ(entries[3].cert.der(), c.sub_tvs.cert.der());
  EXPECT_EQ(entries[4].cert.der(), c.recovery.cert.der());
  EXPECT_EQ(entries[5].cert.der(), c.tvs.cert.der());  // the other TVS node: the publisher
  // Each TFTP node's ITL differs, so its checksum does.
  EXPECT_NE(sim::sha1(serialise(build_node_itl(in, itl_options()))),
            sim::sha1(serialise(seed_itl())));
}

TEST(ClusterItl, a_node_without_tvs_lists_only_the_tvs_nodes) {
  node_itl_inputs in = publisher_inputs("10.0");
  in.own_tvs.reset();
  in.cluster_tvs = {seed_ids().sub_tvs.cert};
  EXPECT_EQ(roles_of(node_itl_entries(in)), (std::vector<std::uint16_t>{0, 3, 4, 0, 21}));
}

TEST(CucmVersion, parses_releases_and_rejects_garbage) {
  EXPECT_EQ(cucm_version::parse("10.0")->to_string(), "10.0");
  EXPECT_EQ(cucm_version::parse("12.5(1)SU3")->to_string(), "12.5");
  EXPECT_FALSE(cucm_version::parse("12").ok()) << "a release is written major.minor";
  EXPECT_FALSE(cucm_version::parse("10.5SU3").ok()) << "a letter glued to the minor";
  EXPECT_FALSE(cucm_version::parse("12345.1").ok()) << "at most 4 digits";
  EXPECT_EQ(cucm_version::parse("9.1(2)")->to_string(), "9.1");
  EXPECT_EQ(cucm_version::parse("14.0.1.13900-155")->to_string(), "14.0");
  EXPECT_FALSE(cucm_version::parse("").ok());
  EXPECT_FALSE(cucm_version::parse("ten").ok());
  EXPECT_FALSE(cucm_version::parse("10.x").ok());
  EXPECT_FALSE(cucm_version::parse("10a").ok());
  EXPECT_LT(*cucm_version::parse("9.1"), *cucm_version::parse("10.0"));
  EXPECT_FALSE(cucm_version::parse("9.1")->has_itl_recovery());
  EXPECT_TRUE(cucm_version::parse("10.0")->has_itl_recovery());
  EXPECT_FALSE(cucm_version::parse("11.5")->recovery_signs_itl());
  EXPECT_TRUE(cucm_version::parse("12.0")->recovery_signs_itl());
}

}  // namespace
}  // namespace itlfleet::sim
