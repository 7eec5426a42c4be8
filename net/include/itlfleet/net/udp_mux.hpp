#pragma once
/// Many phones' UDP exchanges over a few sockets, each phone still sending
/// from its own loopback address.
///
/// Every socket is bound to 0.0.0.0 on a port of its own with IP_PKTINFO
/// set: a send names the phone's address as the source
/// (`in_pktinfo::ipi_spec_dst`; on Linux every 127.0.0.0/8 address is local,
/// so no IP_FREEBIND or IP_TRANSPARENT is needed), a receive learns the
/// address a datagram was sent to from the control message. Replies go to
/// the exchange registered for (that address, the socket's port). One
/// address holds at most one exchange per socket; another exchange from the
/// same address (an abandoned one still waiting out its timeout) takes the
/// next socket, opened when first needed. Phones spread over `spread`
/// sockets by address so that no one receive queue takes the whole fleet.
///
/// Each exchange of an address starts one socket further on than its last
/// (a new port per transfer, as a phone takes): a server still sending for
/// the last one (a retransmitted DATA, or a second transfer started by a
/// request sent again) sends to a port the address no longer listens on.
/// When the offsets come round again (`spread` exchanges later, or with
/// `spread` 1), datagrams from the peers of an address's ended exchange are
/// not given to its next exchange on that socket (for 60 s, or until it
/// sends to that peer itself). Both count as `unmatched`.
///
/// The unspecified address 0.0.0.0 as `local` leaves the source to the
/// kernel (the host's own address toward the server, as phones behind one
/// pod's address send to a real network): such an exchange takes the
/// socket's port for itself, and a socket holds at most one, so exchanges
/// from 0.0.0.0 each have a socket of their own while they last.
///
/// Datagrams the kernel dropped on a full receive queue are counted
/// (SO_RXQ_OVFL), as are those the mux dropped: no exchange waiting, or an
/// exchange's queue full. Not thread-safe: use from the one thread that runs
/// the executor's io_context.
///
///   udp_mux mux(io.get_executor());
///   auto r = co_await tftp_get(mux, phone_ip, {server_ip, 69}, "ITLFile.tlv", {});

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <tuple>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/system/error_code.hpp>

namespace itlfleet::net {

struct udp_mux_stats {
  std::uint64_t sockets = 0;           ///< sockets open now (descriptors)
  std::uint64_t exchanges = 0;         ///< exchanges open now
  std::uint64_t peak_exchanges = 0;    ///< most exchanges open at once
  std::uint64_t kernel_drops = 0;      ///< datagrams dropped on full receive queues (SO_RXQ_OVFL)
  std::uint64_t unmatched = 0;         ///< datagrams for no open exchange (late replies, also
                                       ///< to an address's ended exchange while the next is open)
  std::uint64_t queue_drops = 0;       ///< datagrams dropped on a full exchange queue
  std::uint64_t send_would_block = 0;  ///< sends dropped on a full send buffer
};

namespace detail {
struct udp_mux_state;
}

class udp_mux {
 public:
  /// `spread`: sockets phones are spread over by address (more are opened
  /// only for a second exchange from one address). `queue_limit`: datagrams
  /// an exchange holds before it reads them; more are dropped and counted.
  explicit udp_mux(const boost::asio::any_io_executor& ex, std::size_t spread = 8,
                   std::size_t queue_limit = 16);
  ~udp_mux();
  udp_mux(const udp_mux&) = delete;
  udp_mux& operator=(const udp_mux&) = delete;

  /// One phone's conversation. Owned by its user; closing or destroying it
  /// unregisters it.
  class exchange {
   public:
    virtual ~exchange() = default;
    /// Sends `b` to `to` from the exchange's address; false with `ec` on a
    /// socket error (a full send buffer is not one: the datagram is dropped
    /// and counted, as the network would lose it).
    virtual bool send(boost::asio::const_buffer b, const boost::asio::ip::udp::endpoint& to,
                      boost::system::error_code& ec) = 0;
    /// Receives pending at `t` end with operation_aborted and expired() set.
    virtual void set_deadline(std::chrono::steady_clock::time_point t) = 0;
    virtual bool expired() const = 0;
    /// The next datagram (cut to the buffer), or operation_aborted at the deadline.
    virtual boost::asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> receive(
        boost::asio::mutable_buffer b, boost::asio::ip::udp::endpoint& from) = 0;
    virtual void close() = 0;
  };

  /// Opens an exchange sending from `local`. Fails (nullptr, `ec`) only when
  /// a socket was needed and could not be opened (EMFILE, ENFILE, ENOMEM...).
  std::unique_ptr<exchange> open(boost::asio::ip::address_v4 local, boost::system::error_code& ec);

  udp_mux_stats stats() const;
  /// Closes every socket; open exchanges end at their next receive.
  void close();

 private:
  std::shared_ptr<detail::udp_mux_state> state_;
};

}  // namespace itlfleet::net
