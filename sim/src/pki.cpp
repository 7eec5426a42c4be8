#include "itlfleet/sim/pki.hpp"

#include <optional>

namespace itlfleet::sim {
namespace {

constexpr std::string_view itlrecovery_prefix = "ITLRECOVERY_";

// Everything a key depends on, each field length-prefixed so that no two
// argument tuples give the same string. Bump the version when the derivation
// changes, so stale disk caches are not reused.
std::string derivation(const std::string& seed, cert_purpose purpose, const std::string& cn,
                       int generation, int bits) {
  std::string out = "itlfleet-pki-v1";
  for (const std::string& field : {seed, std::string(purpose_name(purpose)), cn,
                                   std::to_string(generation), std::to_string(bits)}) {
    out += '|';
    out += std::to_string(field.size());
    out += ':';
    out += field;
  }
  return out;
}

// A cached key is used only if it is a private RSA key of the right size; a
// truncated or foreign entry is ignored and overwritten.
std::optional<rsa_key> load_cached_key(key_store& cache, const std::string& name, int bits) {
  const auto pem = cache.load(name);
  if (!pem || pem->find("PRIVATE KEY") == std::string::npos) return std::nullopt;
  auto key = rsa_key::from_pem(*pem);
  if (!key || key->bits() != bits) return std::nullopt;
  return std::move(key).value();
}

}  // namespace

std::string_view purpose_name(cert_purpose p) {
  switch (p) {
    case cert_purpose::callmanager:
      return "CallManager";
    case cert_purpose::tvs:
      return "TVS";
    case cert_purpose::capf:
      return "CAPF";
    case cert_purpose::itlrecovery:
      return "ITLRecovery";
  }
  return "?";
}

result<cert_purpose> parse_purpose(std::string_view s) {
  for (cert_purpose p : {cert_purpose::callmanager, cert_purpose::tvs, cert_purpose::capf,
                         cert_purpose::itlrecovery}) {
    if (iequals(s, purpose_name(p))) return p;
  }
  return failure("unknown certificate purpose '" + std::string(s) +
                 "': expected CallManager, TVS, CAPF or ITLRecovery");
}

identity_factory::identity_factory(pki_options options) : options_(std::move(options)) {}

distinguished_name identity_factory::name_for(const std::string& cn) const {
  const organisation& org = options_.org;
  return distinguished_name{cn, org.ou, org.o, org.l, org.st, org.c};
}

identity identity_factory::make(cert_purpose purpose, const std::string& cn, int generation,
                                int bits) {
  if (bits == 0) bits = options_.key_bits;
  const auto memo_key = std::make_tuple(static_cast<int>(purpose), cn, generation, bits);
  {
    std::lock_guard lock(mutex_);
    if (auto it = memo_.find(memo_key); it != memo_.end()) return it->second;
  }

  // Built outside the lock so that threads make different identities in
  // parallel; two threads racing on the same one compute equal results.
  const std::string derivation_string = derivation(options_.seed, purpose, cn, generation, bits);
  deterministic_stream stream(derivation_string);
  // The serial comes first from the stream so that a key loaded from the disk
  // cache gets the same serial without regenerating the primes. 16 bytes,
  // positive (top bit clear) and with no leading zero byte to drop.
  bytes serial(16);
  stream.fill(serial.data(), serial.size());
  serial[0] &= 0x7F;
  if (serial[0] < 0x10) serial[0] |= 0x10;

  std::optional<rsa_key> key;
  std::string cache_name;
  if (options_.cache) {
    cache_name = to_hex(sha256(as_bytes(derivation_string))) + ".pem";
    key = load_cached_key(*options_.cache, cache_name, bits);
  }
  if (!key) {
    key = rsa_key::generate(bits, stream);
    if (options_.cache) options_.cache->store(cache_name, key->private_pem());
  }

  identity id;
  id.key = std::move(*key);
  // A regenerated certificate also starts on a later day, as a real one would.
  const std::int64_t not_before = options_.epoch_unix + std::int64_t{generation} * 86400;
  id.cert = certificate::self_signed(
      id.key, name_for(cn), serial, not_before, options_.validity_days,
      purpose == cert_purpose::itlrecovery ? cert_profile::recovery : cert_profile::service);

  std::lock_guard lock(mutex_);
  return memo_.try_emplace(memo_key, std::move(id)).first->second;
}

std::string cucm_common_name(cert_purpose purpose, const std::string& fqdn,
                             const std::string& publisher_fqdn) {
  switch (purpose) {
    case cert_purpose::callmanager:
    case cert_purpose::tvs:
      return fqdn;
    case cert_purpose::capf:
      return "CAPF-" + to_hex(sha256(as_bytes(fqdn))).substr(0, 8);
    case cert_purpose::itlrecovery:
      return std::string(itlrecovery_prefix) + publisher_fqdn;
  }
  return fqdn;
}

std::string node_fqdn(const std::string& host, const std::string& domain) {
  return domain.empty() ? host : host + "." + domain;
}

bool names_itlrecovery(std::string_view subject) {
  constexpr std::string_view cn = "CN=";
  return subject.starts_with(cn) && subject.substr(cn.size()).starts_with(itlrecovery_prefix);
}

}  // namespace itlfleet::sim
