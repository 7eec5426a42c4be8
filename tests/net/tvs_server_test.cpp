#include "itlfleet/net/tvs_server.hpp"

#include <gtest/gtest.h>

#include "itlfleet/host/key_cache.hpp"

#include <atomic>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>

#include "itlfleet/net/tvs_client.hpp"
#include "itlfleet/sim/crypto.hpp"

namespace itlfleet::net {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using asio::ip::tcp;
using namespace std::chrono_literals;
using namespace asio::experimental::awaitable_operators;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

sim::identity_factory& factory() {
  static sim::identity_factory f([] {
    sim::pki_options o;
    o.seed = "tvs-server-test";
    o.cache = host::default_key_store();
    return o;
  }());
  return f;
}

sim::identity make(sim::cert_purpose p, const std::string& cn, int generation = 0, int bits = 0) {
  return factory().make(p, cn, generation, bits);
}

/// A trust store: certificates the TVS vouches for, with their roles.
struct trust_store {
  std::map<bytes, std::pair<sim::certificate, bytes>> by_sha1;
  std::atomic<int> lookups{0};

  void add(const sim::certificate& c, bytes roles) { by_sha1[c.sha1()] = {c, std::move(roles)}; }

  tvs_verdict operator()(const tvs_lookup_query& q) {
    ++lookups;
    for (const auto& [sha1, entry] : by_sha1) {
      const auto& [cert, roles] = entry;
      const bool match = q.command == tvs_command::verify_request
                             ? cert.der() == q.certificate
                             : cert.serial() == q.serial && cert.issuer() == q.issuer;
      if (match) return {true, roles, 86400, cert.der()};
    }
    return {};
  }
};

class TvsServerTest : public ::testing::Test {
 protected:
  TvsServerTest() : guard_(io_.get_executor()) {
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run(); });
    known_ = make(sim::cert_purpose::callmanager, "cucm-pub.example.com").cert;
    unknown_ = make(sim::cert_purpose::callmanager, "rogue.example.com").cert;
    tvs_id_ = make(sim::cert_purpose::tvs, "cucm-pub.example.com");
    store_.add(known_, bytes{0, 3});
  }
  ~TvsServerTest() override {
    server_.reset();
    guard_.reset();
    io_.stop();
    for (auto& t : threads_) t.join();
  }

  tvs_server& start(tvs_server_options options = {}, std::optional<sim::identity> id = {}) {
    server_.emplace(
        io_.get_executor(), tcp::endpoint(asio::ip::address_v4::loopback(), 0), id ? *id : tvs_id_,
        [this](const tvs_lookup_query& q) { return store_(q); }, std::move(options));
    auto st = server_->start();
    EXPECT_TRUE(st.ok()) << (st ? "" : st.err().to_string());
    return *server_;
  }

  /// Runs `a` on the pool and waits for it, at most `limit`.
  template <class T>
  T run(asio::awaitable<T> a, std::chrono::seconds limit = 60s) {
    // On a strand: awaitable operators must not complete on two threads at once.
    auto f = asio::co_spawn(asio::make_strand(io_), std::move(a), asio::use_future);
    if (f.wait_for(limit) != std::future_status::ready) throw std::runtime_error("stalled");
    return f.get();
  }

  tvs_client_result query(tvs_client_request req, std::chrono::milliseconds timeout = 5000ms,
                          std::optional<tcp::endpoint> to = {},
                          asio::ip::address from = asio::ip::make_address("127.0.0.23")) {
    return run(tvs_query(from, to ? *to : server_->local_endpoint(), client_ctx_, std::move(req),
                         timeout));
  }

  tvs_client_request verify(const sim::certificate& c) const {
    tvs_client_request r;
    r.device_name = "CP-8861-SEP001E7A000001";
    r.certificate = c.der();
    r.trusted_server_sha1 = {tvs_id_.cert.sha1()};
    return r;
  }
  tvs_client_request query_cert(const sim::certificate& c) const {
    tvs_client_request r;
    r.device_name = "CP-7965-SEP001E7A000002";
    r.subject = c.subject();
    r.issuer = c.issuer();
    r.serial = c.serial();
    r.trusted_server_sha1 = {tvs_id_.cert.sha1()};
    return r;
  }

  /// TLS-connects and sends `data`, then reads until the server closes;
  /// returns the bytes received, or nothing when the connection failed or
  /// the server did not close it within 5 s.
  asio::awaitable<std::optional<bytes>> send_over_tls(tcp::endpoint ep, bytes data) {
    ssl::stream<tcp::socket> s(co_await asio::this_coro::executor, client_ctx_);
    auto [ec] = co_await s.next_layer().async_connect(ep, use_tuple);
    if (!ec) std::tie(ec) = co_await s.async_handshake(ssl::stream_base::client, use_tuple);
    if (!ec)
      std::tie(ec, std::ignore) = co_await asio::async_write(s, asio::buffer(data), use_tuple);
    std::optional<bytes> got;
    if (!ec) {
      bytes buf(4096);
      asio::steady_timer timer(s.get_executor(), 5s);
      auto r = co_await (asio::async_read(s, asio::buffer(buf), use_tuple) ||
                         timer.async_wait(use_tuple));
      if (r.index() == 0) {
        buf.resize(std::get<1>(std::get<0>(r)));
        got = std::move(buf);
      }
    }
    co_return got;
  }

  /// Opens a TLS session from `from`, sends `wire` every `every` (at most
  /// `most` times, reading each answer), then waits at most 30 s for the
  /// server to close the connection. Returns the answers read, or -1 when
  /// the session could not be opened or the server did not close it.
  asio::awaitable<int> hold_session(tcp::endpoint ep, asio::ip::address from, bytes wire,
                                    std::chrono::milliseconds every, int most) {
    ssl::stream<tcp::socket> s(co_await asio::this_coro::executor, client_ctx_);
    boost::system::error_code ec;
    s.next_layer().open(ep.protocol(), ec);
    if (!ec) s.next_layer().bind(tcp::endpoint(from, 0), ec);
    if (!ec) std::tie(ec) = co_await s.next_layer().async_connect(ep, use_tuple);
    if (!ec) std::tie(ec) = co_await s.async_handshake(ssl::stream_base::client, use_tuple);
    if (ec) co_return -1;
    int answers = 0;
    bytes buf(4096);
    for (int i = 0; i < most; ++i) {
      auto [write_error, w] = co_await asio::async_write(s, asio::buffer(wire), use_tuple);
      if (write_error) co_return answers;
      auto [read_error, r] = co_await s.async_read_some(asio::buffer(buf), use_tuple);
      if (read_error) co_return answers;
      ++answers;
      asio::steady_timer pause(s.get_executor(), every);
      co_await pause.async_wait(use_tuple);
    }
    asio::steady_timer timer(s.get_executor(), 30s);
    auto r =
        co_await (s.async_read_some(asio::buffer(buf), use_tuple) || timer.async_wait(use_tuple));
    co_return r.index() == 0 ? answers : -1;
  }

  /// A raw TCP connection from `from` that never starts TLS.
  std::unique_ptr<tcp::socket> silent_peer(const char* from) {
    auto s = std::make_unique<tcp::socket>(io_);
    s->open(tcp::v4());
    s->bind(tcp::endpoint(asio::ip::make_address(from), 0));
    s->connect(server_->local_endpoint());
    return s;
  }

  /// Polls the server's counters until `pred` holds, at most 30 s.
  template <class Pred>
  bool eventually(Pred pred) {
    for (int i = 0; i < 3000 && !pred(server_->stats()); ++i) std::this_thread::sleep_for(10ms);
    return pred(server_->stats());
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::vector<std::thread> threads_;
  ssl::context client_ctx_ = make_tvs_client_context();
  trust_store store_;
  sim::certificate known_, unknown_;
  sim::identity tvs_id_;
  std::optional<tvs_server> server_;
};

TEST_F(TvsServerTest, verify_answers_valid_for_a_known_certificate_and_invalid_otherwise) {
  auto& server = start();
  auto ok = query(verify(known_));
  EXPECT_EQ(ok.outcome, tvs_outcome::valid) << ok.detail;
  EXPECT_EQ(ok.roles, (bytes{0, 3}));
  EXPECT_EQ(ok.ttl, 86400u);
  EXPECT_EQ(ok.server_certificate, tvs_id_.cert.der());
  EXPECT_EQ(ok.server_sha1, tvs_id_.cert.sha1());
  EXPECT_EQ(ok.signer_certificate, known_.der());

  auto bad = query(verify(unknown_));
  EXPECT_EQ(bad.outcome, tvs_outcome::invalid) << bad.detail;
  EXPECT_TRUE(bad.roles.empty());
  EXPECT_EQ(bad.ttl, 0u);

  const auto s = server.stats();
  EXPECT_EQ(s.connections, 2u);
  EXPECT_EQ(s.handshakes_ok, 2u);
  EXPECT_EQ(s.queries_valid, 1u);
  EXPECT_EQ(s.queries_invalid, 1u);
  EXPECT_EQ(s.malformed, 0u);
  EXPECT_GE(s.peak_sessions, 1u);
}

TEST_F(TvsServerTest, lookup_sees_the_device_name_and_the_phone_address) {
  std::string device;
  asio::ip::address peer;
  std::mutex m;
  server_.emplace(io_.get_executor(), tcp::endpoint(asio::ip::address_v4::loopback(), 0), tvs_id_,
                  [&](const tvs_lookup_query& q) {
                    std::lock_guard lock(m);
                    device = q.device_name;
                    peer = q.peer;
                    return tvs_verdict{};
                  });
  ASSERT_TRUE(server_->start().ok());
  auto r = query(verify(known_), 5000ms, {}, asio::ip::make_address("127.0.0.77"));
  EXPECT_EQ(r.outcome, tvs_outcome::invalid);
  std::lock_guard lock(m);
  EXPECT_EQ(device, "CP-8861-SEP001E7A000001");
  EXPECT_EQ(peer, asio::ip::make_address("127.0.0.77"));
}

TEST_F(TvsServerTest, query_cert_valid_returns_the_certificate_and_invalid_returns_none) {
  auto& server = start();
  auto ok = query(query_cert(known_));
  ASSERT_EQ(ok.outcome, tvs_outcome::valid) << ok.detail;
  EXPECT_EQ(ok.signer_certificate, known_.der());
  EXPECT_EQ(ok.roles, (bytes{0, 3}));

  auto bad = query(query_cert(unknown_));
  EXPECT_EQ(bad.outcome, tvs_outcome::invalid) << bad.detail;
  EXPECT_TRUE(bad.signer_certificate.empty());
  EXPECT_EQ(server.stats().queries_valid, 1u);
  EXPECT_EQ(server.stats().queries_invalid, 1u);
}

TEST_F(TvsServerTest, a_server_certificate_not_in_the_itl_aborts_before_asking) {
  auto& server = start();
  auto req = verify(known_);
  req.trusted_server_sha1 = {unknown_.sha1()};
  auto r = query(req);
  EXPECT_EQ(r.outcome, tvs_outcome::untrusted_server);
  EXPECT_EQ(r.server_sha1, tvs_id_.cert.sha1());
  EXPECT_EQ(store_.lookups.load(), 0);
  EXPECT_EQ(server.stats().queries_valid + server.stats().queries_invalid, 0u);
}

TEST_F(TvsServerTest, no_itl_means_any_server_is_trusted) {
  start();
  auto req = verify(known_);
  req.trusted_server_sha1.clear();
  EXPECT_EQ(query(req).outcome, tvs_outcome::valid);
}

TEST_F(TvsServerTest, a_stopped_server_is_unreachable_within_the_timeout) {
  auto& server = start();
  const auto ep = server.local_endpoint();
  server.stop();
  const auto t0 = std::chrono::steady_clock::now();
  // Refused at once: well within a timeout a loaded machine cannot reach.
  auto r = query(verify(known_), 60'000ms, ep);
  EXPECT_EQ(r.outcome, tvs_outcome::unreachable);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 30s);
}

TEST_F(TvsServerTest, a_silent_peer_is_unreachable_after_the_timeout) {
  // Listens (the kernel completes TCP) but never speaks TLS.
  tcp::acceptor silent(io_, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  const auto t0 = std::chrono::steady_clock::now();
  auto r = query(verify(known_), 300ms, silent.local_endpoint());
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(r.outcome, tvs_outcome::unreachable);
  EXPECT_NE(r.detail.find("timed out"), std::string::npos) << r.detail;
  EXPECT_GE(took, 280ms);  // ended by our timeout ("timed out" above), no upper bound: ASan
}

TEST_F(TvsServerTest, stop_then_start_serves_again_on_the_same_port) {
  auto& server = start();
  const auto ep = server.local_endpoint();
  server.stop();
  ASSERT_TRUE(server.start().ok());
  EXPECT_EQ(server.local_endpoint(), ep);
  EXPECT_EQ(query(verify(known_)).outcome, tvs_outcome::valid);
}

TEST_F(TvsServerTest, a_regenerated_tvs_certificate_fails_the_old_pinning) {
  auto& server = start();
  const auto old_sha1 = tvs_id_.cert.sha1();
  EXPECT_EQ(query(verify(known_)).outcome, tvs_outcome::valid);

  const auto regenerated = make(sim::cert_purpose::tvs, "cucm-pub.example.com", 1);
  ASSERT_TRUE(server.set_credentials(regenerated).ok());
  auto r = query(verify(known_));  // still pinned to the old TVS certificate
  EXPECT_EQ(r.outcome, tvs_outcome::untrusted_server);
  EXPECT_EQ(r.server_sha1, regenerated.cert.sha1());
  EXPECT_NE(r.server_sha1, old_sha1);

  auto req = verify(known_);
  req.trusted_server_sha1 = {old_sha1, regenerated.cert.sha1()};
  EXPECT_EQ(query(req).outcome, tvs_outcome::valid);
}

TEST_F(TvsServerTest, a_1024_bit_key_works_and_reports_the_lowered_level) {
  std::atomic<int> reported{0};
  tvs_server_options o;
  o.on_security_lowered = [&](const tvs_tls_security&) { ++reported; };
  auto id = make(sim::cert_purpose::tvs, "tvs1024.example.com", 0, 1024);
  auto& server = start(o, id);
  EXPECT_TRUE(server.security().lowered);
  EXPECT_EQ(server.security().key_bits, 1024);
  EXPECT_EQ(server.security().to_string(), "TLS security level lowered to 0 for 1024-bit TVS key");
  EXPECT_EQ(reported.load(), 1);
  auto req = verify(known_);
  req.trusted_server_sha1 = {id.cert.sha1()};
  EXPECT_EQ(query(req).outcome, tvs_outcome::valid);
  // Without CA verification the client does not judge the server's key size,
  // so even a client at OpenSSL's default level talks to it.
  ssl::context strict = make_tvs_client_context(false);
  auto r = run(tvs_query({}, server.local_endpoint(), strict, req, 5000ms));
  EXPECT_EQ(r.outcome, tvs_outcome::valid) << r.detail;
}

TEST_F(TvsServerTest, a_2048_bit_key_works_without_lowering_the_level) {
  std::atomic<int> reported{0};
  tvs_server_options o;
  o.on_security_lowered = [&](const tvs_tls_security&) { ++reported; };
  auto id = make(sim::cert_purpose::tvs, "tvs2048.example.com", 0, 2048);
  auto& server = start(o, id);
  EXPECT_FALSE(server.security().lowered);
  EXPECT_EQ(server.security().key_bits, 2048);
  EXPECT_EQ(server.security().to_string(), "");
  EXPECT_EQ(reported.load(), 0);
  auto req = verify(known_);
  req.trusted_server_sha1 = {id.cert.sha1()};
  ssl::context strict = make_tvs_client_context(false);
  auto r = run(tvs_query({}, server.local_endpoint(), strict, req, 5000ms));
  EXPECT_EQ(r.outcome, tvs_outcome::valid) << r.detail;
}

TEST_F(TvsServerTest, garbage_over_tls_closes_that_connection_and_is_counted) {
  auto& server = start();
  const auto ep = server.local_endpoint();
  const auto reply = run(send_over_tls(ep, bytes{'G', 'E', 'T', ' ', '/', 0, 1, 2, 3, 4, 5, 6}));
  ASSERT_TRUE(reply.has_value());
  EXPECT_TRUE(reply->empty());
  EXPECT_EQ(server.stats().malformed, 1u);
  EXPECT_EQ(query(verify(known_)).outcome, tvs_outcome::valid);
}

TEST_F(TvsServerTest, several_requests_share_a_connection_until_the_session_id_changes) {
  auto& server = start();
  tvs_message m;
  m.command = tvs_command::verify_request;
  m.session_id = 5;
  m.certificate = known_.der();
  bytes wire = *encode_tvs_message(m);
  wire.insert(wire.end(), wire.begin(), wire.end());  // same request twice
  m.session_id = 6;
  const bytes third = *encode_tvs_message(m);
  wire.insert(wire.end(), third.begin(), third.end());

  const auto got = run(send_over_tls(server.local_endpoint(), wire));
  ASSERT_TRUE(got.has_value());
  const bytes& reply = *got;
  // Two answers, then the connection is closed for the changed session id.
  std::size_t answers = 0;
  for (std::size_t pos = 0; pos < reply.size();) {
    auto h = parse_tvs_header(byte_view(reply).subspan(pos));
    ASSERT_TRUE(h.ok()) << h.err().to_string();
    auto a = parse_tvs_message(byte_view(reply).subspan(pos, h->message_size()));
    ASSERT_TRUE(a.ok()) << a.err().to_string();
    EXPECT_EQ(a->command, tvs_command::verify_response);
    EXPECT_EQ(a->session_id, 5u);
    EXPECT_EQ(a->status, tvs_status::valid);
    pos += h->message_size();
    ++answers;
  }
  EXPECT_EQ(answers, 2u);
  EXPECT_EQ(server.stats().queries_valid, 2u);
  EXPECT_EQ(server.stats().malformed, 1u);
}

TEST_F(TvsServerTest, a_peer_that_never_handshakes_does_not_stall_others) {
  tvs_server_options o;
  o.handshake_timeout = 1500ms;
  auto& server = start(o);
  const auto ep = server.local_endpoint();
  // One raw TCP client that stays silent, one that sends non-TLS garbage.
  tcp::socket silent(io_), garbage(io_);
  silent.connect(ep);
  garbage.connect(ep);
  const bytes junk(64, 0x57);
  asio::write(garbage, asio::buffer(junk));

  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(query(verify(known_)).outcome, tvs_outcome::valid);
  // Served while the silent peer still holds its connection.
  if (std::chrono::steady_clock::now() - t0 < 1000ms) {
    EXPECT_GE(server.stats().active_handshakes, 1u);
  }
  // Both bad peers end as failed handshakes (the silent one after 1.5 s).
  for (int i = 0; i < 1500 && server.stats().handshakes_failed < 2; ++i)
    std::this_thread::sleep_for(20ms);
  const auto s = server.stats();
  EXPECT_EQ(s.handshakes_failed, 2u);
  EXPECT_EQ(s.handshakes_ok, 1u);
  EXPECT_EQ(s.connections, 3u);
  EXPECT_EQ(s.peak_sessions, 1u);  // only the peer that completed its handshake
  EXPECT_EQ(s.active_sessions, 0u);
  EXPECT_EQ(s.active_handshakes, 0u);
}

TEST_F(TvsServerTest, sessions_past_max_sessions_are_rejected) {
  tvs_server_options o;
  o.max_sessions = 1;
  auto& server = start(o);
  ssl::stream<tcp::socket> holder(io_, client_ctx_);
  holder.next_layer().connect(server.local_endpoint());
  holder.handshake(ssl::stream_base::client);
  ASSERT_TRUE(eventually([](const tvs_server_stats& s) { return s.active_sessions == 1; }));
  auto r = query(verify(known_));
  EXPECT_EQ(r.outcome, tvs_outcome::unreachable);
  EXPECT_EQ(server.stats().rejected, 1u);
  holder.next_layer().close();
  ASSERT_TRUE(eventually([](const tvs_server_stats& s) { return s.active_sessions == 0; }));
  EXPECT_EQ(query(verify(known_)).outcome, tvs_outcome::valid);
}

TEST_F(TvsServerTest, peers_that_never_handshake_cannot_take_session_slots) {
  tvs_server_options o;
  o.max_sessions = 1;
  o.max_handshakes = 8;
  o.handshake_timeout = 60s;  // they stay for the whole test
  auto& server = start(o);
  std::vector<std::unique_ptr<tcp::socket>> silent;
  for (const char* from : {"127.0.0.31", "127.0.0.32", "127.0.0.33", "127.0.0.34"})
    silent.push_back(silent_peer(from));
  ASSERT_TRUE(eventually([](const tvs_server_stats& s) { return s.active_handshakes == 4; }));
  EXPECT_EQ(server.stats().rejected, 0u);
  const auto r = query(verify(known_));
  EXPECT_EQ(r.outcome, tvs_outcome::valid) << r.detail;
  EXPECT_EQ(server.stats().active_handshakes, 4u);
  // The handshake pool is full past 8: a ninth silent peer is closed at once.
  for (int i = 0; i < 5; ++i) silent.push_back(silent_peer("127.0.0.35"));
  ASSERT_TRUE(eventually([](const tvs_server_stats& s) { return s.rejected == 1; }));
  EXPECT_EQ(server.stats().active_handshakes, 8u);
}

TEST_F(TvsServerTest, one_source_holds_at_most_max_per_source_connections) {
  tvs_server_options o;
  o.max_per_source = 2;
  o.handshake_timeout = 60s;
  auto& server = start(o);
  std::vector<std::unique_ptr<tcp::socket>> silent;
  for (int i = 0; i < 3; ++i) silent.push_back(silent_peer("127.0.0.41"));
  ASSERT_TRUE(eventually([](const tvs_server_stats& s) { return s.rejected_per_source == 1; }));
  EXPECT_EQ(server.stats().active_handshakes, 2u);
  // The same source is refused; another one is served.
  EXPECT_EQ(query(verify(known_), 5000ms, {}, asio::ip::make_address("127.0.0.41")).outcome,
            tvs_outcome::unreachable);
  EXPECT_EQ(query(verify(known_)).outcome, tvs_outcome::valid);
  EXPECT_EQ(server.stats().rejected_per_source, 2u);
  // A freed connection frees the source's place.
  silent.front()->close();
  ASSERT_TRUE(eventually([](const tvs_server_stats& s) { return s.active_handshakes == 1; }));
  EXPECT_EQ(query(verify(known_), 5000ms, {}, asio::ip::make_address("127.0.0.41")).outcome,
            tvs_outcome::valid);
}

TEST_F(TvsServerTest, a_busy_session_is_closed_after_its_lifetime) {
  tvs_server_options o;
  o.idle_timeout = 30s;
  o.max_session_lifetime = 1500ms;
  auto& server = start(o);
  tvs_message m;
  m.command = tvs_command::verify_request;
  m.session_id = 9;
  m.certificate = known_.der();
  // Asks every 100 ms, well within the idle time, at most 300 times (30 s).
  const int answers =
      run(hold_session(server.local_endpoint(), asio::ip::make_address("127.0.0.51"),
                       *encode_tvs_message(m), 100ms, 300),
          90s);
  EXPECT_GE(answers, 1);
  EXPECT_LT(answers, 300) << "the session outlived its bound";
  ASSERT_TRUE(eventually([](const tvs_server_stats& s) { return s.active_sessions == 0; }));
  EXPECT_EQ(server.stats().lifetime_ends, 1u);
  EXPECT_EQ(server.stats().idle_timeouts, 0u);
}

TEST_F(TvsServerTest, an_idle_session_is_closed_after_the_idle_time) {
  tvs_server_options o;
  o.idle_timeout = 500ms;
  auto& server = start(o);
  EXPECT_EQ(
      run(hold_session(server.local_endpoint(), asio::ip::make_address("127.0.0.52"), {}, 0ms, 0),
          60s),
      0);
  ASSERT_TRUE(eventually([](const tvs_server_stats& s) { return s.active_sessions == 0; }));
  EXPECT_EQ(server.stats().idle_timeouts, 1u);
  EXPECT_EQ(server.stats().lifetime_ends, 0u);
}

TEST_F(TvsServerTest, bad_credentials_are_reported_by_start) {
  sim::identity mismatched{make(sim::cert_purpose::tvs, "a.example.com").key,
                           make(sim::cert_purpose::tvs, "b.example.com").cert};
  tvs_server server(io_.get_executor(), tcp::endpoint(asio::ip::address_v4::loopback(), 0),
                    mismatched, [](const tvs_lookup_query&) { return tvs_verdict{}; });
  auto st = server.start();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.err().message.find("does not match"), std::string::npos) << st.err().message;
}

}  // namespace
}  // namespace itlfleet::net

namespace itlfleet::net {
namespace {

// A slower TVS with a known capacity (what calibration is tested against):
// connections take turns on `workers`, each costing handshake_cost +
// query_cost; the client's phase times show where the time went. Lower
// bounds only: a loaded machine may add, never remove.
class SlowedTvsServerTest : public TvsServerTest {
 protected:
  /// Two queries sent at once from `a` and `b` (awaitable_operators' &&
  /// runs them in parallel).
  std::tuple<tvs_client_result, tvs_client_result> two_at_once(const char* a, const char* b) {
    const auto ep = server_->local_endpoint();
    return run([&]() -> asio::awaitable<std::tuple<tvs_client_result, tvs_client_result>> {
      co_return co_await (
          tvs_query(asio::ip::make_address(a), ep, client_ctx_, query_cert(known_), 5000ms) &&
          tvs_query(asio::ip::make_address(b), ep, client_ctx_, query_cert(known_), 5000ms));
    }());
  }
};

TEST_F(SlowedTvsServerTest, a_slowed_server_takes_connections_in_turn_and_charges_each_phase) {
  tvs_server_options o;
  o.workers = 1;
  o.handshake_cost = 150ms;
  o.query_cost = 50ms;
  start(o);
  const auto both = two_at_once("127.0.0.31", "127.0.0.32");
  for (const auto* r : {&std::get<0>(both), &std::get<1>(both)}) {
    ASSERT_EQ(r->outcome, tvs_outcome::valid) << r->detail;
    EXPECT_GE(r->connect_time + r->handshake_time, 150ms);
    EXPECT_GE(r->answer_time, 50ms);
  }
  // One worker: the later connection waited for the first one's whole turn.
  const auto later = std::max(std::get<0>(both).connect_time + std::get<0>(both).handshake_time,
                              std::get<1>(both).connect_time + std::get<1>(both).handshake_time);
  EXPECT_GE(later, 150ms + 50ms + 150ms);
}

TEST_F(SlowedTvsServerTest, a_slowed_server_closes_a_connection_whose_turn_is_too_far_away) {
  tvs_server_options o;
  o.workers = 1;
  o.handshake_cost = 400ms;
  o.handshake_timeout = 300ms;  // a second connection's turn is 400 ms away
  start(o);
  const auto both = two_at_once("127.0.0.33", "127.0.0.34");
  const int served = (std::get<0>(both).outcome == tvs_outcome::valid) +
                     (std::get<1>(both).outcome == tvs_outcome::valid);
  EXPECT_EQ(served, 1) << std::get<0>(both).detail << " / " << std::get<1>(both).detail;
  EXPECT_EQ(server_->stats().rejected, 1u);
}

}  // namespace
}  // namespace itlfleet::net
