#include "itlfleet/sim/crypto.hpp"

#include <gtest/gtest.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <random>
#include <string>

namespace itlfleet::sim {
namespace {

// Keys are deterministic, so tests share a few instead of paying for
// generation in every test.
const rsa_key& key_1024() {
  static const rsa_key key = [] {
    deterministic_stream stream("crypto_test/1024");
    return rsa_key::generate(1024, stream);
  }();
  return key;
}

const rsa_key& other_key_1024() {
  static const rsa_key key = [] {
    deterministic_stream stream("crypto_test/1024/other");
    return rsa_key::generate(1024, stream);
  }();
  return key;
}

const rsa_key& key_2048() {
  static const rsa_key key = [] {
    deterministic_stream stream("crypto_test/2048");
    return rsa_key::generate(2048, stream);
  }();
  return key;
}

distinguished_name publisher_name() {
  return {"test10pub.joemar2.lab", "tac", "cisco", "rtp", "nc", "US"};
}

bytes test_serial() {
  return {0x5a, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
          0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
}

constexpr std::int64_t jan_2026 = 1767225600;  // 2026-01-01T00:00:00Z

certificate service_cert() {
  return certificate::self_signed(key_1024(), publisher_name(), test_serial(), jan_2026, 1826,
                                  cert_profile::service);
}

std::string hex(const bytes& b) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (auto c : b) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

bytes data_of(std::string_view s) {
  return bytes(s.begin(), s.end());
}

// --- deterministic_stream ---------------------------------------------------

TEST(DeterministicStream, same_seed_gives_same_bytes) {
  deterministic_stream a("seed"), b("seed");
  bytes x(100), y(100);
  a.fill(x.data(), x.size());
  b.fill(y.data(), y.size());
  EXPECT_EQ(x, y);
}

TEST(DeterministicStream, different_seeds_give_different_bytes) {
  deterministic_stream a("seed-a"), b("seed-b");
  bytes x(32), y(32);
  a.fill(x.data(), x.size());
  b.fill(y.data(), y.size());
  EXPECT_NE(x, y);
}

TEST(DeterministicStream, output_does_not_depend_on_how_it_is_chunked) {
  deterministic_stream whole("chunks"), pieces("chunks");
  bytes x(97), y(97);
  whole.fill(x.data(), x.size());
  std::size_t at = 0;
  for (std::size_t n : {1, 31, 1, 33, 0, 31}) {
    pieces.fill(y.data() + at, n);
    at += n;
  }
  ASSERT_EQ(at, y.size());
  EXPECT_EQ(x, y);
}

TEST(DeterministicStream, first_block_is_sha256_of_seed_and_counter_zero) {
  deterministic_stream stream("abc");
  bytes block(32);
  stream.fill(block.data(), block.size());
  bytes input = data_of("abc");
  input.insert(input.end(), 8, 0);  // big-endian u64 counter 0
  EXPECT_EQ(block, sha256(input));
}

// --- rsa_key ------------------------------------------------------------------

TEST(RsaKey, same_stream_state_gives_identical_key) {
  deterministic_stream a("same"), b("same");
  const rsa_key x = rsa_key::generate(1024, a);
  const rsa_key y = rsa_key::generate(1024, b);
  EXPECT_EQ(x.private_pem(), y.private_pem());
  EXPECT_EQ(x.public_pkcs1_der(), y.public_pkcs1_der());
}

TEST(RsaKey, next_key_from_the_same_stream_differs) {
  deterministic_stream stream("twice");
  const rsa_key x = rsa_key::generate(1024, stream);
  const rsa_key y = rsa_key::generate(1024, stream);
  EXPECT_NE(x.public_pkcs1_der(), y.public_pkcs1_der());
}

TEST(RsaKey, generates_the_requested_size) {
  EXPECT_TRUE(key_1024().valid());
  EXPECT_EQ(key_1024().bits(), 1024);
  EXPECT_EQ(key_2048().bits(), 2048);
}

TEST(RsaKey, public_pkcs1_der_is_140_bytes_for_1024_and_270_for_2048) {
  EXPECT_EQ(key_1024().public_pkcs1_der().size(), 140u);
  EXPECT_EQ(key_2048().public_pkcs1_der().size(), 270u);
}

TEST(RsaKey, generated_key_passes_openssl_consistency_check) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, key_1024().get(), nullptr);
  ASSERT_NE(ctx, nullptr);
  EXPECT_EQ(EVP_PKEY_check(ctx), 1);
  EVP_PKEY_CTX_free(ctx);
}

TEST(RsaKey, public_pkcs1_der_round_trips) {
  const bytes der = key_1024().public_pkcs1_der();
  auto key = rsa_key::from_public_pkcs1(der);
  ASSERT_TRUE(key) << key.err().to_string();
  EXPECT_EQ(key->bits(), 1024);
  EXPECT_EQ(key->public_pkcs1_der(), der);
}

TEST(RsaKey, from_public_pkcs1_rejects_garbage) {
  EXPECT_FALSE(rsa_key::from_public_pkcs1(bytes{}));
  EXPECT_FALSE(rsa_key::from_public_pkcs1(data_of("not a key at all")));
  bytes der = key_1024().public_pkcs1_der();
  EXPECT_FALSE(rsa_key::from_public_pkcs1(byte_view(der).first(der.size() - 1)));
  der.push_back(0);
  auto trailing = rsa_key::from_public_pkcs1(der);
  ASSERT_FALSE(trailing);
  EXPECT_NE(trailing.err().message.find("unexpected bytes"), std::string::npos);
}

TEST(RsaKey, from_public_pkcs1_never_crashes_on_truncations_and_bit_flips) {
  const bytes der = key_1024().public_pkcs1_der();
  for (std::size_t n = 0; n < der.size(); ++n) {
    EXPECT_FALSE(rsa_key::from_public_pkcs1(byte_view(der).first(n))) << "prefix " << n;
  }
  for (std::size_t i = 0; i < 8; ++i) {
    bytes flipped = der;
    flipped[i] ^= 0x80;
    (void)rsa_key::from_public_pkcs1(flipped);  // header bytes: must not crash
  }
}

TEST(RsaKey, private_pem_round_trips) {
  auto key = rsa_key::from_pem(key_1024().private_pem());
  ASSERT_TRUE(key) << key.err().to_string();
  EXPECT_EQ(key->private_pem(), key_1024().private_pem());
  EXPECT_EQ(key->public_pkcs1_der(), key_1024().public_pkcs1_der());
}

TEST(RsaKey, from_pem_rejects_garbage) {
  auto key = rsa_key::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
  ASSERT_FALSE(key);
  EXPECT_FALSE(key.err().message.empty());
  EXPECT_FALSE(rsa_key::from_pem(""));
}

TEST(RsaKey, default_constructed_key_is_empty) {
  rsa_key key;
  EXPECT_FALSE(key.valid());
  EXPECT_EQ(key.bits(), 0);
  EXPECT_TRUE(key.public_pkcs1_der().empty());
}

// --- signatures -------------------------------------------------------------

class SignVerify : public testing::TestWithParam<digest_algorithm> {};

TEST_P(SignVerify, signature_round_trips) {
  const bytes data = data_of("ITLFile.tlv contents");
  const bytes sig = rsa_sign(key_1024(), GetParam(), data);
  EXPECT_EQ(sig.size(), 128u);
  EXPECT_TRUE(rsa_verify(key_1024(), GetParam(), data, sig));
}

TEST_P(SignVerify, signature_verifies_with_the_public_half_alone) {
  const bytes data = data_of("signed config");
  const bytes sig = rsa_sign(key_2048(), GetParam(), data);
  EXPECT_EQ(sig.size(), 256u);
  auto pub = rsa_key::from_public_pkcs1(key_2048().public_pkcs1_der());
  ASSERT_TRUE(pub);
  EXPECT_TRUE(rsa_verify(*pub, GetParam(), data, sig));
}

TEST_P(SignVerify, signing_is_deterministic) {
  const bytes data = data_of("same input");
  EXPECT_EQ(rsa_sign(key_1024(), GetParam(), data), rsa_sign(key_1024(), GetParam(), data));
}

TEST_P(SignVerify, verify_fails_for_tampered_data) {
  bytes data = data_of("original");
  const bytes sig = rsa_sign(key_1024(), GetParam(), data);
  data[0] ^= 1;
  EXPECT_FALSE(rsa_verify(key_1024(), GetParam(), data, sig));
}

TEST_P(SignVerify, verify_fails_for_tampered_signature) {
  const bytes data = data_of("original");
  bytes sig = rsa_sign(key_1024(), GetParam(), data);
  sig[60] ^= 0x10;
  EXPECT_FALSE(rsa_verify(key_1024(), GetParam(), data, sig));
}

TEST_P(SignVerify, verify_fails_with_the_wrong_key) {
  const bytes data = data_of("original");
  const bytes sig = rsa_sign(key_1024(), GetParam(), data);
  EXPECT_FALSE(rsa_verify(other_key_1024(), GetParam(), data, sig));
}

TEST_P(SignVerify, verify_fails_for_truncated_empty_or_overlong_signature) {
  const bytes data = data_of("original");
  const bytes sig = rsa_sign(key_1024(), GetParam(), data);
  EXPECT_FALSE(rsa_verify(key_1024(), GetParam(), data, byte_view(sig).first(127)));
  EXPECT_FALSE(rsa_verify(key_1024(), GetParam(), data, bytes{}));
  bytes longer = sig;
  longer.push_back(0);
  EXPECT_FALSE(rsa_verify(key_1024(), GetParam(), data, longer));
}

TEST_P(SignVerify, verify_fails_with_an_empty_key) {
  const bytes data = data_of("original");
  const bytes sig = rsa_sign(key_1024(), GetParam(), data);
  EXPECT_FALSE(rsa_verify(rsa_key{}, GetParam(), data, sig));
}

INSTANTIATE_TEST_SUITE_P(AllDigests, SignVerify,
                         testing::Values(digest_algorithm::sha1, digest_algorithm::sha256,
                                         digest_algorithm::sha512),
                         [](const testing::TestParamInfo<digest_algorithm>& param_info) {
                           switch (param_info.param) {
                             case digest_algorithm::sha1:
                               return "sha1";
                             case digest_algorithm::sha256:
                               return "sha256";
                             case digest_algorithm::sha512:
                               return "sha512";
                           }
                           return "unknown";
                         });

TEST(SignVerify, signature_made_with_one_digest_does_not_verify_with_another) {
  const bytes data = data_of("digest matters");
  const bytes sig = rsa_sign(key_1024(), digest_algorithm::sha1, data);
  EXPECT_FALSE(rsa_verify(key_1024(), digest_algorithm::sha256, data, sig));
}

// --- digests ----------------------------------------------------------------

TEST(Digest, match_published_test_vectors_for_abc) {
  const bytes abc = data_of("abc");
  EXPECT_EQ(hex(sha1(abc)), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(hex(sha256(abc)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex(md5(abc)), "900150983cd24fb0d6963f7d28e17f72");
}

TEST(Digest, of_empty_input_is_well_defined) {
  EXPECT_EQ(hex(sha1(bytes{})), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(md5(bytes{}).size(), 16u);
}

// --- certificate --------------------------------------------------------------

TEST(DistinguishedName, cucm_string_joins_parts_with_semicolons_and_skips_empty_ones) {
  EXPECT_EQ(publisher_name().cucm_string(),
            "CN=test10pub.joemar2.lab;OU=tac;O=cisco;L=rtp;ST=nc;C=US");
  distinguished_name partial{"host", "", "cisco", "", "", "US"};
  EXPECT_EQ(partial.cucm_string(), "CN=host;O=cisco;C=US");
}

TEST(Certificate, service_certificate_has_cucm_der_size_684) {
  EXPECT_EQ(service_cert().der().size(), 684u);
}

TEST(Certificate, recovery_certificate_has_cucm_der_size_692) {
  distinguished_name dn = publisher_name();
  dn.cn = "ITLRECOVERY_test10pub.joe2.lab";
  const certificate cert = certificate::self_signed(key_1024(), dn, test_serial(), jan_2026, 1826,
                                                    cert_profile::recovery);
  EXPECT_EQ(cert.der().size(), 692u);
  EXPECT_EQ(cert.subject(), "CN=ITLRECOVERY_test10pub.joe2.lab;OU=tac;O=cisco;L=rtp;ST=nc;C=US");
}

TEST(Certificate, same_inputs_give_identical_der) {
  EXPECT_EQ(service_cert().der(), service_cert().der());
}

TEST(Certificate, subject_and_issuer_are_in_cucm_form) {
  const certificate cert = service_cert();
  EXPECT_EQ(cert.subject(), "CN=test10pub.joemar2.lab;OU=tac;O=cisco;L=rtp;ST=nc;C=US");
  EXPECT_EQ(cert.issuer(), cert.subject());
}

TEST(Certificate, serial_is_the_given_16_bytes) {
  EXPECT_EQ(service_cert().serial(), test_serial());
}

TEST(Certificate, signature_value_is_the_raw_128_byte_signature) {
  const certificate cert = service_cert();
  const bytes sig = cert.signature_value();
  ASSERT_EQ(sig.size(), 128u);
  // The signature is the last thing in the DER.
  EXPECT_TRUE(std::equal(sig.begin(), sig.end(), cert.der().end() - 128));
}

TEST(Certificate, is_self_signed_with_sha256_and_verifies) {
  const certificate cert = service_cert();
  EXPECT_EQ(X509_get_signature_nid(cert.get()), NID_sha256WithRSAEncryption);
  EXPECT_EQ(X509_verify(cert.get(), key_1024().get()), 1);
  EXPECT_EQ(X509_get_version(cert.get()), X509_VERSION_3);
}

TEST(Certificate, public_key_matches_the_signing_key) {
  EXPECT_EQ(service_cert().public_key().public_pkcs1_der(), key_1024().public_pkcs1_der());
}

TEST(Certificate, pkcs1_public_key_read_from_the_certificate_equals_the_keys_own) {
  const certificate cert = service_cert();
  EXPECT_EQ(cert.public_key_pkcs1(), key_1024().public_pkcs1_der());
  EXPECT_EQ(cert.public_key_pkcs1().size(), 140u);
}

TEST(Certificate, pkcs1_public_key_found_in_the_der_without_decoding_equals_openssls) {
  const certificate big = certificate::self_signed(key_2048(), publisher_name(), test_serial(),
                                                   jan_2026, 1826, cert_profile::recovery);
  for (const certificate& cert : {service_cert(), big}) {
    const auto found = certificate_public_key_pkcs1(cert.der());
    ASSERT_TRUE(found);
    EXPECT_EQ(*found, cert.public_key_pkcs1());
  }
}

TEST(Certificate, pkcs1_public_key_walk_refuses_garbage_and_never_crashes) {
  EXPECT_FALSE(certificate_public_key_pkcs1(bytes{}));
  EXPECT_FALSE(certificate_public_key_pkcs1(data_of("definitely not DER")));
  const bytes der = service_cert().der();
  // Every prefix that cuts into the key or what leads to it is refused.
  for (std::size_t n = 0; n < der.size() - 300; ++n)
    EXPECT_FALSE(certificate_public_key_pkcs1(byte_view(der).first(n))) << "prefix " << n;
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    bytes d = der;
    d[rng() % d.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
    (void)certificate_public_key_pkcs1(d);  // an answer or nothing, never a crash
  }
}

TEST(Certificate, sha1_is_the_fingerprint_of_the_der) {
  const certificate cert = service_cert();
  EXPECT_EQ(cert.sha1(), sha1(cert.der()));
  EXPECT_EQ(cert.sha1().size(), 20u);
}

TEST(Certificate, validity_runs_from_not_before_for_the_given_days_in_utctime) {
  const certificate cert = service_cert();
  EXPECT_EQ(cert.not_after_unix(), jan_2026 + 1826 * 86400);
  EXPECT_EQ(ASN1_STRING_type(X509_get0_notBefore(cert.get())), V_ASN1_UTCTIME);
  EXPECT_EQ(ASN1_STRING_type(X509_get0_notAfter(cert.get())), V_ASN1_UTCTIME);
}

TEST(Certificate, profiles_carry_cucm_extensions) {
  const certificate service = service_cert();
  const certificate recovery = certificate::self_signed(key_1024(), publisher_name(), test_serial(),
                                                        jan_2026, 1826, cert_profile::recovery);
  for (const certificate* cert : {&service, &recovery}) {
    EXPECT_EQ(
        X509_get_key_usage(cert->get()),
        static_cast<std::uint32_t>(KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT |
                                   KU_DATA_ENCIPHERMENT | KU_KEY_AGREEMENT | KU_KEY_CERT_SIGN));
    EXPECT_NE(X509_get0_subject_key_id(cert->get()), nullptr);
    EXPECT_LT(X509_get_ext_by_NID(cert->get(), NID_basic_constraints, -1), 0);
    const int ku = X509_get_ext_by_NID(cert->get(), NID_key_usage, -1);
    ASSERT_GE(ku, 0);
    EXPECT_EQ(X509_EXTENSION_get_critical(X509_get_ext(cert->get(), ku)), 0);
  }
  EXPECT_EQ(X509_get_extended_key_usage(service.get()),
            static_cast<std::uint32_t>(XKU_SSL_SERVER | XKU_SSL_CLIENT));
  // ipsecEndSystem has no XKU flag: check the OID list instead.
  auto* eku = static_cast<EXTENDED_KEY_USAGE*>(
      X509_get_ext_d2i(service.get(), NID_ext_key_usage, nullptr, nullptr));
  ASSERT_NE(eku, nullptr);
  EXPECT_EQ(sk_ASN1_OBJECT_num(eku), 3);
  EXPECT_EQ(OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, 2)), NID_ipsecEndSystem);
  EXTENDED_KEY_USAGE_free(eku);
  eku = static_cast<EXTENDED_KEY_USAGE*>(
      X509_get_ext_d2i(recovery.get(), NID_ext_key_usage, nullptr, nullptr));
  ASSERT_NE(eku, nullptr);
  EXPECT_EQ(sk_ASN1_OBJECT_num(eku), 2);
  EXTENDED_KEY_USAGE_free(eku);
}

TEST(Certificate, der_round_trips_byte_for_byte) {
  const certificate cert = service_cert();
  auto parsed = certificate::from_der(cert.der());
  ASSERT_TRUE(parsed) << parsed.err().to_string();
  EXPECT_EQ(parsed->der(), cert.der());
  EXPECT_EQ(parsed->subject(), cert.subject());
  EXPECT_EQ(parsed->serial(), cert.serial());
  EXPECT_EQ(parsed->sha1(), cert.sha1());
  EXPECT_EQ(parsed->not_after_unix(), cert.not_after_unix());
}

TEST(Certificate, pem_round_trips) {
  const certificate cert = service_cert();
  auto parsed = certificate::from_pem(cert.pem());
  ASSERT_TRUE(parsed) << parsed.err().to_string();
  EXPECT_EQ(parsed->der(), cert.der());
}

TEST(Certificate, from_der_rejects_garbage_truncation_and_trailing_bytes) {
  EXPECT_FALSE(certificate::from_der(bytes{}));
  EXPECT_FALSE(certificate::from_der(data_of("definitely not DER")));
  bytes der = service_cert().der();
  for (std::size_t n : {1ul, 4ul, 100ul, der.size() - 1}) {
    EXPECT_FALSE(certificate::from_der(byte_view(der).first(n))) << "prefix " << n;
  }
  der.push_back(0);
  EXPECT_FALSE(certificate::from_der(der));
  EXPECT_FALSE(certificate::from_pem("no pem here"));
}

TEST(Certificate, reads_names_written_by_other_tools_in_their_rdn_order) {
  // A certificate with C first, as `openssl req -subj /C=US/O=x/CN=y` makes.
  X509* x = X509_new();
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("US"),
                             -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("Example"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("other"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509_set_pubkey(x, key_1024().get());
  X509_gmtime_adj(X509_getm_notBefore(x), 0);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  ASSERT_GT(X509_sign(x, key_1024().get(), EVP_sha256()), 0);
  unsigned char* der = nullptr;
  const int len = i2d_X509(x, &der);
  ASSERT_GT(len, 0);
  auto cert = certificate::from_der(byte_view(der, static_cast<std::size_t>(len)));
  OPENSSL_free(der);
  X509_free(x);
  ASSERT_TRUE(cert);
  EXPECT_EQ(cert->subject(), "C=US;O=Example;CN=other");
  EXPECT_TRUE(cert->serial().empty());  // serial 0 has no significant bytes
}

TEST(Certificate, default_constructed_certificate_is_empty) {
  certificate cert;
  EXPECT_FALSE(cert.valid());
  EXPECT_TRUE(cert.der().empty());
  EXPECT_EQ(cert.subject(), "");
  EXPECT_FALSE(cert.public_key().valid());
}

// --- PKCS#12 ----------------------------------------------------------------

TEST(Pkcs12, round_trips_key_and_certificate) {
  const certificate cert = service_cert();
  const bytes p12 = write_pkcs12(key_1024(), cert, "cluster-pass", "ITLRecovery");
  auto opened = read_pkcs12(p12, "cluster-pass");
  ASSERT_TRUE(opened) << opened.err().to_string();
  EXPECT_EQ(opened->cert.der(), cert.der());
  EXPECT_EQ(opened->key.public_pkcs1_der(), key_1024().public_pkcs1_der());
  // The key that comes out signs like the key that went in.
  const bytes data = data_of("re-sign the ITL");
  EXPECT_EQ(rsa_sign(opened->key, digest_algorithm::sha1, data),
            rsa_sign(key_1024(), digest_algorithm::sha1, data));
}

TEST(Pkcs12, wrong_password_gives_a_clear_error) {
  const bytes p12 = write_pkcs12(key_1024(), service_cert(), "old-password", "ITLRecovery");
  auto opened = read_pkcs12(p12, "new-password");
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.err().message.find("wrong password"), std::string::npos) << opened.err().message;
  EXPECT_NE(opened.err().message.find("cluster security password"), std::string::npos);
}

TEST(Pkcs12, garbage_and_truncated_files_give_errors) {
  EXPECT_FALSE(read_pkcs12(bytes{}, "pw"));
  EXPECT_FALSE(read_pkcs12(data_of("this is not a p12 file"), "pw"));
  const bytes p12 = write_pkcs12(key_1024(), service_cert(), "pw", "ITLRecovery");
  for (std::size_t n : {1ul, 16ul, p12.size() / 2, p12.size() - 1}) {
    auto opened = read_pkcs12(byte_view(p12).first(n), "pw");
    ASSERT_FALSE(opened) << "prefix " << n;
    EXPECT_FALSE(opened.err().message.empty());
  }
}

TEST(Pkcs12, corrupted_contents_give_an_error_not_a_crash) {
  const bytes p12 = write_pkcs12(key_1024(), service_cert(), "pw", "ITLRecovery");
  for (std::size_t at = 0; at < p12.size(); at += 37) {
    bytes bad = p12;
    bad[at] ^= 0x5a;
    (void)read_pkcs12(bad, "pw");  // any outcome but a crash
  }
  bytes bad = p12;
  bad[p12.size() / 2] ^= 0x01;  // inside the encrypted content: the MAC catches it
  EXPECT_FALSE(read_pkcs12(bad, "pw"));
}

// --- errors -----------------------------------------------------------------

TEST(OpensslError, reports_and_clears_the_queue) {
  EXPECT_FALSE(certificate::from_der(data_of("junk")));  // consumes its own error
  const unsigned char junk[] = {0x30, 0x03, 0x02, 0x01};
  const unsigned char* p = junk;
  EXPECT_EQ(d2i_X509(nullptr, &p, sizeof junk), nullptr);
  EXPECT_NE(openssl_error(), "unknown OpenSSL error");
  EXPECT_EQ(openssl_error(), "unknown OpenSSL error");
}

}  // namespace
}  // namespace itlfleet::sim
