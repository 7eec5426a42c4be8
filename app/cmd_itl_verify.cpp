// `itlfleet itl verify FILE --trust INSTALLED_ITL`: the check a phone makes
// before it falls back to TVS.

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "cli_support.hpp"
#include "commands.hpp"
#include "itlfleet/sim/trust_file.hpp"
#include "itlfleet/sim/verify.hpp"

namespace itlfleet::app {
namespace {

struct itl_verify_options {
  std::string file;
  std::string trust;
};

bool has_sgn_extension(const std::string& path) {
  return std::filesystem::path(path).extension() == ".sgn";
}

// A .sgn name or a VERSION 1.0 header means a signed file, anything else a
// trust list. Not "whichever parses": a truncated ITL parses as a signed file
// whose payload is the rest of the records, and must be reported as broken.
result<sim::trust_file> load_checked_file(const std::string& path) {
  auto raw = read_file(path);
  if (!raw) return raw.err();
  if (has_sgn_extension(path) || has_signed_file_version(*raw)) {
    return sim::parse_signed_file(*raw);
  }
  return sim::parse_trust_list(*raw);
}

// "SAST" rather than CUCM's "System Administrator Security Token": one line of output.
std::string short_role_name(std::uint16_t role) {
  return role == static_cast<std::uint16_t>(sim::cert_role::sast) ? "SAST" : sim::role_name(role);
}

std::string roles_text(sim::file_kind kind) {
  std::string out;
  for (sim::cert_role r : sim::signer_roles_for(kind)) {
    if (!out.empty()) out += "/";
    out += short_role_name(static_cast<std::uint16_t>(r));
  }
  return out;
}

std::string rejection_reason(const sim::trust_file& f, const sim::trust_file& installed,
                             const sim::verification& v, const std::string& installed_path) {
  const sim::signer_id& s = f.header.signer;
  switch (v.status) {
    case sim::verify_status::signer_not_found:
      return "signer " + text_of(s.name) + " (serial " + to_hex(s.serial, ":", true) +
             ") is not a " + roles_text(f.kind) + " record of " + installed_path;
    case sim::verify_status::bad_signature:
      return "signature does not verify with record #" + std::to_string(*v.signer_record + 1) +
             " (" + installed.records[*v.signer_record].subject() + ") of " + installed_path;
    default:
      return v.describe();
  }
}

int run_itl_verify(const itl_verify_options& o) {
  auto installed = [&]() -> result<sim::trust_file> {
    auto raw = read_file(o.trust);
    if (!raw) return raw.err();
    return sim::parse_trust_list(*raw);
  }();
  if (!installed) {
    print_error(o.trust + ": " + installed.err().to_string());
    return exit_bad_input;
  }
  auto file = load_checked_file(o.file);
  if (!file) {
    print_error(o.file + ": " + file.err().to_string());
    return exit_bad_input;
  }

  const sim::verification v = sim::verify_with(*file, *installed);
  if (v.ok()) {
    const sim::record& r = installed->records[*v.signer_record];
    std::cout << "accepted: signed by " << r.subject() << " (record #" << *v.signer_record + 1
              << " of " << o.trust << ", role " << short_role_name(r.function().value_or(0xFFFF))
              << ")" << std::endl;
    return exit_ok;
  }
  std::cout << "rejected: " << rejection_reason(*file, *installed, v, o.trust)
            << "; a phone would ask TVS" << std::endl;
  return exit_rejected;
}

}  // namespace

void add_itl_verify_command(CLI::App& itl) {
  auto o = std::make_shared<itl_verify_options>();
  CLI::App* cmd = itl.add_subcommand(
      "verify",
      "Would a phone holding INSTALLED_ITL accept FILE without asking TVS? FILE is an ITL/CTL "
      "(signer must be a SAST or TFTP record of the installed ITL) or a signed .sgn file "
      "(signer must be a TFTP record)");
  cmd->add_option("file", o->file, "ITL/CTL file or signed .sgn file to check")->required();
  cmd->add_option("--trust", o->trust, "The ITL installed on the phone")
      ->required()
      ->type_name("INSTALLED_ITL");
  cmd->footer(
      "Exit status: 0 accepted, 1 rejected (a phone would ask TVS), 2 unreadable or "
      "malformed input.");
  cmd->callback([o] { finish(run_itl_verify(*o)); });
}

}  // namespace itlfleet::app
