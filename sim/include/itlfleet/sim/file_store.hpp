#pragma once
/// Content-addressed store of the trust files a fleet sees. Every phone holds
/// its own installed ITL logically, but identical bytes are stored once and a
/// phone keeps a 4-byte handle. Not thread-safe: one store per engine.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "itlfleet/sim/bytes.hpp"
#include "itlfleet/sim/result.hpp"
#include "itlfleet/sim/trust_file.hpp"

namespace itlfleet::sim {

using file_id = std::uint32_t;
inline constexpr file_id no_file = 0;

/// A stored file with the facts the trust decision needs precomputed.
struct stored_file {
  bytes raw;
  trust_file parsed;
  bytes sha1;  ///< of raw: what DeviceTLInfo reports, and the store's key
  /// The file holds an ITLRecovery SAST record: a bulk reset can recover a
  /// phone that installed it.
  bool has_recovery_record = false;
  std::vector<bytes> tvs_hashes;  ///< SHA-1 of every TVS certificate it trusts
  /// An ITL with empty TFTP and TVS sections ("Prepare Cluster for Rollback
  /// to pre-8.0"): a phone holding it trusts any ITL and config.
  bool rollback_itl = false;
  /// A trust list whose FILENAME names a CTL (sim/trust_list_name.hpp): a
  /// phone takes it at the CTL step only, never as its ITL.
  bool ctl = false;
};

class file_store {
 public:
  file_store();
  /// Stores the file (once per distinct content) and returns its handle.
  file_id intern(const trust_file& f);
  /// Stores bytes as they came off the wire (TFTP, HTTP): parsed as an ITL/CTL
  /// when `trust_list`, else as a signed file (.sgn). Malformed bytes are an
  /// error and nothing is stored. The same bytes always get the same handle,
  /// whether they were built here or received.
  result<file_id> intern_received(byte_view raw, bool trust_list);
  const stored_file& get(file_id id) const { return files_[id]; }
  std::size_t size() const { return files_.size() - 1; }  ///< slot 0 is "no file"

 private:
  file_id store(bytes raw, bytes digest, trust_file parsed);

  std::vector<stored_file> files_;
  std::map<bytes, file_id> by_sha1_;
};

/// True when the record is the cluster's ITLRecovery token: a SAST record
/// whose subject CN starts with ITLRECOVERY_.
bool is_recovery_record(const record& r);

}  // namespace itlfleet::sim
