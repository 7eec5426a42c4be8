// Phones' TFTP exchanges over a udp_mux: a few shared sockets, each phone
// still seen by the server at its own address; and the client's bounds
// against hostile servers (a file without end, a slow drip).

#include "itlfleet/net/udp_mux.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "itlfleet/net/tftp_client.hpp"
#include "tftp_test_support.hpp"

namespace itlfleet::net {
namespace {

using namespace testing;

asio::ip::address phone(int i) {
  return asio::ip::make_address("127.16.0." + std::to_string(1 + i));
}

/// Descriptors this process holds, not counting the one the listing of
/// /proc/self/fd itself holds while it reads.
std::size_t open_descriptors() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n - 1;
}

TEST(UdpMux, phones_share_a_few_sockets_and_keep_their_own_addresses) {
  server_harness h;
  h.files.put("ITLFile.tlv", pattern(5302));
  std::unique_ptr<udp_mux> mux =
      h.loop.call([&] { return std::make_unique<udp_mux>(h.loop.executor(), 2); });
  const std::size_t before = open_descriptors();
  std::vector<std::future<tftp_get_result>> fs;
  for (int i = 0; i < 40; ++i)
    fs.push_back(h.loop.spawn(tftp_get(*mux, phone(i), h.endpoint(), "ITLFile.tlv", quick())));
  for (auto& f : fs) {
    auto r = get(f);
    ASSERT_EQ(r.outcome, tftp_outcome::ok) << r.error_message;
    EXPECT_EQ(r.data, pattern(5302));
    EXPECT_EQ(r.failure, tftp_failure::none);
  }
  const auto st = h.loop.call([&] { return mux->stats(); });
  EXPECT_LE(st.sockets, 2u);
  EXPECT_EQ(st.exchanges, 0u);
  EXPECT_GT(st.peak_exchanges, 1u);
  ASSERT_TRUE(eventually([&] { return h.server().stats().files_served == 40; }));
  // Once the server has closed its transfer sockets, ours are the mux's two.
  EXPECT_TRUE(eventually([&] { return open_descriptors() <= before + 2; }));
  h.loop.call([&] {
    mux.reset();
    return 0;
  });
}

TEST(UdpMux, the_server_sees_each_phone_at_its_own_address) {
  tftp_loop loop;
  raw_udp server("127.0.1.9");
  udp_mux mux(loop.executor());
  auto a = loop.spawn(tftp_get(mux, phone(7), server.local(), "a", quick()));
  auto b = loop.spawn(tftp_get(mux, phone(8), server.local(), "b", quick()));
  std::set<std::string> seen;
  for (int k = 0; k < 2; ++k) {
    auto [rq, from] = server.expect<tftp_request>();
    seen.insert(from.address().to_string());
    // Answer each at once with a one-block file naming what it asked for.
    const bytes body(rq.filename.begin(), rq.filename.end());
    server.send(tftp_data{1, body}, from);
  }
  EXPECT_EQ(seen, (std::set<std::string>{"127.16.0.8", "127.16.0.9"}));
  auto ra = get(a);
  auto rb = get(b);
  ASSERT_EQ(ra.outcome, tftp_outcome::ok) << ra.error_message;
  ASSERT_EQ(rb.outcome, tftp_outcome::ok) << rb.error_message;
  EXPECT_EQ(ra.data, bytes{'a'});
  EXPECT_EQ(rb.data, bytes{'b'});
  loop.call([&] {
    mux.close();
    return 0;
  });
}

TEST(UdpMux, a_second_exchange_from_one_address_takes_another_socket) {
  server_harness h;
  h.files.put("f", pattern(3000));
  std::unique_ptr<udp_mux> mux =
      h.loop.call([&] { return std::make_unique<udp_mux>(h.loop.executor(), 1); });
  // Two exchanges open at once from one address: the second cannot share
  // the first's socket (replies are told apart by address), so it gets
  // another. Opened directly, so that neither can finish before the other
  // starts.
  const std::size_t sockets_for_two = h.loop.call([&] {
    boost::system::error_code ec1, ec2;
    auto first = mux->open(phone(3).to_v4(), ec1);
    auto second = mux->open(phone(3).to_v4(), ec2);
    return first && second && !ec1 && !ec2 ? mux->stats().sockets : std::size_t{0};
  });
  EXPECT_EQ(sockets_for_two, 2u);
  // And both downloads still arrive whole.
  auto a = h.loop.spawn(tftp_get(*mux, phone(3), h.endpoint(), "f", quick()));
  auto b = h.loop.spawn(tftp_get(*mux, phone(3), h.endpoint(), "f", quick()));
  EXPECT_EQ(get(a).data, pattern(3000));
  EXPECT_EQ(get(b).data, pattern(3000));
  h.loop.call([&] {
    mux.reset();
    return 0;
  });
}

TEST(UdpMux, a_late_reply_to_a_phones_last_download_is_not_taken_for_its_next_one) {
  // A phone's downloads share its address and the socket's port, so a DATA
  // the server sends again for the last file (it missed our final ACK)
  // reaches the phone while it waits for the next one: under loss, a config
  // once began with the ITL's first block and was rejected as unsigned.
  tftp_loop loop;
  raw_udp listener("127.0.1.9"), first_transfer("127.0.1.9"), second_transfer("127.0.1.9");
  udp_mux mux(loop.executor(), 1);
  auto a = loop.spawn(tftp_get(mux, phone(5), listener.local(), "ITLSEP.tlv", quick()));
  auto [rq_a, phone_a] = listener.expect<tftp_request>();
  first_transfer.send(tftp_data{1, bytes{'i', 't', 'l'}}, phone_a);
  const auto ra = get(a);
  ASSERT_EQ(ra.outcome, tftp_outcome::ok) << ra.error_message;
  EXPECT_EQ(ra.data, (bytes{'i', 't', 'l'}));

  auto b = loop.spawn(tftp_get(mux, phone(5), listener.local(), "SEP.cnf.xml.sgn", quick()));
  auto [rq_b, phone_b] = listener.expect<tftp_request>();
  ASSERT_EQ(phone_b, phone_a);  // the same address and port: the case in point
  first_transfer.send(tftp_data{1, bytes{'i', 't', 'l'}}, phone_b);  // late, sent again
  second_transfer.send(tftp_data{1, bytes{'c', 'f', 'g'}}, phone_b);
  const auto rb = get(b);
  ASSERT_EQ(rb.outcome, tftp_outcome::ok) << rb.error_message;
  EXPECT_EQ(rb.data, (bytes{'c', 'f', 'g'}));
  EXPECT_GE(loop.call([&] { return mux.stats().unmatched; }), 1u);
  loop.call([&] {
    mux.close();
    return 0;
  });
}

TEST(UdpMux, a_transfer_the_last_download_never_heard_does_not_reach_the_next) {
  // Under load a phone sends its request again, the server starts a second
  // transfer for it after the phone finished with the first, and that
  // transfer's first DATA comes from a peer the phone never heard. On the
  // same port it was taken for the next file: 75 of 5,000 phones of a
  // loaded burst ended with their config rejected. Each download now has
  // a port of its own, as a phone in the field takes.
  tftp_loop loop;
  raw_udp listener("127.0.1.9"), answered("127.0.1.9"), unheard("127.0.1.9"),
      next_transfer("127.0.1.9");
  udp_mux mux(loop.executor(), 2);
  auto a = loop.spawn(tftp_get(mux, phone(6), listener.local(), "ITLSEP.tlv", quick()));
  auto [rq_a, phone_a] = listener.expect<tftp_request>();
  answered.send(tftp_data{1, bytes{'i', 't', 'l'}}, phone_a);
  ASSERT_EQ(get(a).outcome, tftp_outcome::ok);

  auto b = loop.spawn(tftp_get(mux, phone(6), listener.local(), "SEP.cnf.xml.sgn", quick()));
  auto [rq_b, phone_b] = listener.expect<tftp_request>();
  EXPECT_EQ(phone_b.address(), phone_a.address()) << "the phone's own address";
  EXPECT_NE(phone_b.port(), phone_a.port()) << "a port of its own for each download";
  unheard.send(tftp_data{1, bytes{'i', 't', 'l'}}, phone_a);  // the second transfer's first DATA
  for (int i = 0; i < 200 && loop.call([&] { return mux.stats().unmatched; }) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(loop.call([&] { return mux.stats().unmatched; }), 1u);
  next_transfer.send(tftp_data{1, bytes{'c', 'f', 'g'}}, phone_b);
  const auto rb = get(b);
  ASSERT_EQ(rb.outcome, tftp_outcome::ok) << rb.error_message;
  EXPECT_EQ(rb.data, (bytes{'c', 'f', 'g'}));
  loop.call([&] {
    mux.close();
    return 0;
  });
}

TEST(UdpMux, exchanges_from_the_unspecified_address_each_get_a_socket_and_their_replies) {
  // Phones behind one host address (a pod's) send from 0.0.0.0: the kernel
  // picks the source, each exchange owns a socket's port while it lasts,
  // and every download arrives whole, whichever address the reply came to.
  server_harness h;
  h.files.put("f", pattern(4000));
  std::unique_ptr<udp_mux> mux =
      h.loop.call([&] { return std::make_unique<udp_mux>(h.loop.executor(), 2); });
  const auto any = asio::ip::address_v4::any();
  std::vector<std::future<tftp_get_result>> fs;
  for (int i = 0; i < 6; ++i)
    fs.push_back(h.loop.spawn(tftp_get(*mux, any, h.endpoint(), "f", quick())));
  for (auto& f : fs) {
    auto r = get(f);
    ASSERT_EQ(r.outcome, tftp_outcome::ok) << r.error_message;
    EXPECT_EQ(r.data, pattern(4000));
  }
  const auto st = h.loop.call([&] { return mux->stats(); });
  EXPECT_GE(st.sockets, st.peak_exchanges) << "one exchange from 0.0.0.0 per socket";
  EXPECT_EQ(st.unmatched, 0u);
  h.loop.call([&] {
    mux.reset();
    return 0;
  });
}

TEST(UdpMux, no_descriptor_for_a_socket_is_a_local_descriptors_failure) {
#if defined(__SANITIZE_ADDRESS__)
  // UBSan's dynamic type checks look the vtable up through the process's
  // memory map, which they open as a file: with no descriptor left they
  // report "invalid vptr" for sound objects. The release build runs this.
  GTEST_SKIP() << "needs every descriptor gone, which the sanitizers' runtime cannot bear";
#endif
  tftp_loop loop;
  raw_udp server;
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  udp_mux mux(loop.executor());
  // Asio's reactor and socket services take descriptors of their own when
  // first used; create them now, so that under the limit only the sockets
  // under test fail (a service that fails half-built is Asio's problem, and
  // UBSan reports it).
  loop.call([&] {
    asio::ip::udp::socket warm(loop.executor(), asio::ip::udp::endpoint(asio::ip::udp::v4(), 0));
    asio::steady_timer timer(loop.executor());
    return 0;
  });
  // No descriptor left: the mux cannot open its first socket.
  rlimit tight = saved;
  // The limit bounds descriptor numbers, not their count: below the lowest
  // free number every descriptor is taken, so a limit there leaves none.
  const int lowest_free = ::dup(0);
  ASSERT_GE(lowest_free, 0);
  ::close(lowest_free);
  tight.rlim_cur = static_cast<rlim_t>(lowest_free);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &tight), 0);
  auto r = loop.run(tftp_get(mux, phone(1), server.local(), "f", quick()));
  auto r2 = loop.run(tftp_get(phone(2), server.local(), "f", quick()));
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
  EXPECT_EQ(r.outcome, tftp_outcome::local_error);
  EXPECT_EQ(r.failure, tftp_failure::descriptors) << r.error_message;
  EXPECT_EQ(r2.outcome, tftp_outcome::local_error);
  EXPECT_EQ(r2.failure, tftp_failure::descriptors) << r2.error_message;
  loop.call([&] {
    mux.close();
    return 0;
  });
}

/// A hostile TFTP server on its own thread: answers the request and every
/// ACK with the next full 512-byte block, after `pause`, until the client
/// stops (an ERROR, or silence) or `max_blocks` were sent.
class endless_server {
 public:
  endless_server(std::chrono::milliseconds pause, int max_blocks)
      : thread_([this, pause, max_blocks] { serve(pause, max_blocks); }) {}
  ~endless_server() { thread_.join(); }
  udp::endpoint endpoint() const { return sock_.local(); }
  int blocks_sent() const { return sent_; }
  bool got_error() const { return error_; }

 private:
  void serve(std::chrono::milliseconds pause, int max_blocks) {
    auto first = sock_.receive(5000ms);
    if (!first) return;
    const udp::endpoint peer = first->from;
    for (int block = 1; block <= max_blocks; ++block) {
      if (pause.count() > 0) std::this_thread::sleep_for(pause);
      sock_.send(tftp_data{static_cast<std::uint16_t>(block), pattern(512)}, peer);
      ++sent_;
      auto reply = sock_.receive(2000ms);
      if (!reply) return;
      if (std::holds_alternative<tftp_error>(reply->packet())) {
        error_ = true;
        return;
      }
    }
  }

  raw_udp sock_{"127.0.1.10"};
  std::atomic<int> sent_{0};
  std::atomic<bool> error_{false};
  std::thread thread_;
};

TEST(TftpClientBounds, a_file_without_end_is_refused_at_the_cap) {
  tftp_loop loop;
  endless_server server(0ms, 1000);
  udp_mux mux(loop.executor());
  auto o = quick();
  o.max_size = 64 * 1024 + 1024;
  auto r = loop.run(tftp_get(mux, phone(4), server.endpoint(), "ITLFile.tlv", o), 60s);
  EXPECT_EQ(r.outcome, tftp_outcome::protocol_error);
  EXPECT_EQ(r.failure, tftp_failure::too_large) << r.error_message;
  EXPECT_LE(r.data.size(), o.max_size);
  EXPECT_LE(r.bytes_received, o.max_size + o.max_size / 64 + 1024);  // with the headers
  loop.call([&] {
    mux.close();
    return 0;
  });
}

TEST(TftpClientBounds, a_slow_drip_is_cut_at_the_transfer_deadline) {
  tftp_loop loop;
  // Each block well inside the 400 ms per-packet timeout, forever.
  endless_server server(50ms, 400);
  udp_mux mux(loop.executor());
  auto o = quick();
  o.timeout = 400ms;
  o.deadline = 500ms;
  auto r = loop.run(tftp_get(mux, phone(5), server.endpoint(), "SEP.cnf.xml.sgn", o), 60s);
  EXPECT_EQ(r.outcome, tftp_outcome::timeout);
  EXPECT_EQ(r.failure, tftp_failure::deadline) << r.error_message;
  EXPECT_GT(r.data.size(), 0u);
  EXPECT_LT(r.data.size(), 400u * 512);
  loop.call([&] {
    mux.close();
    return 0;
  });
}

TEST(TftpClientBounds, each_protocol_error_keeps_its_kind) {
  tftp_loop loop;
  raw_udp server("127.0.1.11");
  udp_mux mux(loop.executor());
  auto run = [&](const bytes& reply) {
    auto f = loop.spawn(tftp_get(mux, phone(6), server.local(), "f", quick()));
    auto req = server.receive();
    if (!req) throw std::runtime_error("no request");
    server.send(reply, req->from);
    auto r = get(f);
    while (server.receive(300ms)) {
    }
    return r;
  };
  EXPECT_EQ(run(bytes{0, 3, 0}).failure, tftp_failure::malformed);
  EXPECT_EQ(run(encode_tftp_packet(tftp_data{1, pattern(513)})).failure,
            tftp_failure::oversized_block);
  tftp_oack oack;
  oack.options.blksize = 1024;
  EXPECT_EQ(run(encode_tftp_packet(oack)).failure, tftp_failure::unrequested_oack);
  auto access = run(encode_tftp_error(tftp_error_code::access_violation, "go away"));
  EXPECT_EQ(access.failure, tftp_failure::error_packet);
  EXPECT_EQ(access.error_code, 2);
  EXPECT_EQ(access.error_message, "go away");
  loop.call([&] {
    mux.close();
    return 0;
  });
}

}  // namespace
}  // namespace itlfleet::net
