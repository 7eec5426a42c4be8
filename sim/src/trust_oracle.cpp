#include "itlfleet/sim/trust_oracle.hpp"

#include <algorithm>

#include "itlfleet/sim/verify.hpp"

namespace itlfleet::sim {

bool trust_oracle::accepts_locally(file_id candidate, file_id installed) {
  const std::uint64_t k = pair_key(candidate, installed);
  if (!every_time_) {
    if (auto it = local_memo_.find(k); it != local_memo_.end()) return it->second;
  }
  ++crypto_ops_;
  const bool ok = verify_with(files_.get(candidate).parsed, files_.get(installed).parsed).ok();
  local_memo_[k] = ok;
  return ok;
}

bool trust_oracle::accepts_ctl(file_id candidate, file_id installed_ctl) {
  const std::uint64_t k = pair_key(candidate, installed_ctl);
  if (!every_time_) {
    if (auto it = ctl_memo_.find(k); it != ctl_memo_.end()) return it->second;
  }
  ++crypto_ops_;
  const bool ok =
      verify_with(files_.get(candidate).parsed, files_.get(installed_ctl).parsed, {cert_role::sast})
          .ok();
  ctl_memo_[k] = ok;
  return ok;
}

bool trust_oracle::trusts_tvs_server(file_id installed, const bytes& tvs_cert_sha1) const {
  if (installed == no_file) return false;
  const auto& hashes = files_.get(installed).tvs_hashes;
  return std::find(hashes.begin(), hashes.end(), tvs_cert_sha1) != hashes.end();
}

std::uint32_t trust_oracle::key_of(const certificate& cert) {
  const bytes digest = cert.sha1();
  auto [it, inserted] = key_by_sha1_.try_emplace(std::string(digest.begin(), digest.end()), 0);
  if (inserted) {
    known_.push_back(cert);
    it->second = static_cast<std::uint32_t>(known_.size());
  }
  return it->second;
}

bool trust_oracle::verifies_with(file_id candidate, std::uint32_t cert_key,
                                 const certificate& signer_cert) {
  const std::uint64_t k = pair_key(candidate, cert_key);
  if (!every_time_) {
    if (auto it = cert_memo_.find(k); it != cert_memo_.end()) return it->second;
  }
  ++crypto_ops_;
  const trust_file& f = files_.get(candidate).parsed;
  // TVS vouches for a certificate; the file must also name it as signer and
  // carry a signature its key verifies.
  const bool names_it =
      f.header.signer.serial == signer_cert.serial() &&
      normalise_name(text_of(f.header.signer.ca_name)) == normalise_name(signer_cert.issuer());
  const bool ok = names_it && verify_signature(f, signer_cert.public_key());
  cert_memo_[k] = ok;
  return ok;
}

}  // namespace itlfleet::sim
