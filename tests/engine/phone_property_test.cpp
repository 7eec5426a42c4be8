// The core safety property of the phone, judged independently: whatever it
// is offered and whatever TVS answers, a phone never installs an ITL that
// neither its installed ITL, nor its CTL, nor a TVS it trusts vouched for,
// and never installs a CTL that neither its installed CTL nor a TVS it
// trusts vouched for.
//
// The judge shares no code with sim's verifier or the trust oracle: it checks
// signatures with OpenSSL directly (openssl_judge.hpp) against certificates
// taken from the files, and it knows which offered files are ITLs, CTLs and
// configs because the test built them. The phone is offered genuine ITLs and
// CTLs, tampered ones, ones signed by keys in no list (and ones claiming a
// trusted signer's name), configs and ITLs where it asked for a CTL, configs
// and CTLs where it asked for an ITL, and TVS answers from honest servers,
// lying servers and servers its ITL does not know. Half the phones follow
// `itl_check_with_ctl: ctl` (a phone holding a CTL takes a new ITL only from
// its CTL), half `ctl-itl-tvs`. Phones have 0 to 3 TVS servers (a
// CallManager group may have no node that runs TVS: such a phone never asks
// one), and one in seven predates Security by Default (a 7940/7960).
//
// The property, precisely. 0. A phone without Security by Default never
// installs an ITL. When a phone's installed CTL changes from B to N
// (N not "no CTL"):
//   1. N is a CTL (neither an ITL nor a signed config is installed as one), and
//   2. B is "no CTL" (leap of faith), or
//   3. a SAST record of B carries a certificate whose public key verifies N's
//      signature over its signing preimage, or
//   3a. as clause 9 below: a TVS server its installed ITL lists answered
//      "valid" with a certificate whose key verifies N's signature, and that
//      answer's TTL has not run out (Security by Default phones install a
//      CTL signed by a regenerated CallManager key through TVS).
// When a phone's installed ITL changes from B to N (N not "no ITL"), C being
// the CTL the phone holds then ("no CTL" or a CTL):
//   4. N is an ITL (neither a signed config nor a CTL is installed as one), and
//   5. a SAST, TFTP or CCM+TFTP record of C carries a certificate whose
//      public key verifies N's signature, or
//   6. C is "no CTL", or the phone follows `ctl-itl-tvs`, and one of 7-9:
//   7. B is "no ITL" (leap of faith), or B has no TFTP, CCM+TFTP or TVS
//      record (the empty ITL of "Prepare Cluster for Rollback to pre-8.0",
//      which trusts anything by design), or
//   8. a SAST, TFTP or CCM+TFTP record of B carries a certificate whose
//      public key verifies N's signature, or
//   9. a TVS server whose certificate SHA-1 is a TVS record of the phone's
//      installed ITL at the time answered "valid" with a certificate whose
//      key verifies N's signature, and that answer's TTL has not run out.
// Clause 9 is why a lying TVS can make a phone install a rogue ITL: phones
// trust TVS by design, and the property only asks that someone the phone
// trusts vouched. What a lying TVS cannot do is vouch with a certificate
// that did not sign the file, or speak from a server the ITL does not list,
// or vouch for an ITL when the phone's CTL alone decides.

#include <gtest/gtest.h>

#include <algorithm>
#include <initializer_list>
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

/// A one-node cluster; `mixed` starts it in mixed mode (serving a CTL).
cluster make_cluster(identity_factory& factory, file_store& files, const char* host,
                     const char* version = "10.0", bool mixed = false) {
  cluster_config cfg;
  cfg.version = cucm_version::parse(version).value();
  cfg.nodes = {{host, true, true, true, true}};
  cfg.hold_timer = false;
  cfg.mixed_mode = mixed;
  auto r = cluster::create(cfg, factory, files);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.err().to_string());
  return std::move(r.value());
}

/// What the test built a file as.
enum class built_as { itl, ctl, config };

/// A file the test offers a phone, with what the test itself knows of it.
struct offer {
  file_id id = no_file;
  built_as kind = built_as::itl;
  bool genuine = true;  ///< built and signed by a cluster, untouched
  std::string what;     ///< for failure messages
};

const char* name_of(built_as kind) {
  return kind == built_as::itl ? "ITL" : kind == built_as::ctl ? "CTL" : "config";
}

/// Everything a phone may meet: two clusters' files over a history of
/// operations (one in mixed mode, on 12.x so that its CTLs list the
/// ITLRecovery key), forgeries, a foreign cluster, and the certificates TVS
/// servers (honest or not) may present or vouch for.
struct adversarial_world {
  identity_factory factory{pki("phone-property")};
  identity_factory mixed_factory{pki("phone-property-mixed")};
  identity_factory rogue_factory{pki("phone-property-rogue")};
  file_store files;
  cluster c = make_cluster(factory, files, "cucm-pub");
  cluster m = make_cluster(mixed_factory, files, "mixed-pub", "12.5", true);
  cluster foreign = make_cluster(rogue_factory, files, "other-pub", "10.0", true);
  identity rogue = rogue_factory.make(cert_purpose::callmanager, "rogue.example.lab");
  trust_oracle oracle{files};

  std::vector<offer> offers;
  std::vector<certificate> vouchable;            ///< certificates a TVS may answer "valid" with
  std::vector<certificate> tvs_servers;          ///< certificates a TVS may present
  std::map<file_id, std::size_t> actual_signer;  ///< index into vouchable, by OpenSSL

  adversarial_world() {
    snapshot(c, "initial");
    add(c.pre10_itl(0), built_as::itl, true, "pre-10.0 ITL");
    // A history of operations, each leaving its ITL and config behind.
    std::int64_t t = 0;
    const auto step = [&](cluster& on, command_output out, const char* what) {
      EXPECT_TRUE(out.ok) << what << ": " << out.text;
      snapshot(on, what);
    };
    step(c, c.cert_regen(0, cert_purpose::callmanager, t += 1000), "CallManager regenerated");
    step(c, c.restart_tftp(0, t += 1000), "TFTP restarted after CallManager");
    step(c, c.itl_reset_localkey(0, t += 1000), "reset ITL");
    step(c, c.cert_regen(0, cert_purpose::tvs, t += 1000), "TVS regenerated");
    step(c, c.restart_tvs(0), "TVS restarted");
    step(c, c.restart_tftp(0, t += 1000), "TFTP restarted");
    step(c, c.cert_regen(0, cert_purpose::itlrecovery, t += 1000), "ITLRecovery regenerated");
    step(c, c.restart_tftp(0, t += 1000), "TFTP restarted after ITLRecovery");
    step(c, c.itl_reset_localkey(0, t += 1000), "reset ITL with the new recovery key");
    step(c, c.cert_regen(0, cert_purpose::callmanager, t += 1000), "CallManager regenerated again");
    step(c, c.restart_tftp(0, t += 1000), "TFTP restarted after CallManager again");
    step(c, c.set_rollback_pre8(true, t += 1000), "rollback to pre-8.0 set");
    step(c, c.set_rollback_pre8(false, t += 1000), "rollback to pre-8.0 cleared");

    // The mixed-mode cluster: CTLs signed by CallManager keys old and new and
    // by ITLRecovery keys old and new, each listing the keys of its day.
    snapshot(m, "mixed mode");
    step(m, m.ctl_reset_localkey(0, t += 1000), "CTL reset with the ITLRecovery key");
    step(m, m.cert_regen(0, cert_purpose::callmanager, t += 1000),
         "CallManager regenerated (mixed)");
    step(m, m.restart_tftp(0, t += 1000), "TFTP restarted (mixed)");
    step(m, m.ctl_update(0, t += 1000), "CTL updated after CallManager");
    step(m, m.ctl_reset_localkey(0, t += 1000), "CTL reset after CallManager");
    step(m, m.cert_regen(0, cert_purpose::itlrecovery, t += 1000),
         "ITLRecovery regenerated (mixed)");
    step(m, m.restart_tftp(0, t += 1000), "TFTP restarted after ITLRecovery (mixed)");
    step(m, m.ctl_reset_localkey(0, t += 1000), "CTL reset with the new ITLRecovery key");
    step(m, m.ctl_update(0, t += 1000), "CTL updated after ITLRecovery");
    step(m, m.itl_reset_localkey(0, t += 1000), "reset ITL (mixed)");
    step(m, m.ctl_set_non_secure_mode(0, t += 1000), "non-secure mode set");
    step(m, m.ctl_update(0, t += 1000), "CTL updated in non-secure mode");

    forge(files.get(c.served_itl(0)).parsed, built_as::itl);
    forge(files.get(offers.front().id).parsed, built_as::itl);
    forge(files.get(m.served_itl(0)).parsed, built_as::itl);
    forge(files.get(m.served_ctl(0)).parsed, built_as::ctl);
    forge(files.get(m.written_ctl()).parsed, built_as::ctl);
    add(foreign.served_itl(0), built_as::itl, false, "a foreign cluster's ITL");
    add(foreign.served_config(0), built_as::config, false, "a foreign cluster's config");
    add(foreign.served_ctl(0), built_as::ctl, false, "a foreign cluster's CTL");
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

  void add(file_id id, built_as kind, bool genuine, std::string what) {
    offers.push_back({id, kind, genuine, std::move(what)});
  }

  /// A cluster's files and certificates as they are now.
  void snapshot(const cluster& on, const std::string& what) {
    add(on.served_itl(0), built_as::itl, true, "ITL after " + what);
    add(on.served_config(0), built_as::config, true, "config after " + what);
    if (on.written_ctl() != no_file)
      add(on.written_ctl(), built_as::ctl, true, "CTL after " + what);
    vouchable.push_back(on.node_identity(0, cert_purpose::callmanager).cert);
    vouchable.push_back(on.node_identity(0, cert_purpose::itlrecovery).cert);
    tvs_servers.push_back(on.tvs_certificate(0));
  }

  /// Forgeries made from a genuine ITL or CTL.
  void forge(trust_file genuine, built_as kind) {  // a copy: interning may move the store's files
    const std::string label = name_of(kind);
    trust_file f = genuine;  // a record changed after signing
    f.records[0].fields[0].value = to_bytes("evil.example.lab", true);
    add(files.intern(f), kind, false, label + " with a tampered record");

    f = genuine;  // a damaged signature
    f.header.signature[7] ^= 0x40;
    add(files.intern(f), kind, false, label + " with a flipped signature bit");

    f = genuine;  // claims the ITLRecovery signer, keeps the CallManager signature
    const certificate& recovery = c.node_identity(0, cert_purpose::itlrecovery).cert;
    f.header.signer = {to_bytes(recovery.subject(), true), recovery.serial(),
                       to_bytes(recovery.issuer(), true)};
    canonical_layout(f.header);
    add(files.intern(f), kind, false, label + " naming another signer");

    f = genuine;  // a record's PUBLICKEY swapped for the rogue key, certificate kept
    for (record_field& field : f.records[0].fields)
      if (field.tag == record_tag::public_key) field.value = rogue.cert.public_key_pkcs1();
    add(files.intern(f), kind, false, label + " with a swapped record key");

    f = genuine;  // signed by a key in no list, under its own name
    sign_with(f, rogue, genuine.header.timestamp + 1);
    add(files.intern(f), kind, false, label + " signed by a rogue key");

    f = genuine;  // signed by a rogue key, naming the genuine signer
    f.header.signature.assign(static_cast<std::size_t>(rogue.key.bits() / 8), 0);
    canonical_layout(f.header);
    f.header.signature = rsa_sign(rogue.key, f.header.digest, signing_preimage(f));
    add(files.intern(f), kind, false, label + " signed by a rogue key impersonating its signer");

    f = genuine;  // the rogue's own SAST record added, signed by the rogue
    f.records.push_back(make_record({rogue.cert, cert_role::sast, false, {}}));
    sign_with(f, rogue, genuine.header.timestamp + 2);
    add(files.intern(f), kind, false, label + " carrying and signed by a rogue SAST");

    build_options o;
    o.filename = "SEP001E7A000000.cnf.xml.sgn";
    add(files.intern(build_signed_file(as_bytes("<device/>"), rogue, o)), built_as::config, false,
        "config signed by a rogue key");
  }

  // --- the judge: OpenSSL on certificates from the files, nothing from sim's
  // verifier or the oracle ------------------------------------------------------

  bool signed_by(const stored_file& f, const bytes& cert_der) const {
    const trust_file& t = f.parsed;
    return openssl_verifies(cert_der, static_cast<std::uint8_t>(t.header.digest),
                            signing_preimage(t), t.header.signature);
  }

  /// A record of `trusting` in one of `roles` whose certificate signed `f`.
  bool record_signed(const stored_file& f, const stored_file& trusting,
                     std::initializer_list<std::uint16_t> roles) const {
    for (const record& r : trusting.parsed.records) {
      const auto fn = r.function();
      if (!fn || std::find(roles.begin(), roles.end(), *fn) == roles.end()) continue;
      if (const bytes* der = r.certificate(); der && signed_by(f, *der)) return true;
    }
    return false;
  }

  /// Clauses 5 and 8: a SAST, TFTP or CCM+TFTP record of `trusting` signed `f`.
  bool anchor_signed(const stored_file& f, const stored_file& trusting) const {
    return record_signed(f, trusting, {role_sast, role_tftp, role_ccm_tftp});
  }

  /// Clause 3: a SAST record of the installed CTL signed the new one.
  bool sast_signed(const stored_file& f, const stored_file& installed_ctl) const {
    return record_signed(f, installed_ctl, {role_sast});
  }

  /// Clause 7: an ITL with no TFTP, CCM+TFTP or TVS record, read from the
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
    static const offer unknown{no_file, built_as::config, false, "a file the test never offered"};
    return unknown;
  }

  /// Offers of one kind, as indices into `offers`.
  std::vector<std::size_t> offers_of(built_as kind, bool genuine_only = false) const {
    std::vector<std::size_t> out;
    for (std::size_t k = 0; k < offers.size(); ++k)
      if (offers[k].kind == kind && (offers[k].genuine || !genuine_only)) out.push_back(k);
    return out;
  }
};

/// How a TVS exchange ends.
enum class tvs_behaviour {
  honest,          ///< looks the signer up in the clusters' trust stores
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

TEST(PhoneProperty, never_installs_an_itl_or_ctl_that_nothing_it_trusts_vouched_for) {
  adversarial_world w;
  const std::vector<std::size_t> itl_offers = w.offers_of(built_as::itl);
  const std::vector<std::size_t> ctl_offers = w.offers_of(built_as::ctl);
  const std::vector<std::size_t> genuine_ctls = w.offers_of(built_as::ctl, true);

  std::mt19937_64 rng(20261123);  // same seed, same steps, on every platform
  const auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  bytes server_sha1;        // what the TVS presented, for the event's pointer
  certificate answer_cert;  // what it vouched for

  struct {
    int leaps = 0, by_anchor = 0, by_tvs = 0, forgeries_by_tvs = 0, forgeries_offered = 0,
        configs_offered = 0, after_rollback = 0, by_ctl = 0, by_ctl_only = 0, ctls_offered = 0,
        ctl_leaps = 0, ctl_by_callmanager = 0, ctl_by_recovery = 0, ctl_forgeries_offered = 0,
        ctl_others_offered = 0, ctl_refused_genuine = 0, ctl_by_tvs = 0, decided_without_tvs = 0,
        without_sbd = 0;
  } seen;
  constexpr int phones = 600, steps = 60;  // 36,000 events
  for (int trial = 0; trial < phones; ++trial) {
    phone_profile profile;
    // 0 to 3 TVS servers: a CallManager group may have none that runs TVS.
    profile.tvs_servers = static_cast<std::uint8_t>(trial % 4);
    // One phone in seven predates Security by Default (a 7940/7960).
    profile.security_by_default = trial % 7 != 3;
    profile.tvs_ttl_s = 1800;  // short, so that cached answers expire during a run
    profile.itl_via_ctl_only = trial % 2 == 0;
    profile.request_ctl = trial % 3 == 0;  // a third of the phones boot in mixed mode
    phone p;
    p.installed = pick(10) == 0 || !profile.security_by_default
                      ? no_file
                      : w.offers[itl_offers[pick(itl_offers.size())]].id;
    p.ctl = pick(3) == 0 ? w.offers[genuine_ctls[pick(genuine_ctls.size())]].id : no_file;
    std::uint32_t now = 0;
    std::vector<vouch> vouched;
    for (int step = 0; step < steps; ++step) {
      now += static_cast<std::uint32_t>(pick(600));
      const file_id before = p.installed;
      const file_id ctl_before = p.ctl;
      const phone_step at = p.step;
      phone_event e;
      const std::size_t roll = pick(100);
      if ((at == phone_step::itl || at == phone_step::config || at == phone_step::ctl) &&
          roll < 75) {
        // Half the time a file of the kind the step asks for, else anything.
        const std::vector<std::size_t>* pool = at == phone_step::ctl   ? &ctl_offers
                                               : at == phone_step::itl ? &itl_offers
                                                                       : nullptr;
        const std::size_t k =
            pool != nullptr && pick(2) == 0 ? (*pool)[pick(pool->size())] : pick(w.offers.size());
        e = {phone_event_kind::file_received, w.offers[k].id, {}};
      } else if ((at == phone_step::itl_tvs || at == phone_step::config_tvs ||
                  at == phone_step::ctl_tvs) &&
                 roll < 75) {
        e.kind = phone_event_kind::tvs_answer;
        const auto behaviour =
            static_cast<tvs_behaviour>(pick(static_cast<std::size_t>(tvs_behaviour::count)));
        server_sha1 = w.tvs_servers[pick(w.tvs_servers.size())].sha1();
        e.tvs.server_cert_sha1 = &server_sha1;
        std::optional<std::size_t> cert;
        if (behaviour == tvs_behaviour::honest) {
          const signer_id& signer = w.files.get(p.pending).parsed.header.signer;
          auto found = w.c.tvs_lookup(signer);
          if (!found) found = w.m.tvs_lookup(signer);
          if (found) {
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

      const auto where = [&](file_id now_held, file_id held_before, const char* none) {
        return "phone " + std::to_string(trial) + " step " + std::to_string(step) +
               ": installed '" + w.offer_of(now_held).what + "' over '" +
               (held_before == no_file ? std::string(none) : w.offer_of(held_before).what) + "'";
      };
      const offer& received = w.offer_of(e.file);
      if (e.kind == phone_event_kind::file_received && at == phone_step::itl && before != no_file &&
          !(received.genuine && received.kind == built_as::itl)) {
        ++(received.kind == built_as::itl   ? seen.forgeries_offered
           : received.kind == built_as::ctl ? seen.ctls_offered
                                            : seen.configs_offered);
      }
      if (e.kind == phone_event_kind::file_received && at == phone_step::ctl &&
          ctl_before != no_file) {
        if (received.kind != built_as::ctl)
          ++seen.ctl_others_offered;
        else if (!received.genuine)
          ++seen.ctl_forgeries_offered;
        else if (p.ctl == ctl_before && e.file != ctl_before)
          ++seen.ctl_refused_genuine;
      }

      // Clauses 1-3: the CTL.
      if (p.ctl != ctl_before && p.ctl != no_file) {
        ASSERT_EQ(w.offer_of(p.ctl).kind, built_as::ctl)
            << where(p.ctl, ctl_before, "no CTL") << ": that is not a CTL";
        if (ctl_before == no_file) {
          ++seen.ctl_leaps;
        } else {
          const stored_file& n = w.files.get(p.ctl);
          if (w.sast_signed(n, w.files.get(ctl_before))) {
            const bool by_recovery =
                text_of(n.parsed.header.signer.name).starts_with("CN=ITLRECOVERY_");
            ++(by_recovery ? seen.ctl_by_recovery : seen.ctl_by_callmanager);
          } else {
            bool tvs = false;
            for (const vouch& v : vouched)
              tvs = tvs || (now < v.until_s && w.signed_by(n, w.vouchable[v.cert].der()));
            ASSERT_TRUE(tvs) << where(p.ctl, ctl_before, "no CTL")
                             << ": neither a SAST of its CTL nor a TVS it trusts vouched";
            ++seen.ctl_by_tvs;
          }
        }
      }

      if (at == phone_step::itl_tvs || at == phone_step::config_tvs || at == phone_step::ctl_tvs) {
        ASSERT_GT(profile.tvs_servers, 0) << "a phone with no TVS server asked one";
      }
      if (e.kind == phone_event_kind::file_received &&
          (at == phone_step::itl || at == phone_step::config) && profile.tvs_servers == 0 &&
          before != no_file && p.step != phone_step::itl_tvs && p.step != phone_step::config_tvs)
        ++seen.decided_without_tvs;
      // Clause 0: a phone without Security by Default never installs an ITL.
      if (!profile.security_by_default) {
        ASSERT_EQ(p.installed, no_file) << "phone " << trial << " step " << step
                                        << ": a phone without Security by Default took an ITL";
        ++seen.without_sbd;
      }
      // Clauses 4-9: the ITL.
      if (p.installed == before || p.installed == no_file) continue;
      ASSERT_EQ(w.offer_of(p.installed).kind, built_as::itl)
          << where(p.installed, before, "no ITL") << ": that is not an ITL";
      const stored_file& n = w.files.get(p.installed);
      if (p.ctl != no_file && w.anchor_signed(n, w.files.get(p.ctl))) {
        ++seen.by_ctl;
        if (profile.itl_via_ctl_only) ++seen.by_ctl_only;
        continue;
      }
      ASSERT_TRUE(p.ctl == no_file || !profile.itl_via_ctl_only)
          << where(p.installed, before, "no ITL")
          << ": itl_check_with_ctl is ctl and its CTL did not vouch";
      if (before == no_file || w.empty_sections(before)) {
        ++(before == no_file ? seen.leaps : seen.after_rollback);
        continue;
      }
      const bool anchor = w.anchor_signed(n, w.files.get(before));
      bool tvs = false;
      for (const vouch& v : vouched)
        tvs = tvs || (now < v.until_s && w.signed_by(n, w.vouchable[v.cert].der()));
      ASSERT_TRUE(anchor || tvs) << where(p.installed, before, "no ITL")
                                 << ": neither its CTL, nor its ITL, nor a TVS it trusts vouched";
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
  EXPECT_GT(seen.ctls_offered, 100) << "CTLs offered where an ITL was asked";
  EXPECT_GT(seen.by_ctl, 50);
  EXPECT_GT(seen.by_ctl_only, 20) << "phones whose CTL alone decides must have moved on";
  EXPECT_GT(seen.ctl_leaps, 50);
  EXPECT_GT(seen.ctl_by_callmanager, 20);
  EXPECT_GT(seen.ctl_by_recovery, 20) << "a CTL signed by ITLRecovery, a SAST of 12.x CTLs";
  EXPECT_GT(seen.ctl_forgeries_offered, 100);
  EXPECT_GT(seen.ctl_others_offered, 100) << "ITLs and configs offered where a CTL was asked";
  EXPECT_GT(seen.ctl_refused_genuine, 20) << "a genuine CTL its CTL does not list the signer of";
  EXPECT_GT(seen.ctl_by_tvs, 20) << "a CTL whose signer only a TVS vouched for";
  EXPECT_GT(seen.decided_without_tvs, 100) << "phones with no TVS server must have decided";
  EXPECT_GT(seen.without_sbd, 500) << "phones without Security by Default must have run";
}

}  // namespace
}  // namespace itlfleet::sim
