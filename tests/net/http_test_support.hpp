#pragma once
/// Helpers for the HTTP tests: an io_context on two threads with a bounded
/// wait for coroutines, and a raw client that sends exact request bytes.

#include <chrono>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace itlfleet::net::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

/// Runs an io_context on `threads` threads until destroyed.
class test_loop {
 public:
  explicit test_loop(int threads = 2) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { ioc_.run(); });
  }
  ~test_loop() {
    work_.reset();
    ioc_.stop();
    for (auto& t : threads_) t.join();
  }
  asio::any_io_executor executor() { return ioc_.get_executor(); }

  /// Runs `op` on the loop and waits for it, at most `bound`.
  template <class T>
  T run(asio::awaitable<T> op, std::chrono::seconds bound = 60s) {
    auto done = asio::co_spawn(ioc_, std::move(op), asio::use_future);
    if (done.wait_for(bound) != std::future_status::ready)
      throw std::runtime_error("coroutine did not finish in time");
    return done.get();
  }

 private:
  asio::io_context ioc_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(ioc_);
  std::vector<std::thread> threads_;
};

struct raw_answers {
  std::vector<http::response<http::string_body>> responses;
  std::string error;    ///< why reading an answer failed, empty if all came
  bool closed = false;  ///< the server closed the connection after the last answer
};

/// Sends each request's exact bytes on one connection and reads one answer
/// after each (a request starting "HEAD " expects no body). With
/// `check_close`, then waits (at most 20 s: a loaded machine, ASan) to see whether the
/// server closes.
inline asio::awaitable<raw_answers> raw_exchange(tcp::endpoint server,
                                                 std::vector<std::string> requests,
                                                 bool check_close = false) {
  constexpr auto tuple = asio::as_tuple(asio::use_awaitable);
  raw_answers out;
  beast::tcp_stream stream(co_await asio::this_coro::executor);
  stream.expires_after(5s);
  co_await stream.async_connect(server, asio::use_awaitable);
  beast::flat_buffer buffer;
  for (const auto& request : requests) {
    auto [write_error, written] = co_await asio::async_write(stream, asio::buffer(request), tuple);
    if (write_error) {
      out.error = "write: " + write_error.message();
      co_return out;
    }
    http::response_parser<http::string_body> parser;
    parser.skip(request.rfind("HEAD ", 0) == 0);
    auto [read_error, n] = co_await http::async_read(stream, buffer, parser, tuple);
    if (read_error) {
      out.error = "read: " + read_error.message();
      co_return out;
    }
    out.responses.push_back(parser.release());
  }
  if (check_close) {
    stream.expires_after(20s);
    char c = 0;
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(&c, 1), tuple);
    out.closed = ec == asio::error::eof || ec == asio::error::connection_reset;
  }
  co_return out;
}

}  // namespace itlfleet::net::testing
