#include "itlfleet/sim/device_family.hpp"

#include <array>
#include <cctype>

namespace itlfleet::sim {
namespace {

constexpr std::string_view sbd_none[] = {"7940", "7960"};
constexpr std::string_view tftp_only[] = {"7942", "7962", "7945", "7965", "7975"};
constexpr std::string_view series_88xx[] = {"8811", "8841", "8845", "8851", "8861", "8865"};
constexpr std::string_view series_78xx[] = {"7811", "7821", "7841", "7861"};
constexpr std::string_view model_8945[] = {"8945"};
constexpr std::string_view model_9971[] = {"9971"};
constexpr std::string_view model_dx80[] = {"DX80"};

// Sources (docs/model.md, "Device families", says the same at more length):
// - SBD: Cisco's "Communications Manager Security By Default and ITL
//   Operation and Troubleshooting" (technote 116232): ITL and TVS come with
//   Security by Default, on the 7900 series from firmware 8.x except the
//   7940 and 7960, and on the later series.
// - CTL: Cisco's CUCM Security Guide (phones that support authentication and
//   encryption take a CTL; the 7940/7960 among them, their CTL erased with
//   the **# unlock and Erase in the Security Configuration menu).
// - HTTP 6970: a Cisco community answer (89xx/99xx from firmware 9 with CUCM
//   9; "they try HTTP once, then TFTP"); the 7942 family: TFTP only.
// - DeviceTLInfo: the technote, firmware 9.4(1) and later.
// - Manual recovery: domain.md, "Field lessons" (most phones erase the ITL
//   from a menu; the 8945 needs its security settings reset).
// - Largest ITL: 64 KB for every family (field reports); no per-model figure
//   is published: our decision.
constexpr std::array<device_family, 7> families = {{
    {"7940/7960", sbd_none, false, false, true, support::no, support::no, 65535,
     manual_recovery::erase_itl},
    {"7942/7962/7945/7965/7975", tftp_only, true, true, true, support::no, support::by_firmware,
     65535, manual_recovery::erase_itl},
    {"88xx", series_88xx, true, true, true, support::by_firmware, support::by_firmware, 65535,
     manual_recovery::erase_itl},
    {"78xx", series_78xx, true, true, true, support::by_firmware, support::by_firmware, 65535,
     manual_recovery::erase_itl},
    {"8945", model_8945, true, true, true, support::by_firmware, support::by_firmware, 65535,
     manual_recovery::reset_security_settings},
    {"9971", model_9971, true, true, true, support::by_firmware, support::by_firmware, 65535,
     manual_recovery::erase_itl},
    {"DX80", model_dx80, true, true, true, support::by_firmware, support::by_firmware, 65535,
     manual_recovery::erase_itl},
}};

bool decides(support s, bool by_firmware) {
  return s == support::yes || (s == support::by_firmware && by_firmware);
}

bool same_text(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::toupper(static_cast<unsigned char>(a[i])) !=
        std::toupper(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

}  // namespace

bool device_family::fetches_over_http(const firmware_version& fw) const {
  return decides(http_6970, fw.fetches_over_http());
}

bool device_family::reports_device_tl_info(const firmware_version& fw) const {
  return security_by_default && decides(device_tl_info, fw.reports_device_tl_info());
}

std::span<const device_family> device_families() {
  return families;
}

const device_family* find_family(std::string_view model) {
  if (model.size() > 3 && same_text(model.substr(0, 3), "CP-")) model.remove_prefix(3);
  // CP-7965G: the G (gigabit / global) of the 79xx names.
  const auto stripped = [&](std::string_view m) {
    if (m.size() > 1 && (m.back() == 'G' || m.back() == 'g') &&
        std::isdigit(static_cast<unsigned char>(m[m.size() - 2])))
      m.remove_suffix(1);
    return m;
  };
  model = stripped(model);
  for (const device_family& f : families)
    for (std::string_view m : f.models)
      if (same_text(m, model)) return &f;
  return nullptr;
}

std::vector<std::string> known_models() {
  std::vector<std::string> out;
  for (const device_family& f : families)
    for (std::string_view m : f.models) out.push_back("CP-" + std::string(m));
  return out;
}

}  // namespace itlfleet::sim
