#include "itlfleet/net/tvs_client.hpp"

#include <algorithm>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/strand.hpp>

#include "itlfleet/sim/crypto.hpp"
#include "tvs_io.hpp"

namespace itlfleet::net {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using asio::ip::tcp;
using detail::clock;
using detail::use_tuple;

std::string_view to_string(tvs_outcome o) {
  switch (o) {
    case tvs_outcome::valid:
      return "valid";
    case tvs_outcome::invalid:
      return "invalid";
    case tvs_outcome::unreachable:
      return "unreachable";
    case tvs_outcome::untrusted_server:
      return "untrusted_server";
    case tvs_outcome::protocol_error:
      return "protocol_error";
    case tvs_outcome::local_error:
      return "local_error";
  }
  return "unknown";
}

namespace {

tvs_client_result fail(tvs_client_result r, tvs_outcome o, std::string detail) {
  r.outcome = o;
  r.detail = std::move(detail);
  return r;
}

tvs_message request_message(const tvs_client_request& req) {
  tvs_message m;
  m.session_id = req.session_id;
  if (!req.device_name.empty()) m.device_name = req.device_name;
  if (!req.certificate.empty()) {
    m.command = tvs_command::verify_request;
    m.certificate = req.certificate;
  } else {
    m.command = tvs_command::query_request;
    m.subject = req.subject;
    m.issuer = req.issuer;
    m.serial = req.serial;
  }
  return m;
}

/// Judges the server's answer to `asked`.
tvs_client_result judge(tvs_client_result r, const tvs_message& asked, const tvs_message& answer) {
  if (answer.command != response_to(asked.command))
    return fail(std::move(r), tvs_outcome::protocol_error,
                "answer has command " + std::to_string(static_cast<int>(answer.command)) +
                    ", expected " + std::to_string(static_cast<int>(response_to(asked.command))));
  if (answer.session_id != asked.session_id)
    return fail(std::move(r), tvs_outcome::protocol_error,
                "answer has session id " + std::to_string(answer.session_id) + ", expected " +
                    std::to_string(asked.session_id));
  if (!answer.status)
    return fail(std::move(r), tvs_outcome::protocol_error, "answer has no status");
  if (asked.command == tvs_command::verify_request) r.signer_certificate = *asked.certificate;
  if (*answer.status == tvs_status::invalid) {
    r.outcome = tvs_outcome::invalid;
    return r;
  }
  if (asked.command == tvs_command::query_request && answer.certificate) {
    auto cert = sim::certificate::from_der(*answer.certificate);
    if (!cert)
      return fail(std::move(r), tvs_outcome::protocol_error,
                  "returned certificate does not parse: " + cert.err().to_string());
    if (cert->serial() != *asked.serial)
      return fail(std::move(r), tvs_outcome::protocol_error,
                  "returned certificate has serial " + to_hex(cert->serial()) + ", asked " +
                      to_hex(*asked.serial));
    r.signer_certificate = *answer.certificate;
  }
  r.outcome = tvs_outcome::valid;
  r.roles = answer.roles.value_or(bytes{});
  r.ttl = answer.ttl.value_or(0);
  return r;
}

asio::awaitable<tvs_client_result> exchange(asio::ip::address local, tcp::endpoint server,
                                            ssl::context& ctx, const tvs_client_request& req,
                                            clock::time_point deadline) {
  tvs_client_result r;
  ssl::stream<tcp::socket> stream(co_await asio::this_coro::executor, ctx);
  auto& socket = stream.next_layer();
  boost::system::error_code ec;
  socket.open(server.protocol(), ec);
  if (!ec && !local.is_unspecified()) socket.bind(tcp::endpoint(local, 0), ec);
  if (ec) {
    r.local_error = ec;
    co_return fail(std::move(r), tvs_outcome::local_error,
                   "cannot send from " + local.to_string() + ": " + ec.message());
  }
  const auto since = [](clock::time_point& from) {
    const auto now = clock::now();
    const auto d = std::chrono::duration_cast<std::chrono::microseconds>(now - from);
    from = now;
    return d;
  };
  auto phase = clock::now();
  std::tie(ec) = co_await socket.async_connect(server, use_tuple);
  if (ec) co_return fail(std::move(r), tvs_outcome::unreachable, "connect: " + ec.message());
  r.connect_time = since(phase);
  std::tie(ec) = co_await stream.async_handshake(ssl::stream_base::client, use_tuple);
  if (ec) co_return fail(std::move(r), tvs_outcome::unreachable, "TLS handshake: " + ec.message());
  r.handshake_time = since(phase);

  r.server_certificate = peer_certificate_der(stream.native_handle());
  r.server_sha1 = sim::sha1(r.server_certificate);
  const auto& trusted = req.trusted_server_sha1;
  if (!trusted.empty() && std::find(trusted.begin(), trusted.end(), r.server_sha1) == trusted.end())
    co_return fail(std::move(r), tvs_outcome::untrusted_server,
                   "server certificate " + to_hex(r.server_sha1) + " is not in the ITL");

  const tvs_message asked = request_message(req);
  auto wire = encode_tvs_message(asked);
  if (!wire) co_return fail(std::move(r), tvs_outcome::protocol_error, wire.err().to_string());
  if (!co_await detail::write_all(stream, *wire, deadline - clock::now()))
    co_return fail(std::move(r), tvs_outcome::unreachable, "connection lost while sending");
  auto in =
      co_await detail::read_tvs_message(stream, tvs_default_max_message, deadline - clock::now());
  if (in.outcome == detail::read_outcome::message) r.answer_time = since(phase);
  switch (in.outcome) {
    case detail::read_outcome::message:
      break;
    case detail::read_outcome::timeout:
      co_return fail(std::move(r), tvs_outcome::unreachable, "no answer in time");
    case detail::read_outcome::closed:
      co_return fail(std::move(r), tvs_outcome::unreachable,
                     "connection closed before the answer: " + in.problem.message);
    case detail::read_outcome::malformed:
      co_return fail(std::move(r), tvs_outcome::protocol_error, in.problem.to_string());
  }
  co_return judge(std::move(r), asked, in.message);
}

}  // namespace

asio::awaitable<tvs_client_result> tvs_query(asio::ip::address local, tcp::endpoint server,
                                             ssl::context& ctx, tvs_client_request req,
                                             std::chrono::milliseconds timeout) {
  // The timeouts race an operation against a timer; on a multi-threaded
  // executor both must run on one strand, or their completions would touch
  // the coroutine's cancellation state from two threads at once.
  auto strand = asio::make_strand(co_await asio::this_coro::executor);
  co_return co_await asio::co_spawn(
      strand,
      [](asio::ip::address from, tcp::endpoint to, ssl::context& c, tvs_client_request r,
         std::chrono::milliseconds limit) -> asio::awaitable<tvs_client_result> {
        const auto deadline = clock::now() + limit;
        auto out = co_await detail::with_timeout(exchange(from, to, c, r, deadline), limit);
        if (!out) {
          tvs_client_result late;
          late.outcome = tvs_outcome::unreachable;
          late.detail = "timed out after " + std::to_string(limit.count()) + " ms";
          co_return late;
        }
        co_return std::move(*out);
      }(local, server, ctx, std::move(req), timeout),
      asio::use_awaitable);
}

}  // namespace itlfleet::net
