#include "itlfleet/net/tftp_server.hpp"

#include <gtest/gtest.h>

#include "itlfleet/net/tftp_client.hpp"
#include "tftp_test_support.hpp"

namespace itlfleet::net {
namespace {

using namespace testing;

tftp_server_options fast_options() {
  tftp_server_options o;
  o.retransmit_timeout = 30ms;
  o.max_retransmits = 2;
  return o;
}

/// Downloads `name` with raw packets, ACKing each block once; returns the bytes.
bytes raw_download(raw_udp& c, const udp::endpoint& server, const std::string& name) {
  c.send(rrq(name), server);
  bytes got;
  for (std::uint16_t block = 1;; ++block) {
    auto [data, tid] = c.expect<tftp_data>();
    EXPECT_EQ(data.block, block);
    EXPECT_NE(tid.port(), server.port()) << "DATA must come from a new TID";
    got.insert(got.end(), data.payload.begin(), data.payload.end());
    c.send(tftp_ack{block}, tid);
    if (data.payload.size() < 512) return got;
  }
}

TEST(TftpServer, serves_512_byte_blocks_from_a_new_port_without_options) {
  server_harness h;
  h.files.put("ITLFile.tlv", pattern(5302));
  raw_udp c;
  EXPECT_EQ(raw_download(c, h.endpoint(), "ITLFile.tlv"), pattern(5302));
  ASSERT_TRUE(eventually([&] { return h.server().stats().files_served == 1; }));
  auto s = h.server().stats();
  EXPECT_EQ(s.requests, 1u);
  EXPECT_EQ(s.bytes_sent, 5302u);
  EXPECT_EQ(s.retransmissions, 0u);
  EXPECT_TRUE(eventually([&] { return h.server().stats().active == 0; }));
  EXPECT_EQ(h.server().stats().peak_active, 1u);
}

TEST(TftpServer, file_of_exactly_one_block_ends_with_an_empty_block) {
  server_harness h;
  h.files.put("f", pattern(512));
  raw_udp c;
  c.send(rrq("f"), h.endpoint());
  auto [d1, tid] = c.expect<tftp_data>();
  EXPECT_EQ(d1.payload.size(), 512u);
  c.send(tftp_ack{1}, tid);
  auto [d2, tid2] = c.expect<tftp_data>();
  EXPECT_EQ(d2.block, 2);
  EXPECT_EQ(d2.payload.size(), 0u);
  EXPECT_EQ(tid2, tid);
  c.send(tftp_ack{2}, tid);
  EXPECT_TRUE(eventually([&] { return h.server().stats().files_served == 1; }));
}

TEST(TftpServer, leading_slash_in_the_filename_is_ignored) {
  server_harness h;
  h.files.put("SEP001122334455.cnf.xml", pattern(100));
  raw_udp c;
  EXPECT_EQ(raw_download(c, h.endpoint(), "/SEP001122334455.cnf.xml"), pattern(100));
}

TEST(TftpServer, options_are_answered_with_an_oack_and_blksize_is_capped) {
  auto o = fast_options();
  o.max_blksize = 1024;
  server_harness h(o);
  h.files.put("f", pattern(3000));
  raw_udp c;
  c.send(rrq("f", tftp_options{1468, 0, std::nullopt}), h.endpoint());
  auto [oack, tid] = c.expect<tftp_oack>();
  EXPECT_EQ(oack.options.blksize, 1024);
  EXPECT_EQ(oack.options.tsize, 3000u);
  EXPECT_FALSE(oack.options.timeout);
  c.send(tftp_ack{0}, tid);
  bytes got;
  for (std::uint16_t b = 1; b <= 3; ++b) {
    auto [d, from] = c.expect<tftp_data>();
    EXPECT_EQ(d.block, b);
    EXPECT_EQ(from, tid);
    got.insert(got.end(), d.payload.begin(), d.payload.end());
    c.send(tftp_ack{b}, tid);
  }
  EXPECT_EQ(got, pattern(3000));
  EXPECT_TRUE(eventually([&] { return h.server().stats().files_served == 1; }));
}

TEST(TftpServer, only_unknown_options_get_data_directly) {
  server_harness h;
  h.files.put("f", pattern(10));
  raw_udp c;
  c.send(tftp_request{tftp_opcode::rrq, "f", tftp_mode::octet, {}, {{"windowsize", "4"}}},
         h.endpoint());
  auto [d, tid] = c.expect<tftp_data>();
  EXPECT_EQ(d.block, 1);
  EXPECT_EQ(bytes(d.payload.begin(), d.payload.end()), pattern(10));
}

TEST(TftpServer, duplicate_ack_does_not_send_data_twice) {
  tftp_server_options o;
  o.retransmit_timeout = 2s;  // no timeout re-send may blur the picture
  server_harness h(o);
  h.files.put("f", pattern(1500));
  raw_udp c;
  c.send(rrq("f"), h.endpoint());
  auto [d1, tid] = c.expect<tftp_data>();
  c.send(tftp_ack{1}, tid);
  c.send(tftp_ack{1}, tid);
  c.send(tftp_ack{0}, tid);  // stale
  auto [d2, from2] = c.expect<tftp_data>();
  EXPECT_EQ(d2.block, 2);
  EXPECT_FALSE(c.receive(150ms)) << "a duplicate ACK caused a second DATA";
  c.send(tftp_ack{2}, tid);
  auto [d3, from3] = c.expect<tftp_data>();
  EXPECT_EQ(d3.block, 3);
  EXPECT_EQ(d3.payload.size(), 1500u - 1024u);
  c.send(tftp_ack{3}, tid);
  ASSERT_TRUE(eventually([&] { return h.server().stats().files_served == 1; }));
  EXPECT_EQ(h.server().stats().retransmissions, 0u);
  EXPECT_EQ(h.server().stats().bytes_sent, 1500u);
}

TEST(TftpServer, retransmits_last_data_on_timeout_then_gives_up) {
  server_harness h(fast_options());
  h.files.put("f", pattern(700));
  raw_udp c;
  c.send(rrq("f"), h.endpoint());
  auto [first, tid] = c.expect<tftp_data>();
  auto [again, tid2] = c.expect<tftp_data>();  // no ACK: re-sent after 30 ms
  EXPECT_EQ(again.block, 1);
  EXPECT_EQ(tid2, tid);
  c.expect<tftp_data>();  // second and last re-send
  EXPECT_FALSE(c.receive(200ms));
  ASSERT_TRUE(eventually([&] { return h.server().stats().timed_out == 1; }));
  auto s = h.server().stats();
  EXPECT_EQ(s.retransmissions, 2u);
  EXPECT_EQ(s.active, 0u);
  EXPECT_EQ(s.files_served, 0u);
}

TEST(TftpServer, unknown_tid_gets_error_5_and_the_transfer_goes_on) {
  server_harness h;
  h.files.put("f", pattern(600));
  raw_udp c, stranger;
  c.send(rrq("f"), h.endpoint());
  auto [d1, tid] = c.expect<tftp_data>();
  stranger.send(tftp_ack{1}, tid);
  auto [err, from] = stranger.expect<tftp_error>();
  EXPECT_EQ(err.code, 5);
  EXPECT_EQ(from, tid);
  stranger.send(tftp_error{5, "Unknown transfer ID"}, tid);
  EXPECT_FALSE(stranger.receive(50ms)) << "an ERROR from a stranger was answered";
  c.send(tftp_ack{1}, tid);
  auto [d2, tid2] = c.expect<tftp_data>();
  EXPECT_EQ(d2.block, 2);
  EXPECT_EQ(d2.payload.size(), 88u);
  c.send(tftp_ack{2}, tid);
  EXPECT_TRUE(eventually([&] { return h.server().stats().files_served == 1; }));
}

TEST(TftpServer, missing_file_gets_error_1) {
  server_harness h;
  raw_udp c;
  c.send(rrq("CTLFile.tlv"), h.endpoint());
  auto [err, from] = c.expect<tftp_error>();
  EXPECT_EQ(err.code, 1);
  EXPECT_EQ(h.server().stats().not_found, 1u);
  EXPECT_EQ(h.server().stats().errors_sent, 1u);
}

TEST(TftpServer, write_request_gets_error_2) {
  server_harness h;
  h.files.put("f", pattern(1));
  raw_udp c;
  c.send(tftp_request{tftp_opcode::wrq, "f", tftp_mode::octet, {}, {}}, h.endpoint());
  EXPECT_EQ(c.expect<tftp_error>().first.code, 2);
}

TEST(TftpServer, mail_mode_gets_error_4_and_netascii_is_served_as_octet) {
  server_harness h;
  h.files.put("f", pattern(20));
  raw_udp c;
  c.send(tftp_request{tftp_opcode::rrq, "f", tftp_mode::mail, {}, {}}, h.endpoint());
  EXPECT_EQ(c.expect<tftp_error>().first.code, 4);
  c.send(tftp_request{tftp_opcode::rrq, "f", tftp_mode::netascii, {}, {}}, h.endpoint());
  auto [d, tid] = c.expect<tftp_data>();
  EXPECT_EQ(bytes(d.payload.begin(), d.payload.end()), pattern(20));
}

TEST(TftpServer, past_its_knee_every_packet_waits_the_slowdown_per_transfer_beyond_it) {
  // Knee 0: the one transfer in progress is past it, so each of the 11 DATA
  // packets of 5302 bytes takes a 40 ms turn: at least 440 ms in all (a
  // lower bound only; the server's own time comes on top).
  tftp_server_options o;
  o.knee = 0;
  o.knee_slowdown = 40ms;
  server_harness h(o);
  h.files.put("ITLFile.tlv", pattern(5302));
  raw_udp c;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(raw_download(c, h.endpoint(), "ITLFile.tlv"), pattern(5302));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 440ms);
  EXPECT_EQ(h.server().stats().retransmissions, 0u);
}

TEST(TftpServer, serving_count_reached_refuses_with_error_0) {
  auto o = fast_options();
  o.max_serving_count = 1;
  o.max_retransmits = 20;  // the held transfer stays open ~600 ms
  server_harness h(o);
  h.files.put("f", pattern(2000));
  raw_udp holder, second;
  holder.send(rrq("f"), h.endpoint());
  holder.expect<tftp_data>();  // never ACKed
  second.send(rrq("f"), h.endpoint());
  auto [err, from] = second.expect<tftp_error>();
  EXPECT_EQ(err.code, 0);
  EXPECT_EQ(err.message, "Maximum serving count reached");
  auto s = h.server().stats();
  EXPECT_EQ(s.refused, 1u);
  EXPECT_EQ(s.active, 1u);
  // Once the held transfer gives up, the slot is free again.
  ASSERT_TRUE(eventually([&] { return h.server().stats().active == 0; }));
  raw_udp third;
  EXPECT_EQ(raw_download(third, h.endpoint(), "f"), pattern(2000));
}

TEST(TftpServer, a_timeout_option_past_the_cap_is_declined_and_a_silent_peer_frees_its_slot) {
  // 2,500 requests asking `timeout 255` and never ACKing held every slot for
  // 25 minutes; now the option is declined and the first ACK has a bound.
  tftp_server_options o;
  o.max_serving_count = 1;
  o.retransmit_timeout = 200ms;
  o.max_retransmits = 1000;  // only the first-ACK bound can end the wait
  o.max_timeout = 2s;
  o.first_ack_timeout = 500ms;
  server_harness h(o);
  h.files.put("f", pattern(2000));
  raw_udp holder;
  holder.send(rrq("f", tftp_options{std::nullopt, std::nullopt, 255}), h.endpoint());
  // The only option asked is declined: DATA comes at once, no OACK.
  EXPECT_EQ(holder.expect<tftp_data>().first.block, 1);  // never ACKed
  ASSERT_TRUE(eventually([&] { return h.server().stats().timed_out == 1; }, 30'000ms));
  // The transfer counts its timeout, then gives its slot back: wait for both.
  EXPECT_TRUE(eventually([&] { return h.server().stats().active == 0; }, 30'000ms));
  raw_udp next;
  EXPECT_EQ(raw_download(next, h.endpoint(), "f"), pattern(2000));
}

TEST(TftpServer, a_timeout_option_within_the_cap_is_echoed) {
  tftp_server_options o;
  o.max_timeout = 3s;
  server_harness h(o);
  h.files.put("f", pattern(10));
  raw_udp c;
  c.send(rrq("f", tftp_options{std::nullopt, 0, 3}), h.endpoint());
  auto [oack, tid] = c.expect<tftp_oack>();
  EXPECT_EQ(oack.options.timeout, 3);
  EXPECT_EQ(oack.options.tsize, 10u);
  c.send(tftp_ack{0}, tid);
  EXPECT_EQ(c.expect<tftp_data>().first.block, 1);
  c.send(tftp_ack{1}, tid);
  EXPECT_TRUE(eventually([&] { return h.server().stats().files_served == 1; }));
}

TEST(TftpServer, a_retransmit_timeout_past_the_cap_is_clamped) {
  // A live run scales the server's timer with its clock (x100: 100 s); the
  // cap keeps a stalled transfer's slot short.
  tftp_server_options o;
  o.retransmit_timeout = std::chrono::hours(1);
  o.max_timeout = 100ms;
  o.max_retransmits = 1;
  server_harness h(o);
  h.files.put("f", pattern(2000));
  raw_udp c;
  c.send(rrq("f"), h.endpoint());
  auto [first, tid] = c.expect<tftp_data>();
  c.send(tftp_ack{1}, tid);
  EXPECT_EQ(c.expect<tftp_data>().first.block, 2);
  auto [again, tid2] = c.expect<tftp_data>(30'000ms);  // re-sent after 100 ms, not an hour
  EXPECT_EQ(again.block, 2);
  ASSERT_TRUE(eventually([&] { return h.server().stats().timed_out == 1; }, 30'000ms));
  EXPECT_EQ(h.server().stats().active, 0u);
}

TEST(TftpServer, garbage_is_counted_and_the_server_keeps_serving) {
  server_harness h;
  h.files.put("f", pattern(1000));
  raw_udp c;
  const bytes empty;
  const bytes one{0};
  const bytes no_nul{0, 1, 'f', 'i', 'l', 'e'};
  const bytes bad_opcode{0, 9, 1, 2};
  const bytes bad_blksize = [] {
    std::string s("\0\1f\0octet\0blksize\0002\0", 20);
    return bytes(s.begin(), s.end());
  }();
  bytes oversized(65500, 'x');
  oversized[0] = 0;
  oversized[1] = 1;
  oversized.back() = 0;
  for (const bytes* g : std::initializer_list<const bytes*>{&empty, &one, &no_nul, &bad_opcode,
                                                            &bad_blksize, &oversized}) {
    c.send(*g, h.endpoint());
    auto [err, from] = c.expect<tftp_error>();
    EXPECT_EQ(err.code, 4) << err.message;
  }
  // Never answered: ERRORs (no ping-pong) and non-requests on the listener.
  c.send(tftp_error{0, "hello"}, h.endpoint());
  c.send(bytes{0, 5}, h.endpoint());
  c.send(tftp_ack{1}, h.endpoint());
  c.send(tftp_data{1, {}}, h.endpoint());
  EXPECT_EQ(raw_download(c, h.endpoint(), "f"), pattern(1000));
  ASSERT_TRUE(eventually([&] { return h.server().stats().files_served == 1; }));
  auto s = h.server().stats();
  EXPECT_EQ(s.malformed, 10u);
  EXPECT_EQ(s.requests, 11u);
  EXPECT_EQ(s.errors_sent, 6u);
}

TEST(TftpServer, an_error_never_echoes_more_than_64_bytes_of_the_request) {
  server_harness h;
  raw_udp c;
  // A 60,000-byte mode string: the ERROR quotes 64 bytes of it and its length.
  std::string request("\0\1f\0", 4);
  request += std::string(60000, 'm') + std::string(1, '\0');
  c.send(bytes(request.begin(), request.end()), h.endpoint());
  auto d = c.receive();
  ASSERT_TRUE(d) << "no answer";
  EXPECT_LE(d->data.size(), 200u);
  const auto err = std::get<tftp_error>(d->packet());
  EXPECT_EQ(err.code, 4);
  EXPECT_NE(err.message.find(std::string(64, 'm') + "...(60000 bytes)"), std::string::npos)
      << err.message;
}

TEST(TftpServer, garbage_on_a_transfer_port_is_dropped) {
  server_harness h;
  h.files.put("f", pattern(600));
  raw_udp c;
  c.send(rrq("f"), h.endpoint());
  auto [d1, tid] = c.expect<tftp_data>();
  c.send(bytes{0, 4, 0}, tid);        // truncated ACK
  c.send(bytes{0, 4, 0, 1, 9}, tid);  // ACK with trailing byte
  c.send(tftp_data{1, {}}, tid);      // DATA on a read transfer
  c.send(bytes(3000, 0xff), tid);     // noise larger than the receive buffer
  EXPECT_FALSE(c.receive(100ms));
  c.send(tftp_ack{1}, tid);
  EXPECT_EQ(c.expect<tftp_data>().first.block, 2);
  c.send(tftp_ack{2}, tid);
  ASSERT_TRUE(eventually([&] { return h.server().stats().files_served == 1; }));
  EXPECT_EQ(h.server().stats().malformed, 4u);
}

TEST(TftpServer, client_error_aborts_the_transfer) {
  server_harness h;
  h.files.put("f", pattern(2000));
  raw_udp c;
  c.send(rrq("f"), h.endpoint());
  auto [d1, tid] = c.expect<tftp_data>();
  c.send(tftp_error{0, "changed my mind"}, tid);
  ASSERT_TRUE(eventually([&] { return h.server().stats().aborted == 1; }));
  EXPECT_EQ(h.server().stats().active, 0u);
}

TEST(TftpServer, stop_aborts_transfers_and_start_serves_again_on_the_same_port) {
  server_harness h(fast_options());
  h.files.put("f", pattern(1200));
  raw_udp holder;
  holder.send(rrq("f"), h.endpoint());
  holder.expect<tftp_data>();
  const auto before = h.endpoint();
  h.loop.call([&] {
    h.server().stop();
    return 0;
  });
  EXPECT_FALSE(h.server().running());
  ASSERT_TRUE(eventually([&] { return h.server().stats().active == 0; }));
  EXPECT_EQ(h.server().stats().aborted, 1u);
  raw_udp c;
  c.send(rrq("f"), before);
  EXPECT_FALSE(c.receive(100ms)) << "a stopped server answered";
  EXPECT_TRUE(h.loop.call([&] { return h.server().start().ok(); }));
  EXPECT_EQ(h.endpoint(), before);
  raw_udp c2;
  EXPECT_EQ(raw_download(c2, before, "f"), pattern(1200));
  // Stop and start again, back to back, while nothing is running.
  h.loop.call([&] {
    h.server().stop();
    return h.server().start().ok();
  });
  raw_udp c3;
  EXPECT_EQ(raw_download(c3, before, "f"), pattern(1200));
}

TEST(TftpServer, start_fails_cleanly_when_the_port_is_taken) {
  raw_udp taken;
  tftp_loop loop;
  file_tree files;
  auto ok = loop.call([&] {
    tftp_server s(loop.executor(), taken.local(), files.lookup(), {});
    auto st = s.start();
    return st.ok() ? std::string() : st.err().message;
  });
  EXPECT_NE(ok.find("cannot listen"), std::string::npos) << ok;
}

}  // namespace
}  // namespace itlfleet::net
