#include "itlfleet/engine/stations.hpp"

#include <gtest/gtest.h>

namespace itlfleet::engine {
namespace {

using namespace std::chrono_literals;

TEST(TftpStation, a_5kb_itl_takes_one_round_trip_per_512_byte_block) {
  tftp_model m;
  m.rtt = 2ms;
  m.block_cost = 1us;
  tftp_station s(m);
  EXPECT_EQ(s.blocks(5302), 11);
  EXPECT_EQ(s.blocks(512), 2) << "a file of whole blocks ends with an empty block";
  EXPECT_EQ(s.start(5302, 0), (1 + 11) * 2000);
}

TEST(TftpStation, saturated_server_slows_every_transfer_down) {
  tftp_model m;
  m.rtt = 1ms;
  m.block_cost = 100us;
  m.max_serving_count = 100;
  tftp_station s(m);
  const auto alone = s.start(5302, 0);
  for (int i = 0; i < 49; ++i) s.start(5302, 0);
  const auto crowded = s.start(5302, 0);
  EXPECT_GT(crowded, alone * 4);
  EXPECT_EQ(s.active(), 51);
}

// Past the knee each transfer in progress adds knee_slowdown to a block's
// cost: throughput, active / (blocks x active x cost), falls with load.
TEST(TftpStation, past_its_knee_a_server_completes_fewer_transfers_per_second) {
  tftp_model m;
  m.rtt = 100us;
  m.block_cost = 1ms;
  m.knee = 10;
  m.knee_slowdown = 500us;
  const std::size_t size = 4587;  // 9 blocks
  EXPECT_EQ(tftp_transfer_time(m, 10, size, 0), 100 + 9 * 10 * 1000);
  EXPECT_EQ(tftp_transfer_time(m, 14, size, 0), 100 + 9 * 14 * (1000 + 4 * 500));
  const auto per_second = [&](int active) {
    return active * 1e6 / static_cast<double>(tftp_transfer_time(m, active, size, 0));
  };
  EXPECT_GT(per_second(10), 2 * per_second(20));
  m.knee_slowdown = 0us;  // no knee: saturated throughput stays flat
  EXPECT_NEAR(per_second(10), per_second(20), 1);
}

TEST(TftpStation, refuses_past_maximum_serving_count) {
  tftp_model m;
  m.max_serving_count = 2;
  tftp_station s(m);
  s.start(100, 0);
  EXPECT_FALSE(s.full());
  s.start(100, 0);
  EXPECT_TRUE(s.full());
  s.finish();
  EXPECT_FALSE(s.full());
}

TEST(TftpStation, each_lost_packet_costs_a_retransmit_timeout) {
  tftp_model m;
  tftp_station s(m);
  const auto clean = s.start(5302, 0);
  s.finish();
  EXPECT_EQ(s.start(5302, 2) - clean, 2 * m.retransmit_timeout.count());
}

TEST(TvsStation, sessions_queue_for_slots_and_give_up_past_the_timeout) {
  tvs_model m;
  m.concurrency = 1;
  m.handshake = 1s;
  m.query = 0s;
  m.timeout = 2s;
  tvs_station s(m, 0);
  EXPECT_EQ(s.admit(0), 1'000'000);
  EXPECT_EQ(s.admit(0), 2'000'000);
  EXPECT_EQ(s.admit(0), 3'000'000);
  EXPECT_EQ(s.admit(0), -1) << "the fourth would wait 3 s, past the 2 s timeout";
}

TEST(HttpStation, workers_take_requests_in_turn_and_the_serving_count_refuses_the_rest) {
  http_model h;
  h.rtt = 100us;
  h.request_cost = 1ms;
  h.workers = 2;
  h.max_serving_count = 3;
  http_station st(h);
  EXPECT_EQ(st.admit(0), 100 + 1000 + 100);  // connect, work, answer
  EXPECT_EQ(st.admit(0), 1200);              // the second worker
  EXPECT_EQ(st.admit(0), 100 + 2000 + 100);  // waits for the first worker
  EXPECT_EQ(st.admit(0), -1);                // three in the server: refused
  EXPECT_EQ(st.peak_active(), 3);
  EXPECT_EQ(st.admit(1000), 1100 + 1000 + 100);  // the first two are done by 1100
}

}  // namespace
}  // namespace itlfleet::engine
