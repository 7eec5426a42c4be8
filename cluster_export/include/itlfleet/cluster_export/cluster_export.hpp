#pragma once
/// `itlfleet cluster export`: a cluster's PKI and the TFTP root its nodes
/// serve, on disk, for stock servers (tftpd-hpa) and real-peer tests. The
/// files are the ones a scenario's cluster with the same seed serves.
///
/// Layout under `out`:
///   tftp/<host>/ITLFile.tlv                the node's ITL (cluster_itl.hpp decides its records)
///   tftp/<host>/ITLSEP<MAC>.tlv            per-phone copies, same bytes
///   tftp/<host>/SEP<MAC>.cnf.xml.sgn       the phone's config, signed by the node's CallManager
///   tftp/<host>/CTLFile.tlv                mixed mode: the cluster's CTL (cluster_ctl.hpp)
///   tftp/<host>/CTLSEP<MAC>.tlv            mixed mode: per-phone copies, same bytes
///   keys/<host>/<purpose>.{pem,key}        certificates and private keys (never served)
///   keys/<publisher>/ITLRecovery.p12       under the cluster security password
///   manifest.json                          nodes, files, SHA-1s

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "itlfleet/sim/bytes.hpp"
#include "itlfleet/sim/pki.hpp"
#include "itlfleet/sim/result.hpp"

namespace itlfleet::cluster_export {

/// What to export; the fields are the command's options, and errors name
/// them ("--nodes: ...").
struct export_options {
  std::string out;                             ///< the export directory
  std::vector<std::string> nodes{"cucm-pub"};  ///< host names; the first is the publisher
  std::uint64_t phones = 10;  ///< spread round-robin over the nodes, MACs from 001E7A000000
  std::string domain = "example.lab";
  std::string version = "10.0";  ///< CUCM version
  int key_bits = 1024;           ///< 1024 or 2048
  std::string seed = "itlfleet";
  std::string password = "itlfleet-cluster";  ///< protects ITLRecovery.p12
  /// TIMESTAMP of every file; -1: the PKI epoch, so a seed always gives the same bytes.
  std::int64_t timestamp = -1;
  /// Write into a non-empty directory; a previous export's tftp/ and keys/
  /// are cleared first so no stale phone files remain.
  bool force = false;
  /// The cluster is in mixed mode: every node also serves the tokenless CTL.
  bool mixed_mode = false;
  /// Generated keys kept between runs; null: generated every time.
  std::shared_ptr<sim::key_store> key_cache;
};

/// A trust list one node serves (its ITL, or the cluster's CTL).
struct served_trust_list {
  std::size_t length = 0;
  bytes sha1;
  std::size_t records = 0;
  std::string signer;
};

struct exported_node {
  std::string host, fqdn;
  bool publisher = false;
  std::uint64_t phones = 0;  ///< phones whose files this node serves
  served_trust_list itl;
  std::optional<served_trust_list> ctl;  ///< mixed mode only
};

/// What was written, for the closing summary.
struct export_summary {
  std::string out;
  std::string version;  ///< the CUCM version, as CUCM writes it
  std::string seed;
  int key_bits = 0;
  std::uint64_t phones = 0;
  std::vector<exported_node> nodes;
  std::size_t files = 0;  ///< manifest.json included
  std::uint64_t bytes = 0;
};

/// Lines for the user while the export runs (key generation, every tenth of
/// the phones past 1,000, an ITL too large for phones).
struct export_callbacks {
  std::function<void(const std::string&)> progress;
  std::function<void(const std::string&)> warning;
};

/// Checks the options, generates the PKI and writes every file. An error
/// names the option or the file and the reason; nothing is written when an
/// option is refused.
result<export_summary> export_cluster(const export_options& options,
                                      const export_callbacks& callbacks = {});

/// The closing summary: the cluster, each node's trust lists, and how to
/// serve the roots.
std::string summary_text(const export_summary& s);

}  // namespace itlfleet::cluster_export
