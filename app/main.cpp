// itlfleet: simulator and load tester for fleets of Cisco IP phones and their
// ITL trust files. main() only registers the subcommands (cmd_*.cpp) and
// turns CLI11's outcome into the exit code.

#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "cli_support.hpp"
#include "commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "itlfleet: simulator and load tester for fleets of Cisco IP phones and their ITL trust "
      "files"};
  app.set_version_flag("--version", "itlfleet " ITLFLEET_VERSION);
  app.require_subcommand(1);

  itlfleet::app::add_run_command(app);
  itlfleet::app::add_serve_command(app);
  itlfleet::app::add_itl_command(app);
  itlfleet::app::add_cluster_command(app);

  // A bare `itlfleet` gets the overview rather than "A subcommand is required".
  if (argc <= 1) {
    std::cout << app.help();
    return itlfleet::app::exit_bad_input;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    // Subcommands report expected failures themselves; this is the last
    // resort for the unexpected (out of memory, an OpenSSL internal error).
    std::cerr << "itlfleet: " << e.what() << std::endl;
    return itlfleet::app::exit_bad_input;
  }
  return itlfleet::app::exit_ok;
}
