#include "itlfleet/net/http_client.hpp"

#include <optional>

#include "http_test_support.hpp"

namespace itlfleet::net {
namespace {

using namespace itlfleet::net::testing;

const asio::ip::address server_address = asio::ip::make_address("127.0.0.1");

/// A listener on 127.0.0.1 that accepts one connection and plays a script.
struct fake_server {
  explicit fake_server(asio::any_io_executor ex) : acceptor(ex, {server_address, 0}) {}
  tcp::endpoint endpoint() const { return acceptor.local_endpoint(); }
  tcp::acceptor acceptor;
};

struct seen_request {
  asio::ip::address peer;
  std::string target;
  std::string host;
};

/// Accepts one connection, reads one request, sends `answer` verbatim, closes.
asio::awaitable<seen_request> answer_once(tcp::acceptor& acceptor, std::string answer) {
  beast::tcp_stream stream(co_await acceptor.async_accept(asio::use_awaitable));
  stream.expires_after(5s);
  seen_request seen{stream.socket().remote_endpoint().address(), {}, {}};
  beast::flat_buffer buffer;
  http::request<http::string_body> request;
  co_await http::async_read(stream, buffer, request, asio::use_awaitable);
  seen.target = std::string(request.target());
  seen.host = std::string(request[http::field::host]);
  // A client that refuses an oversized answer closes before it has all of it:
  // the write and the shutdown may then fail, and that is not the test's
  // concern (its verdict is the client's outcome).
  co_await asio::async_write(stream, asio::buffer(answer), asio::as_tuple(asio::use_awaitable));
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  co_return seen;
}

struct HttpClientTest : ::testing::Test {
  /// Runs http_get against a fake server that answers `answer`.
  std::pair<http_get_result, seen_request> exchange(std::string answer, std::string name = "f",
                                                    http_get_options options = {},
                                                    std::string local = "127.0.0.1") {
    fake_server fake(loop.executor());
    auto seen = asio::co_spawn(loop.executor(), answer_once(fake.acceptor, std::move(answer)),
                               asio::use_future);
    auto r = loop.run(http_get(asio::ip::make_address(local), fake.endpoint(), name, options));
    if (seen.wait_for(5s) != std::future_status::ready) throw std::runtime_error("no request");
    return {std::move(r), seen.get()};
  }
  test_loop loop;
};

TEST_F(HttpClientTest, sends_from_the_given_local_address) {
  const auto [r, seen] = exchange("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi",
                                  "ITLSEP001E7A000001.tlv", {}, "127.16.0.5");
  ASSERT_EQ(r.outcome, http_outcome::ok) << r.detail;
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, to_bytes("hi"));
  EXPECT_EQ(seen.peer, asio::ip::make_address("127.16.0.5"));
  EXPECT_EQ(seen.target, "/ITLSEP001E7A000001.tlv");
  EXPECT_EQ(seen.host.rfind("127.0.0.1:", 0), 0u);
}

TEST_F(HttpClientTest, encodes_odd_names_in_the_target) {
  const auto [r, seen] = exchange("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", "a b/c?.xml");
  EXPECT_EQ(r.outcome, http_outcome::ok) << r.detail;
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(seen.target, "/a%20b/c%3F.xml");
}

TEST_F(HttpClientTest, reads_a_body_ended_by_close) {
  const auto [r, seen] = exchange("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end");
  ASSERT_EQ(r.outcome, http_outcome::ok) << r.detail;
  EXPECT_EQ(r.body, to_bytes("until the end"));
}

TEST_F(HttpClientTest, maps_statuses_to_outcomes) {
  const auto nf = exchange("HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nno\n").first;
  EXPECT_EQ(nf.outcome, http_outcome::not_found);
  EXPECT_EQ(nf.status, 404u);
  EXPECT_TRUE(nf.body.empty());
  const auto busy =
      exchange("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nContent-Length: 0\r\n\r\n")
          .first;
  EXPECT_EQ(busy.outcome, http_outcome::refused);
  EXPECT_EQ(busy.status, 503u);
  const auto err = exchange("HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n").first;
  EXPECT_EQ(err.outcome, http_outcome::refused);
  EXPECT_EQ(err.status, 500u);
  const auto created = exchange("HTTP/1.1 203 Fine\r\nContent-Length: 1\r\n\r\nx").first;
  EXPECT_EQ(created.outcome, http_outcome::ok);
}

TEST_F(HttpClientTest, garbage_and_truncated_answers_are_protocol_errors) {
  for (const char* answer :
       {"SSH-2.0-OpenSSH_9.2\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
        "HTTP/1.1 2000 OK\r\n\r\n", ""}) {
    const auto r = exchange(answer).first;
    EXPECT_EQ(r.outcome, http_outcome::protocol_error) << answer;
    EXPECT_FALSE(r.detail.empty());
  }
}

TEST_F(HttpClientTest, a_body_over_max_size_is_a_protocol_error) {
  const std::string body(2000, 'x');
  const auto announced =
      exchange("HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n" + body, "f", {.max_size = 1000});
  EXPECT_EQ(announced.first.outcome, http_outcome::protocol_error);
  const auto streamed =
      exchange("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + body, "f", {.max_size = 1000});
  EXPECT_EQ(streamed.first.outcome, http_outcome::protocol_error);
  const auto fits =
      exchange("HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n" + body, "f", {.max_size = 2000});
  EXPECT_EQ(fits.first.outcome, http_outcome::ok);
}

TEST_F(HttpClientTest, times_out_against_a_listener_that_never_answers) {
  fake_server fake(loop.executor());
  std::optional<tcp::socket> held;  // accepted and never answered
  fake.acceptor.async_accept([&](boost::system::error_code ec, tcp::socket s) {
    if (!ec) held.emplace(std::move(s));
  });
  const auto begin = std::chrono::steady_clock::now();
  const auto r = loop.run(http_get(server_address, fake.endpoint(), "f", {.timeout = 300ms}));
  const auto took = std::chrono::steady_clock::now() - begin;
  EXPECT_EQ(r.outcome, http_outcome::timeout) << r.detail;
  EXPECT_EQ(r.status, 0u);
  EXPECT_GE(took, 300ms);
  EXPECT_NE(r.detail.find("timed out"), std::string::npos) << r.detail;
  loop.run([](tcp::acceptor& a) -> asio::awaitable<void> {  // cancel on the loop
    a.close();
    co_return;
  }(fake.acceptor));
}

TEST_F(HttpClientTest, nothing_listening_is_unreachable) {
  tcp::endpoint closed;
  {
    tcp::acceptor probe(loop.executor(), {server_address, 0});
    closed = probe.local_endpoint();
  }
  const auto begin = std::chrono::steady_clock::now();
  // Refused at once, not after the timeout (a minute here, so that a loaded
  // machine cannot come near it).
  const auto r = loop.run(http_get(server_address, closed, "f", {.timeout = 60s}), 120s);
  EXPECT_EQ(r.outcome, http_outcome::unreachable) << r.detail;
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 30s);
}

TEST_F(HttpClientTest, an_unusable_local_address_is_reported) {
  fake_server fake(loop.executor());
  const auto r = loop.run(http_get(asio::ip::make_address("192.0.2.1"), fake.endpoint(), "f", {}));
  EXPECT_EQ(r.outcome, http_outcome::local_error);
  EXPECT_TRUE(r.local_error);
  EXPECT_NE(r.detail.find("192.0.2.1"), std::string::npos) << r.detail;
}

TEST(HttpOutcome, has_names) {
  EXPECT_EQ(to_string(http_outcome::ok), "ok");
  EXPECT_EQ(to_string(http_outcome::unreachable), "unreachable");
  EXPECT_EQ(to_string(http_outcome::protocol_error), "protocol_error");
}

}  // namespace
}  // namespace itlfleet::net
