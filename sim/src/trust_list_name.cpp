#include "itlfleet/sim/trust_list_name.hpp"

#include "itlfleet/sim/bytes.hpp"

namespace itlfleet::sim {

bool names_a_ctl(const trust_file& f) {
  if (f.kind != file_kind::trust_list) return false;
  const std::string name = text_of(f.header.filename);
  return name.size() >= 3 && iequals(std::string_view(name).substr(0, 3), "CTL");
}

}  // namespace itlfleet::sim
