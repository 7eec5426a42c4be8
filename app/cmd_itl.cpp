// `itlfleet itl ...`: the trust-file tools, one file per subcommand.

#include <CLI/CLI.hpp>

#include "commands.hpp"

namespace itlfleet::app {

void add_itl_command(CLI::App& app) {
  CLI::App* itl = app.add_subcommand(
      "itl", "Show, verify and build ITL/CTL trust files (and check signed .sgn files)");
  itl->require_subcommand(1);
  add_itl_show_command(*itl);
  add_itl_verify_command(*itl);
  add_itl_build_command(*itl);
}

}  // namespace itlfleet::app
