#include "itlfleet/net/tftp_client.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "itlfleet/net/tftp_server.hpp"
#include "tftp_test_support.hpp"

extern char** environ;

namespace itlfleet::net {
namespace {

using namespace testing;

const asio::ip::address phone = asio::ip::make_address("127.16.0.1");

struct size_case {
  std::size_t size;
  std::optional<std::uint16_t> blksize;
};

class TftpClientSizes : public ::testing::TestWithParam<size_case> {};

TEST_P(TftpClientSizes, downloads_identical_bytes_from_our_server) {
  const auto [size, blksize] = GetParam();
  server_harness h;
  h.files.put("file.bin", pattern(size, static_cast<std::uint32_t>(size)));
  auto o = quick();
  o.blksize = blksize;
  o.request_tsize = blksize.has_value();
  auto r = h.loop.run(tftp_get(phone, h.endpoint(), "file.bin", o));
  ASSERT_EQ(r.outcome, tftp_outcome::ok) << r.error_message;
  EXPECT_EQ(r.data, pattern(size, static_cast<std::uint32_t>(size)));
  EXPECT_EQ(r.retransmissions, 0u);
  EXPECT_FALSE(r.error_code);
  const std::size_t block = blksize.value_or(512);
  const std::size_t blocks = size / block + 1;
  if (blksize)
    EXPECT_GT(r.bytes_received, size + 4 * blocks);  // and the OACK
  else
    EXPECT_EQ(r.bytes_received, size + 4 * blocks);
  ASSERT_TRUE(eventually([&] { return h.server().stats().files_served == 1; }));
  EXPECT_EQ(h.server().stats().bytes_sent, size);
}

INSTANTIATE_TEST_SUITE_P(Sizes, TftpClientSizes,
                         ::testing::Values(size_case{0, {}}, size_case{511, {}}, size_case{512, {}},
                                           size_case{513, {}}, size_case{5302, {}},
                                           size_case{100 * 1024, {}}, size_case{0, 1468},
                                           size_case{511, 1468}, size_case{512, 512},
                                           size_case{513, 1468}, size_case{5302, 1468},
                                           size_case{100 * 1024, 1468}, size_case{100 * 1024, 8},
                                           size_case{100 * 1024, 65464}));

TEST(TftpClient, missing_file_is_not_found_with_code_1) {
  server_harness h;
  auto r = h.loop.run(tftp_get(phone, h.endpoint(), "nope", quick()));
  EXPECT_EQ(r.outcome, tftp_outcome::not_found);
  EXPECT_EQ(r.error_code, 1);
  EXPECT_EQ(r.error_message, "File not found");
}

TEST(TftpClient, serving_count_reached_is_refused) {
  tftp_server_options so;
  so.max_serving_count = 1;
  so.retransmit_timeout = 2s;
  server_harness h(so);
  h.files.put("f", pattern(4000));
  raw_udp holder;
  holder.send(rrq("f"), h.endpoint());
  holder.expect<tftp_data>();  // held open: never ACKed
  auto r = h.loop.run(tftp_get(phone, h.endpoint(), "f", quick()));
  EXPECT_EQ(r.outcome, tftp_outcome::refused);
  EXPECT_EQ(r.error_code, 0);
  EXPECT_EQ(r.error_message, "Maximum serving count reached");
  EXPECT_EQ(h.server().stats().refused, 1u);
}

TEST(TftpClient, injected_loss_is_recovered_by_retransmission) {
  tftp_server_options so;
  so.retransmit_timeout = 10ms;
  so.max_retransmits = 20;
  server_harness h(so);
  h.files.put("ITLFile.tlv", pattern(5302));
  h.files.put("big", pattern(100 * 1024));
  auto o = quick();
  o.loss = 0.3;
  o.seed = 7;
  o.retries = 20;
  auto r = h.loop.run(tftp_get(phone, h.endpoint(), "ITLFile.tlv", o));
  ASSERT_EQ(r.outcome, tftp_outcome::ok) << r.error_message;
  EXPECT_EQ(r.data, pattern(5302));
  EXPECT_GT(r.dropped, 0u);
  o.blksize = 1024;
  auto r2 = h.loop.run(tftp_get(phone, h.endpoint(), "big", o));
  ASSERT_EQ(r2.outcome, tftp_outcome::ok) << r2.error_message;
  EXPECT_EQ(r2.data, pattern(100 * 1024));
  EXPECT_GT(r2.dropped, 10u);
  ASSERT_TRUE(eventually([&] { return h.server().stats().files_served == 2; }));
  EXPECT_GE(h.server().stats().retransmissions, r.dropped + r2.dropped - 2);
}

TEST(TftpClient, same_seed_drops_the_same_packets) {
  tftp_server_options so;
  so.retransmit_timeout = 10ms;
  so.max_retransmits = 20;
  server_harness h(so);
  h.files.put("f", pattern(20000));
  auto o = quick();
  o.loss = 0.2;
  o.seed = 99;
  o.retries = 20;
  auto a = h.loop.run(tftp_get(phone, h.endpoint(), "f", o));
  auto b = h.loop.run(tftp_get(phone, h.endpoint(), "f", o));
  ASSERT_EQ(a.outcome, tftp_outcome::ok);
  ASSERT_EQ(b.outcome, tftp_outcome::ok);
  EXPECT_EQ(a.data, b.data);
  EXPECT_GT(a.dropped, 0u);
}

TEST(TftpClient, silent_server_times_out_after_the_retries) {
  tftp_loop loop;
  raw_udp silent;
  auto o = quick();
  o.timeout = 20ms;
  o.retries = 2;
  auto r = loop.run(tftp_get(phone, silent.local(), "f", o));
  EXPECT_EQ(r.outcome, tftp_outcome::timeout);
  EXPECT_EQ(r.retransmissions, 2u);
  int rrqs = 0;
  while (auto d = silent.receive(50ms)) rrqs += std::holds_alternative<tftp_request>(d->packet());
  EXPECT_EQ(rrqs, 3);
}

TEST(TftpClient, duplicate_data_is_acked_again_but_appended_once) {
  tftp_loop loop;
  raw_udp server;
  auto f = loop.spawn(tftp_get(phone, server.local(), "f", quick()));
  auto req = server.receive();
  ASSERT_TRUE(req);
  const udp::endpoint client = req->from;
  EXPECT_EQ(client.address(), phone);
  const bytes b1 = pattern(512);
  server.send(tftp_data{1, b1}, client);
  EXPECT_EQ(server.expect<tftp_ack>().first.block, 1);
  server.send(tftp_data{1, b1}, client);  // as if our ACK had been lost
  EXPECT_EQ(server.expect<tftp_ack>().first.block, 1);
  const bytes b2 = pattern(3, 2);
  server.send(tftp_data{2, b2}, client);
  EXPECT_EQ(server.expect<tftp_ack>().first.block, 2);
  auto r = get(f);
  ASSERT_EQ(r.outcome, tftp_outcome::ok) << r.error_message;
  bytes want = b1;
  want.insert(want.end(), b2.begin(), b2.end());
  EXPECT_EQ(r.data, want);
}

TEST(TftpClient, data_from_a_wrong_tid_gets_error_5_and_is_ignored) {
  tftp_loop loop;
  raw_udp server, other;
  auto f = loop.spawn(tftp_get(phone, server.local(), "f", quick()));
  auto req = server.receive();
  ASSERT_TRUE(req);
  const udp::endpoint client = req->from;
  server.send(tftp_data{1, pattern(512)}, client);
  server.expect<tftp_ack>();
  other.send(tftp_data{2, pattern(100, 9)}, client);
  auto [err, from] = other.expect<tftp_error>();
  EXPECT_EQ(err.code, 5);
  server.send(tftp_data{2, pattern(7, 3)}, client);
  server.expect<tftp_ack>();
  auto r = get(f);
  ASSERT_EQ(r.outcome, tftp_outcome::ok);
  EXPECT_EQ(r.data.size(), 519u);
}

TEST(TftpClient, oack_is_acked_with_block_0) {
  tftp_loop loop;
  raw_udp server;
  auto o = quick();
  o.blksize = 1024;
  o.request_tsize = true;
  auto f = loop.spawn(tftp_get(phone, server.local(), "f", o));
  auto req = server.receive();
  ASSERT_TRUE(req);
  auto q = std::get<tftp_request>(req->packet());
  EXPECT_EQ(q.options.blksize, 1024);
  EXPECT_EQ(q.options.tsize, 0u);
  server.send(tftp_oack{tftp_options{600, 700, std::nullopt}, {}}, req->from);
  EXPECT_EQ(server.expect<tftp_ack>().first.block, 0);
  server.send(tftp_data{1, pattern(600)}, req->from);
  server.expect<tftp_ack>();
  server.send(tftp_data{2, pattern(100)}, req->from);
  server.expect<tftp_ack>();
  auto r = get(f);
  ASSERT_EQ(r.outcome, tftp_outcome::ok) << r.error_message;
  EXPECT_EQ(r.data.size(), 700u);
}

TEST(TftpClient, option_refusal_retries_without_options) {
  tftp_loop loop;
  raw_udp server;
  auto o = quick();
  o.blksize = 1468;
  auto f = loop.spawn(tftp_get(phone, server.local(), "f", o));
  auto first = server.receive();
  ASSERT_TRUE(first);
  EXPECT_EQ(std::get<tftp_request>(first->packet()).options.blksize, 1468);
  server.send(tftp_error{8, "no options here"}, first->from);
  auto second = server.receive();
  ASSERT_TRUE(second);
  EXPECT_TRUE(std::get<tftp_request>(second->packet()).options.empty());
  server.send(tftp_data{1, pattern(10)}, second->from);
  server.expect<tftp_ack>();
  auto r = get(f);
  ASSERT_EQ(r.outcome, tftp_outcome::ok) << r.error_message;
  EXPECT_EQ(r.data, pattern(10));
}

TEST(TftpClient, malformed_reply_is_a_protocol_error) {
  tftp_loop loop;
  raw_udp server;
  auto f = loop.spawn(tftp_get(phone, server.local(), "f", quick()));
  auto req = server.receive();
  ASSERT_TRUE(req);
  server.send(bytes{0, 3, 0}, req->from);  // truncated DATA
  EXPECT_EQ(server.expect<tftp_error>().first.code, 4);
  EXPECT_EQ(get(f).outcome, tftp_outcome::protocol_error);
}

TEST(TftpClient, oversized_block_is_a_protocol_error) {
  tftp_loop loop;
  raw_udp server;
  auto f = loop.spawn(tftp_get(phone, server.local(), "f", quick()));
  auto req = server.receive();
  ASSERT_TRUE(req);
  server.send(tftp_data{1, pattern(513)}, req->from);  // no options: blocks are 512
  EXPECT_EQ(server.expect<tftp_error>().first.code, 4);
  EXPECT_EQ(get(f).outcome, tftp_outcome::protocol_error);
}

TEST(TftpClient, file_larger_than_max_size_is_rejected) {
  server_harness h;
  h.files.put("big", pattern(100 * 1024));
  auto o = quick();
  o.max_size = 50 * 1024;
  auto r = h.loop.run(tftp_get(phone, h.endpoint(), "big", o));
  EXPECT_EQ(r.outcome, tftp_outcome::protocol_error);
  EXPECT_LE(r.data.size(), 50u * 1024);
  // With tsize the client refuses at the OACK, before any data.
  o.request_tsize = true;
  auto r2 = h.loop.run(tftp_get(phone, h.endpoint(), "big", o));
  EXPECT_EQ(r2.outcome, tftp_outcome::protocol_error);
  EXPECT_TRUE(r2.data.empty());
  ASSERT_TRUE(eventually([&] { return h.server().stats().aborted == 2; }));
}

TEST(TftpClient, send_delay_is_applied) {
  server_harness h;
  h.files.put("f", pattern(1100));  // RRQ + 3 ACKs
  auto o = quick();
  o.delay = 20ms;
  const auto t0 = std::chrono::steady_clock::now();
  auto r = h.loop.run(tftp_get(phone, h.endpoint(), "f", o));
  ASSERT_EQ(r.outcome, tftp_outcome::ok);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 80ms);
}

TEST(TftpClient, unbindable_local_address_is_a_local_error) {
  tftp_loop loop;
  raw_udp server;
  auto r = loop.run(tftp_get(asio::ip::make_address("192.0.2.77"), server.local(), "f", quick()));
  EXPECT_EQ(r.outcome, tftp_outcome::local_error);
  EXPECT_FALSE(r.error_message.empty());
}

/// Debian's tftpd-hpa run in the foreground on a loopback port, killed at the end.
class tftpd_hpa {
 public:
  explicit tftpd_hpa(const std::filesystem::path& dir) {
    {
      raw_udp probe;  // a free port: bind, read, release
      port_ = probe.local().port();
    }
    const std::string addr = "127.0.0.1:" + std::to_string(port_);
    std::vector<std::string> args{"/usr/sbin/in.tftpd", "-L", "-a", addr, "-s", dir.string()};
    if (::geteuid() == 0) args.insert(args.end(), {"-u", "root"});
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (::posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) != 0) pid_ = -1;
  }
  ~tftpd_hpa() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  bool started() const { return pid_ > 0; }
  udp::endpoint endpoint() const { return {asio::ip::make_address("127.0.0.1"), port_}; }

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

TEST(TftpClient, downloads_from_debian_tftpd_hpa) {
  if (!std::filesystem::exists("/usr/sbin/in.tftpd")) GTEST_SKIP() << "tftpd-hpa not installed";
  const auto dir =
      std::filesystem::temp_directory_path() / ("itlfleet-tftpd-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const bytes content = pattern(5302, 42);
  const bytes big = pattern(100 * 1024, 43);
  std::ofstream(dir / "ITLFile.tlv", std::ios::binary)
      .write(reinterpret_cast<const char*>(content.data()),
             static_cast<std::streamsize>(content.size()));
  std::ofstream(dir / "big.bin", std::ios::binary)
      .write(reinterpret_cast<const char*>(big.data()), static_cast<std::streamsize>(big.size()));
  {
    tftpd_hpa server(dir);
    ASSERT_TRUE(server.started());
    tftp_loop loop;
    auto o = quick();
    o.timeout = 100ms;
    tftp_get_result r;
    for (int attempt = 0; attempt < 30; ++attempt) {  // until the daemon listens (<= ~15 s)
      r = loop.run(tftp_get(phone, server.endpoint(), "ITLFile.tlv", o));
      if (r.outcome == tftp_outcome::ok) break;
    }
    ASSERT_EQ(r.outcome, tftp_outcome::ok) << to_string(r.outcome) << " " << r.error_message;
    EXPECT_EQ(r.data, content);
    auto o2 = quick();
    o2.blksize = 1468;
    o2.request_tsize = true;
    auto r2 = loop.run(tftp_get(phone, server.endpoint(), "big.bin", o2));
    ASSERT_EQ(r2.outcome, tftp_outcome::ok) << r2.error_message;
    EXPECT_EQ(r2.data, big);
    auto r3 = loop.run(tftp_get(phone, server.endpoint(), "missing.tlv", quick()));
    EXPECT_EQ(r3.outcome, tftp_outcome::not_found);
    EXPECT_EQ(r3.error_code, 1);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace itlfleet::net
