#pragma once
/// Phone firmware versions as Cisco writes them ("9.4(1)", "12.8(1)SR1",
/// "10.3(1.12)"), for the behaviour that depends on them.

#include <optional>
#include <string_view>

namespace itlfleet::sim {

struct firmware_version {
  int major = 0, minor = 0, maint = 0;

  /// Reads the leading "major.minor(maint...)"; nothing for text that does
  /// not start that way.
  static std::optional<firmware_version> parse(std::string_view text);

  /// Firmware 9.4(1) and later report the SHA-1 of the installed ITL to CUCM
  /// in a DeviceTLInfo alarm.
  bool reports_device_tl_info() const { return !(*this < firmware_version{9, 4, 1}); }

  /// Firmware 9.0 and later try HTTP on TCP 6970 before TFTP, in the
  /// families whose row says so "by firmware" (device_family.hpp). Source: a
  /// Cisco community answer (89xx and 99xx phones from firmware 9 with CUCM
  /// 9; docs/model.md, "Device families").
  bool fetches_over_http() const { return !(*this < firmware_version{9, 0, 0}); }

  bool operator<(const firmware_version& o) const {
    if (major != o.major) return major < o.major;
    if (minor != o.minor) return minor < o.minor;
    return maint < o.maint;
  }
};

}  // namespace itlfleet::sim
