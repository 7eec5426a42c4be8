#include "itlfleet/net/tvs_load.hpp"

#include <gtest/gtest.h>

#include "itlfleet/host/key_cache.hpp"

#include <future>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "itlfleet/net/address_plan.hpp"
#include "itlfleet/net/tvs_server.hpp"
#include "itlfleet/sim/crypto.hpp"

namespace itlfleet::net {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

TEST(TvsLoad, counts_every_connection_and_reports_rates) {
  sim::pki_options o;
  o.seed = "tvs-load-test";
  o.cache = host::default_key_store();
  sim::identity_factory factory(o);
  const auto tvs = factory.make(sim::cert_purpose::tvs, "tvs.example.com");
  const auto signer = factory.make(sim::cert_purpose::callmanager, "cm.example.com").cert;

  asio::io_context io;
  auto guard = asio::make_work_guard(io);
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) threads.emplace_back([&] { io.run(); });
  {
    tvs_server server(io.get_executor(), tcp::endpoint(asio::ip::address_v4::loopback(), 0), tvs,
                      [&](const tvs_lookup_query& q) {
                        return tvs_verdict{q.certificate == signer.der(), {0, 3}, 86400, {}};
                      });
    ASSERT_TRUE(server.start().ok());
    auto ctx = make_tvs_client_context();
    tvs_client_request req;
    req.device_name = "CP-8861-SEP001E7A000001";
    req.certificate = signer.der();
    req.trusted_server_sha1 = {tvs.cert.sha1()};
    tvs_load_options lo;
    lo.clients = 4;
    lo.connections = 40;
    lo.sources = {*phone_address(0), *phone_address(1), *phone_address(2)};
    auto f = asio::co_spawn(io, measure_tvs_load(server.local_endpoint(), ctx, req, lo),
                            asio::use_future);
    ASSERT_EQ(f.wait_for(30s), std::future_status::ready);
    const auto r = f.get();
    EXPECT_EQ(r.connections, 40u);
    EXPECT_EQ(r.handshakes, 40u);
    EXPECT_EQ(r.valid, 40u);
    EXPECT_EQ(r.unreachable + r.invalid + r.untrusted_server + r.protocol_errors, 0u);
    EXPECT_GT(r.handshakes_per_second(), 0.0);
    EXPECT_GT(r.queries_per_second(), 0.0);
    EXPECT_EQ(server.stats().queries_valid, 40u);
    EXPECT_EQ(server.stats().connections, 40u);
    EXPECT_GE(server.stats().peak_sessions, 1u);
  }
  guard.reset();
  io.stop();
  for (auto& t : threads) t.join();
}

}  // namespace
}  // namespace itlfleet::net
