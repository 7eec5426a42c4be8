#include "itlfleet/sim/trust_list_name.hpp"

#include <cctype>

namespace itlfleet::sim {

bool names_a_ctl(const trust_file& f) {
  if (f.kind != file_kind::trust_list || f.header.filename.size() < 3) return false;
  const auto upper = [&](std::size_t i) {
    return static_cast<char>(std::toupper(static_cast<unsigned char>(f.header.filename[i])));
  };
  return upper(0) == 'C' && upper(1) == 'T' && upper(2) == 'L';
}

}  // namespace itlfleet::sim
