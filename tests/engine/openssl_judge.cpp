#include "openssl_judge.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <memory>

namespace itlfleet::test {

bool openssl_verifies(byte_view cert_der, std::uint8_t digest, byte_view data,
                      byte_view signature) {
  const EVP_MD* md = digest == 1   ? EVP_sha1()
                     : digest == 2 ? EVP_sha256()
                     : digest == 3 ? EVP_sha512()
                                   : nullptr;
  if (md == nullptr || cert_der.empty()) return false;
  const unsigned char* p = cert_der.data();
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      d2i_X509(nullptr, &p, static_cast<long>(cert_der.size())), &X509_free);
  if (!cert) return false;
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(X509_get_pubkey(cert.get()),
                                                          &EVP_PKEY_free);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!key || !ctx) return false;
  // RSA keys verify PKCS#1 v1.5 by default: what CUCM signs trust files with.
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key.get()) != 1) return false;
  return EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), data.data(),
                          data.size()) == 1;
}

bytes openssl_sha1(byte_view data) {
  bytes out(SHA_DIGEST_LENGTH);
  SHA1(data.data(), data.size(), out.data());
  return out;
}

}  // namespace itlfleet::test
