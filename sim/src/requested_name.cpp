#include "itlfleet/sim/requested_name.hpp"

#include "itlfleet/sim/cluster_ctl.hpp"
#include "itlfleet/sim/itl_builder.hpp"

namespace itlfleet::sim {

std::string requested_name(const phone_action& a, const std::string& device) {
  switch (a.kind) {
    case phone_action_kind::request_itl:
      return a.common_name ? "ITLFile.tlv" : itl_name_for(device);
    case phone_action_kind::request_ctl:
      return a.common_name ? "CTLFile.tlv" : ctl_name_for(device);
    default:
      return config_name_for(device);
  }
}

}  // namespace itlfleet::sim
