// `itlfleet cluster export`: a cluster's PKI and the TFTP root its nodes
// serve, on disk, for stock servers (tftpd-hpa) and real-peer tests.
//
// Layout under --out DIR:
//   tftp/<host>/ITLFile.tlv                the node's ITL (cluster_itl.hpp decides its records)
//   tftp/<host>/ITLSEP<MAC>.tlv            per-phone copies, same bytes
//   tftp/<host>/SEP<MAC>.cnf.xml.sgn       the phone's config, signed by the node's CallManager
//   tftp/<host>/CTLFile.tlv                --mixed-mode: the cluster's CTL (cluster_ctl.hpp)
//   tftp/<host>/CTLSEP<MAC>.tlv            --mixed-mode: per-phone copies, same bytes
//   keys/<host>/<purpose>.{pem,key}        certificates and private keys (never served)
//   keys/<publisher>/ITLRecovery.p12       under the cluster security password
//   manifest.json                          nodes, files, SHA-1s

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "cli_support.hpp"
#include "commands.hpp"
#include "itlfleet/engine/plan_limits.hpp"
#include "itlfleet/host/key_cache.hpp"
#include "itlfleet/sim/cluster.hpp"
#include "itlfleet/sim/cluster_ctl.hpp"
#include "itlfleet/sim/cluster_itl.hpp"
#include "itlfleet/sim/crypto.hpp"
#include "itlfleet/sim/itl_builder.hpp"
#include "itlfleet/sim/json.hpp"
#include "itlfleet/sim/pki.hpp"
#include "itlfleet/sim/trust_file.hpp"

namespace itlfleet::app {
namespace {

namespace fs = std::filesystem;

struct cluster_export_options {
  std::string out;
  std::vector<std::string> nodes{"cucm-pub"};  ///< host names; the first is the publisher
  std::uint64_t phones = 10;
  std::string domain = "example.lab";
  std::string version = "10.0";
  int key_bits = 1024;
  std::string seed = "itlfleet";
  std::string password = "itlfleet-cluster";
  /// TIMESTAMP of every file; -1: the PKI epoch, so a seed always gives the same bytes.
  std::int64_t timestamp = -1;
  bool force = false;
  /// The cluster is in mixed mode: every node also serves the tokenless CTL.
  bool mixed_mode = false;
};

/// Below this many phones, progress lines are only noise.
constexpr std::uint64_t progress_threshold = 1000;

/// Raised for anything that stops the export; the message names the file.
struct export_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct node_pki {
  std::string host;
  std::string fqdn;
  bool publisher = false;
  sim::identity callmanager, tvs, capf, itlrecovery;
};

/// A trust list a node serves (its ITL, or the cluster's CTL in mixed mode).
struct node_itl {
  bytes data;
  bytes sha1;
  std::size_t records = 0;
  std::string signer;
  std::uint64_t phones = 0;
};

struct written_file {
  std::string path;  ///< relative to the export root, '/'-separated
  std::size_t length = 0;
  bytes sha1;
};

/// Writes files under the export root and remembers them for the manifest.
class export_writer {
 public:
  explicit export_writer(fs::path root) : root_(std::move(root)) {}

  void directory(const std::string& rel, fs::perms perms) {
    const fs::path p = root_ / rel;
    std::error_code ec;
    fs::create_directories(p, ec);
    if (!ec) fs::permissions(p, perms, fs::perm_options::replace, ec);
    if (ec) throw export_error("cannot create directory " + p.string() + ": " + ec.message());
  }

  /// `sha1` may be passed when already known (the per-phone ITL copies).
  void file(const std::string& rel, byte_view data, fs::perms perms, bytes sha1 = {}) {
    if (auto st = write_file(root_ / rel, data, perms); !st) throw export_error(st.err().message);
    if (sha1.empty()) sha1 = sim::sha1(data);
    bytes_written_ += data.size();
    files_.push_back({rel, data.size(), std::move(sha1)});
  }

  const std::vector<written_file>& files() const { return files_; }
  std::uint64_t bytes_written() const { return bytes_written_; }
  const fs::path& root() const { return root_; }

 private:
  fs::path root_;
  std::vector<written_file> files_;
  std::uint64_t bytes_written_ = 0;
};

constexpr auto public_dir = fs::perms(0755);
constexpr auto public_file = fs::perms(0644);
constexpr auto private_dir = fs::perms(0700);
constexpr auto private_file = fs::perms(0600);

// RFC 1123 host label: what CUCM accepts as a node name.
bool valid_label(std::string_view s) {
  if (s.empty() || s.size() > 63 || s.front() == '-' || s.back() == '-') return false;
  return std::all_of(s.begin(), s.end(),
                     [](unsigned char c) { return std::isalnum(c) || c == '-'; });
}

bool valid_domain(std::string_view d) {
  if (d.empty()) return true;
  std::size_t start = 0;
  for (;;) {
    const auto dot = d.find('.', start);
    if (!valid_label(d.substr(start, dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

/// Every certificate's CN must fit X.509's 64 bytes, or OpenSSL refuses it
/// half-way through the export: the rule a scenario's nodes follow
/// (engine::limits::common_name_problem), every node's own ITLRecovery
/// certificate included.
void check_common_names(const cluster_export_options& o, const sim::cucm_version& version) {
  for (const std::string& host : o.nodes)
    if (auto p = engine::limits::common_name_problem(host, o.domain, version.has_itl_recovery()))
      throw export_error("--nodes/--domain: " + *p);
}

void check_options(const cluster_export_options& o) {
  if (o.nodes.empty()) throw export_error("--nodes: expected at least one node (the publisher)");
  std::set<std::string> seen;
  for (const std::string& host : o.nodes) {
    if (!valid_label(host)) {
      throw export_error("--nodes: '" + host +
                         "' is not a host name (letters, digits and '-', at most 63)");
    }
    if (!seen.insert(to_lower(host)).second)
      throw export_error("--nodes: '" + host + "' appears twice");
  }
  if (!valid_domain(o.domain))
    throw export_error("--domain: '" + o.domain + "' is not a DNS domain");
  if (o.nodes.size() > engine::limits::max_nodes) {
    throw export_error("--nodes: at most " + std::to_string(engine::limits::max_nodes) +
                       " nodes (the ITL of a larger cluster passes 64 KB, which phones refuse), "
                       "got " +
                       std::to_string(o.nodes.size()));
  }
  if (o.phones > sim::phone_mac_count) {
    throw export_error("--phones: at most " + std::to_string(sim::phone_mac_count) +
                       " phones fit the MAC range " +
                       sim::device_name(sim::first_phone_mac).substr(3) + "-" +
                       sim::device_name(sim::first_phone_mac + sim::phone_mac_count - 1).substr(3));
  }
}

// An empty or missing directory is written into; a non-empty one only with
// --force, and then a previous export's tftp/ and keys/ are cleared first so
// no stale phone files remain.
void prepare_root(const cluster_export_options& o) {
  const fs::path root(o.out);
  std::error_code ec;
  const auto st = fs::status(root, ec);
  if (fs::exists(st)) {
    if (!fs::is_directory(st)) throw export_error(o.out + " exists and is not a directory");
    const bool empty = fs::is_empty(root, ec);
    if (ec) throw export_error("cannot read " + o.out + ": " + ec.message());
    if (!empty && !o.force) {
      throw export_error(o.out + " is not empty; pass --force to export into it anyway");
    }
    if (!empty && fs::exists(root / "manifest.json")) {
      fs::remove_all(root / "tftp", ec);
      if (!ec) fs::remove_all(root / "keys", ec);
      if (ec)
        throw export_error("cannot clear the previous export in " + o.out + ": " + ec.message());
    }
  }
  fs::create_directories(root, ec);
  if (ec) throw export_error("cannot create " + o.out + ": " + ec.message());
}

/// The cluster's nodes and identities, as sim::cluster made them: the same
/// PKI and files a run of a scenario with this seed serves.
std::vector<node_pki> pki_of(const sim::cluster& c) {
  std::vector<node_pki> nodes;
  for (std::size_t i = 0; i < c.node_count(); ++i) {
    node_pki n;
    n.host = c.node(i).host;
    n.fqdn = c.fqdn(i);
    n.publisher = i == c.publisher();
    using sim::cert_purpose;
    n.callmanager = c.node_identity(i, cert_purpose::callmanager);
    n.tvs = c.node_identity(i, cert_purpose::tvs);
    n.capf = c.node_identity(i, cert_purpose::capf);
    n.itlrecovery = c.node_identity(i, cert_purpose::itlrecovery);
    nodes.push_back(std::move(n));
  }
  return nodes;
}

void write_keys(export_writer& w, const std::vector<node_pki>& nodes,
                const cluster_export_options& o) {
  w.directory("keys", private_dir);
  for (const node_pki& n : nodes) {
    const std::string dir = "keys/" + n.host;
    w.directory(dir, private_dir);
    const std::pair<const char*, const sim::identity*> ids[] = {
        {"callmanager", &n.callmanager},
        {"tvs", &n.tvs},
        {"capf", &n.capf},
        {"itlrecovery", &n.itlrecovery},
    };
    for (const auto& [name, id] : ids) {
      if (!id->cert.valid()) continue;  // no ITLRecovery before CUCM 10.0
      w.file(dir + "/" + name + ".pem", as_bytes(id->cert.pem()), public_file);
      w.file(dir + "/" + name + ".key", as_bytes(id->key.private_pem()), private_file);
    }
    if (n.publisher && n.itlrecovery.cert.valid()) {
      w.file(dir + "/ITLRecovery.p12",
             sim::write_pkcs12(n.itlrecovery.key, n.itlrecovery.cert, o.password, "ITLRecovery"),
             private_file);
    }
  }
}

node_itl trust_list_of(const sim::stored_file& f) {
  node_itl t;
  t.data = f.raw;
  t.sha1 = f.sha1;
  t.records = f.parsed.records.size();
  t.signer = text_of(f.parsed.header.signer.name);
  return t;
}

/// The CTL each node serves, byte for byte as its TFTP service does; empty
/// outside mixed mode.
std::vector<node_itl> ctls_of(const sim::cluster& c) {
  std::vector<node_itl> ctls;
  for (std::size_t i = 0; i < c.node_count(); ++i) {
    if (c.served_ctl(i) == sim::no_file) return {};
    ctls.push_back(trust_list_of(c.files().get(c.served_ctl(i))));
  }
  return ctls;
}

std::vector<node_itl> itls_of(const sim::cluster& c) {
  std::vector<node_itl> itls;
  for (std::size_t i = 0; i < c.node_count(); ++i) {
    node_itl itl = trust_list_of(c.files().get(c.served_itl(i)));
    if (itl.data.size() > sim::max_trust_file_size) {
      print_error("warning: " + c.fqdn(i) + "'s ITL is " + std::to_string(itl.data.size()) +
                  " bytes; phones cannot load trust files over 65535 bytes");
    }
    itls.push_back(std::move(itl));
  }
  return itls;
}

/// `ctls`: one per node in mixed mode (CTLFile.tlv and every
/// CTLSEP<MAC>.tlv, as CUCM serves one CTL under both names), else empty.
void write_tftp_roots(export_writer& w, const sim::cluster& cluster,
                      const std::vector<node_pki>& nodes, std::vector<node_itl>& itls,
                      const std::vector<node_itl>& ctls, const cluster_export_options& o) {
  w.directory("tftp", public_dir);
  for (std::size_t k = 0; k < nodes.size(); ++k) {
    w.directory("tftp/" + nodes[k].host, public_dir);
    w.file("tftp/" + nodes[k].host + "/ITLFile.tlv", itls[k].data, public_file, itls[k].sha1);
    if (!ctls.empty())
      w.file("tftp/" + nodes[k].host + "/CTLFile.tlv", ctls[k].data, public_file, ctls[k].sha1);
  }
  const std::uint64_t step = std::max<std::uint64_t>(o.phones / 10, 1);
  for (std::uint64_t i = 0; i < o.phones; ++i) {
    const std::size_t k = i % nodes.size();
    const node_pki& n = nodes[k];
    const std::string device = sim::device_name(sim::first_phone_mac + i);
    const std::string dir = "tftp/" + n.host + "/";
    w.file(dir + sim::itl_name_for(device), itls[k].data, public_file, itls[k].sha1);
    if (!ctls.empty())
      w.file(dir + sim::ctl_name_for(device), ctls[k].data, public_file, ctls[k].sha1);

    w.file(dir + sim::config_name_for(device), sim::serialise(cluster.device_config(k, device, 0)),
           public_file);
    ++itls[k].phones;
    if (o.phones >= progress_threshold && ((i + 1) % step == 0 || i + 1 == o.phones)) {
      std::cerr << "phones: " << i + 1 << "/" << o.phones << std::endl;
    }
  }
}

void certificate_json(json_writer& j, const std::string& dir, const char* name,
                      const sim::identity& id) {
  j.key(name).begin_object();
  j.key("subject").value(id.cert.subject());
  j.key("serial").value(to_hex(id.cert.serial(), ":", true));
  j.key("sha1").value(to_hex(id.cert.sha1()));
  j.key("key_bits").value(id.key.bits());
  j.key("certificate").value(dir + "/" + name + ".pem");
  j.key("private_key").value(dir + "/" + name + ".key");
  j.end_object();
}

/// A served trust list's manifest entry.
void trust_list_json(json_writer& j, const char* key, const std::string& path, const node_itl& t) {
  j.key(key).begin_object();
  j.key("path").value(path);
  j.key("length").value(static_cast<std::uint64_t>(t.data.size()));
  j.key("sha1").value(to_hex(t.sha1));
  j.key("records").value(static_cast<std::uint64_t>(t.records));
  j.key("signer").value(t.signer);
  j.end_object();
}

std::string manifest_json(const std::vector<node_pki>& nodes, const std::vector<node_itl>& itls,
                          const std::vector<node_itl>& ctls, const export_writer& w,
                          const cluster_export_options& o, sim::cucm_version version,
                          std::uint32_t timestamp) {
  json_writer j;
  j.begin_object();
  j.key("generator").value("itlfleet " ITLFLEET_VERSION);
  j.key("seed").value(o.seed);
  j.key("cucm_version").value(version.to_string());
  j.key("domain").value(o.domain);
  j.key("key_bits").value(o.key_bits);
  j.key("timestamp").value(static_cast<std::uint64_t>(timestamp));
  j.key("publisher").value(nodes.front().host);
  j.key("phones").value(o.phones);
  j.key("first_mac").value(sim::device_name(sim::first_phone_mac).substr(3));
  j.key("mixed_mode").value(!ctls.empty());
  j.key("nodes").begin_array();
  for (std::size_t k = 0; k < nodes.size(); ++k) {
    const node_pki& n = nodes[k];
    const std::string keys = "keys/" + n.host;
    j.begin_object();
    j.key("host").value(n.host);
    j.key("fqdn").value(n.fqdn);
    j.key("publisher").value(n.publisher);
    j.key("services").begin_array().value("callmanager").value("tftp").value("tvs").end_array();
    j.key("tftp_root").value("tftp/" + n.host);
    j.key("phones").value(itls[k].phones);
    trust_list_json(j, "itl", "tftp/" + n.host + "/ITLFile.tlv", itls[k]);
    if (!ctls.empty()) trust_list_json(j, "ctl", "tftp/" + n.host + "/CTLFile.tlv", ctls[k]);
    j.key("certificates").begin_object();
    certificate_json(j, keys, "callmanager", n.callmanager);
    certificate_json(j, keys, "tvs", n.tvs);
    certificate_json(j, keys, "capf", n.capf);
    if (n.itlrecovery.cert.valid()) certificate_json(j, keys, "itlrecovery", n.itlrecovery);
    j.end_object();
    if (n.publisher && n.itlrecovery.cert.valid())
      j.key("itlrecovery_p12").value(keys + "/ITLRecovery.p12");
    j.end_object();
  }
  j.end_array();
  j.key("files").begin_array();
  for (const written_file& f : w.files()) {
    j.begin_object();
    j.key("path").value(f.path);
    j.key("length").value(static_cast<std::uint64_t>(f.length));
    j.key("sha1").value(to_hex(f.sha1));
    j.end_object();
  }
  j.end_array();
  j.end_object();
  return j.str();
}

void print_summary(const std::vector<node_pki>& nodes, const std::vector<node_itl>& itls,
                   const std::vector<node_itl>& ctls, const export_writer& w,
                   const cluster_export_options& o, sim::cucm_version version) {
  std::cout << "cluster export: CUCM " << version.to_string() << ", seed \"" << o.seed << "\", "
            << o.key_bits << "-bit keys, " << nodes.size() << " node(s), " << o.phones
            << " phone(s)\n";
  for (std::size_t k = 0; k < nodes.size(); ++k) {
    std::cout << "  " << nodes[k].fqdn << (nodes[k].publisher ? " (publisher)" : "")
              << ": ITLFile.tlv " << itls[k].data.size() << " bytes, " << itls[k].records
              << " records, SHA-1 " << to_hex(itls[k].sha1) << ", signed by " << itls[k].signer
              << ", " << itls[k].phones << " phone(s)\n";
    if (!ctls.empty()) {
      std::cout << "    mixed mode: CTLFile.tlv " << ctls[k].data.size() << " bytes, "
                << ctls[k].records << " records, SHA-1 " << to_hex(ctls[k].sha1) << ", signed by "
                << ctls[k].signer << "\n";
    }
  }
  std::cout << "wrote " << w.files().size() + 1 << " files (" << w.bytes_written()
            << " bytes) under " << o.out << ":\n"
            << "  tftp/<host>/   TFTP roots; serve one per node, e.g. in.tftpd --foreground "
               "--secure "
            << (w.root() / "tftp" / nodes.front().host).string() << "\n"
            << "  keys/<host>/   certificates and private keys (never serve these)\n"
            << "  manifest.json  nodes, files and their SHA-1\n";
}

int run_cluster_export(const cluster_export_options& o) {
  try {
    check_options(o);
    auto version = sim::cucm_version::parse(o.version);
    if (!version) throw export_error("--version: " + version.err().message);
    if (o.mixed_mode && !version->has_itl_recovery()) {
      throw export_error(
          "--mixed-mode: a tokenless CTL needs CUCM 10.0(1) or later, got --version " + o.version +
          " (earlier releases set mixed mode with USB tokens)");
    }
    check_common_names(o, *version);
    const std::uint32_t timestamp =
        static_cast<std::uint32_t>(o.timestamp >= 0 ? o.timestamp : sim::pki_options{}.epoch_unix);
    prepare_root(o);

    sim::pki_options pki;
    pki.seed = o.seed;
    pki.key_bits = o.key_bits;
    pki.cache = host::default_key_store();
    sim::identity_factory factory(pki);
    sim::file_store files;
    sim::cluster_config config;
    config.version = *version;
    config.domain = o.domain;
    config.security_password = o.password;
    config.epoch_unix = timestamp;  // the files' TIMESTAMP at simulated second 0
    config.mixed_mode = o.mixed_mode;
    for (std::size_t i = 0; i < o.nodes.size(); ++i)
      config.nodes.push_back({o.nodes[i], i == 0, true, true, true});
    std::cerr << "generating keys for " << o.nodes.size() << " node(s) (" << o.key_bits
              << "-bit)..." << std::endl;
    auto cluster = sim::cluster::create(std::move(config), factory, files);
    if (!cluster) throw export_error(cluster.err().message);
    const std::vector<node_pki> nodes = pki_of(*cluster);
    std::vector<node_itl> itls = itls_of(*cluster);
    const std::vector<node_itl> ctls = ctls_of(*cluster);

    export_writer w{fs::path(o.out)};
    write_keys(w, nodes, o);
    write_tftp_roots(w, *cluster, nodes, itls, ctls, o);
    const std::string manifest = manifest_json(nodes, itls, ctls, w, o, *version, timestamp);
    if (auto st = write_file(w.root() / "manifest.json", as_bytes(manifest), public_file); !st) {
      throw export_error(st.err().message);
    }
    print_summary(nodes, itls, ctls, w, o, *version);
    return exit_ok;
  } catch (const export_error& e) {
    print_error(std::string("cluster export: ") + e.what());
    return exit_bad_input;
  }
}

}  // namespace

void add_cluster_export_command(CLI::App& cluster) {
  auto o = std::make_shared<cluster_export_options>();
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
  cmd->callback([o] { finish(run_cluster_export(*o)); });
}

}  // namespace itlfleet::app
