#pragma once
/// The ITL a TFTP node serves while the enterprise parameter "Prepare Cluster
/// for Rollback to pre-8.0" is True, and how a phone recognises one.
///
/// Field reports (docs/model.md, "Prepare Cluster for Rollback to pre-8.0"):
/// phones download an ITL with empty TVS and TFTP sections, and from then on
/// accept any configuration and any new ITL. The file keeps its SAST records
/// (the node's CallManager and, from 10.0, the publisher's ITLRecovery) and
/// the publisher's CAPF, and is signed by the node's CallManager key on every
/// release, so a phone that trusts that key installs it.

#include <vector>

#include "itlfleet/sim/cluster_itl.hpp"
#include "itlfleet/sim/itl_builder.hpp"
#include "itlfleet/sim/trust_file.hpp"

namespace itlfleet::sim {

/// node_itl_entries() without the TFTP record and without any TVS record.
std::vector<itl_entry> rollback_itl_entries(const node_itl_inputs& in);

/// The rollback ITL, signed by the node's CallManager key.
trust_file build_rollback_itl(const node_itl_inputs& in, const build_options& options = {});

/// A trust list with no record that may sign a config (TFTP, CCM+TFTP) and
/// no TVS record: a phone holding it
/// has nothing to check a signed file against and nobody to ask, and (as on
/// a pre-8.0 cluster) takes the next ITL on faith and any configuration.
bool is_rollback_itl(const trust_file& f);

}  // namespace itlfleet::sim
