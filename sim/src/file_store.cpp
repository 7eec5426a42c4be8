#include "itlfleet/sim/file_store.hpp"

#include "itlfleet/sim/crypto.hpp"
#include "itlfleet/sim/rollback_itl.hpp"
#include "itlfleet/sim/trust_list_name.hpp"

namespace itlfleet::sim {

bool is_recovery_record(const record& r) {
  if (!r.has_role(cert_role::sast)) return false;
  const std::string subject = r.subject();
  return subject.rfind("CN=ITLRECOVERY_", 0) == 0;
}

file_store::file_store() {
  files_.emplace_back();
}

file_id file_store::intern(const trust_file& f) {
  bytes raw = serialise(f);
  bytes digest = sha1(raw);
  if (auto it = by_sha1_.find(digest); it != by_sha1_.end()) return it->second;
  return store(std::move(raw), std::move(digest), f);
}

result<file_id> file_store::intern_received(byte_view raw, bool trust_list) {
  bytes digest = sha1(raw);
  if (auto it = by_sha1_.find(digest); it != by_sha1_.end()) return it->second;
  auto parsed = trust_list ? parse_trust_list(raw) : parse_signed_file(raw);
  if (!parsed) return parsed.err();
  // parse() accepts only what serialise() reproduces byte for byte, so the
  // received bytes are the stored bytes.
  return store(bytes(raw.begin(), raw.end()), std::move(digest), std::move(*parsed));
}

file_id file_store::store(bytes raw, bytes digest, trust_file f) {
  stored_file s;
  s.raw = std::move(raw);
  s.sha1 = digest;
  for (const record& r : f.records) {
    if (is_recovery_record(r)) s.has_recovery_record = true;
    if (r.has_role(cert_role::tvs)) {
      if (auto h = r.cert_sha1()) s.tvs_hashes.push_back(std::move(*h));
    }
  }
  s.rollback_itl = is_rollback_itl(f);
  s.ctl = names_a_ctl(f);
  s.parsed = std::move(f);
  const auto id = static_cast<file_id>(files_.size());
  files_.push_back(std::move(s));
  by_sha1_.emplace(std::move(digest), id);
  return id;
}

}  // namespace itlfleet::sim
