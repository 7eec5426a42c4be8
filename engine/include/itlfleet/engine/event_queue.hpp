#pragma once
/// The virtual-time event queue: ordered by time, then observations after
/// everything else at the same instant, then insertion order. Deterministic
/// by construction; no wall clock anywhere.

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <queue>
#include <vector>

#include "itlfleet/plan/run_plan.hpp"

namespace itlfleet::engine {

/// Defined with the engines' shared code (fleet_run.hpp); declared here so
/// that an event can carry one.
enum class service : std::uint8_t;
enum class manual_action : std::uint8_t;

/// How a modelled TFTP request failed.
enum class tftp_failure : std::uint8_t { refused, timed_out, not_found };

/// Whether a TVS query got to a server that answers (then the answer is
/// worked out when the event fires, against the cluster as it is then).
enum class tvs_reach : std::uint8_t { answered, unreachable };

/// The phone's events come first, up to tvs_done (see event::for_phone).
enum class event_kind : std::uint8_t {
  phone_boot,     ///< `epoch` must match
  phone_reset,    ///< applies whatever the epoch
  phone_timer,    ///< `epoch` must match
  phone_manual,   ///< a manual_action
  transfer_done,  ///< a file from `node`: frees a TFTP slot there
  tftp_failed,    ///< a tftp_failure
  tvs_done,       ///< a tvs_reach for a query to `node`
  admin_action,   ///< an index into the timeline
  outage_end,     ///< a service of `node` is back
  daily_alert,
  sample,  ///< observation: record a time-series row
};

/// One pending event: built by the named constructor of its kind and read
/// with that kind's accessors (a debug build asserts that they match), so
/// that one kind's payload is never taken for another's.
class event {
 public:
  using index_type = plan::entry_index;  ///< a phone's or a timeline entry's index
  using node_index = plan::node_index;

  static event phone_boot(index_type phone, std::uint32_t epoch) {
    return {event_kind::phone_boot, phone, epoch};
  }
  static event phone_reset(index_type phone) { return {event_kind::phone_reset, phone}; }
  static event phone_timer(index_type phone, std::uint32_t epoch) {
    return {event_kind::phone_timer, phone, epoch};
  }
  static event phone_manual(index_type phone, manual_action m) {
    return {event_kind::phone_manual, phone, 0, static_cast<std::uint32_t>(m)};
  }
  /// `file`: a sim::file_id.
  static event transfer_done(index_type phone, std::uint32_t epoch, node_index node,
                             std::uint32_t file) {
    return {event_kind::transfer_done, phone, epoch, file, node};
  }
  static event tftp_failed(index_type phone, std::uint32_t epoch, tftp_failure why) {
    return {event_kind::tftp_failed, phone, epoch, static_cast<std::uint32_t>(why)};
  }
  static event tvs_done(index_type phone, std::uint32_t epoch, node_index node, tvs_reach r) {
    return {event_kind::tvs_done, phone, epoch, static_cast<std::uint32_t>(r), node};
  }
  static event admin_action(index_type timeline_index) {
    return {event_kind::admin_action, timeline_index};
  }
  static event outage_end(node_index node, engine::service s) {
    return {event_kind::outage_end, 0, 0, static_cast<std::uint32_t>(s), node};
  }
  static event daily_alert() { return {event_kind::daily_alert}; }
  static event sample() { return {event_kind::sample}; }

  event_kind kind() const { return kind_; }
  /// Whether the event is about one phone (phone_boot ... tvs_done).
  bool for_phone() const { return kind_ <= event_kind::tvs_done; }
  index_type phone() const {
    assert(for_phone());
    return target_;
  }
  /// The phone's epoch when the event was scheduled (0 for phone_reset and
  /// phone_manual, which apply whatever the epoch).
  std::uint32_t epoch() const {
    assert(for_phone());
    return epoch_;
  }
  manual_action manual() const {
    assert(kind_ == event_kind::phone_manual);
    return static_cast<manual_action>(arg_);
  }
  std::uint32_t file() const {
    assert(kind_ == event_kind::transfer_done);
    return arg_;
  }
  tftp_failure failure() const {
    assert(kind_ == event_kind::tftp_failed);
    return static_cast<tftp_failure>(arg_);
  }
  tvs_reach tvs_outcome() const {
    assert(kind_ == event_kind::tvs_done);
    return static_cast<tvs_reach>(arg_);
  }
  node_index node() const {
    assert(kind_ == event_kind::transfer_done || kind_ == event_kind::tvs_done ||
           kind_ == event_kind::outage_end);
    return node_;
  }
  index_type timeline_index() const {
    assert(kind_ == event_kind::admin_action);
    return target_;
  }
  engine::service service() const {
    assert(kind_ == event_kind::outage_end);
    return static_cast<engine::service>(arg_);
  }

  std::int64_t time_us = 0;  ///< set by event_queue::push
  std::uint64_t order = 0;   ///< bit 63: observation; the rest: insertion sequence

 private:
  event(event_kind kind, index_type target = 0, std::uint32_t epoch = 0, std::uint32_t arg = 0,
        node_index node = 0)
      : target_(target), epoch_(epoch), arg_(arg), kind_(kind), node_(node) {}

  index_type target_;  ///< the phone, or the timeline entry
  std::uint32_t epoch_;
  std::uint32_t arg_;  ///< the kind's payload: file, tftp_failure, tvs_reach, service...
  event_kind kind_;
  node_index node_;
};
// A fleet run keeps millions of events pending; every byte counts.
static_assert(sizeof(event) <= 32);

/// A calendar queue: events within the next few minutes sit in 16 ms buckets
/// of a ring, so push and pop cost O(1) on average instead of O(log n) over a
/// million pending events. The bucket being drained is sorted once when the
/// ring reaches it and read front to back; events pushed into it after that
/// (due within the current 16 ms) queue beside it, in a plain queue while
/// each comes after the one before, else in a small heap; the earliest of
/// the fronts comes out next. Events further ahead wait in an ordinary heap
/// until the ring reaches them.
class event_queue {
 public:
  event_queue();

  /// Schedules `e` (from one of event's named constructors) at `time_us`.
  void push(std::int64_t time_us, event e) {
    e.time_us = time_us;
    e.order = seq_++;
    if (e.kind() == event_kind::sample) e.order |= observation_bit;
    insert(e);
  }
  /// True when no event is pending (settles the current bucket first).
  bool empty();
  /// The earliest event; only valid when !empty().
  const event& top() const {
    switch (first()) {
      case source::in_order:
        return in_order_[in_order_next_];
      case source::heap:
        return late_.front();
      default:
        return current_[next_];
    }
  }
  void pop() {
    switch (first()) {
      case source::in_order:
        ++in_order_next_;
        break;
      case source::heap:
        std::pop_heap(late_.begin(), late_.end(), later{});
        late_.pop_back();
        break;
      default:
        assert(next_ < current_.size());
        ++next_;
        break;
    }
    --size_;
  }
  /// The sorted part of the bucket being drained, `k` places past its front
  /// (0: the front, usually the next to come out), or null; late events may
  /// come before it. For prefetching what an event will touch, never for
  /// ordering.
  const event* ahead(std::size_t k) const {
    return next_ + k < current_.size() ? &current_[next_ + k] : nullptr;
  }
  /// The earliest of the events pushed into the bucket being drained, or null.
  const event* late_front() const {
    const event* q = in_order_next_ < in_order_.size() ? &in_order_[in_order_next_] : nullptr;
    if (late_.empty()) return q;
    return q && later{}(late_.front(), *q) ? q : &late_.front();
  }
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
  /// Where the earliest pending event of the current bucket is.
  enum class source : std::uint8_t { sorted, in_order, heap };
  source first() const {
    source f = source::sorted;
    const event* best = next_ < current_.size() ? &current_[next_] : nullptr;
    if (in_order_next_ < in_order_.size() && (!best || later{}(*best, in_order_[in_order_next_]))) {
      f = source::in_order;
      best = &in_order_[in_order_next_];
    }
    if (!late_.empty() && (!best || later{}(*best, late_.front()))) f = source::heap;
    return f;
  }
  /// Nothing of the current bucket is left (sorted part, late events).
  bool bucket_drained() const {
    return next_ == current_.size() && in_order_next_ == in_order_.size() && late_.empty();
  }
  void to_ring(std::int64_t bucket, const event& e);
  void recycle(std::vector<event>& emptied);
  void advance();
  /// Sorts current_ by (time, order); see the definition for why a radix
  /// sort on the time alone gives that order.
  void sort_current();
  /// Smaller buckets are sorted by comparison.
  static constexpr std::size_t radix_threshold = 64;
  static constexpr std::size_t max_pooled_capacity = 512;
  /// How many events past a ring bucket's end to_ring() prefetches.
  static constexpr std::size_t tail_prefetch = 4;

  std::vector<event> current_;  ///< bucket cur_, sorted by (time, order); read from next_
  std::size_t next_ = 0;
  std::vector<event> scratch_;  ///< sort_current()'s second buffer
  /// Events pushed into bucket cur_ once sorted: those that come after
  /// every one before them (a reply a fixed round trip later, the usual
  /// case) queue in order in in_order_, read from in_order_next_; the
  /// others wait in the heap late_. The earliest of the three fronts
  /// (current_, in_order_, late_) comes out next.
  std::vector<event> in_order_;
  std::size_t in_order_next_ = 0;
  std::vector<event> late_;
  std::vector<std::vector<event>> ring_;
  std::vector<std::vector<event>> spare_;  ///< empty buffers with capacity, for reuse
  std::priority_queue<event, std::vector<event>, later> overflow_;
  std::int64_t cur_ = 0;
  std::size_t in_ring_ = 0;
  std::size_t size_ = 0;
  std::uint64_t seq_ = 0;
};

}  // namespace itlfleet::engine
