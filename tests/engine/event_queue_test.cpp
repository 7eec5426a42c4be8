#include "itlfleet/engine/event_queue.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <queue>
#include <vector>

namespace itlfleet::engine {
namespace {

// service and manual_action are only declared for the queue; their
// enumerators live with the engines, so the test names values by number.
const auto factory_reset = static_cast<manual_action>(1);
const auto tvs_service = static_cast<service>(1);

std::vector<event> drain(event_queue& q) {
  std::vector<event> out;
  while (!q.empty()) {
    out.push_back(q.top());
    q.pop();
  }
  return out;
}

TEST(EventQueue, every_kind_comes_back_in_time_order_with_its_payload) {
  constexpr std::int64_t hour_us = 3600LL * 1'000'000;
  event_queue q;
  // Pushed out of time order; two of them far enough ahead to wait outside
  // the ring, one in the bucket being drained.
  q.push(9 * hour_us, event::sample());
  q.push(7'000, event::tvs_done(70, 7, 3, tvs_reach::unreachable));
  q.push(1'000, event::phone_boot(10, 1));
  q.push(6'000, event::tftp_failed(60, 6, tftp_failure::not_found));
  q.push(3'000, event::phone_timer(30, 3));
  q.push(5'000, event::transfer_done(50, 5, 63, 4'000'000'000u));
  q.push(2'000, event::phone_reset(20));
  q.push(4'000, event::phone_manual(40, factory_reset));
  q.push(8'000, event::tvs_done(80, 8, 255, tvs_reach::answered));
  q.push(2 * hour_us, event::outage_end(12, tvs_service));
  q.push(10'000, event::admin_action(4'294'967'295u));
  q.push(11'000, event::daily_alert());
  q.push(0, event::tftp_failed(1, 0, tftp_failure::timed_out));
  ASSERT_EQ(q.size(), 13u);

  const auto e = drain(q);
  ASSERT_EQ(e.size(), 13u);
  for (std::size_t k = 1; k < e.size(); ++k) EXPECT_LT(e[k - 1].time_us, e[k].time_us);

  EXPECT_EQ(e[0].kind(), event_kind::tftp_failed);
  EXPECT_EQ(e[0].failure(), tftp_failure::timed_out);
  EXPECT_EQ(e[0].phone(), 1u);

  EXPECT_EQ(e[1].kind(), event_kind::phone_boot);
  EXPECT_EQ(e[1].phone(), 10u);
  EXPECT_EQ(e[1].epoch(), 1u);

  EXPECT_EQ(e[2].kind(), event_kind::phone_reset);
  EXPECT_EQ(e[2].phone(), 20u);

  EXPECT_EQ(e[3].kind(), event_kind::phone_timer);
  EXPECT_EQ(e[3].phone(), 30u);
  EXPECT_EQ(e[3].epoch(), 3u);

  EXPECT_EQ(e[4].kind(), event_kind::phone_manual);
  EXPECT_EQ(e[4].phone(), 40u);
  EXPECT_EQ(e[4].manual(), factory_reset);

  EXPECT_EQ(e[5].kind(), event_kind::transfer_done);
  EXPECT_EQ(e[5].phone(), 50u);
  EXPECT_EQ(e[5].epoch(), 5u);
  EXPECT_EQ(e[5].node(), 63);
  EXPECT_EQ(e[5].file(), 4'000'000'000u);

  EXPECT_EQ(e[6].kind(), event_kind::tftp_failed);
  EXPECT_EQ(e[6].phone(), 60u);
  EXPECT_EQ(e[6].epoch(), 6u);
  EXPECT_EQ(e[6].failure(), tftp_failure::not_found);

  EXPECT_EQ(e[7].kind(), event_kind::tvs_done);
  EXPECT_EQ(e[7].phone(), 70u);
  EXPECT_EQ(e[7].epoch(), 7u);
  EXPECT_EQ(e[7].node(), 3);
  EXPECT_EQ(e[7].tvs_outcome(), tvs_reach::unreachable);

  EXPECT_EQ(e[8].kind(), event_kind::tvs_done);
  EXPECT_EQ(e[8].phone(), 80u);
  EXPECT_EQ(e[8].node(), 255);
  EXPECT_EQ(e[8].tvs_outcome(), tvs_reach::answered);

  EXPECT_EQ(e[9].kind(), event_kind::admin_action);
  EXPECT_EQ(e[9].timeline_index(), 4'294'967'295u);

  EXPECT_EQ(e[10].kind(), event_kind::daily_alert);

  EXPECT_EQ(e[11].kind(), event_kind::outage_end);
  EXPECT_EQ(e[11].time_us, 2 * hour_us);
  EXPECT_EQ(e[11].node(), 12);
  EXPECT_EQ(e[11].service(), tvs_service);

  EXPECT_EQ(e[12].kind(), event_kind::sample);
  EXPECT_EQ(e[12].time_us, 9 * hour_us);
}

TEST(EventQueue, same_instant_keeps_push_order_with_samples_last) {
  event_queue q;
  q.push(500, event::sample());
  q.push(500, event::phone_boot(2, 0));
  q.push(500, event::admin_action(0));
  q.push(500, event::phone_boot(1, 0));
  const auto e = drain(q);
  ASSERT_EQ(e.size(), 4u);
  EXPECT_EQ(e[0].phone(), 2u);
  EXPECT_EQ(e[1].kind(), event_kind::admin_action);
  EXPECT_EQ(e[2].phone(), 1u);
  EXPECT_EQ(e[3].kind(), event_kind::sample) << "a sample observes the instant after its events";
}

/// The engines' queue beside a plain priority queue on (time, order), with
/// samples after every other event of their instant: what both give out
/// must be the same.
struct queue_and_reference {
  struct later {
    bool operator()(const event& a, const event& b) const {
      return a.time_us != b.time_us ? a.time_us > b.time_us : a.order > b.order;
    }
  };
  event_queue q;
  std::priority_queue<event, std::vector<event>, later> reference;
  std::uint64_t seq = 0;
  void push(std::int64_t t, event e) {
    q.push(t, e);
    e.time_us = t;
    e.order = seq++;
    if (e.kind() == event_kind::sample) e.order |= 1ull << 63;
    reference.push(e);
  }
};

TEST(EventQueue, events_pushed_while_their_bucket_drains_come_out_in_order_among_the_others) {
  // Against a plain priority queue on (time, order), over many buckets, with
  // half the events pushed as others come out, most of them within the
  // 16 ms bucket being drained: the engines' follow-up events.
  queue_and_reference both;
  auto& [q, reference, seq] = both;
  auto push = [&](std::int64_t t, event e) { both.push(t, e); };
  std::uint32_t phone = 0;
  for (std::int64_t t = 0; t < 2'000'000; t += 977) push(t, event::phone_boot(phone++, 0));
  std::uint64_t popped = 0;
  while (!q.empty()) {
    ASSERT_FALSE(reference.empty());
    const event e = q.top();
    ASSERT_EQ(e.time_us, reference.top().time_us);
    ASSERT_EQ(e.phone(), reference.top().phone());
    if (const event* soon = q.ahead(3)) EXPECT_GE(soon->time_us, e.time_us);
    q.pop();
    reference.pop();
    ++popped;
    // Follow-ups 0 to 20 ms later, some at the same instant.
    if (popped < 6'000)
      push(e.time_us + static_cast<std::int64_t>((popped * 7919) % 20'000),
           event::phone_timer(phone++, 0));
  }
  EXPECT_TRUE(reference.empty());
  EXPECT_EQ(popped, seq);
}

TEST(EventQueue, crowded_buckets_samples_far_events_and_replies_come_out_as_from_one_heap) {
  // Buckets of a hundred events and more (sorted by radix), samples at the
  // same instants as other events (observations last), events beyond the
  // ring, and replies a fixed delay later (queued in order while they are
  // in time order): the same order as one priority queue on (time, order).
  queue_and_reference both;
  auto& [q, reference, seq] = both;
  auto push = [&](std::int64_t t, event e) { both.push(t, e); };
  std::uint64_t x = 12345;  // a fixed LCG: the same test every run
  auto draw = [&x](std::uint64_t n) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    return (x >> 33) % n;
  };
  std::uint32_t phone = 0;
  for (int i = 0; i < 60'000; ++i) {
    const auto t = static_cast<std::int64_t>(draw(10'000) * 1'000);  // 10 s, on ms
    push(t, draw(20) == 0 ? event::sample() : event::phone_boot(phone++, 0));
  }
  std::uint64_t popped = 0;
  while (!q.empty()) {
    ASSERT_FALSE(reference.empty());
    const event e = q.top();
    ASSERT_EQ(e.time_us, reference.top().time_us);
    ASSERT_EQ(e.order, reference.top().order);
    q.pop();
    reference.pop();
    ++popped;
    if (popped >= 150'000) continue;
    switch (draw(6)) {
      case 0:
        push(e.time_us + 2'000, event::tftp_failed(phone++, 0, tftp_failure::refused));
        break;
      case 1:
        push(e.time_us + static_cast<std::int64_t>(draw(20'000)), event::phone_timer(phone++, 0));
        break;
      case 2:
        push(e.time_us + 5'000'000, event::phone_timer(phone++, 0));
        break;
      case 3:
        push(e.time_us, draw(2) ? event::sample() : event::phone_boot(phone++, 0));
        break;
      case 4:  // beyond the ring (about 4.5 minutes)
        push(e.time_us + 300'000'000 + static_cast<std::int64_t>(draw(1'000'000)),
             event::phone_boot(phone++, 0));
        break;
      default:
        break;
    }
  }
  EXPECT_TRUE(reference.empty());
  EXPECT_EQ(popped, seq);
}

#ifndef NDEBUG
TEST(EventQueueDeathTest, reading_another_kinds_payload_is_caught_in_debug_builds) {
  const event e = event::tvs_done(1, 0, 0, tvs_reach::unreachable);
  EXPECT_DEATH((void)e.failure(), "");
  EXPECT_DEATH((void)event::admin_action(3).phone(), "");
}
#endif

}  // namespace
}  // namespace itlfleet::engine
