#pragma once
/// Helpers for the TFTP tests: an io_context on one thread (the server's
/// threading contract), an in-memory file tree, and a raw UDP socket with
/// bounded receives for speaking exact packets to a server or a client.

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>

#include "itlfleet/net/file_lookup.hpp"
#include "itlfleet/net/tftp_client.hpp"
#include "itlfleet/net/tftp_packet.hpp"
#include "itlfleet/net/tftp_server.hpp"

namespace itlfleet::net::testing {

namespace asio = boost::asio;
using udp = asio::ip::udp;
using namespace std::chrono_literals;

/// An io_context run by one thread until destroyed.
class tftp_loop {
 public:
  tftp_loop() : thread_([this] { io_.run(); }) {}
  ~tftp_loop() {
    work_.reset();
    io_.stop();
    thread_.join();
  }
  asio::any_io_executor executor() { return io_.get_executor(); }

  /// Runs `f` on the loop thread and returns its result, waiting at most 10 s.
  template <class F>
  auto call(F f) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto done = task.get_future();
    asio::post(io_, [&task] { task(); });
    if (done.wait_for(10s) != std::future_status::ready)
      throw std::runtime_error("loop call did not finish in time");
    return done.get();
  }

  /// Starts a coroutine on the loop; the future holds its result.
  template <class T>
  std::future<T> spawn(asio::awaitable<T> op) {
    return asio::co_spawn(io_, std::move(op), asio::use_future);
  }

  /// Runs a coroutine on the loop and waits for it, at most `bound`.
  template <class T>
  T run(asio::awaitable<T> op, std::chrono::seconds bound = 60s) {
    auto done = asio::co_spawn(io_, std::move(op), asio::use_future);
    if (done.wait_for(bound) != std::future_status::ready)
      throw std::runtime_error("coroutine did not finish in time");
    return done.get();
  }

 private:
  asio::io_context io_{1};
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  std::thread thread_;
};

/// Deterministic file content: no two nearby blocks alike.
inline bytes pattern(std::size_t n, std::uint32_t seed = 1) {
  bytes out(n);
  std::uint32_t x = seed * 2654435761u + 12345u;
  for (auto& b : out) {
    x = x * 1103515245u + 12345u;
    b = static_cast<std::uint8_t>(x >> 16);
  }
  return out;
}

/// A file tree in memory, thread-safe.
class file_tree {
 public:
  void put(const std::string& name, bytes content) {
    std::lock_guard lock(mu_);
    files_[name] = std::make_shared<const bytes>(std::move(content));
  }
  file_lookup lookup() {
    return [this](std::string_view name) -> shared_bytes {
      std::lock_guard lock(mu_);
      auto it = files_.find(std::string(name));
      return it == files_.end() ? nullptr : it->second;
    };
  }

 private:
  std::mutex mu_;
  std::map<std::string, shared_bytes> files_;
};

/// A tftp_server on its own loop, started on 127.0.0.1:0, torn down on the loop thread.
class server_harness {
 public:
  explicit server_harness(tftp_server_options options = {},
                          udp::endpoint listen = {asio::ip::make_address("127.0.0.1"), 0}) {
    server_ = loop.call([&] {
      auto s = std::make_unique<tftp_server>(loop.executor(), listen, files.lookup(), options);
      if (auto st = s->start(); !st) throw std::runtime_error(st.err().message);
      return s;
    });
  }
  ~server_harness() {
    loop.call([this] {
      server_.reset();
      return 0;
    });
  }
  tftp_server& server() { return *server_; }
  udp::endpoint endpoint() const { return server_->local_endpoint(); }

  file_tree files;  // declared before the loop so it outlives transfers
  tftp_loop loop;

 private:
  std::unique_ptr<tftp_server> server_;
};

/// A blocking IPv4 UDP socket with bounded receives, for exact packets.
class raw_udp {
 public:
  explicit raw_udp(const char* address = "127.0.0.1", std::uint16_t port = 0) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    if (fd_ < 0) throw std::runtime_error("socket");
    sockaddr_in a = to_sockaddr(udp::endpoint(asio::ip::make_address(address), port));
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
      throw std::runtime_error("bind");
  }
  ~raw_udp() { ::close(fd_); }
  raw_udp(const raw_udp&) = delete;
  raw_udp& operator=(const raw_udp&) = delete;

  udp::endpoint local() const {
    sockaddr_in a{};
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    return from_sockaddr(a);
  }

  void send(byte_view d, const udp::endpoint& to) {
    sockaddr_in a = to_sockaddr(to);
    if (::sendto(fd_, d.data(), d.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0)
      throw std::runtime_error("sendto");
  }
  void send(const tftp_packet& p, const udp::endpoint& to) { send(encode_tftp_packet(p), to); }

  struct datagram {
    bytes data;
    udp::endpoint from;
    /// The datagram parsed; fails the test if it does not parse.
    tftp_packet packet() const {
      auto p = parse_tftp_packet(data);
      if (!p) throw std::runtime_error("unparsable reply: " + p.err().to_string());
      return *p;
    }
  };

  /// The next datagram, or nothing after `wait`.
  std::optional<datagram> receive(std::chrono::milliseconds wait = 20'000ms) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) return std::nullopt;
    datagram d;
    d.data.resize(70000);
    sockaddr_in a{};
    socklen_t len = sizeof a;
    const auto n =
        ::recvfrom(fd_, d.data.data(), d.data.size(), 0, reinterpret_cast<sockaddr*>(&a), &len);
    if (n < 0) return std::nullopt;
    d.data.resize(static_cast<std::size_t>(n));
    d.from = from_sockaddr(a);
    return d;
  }

  /// The next datagram parsed as T; throws if none arrives or it is another packet.
  template <class T>
  std::pair<T, udp::endpoint> expect(std::chrono::milliseconds wait = 20'000ms) {
    auto d = receive(wait);
    if (!d) throw std::runtime_error("no reply");
    auto p = d->packet();
    if (!std::holds_alternative<T>(p)) {
      std::string what = "unexpected packet, opcode " + std::to_string(get_u16(d->data.data()));
      if (auto* e = std::get_if<tftp_error>(&p)) what += ": ERROR " + e->message;
      throw std::runtime_error(what);
    }
    // DATA views d->data: keep the bytes alive by copying into a static-free holder.
    held_ = std::move(d->data);
    if (auto* data = std::get_if<tftp_data>(&p)) data->payload = byte_view(held_).subspan(4);
    return {std::get<T>(p), d->from};
  }

 private:
  static sockaddr_in to_sockaddr(const udp::endpoint& e) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(e.port());
    a.sin_addr.s_addr = htonl(e.address().to_v4().to_uint());
    return a;
  }
  static udp::endpoint from_sockaddr(const sockaddr_in& a) {
    return {asio::ip::address_v4(ntohl(a.sin_addr.s_addr)), ntohs(a.sin_port)};
  }

  int fd_ = -1;
  bytes held_;  ///< the last expect<tftp_data>()'s bytes
};

/// Polls `pred` (state changed by another thread) until true, for at most `bound`.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds bound = 30'000ms) {
  const auto end = std::chrono::steady_clock::now() + bound;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

/// Client options for tests: short waits, a few more re-sends.
inline tftp_get_options quick() {
  tftp_get_options o;
  o.timeout = 200ms;
  o.retries = 5;
  return o;
}

/// The future's value, failing the test (not hanging) when it takes too long.
template <class T>
T get(std::future<T>& f, std::chrono::seconds bound = 60s) {
  if (f.wait_for(bound) != std::future_status::ready) throw std::runtime_error("client hung");
  return f.get();
}

/// A plain RRQ.
inline tftp_packet rrq(std::string name, tftp_options options = {}) {
  return tftp_request{tftp_opcode::rrq, std::move(name), tftp_mode::octet, options, {}};
}

}  // namespace itlfleet::net::testing
