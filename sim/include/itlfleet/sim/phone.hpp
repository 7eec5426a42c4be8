#pragma once
/// A phone under Security by Default as a state machine: events in (boot,
/// TFTP file or error, TVS answer, timer, manual recovery), one action out
/// (request a file, ask a TVS server, wait, restart). No I/O, no clock, no
/// globals: the engine feeds it from virtual time or from real sockets.
///
/// The boot order and trust decision follow docs/model.md: leap of faith with
/// no ITL; the new ITL's signer in the installed ITL; otherwise TVS (whose
/// server certificate must be in the installed ITL); otherwise "Trust List
/// Update Failed", the old ITL is kept and the phone is locked. The signed
/// config is checked the same way.
///
/// Names: a phone asks for its own ITLSEP<MAC>.tlv and, when the server has
/// no such file, for ITLFile.tlv from the same server; only when that is
/// missing too does it carry on to its config without an ITL. The CTL step
/// does the same with CTLSEP<MAC>.tlv and CTLFile.tlv.
///
/// Mixed mode (docs/model.md, "Mixed mode and the CTL"): the boot starts with
/// the CTL. The first CTL is installed on faith; a new one only if a SAST
/// record of the installed CTL signed it, else the old CTL is kept and the
/// phone ends locked ("CTL update failed"). A phone holding a CTL checks a new
/// ITL against it, and a config against it before its ITL and TVS.

#include <cstdint>
#include <string_view>

#include "itlfleet/sim/crypto.hpp"
#include "itlfleet/sim/file_store.hpp"
#include "itlfleet/sim/phone_state.hpp"
#include "itlfleet/sim/trust_oracle.hpp"

namespace itlfleet::sim {

/// Where in the boot sequence the phone is.
enum class phone_step : std::uint8_t { idle, itl, itl_tvs, config, config_tvs, ctl, ctl_tvs };

/// One phone, 32 bytes: a million fit in 32 MB.
struct phone {
  file_id installed = no_file;        ///< the installed ITL
  file_id pending = no_file;          ///< the file being checked with TVS
  file_id ctl = no_file;              ///< the installed CTL (mixed mode)
  std::uint32_t tvs_cache_cert = 0;   ///< certificate key TVS last vouched for
  std::uint32_t tvs_cache_until = 0;  ///< simulated second the cached answer expires
  std::uint32_t epoch = 0;            ///< bumped by every reset: older events are stale
  std::uint16_t group = 0;            ///< fleet group (model, firmware, servers)
  phone_state state = phone_state::offline;
  phone_step step = phone_step::idle;
  std::uint8_t server = 0;      ///< index into the group's TFTP list
  std::uint8_t tvs_server = 0;  ///< index into the group's TVS list
  std::uint8_t attempts = 0;    ///< failed requests to the current TFTP server
  std::uint8_t flags = 0;       ///< phone_flag bits

  bool ever_locked() const { return flags & ever_locked_flag; }
  static constexpr std::uint8_t ever_locked_flag = 1;
  static constexpr std::uint8_t itl_rejected_flag = 2;  ///< this boot's ITL update failed
  static constexpr std::uint8_t ctl_rejected_flag = 4;  ///< this boot's CTL update failed
  /// The step's per-device name (ITLSEP<MAC>.tlv, CTLSEP<MAC>.tlv) was not
  /// found: the phone asks this server for the cluster-wide one (ITLFile.tlv,
  /// CTLFile.tlv). Cleared when the step or the server changes.
  static constexpr std::uint8_t common_name_flag = 8;
};

enum class phone_event_kind : std::uint8_t {
  boot,           ///< power-on or the end of a reboot: start the boot sequence
  reset,          ///< CUCM resets the phone: it reboots, if it is registered
  file_received,  ///< the requested file arrived
  file_missing,   ///< TFTP error 1: file not found
  file_corrupt,   ///< bytes arrived but are not a trust file: the phone cannot trust them
  tftp_refused,   ///< the server is past its Maximum Serving Count
  tftp_timeout,   ///< no answer at all
  tvs_answer,     ///< a TVS exchange finished (see tvs_result)
  timer,          ///< a wait the phone asked for is over
  delete_itl,     ///< Settings > Security > Trust List > ITL > Erase
  factory_reset,  ///< factory reset: no ITL, no cache
};

enum class tvs_status : std::uint8_t { valid, invalid, unreachable };

/// The outcome of one TVS exchange as the network delivered it.
struct tvs_result {
  tvs_status status = tvs_status::unreachable;
  const bytes* server_cert_sha1 = nullptr;   ///< certificate the TVS presented
  const certificate* signer_cert = nullptr;  ///< valid only: the certificate TVS vouched for
  std::uint32_t signer_key = 0;              ///< trust_oracle::key_of(*signer_cert)
};

struct phone_event {
  phone_event_kind kind = phone_event_kind::boot;
  file_id file = no_file;  ///< file_received
  tvs_result tvs;          ///< tvs_answer
};

enum class phone_action_kind : std::uint8_t {
  none,
  request_itl,     ///< RRQ ITLSEP<MAC>.tlv (or ITLFile.tlv: common_name) to TFTP server `server`
  request_config,  ///< RRQ SEP<MAC>.cnf.xml.sgn to TFTP server `server`
  query_tvs,       ///< TLS to TVS server `server` (of the group's TVS list) about `file`'s signer
  wait,            ///< deliver a timer event after `delay_us`
  reboot,          ///< deliver a boot event after the model's reboot time
  request_ctl,     ///< RRQ CTLSEP<MAC>.tlv (or CTLFile.tlv: common_name), mixed mode
};

struct phone_action {
  phone_action_kind kind = phone_action_kind::none;
  std::uint8_t server = 0;
  file_id file = no_file;
  std::int64_t delay_us = 0;
  /// The TVS exchange just handled did not vouch for the file (unreachable,
  /// "invalid", a server the installed ITL does not list, or a certificate
  /// whose key does not verify the file): what engines count as a TVS failure.
  bool tvs_failed = false;
  /// The event made the phone install a new ITL (leap of faith, local trust or TVS).
  bool installed_itl = false;
  /// The event made the phone reject its signed config.
  bool config_rejected = false;
  /// The event made the phone install a new CTL (on faith or signed by a SAST it knew).
  bool installed_ctl = false;
  /// The event made the phone refuse a new CTL: "CTL update failed".
  bool ctl_rejected = false;
  /// request_itl, request_ctl: ask for the cluster-wide name (ITLFile.tlv,
  /// CTLFile.tlv) instead of the device's own, which the server did not have.
  /// sim::requested_name() gives the name.
  bool common_name = false;
  /// The event was "file not found" for the device's own name and the phone
  /// now asks for the cluster-wide one: what engines count as a fallback.
  bool fell_back = false;
};

/// What a phone of a group knows about its surroundings.
struct phone_profile {
  std::uint8_t tftp_servers = 1;   ///< primary and backups
  std::uint8_t tvs_servers = 1;    ///< TVS servers of its CallManager group
  std::uint8_t tftp_attempts = 3;  ///< per server before moving to the next
  std::int64_t tftp_backoff_us = 5'000'000;
  std::int64_t unreachable_retry_us = 60'000'000;
  std::uint32_t tvs_ttl_s = 86400;
  /// The largest ITL the phone loads: a bigger one is rejected like a bad
  /// signature ("Trust List Update Failed"). 64 KB (field reports).
  std::uint32_t max_itl_bytes = max_trust_file_size;
  /// The cluster serves a CTL (mixed mode): a boot starts with CTLSEP<MAC>.tlv.
  /// A phone holding a CTL asks for one whatever this says.
  bool request_ctl = false;
  /// A phone holding a CTL accepts a new ITL only if the CTL vouches for its
  /// signer (true, cluster.itl_check_with_ctl: ctl); false: the CTL first,
  /// then the installed ITL and TVS as without a CTL.
  bool itl_via_ctl_only = true;
  /// Security by Default (docs/model.md, "Device families"): false for a
  /// model that predates it (7940/7960). Such a phone never asks for an ITL
  /// (after the CTL, in mixed mode, it goes straight to its config), never
  /// installs one and accepts any config: it is never locked by an ITL and
  /// ends its boot as `no_itl`.
  bool security_by_default = true;
  /// "Delete ITL" is the family's security settings reset (8945): it erases
  /// the CTL as well as the ITL.
  bool manual_recovery_erases_ctl = false;
};

/// A power-on is on its way to a phone that is off (boot-all): true when it
/// was off and idle, and then it is marked so that a second power-on while
/// the first is pending is not taken; false when the phone is already on or
/// on its way.
bool power_on_requested(phone& p);

/// Feeds one event to a phone and returns what it does next. `now_s` is the
/// simulated time in seconds (for the TVS answer cache).
phone_action handle(phone& p, const phone_event& e, const phone_profile& profile,
                    trust_oracle& oracle, std::uint32_t now_s);

}  // namespace itlfleet::sim
