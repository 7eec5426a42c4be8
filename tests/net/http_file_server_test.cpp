#include "itlfleet/net/http_file_server.hpp"

#include <functional>
#include <map>
#include <mutex>
#include <random>

#include <boost/asio/experimental/awaitable_operators.hpp>

#include "http_test_support.hpp"
#include "itlfleet/net/http_client.hpp"

namespace itlfleet::net {
namespace {

using namespace itlfleet::net::testing;

const asio::ip::address loopback = asio::ip::make_address("127.0.0.1");

bytes random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  bytes out(n);
  for (auto& b : out) b = static_cast<std::uint8_t>(gen());
  return out;
}

/// A served tree in memory that remembers every name it was asked for.
class file_tree {
 public:
  void add(std::string name, bytes content) {
    files_[std::move(name)] = std::make_shared<const bytes>(std::move(content));
  }
  file_lookup lookup() {
    return [this](std::string_view name) -> shared_bytes {
      std::lock_guard lock(mutex_);
      asked_.emplace_back(name);
      auto it = files_.find(std::string(name));
      return it == files_.end() ? nullptr : it->second;
    };
  }
  std::vector<std::string> asked() {
    std::lock_guard lock(mutex_);
    return asked_;
  }

 private:
  std::map<std::string, shared_bytes> files_;  // filled before the server starts
  std::mutex mutex_;
  std::vector<std::string> asked_;
};

struct HttpFileServerTest : ::testing::Test {
  HttpFileServerTest() {
    tree.add("ITLSEP001E7A000001.tlv", random_bytes(5302, 1));
    tree.add("empty.cnf.xml", {});
    tree.add("big.bin", random_bytes(1 << 20, 2));
  }
  void start(http_server_options options = {}) {
    server.emplace(loop.executor(), tcp::endpoint{loopback, 0}, tree.lookup(), options);
    auto started = server->start();
    ASSERT_TRUE(started.ok()) << started.err().to_string();
  }
  /// The client may read an answer a moment before the server counts it
  /// done; waits (bounded) for that so the stats are exact.
  void settle() {
    const auto until = std::chrono::steady_clock::now() + 30s;
    while (server->stats().active != 0 && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(1ms);
  }
  http_get_result get(std::string name, http_get_options options = {}) {
    auto r = loop.run(http_get(loopback, server->local_endpoint(), std::move(name), options));
    settle();
    return r;
  }
  raw_answers raw(std::vector<std::string> requests, bool check_close = false) {
    auto a = loop.run(raw_exchange(server->local_endpoint(), std::move(requests), check_close));
    settle();
    return a;
  }

  test_loop loop;
  file_tree tree;
  std::optional<http_file_server> server;  // destroyed before the loop
};

const std::string get_itl = "GET /ITLSEP001E7A000001.tlv HTTP/1.1\r\nHost: 127.0.0.1:6970\r\n\r\n";

TEST_F(HttpFileServerTest, serves_files_byte_for_byte) {
  start();
  for (const char* name : {"empty.cnf.xml", "ITLSEP001E7A000001.tlv", "big.bin"}) {
    const auto r = get(name);
    ASSERT_EQ(r.outcome, http_outcome::ok) << name << ": " << r.detail;
    EXPECT_EQ(r.status, 200u);
    EXPECT_EQ(r.body, *tree.lookup()(name)) << name;
  }
  const auto s = server->stats();
  EXPECT_EQ(s.served, 3u);
  EXPECT_EQ(s.bytes_sent, 5302u + (1u << 20));
}

TEST_F(HttpFileServerTest, answers_200_with_octet_stream_and_length) {
  start();
  const auto a = raw({get_itl});
  ASSERT_EQ(a.responses.size(), 1u) << a.error;
  const auto& res = a.responses[0];
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res[http::field::content_type], "application/octet-stream");
  EXPECT_EQ(res[http::field::content_length], "5302");
  EXPECT_EQ(res.body().size(), 5302u);
}

TEST_F(HttpFileServerTest, missing_file_is_404) {
  start();
  const auto r = get("SEP001E7A000001.cnf.xml");
  EXPECT_EQ(r.outcome, http_outcome::not_found);
  EXPECT_EQ(r.status, 404u);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(get("").outcome, http_outcome::not_found);
  EXPECT_EQ(server->stats().not_found, 2u);
  EXPECT_EQ(tree.asked(),
            std::vector<std::string>{"SEP001E7A000001.cnf.xml"});  // "" never looked up
}

TEST_F(HttpFileServerTest, head_announces_the_length_without_a_body) {
  start();
  const auto a = raw({"HEAD /ITLSEP001E7A000001.tlv HTTP/1.1\r\nHost: x\r\n\r\n", get_itl,
                      "HEAD /nothing HTTP/1.1\r\nHost: x\r\n\r\n"});
  ASSERT_EQ(a.responses.size(), 3u) << a.error;
  EXPECT_EQ(a.responses[0].result(), http::status::ok);
  EXPECT_EQ(a.responses[0][http::field::content_length], "5302");
  EXPECT_TRUE(a.responses[0].body().empty());
  // Had the HEAD answer carried a body, this answer would have been garbled.
  EXPECT_EQ(a.responses[1].result(), http::status::ok);
  EXPECT_EQ(a.responses[1].body().size(), 5302u);
  EXPECT_EQ(a.responses[2].result(), http::status::not_found);
  EXPECT_EQ(server->stats().bytes_sent, 5302u);
}

TEST_F(HttpFileServerTest, other_methods_get_405_and_the_connection_stays_usable) {
  start();
  const auto a =
      raw({"POST /ITLSEP001E7A000001.tlv HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
           "DELETE /big.bin HTTP/1.1\r\nHost: x\r\n\r\n", get_itl});
  ASSERT_EQ(a.responses.size(), 3u) << a.error;
  EXPECT_EQ(a.responses[0].result(), http::status::method_not_allowed);
  EXPECT_EQ(a.responses[0][http::field::allow], "GET, HEAD");
  EXPECT_EQ(a.responses[1].result(), http::status::method_not_allowed);
  EXPECT_EQ(a.responses[2].result(), http::status::ok);
  EXPECT_TRUE(tree.asked() == std::vector<std::string>{"ITLSEP001E7A000001.tlv"});
}

TEST_F(HttpFileServerTest, path_traversal_is_refused_before_any_lookup) {
  start();
  for (const char* target :
       {"/../etc/passwd", "/a/%2e%2e/%2e%2e/etc/passwd", "/..%5cboot.ini", "/%2fetc/passwd"}) {
    const auto a = raw({std::string("GET ") + target + " HTTP/1.1\r\nHost: x\r\n\r\n"}, true);
    ASSERT_EQ(a.responses.size(), 1u) << target << ": " << a.error;
    EXPECT_EQ(a.responses[0].result(), http::status::bad_request) << target;
    EXPECT_TRUE(a.closed) << target;
  }
  EXPECT_EQ(get("../big.bin").outcome, http_outcome::refused);
  EXPECT_TRUE(tree.asked().empty());
  EXPECT_EQ(server->stats().bad_requests, 5u);
}

TEST_F(HttpFileServerTest, percent_encoded_names_are_decoded) {
  tree.add("Desktops/320x212x12/a b.png", random_bytes(10, 3));
  start();
  const auto r = get("Desktops/320x212x12/a b.png");
  ASSERT_EQ(r.outcome, http_outcome::ok) << r.detail;
  EXPECT_EQ(r.body.size(), 10u);
  const auto a = raw({"GET /%49TLSEP001E7A000001%2Etlv HTTP/1.1\r\nHost: x\r\n\r\n"});
  ASSERT_EQ(a.responses.size(), 1u) << a.error;
  EXPECT_EQ(a.responses[0].result(), http::status::ok);
}

TEST_F(HttpFileServerTest, keep_alive_serves_two_requests_on_one_connection) {
  start();
  const auto a = raw({get_itl, "GET /empty.cnf.xml HTTP/1.1\r\nHost: x\r\n\r\n"});
  ASSERT_EQ(a.responses.size(), 2u) << a.error;
  EXPECT_EQ(a.responses[0].body().size(), 5302u);
  EXPECT_TRUE(a.responses[0].keep_alive());
  EXPECT_EQ(a.responses[1].result(), http::status::ok);
  EXPECT_EQ(a.responses[1].body().size(), 0u);
  EXPECT_EQ(server->stats().served, 2u);
}

TEST_F(HttpFileServerTest, connection_close_and_http_1_0_are_honoured) {
  start();
  const auto a = raw({"GET /empty.cnf.xml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"}, true);
  ASSERT_EQ(a.responses.size(), 1u) << a.error;
  EXPECT_FALSE(a.responses[0].keep_alive());
  EXPECT_TRUE(a.closed);
  const auto b = raw({"GET /ITLSEP001E7A000001.tlv HTTP/1.0\r\n\r\n"}, true);
  ASSERT_EQ(b.responses.size(), 1u) << b.error;
  EXPECT_EQ(b.responses[0].version(), 10u);
  EXPECT_EQ(b.responses[0].body().size(), 5302u);
  EXPECT_TRUE(b.closed);
}

TEST_F(HttpFileServerTest, serving_count_reached_answers_503_with_retry_after) {
  // The lookup of "slow" blocks (bounded) until released, holding a serving slot.
  std::promise<void> entered, release;
  auto released = release.get_future().share();
  auto entered_future = entered.get_future();
  std::once_flag once;
  const auto slow_bytes = random_bytes(100, 4);
  file_lookup base = tree.lookup();
  server.emplace(
      loop.executor(), tcp::endpoint{loopback, 0},
      [&, base](std::string_view name) -> shared_bytes {
        if (name != "slow") return base(name);
        std::call_once(once, [&] { entered.set_value(); });
        released.wait_for(10s);
        return std::make_shared<const bytes>(slow_bytes);
      },
      http_server_options{.max_serving_count = 1, .retry_after = std::chrono::seconds(7)});
  ASSERT_TRUE(server->start().ok());
  std::once_flag release_once;
  auto release_lookup = [&] { std::call_once(release_once, [&] { release.set_value(); }); };
  struct on_exit {
    std::function<void()> f;
    ~on_exit() { f(); }
  } release_on_exit{release_lookup};  // also when an assertion returns early

  auto in_flight = asio::co_spawn(
      loop.executor(), http_get(loopback, server->local_endpoint(), "slow", {}), asio::use_future);
  ASSERT_EQ(entered_future.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(server->stats().active, 1u);

  // While the slot is held, settle() would wait: no get()/raw() here.
  const auto a = loop.run(raw_exchange(server->local_endpoint(), {get_itl}, true));
  ASSERT_EQ(a.responses.size(), 1u) << a.error;
  EXPECT_EQ(a.responses[0].result(), http::status::service_unavailable);
  EXPECT_EQ(a.responses[0][http::field::retry_after], "7");
  EXPECT_TRUE(a.closed);
  const auto refused =
      loop.run(http_get(loopback, server->local_endpoint(), "ITLSEP001E7A000001.tlv", {}));
  EXPECT_EQ(refused.outcome, http_outcome::refused);
  EXPECT_EQ(refused.status, 503u);

  release_lookup();
  ASSERT_EQ(in_flight.wait_for(10s), std::future_status::ready);
  const auto slow = in_flight.get();
  ASSERT_EQ(slow.outcome, http_outcome::ok) << slow.detail;
  EXPECT_EQ(slow.body, slow_bytes);

  settle();
  EXPECT_EQ(get("ITLSEP001E7A000001.tlv").outcome, http_outcome::ok);  // slot free again
  const auto s = server->stats();
  EXPECT_EQ(s.refused, 2u);
  EXPECT_EQ(s.peak_active, 1u);
  EXPECT_EQ(s.active, 0u);
  EXPECT_EQ(s.served, 2u);
}

TEST_F(HttpFileServerTest, connections_past_max_connections_are_refused_at_once) {
  start(http_server_options{.max_connections = 2, .header_timeout = std::chrono::minutes(1)});
  auto open_now = [&] { return server->stats().open_connections; };
  // Two idle connections take both places for the whole test.
  tcp::socket idle1(loop.executor()), idle2(loop.executor());
  idle1.connect(server->local_endpoint());
  idle2.connect(server->local_endpoint());
  for (int i = 0; i < 3000 && open_now() < 2; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(open_now(), 2u);

  const auto a = loop.run(raw_exchange(server->local_endpoint(), {get_itl}), 60s);
  if (!a.responses.empty()) {  // or a reset, when the request arrived before the close
    EXPECT_EQ(a.responses[0].result(), http::status::service_unavailable);
    EXPECT_EQ(a.responses[0][http::field::retry_after], "5");
  }
  const auto refused = loop.run(http_get(loopback, server->local_endpoint(), "empty.cnf.xml", {}));
  EXPECT_NE(refused.outcome, http_outcome::ok);
  EXPECT_EQ(server->stats().rejected_connections, 2u);
  EXPECT_EQ(server->stats().requests, 0u);

  // A freed place serves again.
  idle1.close();
  for (int i = 0; i < 3000 && open_now() > 1; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(get("empty.cnf.xml").outcome, http_outcome::ok);
}

TEST_F(HttpFileServerTest, malformed_requests_get_400_and_the_server_keeps_serving) {
  start({.max_request_size = 4096});
  const std::vector<std::string> malformed = {
      "GARBAGE\r\n\r\n",
      "GET /x HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n",
      "GET /x HTTP/9.Z\r\n\r\n",
      std::string("GET /\x01x HTTP/1.1\r\n\r\n"),
      "GET /x HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
      "GET /x HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(8000, 'a') + "\r\n\r\n",
      "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + std::string(5000, 'b'),
  };
  for (const auto& request : malformed) {
    const auto a = raw({request}, true);
    ASSERT_EQ(a.responses.size(), 1u) << request.substr(0, 40) << ": " << a.error;
    EXPECT_EQ(a.responses[0].result(), http::status::bad_request) << request.substr(0, 40);
    EXPECT_TRUE(a.closed) << request.substr(0, 40);
    const auto r = get("ITLSEP001E7A000001.tlv");
    EXPECT_EQ(r.outcome, http_outcome::ok) << r.detail;
  }
  const auto s = server->stats();
  EXPECT_EQ(s.bad_requests, malformed.size());
  EXPECT_EQ(s.served, malformed.size());
}

TEST_F(HttpFileServerTest, a_silent_client_is_dropped_after_the_header_timeout) {
  start({.header_timeout = 200ms});
  const auto begin = std::chrono::steady_clock::now();
  const auto a = loop.run(
      [](tcp::endpoint ep) -> asio::awaitable<bool> {
        beast::tcp_stream stream(co_await asio::this_coro::executor);
        stream.expires_after(60s);  // the server's 200 ms must end it, not this
        co_await stream.async_connect(ep, asio::use_awaitable);
        char c = 0;
        auto [ec, n] = co_await stream.async_read_some(asio::buffer(&c, 1),
                                                       asio::as_tuple(asio::use_awaitable));
        co_return ec == asio::error::eof || ec == asio::error::connection_reset;
      }(server->local_endpoint()),
      120s);
  EXPECT_TRUE(a);
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 30s);
  EXPECT_EQ(server->stats().requests, 0u);
}

TEST_F(HttpFileServerTest, stopped_server_is_unreachable_quickly) {
  start();
  const auto endpoint = server->local_endpoint();
  server->stop();
  EXPECT_FALSE(server->running());
  const auto begin = std::chrono::steady_clock::now();
  // Refused at once, not after the client's timeout (a minute here).
  const auto r =
      loop.run(http_get(loopback, endpoint, "ITLSEP001E7A000001.tlv", {.timeout = 60s}), 120s);
  EXPECT_EQ(r.outcome, http_outcome::unreachable) << r.detail;
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 30s);
}

TEST_F(HttpFileServerTest, restarts_on_the_same_port) {
  start();
  const auto endpoint = server->local_endpoint();
  ASSERT_EQ(get("ITLSEP001E7A000001.tlv").outcome, http_outcome::ok);
  server->stop();
  server->stop();  // idempotent
  EXPECT_EQ(get("ITLSEP001E7A000001.tlv").outcome, http_outcome::unreachable);
  ASSERT_TRUE(server->start().ok());
  ASSERT_TRUE(server->start().ok());  // already running
  EXPECT_EQ(server->local_endpoint(), endpoint);
  EXPECT_EQ(get("ITLSEP001E7A000001.tlv").outcome, http_outcome::ok);
  EXPECT_EQ(server->stats().served, 2u);
}

TEST_F(HttpFileServerTest, stop_closes_idle_keep_alive_connections) {
  start();
  const auto closed =
      loop.run([](tcp::endpoint server_ep, http_file_server& srv) -> asio::awaitable<bool> {
        constexpr auto tuple = asio::as_tuple(asio::use_awaitable);
        beast::tcp_stream stream(co_await asio::this_coro::executor);
        stream.expires_after(5s);
        co_await stream.async_connect(server_ep, asio::use_awaitable);
        co_await asio::async_write(stream, asio::buffer(get_itl), asio::use_awaitable);
        beast::flat_buffer buffer;
        http::response<http::string_body> res;
        co_await http::async_read(stream, buffer, res, asio::use_awaitable);
        srv.stop();
        char c = 0;
        auto [ec, n] = co_await stream.async_read_some(asio::buffer(&c, 1), tuple);
        co_return ec == asio::error::eof || ec == asio::error::connection_reset;
      }(server->local_endpoint(), *server));
  EXPECT_TRUE(closed);
}

TEST_F(HttpFileServerTest, start_reports_an_address_in_use) {
  start();
  http_file_server second(loop.executor(), server->local_endpoint(), tree.lookup());
  const auto s = second.start();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.err().message.find("127.0.0.1:"), std::string::npos) << s.err().message;
}

TEST_F(HttpFileServerTest, stats_count_what_happened) {
  start();
  EXPECT_EQ(get("ITLSEP001E7A000001.tlv").outcome, http_outcome::ok);
  EXPECT_EQ(get("big.bin").outcome, http_outcome::ok);
  EXPECT_EQ(get("nope").outcome, http_outcome::not_found);
  (void)raw(
      {"BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n", "HEAD /empty.cnf.xml HTTP/1.1\r\nHost: x\r\n\r\n"});
  (void)raw({"\r\nnonsense\r\n\r\n"});
  const auto s = server->stats();
  EXPECT_EQ(s.requests, 6u);
  EXPECT_EQ(s.served, 3u);
  EXPECT_EQ(s.not_found, 1u);
  EXPECT_EQ(s.bad_requests, 2u);
  EXPECT_EQ(s.refused, 0u);
  EXPECT_EQ(s.active, 0u);
  EXPECT_EQ(s.peak_active, 1u);
  EXPECT_EQ(s.bytes_sent, 5302u + (1u << 20));
}

}  // namespace
}  // namespace itlfleet::net

namespace itlfleet::net {
namespace {

// A slower HTTP server with a known capacity (what calibration is tested
// against): requests take turns on `workers`, each costing request_cost.
// Lower bounds only: a loaded machine may add, never remove.
TEST_F(HttpFileServerTest, a_slowed_server_answers_requests_in_turn_on_its_workers) {
  http_server_options o;
  o.workers = 1;
  o.request_cost = 150ms;
  start(o);
  const auto ep = server->local_endpoint();
  const auto t0 = std::chrono::steady_clock::now();
  // Both at once (awaitable_operators' && runs them in parallel).
  auto both = loop.run([&]() -> asio::awaitable<std::tuple<http_get_result, http_get_result>> {
    using namespace asio::experimental::awaitable_operators;
    co_return co_await (http_get(loopback, ep, "ITLSEP001E7A000001.tlv") &&
                        http_get(loopback, ep, "ITLSEP001E7A000001.tlv"));
  }());
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_EQ(std::get<0>(both).outcome, http_outcome::ok) << std::get<0>(both).detail;
  ASSERT_EQ(std::get<1>(both).outcome, http_outcome::ok) << std::get<1>(both).detail;
  EXPECT_EQ(std::get<0>(both).body, *tree.lookup()("ITLSEP001E7A000001.tlv"));
  // One worker: the second answer came a whole turn after the first.
  EXPECT_GE(took, 300ms);
  settle();
  EXPECT_EQ(server->stats().peak_active, 2u) << "the waiting request holds its serving slot";
}

}  // namespace
}  // namespace itlfleet::net
