// The sentence that answers a threshold search, for the terminal and the report.

#include "itlfleet/sweep/report.hpp"

namespace itlfleet::sweep {

std::string describe_search(const sweep_setup& setup, const search_report& search) {
  const point_space& space = setup.space;
  const std::size_t along = *setup.search_axis;
  const axis& a = space.axes()[along];
  auto value = [&](std::size_t i) { return a.key + "=" + a.values[i].text; };
  const search_result& r = search.result;

  std::string scope;
  for (std::size_t k = 0; k < space.axes().size(); ++k) {
    if (k == along) continue;
    scope += (scope.empty() ? "with " : ", ") + space.axes()[k].key + "=" +
             space.axes()[k].values[search.fixed[k]].text;
  }
  if (!scope.empty()) scope += ": ";

  const std::string runs_per_point =
      setup.seeds.size() > 1 ? " x " + std::to_string(setup.seeds.size()) + " seeds" : "";
  const std::string evaluated =
      std::to_string(r.evaluations) + (r.evaluations == 1 ? " point" : " points") + runs_per_point;
  std::string out = scope + setup.find + " ";
  switch (r.outcome) {
    case search_result::kind::threshold:
      out += r.holds_after
                 ? "holds from " + value(r.after) + " on (fails at " + a.values[r.before].text + ")"
                 : "holds up to " + value(r.before) + " (fails from " + a.values[r.after].text +
                       " on)";
      out += "; " + evaluated + " run";
      break;
    case search_result::kind::holds_everywhere:
    case search_result::kind::fails_everywhere:
      out += std::string(r.outcome == search_result::kind::holds_everywhere ? "holds" : "fails") +
             " at every point tried from " + a.values.front().text + " to " + a.values.back().text +
             " (" + evaluated + "): no threshold in the range; widen it";
      break;
    case search_result::kind::not_monotone: {
      std::string holds, fails;
      for (const auto& [i, v] : r.seen)
        ((v == verdict::holds) ? holds : fails) +=
            ((v == verdict::holds ? holds : fails).empty() ? "" : ", ") + a.values[i].text;
      out += "is not monotone along " + a.key + ": it holds at " + holds + " but fails at " +
             fails + " (" + evaluated + "); sweep the grid without --find to see where it changes";
      break;
    }
  }
  if (!r.mixed.empty()) {
    std::string at;
    for (std::size_t i : r.mixed) at += (at.empty() ? "" : ", ") + a.values[i].text;
    out += "; not monotone over the seeds: it held for some seeds only at " + at +
           " (counted as failing)";
  }
  return out;
}

}  // namespace itlfleet::sweep
