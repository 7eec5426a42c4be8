#include "itlfleet/engine/event_queue.hpp"

#include <algorithm>
#include <cassert>

namespace itlfleet::engine {

event_queue::event_queue() : ring_(ring_size) {}

void event_queue::insert(const event& e) {
  ++size_;
  const std::int64_t b = bucket_of(e.time_us);
  // Nothing is scheduled in the past; an event for the bucket being drained
  // joins the late heap, so that it still comes out in (time, order) order.
  if (b <= cur_) {
    late_.push_back(e);
    std::push_heap(late_.begin(), late_.end(), later{});
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
  assert(next_ == current_.size() && late_.empty());
  current_.clear();
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
  std::sort(current_.begin(), current_.end(),
            [](const event& a, const event& b) { return later{}(b, a); });
}

bool event_queue::empty() {
  while (next_ == current_.size() && late_.empty() && size_ > 0) advance();
  return next_ == current_.size() && late_.empty();
}

}  // namespace itlfleet::engine
