#pragma once
/// The phone's trust decisions with real cryptography, memoised: a million
/// phones holding the same few ITLs ask the same few questions, so each
/// distinct (file, trust anchor) pair is verified once with OpenSSL and the
/// answer reused. `verify_every_time` pays the real cost on every call, for
/// measuring it.

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "itlfleet/sim/crypto.hpp"
#include "itlfleet/sim/file_store.hpp"

namespace itlfleet::sim {

class trust_oracle {
 public:
  explicit trust_oracle(const file_store& files, bool verify_every_time = false)
      : files_(files), every_time_(verify_every_time) {}

  /// Would a phone holding `installed` accept `candidate` without TVS? The
  /// signer must be a record of `installed` in a role allowed for the file's
  /// kind and the signature must verify with that record's key.
  bool accepts_locally(file_id candidate, file_id installed);

  /// What `f` is: an ITL/CTL or a signed file. A phone that asked for an ITL
  /// trusts nothing else in its place, however well signed (a config is
  /// signed by a TFTP record the ITL holds, so the signature alone passes).
  file_kind kind_of(file_id f) const { return files_.get(f).parsed.kind; }

  /// Does `installed` list `tvs_cert_sha1` as a TVS certificate? A phone
  /// talks to a TVS server only if it does.
  bool trusts_tvs_server(file_id installed, const bytes& tvs_cert_sha1) const;

  /// After TVS vouched for `signer_cert`: does `candidate`'s signature verify
  /// with its key? `cert_key` identifies the certificate for memoisation.
  bool verifies_with(file_id candidate, std::uint32_t cert_key, const certificate& signer_cert);

  /// The small key a phone keeps for a certificate TVS vouched for (its
  /// cached TVS answer), from what a TLS client really has: the certificate,
  /// identified by its SHA-1. Keys start at 1; the same certificate always
  /// gets the same key, whichever engine or server it came from.
  std::uint32_t key_of(const certificate& cert);
  /// The certificate behind a key_of() key, or nullptr for 0 or an unknown key.
  const certificate* known(std::uint32_t cert_key) const {
    return cert_key == 0 || cert_key > known_.size() ? nullptr : &known_[cert_key - 1];
  }

  /// Would a phone holding the CTL `installed_ctl` accept `candidate` as its
  /// new CTL? The signer must be a SAST record of the installed CTL and the
  /// signature must verify with it (no TVS: docs/model.md, mixed mode).
  bool accepts_ctl(file_id candidate, file_id installed_ctl);

  /// Real signature checks performed so far (memo misses, or every call).
  std::uint64_t crypto_operations() const { return crypto_ops_; }

  /// The file's size in bytes, as it goes over the wire.
  std::size_t size_of(file_id f) const { return files_.get(f).raw.size(); }
  /// A phone holding `installed` takes any ITL and any config: it is a
  /// rollback ITL (no TFTP and no TVS record; sim/rollback_itl.hpp).
  bool trusts_anything(file_id installed) const {
    return installed != no_file && files_.get(installed).rollback_itl;
  }
  /// `f` is a CTL (its FILENAME says so), not an ITL: a phone installs it
  /// at the CTL step only, and nothing else there.
  bool is_ctl(file_id f) const { return files_.get(f).ctl; }

 private:
  static std::uint64_t pair_key(std::uint32_t a, std::uint32_t b) {
    return (std::uint64_t{a} << 32) | b;
  }
  const file_store& files_;
  bool every_time_;
  std::unordered_map<std::uint64_t, bool> local_memo_;
  std::unordered_map<std::uint64_t, bool> cert_memo_;
  std::unordered_map<std::uint64_t, bool> ctl_memo_;
  std::vector<certificate> known_;  ///< by key - 1
  std::unordered_map<std::string, std::uint32_t> key_by_sha1_;
  std::uint64_t crypto_ops_ = 0;
};

}  // namespace itlfleet::sim
