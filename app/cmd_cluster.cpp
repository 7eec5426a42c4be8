// `itlfleet cluster ...`: operations on a whole simulated CUCM cluster.

#include <CLI/CLI.hpp>

#include "commands.hpp"

namespace itlfleet::app {

void add_cluster_command(CLI::App& app) {
  CLI::App* cluster =
      app.add_subcommand("cluster", "Generate a CUCM cluster's PKI and the files its TFTP serves");
  cluster->require_subcommand(1);
  add_cluster_export_command(*cluster);
}

}  // namespace itlfleet::app
