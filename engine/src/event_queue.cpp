#include "itlfleet/engine/event_queue.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <utility>

namespace itlfleet::engine {

event_queue::event_queue() : ring_(ring_size) {}

void event_queue::insert(const event& e) {
  ++size_;
  const std::int64_t b = bucket_of(e.time_us);
  // Nothing is scheduled in the past; an event for the bucket being drained
  // joins the late heap, so that it still comes out in (time, order) order.
  if (b <= cur_) {
    if (in_order_next_ == in_order_.size()) {
      in_order_.clear();
      in_order_next_ = 0;
    }
    if (in_order_.empty() || later{}(e, in_order_.back())) {
      in_order_.push_back(e);
    } else {
      late_.push_back(e);
      std::push_heap(late_.begin(), late_.end(), later{});
    }
  } else if (b < cur_ + static_cast<std::int64_t>(ring_size)) {
    to_ring(b, e);
  } else {
    overflow_.push(e);
  }
}

void event_queue::to_ring(std::int64_t bucket, const event& e) {
  auto& v = ring_[static_cast<std::size_t>(bucket) & (ring_size - 1)];
  if (v.capacity() == 0 && !spare_.empty()) {
    v.swap(spare_.back());
    spare_.pop_back();
  }
  v.push_back(e);
  // A bucket fills front to back, far from what the loop works on: ask for
  // the line a few events on now, so that later appends find it cached (a
  // store into an uncached line otherwise waits for it to be read).
  if (v.size() + tail_prefetch < v.capacity())
    __builtin_prefetch(v.data() + v.size() + tail_prefetch, 1);
  ++in_ring_;
}

void event_queue::recycle(std::vector<event>& emptied) {
  // Buffers move from drained buckets to filling ones instead of being
  // freed and reallocated; an outsized one (a reset storm) is let go.
  if (emptied.capacity() > 0 && emptied.capacity() <= max_pooled_capacity) {
    spare_.push_back(std::move(emptied));
  }
  std::vector<event>().swap(emptied);
}

void event_queue::advance() {
  // Only called with bucket cur_ drained: its sorted part read, no late event.
  assert(bucket_drained());
  current_.clear();
  in_order_.clear();
  in_order_next_ = 0;
  next_ = 0;
  // Skip straight to the next far event when the ring is empty.
  if (in_ring_ == 0 && !overflow_.empty())
    cur_ = std::max(cur_ + 1, bucket_of(overflow_.top().time_us));
  else
    ++cur_;
  const std::int64_t horizon = cur_ + static_cast<std::int64_t>(ring_size);
  while (!overflow_.empty() && bucket_of(overflow_.top().time_us) < horizon) {
    const event e = overflow_.top();
    overflow_.pop();
    const std::int64_t b = bucket_of(e.time_us);
    if (b <= cur_) {
      current_.push_back(e);
    } else {
      to_ring(b, e);
    }
  }
  auto& bucket = ring_[static_cast<std::size_t>(cur_) & (ring_size - 1)];
  if (!bucket.empty()) {
    in_ring_ -= bucket.size();
    if (current_.empty()) {
      current_.swap(bucket);
    } else {
      current_.insert(current_.end(), bucket.begin(), bucket.end());
      bucket.clear();
    }
    recycle(bucket);
  }
  // Sorting ascending once is cheaper than a heap pop per event, and reads
  // the bucket front to back afterwards.
  sort_current();
}

void event_queue::sort_current() {
  const auto earlier = [](const event& a, const event& b) { return later{}(b, a); };
  const std::size_t n = current_.size();
  if (n < radix_threshold) {
    std::sort(current_.begin(), current_.end(), earlier);
    return;
  }
  // A stable radix sort on (time within the bucket, observation bit): 15
  // bits, two passes of a byte or less. Equal keys keep their order, which
  // is already the insertion order: the bucket holds first the events that
  // waited in the overflow heap (taken out in (time, order) order), then
  // those pushed straight into it, each later than every overflow one
  // (pushed after the ring reached the bucket). So the result is the
  // (time, order) order std::sort gives, at a few linear passes.
  const std::int64_t base = cur_ << bucket_shift;
  const auto key = [base](const event& e) {
    return static_cast<std::uint32_t>(((e.time_us - base) << 1) | (e.order >> 63));
  };
  constexpr std::uint32_t low_bits = 8;
  constexpr std::uint32_t low_mask = (1u << low_bits) - 1;
  std::array<std::uint32_t, 1u << low_bits> low{};
  std::array<std::uint32_t, 1u << (bucket_shift + 1 - low_bits)> high{};
  for (const event& e : current_) {
    const std::uint32_t k = key(e);
    assert(k < 2u << bucket_shift);
    ++low[k & low_mask];
    ++high[k >> low_bits];
  }
  const auto starts = [](auto& counts) {
    std::uint32_t sum = 0;
    for (auto& c : counts) sum += std::exchange(c, sum);
  };
  starts(low);
  starts(high);
  scratch_.resize(n, current_.front());
  for (const event& e : current_) scratch_[low[key(e) & low_mask]++] = e;
  for (const event& e : scratch_) current_[high[key(e) >> low_bits]++] = e;
  assert(std::is_sorted(current_.begin(), current_.end(), earlier));
}

bool event_queue::empty() {
  while (bucket_drained() && size_ > 0) advance();
  return bucket_drained();
}

}  // namespace itlfleet::engine
