#pragma once
/// Open-file descriptors shared by the servers of one process. Every TFTP
/// transfer, HTTP connection and TVS connection (handshaking or in session)
/// holds a socket; without a budget a flood of one service takes descriptors
/// up to RLIMIT_NOFILE and the other two fail to accept or to open a
/// transfer socket. budget_descriptors() gives each service a share of the
/// soft limit, minus a reserve for everything else, so that each one's own
/// cap keeps the others' descriptors free.
///
///   auto b = budget_descriptors({2000, 2048, 4352}, open_file_limit(), 256);
///   if (!b.fits) log(b.warning);   // then configure b.granted

#include <cstdint>
#include <string>

namespace itlfleet::net {

/// Descriptors each service may hold at once (its caps summed over servers).
struct descriptor_counts {
  std::uint64_t tftp = 0;  ///< serving counts
  std::uint64_t http = 0;  ///< max_connections
  std::uint64_t tvs = 0;   ///< max_handshakes + max_sessions
  std::uint64_t total() const { return tftp + http + tvs; }
  friend bool operator==(const descriptor_counts&, const descriptor_counts&) = default;
};

struct descriptor_budget {
  /// What to configure: the counts asked for when they fit; otherwise each
  /// service's share of (limit - reserve), in proportion to what it asked
  /// and at least 1 for a service that asked any.
  descriptor_counts granted;
  bool fits = true;
  /// Empty when they fit; else one line naming the counts, the limit, what
  /// is served instead and how to raise the limit.
  std::string warning;
};

/// Pure: the same numbers give the same budget.
descriptor_budget budget_descriptors(descriptor_counts wanted, std::uint64_t limit,
                                     std::uint64_t reserve);

/// The process's soft RLIMIT_NOFILE (UINT64_MAX when unlimited or unknown).
std::uint64_t open_file_limit();

}  // namespace itlfleet::net
