#pragma once
/// The states a user counts phones in, and their names: the one spelling used
/// in time-series columns, summary.json keys, scenario expectations, the
/// event log and the CLI.

#include <array>
#include <cstdint>
#include <string_view>

namespace itlfleet::sim {

/// Every phone is in exactly one state at every instant.
enum class phone_state : std::uint8_t {
  offline,      ///< not powered on yet
  booting,      ///< between power-on/reset and its trust decision
  trusted,      ///< installed its server's ITL (or kept an identical one) and accepted its config
  locked,       ///< "Trust List Update Failed": rejected the new ITL, keeps its old one
  no_itl,       ///< booted but holds no ITL (none served, or deleted)
  unreachable,  ///< no TFTP server answered; retrying
  /// Installed (or kept) its server's ITL but rejected the signed config
  /// ("authenticated fail"): config changes do not apply, as when locked.
  config_rejected,
};
inline constexpr int phone_state_count = 7;

inline constexpr std::array<std::string_view, phone_state_count> phone_state_names = {
    "offline", "booting", "trusted", "locked", "no_itl", "unreachable", "config_rejected"};

/// Registered with CUCM: the phone finished a boot (trusted, locked, with a
/// rejected config or without ITL), so a reset from CUCM reaches it. One
/// that is off, still booting or unreachable is not, and never hears of the
/// reset.
constexpr bool registered(phone_state s) {
  return s == phone_state::trusted || s == phone_state::locked || s == phone_state::no_itl ||
         s == phone_state::config_rejected;
}

/// Untrusted: the phone does not take its configuration (either lock).
constexpr bool untrusted(phone_state s) {
  return s == phone_state::locked || s == phone_state::config_rejected;
}

constexpr std::string_view state_name(phone_state s) {
  return phone_state_names[static_cast<std::size_t>(s)];
}

}  // namespace itlfleet::sim
