// The cost of a run, estimated from its plan (see cost.hpp).

#include "itlfleet/engine/cost.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <optional>
#include <variant>

#include "itlfleet/engine/event_queue.hpp"
#include "itlfleet/sim/cluster_itl.hpp"
#include "itlfleet/sim/duration_text.hpp"
#include "itlfleet/sim/phone.hpp"

namespace itlfleet::engine {
namespace {

// Bytes a phone costs. Virtual: the phone, its two latency timestamps and
// room for the events it has pending in the calendar queue (BENCHMARKS.md
// measures 159 to 200 bytes a phone). Live: sockets and coroutine frames of
// the exchanges in flight (BENCHMARKS.md measures about 1.3 KB).
constexpr std::uint64_t virtual_phone_bytes =
    sizeof(sim::phone) + 2 * sizeof(std::int64_t) + 6 * sizeof(event);
constexpr std::uint64_t live_phone_bytes = 1'400;
// A sample: the snapshot's fixed part (time, fleet counts, event totals), its
// timeseries.csv line, and its event in the queue (pushed at the start, in a
// heap whose vector may be twice its size). Per group and sample: one row of
// counts (a counter per state and four derived ones).
constexpr std::uint64_t sample_bytes = 384 + 2 * sizeof(event);
constexpr std::uint64_t counts_bytes = (sim::phone_state_count + 4) * sizeof(std::uint64_t);
// A node: its identities and ITLs, and the TVS station's slot times.
constexpr std::uint64_t node_bytes = 64 * 1024;
constexpr std::uint64_t tvs_slot_bytes = 2 * sizeof(std::int64_t);
// The program itself: code, OpenSSL, yaml-cpp, the plan (measured: 15 MB).
constexpr std::uint64_t base_bytes = 16ull << 20;
// RSA key generation, rough (1,000 nodes x 4 keys took 51 s at 1024 bits).
constexpr double keygen_seconds_1024 = 0.015;
constexpr double keygen_seconds_2048 = 0.06;

/// "3,600,000,001".
std::string grouped(std::uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

/// "1.5 GB", "320 MB", "12 KB".
std::string bytes_text(std::uint64_t b) {
  char buf[32];
  const double v = static_cast<double>(b);
  if (b >= (1ull << 30)) {
    std::snprintf(buf, sizeof buf, "%.1f GB", v / static_cast<double>(1ull << 30));
  } else if (b >= (1ull << 20)) {
    std::snprintf(buf, sizeof buf, "%.0f MB", v / static_cast<double>(1ull << 20));
  } else {
    std::snprintf(buf, sizeof buf, "%.0f KB", v / 1024.0);
  }
  return buf;
}

std::uint64_t saturating_mul(std::uint64_t a, std::uint64_t b) {
  std::uint64_t out = 0;
  return __builtin_mul_overflow(a, b, &out) ? std::numeric_limits<std::uint64_t>::max() : out;
}

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
  std::uint64_t out = 0;
  return __builtin_add_overflow(a, b, &out) ? std::numeric_limits<std::uint64_t>::max() : out;
}

std::uint64_t keys_per_node(const run_plan& plan) {
  return plan.cluster.version.has_itl_recovery() ? 4 : 3;
}

/// Keys the timeline generates (sim::cluster: a regeneration renews one
/// certificate, a rename three, a domain change two, three on the publisher).
std::uint64_t timeline_keygens(const run_plan& plan) {
  std::optional<std::size_t> publisher;
  for (std::size_t i = 0; i < plan.cluster.nodes.size(); ++i)
    if (plan.cluster.nodes[i].publisher) publisher = i;
  std::uint64_t n = 0;
  for (const auto& a : plan.timeline) {
    if (a.kind == action_kind::cert_regen) n += 1;
    if (a.kind == action_kind::rename_publisher) n += 3;
    if (a.kind == action_kind::change_domain) n += a.node && *a.node == publisher ? 3 : 2;
  }
  // The first upgrade into 10.0 makes every node's ITLRecovery key.
  sim::cucm_version running = plan.cluster.version;
  for (const auto& a : plan.timeline) {
    const auto* upgrade = std::get_if<plan::target_release>(&a.args);
    if (a.kind != action_kind::upgrade_cluster || upgrade == nullptr) continue;
    const sim::cucm_version& to = upgrade->version;
    if (!running.has_itl_recovery() && to.has_itl_recovery()) n += plan.cluster.nodes.size();
    running = to;
  }
  return n;
}

}  // namespace

run_cost estimate_cost(const run_plan& plan, const run_shape& shape) {
  run_cost c;
  const std::uint64_t shards = std::max<std::uint32_t>(1, shape.shard_count);
  const std::uint64_t fleet = plan.fleet_size();
  c.phones = fleet / shards + (fleet % shards != 0 ? 1 : 0);

  const auto end = static_cast<std::uint64_t>(std::max<std::int64_t>(0, plan.end.count()));
  const auto step =
      static_cast<std::uint64_t>(std::max<std::int64_t>(1, plan.sample_every.count()));
  c.samples = end / step + (end % step != 0 ? 1 : 0) + 1;
  for (const auto& e : plan.expect)
    if (e.at) ++c.samples;
  c.series_points = saturating_mul(c.samples, plan.fleet.size() + 1);

  const std::uint64_t nodes = plan.cluster.nodes.size();
  c.rsa_keygens = nodes * keys_per_node(plan) + timeline_keygens(plan);
  c.keygen_seconds = static_cast<double>(c.rsa_keygens) *
                     (plan.cluster.key_bits >= 2048 ? keygen_seconds_2048 : keygen_seconds_1024);

  c.phone_bytes = saturating_mul(c.phones, shape.live ? live_phone_bytes : virtual_phone_bytes);
  c.series_bytes = saturating_add(saturating_mul(c.samples, sample_bytes),
                                  saturating_mul(c.series_points, counts_bytes));
  // Every node's TVS slots: its own model's or the cluster's.
  std::uint64_t slots = 0;
  for (std::size_t n = 0; n < nodes; ++n)
    slots += static_cast<std::uint64_t>(
        std::max(1, engine::node_tvs_model(plan.cluster, n).concurrency));
  const std::uint64_t node_total = nodes * node_bytes + slots * tvs_slot_bytes;
  c.memory_bytes = saturating_add(saturating_add(base_bytes, c.phone_bytes),
                                  saturating_add(c.series_bytes, node_total));
  return c;
}

status check_cost(const run_plan& plan, const cost_limits& limits, const run_shape& shape) {
  const run_cost c = estimate_cost(plan, shape);
  const std::string head = plan.source + ": too large to run: ";
  const std::string tail = ", or pass " + limits.raise_with + " to run it anyway";
  if (c.samples > limits.max_samples) {
    // The shortest sample that stays within the limit.
    const std::int64_t rows =
        static_cast<std::int64_t>(std::max<std::uint64_t>(limits.max_samples, 2) - 1);
    std::int64_t shortest = (plan.end.count() + rows - 1) / rows;
    for (std::int64_t unit : {std::int64_t{1'000'000}, std::int64_t{1'000}}) {
      if (shortest >= unit) {
        shortest = (shortest + unit - 1) / unit * unit;  // a round figure: 4ms, not 3ms601us
        break;
      }
    }
    return error{head + grouped(c.samples) + " time-series samples (end " +
                 sim::format_sim_time(plan.end, sim::below_second::units) + " / sample " +
                 sim::format_sim_time(plan.sample_every, sim::below_second::units) +
                 ") exceed the limit of " + grouped(limits.max_samples) +
                 ": set a longer sample (at least " +
                 sim::format_sim_time(sim_duration{shortest}, sim::below_second::units) +
                 " for this end) or a shorter end" + tail};
  }
  if (c.rsa_keygens > limits.max_rsa_keygens) {
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.0f", c.keygen_seconds);
    const std::uint64_t nodes = plan.cluster.nodes.size();
    return error{head + grouped(c.rsa_keygens) + " RSA key generations (" +
                 std::to_string(plan.cluster.key_bits) + "-bit, about " + seconds +
                 " s without the key cache: " + grouped(nodes) + " nodes x " +
                 std::to_string(keys_per_node(plan)) + " certificates, " +
                 grouped(timeline_keygens(plan)) + " from the timeline) exceed the limit of " +
                 grouped(limits.max_rsa_keygens) +
                 ": declare fewer nodes or regenerate fewer certificates in the timeline" + tail};
  }
  if (c.memory_bytes > limits.max_memory_bytes) {
    return error{
        head + "about " + bytes_text(c.memory_bytes) + " of memory (" + grouped(c.phones) +
        " phones x " + std::to_string(shape.live ? live_phone_bytes : virtual_phone_bytes) +
        " bytes = " + bytes_text(c.phone_bytes) + ", " + grouped(c.samples) + " samples x " +
        grouped(plan.fleet.size() + 1) + " rows of counts = " + bytes_text(c.series_bytes) +
        ") exceeds the limit of " + bytes_text(limits.max_memory_bytes) +
        ": run fewer phones (--phones, or fleet counts), fewer groups or a longer sample" + tail};
  }
  return ok();
}

}  // namespace itlfleet::engine
