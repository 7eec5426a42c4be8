#pragma once
/// A TVS server: TLS over TCP, one coroutine per connection, several requests
/// per connection, answers from a lookup callback.
///
///   tvs_server server(io.get_executor(), {address_v4::loopback(), 0}, identity,
///                     [&](const tvs_lookup_query& q) { return trust_store.verdict(q); });
///   if (auto st = server.start(); !st) log(st.err().to_string());
///   if (server.security().lowered) log(server.security().to_string());
///
/// Each connection: TLS handshake (bounded by handshake_timeout), then
/// requests until the peer closes, stays silent for idle_timeout, or the
/// session reaches max_session_lifetime. A malformed message (codec error, a
/// response command, a session id that changes within the connection, VERIFY
/// without certificate, QUERY_CERT without serial) closes that connection and
/// is counted.
///
/// Limits against peers that would hold the server (all counted as rejected):
/// a connection still in its handshake takes a place in the handshake pool
/// (max_handshakes), apart from the session pool (max_sessions) that only
/// handshaken peers enter, so unauthenticated peers cannot take session
/// slots; one source address holds at most max_per_source connections of
/// either kind. A connection accepted past max_handshakes or max_per_source
/// is closed at once; one that completes its handshake past max_sessions is
/// closed then.
///
/// Thread-safety: all members may be called from any thread; the executor
/// may be run by several threads (each connection gets its own strand). The
/// lookup is called from those threads and must be thread-safe. Destroying
/// the server stops it; connections in flight end on their own.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "itlfleet/net/tvs_message.hpp"
#include "itlfleet/net/tvs_tls.hpp"
#include "itlfleet/sim/pki.hpp"
#include "itlfleet/sim/result.hpp"

namespace itlfleet::net {

/// What a client asked. VERIFY carries the certificate; QUERY_CERT carries
/// subject, issuer and serial (the other fields are empty).
struct tvs_lookup_query {
  tvs_command command = tvs_command::verify_request;
  std::string device_name;        ///< e.g. "CP-8861-SEP001E7A000001", empty if not sent
  bytes certificate;              ///< DER (VERIFY)
  std::string subject;            ///< QUERY_CERT
  std::string issuer;             ///< QUERY_CERT
  bytes serial;                   ///< QUERY_CERT, raw big-endian
  boost::asio::ip::address peer;  ///< the client's source address
};

/// The answer. For a valid QUERY_CERT, `certificate` is the DER of the
/// certificate found, returned so the client can check a signature with it.
struct tvs_verdict {
  bool valid = false;
  bytes roles;            ///< ITL FUNCTION codes, one byte each (valid only)
  std::uint32_t ttl = 0;  ///< seconds the client may cache the answer (valid only)
  bytes certificate;      ///< DER (valid QUERY_CERT only)
};

using tvs_lookup = std::function<tvs_verdict(const tvs_lookup_query&)>;

struct tvs_server_options {
  /// TLS sessions served at once (handshake completed).
  std::size_t max_sessions = 4096;
  /// Connections in their TLS handshake at once: the pool unauthenticated
  /// peers draw from. Each waits at most handshake_timeout, so 256 serves
  /// 50 handshakes a second arriving in a burst lasting 5 s.
  std::size_t max_handshakes = 256;
  /// Connections open at once from one source address, handshaking or in a
  /// session. A phone has one at a time.
  std::size_t max_per_source = 32;
  std::chrono::milliseconds handshake_timeout{5000};
  std::chrono::milliseconds idle_timeout{10000};  ///< silence allowed between or within messages
  /// Longest life of a session from its handshake: a client that keeps
  /// asking within idle_timeout is closed after it (its next query opens a
  /// new connection, as phones do anyway).
  std::chrono::milliseconds max_session_lifetime{120'000};
  std::size_t max_message = tvs_default_max_message;
  /// A slower TVS with a known capacity (`itlfleet serve --tvs-concurrency`),
  /// served like the virtual engine's TVS station: with `workers` above 0,
  /// each connection waits, first come first served, for one of `workers`
  /// turns of handshake_cost + query_cost (net::worker_schedule), then
  /// waits handshake_cost before its TLS handshake, and answers each query
  /// query_cost after reading it. A connection whose turn would start more
  /// than handshake_timeout away is closed at once (counted as rejected).
  /// 0: no turns, no added cost.
  std::size_t workers = 0;
  std::chrono::microseconds handshake_cost{0};
  std::chrono::microseconds query_cost{0};
  /// Called (from set_credentials' caller, and from the constructor) when a
  /// context had to lower OpenSSL's security level for its key; may be empty.
  std::function<void(const tvs_tls_security&)> on_security_lowered;
};

/// A snapshot of the counters, all since construction.
struct tvs_server_stats {
  std::uint64_t connections = 0;  ///< TCP connections accepted
  /// Closed unserved: max_handshakes, max_per_source or max_sessions reached.
  std::uint64_t rejected = 0;
  std::uint64_t rejected_per_source = 0;  ///< of `rejected`: max_per_source reached
  std::uint64_t handshakes_ok = 0;
  std::uint64_t handshakes_failed = 0;  ///< TLS error, peer gone or handshake_timeout
  std::uint64_t queries_valid = 0;      ///< requests answered valid
  std::uint64_t queries_invalid = 0;    ///< requests answered invalid
  std::uint64_t malformed = 0;          ///< connections closed for a malformed message
  std::uint64_t idle_timeouts = 0;      ///< connections closed after idle_timeout
  std::uint64_t lifetime_ends = 0;      ///< sessions closed at max_session_lifetime
  std::uint64_t active_handshakes = 0;  ///< connections in their handshake now
  std::uint64_t active_sessions = 0;    ///< sessions (handshake completed) open now
  std::uint64_t peak_sessions = 0;      ///< most sessions open at once
};

class tvs_server {
 public:
  /// `credentials`: the TVS certificate and its private key (see
  /// sim::identity_factory; PEM files via sim::rsa_key/certificate::from_pem).
  /// Bad credentials are reported by start(). Nothing listens until start().
  tvs_server(boost::asio::any_io_executor executor, boost::asio::ip::tcp::endpoint endpoint,
             const sim::identity& credentials, tvs_lookup lookup, tvs_server_options options = {});
  ~tvs_server();
  tvs_server(const tvs_server&) = delete;
  tvs_server& operator=(const tvs_server&) = delete;

  /// Binds and listens. After stop(), binds again to the port bound first
  /// (so a restarted TVS keeps its address even when constructed with port 0).
  /// Errors: bad credentials, the address in use, already started.
  status start();
  /// Closes the listener and every open connection. start() may follow.
  void stop();

  /// Replaces the certificate presented by new handshakes (a TVS certificate
  /// regeneration); connections already established keep theirs.
  result<tvs_tls_security> set_credentials(const sim::identity& credentials);
  /// The security level of the current credentials.
  tvs_tls_security security() const;

  /// Where the server listens (port resolved); unspecified before start().
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  tvs_server_stats stats() const;

  struct impl;

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace itlfleet::net
