#include "itlfleet/cluster_export/cluster_export.hpp"

#include <algorithm>
#include <sstream>
#include <utility>

#include "export_rules.hpp"
#include "export_writer.hpp"
#include "itlfleet/sim/cluster.hpp"
#include "itlfleet/sim/cluster_ctl.hpp"
#include "itlfleet/sim/crypto.hpp"
#include "itlfleet/sim/file_store.hpp"
#include "itlfleet/sim/itl_builder.hpp"
#include "itlfleet/sim/trust_file.hpp"
#include "manifest.hpp"

namespace itlfleet::cluster_export {
namespace {

using namespace detail;

/// Below this many phones, progress lines are only noise.
constexpr std::uint64_t progress_threshold = 1000;

void say(const std::function<void(const std::string&)>& to, const std::string& line) {
  if (to) to(line);
}

std::vector<node_pki> pki_of(const sim::cluster& c) {
  std::vector<node_pki> nodes;
  for (std::size_t i = 0; i < c.node_count(); ++i) {
    using sim::cert_purpose;
    nodes.push_back({c.node(i).host, c.node_identity(i, cert_purpose::callmanager),
                     c.node_identity(i, cert_purpose::tvs), c.node_identity(i, cert_purpose::capf),
                     c.node_identity(i, cert_purpose::itlrecovery)});
  }
  return nodes;
}

served_trust_list described(const sim::stored_file& f) {
  return {f.raw.size(), f.sha1, f.parsed.records.size(), text_of(f.parsed.header.signer.name)};
}

/// Each node's entry, with the trust lists it serves byte for byte as its
/// TFTP service does (a CTL only in mixed mode).
std::vector<exported_node> nodes_of(const sim::cluster& c, const export_callbacks& cb) {
  std::vector<exported_node> nodes;
  for (std::size_t i = 0; i < c.node_count(); ++i) {
    exported_node n;
    n.host = c.node(i).host;
    n.fqdn = c.fqdn(i);
    n.publisher = i == c.publisher();
    n.itl = described(c.files().get(c.served_itl(i)));
    if (n.itl.length > sim::max_trust_file_size) {
      say(cb.warning, n.fqdn + "'s ITL is " + std::to_string(n.itl.length) +
                          " bytes; phones cannot load trust files over 65535 bytes");
    }
    if (c.served_ctl(i) != sim::no_file) n.ctl = described(c.files().get(c.served_ctl(i)));
    nodes.push_back(std::move(n));
  }
  return nodes;
}

void write_keys(export_writer& w, const std::vector<node_pki>& pki,
                const std::vector<exported_node>& nodes, const export_options& o) {
  w.directory("keys", private_dir);
  for (std::size_t k = 0; k < pki.size(); ++k) {
    const node_pki& n = pki[k];
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
    if (nodes[k].publisher && n.itlrecovery.cert.valid()) {
      w.file(dir + "/ITLRecovery.p12",
             sim::write_pkcs12(n.itlrecovery.key, n.itlrecovery.cert, o.password, "ITLRecovery"),
             private_file);
    }
  }
}

/// ITLFile.tlv (and in mixed mode CTLFile.tlv) per node, then each phone's
/// files on its node, round-robin: CUCM serves one trust list under the
/// shared and the per-device names.
void write_tftp_roots(export_writer& w, const sim::cluster& cluster,
                      std::vector<exported_node>& nodes, const export_options& o,
                      const export_callbacks& cb) {
  const auto itl_of = [&](std::size_t k) -> const bytes& {
    return cluster.files().get(cluster.served_itl(k)).raw;
  };
  const auto ctl_of = [&](std::size_t k) -> const bytes& {
    return cluster.files().get(cluster.served_ctl(k)).raw;
  };
  w.directory("tftp", public_dir);
  for (std::size_t k = 0; k < nodes.size(); ++k) {
    const std::string dir = "tftp/" + nodes[k].host + "/";
    w.directory("tftp/" + nodes[k].host, public_dir);
    w.file(dir + "ITLFile.tlv", itl_of(k), public_file, nodes[k].itl.sha1);
    if (nodes[k].ctl) w.file(dir + "CTLFile.tlv", ctl_of(k), public_file, nodes[k].ctl->sha1);
  }
  const std::uint64_t step = std::max<std::uint64_t>(o.phones / 10, 1);
  for (std::uint64_t i = 0; i < o.phones; ++i) {
    const std::size_t k = i % nodes.size();
    exported_node& n = nodes[k];
    const std::string device = sim::device_name(sim::first_phone_mac + i);
    const std::string dir = "tftp/" + n.host + "/";
    w.file(dir + sim::itl_name_for(device), itl_of(k), public_file, n.itl.sha1);
    if (n.ctl) w.file(dir + sim::ctl_name_for(device), ctl_of(k), public_file, n.ctl->sha1);
    w.file(dir + sim::config_name_for(device), sim::serialise(cluster.device_config(k, device, 0)),
           public_file);
    ++n.phones;
    if (o.phones >= progress_threshold && ((i + 1) % step == 0 || i + 1 == o.phones))
      say(cb.progress, "phones: " + std::to_string(i + 1) + "/" + std::to_string(o.phones));
  }
}

}  // namespace

result<export_summary> export_cluster(const export_options& o, const export_callbacks& cb) {
  auto version = checked_version(o);
  if (!version) return version.err();
  try {
    const std::uint32_t timestamp =
        static_cast<std::uint32_t>(o.timestamp >= 0 ? o.timestamp : sim::pki_options{}.epoch_unix);
    prepare_root(o.out, o.force);

    sim::pki_options pki;
    pki.seed = o.seed;
    pki.key_bits = o.key_bits;
    pki.cache = o.key_cache;
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
    say(cb.progress, "generating keys for " + std::to_string(o.nodes.size()) + " node(s) (" +
                         std::to_string(o.key_bits) + "-bit)...");
    auto cluster = sim::cluster::create(std::move(config), factory, files);
    if (!cluster) return cluster.err();
    const std::vector<node_pki> ids = pki_of(*cluster);
    std::vector<exported_node> nodes = nodes_of(*cluster, cb);

    export_writer w{fs::path(o.out)};
    write_keys(w, ids, nodes, o);
    write_tftp_roots(w, *cluster, nodes, o, cb);
    w.unlisted_file("manifest.json",
                    as_bytes(manifest_json(ids, nodes, w.files(), o, *version, timestamp)),
                    public_file);
    export_summary s;
    s.out = o.out;
    s.version = version->to_string();
    s.seed = o.seed;
    s.key_bits = o.key_bits;
    s.phones = o.phones;
    s.nodes = std::move(nodes);
    s.files = w.files().size() + 1;  // and manifest.json
    s.bytes = w.bytes_written();
    return s;
  } catch (const export_error& e) {
    return failure(e.what());
  }
}

std::string summary_text(const export_summary& s) {
  std::ostringstream out;
  out << "cluster export: CUCM " << s.version << ", seed \"" << s.seed << "\", " << s.key_bits
      << "-bit keys, " << s.nodes.size() << " node(s), " << s.phones << " phone(s)\n";
  for (const exported_node& n : s.nodes) {
    out << "  " << n.fqdn << (n.publisher ? " (publisher)" : "") << ": ITLFile.tlv " << n.itl.length
        << " bytes, " << n.itl.records << " records, SHA-1 " << to_hex(n.itl.sha1) << ", signed by "
        << n.itl.signer << ", " << n.phones << " phone(s)\n";
    if (n.ctl) {
      out << "    mixed mode: CTLFile.tlv " << n.ctl->length << " bytes, " << n.ctl->records
          << " records, SHA-1 " << to_hex(n.ctl->sha1) << ", signed by " << n.ctl->signer << "\n";
    }
  }
  out << "wrote " << s.files << " files (" << s.bytes << " bytes) under " << s.out << ":\n"
      << "  tftp/<host>/   TFTP roots; serve one per node, e.g. in.tftpd --foreground --secure "
      << (fs::path(s.out) / "tftp" / s.nodes.front().host).string() << "\n"
      << "  keys/<host>/   certificates and private keys (never serve these)\n"
      << "  manifest.json  nodes, files and their SHA-1\n";
  return out.str();
}

}  // namespace itlfleet::cluster_export
