#include "itlfleet/net/address_plan.hpp"

namespace itlfleet::net {

std::optional<boost::asio::ip::address_v4> node_address(std::uint32_t n) {
  if (n >= max_live_nodes) return std::nullopt;
  return boost::asio::ip::address_v4((127u << 24) | ((1 + n / 254) << 8) | (1 + n % 254));
}

std::optional<boost::asio::ip::address_v4> phone_address(std::uint32_t i) {
  if (i >= max_live_phones) return std::nullopt;
  return boost::asio::ip::address_v4(((127u << 24) | (16u << 16)) + 1 + i);
}

}  // namespace itlfleet::net
