#include "manifest.hpp"

#include "itlfleet/sim/itl_builder.hpp"
#include "itlfleet/sim/json.hpp"

namespace itlfleet::cluster_export::detail {
namespace {

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

/// A served trust list's entry.
void trust_list_json(json_writer& j, const char* key, const std::string& path,
                     const served_trust_list& t) {
  j.key(key).begin_object();
  j.key("path").value(path);
  j.key("length").value(static_cast<std::uint64_t>(t.length));
  j.key("sha1").value(to_hex(t.sha1));
  j.key("records").value(static_cast<std::uint64_t>(t.records));
  j.key("signer").value(t.signer);
  j.end_object();
}

}  // namespace

std::string manifest_json(const std::vector<node_pki>& pki, const std::vector<exported_node>& nodes,
                          const std::vector<written_file>& files, const export_options& o,
                          const sim::cucm_version& version, std::uint32_t timestamp) {
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
  j.key("mixed_mode").value(nodes.front().ctl.has_value());
  j.key("nodes").begin_array();
  for (std::size_t k = 0; k < nodes.size(); ++k) {
    const exported_node& n = nodes[k];
    const node_pki& ids = pki[k];
    const std::string keys = "keys/" + n.host;
    j.begin_object();
    j.key("host").value(n.host);
    j.key("fqdn").value(n.fqdn);
    j.key("publisher").value(n.publisher);
    j.key("services").begin_array().value("callmanager").value("tftp").value("tvs").end_array();
    j.key("tftp_root").value("tftp/" + n.host);
    j.key("phones").value(n.phones);
    trust_list_json(j, "itl", "tftp/" + n.host + "/ITLFile.tlv", n.itl);
    if (n.ctl) trust_list_json(j, "ctl", "tftp/" + n.host + "/CTLFile.tlv", *n.ctl);
    j.key("certificates").begin_object();
    certificate_json(j, keys, "callmanager", ids.callmanager);
    certificate_json(j, keys, "tvs", ids.tvs);
    certificate_json(j, keys, "capf", ids.capf);
    if (ids.itlrecovery.cert.valid()) certificate_json(j, keys, "itlrecovery", ids.itlrecovery);
    j.end_object();
    if (n.publisher && ids.itlrecovery.cert.valid())
      j.key("itlrecovery_p12").value(keys + "/ITLRecovery.p12");
    j.end_object();
  }
  j.end_array();
  j.key("files").begin_array();
  for (const written_file& f : files) {
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

}  // namespace itlfleet::cluster_export::detail
