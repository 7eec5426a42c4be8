#include "itlfleet/sim/crypto.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cassert>
#include <climits>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <utility>
#include <vector>

namespace itlfleet::sim {
namespace {

// RAII owners for the OpenSSL objects used here.
template <class T, void (*Free)(T*)>
struct ossl_deleter {
  void operator()(T* p) const { Free(p); }
};
template <class T, void (*Free)(T*)>
using ossl_ptr = std::unique_ptr<T, ossl_deleter<T, Free>>;

using bn_ptr = ossl_ptr<BIGNUM, BN_free>;
using bn_ctx_ptr = ossl_ptr<BN_CTX, BN_CTX_free>;
using bio_ptr = ossl_ptr<BIO, BIO_free_all>;
using md_ctx_ptr = ossl_ptr<EVP_MD_CTX, EVP_MD_CTX_free>;
using pkey_ctx_ptr = ossl_ptr<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using param_bld_ptr = ossl_ptr<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>;
using params_ptr = ossl_ptr<OSSL_PARAM, OSSL_PARAM_free>;
using x509_ptr = ossl_ptr<X509, X509_free>;
using x509_ext_ptr = ossl_ptr<X509_EXTENSION, X509_EXTENSION_free>;
using asn1_int_ptr = ossl_ptr<ASN1_INTEGER, ASN1_INTEGER_free>;
using p12_ptr = ossl_ptr<PKCS12, PKCS12_free>;

std::shared_ptr<EVP_PKEY> share(EVP_PKEY* p) {
  return {p, EVP_PKEY_free};
}
std::shared_ptr<X509> share(X509* p) {
  return {p, X509_free};
}

// Operations that cannot fail on valid inputs (signing with our own key,
// building a certificate) throw: a failure there is a bug or an exhausted
// process, not a per-phone condition.
[[noreturn]] void fail(const char* what) {
  throw std::runtime_error(std::string(what) + ": " + openssl_error());
}

bn_ptr new_bn() {
  bn_ptr bn(BN_new());
  if (!bn) fail("BN_new");
  return bn;
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

bio_ptr bio_over(std::string_view text) {
  if (text.size() > static_cast<std::size_t>(INT_MAX)) return nullptr;
  return bio_ptr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

const EVP_MD* md_for(digest_algorithm d) {
  switch (d) {
    case digest_algorithm::sha1:
      return EVP_sha1();
    case digest_algorithm::sha256:
      return EVP_sha256();
    case digest_algorithm::sha512:
      return EVP_sha512();
  }
  return nullptr;
}

bytes digest(const EVP_MD* md, byte_view data) {
  bytes out(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) != 1) fail("EVP_Digest");
  out.resize(len);
  return out;
}

// --- deterministic prime generation -------------------------------------

constexpr BN_ULONG public_exponent = 65537;

// Odd primes below 2^14 for a sieve: stepping a candidate by 2 only updates
// these residues, so most composites never reach Miller-Rabin.
const std::vector<BN_ULONG>& sieve_primes() {
  static const std::vector<BN_ULONG> primes = [] {
    constexpr std::size_t limit = 1 << 14;
    std::vector<bool> composite(limit, false);
    std::vector<BN_ULONG> out;
    for (std::size_t i = 3; i < limit; i += 2) {
      if (composite[i]) continue;
      out.push_back(i);
      for (std::size_t j = i * i; j < limit; j += 2 * i) composite[j] = true;
    }
    return out;
  }();
  return primes;
}

// Draws a `bits`-bit odd number with its top two bits set (so that the product
// of two such numbers has exactly twice as many bits).
bn_ptr draw_candidate(int bits, deterministic_stream& stream) {
  const std::size_t nbytes = static_cast<std::size_t>((bits + 7) / 8);
  bytes buf(nbytes);
  stream.fill(buf.data(), buf.size());
  const int excess = static_cast<int>(nbytes * 8) - bits;
  buf[0] = static_cast<std::uint8_t>(buf[0] & (0xFF >> excess));
  const int top = 7 - excess;  // bit index of the top bit within buf[0]
  buf[0] = static_cast<std::uint8_t>(buf[0] | (1 << top));
  if (top >= 1) {
    buf[0] = static_cast<std::uint8_t>(buf[0] | (1 << (top - 1)));
  } else {
    buf[1] = static_cast<std::uint8_t>(buf[1] | 0x80);
  }
  buf.back() |= 1;
  bn_ptr bn(BN_bin2bn(buf.data(), static_cast<int>(buf.size()), nullptr));
  if (!bn) fail("BN_bin2bn");
  return bn;
}

// The first prime p >= candidate with gcd(e, p - 1) = 1, or null when the
// search runs past `bits` bits (the caller draws again). The result depends
// only on the candidate: Miller-Rabin's random bases can only change the
// answer for a composite with negligible probability.
bn_ptr next_prime(bn_ptr candidate, int bits, BN_CTX* ctx) {
  const auto& primes = sieve_primes();
  std::vector<BN_ULONG> residues(primes.size());
  for (std::size_t i = 0; i < primes.size(); ++i) {
    residues[i] = BN_mod_word(candidate.get(), primes[i]);
    if (residues[i] == static_cast<BN_ULONG>(-1)) fail("BN_mod_word");
  }
  const BN_ULONG residue_e = BN_mod_word(candidate.get(), public_exponent);
  // 2^20 is thousands of average prime gaps at these sizes.
  for (BN_ULONG delta = 0; delta < (static_cast<BN_ULONG>(1) << 20); delta += 2) {
    if ((residue_e + delta) % public_exponent == 1) continue;  // e would divide p - 1
    bool sieved = true;
    for (std::size_t i = 0; i < primes.size(); ++i) {
      if ((residues[i] + delta) % primes[i] == 0) {
        sieved = false;
        break;
      }
    }
    if (!sieved) continue;
    bn_ptr p(BN_dup(candidate.get()));
    if (!p || BN_add_word(p.get(), delta) != 1) fail("BN_add_word");
    if (BN_num_bits(p.get()) != bits) return nullptr;
    const int is_prime = BN_check_prime(p.get(), ctx, nullptr);
    if (is_prime < 0) fail("BN_check_prime");
    if (is_prime == 1) return p;
  }
  return nullptr;
}

bn_ptr generate_prime(int bits, deterministic_stream& stream, BN_CTX* ctx) {
  for (;;) {
    if (bn_ptr p = next_prime(draw_candidate(bits, stream), bits, ctx)) return p;
  }
}

// --- certificates ---------------------------------------------------------

void add_name_entry(X509_NAME* name, int nid, const std::string& value) {
  if (value.empty()) return;
  if (X509_NAME_add_entry_by_NID(name, nid, MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(value.data()),
                                 static_cast<int>(value.size()), -1, 0) != 1) {
    fail("X509_NAME_add_entry_by_NID");
  }
}

// CUCM's "CN=..;OU=..;..." form, in the certificate's own RDN order.
std::string cucm_name(const X509_NAME* name) {
  std::string out;
  if (!name) return out;
  const int count = X509_NAME_entry_count(name);
  for (int i = 0; i < count; ++i) {
    const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, i);
    const ASN1_OBJECT* obj = X509_NAME_ENTRY_get_object(entry);
    const int nid = OBJ_obj2nid(obj);
    std::string key;
    if (nid != NID_undef) {
      key = OBJ_nid2sn(nid);
    } else {
      char buf[128];
      const int n = OBJ_obj2txt(buf, sizeof buf, obj, 1);
      key = n > 0 ? std::string(buf,
                                std::min<std::size_t>(static_cast<std::size_t>(n), sizeof buf - 1))
                  : "?";
    }
    unsigned char* utf8 = nullptr;
    const int len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry));
    std::string value;
    if (len >= 0) value.assign(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(len));
    OPENSSL_free(utf8);
    if (!out.empty()) out += ';';
    out += key;
    out += '=';
    out += value;
  }
  return out;
}

void add_extension(X509* x, X509V3_CTX* ctx, int nid, const char* value) {
  x509_ext_ptr ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value));
  if (!ext) fail("X509V3_EXT_conf_nid");
  if (X509_add_ext(x, ext.get(), -1) != 1) fail("X509_add_ext");
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
// algorithm); avoids timegm, which is not standard C++.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

result<certificate> certificate_error(const char* what) {
  return failure(std::string(what) + ": " + openssl_error());
}

}  // namespace

// --- deterministic_stream ---------------------------------------------------

deterministic_stream::deterministic_stream(std::string_view seed)
    : seed_(seed.begin(), seed.end()) {}

void deterministic_stream::fill(std::uint8_t* out, std::size_t n) {
  while (n > 0) {
    if (used_ == block_.size()) {
      // Block i = SHA-256(seed || big-endian u64 i).
      bytes input = seed_;
      for (int shift = 56; shift >= 0; shift -= 8) {
        input.push_back(static_cast<std::uint8_t>(counter_ >> shift));
      }
      ++counter_;
      block_ = sha256(input);
      used_ = 0;
    }
    const std::size_t take = std::min(n, block_.size() - used_);
    std::memcpy(out, block_.data() + used_, take);
    used_ += take;
    out += take;
    n -= take;
  }
}

// --- rsa_key ------------------------------------------------------------------

rsa_key rsa_key::generate(int bits, deterministic_stream& stream) {
  assert(bits >= 512);
  bn_ctx_ptr ctx(BN_CTX_new());
  if (!ctx) fail("BN_CTX_new");
  const int p_bits = bits - bits / 2;
  const int q_bits = bits / 2;
  bn_ptr p = generate_prime(p_bits, stream, ctx.get());
  bn_ptr q = generate_prime(q_bits, stream, ctx.get());
  while (BN_cmp(p.get(), q.get()) == 0) q = generate_prime(q_bits, stream, ctx.get());
  // Conventional order p > q (qInv = q^-1 mod p).
  if (BN_cmp(p.get(), q.get()) < 0) std::swap(p, q);

  bn_ptr e = new_bn(), n = new_bn(), p1 = new_bn(), q1 = new_bn(), phi = new_bn(), g = new_bn(),
         lambda = new_bn(), d = new_bn(), dp = new_bn(), dq = new_bn(), qinv = new_bn();
  bool ok = BN_set_word(e.get(), public_exponent) == 1 &&
            BN_mul(n.get(), p.get(), q.get(), ctx.get()) == 1 &&
            BN_sub(p1.get(), p.get(), BN_value_one()) == 1 &&
            BN_sub(q1.get(), q.get(), BN_value_one()) == 1 &&
            BN_mul(phi.get(), p1.get(), q1.get(), ctx.get()) == 1 &&
            BN_gcd(g.get(), p1.get(), q1.get(), ctx.get()) == 1 &&
            BN_div(lambda.get(), nullptr, phi.get(), g.get(), ctx.get()) == 1;
  // d = e^-1 mod lcm(p-1, q-1), as FIPS 186-4 and OpenSSL's own keygen do.
  ok = ok && BN_mod_inverse(d.get(), e.get(), lambda.get(), ctx.get()) != nullptr &&
       BN_mod(dp.get(), d.get(), p1.get(), ctx.get()) == 1 &&
       BN_mod(dq.get(), d.get(), q1.get(), ctx.get()) == 1 &&
       BN_mod_inverse(qinv.get(), q.get(), p.get(), ctx.get()) != nullptr;
  if (!ok) fail("RSA key arithmetic");
  assert(BN_num_bits(n.get()) == bits);

  param_bld_ptr bld(OSSL_PARAM_BLD_new());
  if (!bld) fail("OSSL_PARAM_BLD_new");
  ok = OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) == 1 &&
       OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) == 1 &&
       OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_D, d.get()) == 1 &&
       OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_FACTOR1, p.get()) == 1 &&
       OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_FACTOR2, q.get()) == 1 &&
       OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_EXPONENT1, dp.get()) == 1 &&
       OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_EXPONENT2, dq.get()) == 1 &&
       OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_COEFFICIENT1, qinv.get()) == 1;
  if (!ok) fail("OSSL_PARAM_BLD_push_BN");
  params_ptr params(OSSL_PARAM_BLD_to_param(bld.get()));
  if (!params) fail("OSSL_PARAM_BLD_to_param");

  pkey_ctx_ptr pctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  if (!pctx || EVP_PKEY_fromdata_init(pctx.get()) != 1) fail("EVP_PKEY_fromdata_init");
  EVP_PKEY* pkey = nullptr;
  if (EVP_PKEY_fromdata(pctx.get(), &pkey, EVP_PKEY_KEYPAIR, params.get()) != 1) {
    fail("EVP_PKEY_fromdata");
  }
  return rsa_key(share(pkey));
}

result<rsa_key> rsa_key::from_pem(std::string_view pem) {
  bio_ptr bio = bio_over(pem);
  if (!bio) return failure("PEM text too large");
  if (EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)) {
    return rsa_key(share(pkey));
  }
  // Not a private key: accept a public key (SubjectPublicKeyInfo) too.
  ERR_clear_error();
  bio = bio_over(pem);
  if (EVP_PKEY* pkey = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr)) {
    return rsa_key(share(pkey));
  }
  return failure("not a PEM private or public key: " + openssl_error());
}

result<rsa_key> rsa_key::from_public_pkcs1(byte_view der) {
  if (der.empty()) return failure("empty RSA public key");
  if (der.size() > static_cast<std::size_t>(LONG_MAX)) return failure("RSA public key too large");
  const unsigned char* p = der.data();
  EVP_PKEY* pkey = d2i_PublicKey(EVP_PKEY_RSA, nullptr, &p, static_cast<long>(der.size()));
  if (!pkey) return failure("not a DER PKCS#1 RSAPublicKey: " + openssl_error());
  auto shared = share(pkey);
  const auto used = static_cast<std::size_t>(p - der.data());
  if (used != der.size()) {
    return failure("DER PKCS#1 RSAPublicKey followed by " + std::to_string(der.size() - used) +
                   " unexpected bytes");
  }
  return rsa_key(std::move(shared));
}

int rsa_key::bits() const {
  return pkey_ ? EVP_PKEY_get_bits(pkey_.get()) : 0;
}

bytes rsa_key::public_pkcs1_der() const {
  if (!pkey_) return {};
  // For RSA keys i2d_PublicKey writes the type-specific PKCS#1 RSAPublicKey.
  const int len = i2d_PublicKey(pkey_.get(), nullptr);
  if (len <= 0) fail("i2d_PublicKey");
  bytes out(static_cast<std::size_t>(len));
  unsigned char* p = out.data();
  if (i2d_PublicKey(pkey_.get(), &p) != len) fail("i2d_PublicKey");
  return out;
}

std::string rsa_key::private_pem() const {
  if (!pkey_) return {};
  bio_ptr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), pkey_.get(), nullptr, nullptr, 0, nullptr,
                                       nullptr) != 1) {
    fail("PEM_write_bio_PrivateKey");
  }
  return bio_text(bio.get());
}

// --- certificates ---------------------------------------------------------

std::string distinguished_name::cucm_string() const {
  std::string out;
  const std::pair<const char*, const std::string*> parts[] = {{"CN", &cn}, {"OU", &ou}, {"O", &o},
                                                              {"L", &l},   {"ST", &st}, {"C", &c}};
  for (const auto& [key, value] : parts) {
    if (value->empty()) continue;
    if (!out.empty()) out += ';';
    out += key;
    out += '=';
    out += *value;
  }
  return out;
}

certificate certificate::self_signed(const rsa_key& key, const distinguished_name& dn,
                                     const bytes& serial, std::int64_t not_before_unix, int days,
                                     cert_profile profile) {
  assert(key.valid());
  x509_ptr x(X509_new());
  if (!x) fail("X509_new");
  if (X509_set_version(x.get(), X509_VERSION_3) != 1) fail("X509_set_version");

  bn_ptr serial_bn(BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr));
  if (!serial_bn) fail("BN_bin2bn");
  asn1_int_ptr serial_int(BN_to_ASN1_INTEGER(serial_bn.get(), nullptr));
  if (!serial_int || X509_set_serialNumber(x.get(), serial_int.get()) != 1) {
    fail("X509_set_serialNumber");
  }

  X509_NAME* name = X509_get_subject_name(x.get());
  add_name_entry(name, NID_commonName, dn.cn);
  add_name_entry(name, NID_organizationalUnitName, dn.ou);
  add_name_entry(name, NID_organizationName, dn.o);
  add_name_entry(name, NID_localityName, dn.l);
  add_name_entry(name, NID_stateOrProvinceName, dn.st);
  add_name_entry(name, NID_countryName, dn.c);
  if (X509_set_issuer_name(x.get(), name) != 1) fail("X509_set_issuer_name");

  // ASN1_TIME_set picks UTCTime for 1950..2049, GeneralizedTime outside, as
  // RFC 5280 requires.
  const auto not_before = static_cast<std::time_t>(not_before_unix);
  if (!ASN1_TIME_set(X509_getm_notBefore(x.get()), not_before) ||
      !ASN1_TIME_adj(X509_getm_notAfter(x.get()), not_before, days, 0)) {
    fail("ASN1_TIME_set");
  }
  if (X509_set_pubkey(x.get(), key.get()) != 1) fail("X509_set_pubkey");

  // The subject key identifier "hash" reads the public key from the context's
  // subject certificate, so the key must be set first.
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x.get(), x.get(), nullptr, nullptr, 0);
  add_extension(x.get(), &ctx, NID_key_usage,
                "digitalSignature, keyEncipherment, dataEncipherment, keyAgreement, keyCertSign");
  add_extension(x.get(), &ctx, NID_ext_key_usage,
                profile == cert_profile::service ? "serverAuth, clientAuth, ipsecEndSystem"
                                                 : "serverAuth, clientAuth");
  add_extension(x.get(), &ctx, NID_subject_key_identifier, "hash");

  if (X509_sign(x.get(), key.get(), EVP_sha256()) <= 0) fail("X509_sign");

  certificate cert;
  const int len = i2d_X509(x.get(), nullptr);
  if (len <= 0) fail("i2d_X509");
  cert.der_.resize(static_cast<std::size_t>(len));
  unsigned char* p = cert.der_.data();
  if (i2d_X509(x.get(), &p) != len) fail("i2d_X509");
  cert.x509_ = share(x.release());
  return cert;
}

result<certificate> certificate::from_der(byte_view der) {
  if (der.empty()) return failure("empty certificate");
  if (der.size() > static_cast<std::size_t>(LONG_MAX)) return failure("certificate too large");
  const unsigned char* p = der.data();
  X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (!x) return certificate_error("not a DER X.509 certificate");
  certificate cert;
  cert.x509_ = share(x);
  const auto used = static_cast<std::size_t>(p - der.data());
  if (used != der.size()) {
    return failure("DER certificate followed by " + std::to_string(der.size() - used) +
                   " unexpected bytes");
  }
  // Keep the bytes as given: CERTHASH is over them, not over a re-encoding.
  cert.der_.assign(der.begin(), der.end());
  return cert;
}

result<certificate> certificate::from_pem(std::string_view pem) {
  bio_ptr bio = bio_over(pem);
  if (!bio) return failure("PEM text too large");
  x509_ptr x(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!x) return certificate_error("not a PEM certificate");
  const int len = i2d_X509(x.get(), nullptr);
  if (len <= 0) return certificate_error("cannot encode certificate");
  bytes der(static_cast<std::size_t>(len));
  unsigned char* p = der.data();
  if (i2d_X509(x.get(), &p) != len) return certificate_error("cannot encode certificate");
  certificate cert;
  cert.x509_ = share(x.release());
  cert.der_ = std::move(der);
  return cert;
}

std::string certificate::pem() const {
  if (!x509_) return {};
  bio_ptr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), x509_.get()) != 1) fail("PEM_write_bio_X509");
  return bio_text(bio.get());
}

std::string certificate::subject() const {
  return x509_ ? cucm_name(X509_get_subject_name(x509_.get())) : std::string();
}

std::string certificate::issuer() const {
  return x509_ ? cucm_name(X509_get_issuer_name(x509_.get())) : std::string();
}

bytes certificate::serial() const {
  if (!x509_) return {};
  bn_ptr bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(x509_.get()), nullptr));
  if (!bn) fail("ASN1_INTEGER_to_BN");
  bytes out(static_cast<std::size_t>(BN_num_bytes(bn.get())));
  BN_bn2bin(bn.get(), out.data());
  return out;
}

bytes certificate::signature_value() const {
  if (!x509_) return {};
  const ASN1_BIT_STRING* sig = nullptr;
  X509_get0_signature(&sig, nullptr, x509_.get());
  if (!sig) return {};
  const unsigned char* data = ASN1_STRING_get0_data(sig);
  return bytes(data, data + ASN1_STRING_length(sig));
}

bytes certificate::public_key_pkcs1() const {
  if (!x509_) return {};
  // For RSA the BIT STRING of SubjectPublicKeyInfo is the RSAPublicKey DER.
  const ASN1_BIT_STRING* bits = X509_get0_pubkey_bitstr(x509_.get());
  if (bits == nullptr) return {};
  const unsigned char* data = ASN1_STRING_get0_data(bits);
  return bytes(data, data + ASN1_STRING_length(bits));
}

rsa_key certificate::public_key() const {
  if (!x509_) return {};
  EVP_PKEY* pkey = X509_get_pubkey(x509_.get());  // takes a reference
  if (!pkey) {
    ERR_clear_error();
    return {};
  }
  return rsa_key(share(pkey));
}

bytes certificate::sha1() const {
  return sim::sha1(der_);
}

std::int64_t certificate::not_after_unix() const {
  if (!x509_) return 0;
  std::tm tm{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(x509_.get()), &tm) != 1) {
    ERR_clear_error();
    return 0;
  }
  const std::int64_t days =
      days_from_civil(std::int64_t{tm.tm_year} + 1900, static_cast<unsigned>(tm.tm_mon + 1),
                      static_cast<unsigned>(tm.tm_mday));
  return days * 86400 + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
}

// --- signatures and digests -------------------------------------------------

bytes rsa_sign(const rsa_key& key, digest_algorithm digest, byte_view data) {
  assert(key.valid());
  md_ctx_ptr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, md_for(digest), nullptr, key.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0) {
    fail("EVP_DigestSignInit");
  }
  std::size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, data.data(), data.size()) != 1) {
    fail("EVP_DigestSign");
  }
  bytes out(len);
  if (EVP_DigestSign(ctx.get(), out.data(), &len, data.data(), data.size()) != 1) {
    fail("EVP_DigestSign");
  }
  out.resize(len);
  return out;
}

std::optional<bytes> certificate_public_key_pkcs1(byte_view der) {
  if (der.size() > static_cast<std::size_t>(LONG_MAX)) return std::nullopt;
  struct element {
    int tag = 0, cls = 0;
    const unsigned char* content = nullptr;
    long size = 0;
  };
  const unsigned char* p = der.data();
  long left = static_cast<long>(der.size());
  // One element's header; moves past the whole element. ASN1_get_object
  // checks the length against what is left.
  auto next = [&]() -> std::optional<element> {
    if (left <= 0) return std::nullopt;
    const unsigned char* start = p;
    element e;
    const int r = ASN1_get_object(&p, &e.size, &e.tag, &e.cls, left);
    if ((r & 0x80) != 0 || r == 0x21) {  // error, or indefinite length (not DER)
      ERR_clear_error();
      return std::nullopt;
    }
    e.content = p;
    p += e.size;
    left -= static_cast<long>(p - start);
    return e;
  };
  auto enter = [&](const element& e) {
    p = e.content;
    left = e.size;
  };
  const auto universal = [](const std::optional<element>& e, int tag) {
    return e && e->cls == V_ASN1_UNIVERSAL && e->tag == tag;
  };
  // Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL,
  //   serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo, ...
  auto e = next();
  if (!universal(e, V_ASN1_SEQUENCE)) return std::nullopt;
  enter(*e);
  e = next();
  if (!universal(e, V_ASN1_SEQUENCE)) return std::nullopt;
  enter(*e);
  e = next();
  if (e && e->cls == V_ASN1_CONTEXT_SPECIFIC && e->tag == 0) e = next();  // version
  for (int skipped = 0; skipped < 4 && e; ++skipped) e = next();          // serial .. subject
  e = e ? next() : std::nullopt;
  if (!universal(e, V_ASN1_SEQUENCE)) return std::nullopt;
  enter(*e);  // SubjectPublicKeyInfo ::= SEQUENCE { algorithm, subjectPublicKey BIT STRING }
  e = next();
  if (!universal(e, V_ASN1_SEQUENCE)) return std::nullopt;
  e = next();
  // The BIT STRING's first byte counts unused bits: 0 for a DER key.
  if (!universal(e, V_ASN1_BIT_STRING) || e->size < 1 || e->content[0] != 0) return std::nullopt;
  return bytes(e->content + 1, e->content + e->size);
}

bool rsa_verify(const rsa_key& key, digest_algorithm digest, byte_view data, byte_view signature) {
  const EVP_MD* md = md_for(digest);
  if (!key.valid() || !md || !EVP_PKEY_is_a(key.get(), "RSA")) return false;
  md_ctx_ptr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  const bool ok = ctx && EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, key.get()) == 1 &&
                  EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) > 0 &&
                  EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), data.data(),
                                   data.size()) == 1;
  // A bad signature is an answer, not an error worth reporting later.
  if (!ok) ERR_clear_error();
  return ok;
}

bytes sha1(byte_view data) {
  return digest(EVP_sha1(), data);
}
bytes sha256(byte_view data) {
  return digest(EVP_sha256(), data);
}
bytes md5(byte_view data) {
  return digest(EVP_md5(), data);
}

// --- PKCS#12 ----------------------------------------------------------------

bytes write_pkcs12(const rsa_key& key, const certificate& cert, std::string_view password,
                   std::string_view friendly_name) {
  assert(key.valid() && cert.valid());
  const std::string pass(password), name(friendly_name);
  // OpenSSL 3 defaults: AES-256-CBC with PBKDF2 for key and certificate,
  // HMAC-SHA-256 MAC.
  p12_ptr p12(PKCS12_create(pass.c_str(), name.empty() ? nullptr : name.c_str(), key.get(),
                            cert.get(), nullptr, 0, 0, 0, 0, 0));
  if (!p12) fail("PKCS12_create");
  const int len = i2d_PKCS12(p12.get(), nullptr);
  if (len <= 0) fail("i2d_PKCS12");
  bytes out(static_cast<std::size_t>(len));
  unsigned char* p = out.data();
  if (i2d_PKCS12(p12.get(), &p) != len) fail("i2d_PKCS12");
  return out;
}

result<key_and_cert> read_pkcs12(byte_view p12_der, std::string_view password) {
  if (p12_der.empty()) return failure("empty PKCS#12 (.p12) file");
  if (p12_der.size() > static_cast<std::size_t>(LONG_MAX)) return failure("PKCS#12 file too large");
  const unsigned char* p = p12_der.data();
  p12_ptr p12(d2i_PKCS12(nullptr, &p, static_cast<long>(p12_der.size())));
  if (!p12) return failure("not a PKCS#12 (.p12) file: " + openssl_error());

  const std::string pass(password);
  if (PKCS12_mac_present(p12.get()) &&
      PKCS12_verify_mac(p12.get(), pass.c_str(), static_cast<int>(pass.size())) != 1) {
    ERR_clear_error();
    return failure(
        "wrong password for the PKCS#12 (.p12) key store: the .p12 opens only with the cluster "
        "security password it was made under");
  }
  EVP_PKEY* pkey = nullptr;
  X509* x = nullptr;
  STACK_OF(X509)* ca = nullptr;
  if (PKCS12_parse(p12.get(), pass.c_str(), &pkey, &x, &ca) != 1) {
    return failure("cannot open the PKCS#12 (.p12) file: " + openssl_error());
  }
  sk_X509_pop_free(ca, X509_free);
  auto shared_key = pkey ? share(pkey) : nullptr;
  auto shared_cert = x ? share(x) : nullptr;
  if (!shared_key || !shared_cert) {
    return failure("the PKCS#12 (.p12) file lacks a private key or certificate");
  }

  const int len = i2d_X509(shared_cert.get(), nullptr);
  if (len <= 0) return failure("cannot encode the .p12 certificate: " + openssl_error());
  bytes der(static_cast<std::size_t>(len));
  unsigned char* out = der.data();
  i2d_X509(shared_cert.get(), &out);
  auto cert = certificate::from_der(der);
  if (!cert) return cert.err();
  return key_and_cert{rsa_key(std::move(shared_key)), std::move(cert).value()};
}

std::string openssl_error() {
  // The earliest queued error is usually the root cause; the later ones are
  // the callers' context.
  const unsigned long first = ERR_get_error();
  ERR_clear_error();
  if (first == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(first, buf, sizeof buf);
  return buf;
}

}  // namespace itlfleet::sim
