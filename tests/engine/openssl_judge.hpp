#pragma once
// An independent judge of signatures for property tests: OpenSSL called
// directly on the bytes, sharing no code with sim's verifier or the trust
// oracle, so that a bug there cannot hide behind itself.

#include <cstdint>

#include "itlfleet/sim/bytes.hpp"

namespace itlfleet::test {

/// True when `signature` is a valid RSA PKCS#1 v1.5 signature of `data`,
/// hashed with the DIGESTALGORITHM code `digest` (1 SHA-1, 2 SHA-256,
/// 3 SHA-512), under the public key of the DER certificate `cert_der`.
/// Anything unreadable is simply "does not verify".
bool openssl_verifies(byte_view cert_der, std::uint8_t digest, byte_view data, byte_view signature);

/// SHA-1 of `data`, straight from OpenSSL.
bytes openssl_sha1(byte_view data);

}  // namespace itlfleet::test
