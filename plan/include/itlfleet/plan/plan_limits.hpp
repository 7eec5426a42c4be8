#pragma once
/// The range of every number and string in a run plan, in one place. Each
/// bound comes from the type the engines keep the value in, so changing that
/// type moves the limit, or from what the value is multiplied into, with a
/// static_assert that the worst case still fits. The scenario loader checks
/// every value against these when it reads it (errors carry file:line:col);
/// `check_plan` checks a plan built in code before an engine runs it.
/// docs/scenarios.md ("Limits") lists them for users.
///
/// Header-only apart from `check_plan` (itlfleet::plan).

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "itlfleet/plan/run_plan.hpp"
#include "itlfleet/sim/bytes.hpp"
#include "itlfleet/sim/phone.hpp"
#include "itlfleet/sim/pki.hpp"
#include "itlfleet/sim/result.hpp"
#include "itlfleet/sim/trust_file.hpp"
#include "itlfleet/sim/utf8.hpp"

namespace itlfleet::plan::limits {

template <class T>
inline constexpr std::uint64_t max_of = std::numeric_limits<T>::max();

// --- counts ------------------------------------------------------------------

/// Nodes the engines can address: a node index is 8-bit in events
/// (`node_index`, as `engine::event` carries it) and in a group's server lists, and the length of a
/// group's TFTP or TVS list is an 8-bit count (`sim::phone_profile`).
inline constexpr std::size_t node_index_bound =
    std::min(max_of<node_index> + 1, max_of<decltype(sim::phone_profile::tftp_servers)>);

/// Nodes in a cluster. Every TFTP node's ITL holds one record per TVS node
/// (about 800 bytes at 2048-bit keys and 64-byte names) and a phone loads no
/// ITL over 64 KB (`sim::max_trust_file_size`): 64 nodes fit with room to
/// spare (tests/engine/plan_limits_test.cpp builds the largest such ITL).
/// Real CUCM clusters are much smaller (about 20 nodes at most).
inline constexpr std::size_t max_nodes = 64;
static_assert(max_nodes <= node_index_bound);

/// Fleet groups: a phone's group is `sim::phone::group`, 16 bits.
inline constexpr std::size_t max_groups = max_of<decltype(sim::phone::group)> + 1;
static_assert(max_groups <= max_of<group_index> + 1);

/// Phones in the fleet (one group or all together), the same bound as `run
/// --phones`. The engines index phones with `entry_index` (32 bits), which
/// holds far more; this bound is what a run can afford: up to 240 bytes a
/// phone in the virtual engine (engine/cost.hpp), about 12 GB at the bound,
/// which the cost check refuses by default.
inline constexpr std::uint64_t max_phones = 50'000'000;
static_assert(max_phones <= max_of<entry_index>);

/// `phone.tftp_attempts`: counted in `sim::phone::attempts` and compared with
/// `sim::phone_profile::tftp_attempts`, both 8-bit.
inline constexpr int max_tftp_attempts = static_cast<int>(std::min(
    max_of<decltype(sim::phone::attempts)>, max_of<decltype(sim::phone_profile::tftp_attempts)>));

/// `cluster.tftp.max_serving_count`: concurrent transfers per node. Bounded
/// so that a transfer's duration fits (see transfer_bound below).
inline constexpr int max_serving_count = 100'000;

/// `cluster.tvs.concurrency`: session slots per node; a TVS station keeps an
/// 8-byte time per slot (800 KB per node at the bound).
inline constexpr int max_tvs_concurrency = 100'000;

/// `cluster.http.workers`: an HTTP station keeps an 8-byte time per worker.
inline constexpr int max_http_workers = 100'000;

/// `cluster.tftp.block_size`: RFC 2348's range.
inline constexpr int min_block_size = 8;
inline constexpr int max_block_size = 65464;

/// `cluster.tftp.loss`: at 1 nothing would ever arrive.
inline constexpr double max_loss = 0.99;

/// `phone.max_itl_bytes`: the codec holds no trust file over
/// `sim::max_trust_file_size` (64 KB), and no ITL the cluster builds is
/// smaller than 1 KB (two full certificates and a signature).
inline constexpr int min_itl_bytes = 1024;
inline constexpr int max_itl_bytes = static_cast<int>(sim::max_trust_file_size);
static_assert(phone_model{}.max_itl_bytes == max_itl_bytes, "the default is the real limit");

// --- durations -----------------------------------------------------------------

/// A phone keeps simulated seconds in 32 bits (`sim::phone::tvs_cache_until`
/// is now + `tvs.ttl`), so the run's `end` plus `ttl` must fit: every
/// scenario duration (end, hold_time, boot and phone timings, ttl, outage
/// lengths) is at most half of that, 596,523 h (68 years).
inline constexpr std::int64_t max_sim_seconds =
    static_cast<std::int64_t>(max_of<decltype(sim::phone::tvs_cache_until)>);
inline constexpr sim_duration max_duration = std::chrono::seconds(max_sim_seconds / 2);

/// Technicians' pace for `delete itl` / `factory reset` with `rate:`, in
/// phones per hour for the whole crew: at least one phone an hour, at
/// most a thousand a second (beyond that it is a bulk operation).
inline constexpr double min_manual_rate = 1.0;
inline constexpr double max_manual_rate = 3'600'000.0;

/// `cluster.hold_time`: how long a node refuses a second certificate
/// regeneration after the first (CUCM's is 5 minutes); the cluster counts it
/// in whole seconds (`sim::cluster_config::hold_seconds`). Its range has this
/// one bound and hold_time_problem() its one message, which the loader and
/// check_plan both give.
inline constexpr sim_duration max_hold_time = max_duration;

/// What is wrong with `d` as the hold timer, or nothing.
inline std::optional<std::string> hold_time_problem(sim_duration d) {
  if (d >= sim_duration{0} && d <= max_hold_time) return std::nullopt;
  const std::int64_t us = d.count();
  const std::string got =
      us % 1'000'000 == 0 ? std::to_string(us / 1'000'000) + " s" : std::to_string(us) + " us";
  return "expected a hold timer of 0 to " +
         std::to_string(std::chrono::duration_cast<std::chrono::seconds>(max_hold_time).count()) +
         " s (68 years), got " + got;
}

/// What one exchange costs in the model (`tftp.rtt`, `tftp.block_cost`,
/// `tftp.retransmit_timeout`, `tvs.handshake`, `tvs.query`, `tvs.timeout`):
/// at most an hour, far beyond any real network, so that the longest transfer
/// fits the 64-bit microsecond clock (transfer_bound below).
inline constexpr sim_duration max_exchange = std::chrono::hours(1);

/// The longest modelled TFTP transfer (`tftp_station::start`): an RTT, then
/// every block of the largest file at max(rtt, max_serving_count x
/// block_cost), plus a retransmit timeout for each packet lost.
inline constexpr std::int64_t max_blocks =
    static_cast<std::int64_t>(sim::max_trust_file_size) / min_block_size + 1;
inline constexpr std::int64_t transfer_bound =
    max_exchange.count() +
    max_blocks *
        std::max(max_exchange.count(), std::int64_t{max_serving_count} * max_exchange.count()) +
    (max_blocks + 1) * max_exchange.count();
static_assert(transfer_bound <= std::numeric_limits<std::int64_t>::max() - 4 * max_duration.count(),
              "a transfer started at the end of the longest run must fit in sim_duration");
/// The longest modelled HTTP request (`http_station::admit`): two round
/// trips and its own cost, after waiting behind every other request the
/// serving count lets in.
static_assert(2 * max_exchange.count() + std::int64_t{max_serving_count} * max_exchange.count() <=
                  transfer_bound,
              "an HTTP request is bounded like a TFTP transfer");

// --- text ------------------------------------------------------------------------

/// X.509's upper bound for a common name (RFC 5280 ub-common-name); OpenSSL
/// refuses a longer one. A node's CallManager and TVS certificates are named
/// `<host>.<domain>`, and from CUCM 10.0 its ITLRecovery certificate
/// `ITLRECOVERY_<host>.<domain>` (`sim::cucm_common_name`).
inline constexpr std::size_t max_common_name_bytes = 64;

/// What is wrong with the certificate names of node `host` in `domain`, or
/// nothing: each must fit a common name. Its CallManager and TVS
/// certificates are named `<host>.<domain>` and, from 10.0 (`itl_recovery`),
/// its ITLRecovery certificate `ITLRECOVERY_<host>.<domain>`
/// (sim::cucm_common_name). The loader, check_plan and `cluster export` all
/// apply this rule and give this message.
inline std::optional<std::string> common_name_problem(const std::string& host,
                                                      const std::string& domain,
                                                      bool itl_recovery) {
  const std::string fqdn = sim::node_fqdn(host, domain);
  std::string cn = sim::cucm_common_name(sim::cert_purpose::callmanager, fqdn, fqdn);
  std::string_view form = "<host>.<domain>";
  if (itl_recovery && cn.size() <= max_common_name_bytes) {
    cn = sim::cucm_common_name(sim::cert_purpose::itlrecovery, fqdn, fqdn);
    form = "ITLRECOVERY_<host>.<domain>, from version 10.0";
  }
  if (cn.size() <= max_common_name_bytes) return std::nullopt;
  return "certificate name '" + cn + "' would be " + std::to_string(cn.size()) +
         " bytes; X.509 allows at most " + std::to_string(max_common_name_bytes) +
         " in a common name (" + std::string(form) + ")";
}

/// `cluster.domain` and the argument of `set network domain`: it must leave
/// room for a one-character host and the dot in a common name (DNS's own
/// limits, 253 bytes and 63 per label, are looser).
inline constexpr std::size_t max_domain_bytes = max_common_name_bytes - 2;

/// Any other one-line string (names, model, firmware, commands, paths,
/// passwords): long enough for anything real, short enough for a report line.
inline constexpr std::size_t max_text_bytes = 1024;

/// `description`: a paragraph or a few.
inline constexpr std::size_t max_description_bytes = 16 * 1024;

/// What is wrong with `s` as text that goes into outputs and certificates,
/// or nothing: it must be well-formed UTF-8 without control characters (C0
/// other than newline and tab when `multiline`, DEL, C1) and at most
/// `max_bytes` long.
inline std::optional<std::string> text_problem(std::string_view s, std::size_t max_bytes,
                                               bool multiline = false) {
  if (s.size() > max_bytes) {
    return "expected at most " + std::to_string(max_bytes) + " bytes, got " +
           std::to_string(s.size());
  }
  const auto hex = [](std::uint32_t v) {
    const auto byte = static_cast<std::uint8_t>(v);
    return to_hex(byte_view(&byte, 1), "", true);
  };
  for (std::size_t i = 0; i < s.size();) {
    const auto ch = decode_utf8(s, i);
    if (!ch) {
      return "expected UTF-8 text; byte " + std::to_string(i + 1) + " (0x" +
             hex(static_cast<unsigned char>(s[i])) + ") is not valid UTF-8";
    }
    const std::uint32_t cp = ch->code_point;
    const bool allowed_blank = multiline && (cp == '\n' || cp == '\t');
    if ((cp < 0x20 && !allowed_blank) || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F)) {
      return "expected text without control characters; byte " + std::to_string(i + 1) +
             " starts the control character U+00" + hex(cp);
    }
    i += ch->length;
  }
  return std::nullopt;
}

/// Everything above, for a plan that did not come from the scenario loader
/// (which checks the same with file positions): counts, durations, the model's
/// numbers, names and certificate name lengths. An engine calls it before it
/// generates a single key.
status check_plan(const run_plan& plan);

}  // namespace itlfleet::plan::limits
