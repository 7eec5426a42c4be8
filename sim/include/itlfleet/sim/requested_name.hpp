#pragma once
/// The file name a phone's request action asks a TFTP (or HTTP) server for:
/// the device's own ITLSEP<MAC>.tlv, CTLSEP<MAC>.tlv and SEP<MAC>.cnf.xml.sgn,
/// or, after the server answered "not found" for the device's own trust
/// list, the cluster-wide ITLFile.tlv or CTLFile.tlv (docs/model.md, "The
/// phone").

#include <string>

#include "itlfleet/sim/phone.hpp"

namespace itlfleet::sim {

/// `device` is the phone's name (SEP + 12 hex digits); `a` a request_itl,
/// request_ctl or request_config action (anything else: the config's name).
std::string requested_name(const phone_action& a, const std::string& device);

}  // namespace itlfleet::sim
