#include "itlfleet/net/http_client.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/http/vector_body.hpp>

#include "itlfleet/net/http_target.hpp"

namespace itlfleet::net {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;
using tcp = asio::ip::tcp;

namespace {

constexpr auto as_tuple_awaitable = asio::as_tuple(asio::use_awaitable);

http_get_result failure(http_outcome outcome, std::string detail, unsigned status = 0) {
  return {outcome, status, {}, std::move(detail), false, {}};
}

std::string host_field(const tcp::endpoint& server) {
  const auto address = server.address();
  const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return host + ":" + std::to_string(server.port());
}

/// Lets connect() pick the port, so many phones can share ephemeral ports
/// across their distinct addresses (Linux; ignored where unsupported).
void defer_port_choice(tcp::socket& socket) {
#ifdef IP_BIND_ADDRESS_NO_PORT
  const int on = 1;
  (void)::setsockopt(socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on, sizeof on);
#else
  (void)socket;
#endif
}

/// The exchange; runs on a strand shared with the stream's timeout timer.
asio::awaitable<http_get_result> get_on_strand(asio::ip::address local, tcp::endpoint server,
                                               std::string name, http_get_options options);

}  // namespace

std::string_view to_string(http_outcome outcome) {
  switch (outcome) {
    case http_outcome::ok:
      return "ok";
    case http_outcome::not_found:
      return "not_found";
    case http_outcome::refused:
      return "refused";
    case http_outcome::timeout:
      return "timeout";
    case http_outcome::unreachable:
      return "unreachable";
    case http_outcome::protocol_error:
      return "protocol_error";
    case http_outcome::local_error:
      return "local_error";
  }
  return "?";
}

asio::awaitable<http_get_result> http_get(asio::ip::address local, tcp::endpoint server,
                                          std::string name, http_get_options options) {
  // beast's stream timeout handler and the operations it cancels must not
  // run concurrently, which they could on a multi-threaded executor.
  auto strand = asio::make_strand(co_await asio::this_coro::executor);
  co_return co_await asio::co_spawn(strand, get_on_strand(local, server, std::move(name), options),
                                    asio::use_awaitable);
}

namespace {

asio::awaitable<http_get_result> get_on_strand(asio::ip::address local, tcp::endpoint server,
                                               std::string name, http_get_options options) {
  beast::tcp_stream stream(co_await asio::this_coro::executor);
  error_code ec;
  stream.socket().open(server.protocol(), ec);
  if (!ec && local.is_v4()) defer_port_choice(stream.socket());
  if (!ec) stream.socket().bind({local, 0}, ec);
  if (ec) {
    auto r = failure(http_outcome::local_error, "bind " + local.to_string() + ": " + ec.message());
    r.local_error = ec;
    co_return r;
  }

  // One deadline for connect, request and answer together; past it, any
  // failure counts as a timeout (the stream may report it as a cancellation).
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  const auto timed_out = [&](const error_code& e) {
    return e == beast::error::timeout || std::chrono::steady_clock::now() >= deadline;
  };
  stream.expires_after(options.timeout);
  const auto connect_start = std::chrono::steady_clock::now();
  if (auto [connect_error] = co_await stream.async_connect(server, as_tuple_awaitable);
      connect_error) {
    if (timed_out(connect_error))
      co_return failure(http_outcome::timeout, "connect to " + host_field(server) + ": timed out");
    co_return failure(http_outcome::unreachable,
                      "connect to " + host_field(server) + ": " + connect_error.message());
  }

  const auto connect_time = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - connect_start);

  http::request<http::empty_body> request{http::verb::get, target_for_file_name(name), 11};
  request.set(http::field::host, host_field(server));
  request.set(http::field::user_agent, "itlfleet");
  request.keep_alive(false);
  if (auto [write_error, n] = co_await http::async_write(stream, request, as_tuple_awaitable);
      write_error) {
    if (timed_out(write_error))
      co_return failure(http_outcome::timeout, "sending the request: timed out");
    co_return failure(http_outcome::protocol_error,
                      "sending the request: " + write_error.message());
  }

  beast::flat_buffer buffer;
  http::response_parser<http::vector_body<std::uint8_t>> parser;
  parser.body_limit(options.max_size);
  if (auto [read_error, n] = co_await http::async_read(stream, buffer, parser, as_tuple_awaitable);
      read_error) {
    if (timed_out(read_error))
      co_return failure(http_outcome::timeout, "reading the answer: timed out");
    if (read_error == http::error::body_limit) {
      auto r = failure(http_outcome::protocol_error,
                       "answer body over " + std::to_string(options.max_size) + " bytes");
      r.too_large = true;
      co_return r;
    }
    co_return failure(http_outcome::protocol_error, "reading the answer: " + read_error.message());
  }
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream.close();

  auto response = parser.release();
  const unsigned status = response.result_int();
  if (status >= 200 && status < 300) {
    http_get_result r{http_outcome::ok, status, std::move(response.body()), {}, false, {}};
    r.connect_time = connect_time;
    co_return r;
  }
  const std::string reason = std::to_string(status) + " " + std::string(response.reason());
  if (status == 404) co_return failure(http_outcome::not_found, reason, status);
  co_return failure(http_outcome::refused, reason, status);
}

}  // namespace
}  // namespace itlfleet::net
