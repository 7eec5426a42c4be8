// The core safety property of the phone, judged independently: whatever it
// is offered and whatever TVS answers, a phone never installs an ITL that
// neither its installed ITL nor a TVS it trusts vouched for.
//
// The judge shares no code with sim's verifier or the trust oracle: it checks
// signatures with OpenSSL directly (openssl_judge.hpp) against certificates
// taken from the files, and it knows which offered files are ITLs because the
// test built them. The phone is offered genuine ITLs, tampered ones, ITLs
// signed by keys in no list (and ones claiming a trusted signer's name),
// configs where it asked for an ITL, and TVS answers from honest servers,
// lying servers and servers its ITL does not know.
//
// The property, precisely. When a phone's installed ITL changes from B to N
// (N not "no ITL"):
//   1. N is an ITL (a signed config is never installed as one), and
//   2. B is "no ITL" (leap of faith), or B has no TFTP, CCM+TFTP or TVS
//      record (the empty ITL of "Prepare Cluster for Rollback to pre-8.0",
//      which trusts anything by design), or
//   3. a SAST or TFTP record of B carries a certificate whose public key
//      verifies N's signature over its signing preimage, or
//   4. a TVS server whose certificate SHA-1 is a TVS record of the phone's
//      installed ITL at the time answered "valid" with a certificate whose
//      key verifies N's signature, and that answer's TTL has not run out.
// Clause 4 is why a lying TVS can make a phone install a rogue ITL: phones
// trust TVS by design, and the property only asks that someone the phone
// trusts vouched. What a lying TVS cannot do is vouch with a certificate
// that did not sign the file, or speak from a server the ITL does not list.

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "itlfleet/sim/cluster.hpp"
#include "itlfleet/sim/itl_builder.hpp"
#include "itlfleet/sim/phone.hpp"
#include "openssl_judge.hpp"

namespace itlfleet::sim {
namespace {

using test::openssl_sha1;
using test::openssl_verifies;

// FUNCTION codes as the file format defines them (docs/formats.md), written
// out here rather than taken from sim's signer_roles_for().
constexpr std::uint16_t role_sast = 0, role_ccm_tftp = 2, role_tftp = 3, role_tvs = 21;

pki_options pki(const char* seed) {
  pki_options o;
  o.seed = seed;
  return o;
}

cluster make_cluster(identity_factory& factory, file_store& files, const char* host) {
  cluster_config cfg;
  cfg.nodes = {{host, true, true, true, true}};
  cfg.hold_timer = false;
  auto r = cluster::create(cfg, factory, files);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.err().to_string());
  return std::move(r.value());
}

/// A file the test offers a phone, with what the test itself knows of it.
struct offer {
  file_id id = no_file;
  bool is_itl = true;   ///< built as an ITL; false: a signed config
  bool genuine = true;  ///< built and signed by the cluster, untouched
  std::string what;     ///< for failure messages
};

/// Everything a phone may meet: the cluster's files over a history of
/// operations, forgeries, a foreign cluster, and the certificates TVS
/// servers (honest or not) may present or vouch for.
struct adversarial_world {
  identity_factory factory{pki("phone-property")};
  identity_factory rogue_factory{pki("phone-property-rogue")};
  file_store files;
  cluster c = make_cluster(factory, files, "cucm-pub");
  cluster foreign = make_cluster(rogue_factory, files, "other-pub");
  identity rogue = rogue_factory.make(cert_purpose::callmanager, "rogue.example.lab");
  trust_oracle oracle{files};

  std::vector<offer> offers;
  std::vector<certificate> vouchable;            ///< certificates a TVS may answer "valid" with
  std::vector<certificate> tvs_servers;          ///< certificates a TVS may present
  std::map<file_id, std::size_t> actual_signer;  ///< index into vouchable, by OpenSSL

  adversarial_world() {
    snapshot("initial");
    add(c.pre10_itl(0), true, true, "pre-10.0 ITL");
    // A history of operations, each leaving its ITL and config behind.
    std::int64_t t = 0;
    const auto step = [&](command_output out, const char* what) {
      EXPECT_TRUE(out.ok) << what << ": " << out.text;
      snapshot(what);
    };
    step(c.cert_regen(0, cert_purpose::callmanager, t += 1000), "CallManager regenerated");
    step(c.restart_tftp(0, t += 1000), "TFTP restarted after CallManager");
    step(c.itl_reset_localkey(0, t += 1000), "reset ITL");
    step(c.cert_regen(0, cert_purpose::tvs, t += 1000), "TVS regenerated");
    step(c.restart_tvs(0), "TVS restarted");
    step(c.restart_tftp(0, t += 1000), "TFTP restarted");
    step(c.cert_regen(0, cert_purpose::itlrecovery, t += 1000), "ITLRecovery regenerated");
    step(c.restart_tftp(0, t += 1000), "TFTP restarted after ITLRecovery");
    step(c.itl_reset_localkey(0, t += 1000), "reset ITL with the new recovery key");
    step(c.cert_regen(0, cert_purpose::callmanager, t += 1000), "CallManager regenerated again");
    step(c.restart_tftp(0, t += 1000), "TFTP restarted after CallManager again");
    step(c.set_rollback_pre8(true, t += 1000), "rollback to pre-8.0 set");
    step(c.set_rollback_pre8(false, t += 1000), "rollback to pre-8.0 cleared");

    forge(files.get(c.served_itl(0)).parsed);
    forge(files.get(offers.front().id).parsed);
    add(foreign.served_itl(0), true, false, "a foreign cluster's ITL");
    add(foreign.served_config(0), false, false, "a foreign cluster's config");
    vouchable.push_back(foreign.node_identity(0, cert_purpose::callmanager).cert);
    vouchable.push_back(rogue.cert);
    tvs_servers.push_back(foreign.tvs_certificate(0));

    for (const offer& o : offers) {
      const stored_file& f = files.get(o.id);
      for (std::size_t k = 0; k < vouchable.size(); ++k) {
        if (signed_by(f, vouchable[k].der())) {
          actual_signer[o.id] = k;
          break;
        }
      }
    }
  }

  void add(file_id id, bool is_itl, bool genuine, std::string what) {
    offers.push_back({id, is_itl, genuine, std::move(what)});
  }

  /// The cluster's files and certificates as they are now.
  void snapshot(const std::string& what) {
    add(c.served_itl(0), true, true, "ITL after " + what);
    add(c.served_config(0), false, true, "config after " + what);
    vouchable.push_back(c.node_identity(0, cert_purpose::callmanager).cert);
    vouchable.push_back(c.node_identity(0, cert_purpose::itlrecovery).cert);
    tvs_servers.push_back(c.tvs_certificate(0));
  }

  /// Forgeries made from a genuine ITL.
  void forge(trust_file genuine) {  // a copy: interning may move the store's files
    trust_file f = genuine;         // a record changed after signing
    f.records[0].fields[0].value = to_bytes("evil.example.lab", true);
    add(files.intern(f), true, false, "ITL with a tampered record");

    f = genuine;  // a damaged signature
    f.header.signature[7] ^= 0x40;
    add(files.intern(f), true, false, "ITL with a flipped signature bit");

    f = genuine;  // claims the ITLRecovery signer, keeps the CallManager signature
    const certificate& recovery = c.node_identity(0, cert_purpose::itlrecovery).cert;
    f.header.signer = {to_bytes(recovery.subject(), true), recovery.serial(),
                       to_bytes(recovery.issuer(), true)};
    canonical_layout(f.header);
    add(files.intern(f), true, false, "ITL naming another signer");

    f = genuine;  // a record's PUBLICKEY swapped for the rogue key, certificate kept
    for (record_field& field : f.records[0].fields)
      if (field.tag == record_tag::public_key) field.value = rogue.cert.public_key_pkcs1();
    add(files.intern(f), true, false, "ITL with a swapped record key");

    f = genuine;  // signed by a key in no list, under its own name
    sign_with(f, rogue, genuine.header.timestamp + 1);
    add(files.intern(f), true, false, "ITL signed by a rogue key");

    f = genuine;  // signed by a rogue key, naming the genuine signer
    f.header.signature.assign(static_cast<std::size_t>(rogue.key.bits() / 8), 0);
    canonical_layout(f.header);
    f.header.signature = rsa_sign(rogue.key, f.header.digest, signing_preimage(f));
    add(files.intern(f), true, false, "ITL signed by a rogue key impersonating its signer");

    f = genuine;  // the rogue's own SAST record added, signed by the rogue
    f.records.push_back(make_record({rogue.cert, cert_role::sast, false, {}}));
    sign_with(f, rogue, genuine.header.timestamp + 2);
    add(files.intern(f), true, false, "ITL carrying and signed by a rogue SAST");

    build_options o;
    o.filename = "SEP001E7A000000.cnf.xml.sgn";
    add(files.intern(build_signed_file(as_bytes("<device/>"), rogue, o)), false, false,
        "config signed by a rogue key");
  }

  // --- the judge: OpenSSL on certificates from the files, nothing from sim's
  // verifier or the oracle ------------------------------------------------------

  bool signed_by(const stored_file& f, const bytes& cert_der) const {
    const trust_file& t = f.parsed;
    return openssl_verifies(cert_der, static_cast<std::uint8_t>(t.header.digest),
                            signing_preimage(t), t.header.signature);
  }

  /// Clause 3: a SAST or TFTP record of `trusting` whose certificate signed `f`.
  bool anchor_signed(const stored_file& f, const stored_file& trusting) const {
    for (const record& r : trusting.parsed.records) {
      const auto fn = r.function();
      if (!fn || (*fn != role_sast && *fn != role_tftp && *fn != role_ccm_tftp)) continue;
      if (const bytes* der = r.certificate(); der && signed_by(f, *der)) return true;
    }
    return false;
  }

  /// Clause 2: an ITL with no TFTP, CCM+TFTP or TVS record, read from the
  /// file's own FUNCTION fields.
  bool empty_sections(file_id installed) const {
    for (const record& r : files.get(installed).parsed.records) {
      const auto fn = r.function();
      if (!fn || *fn == role_tftp || *fn == role_ccm_tftp || *fn == role_tvs) return false;
    }
    return true;
  }

  /// Is `server_sha1` a TVS record of `installed`?
  bool lists_tvs(file_id installed, const bytes& server_sha1) const {
    if (installed == no_file) return false;
    for (const record& r : files.get(installed).parsed.records) {
      if (r.function() != role_tvs) continue;
      if (const bytes* h = r.find(record_tag::cert_hash); h && *h == server_sha1) return true;
      if (const bytes* der = r.certificate(); der && openssl_sha1(*der) == server_sha1) return true;
    }
    return false;
  }

  const offer& offer_of(file_id id) const {
    for (const offer& o : offers)
      if (o.id == id) return o;
    static const offer unknown{no_file, false, false, "a file the test never offered"};
    return unknown;
  }
};

/// How a TVS exchange ends.
enum class tvs_behaviour {
  honest,          ///< looks the signer up in the cluster's trust stores
  vouches_signer,  ///< lies: "valid", with the certificate that really signed the file
  vouches_any,     ///< lies: "valid", with some certificate
  invalid,         ///< "invalid"
  unreachable,     ///< no answer
  count
};

/// A "valid" answer the judge saw, from a server the phone's ITL listed.
struct vouch {
  std::size_t cert;  ///< index into vouchable
  std::uint32_t until_s;
};

TEST(PhoneProperty, never_installs_an_itl_that_nothing_it_trusts_vouched_for) {
  adversarial_world w;
  phone_profile profile;
  profile.tvs_servers = 2;
  profile.tvs_ttl_s = 1800;  // short, so that cached answers expire during a run

  std::vector<std::size_t> itl_offers;
  for (std::size_t k = 0; k < w.offers.size(); ++k)
    if (w.offers[k].is_itl) itl_offers.push_back(k);

  std::mt19937_64 rng(20261123);  // same seed, same steps, on every platform
  const auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  bytes server_sha1;        // what the TVS presented, for the event's pointer
  certificate answer_cert;  // what it vouched for

  struct {
    int leaps = 0, by_anchor = 0, by_tvs = 0, forgeries_by_tvs = 0, forgeries_offered = 0,
        configs_offered = 0, after_rollback = 0;
  } seen;
  constexpr int phones = 400, steps = 60;  // 24,000 events
  for (int trial = 0; trial < phones; ++trial) {
    phone p;
    p.installed = pick(10) == 0 ? no_file : w.offers[itl_offers[pick(itl_offers.size())]].id;
    std::uint32_t now = 0;
    std::vector<vouch> vouched;
    for (int step = 0; step < steps; ++step) {
      now += static_cast<std::uint32_t>(pick(600));
      const file_id before = p.installed;
      const phone_step at = p.step;
      phone_event e;
      const std::size_t roll = pick(100);
      if ((at == phone_step::itl || at == phone_step::config) && roll < 75) {
        e = {phone_event_kind::file_received, w.offers[pick(w.offers.size())].id, {}};
      } else if ((at == phone_step::itl_tvs || at == phone_step::config_tvs) && roll < 75) {
        e.kind = phone_event_kind::tvs_answer;
        const auto behaviour =
            static_cast<tvs_behaviour>(pick(static_cast<std::size_t>(tvs_behaviour::count)));
        server_sha1 = w.tvs_servers[pick(w.tvs_servers.size())].sha1();
        e.tvs.server_cert_sha1 = &server_sha1;
        std::optional<std::size_t> cert;
        if (behaviour == tvs_behaviour::honest) {
          if (auto found = w.c.tvs_lookup(w.files.get(p.pending).parsed.header.signer)) {
            for (std::size_t k = 0; k < w.vouchable.size(); ++k)
              if (w.vouchable[k].der() == found->der()) cert = k;
          }
        } else if (behaviour == tvs_behaviour::vouches_signer) {
          if (auto it = w.actual_signer.find(p.pending); it != w.actual_signer.end())
            cert = it->second;
        } else if (behaviour == tvs_behaviour::vouches_any) {
          cert = pick(w.vouchable.size());
        }
        e.tvs.status = behaviour == tvs_behaviour::unreachable ? tvs_status::unreachable
                       : cert                                  ? tvs_status::valid
                                                               : tvs_status::invalid;
        if (cert) {
          answer_cert = w.vouchable[*cert];
          e.tvs.signer_cert = &answer_cert;
          // What an engine does with the certificate a TVS sent.
          e.tvs.signer_key = w.oracle.key_of(answer_cert);
          if (w.lists_tvs(before, server_sha1)) vouched.push_back({*cert, now + profile.tvs_ttl_s});
        }
      } else {
        static constexpr phone_event_kind others[] = {
            phone_event_kind::boot,         phone_event_kind::boot,
            phone_event_kind::reset,        phone_event_kind::tftp_refused,
            phone_event_kind::tftp_timeout, phone_event_kind::file_missing,
            phone_event_kind::file_corrupt, phone_event_kind::timer};
        e.kind = others[pick(std::size(others))];
        if (roll == 99) e.kind = phone_event_kind::delete_itl;
        if (roll == 98) e.kind = phone_event_kind::factory_reset;
      }

      handle(p, e, profile, w.oracle, now);

      const auto where = [&] {
        return "phone " + std::to_string(trial) + " step " + std::to_string(step) +
               ": installed '" + w.offer_of(p.installed).what + "' over '" +
               (before == no_file ? std::string("no ITL") : w.offer_of(before).what) + "'";
      };
      if (e.kind == phone_event_kind::file_received && at == phone_step::itl && before != no_file &&
          !(w.offer_of(e.file).genuine && w.offer_of(e.file).is_itl)) {
        ++(w.offer_of(e.file).is_itl ? seen.forgeries_offered : seen.configs_offered);
      }
      if (p.installed == before || p.installed == no_file) continue;
      ASSERT_TRUE(w.offer_of(p.installed).is_itl) << where() << ": that is not an ITL";
      if (before == no_file || w.empty_sections(before)) {
        ++(before == no_file ? seen.leaps : seen.after_rollback);
        continue;
      }
      const stored_file& n = w.files.get(p.installed);
      const bool anchor = w.anchor_signed(n, w.files.get(before));
      bool tvs = false;
      for (const vouch& v : vouched)
        tvs = tvs || (now < v.until_s && w.signed_by(n, w.vouchable[v.cert].der()));
      ASSERT_TRUE(anchor || tvs) << where() << ": neither its ITL nor a TVS it trusts vouched";
      ++(anchor ? seen.by_anchor : seen.by_tvs);
      if (!anchor && !w.offer_of(p.installed).genuine) ++seen.forgeries_by_tvs;  // a lying TVS
    }
  }
  // The run must have gone through every door, or it proves little.
  EXPECT_GT(seen.leaps, 100);
  EXPECT_GT(seen.by_anchor, 100);
  EXPECT_GT(seen.by_tvs, 50);
  EXPECT_GT(seen.forgeries_by_tvs, 10) << "a lying TVS must have been believed now and then";
  EXPECT_GT(seen.forgeries_offered, 300);
  EXPECT_GT(seen.configs_offered, 300);
  EXPECT_GT(seen.after_rollback, 10) << "phones holding the empty ITL must have moved on";
}

}  // namespace
}  // namespace itlfleet::sim
