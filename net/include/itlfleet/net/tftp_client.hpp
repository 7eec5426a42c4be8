#pragma once
/// Downloads one file over TFTP (RRQ, octet) into memory, as a phone does.
///
/// By default it sends no options and expects 512-byte blocks, like real
/// phones. With `blksize`/`tsize` set it sends them; an OACK is answered with
/// ACK 0; an ERROR 8 (options refused) makes it ask once more without options.
/// The first reply from the server's address fixes the server's TID (port);
/// packets from any other source get ERROR 5 and are otherwise ignored.
/// Duplicate DATA is re-ACKed, not appended twice.
///
/// Fault injection for tests and live runs: `loss` drops each received
/// datagram with that probability (deterministic from `seed`); `delay` is
/// waited before each send.
///
/// Bounds: `max_size` bytes per file (ERROR 3 "File too large" past it) and
/// `deadline` for the whole transfer, however steadily the server drips.
///
/// Thread-safety: each call is independent; run on any executor. The
/// overload over a `udp_mux` shares its sockets with other exchanges: one
/// thread only.
///
///   auto r = co_await tftp_get(phone_ip, {server_ip, 69}, "ITLFile.tlv", {});
///   if (r.outcome == tftp_outcome::ok) use(r.data);

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/udp.hpp>

#include "itlfleet/net/udp_mux.hpp"
#include "itlfleet/sim/bytes.hpp"

namespace itlfleet::net {

struct tftp_get_options {
  /// Wait for each reply this long before re-sending the last packet.
  std::chrono::steady_clock::duration timeout = std::chrono::seconds(1);
  /// Re-sends of one packet before giving up with `timeout`.
  std::uint32_t retries = 3;
  /// Options to request (default none, like real phones).
  std::optional<std::uint16_t> blksize;
  bool request_tsize = false;
  /// Refuse (ERROR 3 to the server, outcome protocol_error) files larger than this.
  std::size_t max_size = 16u << 20;
  /// The whole transfer, request to last block; past it the download ends
  /// (outcome timeout, failure deadline) even if every block came in time.
  std::chrono::steady_clock::duration deadline = std::chrono::seconds(60);
  /// Probability in [0, 1] that each received datagram is dropped unseen.
  double loss = 0.0;
  /// Seed of the loss decisions: same seed, same drops.
  std::uint64_t seed = 0;
  /// Waited before every send (RRQ, ACK, ERROR).
  std::chrono::steady_clock::duration delay{};
  /// Called once, when the first DATA block arrives: from then on the
  /// server is serving the transfer (a client's count of the transfers a
  /// server has in progress, refused and queued requests left out).
  std::function<void()> on_first_data;
};

enum class tftp_outcome {
  ok,              ///< the whole file is in `data`
  not_found,       ///< ERROR 1
  refused,         ///< any other ERROR from the server (serving count, access, ...)
  timeout,         ///< no answer after `retries` re-sends
  protocol_error,  ///< the server broke the protocol, or the file exceeded max_size
  local_error,     ///< our own socket failed (bind, send): `error_message` says why
};

std::string_view to_string(tftp_outcome outcome);

/// Why a download did not end ok: finer than the outcome, for counting.
enum class tftp_failure {
  none,              ///< ok
  not_found,         ///< ERROR 1
  error_packet,      ///< another ERROR (its code in error_code)
  no_reply,          ///< nothing after the re-sends
  deadline,          ///< the transfer outlasted options.deadline
  malformed,         ///< a reply that does not parse
  oversized_block,   ///< DATA larger than the block size
  unrequested_oack,  ///< OACK to a request without options
  bad_oack,          ///< OACK with a block size we did not ask for
  too_large,         ///< the file exceeds options.max_size
  descriptors,       ///< local: no descriptor for a socket (EMFILE, ENFILE)
  memory,            ///< local: no memory or buffers (ENOMEM, ENOBUFS)
  local,             ///< local: another socket error (bind, send)
};

std::string_view to_string(tftp_failure failure);

/// The local failure `ec` is: descriptors, memory or local.
tftp_failure local_failure(const boost::system::error_code& ec);

struct tftp_get_result {
  tftp_outcome outcome = tftp_outcome::timeout;
  tftp_failure failure = tftp_failure::no_reply;
  /// The ERROR packet's code when the server sent one.
  std::optional<std::uint16_t> error_code;
  /// The server's ERROR message, or our description of what went wrong.
  std::string error_message;
  bytes data;
  std::uint32_t retransmissions = 0;  ///< packets we sent again after a timeout
  std::uint64_t bytes_received = 0;   ///< UDP payload bytes received (all datagrams)
  std::uint64_t bytes_sent = 0;       ///< UDP payload bytes sent
  std::uint32_t dropped = 0;          ///< datagrams dropped by `loss` injection
};

/// Downloads `filename` from `server`, sending from an ephemeral port on
/// `local`. Never throws for network or protocol failures: see `outcome`.
boost::asio::awaitable<tftp_get_result> tftp_get(boost::asio::ip::address local,
                                                 boost::asio::ip::udp::endpoint server,
                                                 std::string filename, tftp_get_options options);

/// The same download over `mux`'s shared sockets (IPv4 `local` only; an IPv6
/// one takes a socket of its own as above).
boost::asio::awaitable<tftp_get_result> tftp_get(udp_mux& mux, boost::asio::ip::address local,
                                                 boost::asio::ip::udp::endpoint server,
                                                 std::string filename, tftp_get_options options);

}  // namespace itlfleet::net
