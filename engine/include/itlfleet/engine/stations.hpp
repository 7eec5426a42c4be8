#pragma once
/// Modelled servers of the virtual engine. A TFTP station serves lock-step
/// 512-byte transfers up to its Maximum Serving Count and refuses past it; a
/// TVS station serves sessions on a fixed number of slots, first come first
/// served, and a phone gives up when its turn is too far away. An HTTP
/// station (when the cluster has an HTTP model) serves requests on a fixed
/// number of workers, first come first served, and refuses past its serving
/// count.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <queue>
#include <vector>

#include "itlfleet/engine/plan.hpp"

namespace itlfleet::engine {

/// Blocks a transfer of `size` bytes takes at `block_size` bytes a block
/// (the last one is short, maybe empty).
inline std::int64_t tftp_blocks(std::size_t size, int block_size) {
  return static_cast<std::int64_t>(size / static_cast<std::size_t>(block_size)) + 1;
}

/// Server time per block with `active` transfers in progress: block_cost,
/// plus knee_slowdown for every transfer past the knee (at most
/// limits::max_exchange, which keeps a transfer within limits::transfer_bound).
inline std::int64_t tftp_block_cost_at(const tftp_model& model, int active) {
  const std::int64_t past = std::max(0, active - model.knee);
  if (past == 0 || model.knee_slowdown.count() == 0) return model.block_cost.count();
  return std::min(limits::max_exchange.count(),
                  model.block_cost.count() + past * model.knee_slowdown.count());
}

/// How long, in microseconds, a transfer of `size` bytes with `lost_packets`
/// losses takes on a TFTP server of `model` serving `active` transfers (this
/// one included): RRQ to first DATA is one round trip, then one block per
/// round trip or per server turn, max(rtt, active x tftp_block_cost_at),
/// whichever is longer; each loss costs a retransmit timeout. The virtual
/// engine's station and the calibration fit both use it.
inline std::int64_t tftp_transfer_time(const tftp_model& model, int active, std::size_t size,
                                       int lost_packets) {
  const std::int64_t per_block = std::max<std::int64_t>(
      model.rtt.count(), std::int64_t{active} * tftp_block_cost_at(model, active));
  return model.rtt.count() + tftp_blocks(size, model.block_size) * per_block +
         lost_packets * model.retransmit_timeout.count();
}

class tftp_station {
 public:
  explicit tftp_station(const tftp_model& model) : model_(model) {}

  bool up() const { return up_; }
  void set_up(bool up) { up_ = up; }
  int active() const { return active_; }
  int peak_active() const { return peak_; }
  bool full() const { return active_ >= model_.max_serving_count; }

  /// Starts a transfer of `size` bytes with `lost_packets` losses; returns
  /// its duration. The block cost grows with the transfers in progress,
  /// which is how a saturated server slows down.
  std::int64_t start(std::size_t size, int lost_packets);
  void finish() { --active_; }

  /// Blocks a transfer of `size` bytes takes (the last one is short, maybe empty).
  int blocks(std::size_t size) const {
    return static_cast<int>(tftp_blocks(size, model_.block_size));
  }
  /// How long a phone waits on a server that does not answer at all (the
  /// request and three retransmissions).
  std::int64_t no_answer_timeout() const { return 4 * model_.retransmit_timeout.count(); }
  std::int64_t rtt() const { return model_.rtt.count(); }

 private:
  const tftp_model& model_;
  bool up_ = true;
  int active_ = 0;
  int peak_ = 0;
};

class tvs_station {
 public:
  explicit tvs_station(const tvs_model& model, std::int64_t rtt_us);

  bool up() const { return up_; }
  void set_up(bool up) { up_ = up; }

  /// A session asked for at `now`: the time its answer reaches the phone, or
  /// -1 when the phone gives up waiting for a slot.
  std::int64_t admit(std::int64_t now);
  std::int64_t timeout() const { return model_.timeout.count(); }
  std::int64_t peak_wait() const { return peak_wait_; }

 private:
  const tvs_model& model_;
  std::int64_t rtt_us_;
  bool up_ = true;
  /// When each session slot becomes free, earliest first.
  std::priority_queue<std::int64_t, std::vector<std::int64_t>, std::greater<>> free_at_;
  std::int64_t peak_wait_ = 0;
};

/// HTTP 6970 of one node (cluster.http): a request reaches the server one
/// round trip after the phone sends it (the TCP connect), waits for the
/// first free of `workers`, takes `request_cost`, and its answer reaches the
/// phone a round trip later; a request finding max_serving_count requests in
/// the server (worked on or waiting) is refused. The calibration fit replays
/// measured arrivals through it, so the engine and the fit agree.
class http_station {
 public:
  explicit http_station(const http_model& model);

  /// A request sent at `now`: when its answer reaches the phone, or -1 when
  /// it is refused.
  std::int64_t admit(std::int64_t now);
  int peak_active() const { return peak_; }

 private:
  const http_model& model_;
  /// When each worker becomes free, earliest first.
  std::priority_queue<std::int64_t, std::vector<std::int64_t>, std::greater<>> free_at_;
  /// When each request in the server is done, earliest first.
  std::priority_queue<std::int64_t, std::vector<std::int64_t>, std::greater<>> in_server_;
  int peak_ = 0;
};

}  // namespace itlfleet::engine
