#pragma once
/// A TFTP load generator: many concurrent phones downloading one file, each
/// download from one of a range of loopback source addresses, for a bounded
/// count and time. Used by benchmarks to compare TFTP servers (ours,
/// tftpd-hpa, atftpd) under the same load.
///
/// Thread-safety: run_tftp_load(options) runs on the calling coroutine's
/// executor, which must be single-threaded; the blocking overload creates
/// one io_context per thread and merges the figures.
///
///   tftp_load_options o;
///   o.server = {address_v4::loopback(), port};
///   o.filename = "ITLFile.tlv";
///   auto r = run_tftp_load(o, 1);
///   std::printf("%.0f downloads/s, p99 %lld us\n", r.downloads_per_second, r.p99.count());

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/udp.hpp>

#include "itlfleet/net/tftp_client.hpp"

namespace itlfleet::net {

struct tftp_load_options {
  boost::asio::ip::udp::endpoint server;
  std::string filename;
  /// Downloads in flight at any time.
  std::uint32_t concurrency = 64;
  /// Stop starting downloads after this many...
  std::uint64_t max_downloads = 10000;
  /// ...or after this long, whichever comes first; downloads in flight finish.
  std::chrono::steady_clock::duration max_duration = std::chrono::seconds(10);
  /// Download i sends from first_local + (i % local_count): 127.16.0.1 is
  /// address_plan's phone 0.
  boost::asio::ip::address_v4 first_local = boost::asio::ip::make_address_v4("127.16.0.1");
  std::uint32_t local_count = 1024;
  /// Per-download options (timeouts, blksize, loss injection; the seed is
  /// combined with the download's index).
  tftp_get_options get;
  /// When set, an ok download of another size is counted in `wrong_size`.
  std::optional<std::size_t> expected_size;
};

struct tftp_load_result {
  std::uint64_t started = 0;
  std::uint64_t ok = 0;
  std::uint64_t not_found = 0;
  std::uint64_t refused = 0;
  std::uint64_t timeout = 0;
  std::uint64_t protocol_error = 0;
  std::uint64_t local_error = 0;
  std::uint64_t wrong_size = 0;  ///< ok, but not expected_size bytes
  std::uint64_t retransmissions = 0;
  double seconds = 0;               ///< wall time from first start to last finish
  double downloads_per_second = 0;  ///< ok / seconds
  /// Latency of ok downloads, request sent to last ACK sent.
  std::chrono::microseconds p50{}, p90{}, p99{}, max{};
};

/// Runs the load on the current (single-threaded) executor.
boost::asio::awaitable<tftp_load_result> run_tftp_load(tftp_load_options options);

/// Runs the load on `threads` new io_contexts (concurrency and max_downloads
/// split between them) and blocks until it is done.
tftp_load_result run_tftp_load(const tftp_load_options& options, unsigned threads);

}  // namespace itlfleet::net
