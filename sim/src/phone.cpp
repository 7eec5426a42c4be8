#include "itlfleet/sim/phone.hpp"

namespace itlfleet::sim {

namespace {

phone_action request(phone_action_kind kind, const phone& p) {
  phone_action a{kind, p.server, no_file, 0};
  a.common_name = kind != phone_action_kind::request_config && (p.flags & phone::common_name_flag);
  return a;
}

/// Leaves the step's file name: the next step (or server) starts with the
/// device's own name.
void per_device_name(phone& p) {
  p.flags &= static_cast<std::uint8_t>(~phone::common_name_flag);
}

phone_action wait(std::int64_t us) {
  return {phone_action_kind::wait, 0, no_file, us};
}

/// The request for the file of the phone's current step.
phone_action request_step(const phone& p) {
  const phone_action_kind kind = p.step == phone_step::ctl   ? phone_action_kind::request_ctl
                                 : p.step == phone_step::itl ? phone_action_kind::request_itl
                                                             : phone_action_kind::request_config;
  return request(kind, p);
}

phone_action start_boot(phone& p, const phone_profile& profile) {
  p.state = phone_state::booting;
  // Mixed mode: the CTL comes first (CTLSEP<MAC>.tlv, then CTLFile.tlv).
  // A phone without Security by Default asks for no ITL.
  per_device_name(p);
  p.step = profile.request_ctl || p.ctl != no_file ? phone_step::ctl
           : profile.security_by_default           ? phone_step::itl
                                                   : phone_step::config;
  p.server = 0;
  p.attempts = 0;
  p.pending = no_file;
  p.flags &= static_cast<std::uint8_t>(~(phone::itl_rejected_flag | phone::ctl_rejected_flag));
  return request_step(p);
}

/// The end of a boot: the config was accepted or rejected. A rejected ITL
/// decides the state ("Trust List Update Failed"): its config is rejected too.
phone_action finish(phone& p, bool config_accepted) {
  p.step = phone_step::idle;
  p.pending = no_file;
  if (p.flags & (phone::itl_rejected_flag | phone::ctl_rejected_flag)) {
    p.state = phone_state::locked;
    p.flags |= phone::ever_locked_flag;
  } else if (!config_accepted) {
    p.state = phone_state::config_rejected;
    p.flags |= phone::ever_locked_flag;
  } else {
    p.state = p.installed == no_file ? phone_state::no_itl : phone_state::trusted;
  }
  return {};
}

/// A step is over (installed, kept or rejected): ask the same server for
/// the next file, by the device's own name.
phone_action next_file(phone& p, phone_step step, phone_action_kind ask) {
  per_device_name(p);
  p.step = step;
  p.pending = no_file;
  p.attempts = 0;
  return request(ask, p);
}

/// After the ITL step: the config.
phone_action to_config(phone& p) {
  return next_file(p, phone_step::config, phone_action_kind::request_config);
}

/// After the CTL step: the ITL, or the config for a phone without Security
/// by Default.
phone_action to_itl(phone& p, const phone_profile& profile) {
  if (!profile.security_by_default) return to_config(p);
  return next_file(p, phone_step::itl, phone_action_kind::request_itl);
}

/// A new CTL that neither the installed CTL nor a TVS vouched for: keep the
/// old CTL and carry on (the boot ends locked).
phone_action reject_ctl(phone& p, const phone_profile& profile) {
  p.flags |= phone::ctl_rejected_flag;
  phone_action next = to_itl(p, profile);
  next.ctl_rejected = true;
  return next;
}

/// A CTL is trusted: install it and go on with the ITL.
phone_action install_ctl(phone& p, file_id f, const phone_profile& profile) {
  p.ctl = f;
  phone_action next = to_itl(p, profile);
  next.installed_ctl = true;
  return next;
}

/// A file is trusted: install it (ITL) or accept it (config).
phone_action accept(phone& p, file_id f, const phone_profile& profile) {
  if (p.step == phone_step::ctl || p.step == phone_step::ctl_tvs) return install_ctl(p, f, profile);
  if (p.step == phone_step::itl || p.step == phone_step::itl_tvs) {
    p.installed = f;
    phone_action next = to_config(p);
    next.installed_itl = true;
    return next;
  }
  return finish(p, true);
}

/// Neither the installed ITL nor any TVS vouched for the file.
phone_action reject(phone& p, const phone_profile& profile) {
  if (p.step == phone_step::ctl || p.step == phone_step::ctl_tvs) return reject_ctl(p, profile);
  if (p.step == phone_step::itl || p.step == phone_step::itl_tvs) {
    // "Trust List Update Failed": keep the old ITL, carry on to the config,
    // which a locked phone will not accept either.
    p.flags |= phone::itl_rejected_flag;
    return to_config(p);
  }
  phone_action done = finish(p, false);
  done.config_rejected = true;
  return done;
}

/// The step that waits for TVS's answer about the file of step `s`.
phone_step tvs_step_of(phone_step s) {
  return s == phone_step::itl   ? phone_step::itl_tvs
         : s == phone_step::ctl ? phone_step::ctl_tvs
                                : phone_step::config_tvs;
}

/// The file step a TVS step came from.
phone_step file_step_of(phone_step s) {
  return s == phone_step::itl_tvs   ? phone_step::itl
         : s == phone_step::ctl_tvs ? phone_step::ctl
                                    : phone_step::config;
}

phone_action ask_tvs(phone& p, file_id f, const phone_profile& profile, trust_oracle& oracle,
                     std::uint32_t now_s) {
  // A cached "valid" answer stands in for a query while its TTL lasts.
  if (p.tvs_cache_cert != 0 && now_s < p.tvs_cache_until) {
    if (const certificate* cert = oracle.known(p.tvs_cache_cert)) {
      if (oracle.verifies_with(f, p.tvs_cache_cert, *cert)) return accept(p, f, profile);
    }
  }
  if (profile.tvs_servers == 0) return reject(p, profile);
  p.step = tvs_step_of(p.step);
  p.pending = f;
  p.tvs_server = 0;
  return {phone_action_kind::query_tvs, 0, f, 0};
}

/// The CTL decision: the first one on faith, the same one kept, a new one if
/// a SAST record of the installed CTL signed it or, as for an ITL, a TVS the
/// installed ITL lists vouches for its signer (Security by Default phones
/// install a CTL signed by a regenerated CallManager key that way).
phone_action on_ctl(phone& p, file_id f, const phone_profile& profile, trust_oracle& oracle,
                    std::uint32_t now_s) {
  // Only a CTL: an ITL (the same format, another FILENAME) or a config
  // where the CTL was asked for is refused like a bad signature.
  if (!oracle.is_ctl(f)) return reject_ctl(p, profile);
  if (f == p.ctl) return to_itl(p, profile);
  if (p.ctl == no_file || oracle.accepts_ctl(f, p.ctl)) return install_ctl(p, f, profile);
  // TVS servers are known from the installed ITL only: without one, none.
  if (p.installed == no_file) return reject_ctl(p, profile);
  return ask_tvs(p, f, profile, oracle, now_s);
}

phone_action on_file(phone& p, file_id f, const phone_profile& profile, trust_oracle& oracle,
                     std::uint32_t now_s) {
  if (p.step == phone_step::ctl) return on_ctl(p, f, profile, oracle, now_s);
  if (p.step != phone_step::itl && p.step != phone_step::config) return {};
  // A config where the ITL was asked for (or the reverse) is not what the
  // phone asked for and cannot be trusted, even on faith: a real phone fails
  // to parse it. Without this check a config, signed by the TFTP record the
  // installed ITL holds, would be installed as the ITL.
  const file_kind wanted =
      p.step == phone_step::itl ? file_kind::trust_list : file_kind::signed_file;
  // Nor is a CTL an ITL, though its format is the same: it is signed by the
  // CallManager key the ITL lists, and would otherwise pass.
  if (oracle.kind_of(f) != wanted || oracle.is_ctl(f)) return reject(p, profile);
  // A phone without Security by Default checks no signature: any config goes.
  if (!profile.security_by_default && p.step == phone_step::config) return accept(p, f, profile);
  // An ITL too big to load fails whoever signed it, even on faith; the old
  // ITL stays (docs/model.md, "ITL too large").
  if (p.step == phone_step::itl && oracle.size_of(f) > profile.max_itl_bytes)
    return reject(p, profile);
  // A phone holding a CTL trusts what the CTL vouches for: a new ITL signed
  // by one of its SAST/TFTP records, a config by one of its TFTP records.
  if (p.ctl != no_file) {
    if (p.step == phone_step::itl && f == p.installed) return to_config(p);
    if (oracle.accepts_locally(f, p.ctl)) return accept(p, f, profile);
    if (p.step == phone_step::itl && profile.itl_via_ctl_only) return reject(p, profile);
  }
  // No ITL: the first one is taken on faith, and a phone without an ITL
  // accepts any configuration.
  if (p.installed == no_file) return accept(p, f, profile);
  if (p.step == phone_step::itl && f == p.installed) return to_config(p);
  // An ITL with empty TFTP and TVS sections (Prepare Cluster for Rollback to
  // pre-8.0) leaves nothing to check against: same as no ITL.
  if (oracle.trusts_anything(p.installed)) return accept(p, f, profile);
  if (oracle.accepts_locally(f, p.installed)) return accept(p, f, profile);
  return ask_tvs(p, f, profile, oracle, now_s);
}

phone_action on_tvs(phone& p, const tvs_result& r, const phone_profile& profile,
                    trust_oracle& oracle, std::uint32_t now_s) {
  if (p.step != phone_step::itl_tvs && p.step != phone_step::config_tvs &&
      p.step != phone_step::ctl_tvs)
    return {};
  const bool server_trusted =
      r.server_cert_sha1 != nullptr && oracle.trusts_tvs_server(p.installed, *r.server_cert_sha1);
  if (server_trusted && r.status == tvs_status::valid && r.signer_cert != nullptr &&
      oracle.verifies_with(p.pending, r.signer_key, *r.signer_cert)) {
    p.tvs_cache_cert = r.signer_key;
    p.tvs_cache_until = now_s + profile.tvs_ttl_s;
    const file_id f = p.pending;
    p.step = file_step_of(p.step);
    return accept(p, f, profile);
  }
  // Unreachable, untrusted and "invalid" end the same way: try the next TVS.
  phone_action next;
  if (p.tvs_server + 1 < profile.tvs_servers) {
    ++p.tvs_server;
    next = {phone_action_kind::query_tvs, p.tvs_server, p.pending, 0};
  } else {
    p.step = file_step_of(p.step);
    next = reject(p, profile);
  }
  next.tvs_failed = true;
  return next;
}

phone_action on_tftp_failure(phone& p, const phone_profile& profile) {
  if (p.step != phone_step::itl && p.step != phone_step::config && p.step != phone_step::ctl)
    return {};
  if (++p.attempts < profile.tftp_attempts) return wait(profile.tftp_backoff_us);
  p.attempts = 0;
  if (p.server + 1 < profile.tftp_servers) {
    // Another server may hold the per-device files: ask it for them first.
    ++p.server;
    per_device_name(p);
    return request_step(p);
  }
  p.state = phone_state::unreachable;
  p.step = phone_step::idle;
  return wait(profile.unreachable_retry_us);
}

/// TFTP error 1 for a trust list: the device's own name was not there, ask
/// the same server for the cluster-wide one; that one missing too means the
/// server serves none, and the boot carries on (the ITL after the CTL, the
/// config after the ITL). Attempts count per name: the fallback starts fresh.
phone_action on_trust_list_missing(phone& p, const phone_profile& profile) {
  if (!(p.flags & phone::common_name_flag)) {
    p.flags |= phone::common_name_flag;
    p.attempts = 0;
    phone_action next = request_step(p);
    next.fell_back = true;
    return next;
  }
  return p.step == phone_step::ctl ? to_itl(p, profile) : to_config(p);
}

}  // namespace

bool power_on_requested(phone& p) {
  if (p.state != phone_state::offline || p.step != phone_step::idle) return false;
  p.step = phone_step::itl;
  return true;
}

phone_action handle(phone& p, const phone_event& e, const phone_profile& profile,
                    trust_oracle& oracle, std::uint32_t now_s) {
  switch (e.kind) {
    case phone_event_kind::boot:
      return start_boot(p, profile);
    case phone_event_kind::reset:
      // CUCM resets registered phones only (a booting phone fetches whatever
      // the server holds when it gets there).
      if (!registered(p.state)) return {};
      ++p.epoch;
      p.state = phone_state::booting;
      p.step = phone_step::idle;
      return {phone_action_kind::reboot, 0, no_file, 0};
    case phone_event_kind::delete_itl:
    case phone_event_kind::factory_reset:
      p.installed = no_file;
      // The 8945's "delete ITL" is a reset of its security settings.
      if (profile.manual_recovery_erases_ctl) p.ctl = no_file;
      if (e.kind == phone_event_kind::factory_reset) {
        p.ctl = no_file;  // a factory reset erases every trust list
        p.tvs_cache_cert = 0;
        p.tvs_cache_until = 0;
      }
      if (p.state == phone_state::offline) return {};
      // Both end in a restart of the phone.
      ++p.epoch;
      p.state = phone_state::booting;
      p.step = phone_step::idle;
      return {phone_action_kind::reboot, 0, no_file, 0};
    case phone_event_kind::file_received:
      return on_file(p, e.file, profile, oracle, now_s);
    case phone_event_kind::file_missing:
      if (p.step == phone_step::ctl || p.step == phone_step::itl)
        return on_trust_list_missing(p, profile);
      return on_tftp_failure(p, profile);
    case phone_event_kind::file_corrupt:
      // A file that does not parse cannot be verified: "Trust List Update
      // Failed" for an ITL, a rejected config otherwise.
      if (p.step == phone_step::ctl) return reject_ctl(p, profile);
      if (p.step != phone_step::itl && p.step != phone_step::config) return {};
      return reject(p, profile);
    case phone_event_kind::tftp_refused:
    case phone_event_kind::tftp_timeout:
      return on_tftp_failure(p, profile);
    case phone_event_kind::tvs_answer:
      return on_tvs(p, e.tvs, profile, oracle, now_s);
    case phone_event_kind::timer:
      if (p.state == phone_state::unreachable) return start_boot(p, profile);
      if (p.step == phone_step::ctl || p.step == phone_step::itl || p.step == phone_step::config)
        return request_step(p);
      return {};
  }
  return {};
}

}  // namespace itlfleet::sim
