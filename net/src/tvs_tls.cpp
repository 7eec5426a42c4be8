#include "itlfleet/net/tvs_tls.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace itlfleet::net {

namespace ssl = boost::asio::ssl;

std::string tvs_tls_security::to_string() const {
  if (!lowered) return {};
  return "TLS security level lowered to " + std::to_string(level) + " for " +
         std::to_string(key_bits) + "-bit TVS key";
}

int min_rsa_bits(int level) {
  switch (level) {
    case 0:
      return 0;
    case 1:
      return 1024;
    case 2:
      return 2048;
    case 3:
      return 3072;
    case 4:
      return 7680;
    default:
      return 15360;
  }
}

result<tvs_server_tls> make_tvs_server_tls(const sim::identity& id) {
  if (!id.key.valid() || !id.cert.valid())
    return error{"TVS credentials need both a certificate and its private key"};
  tvs_server_tls out;
  out.context = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* ctx = out.context->native_handle();
  out.context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3);
  out.context->set_verify_mode(ssl::verify_none);

  auto& sec = out.security;
  sec.key_bits = id.key.bits();
  sec.default_level = SSL_CTX_get_security_level(ctx);
  sec.level = sec.default_level;
  if (sec.key_bits < min_rsa_bits(sec.level)) {
    SSL_CTX_set_security_level(ctx, 0);
    sec.level = 0;
    sec.lowered = true;
  }
  if (X509_check_private_key(id.cert.get(), id.key.get()) != 1)
    return error{"TVS private key does not match its certificate: " + sim::openssl_error()};
  if (SSL_CTX_use_certificate(ctx, id.cert.get()) != 1)
    return error{"TVS certificate refused: " + sim::openssl_error()};
  if (SSL_CTX_use_PrivateKey(ctx, id.key.get()) != 1)
    return error{"TVS private key refused: " + sim::openssl_error()};
  return out;
}

ssl::context make_tvs_client_context(bool accept_legacy_peers) {
  ssl::context ctx(ssl::context::tls_client);
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3);
  ctx.set_verify_mode(ssl::verify_none);
  if (accept_legacy_peers) SSL_CTX_set_security_level(ctx.native_handle(), 0);
  return ctx;
}

bytes peer_certificate_der(SSL* ssl) {
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (cert == nullptr) return {};
  bytes der;
  const int n = i2d_X509(cert, nullptr);
  if (n > 0) {
    der.resize(static_cast<std::size_t>(n));
    unsigned char* p = der.data();
    i2d_X509(cert, &p);
  }
  X509_free(cert);
  return der;
}

}  // namespace itlfleet::net
