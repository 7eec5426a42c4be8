#pragma once
/// TLS contexts for TVS servers and clients, and the OpenSSL security level
/// they need.
///
/// OpenSSL 3 refuses RSA keys below 2048 bits at its default security level
/// (2 on Debian: EE_KEY_TOO_SMALL), while CUCM 10-era TVS certificates are
/// often 1024-bit. A server context is lowered to level 0 only when its key
/// needs it, and says so in tvs_tls_security so the caller can log it (this
/// library never prints). Level 0 rather than 1: the peers of such keys are
/// old phones and CUCMs that also sign with SHA-1 and may speak TLS 1.0/1.2,
/// which OpenSSL 3 refuses from level 1 up.

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "itlfleet/sim/bytes.hpp"
#include "itlfleet/sim/pki.hpp"
#include "itlfleet/sim/result.hpp"

typedef struct ssl_st SSL;

namespace itlfleet::net {

/// What a context's security level is, and whether we lowered it.
struct tvs_tls_security {
  int key_bits = 0;       ///< RSA modulus size of the context's own key (0: none)
  int default_level = 0;  ///< OpenSSL's level before we touched it
  int level = 0;          ///< the level in force
  bool lowered = false;   ///< level < default_level
  /// "TLS security level lowered to 0 for 1024-bit TVS key", or "" when not lowered.
  std::string to_string() const;
};

/// The smallest RSA modulus (bits) OpenSSL accepts at `level` (0..5).
int min_rsa_bits(int level);

/// A server context and its security.
struct tvs_server_tls {
  std::shared_ptr<boost::asio::ssl::context> context;
  tvs_tls_security security;
};

/// A TLS server context presenting `id.cert` with `id.key` (no client
/// certificate requested). The level is lowered to 0 when the key
/// is too small for OpenSSL's default. Errors: missing key or certificate, a
/// key that does not match the certificate.
result<tvs_server_tls> make_tvs_server_tls(const sim::identity& id);

/// A TLS client context for TVS: no client certificate and no CA
/// verification (a phone pins the server certificate by the SHA-1 digests of
/// its ITL's TVS records instead, see tvs_client.hpp). With
/// `accept_legacy_peers` (the default) the level is 0, so old servers (SHA-1
/// signature algorithms, TLS 1.0/1.1 where the build allows them) are
/// accepted; without it, OpenSSL's default applies. Either way a 1024-bit
/// server key passes: without CA verification OpenSSL does not judge the
/// peer's key size (checked by the tests).
boost::asio::ssl::context make_tvs_client_context(bool accept_legacy_peers = true);

/// The DER of the certificate the peer of `ssl` presented; empty if none.
bytes peer_certificate_der(SSL* ssl);

}  // namespace itlfleet::net
