#pragma once
/// A read-only TFTP server over UDP, as CUCM's TFTP service behaves towards
/// phones: RRQ only, octet bytes, a Maximum Serving Count.
///
/// Protocol behaviour
/// - Each transfer gets its own socket on the listener's address with a new
///   port (its TID) and runs lock-step: one DATA, wait for its ACK.
/// - Options (blksize, tsize, timeout) are answered with an OACK only when
///   the client sent an option the server accepts; otherwise the first DATA
///   (block 1, 512 bytes) goes out directly. Unknown options are ignored.
///   blksize is capped at `max_blksize`. A client `timeout` up to
///   `max_timeout` replaces `retransmit_timeout` for that transfer and is
///   echoed; a larger one is left out of the OACK (RFC 2349 lets a server
///   decline an option, not answer another value) and the server's own
///   timeout applies.
/// - A short (possibly empty) block ends the file; the block number wraps
///   after 65535 for files past 32 MB at 512 bytes a block.
/// - Timeout: the last DATA/OACK is re-sent, at most `max_retransmits` times
///   in a row, then the transfer is dropped silently. Duplicate or old ACKs
///   are ignored (no sorcerer's-apprentice re-send) and do not extend the
///   timeout. The first ACK is awaited at most `first_ack_timeout`, re-sends
///   included, so a request whose peer never answers (a spoofed source)
///   frees its serving slot soon.
/// - Replies: WRQ -> ERROR 2; missing file -> ERROR 1; "mail" mode or a
///   malformed request -> ERROR 4; serving count reached -> ERROR 0
///   "Maximum serving count reached" (CUCM's code for it is not documented,
///   0 "not defined" is the RFC's catch-all); a packet from an unknown TID to
///   a transfer's port -> ERROR 5 to that source, transfer undisturbed.
///   Malformed packets on a transfer socket, and ERROR packets or
///   non-requests on the listener, are dropped and counted (never answered,
///   so two servers cannot ping-pong errors). "netascii" is served as octet.
///
/// Threading: one server runs on one thread. The io_context (or strand)
/// behind `executor` must be run by a single thread at a time; start(),
/// stop() and the destructor must be called from that thread or while it is
/// not running. To use more cores run one server per io_context thread,
/// each on its own address, or on one address with `reuse_port` (the kernel
/// spreads requests by source address and port). stats() may be called from
/// any thread.
///
///   boost::asio::io_context io;
///   tftp_server server(io.get_executor(), {address_v4::loopback(), 0}, lookup, {});
///   if (auto s = server.start(); !s) fail(s.err().message);
///   io.run();

#include <chrono>
#include <cstdint>
#include <memory>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/udp.hpp>

#include "itlfleet/net/file_lookup.hpp"
#include "itlfleet/sim/result.hpp"

namespace itlfleet::net {

struct tftp_server_options {
  /// Concurrent transfers allowed (CUCM's Maximum Serving Count); a RRQ
  /// arriving when this many are active is refused with ERROR 0.
  std::uint32_t max_serving_count = 2000;
  /// Time to wait for an ACK before re-sending the last packet (clamped to
  /// `max_timeout`).
  std::chrono::steady_clock::duration retransmit_timeout = std::chrono::seconds(1);
  /// Longest retransmission timeout used, whoever asks for it: a client's
  /// `timeout` option above it is declined, `retransmit_timeout` is clamped
  /// to it. A silent peer holds a slot at most max_timeout *
  /// (max_retransmits + 1), 60 s with the defaults, instead of 255 s * 6.
  std::chrono::steady_clock::duration max_timeout = std::chrono::seconds(10);
  /// Longest wait for a transfer's first ACK (of the OACK or of DATA block
  /// 1), re-sends included; then the transfer is dropped (`timed_out`).
  std::chrono::steady_clock::duration first_ack_timeout = std::chrono::seconds(15);
  /// Re-sends of one packet before the transfer is abandoned.
  std::uint32_t max_retransmits = 5;
  /// Largest blksize granted to a client that asks (8..65464).
  std::uint16_t max_blksize = 65464;
  /// Sets SO_REUSEPORT on the listener so several servers (one per thread)
  /// can share one address and port.
  bool reuse_port = false;
  /// Server time per DATA packet, for a server that behaves like a slower one
  /// (calibration tests): packets of all transfers take turns, one per
  /// `block_cost`, so n transfers in progress each get a block per
  /// n x block_cost, like the virtual engine's station. Zero: no wait.
  std::chrono::steady_clock::duration block_cost{};
  /// A server whose throughput falls past a concurrency: with n transfers
  /// in progress, past `knee` each DATA packet's turn is longer by
  /// knee_slowdown x (n - knee), like the station's cluster.tftp.knee.
  /// Zero knee_slowdown: no knee.
  std::uint32_t knee = 0;
  std::chrono::steady_clock::duration knee_slowdown{};
};

/// Counters since construction (not reset by stop/start).
struct tftp_server_stats {
  std::uint64_t requests = 0;         ///< datagrams received on the listener
  std::uint64_t files_served = 0;     ///< transfers whose last block was ACKed
  std::uint64_t refused = 0;          ///< RRQs refused: serving count reached
  std::uint64_t not_found = 0;        ///< RRQs for a file the lookup does not know
  std::uint64_t errors_sent = 0;      ///< ERROR packets sent, all codes
  std::uint64_t malformed = 0;        ///< datagrams dropped or refused as malformed/unexpected
  std::uint64_t retransmissions = 0;  ///< DATA/OACK packets sent again after a timeout
  std::uint64_t timed_out = 0;        ///< transfers abandoned after max_retransmits
  std::uint64_t aborted = 0;          ///< transfers ended by a client ERROR or by stop()
  std::uint64_t bytes_sent = 0;       ///< file bytes sent in DATA packets, re-sends included
  std::uint32_t active = 0;           ///< transfers in progress now
  std::uint32_t peak_active = 0;      ///< highest `active` seen
};

class tftp_server {
 public:
  /// Serves `lookup`'s files on `listen` (port 0: an ephemeral port, kept
  /// across stop/start). Does not open a socket until start().
  tftp_server(boost::asio::any_io_executor executor, boost::asio::ip::udp::endpoint listen,
              file_lookup lookup, tftp_server_options options);
  /// Stops the server; transfers still in flight end when the executor runs them next.
  ~tftp_server();
  tftp_server(const tftp_server&) = delete;
  tftp_server& operator=(const tftp_server&) = delete;

  /// Binds the listener and starts answering requests. Fails if the address
  /// cannot be bound; a no-op if running.
  status start();
  /// Closes the listener and aborts all transfers (counted as `aborted`).
  /// start() may be called again; it binds the same port.
  void stop();
  bool running() const;

  /// The bound address and port (after start(); the configured one before).
  boost::asio::ip::udp::endpoint local_endpoint() const;

  /// A snapshot of the counters; thread-safe.
  tftp_server_stats stats() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace itlfleet::net
