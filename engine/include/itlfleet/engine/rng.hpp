#pragma once
/// Counter-based randomness: every draw is a hash of (seed, phone, purpose,
/// counter), so a phone's choices do not depend on what other phones did or
/// on the order events were processed in. No state, no globals.

#include <cstdint>

namespace itlfleet::engine {

/// SplitMix64's finaliser: a good 64-bit mix.
constexpr std::uint64_t mix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

/// What a draw is for; keeps streams of different purposes apart.
enum class draw : std::uint64_t {
  boot_spread = 1,
  reset_spread,
  reboot_jitter,
  block_loss,
  selection,
};

constexpr std::uint64_t hash_draw(std::uint64_t seed, std::uint64_t phone, draw purpose,
                                  std::uint64_t counter) {
  return mix64(seed ^ mix64(phone ^ mix64(static_cast<std::uint64_t>(purpose) ^ mix64(counter))));
}

/// Uniform in [0, 1).
constexpr double uniform01(std::uint64_t seed, std::uint64_t phone, draw purpose,
                           std::uint64_t counter) {
  return static_cast<double>(hash_draw(seed, phone, purpose, counter) >> 11) * 0x1.0p-53;
}

}  // namespace itlfleet::engine
