#include "itlfleet/sim/served_name.hpp"

#include <algorithm>
#include <cctype>

#include "itlfleet/sim/bytes.hpp"

namespace itlfleet::sim {
namespace {

bool istarts(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

bool iends(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && iequals(s.substr(s.size() - suffix.size()), suffix);
}

/// SEP followed by 12 hex digits: a phone's device name.
bool is_device(std::string_view s) {
  return s.size() == 15 && istarts(s, "SEP") &&
         std::all_of(s.begin() + 3, s.end(), [](unsigned char c) { return std::isxdigit(c); });
}

}  // namespace

served_kind classify_served_name(std::string_view name) {
  if (iequals(name, "ITLFile.tlv")) return served_kind::itl;
  if (iequals(name, "CTLFile.tlv")) return served_kind::ctl;
  if (iends(name, ".tlv") && name.size() == 3 + 15 + 4) {
    const std::string_view device = name.substr(3, 15);
    if (is_device(device) && istarts(name, "ITL")) return served_kind::itl;
    if (is_device(device) && istarts(name, "CTL")) return served_kind::ctl;
  }
  if (iends(name, ".cnf.xml.sgn") && is_device(name.substr(0, name.size() - 12)))
    return served_kind::config;
  return served_kind::other;
}

}  // namespace itlfleet::sim
