#pragma once
// manifest.json: the export's nodes, their certificates and trust lists, and
// every file written with its length and SHA-1 (formats.md).

#include <cstdint>
#include <string>
#include <vector>

#include "export_writer.hpp"
#include "itlfleet/cluster_export/cluster_export.hpp"
#include "itlfleet/sim/cluster.hpp"
#include "itlfleet/sim/pki.hpp"

namespace itlfleet::cluster_export::detail {

/// A node's identities, as sim::cluster made them.
struct node_pki {
  std::string host;
  sim::identity callmanager, tvs, capf, itlrecovery;
};

/// `pki` and `nodes` in the cluster's node order.
std::string manifest_json(const std::vector<node_pki>& pki, const std::vector<exported_node>& nodes,
                          const std::vector<written_file>& files, const export_options& o,
                          const sim::cucm_version& version, std::uint32_t timestamp);

}  // namespace itlfleet::cluster_export::detail
