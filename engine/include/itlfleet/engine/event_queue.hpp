#pragma once
/// The virtual-time event queue: ordered by time, then observations after
/// everything else at the same instant, then insertion order. Deterministic
/// by construction; no wall clock anywhere.

#include <cstdint>
#include <queue>
#include <vector>

namespace itlfleet::engine {

enum class event_kind : std::uint8_t {
  phone_boot,       ///< target phone; `epoch` must match
  phone_reset,      ///< target phone; applies whatever the epoch
  phone_timer,      ///< target phone; `epoch` must match
  phone_manual,     ///< target phone; `arg` 0 = delete ITL, 1 = factory reset
  transfer_done,    ///< target phone; `node`, `arg` = file: frees a TFTP slot
  tftp_failed,      ///< target phone; `arg` 0 = refused, 1 = timed out
  tvs_done,         ///< target phone; `node`, `arg` 1 = unreachable
  admin_action,     ///< target = index into the timeline
  outage_end,       ///< target = node, `arg` 0 = TFTP, 1 = TVS
  daily_alert,
  sample,           ///< observation: record a time-series row
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

class event_queue {
 public:
  void push(std::int64_t time_us, event_kind kind, std::uint32_t target, std::uint32_t epoch = 0,
            std::uint32_t arg = 0, std::uint8_t node = 0) {
    std::uint64_t order = seq_++;
    if (kind == event_kind::sample) order |= observation_bit;
    heap_.push(event{time_us, order, target, epoch, arg, kind, node});
  }
  bool empty() const { return heap_.empty(); }
  const event& top() const { return heap_.top(); }
  void pop() { heap_.pop(); }
  std::size_t size() const { return heap_.size(); }
  std::uint64_t pushed() const { return seq_; }

 private:
  static constexpr std::uint64_t observation_bit = 1ull << 63;
  struct later {
    bool operator()(const event& a, const event& b) const {
      return a.time_us != b.time_us ? a.time_us > b.time_us : a.order > b.order;
    }
  };
  std::priority_queue<event, std::vector<event>, later> heap_;
  std::uint64_t seq_ = 0;
};

}  // namespace itlfleet::engine
