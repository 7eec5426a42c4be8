#pragma once
/// Which of a TFTP node's files a requested name means. A CUCM TFTP node
/// serves one ITL under ITLFile.tlv and every ITLSEP<MAC>.tlv, and a signed
/// configuration per device (SEP<MAC>.cnf.xml.sgn); names are matched without
/// regard to case, as CUCM's TFTP service does.

#include <string_view>

namespace itlfleet::sim {

enum class served_kind {
  itl,     ///< ITLFile.tlv, ITLSEP<MAC>.tlv
  ctl,     ///< CTLFile.tlv, CTLSEP<MAC>.tlv (mixed mode only)
  config,  ///< SEP<MAC>.cnf.xml.sgn
  other,   ///< anything else: not served
};

served_kind classify_served_name(std::string_view name);

}  // namespace itlfleet::sim
