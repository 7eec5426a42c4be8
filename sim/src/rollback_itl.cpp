#include "itlfleet/sim/rollback_itl.hpp"

#include <algorithm>

namespace itlfleet::sim {

std::vector<itl_entry> rollback_itl_entries(const node_itl_inputs& in) {
  std::vector<itl_entry> entries = node_itl_entries(in);
  std::erase_if(entries, [](const itl_entry& e) {
    return e.role == cert_role::tftp || e.role == cert_role::tvs;
  });
  return entries;
}

trust_file build_rollback_itl(const node_itl_inputs& in, const build_options& options) {
  // CallManager signs even on 12.x, where ITLRecovery signs the normal ITL:
  // the phones this file is for must trust its signer whatever their ITL
  // came from, and every ITL since 8.0 holds the node's CallManager as SAST.
  return build_trust_list(rollback_itl_entries(in), in.callmanager, options);
}

bool is_rollback_itl(const trust_file& f) {
  if (f.kind != file_kind::trust_list) return false;
  return std::none_of(f.records.begin(), f.records.end(), [](const record& r) {
    return r.has_role(cert_role::tftp) || r.has_role(cert_role::ccm_tftp) ||
           r.has_role(cert_role::tvs);
  });
}

}  // namespace itlfleet::sim
