#pragma once
// The options an export takes: what CUCM accepts as node names and domains,
// and what every certificate and phone file must fit.

#include "itlfleet/cluster_export/cluster_export.hpp"
#include "itlfleet/sim/cluster.hpp"

namespace itlfleet::cluster_export::detail {

/// The CUCM version the options ask for, once every option is within range:
/// RFC 1123 host names, unique (case aside) and at most
/// plan::limits::max_nodes; a DNS domain; phones within the MAC range;
/// mixed mode from 10.0; every certificate's common name within X.509's 64
/// bytes (the rule a scenario's nodes follow).
result<sim::cucm_version> checked_version(const export_options& o);

}  // namespace itlfleet::cluster_export::detail
