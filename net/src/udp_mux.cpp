#include "itlfleet/net/udp_mux.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <optional>
#include <unordered_map>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace itlfleet::net {

namespace asio = boost::asio;
using asio::ip::udp;
using boost::system::error_code;
using clock_type = std::chrono::steady_clock;

namespace detail {

/// One datagram's header: address `peer`, the bytes in `iov`, room for
/// control messages in `control`.
template <std::size_t N>
msghdr message_header(sockaddr_in& peer, iovec& iov, char (&control)[N]) {
  msghdr msg{};
  msg.msg_name = &peer;
  msg.msg_namelen = sizeof peer;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = N;
  return msg;
}

class mux_exchange;

/// Where an ended exchange heard from, and when it ended: a server that
/// has not seen the end (its retransmission, our lost last ACK) keeps
/// sending from there for a while.
struct ended_exchange {
  std::vector<udp::endpoint> peers;
  clock_type::time_point at;
};

/// How long datagrams from an ended exchange's peers are kept from the next
/// exchange of the same address: longer than a server retransmits (its
/// timeout is capped at 10 s, a few re-sends).
constexpr auto stale_peer_hold = std::chrono::seconds(60);
/// Peers an exchange remembers (a TFTP transfer has one; a request sent
/// again may start a second transfer).
constexpr std::size_t max_remembered_peers = 4;

struct mux_socket {
  explicit mux_socket(const asio::any_io_executor& ex) : sock(ex) {}
  udp::socket sock;
  std::unordered_map<std::uint32_t, mux_exchange*> by_address;
  /// Per address, the peers of its last ended exchange on this socket (a
  /// phone's exchanges share its address and this socket's port, where a
  /// phone in the field takes a new port per transfer).
  std::unordered_map<std::uint32_t, ended_exchange> ended;
  std::uint32_t overflows_seen = 0;  ///< the kernel's SO_RXQ_OVFL count, last read
};

struct udp_mux_state : std::enable_shared_from_this<udp_mux_state> {
  udp_mux_state(const asio::any_io_executor& e, std::size_t s, std::size_t q)
      : ex(e), spread(std::max<std::size_t>(1, s)), queue_limit(std::max<std::size_t>(1, q)) {}

  asio::any_io_executor ex;
  std::size_t spread;
  std::size_t queue_limit;
  std::vector<std::unique_ptr<mux_socket>> sockets;  ///< stable; null until first needed
  bool closed = false;
  /// Per address, the socket offset its next exchange starts from: each
  /// exchange of an address starts one socket further on.
  std::unordered_map<std::uint32_t, std::uint32_t> next_offset;
  udp_mux_stats stats;
  std::vector<std::uint8_t> rx = std::vector<std::uint8_t>(65536);

  mux_socket* socket_at(std::size_t j, error_code& ec);
  bool read_one(mux_socket& s);
};

class mux_exchange final : public udp_mux::exchange {
 public:
  mux_exchange(std::shared_ptr<udp_mux_state> st, mux_socket& s, asio::ip::address_v4 local)
      : st_(std::move(st)), socket_(&s), local_(local), wake_(st_->ex) {
    socket_->by_address.emplace(local_.to_uint(), this);
    if (auto it = socket_->ended.find(local_.to_uint()); it != socket_->ended.end()) {
      if (clock_type::now() - it->second.at < stale_peer_hold) stale_ = std::move(it->second.peers);
      socket_->ended.erase(it);
    }
    auto& stats = st_->stats;
    stats.peak_exchanges = std::max(stats.peak_exchanges, ++stats.exchanges);
  }
  ~mux_exchange() override { close(); }

  bool send(asio::const_buffer b, const udp::endpoint& to, error_code& ec) override {
    if (closed_ || !socket_->sock.is_open()) {
      ec = asio::error::bad_descriptor;
      return false;
    }
    // A peer we talk to is ours now, whoever it served before.
    std::erase(stale_, to);
    sockaddr_in dst{};
    dst.sin_family = AF_INET;
    dst.sin_port = htons(to.port());
    dst.sin_addr.s_addr = htonl(to.address().to_v4().to_uint());
    iovec iov{const_cast<void*>(b.data()), b.size()};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in_pktinfo))] = {};
    msghdr msg = message_header(dst, iov, control);
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
    in_pktinfo info{};
    info.ipi_spec_dst.s_addr = htonl(local_.to_uint());
    std::memcpy(CMSG_DATA(c), &info, sizeof info);
    if (::sendmsg(socket_->sock.native_handle(), &msg, MSG_DONTWAIT) >= 0) return true;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
      ++st_->stats.send_would_block;  // lost here, as a full network would lose it
      return true;
    }
    ec = error_code(errno, boost::system::system_category());
    return false;
  }

  void set_deadline(clock_type::time_point t) override {
    deadline_ = t;
    expired_ = false;
  }
  bool expired() const override { return expired_; }

  asio::awaitable<std::tuple<error_code, std::size_t>> receive(asio::mutable_buffer b,
                                                               udp::endpoint& from) override {
    for (;;) {
      if (!queue_.empty()) {
        const auto& d = queue_.front();
        const std::size_t n = std::min(b.size(), d.second.size());
        std::memcpy(b.data(), d.second.data(), n);
        from = d.first;
        queue_.pop_front();
        co_return std::tuple{error_code{}, n};
      }
      if (closed_ || st_->closed) co_return std::tuple{error_code(asio::error::bad_descriptor), 0};
      if (clock_type::now() >= deadline_) {
        expired_ = true;
        co_return std::tuple{error_code(asio::error::operation_aborted), 0};
      }
      wake_.expires_at(deadline_);
      co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
    }
  }

  void close() override {
    if (closed_) return;
    closed_ = true;
    socket_->by_address.erase(local_.to_uint());
    if (!heard_from_.empty() && !st_->closed)
      socket_->ended[local_.to_uint()] = {std::move(heard_from_), clock_type::now()};
    --st_->stats.exchanges;
    wake_.cancel();
  }

  /// The mux closed: a waiting receive ends now.
  void wake() { wake_.cancel(); }

  void deliver(const udp::endpoint& from, const std::uint8_t* p, std::size_t n) {
    // A late reply to this address's previous exchange (a retransmitted
    // DATA of the last file) is not the answer to this one.
    if (std::find(stale_.begin(), stale_.end(), from) != stale_.end()) {
      ++st_->stats.unmatched;
      return;
    }
    if (heard_from_.size() < max_remembered_peers &&
        std::find(heard_from_.begin(), heard_from_.end(), from) == heard_from_.end())
      heard_from_.push_back(from);
    if (queue_.size() >= st_->queue_limit) {
      ++st_->stats.queue_drops;
      return;
    }
    queue_.emplace_back(from, std::vector<std::uint8_t>(p, p + n));
    wake_.cancel();
  }

 private:
  std::shared_ptr<udp_mux_state> st_;
  mux_socket* socket_;
  asio::ip::address_v4 local_;
  asio::steady_timer wake_;  ///< waits for the deadline; a datagram cancels it
  std::deque<std::pair<udp::endpoint, std::vector<std::uint8_t>>> queue_;
  std::vector<udp::endpoint> heard_from_;  ///< peers that sent to this exchange
  std::vector<udp::endpoint> stale_;       ///< the previous exchange's peers, not ours
  clock_type::time_point deadline_{};
  bool expired_ = false;
  bool closed_ = false;
};

namespace {

asio::awaitable<void> receive_loop(std::shared_ptr<udp_mux_state> self, mux_socket* s) {
  for (;;) {
    auto [ec] =
        co_await s->sock.async_wait(udp::socket::wait_read, asio::as_tuple(asio::use_awaitable));
    if (ec || self->closed || !s->sock.is_open()) co_return;
    // Drain the queue: readiness is signalled once per edge, so stopping
    // early would leave datagrams queued until the next arrival and let the
    // kernel's queue overflow under load. Every 4096, let the phones run.
    for (;;) {
      int n = 0;
      while (n < 4096 && self->read_one(*s)) ++n;
      if (n < 4096) break;
      co_await asio::post(self->ex, asio::use_awaitable);
      if (self->closed || !s->sock.is_open()) co_return;
    }
  }
}

/// Bytes of receive buffer asked for each shared socket (the kernel doubles it).
constexpr int receive_buffer = 32 << 20;

void set_int(udp::socket& s, int level, int name, int value) {
  (void)::setsockopt(s.native_handle(), level, name, &value, sizeof value);
}

}  // namespace

mux_socket* udp_mux_state::socket_at(std::size_t j, error_code& ec) {
  if (sockets.size() <= j) sockets.resize(j + 1);
  if (sockets[j]) return sockets[j].get();
  auto s = std::make_unique<mux_socket>(ex);
  s->sock.open(udp::v4(), ec);
  if (ec) return nullptr;
  set_int(s->sock, IPPROTO_IP, IP_PKTINFO, 1);
  set_int(s->sock, SOL_SOCKET, SO_RXQ_OVFL, 1);
  // A shared socket queues what per-phone sockets queued apart, while the
  // thread works through a long run queue: ask for large buffers, past
  // net.core.rmem_max where allowed (CAP_NET_ADMIN), else up to it.
  if (::setsockopt(s->sock.native_handle(), SOL_SOCKET, SO_RCVBUFFORCE, &receive_buffer,
                   sizeof receive_buffer) != 0)
    set_int(s->sock, SOL_SOCKET, SO_RCVBUF, receive_buffer);
  set_int(s->sock, SOL_SOCKET, SO_SNDBUF, 4 << 20);
  s->sock.bind(udp::endpoint(asio::ip::address_v4::any(), 0), ec);
  if (!ec) s->sock.non_blocking(true, ec);
  if (ec) return nullptr;
  mux_socket* raw = s.get();
  sockets[j] = std::move(s);
  ++stats.sockets;
  asio::co_spawn(ex, receive_loop(shared_from_this(), raw), asio::detached);
  return raw;
}

bool udp_mux_state::read_one(mux_socket& s) {
  sockaddr_in src{};
  iovec iov{rx.data(), rx.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in_pktinfo)) + CMSG_SPACE(sizeof(std::uint32_t))];
  msghdr msg = message_header(src, iov, control);
  const ssize_t n = ::recvmsg(s.sock.native_handle(), &msg, MSG_DONTWAIT);
  if (n < 0) return errno == EINTR;  // EAGAIN: drained
  std::optional<std::uint32_t> to;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      in_pktinfo info{};
      std::memcpy(&info, CMSG_DATA(c), sizeof info);
      to = ntohl(info.ipi_addr.s_addr);
    } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
      std::uint32_t dropped = 0;
      std::memcpy(&dropped, CMSG_DATA(c), sizeof dropped);
      stats.kernel_drops += dropped - s.overflows_seen;  // a running count; wraps as u32
      s.overflows_seen = dropped;
    }
  }
  auto it = to ? s.by_address.find(*to) : s.by_address.end();
  // An exchange from 0.0.0.0 (the kernel's choice of source) owns this
  // socket's port whatever address the reply came to.
  if (it == s.by_address.end()) it = s.by_address.find(0);
  if (it == s.by_address.end()) {
    ++stats.unmatched;
    return true;
  }
  const udp::endpoint from(asio::ip::address_v4(ntohl(src.sin_addr.s_addr)), ntohs(src.sin_port));
  it->second->deliver(from, rx.data(), static_cast<std::size_t>(n));
  return true;
}

}  // namespace detail

udp_mux::udp_mux(const asio::any_io_executor& ex, std::size_t spread, std::size_t queue_limit)
    : state_(std::make_shared<detail::udp_mux_state>(ex, spread, queue_limit)) {}

udp_mux::~udp_mux() {
  close();
}

std::unique_ptr<udp_mux::exchange> udp_mux::open(asio::ip::address_v4 local, error_code& ec) {
  ec.clear();
  if (state_->closed) {
    ec = asio::error::bad_descriptor;
    return nullptr;
  }
  const std::size_t spread = state_->spread;
  const std::uint32_t key = local.to_uint();
  // This address's ended exchanges whose hold is over are forgotten
  // wherever they ended: spread over every socket they would pile up.
  const auto now = clock_type::now();
  for (auto& s : state_->sockets)
    if (s)
      if (auto it = s->ended.find(key);
          it != s->ended.end() && now - it->second.at >= detail::stale_peer_hold)
        s->ended.erase(it);
  // A new port per transfer, as RFC 1350's TIDs and phones in the field
  // have it: a transfer the address's last exchange never heard from (a
  // request sent again, answered after the phone moved on) then sends to a
  // port this address no longer listens on, not into its next download.
  // The peers it did hear stay held off if the offsets come round again.
  std::uint32_t& offset = state_->next_offset[key];
  const std::size_t first = (key + offset) % spread;
  offset = static_cast<std::uint32_t>((offset + 1) % spread);
  for (std::size_t k = 0;; ++k) {
    const std::size_t j = k < spread ? (first + k) % spread : k;
    detail::mux_socket* s = state_->socket_at(j, ec);
    if (!s) return nullptr;
    if (!s->by_address.contains(key))
      return std::make_unique<detail::mux_exchange>(state_, *s, local);
  }
}

udp_mux_stats udp_mux::stats() const {
  return state_->stats;
}

void udp_mux::close() {
  if (state_->closed) return;
  state_->closed = true;
  for (auto& s : state_->sockets) {
    if (!s) continue;
    for (auto& [address, x] : s->by_address) x->wake();
    error_code ignored;
    s->sock.close(ignored);
    --state_->stats.sockets;
  }
}

}  // namespace itlfleet::net
