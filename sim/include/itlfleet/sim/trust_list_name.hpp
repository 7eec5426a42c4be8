#pragma once
/// Whether a trust list is a CTL or an ITL. The two share one format
/// (docs/formats.md); what tells them apart is the name CUCM writes in the
/// header's FILENAME element: CTLFile.tlv (and CTLSEP<MAC>.tlv) for a CTL,
/// ITLFile.tlv for an ITL. A phone reads it to refuse an ITL where it asked
/// for a CTL and the reverse (docs/model.md, "Mixed mode and the CTL").

#include "itlfleet/sim/trust_file.hpp"

namespace itlfleet::sim {

/// True when `f` is a trust list whose FILENAME starts with "CTL", in any
/// case (CUCM's names match without regard to case).
bool names_a_ctl(const trust_file& f);

}  // namespace itlfleet::sim
