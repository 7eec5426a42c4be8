#include "itlfleet/sim/cluster_itl.hpp"

#include <cassert>
#include <cctype>

namespace itlfleet::sim {
namespace {

// Reads a run of digits at `pos`; nullopt when there is none or it overflows
// anything a release number could be.
std::optional<int> read_number(std::string_view text, std::size_t& pos) {
  const std::size_t start = pos;
  int value = 0;
  while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
    if (pos - start >= 4) return std::nullopt;
    value = value * 10 + (text[pos] - '0');
    ++pos;
  }
  if (pos == start) return std::nullopt;
  return value;
}

}  // namespace

result<cucm_version> cucm_version::parse(std::string_view text) {
  const auto bad = [&] {
    return error{
        "expected a CUCM version such as 10.0, 11.5 or 12.5(1)SU3 (major and minor of "
        "at most 4 digits each), got '" +
            std::string(text) + "'",
        std::nullopt};
  };
  std::size_t pos = 0;
  const auto major = read_number(text, pos);
  if (!major || pos >= text.size() || text[pos] != '.') return bad();
  ++pos;
  const auto minor = read_number(text, pos);
  if (!minor) return bad();
  // Whatever follows a '.' or '(' ("(1)SU3", ".1.13900-155") does not change
  // trust behaviour; anything else glued to the minor suggests a typo.
  if (pos < text.size() && text[pos] != '.' && text[pos] != '(') return bad();
  return cucm_version{*major, *minor};
}

std::string cucm_version::to_string() const {
  return std::to_string(major) + "." + std::to_string(minor);
}

std::vector<itl_entry> node_itl_entries(const node_itl_inputs& in) {
  std::vector<itl_entry> entries;
  entries.reserve(5 + in.cluster_tvs.size());
  entries.push_back({in.callmanager.cert, cert_role::sast, false, {}});
  entries.push_back({in.callmanager.cert, cert_role::tftp, false, {}});
  entries.push_back({in.publisher_capf, cert_role::capf, true, {}});
  if (in.own_tvs) entries.push_back({*in.own_tvs, cert_role::tvs, true, {}});
  if (in.version.has_itl_recovery()) {
    assert(in.publisher_itlrecovery.cert.valid());
    entries.push_back({in.publisher_itlrecovery.cert, cert_role::sast, false, {}});
  }
  for (const certificate& tvs : in.cluster_tvs) {
    if (in.own_tvs && tvs.der() == in.own_tvs->der()) continue;
    entries.push_back({tvs, cert_role::tvs, true, {}});
  }
  return entries;
}

const identity& node_itl_signer(const node_itl_inputs& in) {
  if (in.version.recovery_signs_itl()) {
    assert(in.publisher_itlrecovery.key.valid());
    return in.publisher_itlrecovery;
  }
  return in.callmanager;
}

trust_file build_node_itl(const node_itl_inputs& in, const build_options& options) {
  return build_trust_list(node_itl_entries(in), node_itl_signer(in), options);
}

}  // namespace itlfleet::sim
