// `itlfleet cluster export`: the options of cluster_export::export_cluster
// (cluster_export.hpp says what is written where).

#include <CLI/CLI.hpp>
#include <cstdint>
#include <iostream>
#include <memory>

#include "cli_support.hpp"
#include "commands.hpp"
#include "itlfleet/cluster_export/cluster_export.hpp"
#include "itlfleet/host/key_cache.hpp"

namespace itlfleet::app {
namespace {

int run_cluster_export(const cluster_export::export_options& o) {
  cluster_export::export_callbacks cb;
  cb.progress = [](const std::string& line) { std::cerr << line << std::endl; };
  cb.warning = [](const std::string& line) { print_error("warning: " + line); };
  auto written = cluster_export::export_cluster(o, cb);
  if (!written) {
    print_error("cluster export: " + written.err().message);
    return exit_bad_input;
  }
  std::cout << cluster_export::summary_text(*written);
  return exit_ok;
}

}  // namespace

void add_cluster_export_command(CLI::App& cluster) {
  auto o = std::make_shared<cluster_export::export_options>();
  CLI::App* cmd = cluster.add_subcommand(
      "export",
      "Generate the cluster PKI and write a TFTP root per node (ITLFile.tlv, ITLSEP<MAC>.tlv, "
      "SEP<MAC>.cnf.xml.sgn; in mixed mode CTLFile.tlv, CTLSEP<MAC>.tlv) that tftpd-hpa can "
      "serve, keys beside it, and manifest.json");
  cmd->add_option("--out", o->out, "Export directory (must be empty or missing, unless --force)")
      ->required()
      ->type_name("DIR");
  cmd->add_option("--nodes", o->nodes,
                  "Node host names, comma-separated; the first is the publisher. Every node runs "
                  "CallManager, TFTP and TVS")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--phones", o->phones,
                  "Phones, spread round-robin over the TFTP nodes; MACs from 001E7A000000")
      ->check(unsigned_integer())
      ->capture_default_str()
      ->type_name("N");
  cmd->add_option("--domain", o->domain, "DNS domain; node FQDN = host.domain")
      ->capture_default_str();
  cmd->add_option("--version", o->version,
                  "CUCM version: before 10.0 no ITLRecovery record; 10.x/11.x ITLs signed by "
                  "CallManager; 12.0 and later by the publisher's ITLRecovery")
      ->capture_default_str();
  cmd->add_option("--key-bits", o->key_bits, "RSA key size of every certificate")
      ->check(CLI::IsMember({1024, 2048}))
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "PKI seed: the same seed gives the same keys and files")
      ->capture_default_str();
  cmd->add_option("--password", o->password, "Cluster security password protecting ITLRecovery.p12")
      ->capture_default_str();
  cmd->add_option("--timestamp", o->timestamp,
                  "TIMESTAMP of every file, Unix seconds [the PKI epoch, for reproducible output]")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{0xFFFFFFFF}))
      ->type_name("UNIX");
  cmd->add_flag("--mixed-mode", o->mixed_mode,
                "The cluster is in mixed mode (utils ctl set-cluster mixed-mode, CUCM 10.0 and "
                "later): every node also serves the tokenless CTL as CTLFile.tlv and "
                "CTLSEP<MAC>.tlv");
  cmd->add_flag("--force", o->force,
                "Write into a non-empty directory (a previous export's tftp/ and keys/ are "
                "replaced)");
  cmd->footer(
      "Keys are cached in $ITLFLEET_KEY_CACHE (else ~/.cache/itlfleet/keys).\nExit status: 0 "
      "written, 2 bad option or I/O failure.");
  cmd->callback([o] {
    o->key_cache = host::default_key_store();
    finish(run_cluster_export(*o));
  });
}

}  // namespace itlfleet::app
