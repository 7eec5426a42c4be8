// `itlfleet itl build`: an ITL (or CTL) from PEM certificates and roles,
// signed with a PEM key, laid out as CUCM lays it out.

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli_support.hpp"
#include "commands.hpp"
#include "itlfleet/sim/crypto.hpp"
#include "itlfleet/sim/itl_builder.hpp"
#include "itlfleet/sim/trust_file.hpp"
#include "itlfleet/sim/verify.hpp"

namespace itlfleet::app {
namespace {

struct itl_build_options {
  std::string out;
  std::string signer;                ///< PEM with certificate (and key, unless signer_key)
  std::string signer_key;            ///< PEM with the private key; empty: read it from `signer`
  std::vector<std::string> records;  ///< ROLE:PEM, in file order
  std::vector<std::string> hash_only_roles{"capf", "tvs"};
  bool full_certs = false;
  std::string digest = "sha1";
  std::string filename = "ITLFile.tlv";
  std::int64_t timestamp = -1;  ///< Unix seconds; -1: now
};

struct role_spelling {
  std::string_view name;
  sim::cert_role role;
};
constexpr role_spelling role_names[] = {
    {"sast", sim::cert_role::sast},         {"ccm", sim::cert_role::ccm},
    {"ccm+tftp", sim::cert_role::ccm_tftp}, {"tftp", sim::cert_role::tftp},
    {"capf", sim::cert_role::capf},         {"app-server", sim::cert_role::app_server},
    {"tvs", sim::cert_role::tvs},
};

std::string role_list() {
  std::string out;
  for (const auto& r : role_names) out += (out.empty() ? "" : ", ") + std::string(r.name);
  return out;
}

std::optional<sim::cert_role> parse_role(std::string_view text) {
  for (const auto& r : role_names) {
    if (iequals(r.name, text)) return r.role;
  }
  return std::nullopt;
}

result<sim::certificate> load_certificate(const std::string& path) {
  auto text = read_text_file(path);
  if (!text) return text.err();
  auto cert = sim::certificate::from_pem(*text);
  if (!cert) return failure(path + ": no PEM certificate (-----BEGIN CERTIFICATE-----) found");
  return cert;
}

// The signer's certificate and private key, checked to belong together.
result<sim::identity> load_signer(const itl_build_options& o) {
  auto cert = load_certificate(o.signer);
  if (!cert) return cert.err();
  const std::string& key_path = o.signer_key.empty() ? o.signer : o.signer_key;
  auto key_text = read_text_file(key_path);
  if (!key_text) return key_text.err();
  // rsa_key::from_pem also accepts public keys; only a private one can sign.
  if (key_text->find("PRIVATE KEY-----") == std::string::npos) {
    return failure(key_path + ": no PEM private key (-----BEGIN PRIVATE KEY-----)" +
                   (o.signer_key.empty() ? "; pass it with --signer-key" : ""));
  }
  // OpenSSL would prompt on the terminal for the passphrase.
  if (key_text->find("ENCRYPTED") != std::string::npos) {
    return failure(key_path +
                   ": the private key is encrypted; decrypt it first (openssl pkey -in KEY)");
  }
  auto key = sim::rsa_key::from_pem(*key_text);
  if (!key) return failure(key_path + ": " + key.err().message);
  if (!sim::modulus_code(key->bits())) {
    return failure(key_path + ": expected an RSA key of 512, 1024, 2048 or 4096 bits, got " +
                   std::to_string(key->bits()) + " bits");
  }
  if (key->public_pkcs1_der() != cert->public_key().public_pkcs1_der()) {
    return failure("the private key in " + key_path + " does not match the certificate in " +
                   o.signer + " (" + cert->subject() + "): their public keys differ");
  }
  return sim::identity{std::move(key).value(), std::move(cert).value()};
}

result<std::vector<sim::itl_entry>> load_entries(const itl_build_options& o) {
  std::vector<sim::cert_role> hash_only;
  if (!o.full_certs) {
    for (const std::string& name : o.hash_only_roles) {
      auto role = parse_role(name);
      if (!role) {
        return failure("--hash-only-roles: unknown role '" + name + "' (expected " + role_list() +
                       ")");
      }
      hash_only.push_back(*role);
    }
  }
  std::vector<sim::itl_entry> entries;
  for (const std::string& spec : o.records) {
    const auto colon = spec.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == spec.size()) {
      return failure("--record '" + spec + "': expected ROLE:PEM, ROLE one of " + role_list());
    }
    const auto role = parse_role(std::string_view(spec).substr(0, colon));
    if (!role) {
      return failure("--record '" + spec + "': unknown role '" + spec.substr(0, colon) +
                     "' (expected " + role_list() + ")");
    }
    auto cert = load_certificate(spec.substr(colon + 1));
    if (!cert) return cert.err();
    sim::itl_entry e;
    e.cert = std::move(cert).value();
    e.role = *role;
    e.hash_only = std::find(hash_only.begin(), hash_only.end(), *role) != hash_only.end();
    entries.push_back(std::move(e));
  }
  return entries;
}

sim::digest_algorithm parse_digest(const std::string& name) {
  if (name == "sha256") return sim::digest_algorithm::sha256;
  if (name == "sha512") return sim::digest_algorithm::sha512;
  return sim::digest_algorithm::sha1;
}

int run_itl_build(const itl_build_options& o) {
  auto signer = load_signer(o);
  if (!signer) {
    print_error(signer.err().to_string());
    return exit_bad_input;
  }
  auto entries = load_entries(o);
  if (!entries) {
    print_error(entries.err().to_string());
    return exit_bad_input;
  }

  sim::build_options options;
  options.filename = o.filename;
  options.digest = parse_digest(o.digest);
  options.timestamp = static_cast<std::uint32_t>(
      o.timestamp >= 0 ? o.timestamp
                       : std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count());
  const sim::trust_file f = sim::build_trust_list(*entries, *signer, options);
  const bytes data = sim::serialise(f);
  if (data.size() > sim::max_trust_file_size) {
    print_error("the file would be " + std::to_string(data.size()) +
                " bytes; phones cannot load trust files over " +
                std::to_string(sim::max_trust_file_size) + " bytes (about 39 certificates)");
    return exit_bad_input;
  }
  if (auto written = write_file(o.out, data, std::filesystem::perms(0644)); !written) {
    print_error(written.err().to_string());
    return exit_bad_input;
  }

  const sim::verification v = sim::verify_with(f, f);
  std::cout << "wrote " << o.out << ": " << data.size() << " bytes, header "
            << f.header.header_length << ", " << f.records.size() << " records, signed by "
            << signer->cert.subject() << ", SHA-1 " << to_hex(sim::sha1(data)) << std::endl;
  if (!v.ok()) {
    // Legal (a phone may still accept it through another trusted file), but
    // rarely intended: `show itl` on it would say "not verified".
    print_error("warning: the file does not verify with its own records: " + v.describe() +
                " (add the signer with --record sast:" + o.signer + ")");
  }
  return exit_ok;
}

}  // namespace

void add_itl_build_command(CLI::App& itl) {
  auto o = std::make_shared<itl_build_options>();
  CLI::App* cmd = itl.add_subcommand(
      "build",
      "Build and sign an ITL/CTL from PEM certificates and roles, laid out as CUCM writes it");
  cmd->add_option("--out", o->out, "Output file")->required();
  cmd->add_option("--signer", o->signer,
                  "PEM holding the signer's certificate and private key (or only the "
                  "certificate, with --signer-key)")
      ->required();
  cmd->add_option("--signer-key", o->signer_key, "PEM holding the signer's private key");
  cmd->add_option("--record", o->records,
                  "ROLE:PEM, one per record in file order; ROLE is one of " + role_list())
      ->required()
      ->type_name("ROLE:PEM");
  auto* hash_only =
      cmd->add_option("--hash-only-roles", o->hash_only_roles,
                      "Roles written as CERTHASH instead of the whole certificate, as CUCM "
                      "writes CAPF and TVS records")
          ->delimiter(',')
          ->capture_default_str();
  cmd->add_flag("--full-certs", o->full_certs,
                "Embed the full certificate in every record (as some other tools do)")
      ->excludes(hash_only);
  cmd->add_option("--digest", o->digest, "Signature digest")
      ->check(CLI::IsMember({"sha1", "sha256", "sha512"}))
      ->capture_default_str();
  cmd->add_option("--filename", o->filename, "FILENAME header element")->capture_default_str();
  cmd->add_option("--timestamp", o->timestamp, "TIMESTAMP header element, Unix seconds [now]")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{0xFFFFFFFF}))
      ->type_name("UNIX");
  cmd->footer(
      "Exit status: 0 written, 2 bad input (unreadable PEM, unknown role, key not matching the "
      "certificate).\nExample:\n  itlfleet itl build --out ITLFile.tlv --signer callmanager.pem "
      "--signer-key callmanager.key \\\n    --record sast:callmanager.pem --record "
      "tftp:callmanager.pem --record capf:capf.pem --record tvs:tvs.pem");
  cmd->callback([o] { finish(run_itl_build(*o)); });
}

}  // namespace itlfleet::app
