#pragma once
/// Cluster PKI: every node's CallManager, TVS, CAPF and ITLRecovery key pair
/// and self-signed certificate, named as CUCM names them.
///
/// RSA key generation is slow (milliseconds for 1024 bits, up to a second for
/// 2048), so identities are deterministic functions of (seed, purpose, name,
/// generation, bits): a factory memoises them in memory and, given a cache
/// directory, on disk. Regenerating a certificate bumps its generation.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>

#include "itlfleet/sim/crypto.hpp"

namespace itlfleet::sim {

enum class cert_purpose { callmanager, tvs, capf, itlrecovery };
std::string_view purpose_name(cert_purpose p);  // "CallManager", "TVS", "CAPF", "ITLRecovery"
/// Parses "CallManager", "TVS", "CAPF", "ITLRecovery" (case-insensitive).
result<cert_purpose> parse_purpose(std::string_view s);

/// A key pair and the certificate that carries its public half.
struct identity {
  rsa_key key;
  certificate cert;
};

/// The OU/O/L/ST/C every certificate of a cluster shares.
struct organisation {
  std::string ou = "tac", o = "cisco", l = "rtp", st = "nc", c = "US";
};

/// Where generated private keys may be kept between runs (RSA generation is
/// slow). sim does no I/O: the program provides the store (host/key_cache.hpp
/// keeps one file per key in a directory). Implementations must be
/// thread-safe and may lose entries: a miss only costs a generation.
class key_store {
 public:
  virtual ~key_store() = default;
  /// The PEM stored under `name`, if any.
  virtual std::optional<std::string> load(const std::string& name) = 0;
  /// Keeps `pem` under `name`; failures are ignored.
  virtual void store(const std::string& name, const std::string& pem) = 0;
};

struct pki_options {
  std::string seed = "itlfleet";
  int key_bits = 1024;  ///< 1024 or 2048
  organisation org;
  /// notBefore of generation-0 certificates (Unix seconds); CUCM's are valid 5 years.
  std::int64_t epoch_unix = 1767225600;  // 2026-01-01T00:00:00Z
  int validity_days = 5 * 365 + 1;
  /// Keys kept between runs; null: memory only.
  std::shared_ptr<key_store> cache;
};

/// Makes identities. Thread-safe; the in-memory cache is shared by copies
/// made with the same options only through the same factory object.
class identity_factory {
 public:
  explicit identity_factory(pki_options options);

  const pki_options& options() const { return options_; }

  /// The identity of `purpose` for a certificate whose CN is `cn`, at
  /// regeneration count `generation` (0 for the installation's own).
  /// `bits` 0 means options().key_bits. Same arguments, same identity.
  identity make(cert_purpose purpose, const std::string& cn, int generation = 0, int bits = 0);

  distinguished_name name_for(const std::string& cn) const;

 private:
  pki_options options_;
  std::mutex mutex_;
  std::map<std::tuple<int, std::string, int, int>, identity> memo_;
};

/// The CN CUCM gives a certificate of `purpose` on the node whose fully
/// qualified name is `fqdn`; `publisher_fqdn` names the ITLRecovery
/// certificate (ITLRECOVERY_<publisher>); CAPF's CN carries a hash of the host.
std::string cucm_common_name(cert_purpose purpose, const std::string& fqdn,
                             const std::string& publisher_fqdn);

/// A node's fully qualified name: `<host>.<domain>`, or the host alone
/// when the cluster has no domain.
std::string node_fqdn(const std::string& host, const std::string& domain);

/// Whether a certificate subject ("CN=...") names an ITLRecovery
/// certificate (cucm_common_name's ITLRECOVERY_<fqdn>).
bool names_itlrecovery(std::string_view subject);

}  // namespace itlfleet::sim
