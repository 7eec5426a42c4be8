#pragma once
/// Fleet trust state, counted incrementally: the engine reports each phone's
/// move from one cell (group, state, ever locked, installed ITL) to another,
/// so a snapshot costs O(cells), never O(phones). Not thread-safe.

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "itlfleet/sim/file_store.hpp"
#include "itlfleet/sim/phone.hpp"

namespace itlfleet::metrics {

/// Where one phone stands, as far as counting goes.
struct cell {
  sim::phone_state state = sim::phone_state::offline;
  bool ever_locked = false;
  sim::file_id itl = sim::no_file;
  sim::file_id ctl = sim::no_file;  ///< the installed CTL (mixed mode)
  bool operator==(const cell&) const = default;
};

/// Counts of one group (or the whole fleet) at one instant.
struct counts {
  std::array<std::uint64_t, sim::phone_state_count> by_state{};  ///< indexed by phone_state
  std::uint64_t stale = 0;  ///< installed ITL differs from its TFTP server's current one
  /// Locked or config rejected, and no bulk operation can bring it back: its
  /// ITL does not hold the certificate of the key a bulk reset signs with now
  /// (no ITLRecovery record, or another key's), or its CTL refuses the reset
  /// ITL (docs/model.md).
  std::uint64_t unrecoverable = 0;
  std::uint64_t recovered = 0;  ///< trusted now after having been locked or config rejected
  std::uint64_t ever_locked = 0;
  std::uint64_t total() const;
  std::uint64_t state(sim::phone_state s) const { return by_state[static_cast<int>(s)]; }
};

/// Fleet-wide events the engine counts alongside phone states.
struct event_totals {
  std::uint64_t boots = 0;  ///< boot sequences started (power-on, reboot, retry)
  /// Phones CUCM reset: those registered to a TFTP node whose ITL changed
  /// (auto reset), `reset all devices`, the node reboots of an upgrade.
  std::uint64_t device_resets = 0;
  std::uint64_t refused_commands =
      0;                            ///< CLI commands CUCM refused (hold timer, not publisher, ...)
  std::uint64_t tftp_refusals = 0;  ///< requests refused past Maximum Serving Count
  std::uint64_t tftp_timeouts = 0;  ///< requests to a TFTP service that was down
  std::uint64_t tvs_queries = 0;
  std::uint64_t tvs_failures = 0;   ///< unreachable, untrusted server or "invalid"
  std::uint64_t backup_alerts = 0;  ///< daily "ITLRecovery not backed up" alerts
  std::uint64_t files_served = 0;
  std::uint64_t bytes_served = 0;
  /// ITLs phones installed, by the role of the signer: the node's CallManager
  /// key (normal) or the ITLRecovery key (after `utils itl reset`).
  std::uint64_t itl_installs_callmanager = 0;
  std::uint64_t itl_installs_recovery = 0;
  /// Signed configs a phone rejected (neither its ITL nor TVS vouched).
  std::uint64_t configs_rejected = 0;
  /// File requests by kind (ITL, config) and result: [kind][result].
  enum file_kind : std::size_t { itl_file, config_file };
  enum request_result : std::size_t { served, refused, timed_out };
  std::array<std::array<std::uint64_t, 3>, 2> requests{};
  /// What a phone asked a TFTP (or HTTP) server for.
  enum class requested : std::uint8_t { itl, config, ctl };
  /// One request's outcome, in every total it belongs to: files_served,
  /// tftp_refusals or tftp_timeouts; then `requests` for an ITL or a config
  /// (the table predates mixed mode), ctl_served for a CTL served.
  void count_request(requested what, request_result r) {
    ++(r == served ? files_served : r == refused ? tftp_refusals : tftp_timeouts);
    if (what != requested::ctl)
      ++requests[what == requested::itl ? itl_file : config_file][r];
    else if (r == served)
      ++ctl_served;
  }
  /// Mixed mode: CTL files served (also in files_served), CTLs phones
  /// installed (on faith or signed by a SAST of their CTL), and new CTLs
  /// phones refused ("CTL update failed": old CTL kept, phone locked).
  std::uint64_t ctl_served = 0;
  std::uint64_t ctl_installs = 0;
  std::uint64_t ctl_update_failures = 0;
  /// Boots whose server had no ITLSEP<MAC>.tlv (CTLSEP<MAC>.tlv), so that the
  /// phone asked it for ITLFile.tlv (CTLFile.tlv).
  std::uint64_t itl_fallbacks = 0;
  std::uint64_t ctl_fallbacks = 0;
  /// Live runs: what the load generator itself could not do. None of it is
  /// a server's doing, so none of it is in the request results above.
  struct load_generator_totals {
    /// Exchanges not sent: no descriptor for a socket (EMFILE, ENFILE),
    /// no memory or buffers (ENOMEM, ENOBUFS), another local socket error.
    std::uint64_t descriptors_exhausted = 0;
    std::uint64_t memory_exhausted = 0;
    std::uint64_t other_local_errors = 0;
    std::uint64_t retries = 0;  ///< those exchanges sent again after a backoff
    /// Datagrams lost on the load generator's side: full receive queues of
    /// the shared UDP sockets (the kernel's count, and the per-exchange
    /// queues), full send buffers.
    std::uint64_t receive_drops = 0;
    std::uint64_t send_drops = 0;
    std::uint64_t udp_sockets = 0;       ///< shared UDP sockets open at the end
    std::uint64_t peak_descriptors = 0;  ///< most open descriptors seen at a sample
    std::uint64_t local_limits() const {
      return descriptors_exhausted + memory_exhausted + other_local_errors;
    }
  } load_generator;
  /// Live runs: replies that broke the protocol, unexpected TFTP ERRORs and
  /// HTTP statuses, transfers over their size cap or deadline, TVS answers
  /// that failed, by (server, kind): e.g. ("127.0.1.1:69", "tftp_malformed").
  std::map<std::pair<std::string, std::string>, std::uint64_t> protocol_errors;
};

/// What a live run's in-process servers report about themselves, per node.
struct server_figures {
  std::string node;
  std::uint64_t serving_count = 0;  ///< the configured Maximum Serving Count
  std::uint64_t tftp_active = 0;    ///< transfers (TFTP and HTTP) in progress now
  std::uint64_t tftp_retransmissions = 0;
  std::uint64_t tftp_malformed = 0;  ///< datagrams dropped or refused as malformed
  std::uint64_t tls_handshakes_ok = 0;
  std::uint64_t tls_handshakes_failed = 0;
  std::uint64_t tvs_sessions_active = 0;
};

/// Everything a report needs at one instant.
struct snapshot {
  std::int64_t time_us = 0;
  counts fleet;
  std::vector<counts> groups;  ///< indexed like the run's fleet groups
  event_totals events;
};

class fleet_counters {
 public:
  explicit fleet_counters(std::size_t groups);

  void add(std::uint16_t group, const cell& c, std::uint64_t n = 1);
  /// One phone moved; a no-op when from == to.
  void move(std::uint16_t group, const cell& from, const cell& to);

  event_totals& events() { return events_; }
  const event_totals& events() const { return events_; }

  /// Counts now. `served_itl(group)` is the ITL the group's primary TFTP node
  /// serves now; `recoverable(itl, ctl)` tells whether a bulk operation can
  /// bring back a locked phone holding that ITL and CTL. Offline phones are
  /// never stale.
  /// Powered-on phones by (group, installed ITL): what DeviceTLInfo alarms
  /// would report. O(cells).
  std::map<std::pair<std::uint16_t, sim::file_id>, std::uint64_t> installed_by_group() const;

  snapshot take(std::int64_t time_us, const std::function<sim::file_id(std::uint16_t)>& served_itl,
                const std::function<bool(sim::file_id, sim::file_id)>& recoverable) const;

 private:
  struct key {
    std::uint16_t group;
    std::uint8_t state;
    bool ever_locked;
    sim::file_id itl;
    sim::file_id ctl;
    auto operator<=>(const key&) const = default;
  };
  std::size_t groups_;
  std::map<key, std::int64_t> cells_;
  event_totals events_;
};

}  // namespace itlfleet::metrics
