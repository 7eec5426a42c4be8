// GET /metrics over HTTP/1.1 (Boost.Beast) on one thread of its own. Not
// prometheus-cpp's Exposer: Debian's civetweb is built without IPv6, so it
// cannot listen on [::1], and its failures all read "null context when
// constructing CivetServer", whatever the address or the reason.

#include <prometheus/text_serializer.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <string>
#include <thread>

#include "itlfleet/metrics/prometheus_endpoint.hpp"

namespace itlfleet::metrics {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
constexpr auto as_tuple_awaitable = asio::as_tuple(asio::use_awaitable);

/// A scraper that stalls is dropped after this long.
constexpr auto idle_timeout = std::chrono::seconds(30);

/// HOST and PORT of "HOST:PORT" or "[V6]:PORT"; false when malformed.
bool split_host_port(const std::string& address, std::string& host, std::uint16_t& port) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  const std::string digits = address.substr(colon + 1);
  if (digits.empty() || digits.size() > 5 ||
      !std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c); }))
    return false;
  const unsigned long p = std::stoul(digits);
  if (p > 65535) return false;
  host = address.substr(0, colon);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return false;
    host = host.substr(1, host.size() - 2);
    boost::system::error_code ec;
    asio::ip::make_address_v6(host, ec);
    if (ec) return false;  // brackets hold an IPv6 address
  } else if (host.find(':') != std::string::npos) {
    return false;  // an IPv6 address needs its brackets: "[::1]:9464"
  }
  port = static_cast<std::uint16_t>(p);
  return true;
}

std::string scrape(const std::weak_ptr<prometheus::Collectable>& metrics) {
  const auto collectable = metrics.lock();
  if (!collectable) return {};
  return prometheus::TextSerializer().Serialize(collectable->Collect());
}

/// One scraper's connection: requests answered in turn while it keeps it open.
asio::awaitable<void> serve_scraper(tcp::socket socket,
                                    std::weak_ptr<prometheus::Collectable> metrics) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::empty_body> parser;
    parser.header_limit(16 * 1024);
    stream.expires_after(idle_timeout);
    auto [read_error, n] = co_await http::async_read(stream, buffer, parser, as_tuple_awaitable);
    if (read_error) co_return;
    const auto& req = parser.get();
    const std::string_view target(req.target().data(), req.target().size());
    const std::string_view path = target.substr(0, target.find('?'));
    const bool head = req.method() == http::verb::head;
    http::response<http::string_body> res;
    res.version(req.version());
    res.set(http::field::server, "itlfleet");
    if (req.method() != http::verb::get && !head) {
      res.result(http::status::method_not_allowed);
      res.set(http::field::allow, "GET, HEAD");
      res.body() = "GET /metrics\n";
    } else if (path != "/metrics") {
      res.result(http::status::not_found);
      res.body() = "Prometheus metrics are on /metrics\n";
    } else {
      res.result(http::status::ok);
      res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
      res.body() = scrape(metrics);
    }
    res.keep_alive(req.keep_alive());
    if (head) {
      // The length a GET would get, without the body.
      res.content_length(res.body().size());
      res.body().clear();
    } else {
      res.prepare_payload();
    }
    stream.expires_after(idle_timeout);
    auto [write_error, m] = co_await http::async_write(stream, res, as_tuple_awaitable);
    if (write_error || !res.keep_alive()) co_return;
  }
}

asio::awaitable<void> accept_scrapers(tcp::acceptor& acceptor,
                                      std::weak_ptr<prometheus::Collectable> metrics) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(as_tuple_awaitable);
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) continue;  // e.g. out of descriptors for a moment: keep listening
    asio::co_spawn(acceptor.get_executor(), serve_scraper(std::move(socket), metrics),
                   asio::detached);
  }
}

}  // namespace

struct prometheus_server::impl {
  asio::io_context io{1};
  tcp::acceptor acceptor{io};  // after io: closed before it goes
  std::thread thread;

  ~impl() {
    io.stop();
    if (thread.joinable()) thread.join();
  }
};

result<std::unique_ptr<prometheus_server>> prometheus_server::listen(
    const std::string& address, std::weak_ptr<prometheus::Collectable> metrics) {
  std::string host;
  std::uint16_t port = 0;
  if (!split_host_port(address, host, port))
    return error{"expected HOST:PORT (e.g. 127.0.0.1:9464, [::1]:9464, localhost:9464), got '" +
                 address + "'"};
  std::unique_ptr<prometheus_server> s(new prometheus_server);
  s->impl_ = std::make_unique<impl>();
  auto& io = s->impl_->io;
  auto& acceptor = s->impl_->acceptor;
  const auto cannot = [&](const std::string& why) {
    return error{"cannot listen on " + address + ": " + why};
  };

  // A name (localhost) listens on its first address.
  boost::system::error_code ec;
  tcp::endpoint endpoint;
  const auto literal = asio::ip::make_address(host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(literal, port);
  } else {
    tcp::resolver resolver(io);
    const auto found = resolver.resolve(host, std::to_string(port), ec);
    if (ec || found.empty())
      return cannot("no address for host '" + host + "' (" +
                    (ec ? ec.message() : std::string("no records")) + ")");
    endpoint = found.begin()->endpoint();
  }

  if (acceptor.open(endpoint.protocol(), ec))
    return cannot("cannot open a socket (" + ec.message() + ")");
  acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (acceptor.bind(endpoint, ec))
    return cannot(ec.message() + " (binding " + endpoint.address().to_string() + " port " +
                  std::to_string(port) + ")");
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec)) return cannot(ec.message());
  s->port_ = acceptor.local_endpoint().port();
  asio::co_spawn(io, accept_scrapers(acceptor, std::move(metrics)), asio::detached);
  s->impl_->thread = std::thread([&io] { io.run(); });
  return s;
}

prometheus_server::~prometheus_server() = default;

}  // namespace itlfleet::metrics
