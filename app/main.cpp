// itlfleet: simulator and load tester for fleets of Cisco IP phones and their
// ITL trust files. main() only registers the subcommands (cmd_*.cpp) and
// turns CLI11's outcome into the exit code.

#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include "cli_support.hpp"
#include "commands.hpp"

namespace {

/// CLI11 answers an unknown word where a subcommand is required with "A
/// subcommand is required", which does not say which word it did not know.
/// Walks the words before the first option and names the first unknown one
/// with the commands that would fit; nullopt when every word is known.
std::optional<std::string> unknown_command(CLI::App& app, int argc, char** argv) {
  CLI::App* level = &app;
  std::string path = "itlfleet";
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word.empty() || word.front() == '-') return std::nullopt;
    const auto subs = level->get_subcommands([](CLI::App*) { return true; });
    if (subs.empty() || level->get_require_subcommand_min() == 0) return std::nullopt;
    CLI::App* next = nullptr;
    std::string names;
    for (CLI::App* s : subs) {
      if (s->check_name(word)) next = s;
      names += (names.empty() ? "" : ", ") + s->get_name();
    }
    if (next == nullptr) {
      return "unknown command '" + word + "' for `" + path + "`; expected one of: " + names +
             " (see `" + path + " --help`)";
    }
    path += " " + next->get_name();
    level = next;
  }
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "itlfleet: simulator and load tester for fleets of Cisco IP phones and their ITL trust "
      "files"};
  app.set_version_flag("--version", "itlfleet " ITLFLEET_VERSION);
  app.require_subcommand(1);

  itlfleet::app::add_run_command(app);
  itlfleet::app::add_serve_command(app);
  itlfleet::app::add_calibrate_command(app);
  itlfleet::app::add_compare_command(app);
  itlfleet::app::add_sweep_command(app);
  itlfleet::app::add_merge_command(app);
  itlfleet::app::add_itl_command(app);
  itlfleet::app::add_cluster_command(app);

  // A bare `itlfleet` gets the overview rather than "A subcommand is required".
  if (argc <= 1) {
    std::cout << app.help();
    return itlfleet::app::exit_bad_input;
  }
  if (auto unknown = unknown_command(app, argc, argv)) {
    itlfleet::app::print_error(*unknown);
    return itlfleet::app::exit_bad_input;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::RuntimeError& e) {
    // A subcommand's own outcome (finish(code)): 1 or 2, already reported.
    return e.get_exit_code();
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help, --version: 0
  } catch (const CLI::ParseError& e) {
    // Every option error (unknown flag, missing or malformed value, value out
    // of range) is bad input: CLI11's message names the option; the exit
    // status is the documented 2, not CLI11's internal codes.
    app.exit(e);
    return itlfleet::app::exit_bad_input;
  } catch (const std::exception& e) {
    // Subcommands report expected failures themselves; this is the last
    // resort for the unexpected (out of memory, an OpenSSL internal error).
    std::cerr << "itlfleet: " << e.what() << std::endl;
    return itlfleet::app::exit_bad_input;
  }
  return itlfleet::app::exit_ok;
}
