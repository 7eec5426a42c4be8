#pragma once
/// RSA keys, X.509 certificates, PKCS#12 and signatures on OpenSSL 3 (EVP
/// only, no deprecated APIs). Objects are cheap to copy: they share the
/// underlying OpenSSL object, which is never modified after creation, so they
/// may be read from several threads.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "itlfleet/sim/bytes.hpp"
#include "itlfleet/sim/result.hpp"
#include "itlfleet/sim/trust_file.hpp"

typedef struct evp_pkey_st EVP_PKEY;
typedef struct x509_st X509;

namespace itlfleet::sim {

/// A deterministic byte stream (SHA-256 in counter mode over a seed string).
/// Key generation draws from it so that a seed always yields the same keys.
class deterministic_stream {
 public:
  explicit deterministic_stream(std::string_view seed);
  void fill(std::uint8_t* out, std::size_t n);

 private:
  bytes seed_;
  std::uint64_t counter_ = 0;
  bytes block_;
  std::size_t used_ = 0;
};

/// An RSA key pair (or only the public half, when read from a certificate).
class rsa_key {
 public:
  rsa_key() = default;
  explicit rsa_key(std::shared_ptr<EVP_PKEY> pkey) : pkey_(std::move(pkey)) {}

  /// Generates a key whose primes are drawn from `stream`: the same stream
  /// state gives the same key. `bits` is 1024, 2048 or 4096.
  static rsa_key generate(int bits, deterministic_stream& stream);
  static result<rsa_key> from_pem(std::string_view pem);
  /// Reads a DER PKCS#1 RSAPublicKey, the PUBLICKEY element of a record.
  static result<rsa_key> from_public_pkcs1(byte_view der);

  bool valid() const { return pkey_ != nullptr; }
  int bits() const;
  /// PKCS#1 RSAPublicKey DER (140 bytes for 1024-bit keys, 270 for 2048).
  bytes public_pkcs1_der() const;
  std::string private_pem() const;
  EVP_PKEY* get() const { return pkey_.get(); }

 private:
  std::shared_ptr<EVP_PKEY> pkey_;
};

/// Which extensions a generated certificate carries, as CUCM's self-signed
/// certificates do (and so with the same DER sizes).
enum class cert_profile {
  /// CallManager, TVS, CAPF: key usage, server/client/IPsec EKU, key id.
  service,
  /// ITLRecovery: key usage, server/client EKU, key id.
  recovery,
};

/// The distinguished name parts CUCM puts in every certificate subject.
struct distinguished_name {
  std::string cn, ou, o, l, st, c;
  /// CUCM's form: "CN=..;OU=..;O=..;L=..;ST=..;C=.." (empty parts left out).
  std::string cucm_string() const;
};

/// An X.509 certificate with its DER kept for hashing and embedding.
class certificate {
 public:
  certificate() = default;

  static certificate self_signed(const rsa_key& key, const distinguished_name& dn,
                                 const bytes& serial, std::int64_t not_before_unix, int days,
                                 cert_profile profile);
  static result<certificate> from_der(byte_view der);
  static result<certificate> from_pem(std::string_view pem);

  bool valid() const { return x509_ != nullptr; }
  const bytes& der() const { return der_; }
  std::string pem() const;
  /// Subject and issuer in CUCM's `;`-separated form.
  std::string subject() const;
  std::string issuer() const;
  bytes serial() const;  ///< raw big-endian bytes, no sign padding
  bytes signature_value() const;
  rsa_key public_key() const;
  /// The PKCS#1 RSAPublicKey DER, what a record's PUBLICKEY holds, read
  /// straight from the certificate's SubjectPublicKeyInfo (no key decoding).
  bytes public_key_pkcs1() const;
  bytes sha1() const;  ///< fingerprint of the DER, what CERTHASH holds
  std::int64_t not_after_unix() const;
  X509* get() const { return x509_.get(); }

 private:
  std::shared_ptr<X509> x509_;
  bytes der_;
};

/// The PKCS#1 RSAPublicKey DER inside a DER certificate's
/// SubjectPublicKeyInfo (what certificate::public_key_pkcs1() returns), found
/// by walking the DER's tags without decoding the certificate: about a
/// microsecond, where certificate::from_der costs ~150 us because OpenSSL 3
/// decodes the key through its providers. Nothing when the bytes are not
/// shaped like a certificate.
std::optional<bytes> certificate_public_key_pkcs1(byte_view der);

/// RSA PKCS#1 v1.5 signature of `data` with the given digest.
bytes rsa_sign(const rsa_key& key, digest_algorithm digest, byte_view data);
/// True when `signature` is a valid PKCS#1 v1.5 signature of `data`.
bool rsa_verify(const rsa_key& key, digest_algorithm digest, byte_view data, byte_view signature);

bytes sha1(byte_view data);
bytes sha256(byte_view data);
bytes md5(byte_view data);

/// ITLRecovery.p12: key and certificate under a password.
bytes write_pkcs12(const rsa_key& key, const certificate& cert, std::string_view password,
                   std::string_view friendly_name);
struct key_and_cert {
  rsa_key key;
  certificate cert;
};
/// Opens a .p12; a wrong password gives a clear error, never a crash.
result<key_and_cert> read_pkcs12(byte_view p12, std::string_view password);

/// The last OpenSSL error as text (for messages), clearing the queue.
std::string openssl_error();

}  // namespace itlfleet::sim
