// `itlfleet itl show FILE [--json]`: CUCM's `show itl` for any ITL or CTL file.

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <string>

#include "cli_support.hpp"
#include "commands.hpp"
#include "itlfleet/sim/show_itl.hpp"
#include "itlfleet/sim/trust_file.hpp"
#include "itlfleet/sim/trust_list_name.hpp"
#include "itlfleet/sim/utf8.hpp"

namespace itlfleet::app {
namespace {

struct itl_show_options {
  std::string file;
  bool json = false;
};

int run_itl_show(const itl_show_options& o) {
  auto raw = read_file(o.file);
  if (!raw) {
    print_error(raw.err().to_string());
    return exit_bad_input;
  }

  sim::show_options show;
  show.modified_unix = modified_unix(o.file);
  // CTL files share the format; CUCM names them CTLFile.tlv / CTLSEP<MAC>.tlv.
  auto parsed = sim::parse_trust_list(*raw);
  if (parsed && sim::names_a_ctl(*parsed)) show.file_label = "CTL";

  const sim::show_report report = sim::show_trust_list(*raw, show);
  // Names come from the file: a terminal gets them with control bytes shown,
  // not obeyed. JSON escapes them itself.
  std::cout << (o.json ? report.json : terminal_safe(report.text)) << std::flush;

  if (!report.parsed) {
    std::string message = o.file + ": " + parsed.err().to_string();
    if (has_signed_file_version(*raw) && sim::parse_signed_file(*raw)) {
      message += " (this is a signed .sgn file, not a trust list: check it with `itl verify`)";
    }
    print_error(message);
    return exit_bad_input;
  }
  return report.verified ? exit_ok : exit_rejected;
}

}  // namespace

void add_itl_show_command(CLI::App& itl) {
  auto o = std::make_shared<itl_show_options>();
  CLI::App* cmd = itl.add_subcommand(
      "show", "Print an ITL or CTL file as CUCM's `show itl` does, and verify its signature");
  cmd->add_option("file", o->file, "ITL or CTL file (ITLFile.tlv, ITLSEP<MAC>.tlv, CTLFile.tlv)")
      ->required();
  cmd->add_flag("--json", o->json, "Print the same facts as a JSON document");
  cmd->footer(
      "Exit status: 0 parsed and verified with its own signer record, 1 parsed but not "
      "verified,\n2 unreadable or malformed (stderr names the byte offset and what was expected).");
  cmd->callback([o] { finish(run_itl_show(*o)); });
}

}  // namespace itlfleet::app
