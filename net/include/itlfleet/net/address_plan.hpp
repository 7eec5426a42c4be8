#pragma once
/// Loopback addresses of a live run. Every server node listens on its own
/// address and every phone sends from its own, so a server sees distinct
/// devices as it would on a real network, and nothing leaves the machine.
///
///   node n   127.0.(1 + n / 254).(1 + n % 254)     n < 254 * 15 (127.0.1.1 ...)
///   phone i  127.16.0.0 + 1 + i                    i < 2^20 - 2  (127.16.0.1 ... 127.31.255.254)

#include <cstdint>
#include <optional>

#include <boost/asio/ip/address_v4.hpp>

namespace itlfleet::net {

inline constexpr std::uint32_t max_live_nodes = 254 * 15;
inline constexpr std::uint32_t max_live_phones = (1u << 20) - 2;

/// The loopback address node `n` of a cluster listens on; nothing past max_live_nodes.
std::optional<boost::asio::ip::address_v4> node_address(std::uint32_t n);

/// The loopback address phone `i` of a fleet sends from; nothing past max_live_phones.
std::optional<boost::asio::ip::address_v4> phone_address(std::uint32_t i);

}  // namespace itlfleet::net
