#pragma once
/// Registration of the `itlfleet` subcommands. Each lives in its own
/// cmd_<name>.cpp, parses into a plain options struct and runs from its CLI11
/// callback; main() only calls these.

namespace CLI {
class App;
}

namespace itlfleet::app {

/// `itl show|verify|build`: trust-file tools.
void add_itl_command(CLI::App& app);
void add_itl_show_command(CLI::App& itl);
void add_itl_verify_command(CLI::App& itl);
void add_itl_build_command(CLI::App& itl);

/// `run SCENARIO`: a scenario on the virtual-time engine.
void add_run_command(CLI::App& app);
void add_serve_command(CLI::App& app);

/// `calibrate --tftp|--http|--tvs HOST[:PORT] --ceiling R`: the server models fitted to real
/// servers.
void add_calibrate_command(CLI::App& app);

/// `compare RUN_A RUN_B`: two runs' times to trust, peak transfers and refusals.
void add_compare_command(CLI::App& app);

/// `sweep SCENARIO --vary KEY=VALUES`: a grid of runs, or a threshold search.
void add_sweep_command(CLI::App& app);

/// `merge OUT DIR...`: one result from shards' output directories.
void add_merge_command(CLI::App& app);

/// `cluster export`: a cluster's PKI and a TFTP root to serve.
void add_cluster_command(CLI::App& app);
void add_cluster_export_command(CLI::App& cluster);

}  // namespace itlfleet::app
