#pragma once
/// Phone families: what a model does with trust lists, one row per family.
/// Each row cites its source in device_family.cpp and in docs/model.md
/// ("Device families"); a figure no public document gives says "our
/// decision" there. Read-only constant data: thread-safe.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "itlfleet/sim/firmware.hpp"

namespace itlfleet::sim {

/// Whether a family does something always, never, or as its firmware decides.
enum class support : std::uint8_t { no, yes, by_firmware };

/// How a person brings a phone of the family back by hand.
enum class manual_recovery : std::uint8_t {
  erase_itl,                ///< Settings > Security > Trust List > ITL > Erase: the ITL only
  reset_security_settings,  ///< Reset Settings > Security Settings: the ITL and the CTL
};

struct device_family {
  std::string_view name;                     ///< e.g. "88xx"
  std::span<const std::string_view> models;  ///< model numbers, e.g. "8861"
  /// Security by Default: the phone fetches an ITL and checks signed files
  /// against it. Without it the phone never asks for an ITL and accepts any
  /// config (it still takes a CTL in mixed mode when `ctl` says so).
  bool security_by_default = true;
  bool tvs = true;                           ///< asks TVS about signers its ITL does not hold
  bool ctl = true;                           ///< takes a CTL in mixed mode
  support http_6970 = support::by_firmware;  ///< tries HTTP on TCP 6970 before TFTP
  support device_tl_info = support::by_firmware;
  std::uint32_t max_itl_bytes = 65535;  ///< the largest ITL it loads
  manual_recovery recovery = manual_recovery::erase_itl;

  /// What the family's firmware `fw` does, where the row says "by firmware".
  bool fetches_over_http(const firmware_version& fw) const;
  bool reports_device_tl_info(const firmware_version& fw) const;
};

/// Every family, in the order docs/model.md lists them.
std::span<const device_family> device_families();

/// The family of a model as a scenario writes it: "CP-8861", "8861",
/// "cp-7965g" (any case; the "CP-" prefix and a trailing "G" are optional).
const device_family* find_family(std::string_view model);

/// Every known model as "CP-<number>", for messages.
std::vector<std::string> known_models();

}  // namespace itlfleet::sim
