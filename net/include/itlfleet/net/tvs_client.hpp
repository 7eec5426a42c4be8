#pragma once
/// A phone's question to a TVS server: connect from the phone's own address,
/// TLS handshake, check the server's certificate against the ITL's TVS
/// records, ask VERIFY or QUERY_CERT, read the answer.
///
///   auto ctx = make_tvs_client_context();
///   tvs_client_request req{.device_name = "CP-8861-SEP001E7A000001",
///                          .certificate = signer.der(),
///                          .trusted_server_sha1 = itl_tvs_hashes};
///   tvs_client_result r = co_await tvs_query(phone_ip, {tvs_ip, 2445}, ctx, req, 5s);
///
/// Every failure is an outcome, never an exception.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "itlfleet/net/tvs_tls.hpp"
#include "itlfleet/sim/bytes.hpp"

namespace itlfleet::net {

/// What to ask. A non-empty `certificate` sends VERIFY (the whole signer
/// certificate); otherwise QUERY_CERT with subject, issuer and serial.
struct tvs_client_request {
  std::string device_name;  ///< e.g. "CP-8861-SEP001E7A000001"; not sent when empty
  bytes certificate;        ///< signer certificate DER (VERIFY)
  std::string subject;      ///< signer subject (QUERY_CERT)
  std::string issuer;       ///< signer issuer (QUERY_CERT)
  bytes serial;             ///< signer serial, raw big-endian (QUERY_CERT)
  /// SHA-1 digests of the TVS certificates the phone's installed ITL lists;
  /// the phone talks only to a server presenting one of them. Empty: any
  /// server is trusted (no ITL installed).
  std::vector<bytes> trusted_server_sha1;
  std::uint32_t session_id = 1;
};

enum class tvs_outcome {
  valid,             ///< the server vouches for the signer
  invalid,           ///< the server does not
  unreachable,       ///< connect or handshake failed, or the time ran out
  untrusted_server,  ///< the server's certificate is not in trusted_server_sha1
  protocol_error,    ///< the answer was malformed or did not match the question
  local_error,       ///< our own socket could not be opened or bound: `local_error` says why
};
std::string_view to_string(tvs_outcome o);

struct tvs_client_result {
  tvs_outcome outcome = tvs_outcome::unreachable;
  std::string detail;                     ///< why, when not valid/invalid
  boost::system::error_code local_error;  ///< outcome local_error: the socket's error
  bytes server_certificate;               ///< DER of the certificate the server presented
  bytes server_sha1;                      ///< its SHA-1
  bytes signer_certificate;               ///< the one sent (VERIFY) or returned (valid QUERY_CERT)
  bytes roles;                            ///< ITL FUNCTION codes (valid only)
  std::uint32_t ttl = 0;                  ///< seconds (valid only)
  /// How long each phase took, zero for a phase not finished: the TCP
  /// connect, the TLS handshake after it, and the request sent to the
  /// answer read (a load measurement tells handshakes from queries by them).
  std::chrono::microseconds connect_time{0}, handshake_time{0}, answer_time{0};
};

/// Asks `server` from address `local` (unspecified: any), the whole exchange
/// bounded by `timeout`. `ctx` (see make_tvs_client_context) must outlive the
/// operation and may be shared by concurrent queries. A valid QUERY_CERT
/// answer whose certificate does not parse, or whose serial differs from the
/// one asked, is a protocol_error.
boost::asio::awaitable<tvs_client_result> tvs_query(boost::asio::ip::address local,
                                                    boost::asio::ip::tcp::endpoint server,
                                                    boost::asio::ssl::context& ctx,
                                                    tvs_client_request req,
                                                    std::chrono::milliseconds timeout);

}  // namespace itlfleet::net
