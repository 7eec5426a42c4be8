#pragma once
/// The virtual-time event queue: ordered by time, then observations after
/// everything else at the same instant, then insertion order. Deterministic
/// by construction; no wall clock anywhere.

#include <cstdint>
#include <queue>
#include <vector>

namespace itlfleet::engine {

enum class event_kind : std::uint8_t {
  phone_boot,     ///< target phone; `epoch` must match
  phone_reset,    ///< target phone; applies whatever the epoch
  phone_timer,    ///< target phone; `epoch` must match
  phone_manual,   ///< target phone; `arg`: manual_action (fleet_run.hpp)
  transfer_done,  ///< target phone; `node`, `arg` = file: frees a TFTP slot
  tftp_failed,    ///< target phone; `arg`: tftp_failure (virtual_engine.cpp)
  tvs_done,       ///< target phone; `node`, `arg` 1 = unreachable
  admin_action,   ///< target = index into the timeline
  outage_end,     ///< target = node, `arg`: service (fleet_run.hpp)
  daily_alert,
  sample,  ///< observation: record a time-series row
};

struct event {
  std::int64_t time_us;
  std::uint64_t order;  ///< bit 63: observation; the rest: insertion sequence
  std::uint32_t target;
  std::uint32_t epoch;
  std::uint32_t arg;
  event_kind kind;
  std::uint8_t node;
};

/// A calendar queue: events within the next few minutes sit in 16 ms buckets
/// of a ring and only the current bucket is kept as a heap, so push and pop
/// cost O(1) on average instead of O(log n) over a million pending events.
/// Events further ahead wait in an ordinary heap until the ring reaches them.
class event_queue {
 public:
  event_queue();

  void push(std::int64_t time_us, event_kind kind, std::uint32_t target, std::uint32_t epoch = 0,
            std::uint32_t arg = 0, std::uint8_t node = 0) {
    std::uint64_t order = seq_++;
    if (kind == event_kind::sample) order |= observation_bit;
    insert(event{time_us, order, target, epoch, arg, kind, node});
  }
  /// True when no event is pending (settles the current bucket first).
  bool empty();
  /// The earliest event; only valid when !empty().
  const event& top() const { return current_.front(); }
  void pop();
  std::size_t size() const { return size_; }

 private:
  static constexpr std::uint64_t observation_bit = 1ull << 63;
  static constexpr int bucket_shift = 14;             ///< 16,384 us per bucket
  static constexpr std::size_t ring_size = 1u << 14;  ///< about 4.5 minutes ahead
  struct later {
    bool operator()(const event& a, const event& b) const {
      return a.time_us != b.time_us ? a.time_us > b.time_us : a.order > b.order;
    }
  };
  static std::int64_t bucket_of(std::int64_t time_us) { return time_us >> bucket_shift; }
  void insert(const event& e);
  void to_ring(std::int64_t bucket, const event& e);
  void recycle(std::vector<event>& emptied);
  void advance();
  static constexpr std::size_t max_pooled_capacity = 512;

  std::vector<event> current_;  ///< heap of the events in bucket cur_
  std::vector<std::vector<event>> ring_;
  std::vector<std::vector<event>> spare_;  ///< empty buffers with capacity, for reuse
  std::priority_queue<event, std::vector<event>, later> overflow_;
  std::int64_t cur_ = 0;
  std::size_t in_ring_ = 0;
  std::size_t size_ = 0;
  std::uint64_t seq_ = 0;
};

}  // namespace itlfleet::engine
