#pragma once
/// The threshold search of `--find`: where along one setting's values (in
/// the order given) a condition changes from failing to holding, or back,
/// with as few points run as bisection allows.
///
/// A state machine, so the caller decides how points run (in parallel with
/// other searches, several seeds each):
///
///   bisection b(values.size());
///   while (!b.done())
///     for (std::size_t i : b.wanted()) b.record(i, run_and_judge(i));
///   auto r = b.result();
///
/// It first asks for both ends. If they differ it bisects between them, so
/// it runs at most ceil(log2(n)) + 2 points. If they agree it also asks for
/// the middle point: a middle that disagrees with both ends shows the
/// condition is not monotone over the points seen; otherwise there is no
/// threshold in the range. Not thread-safe.

#include <cstddef>
#include <optional>
#include <vector>

namespace itlfleet::sweep {

/// What a point's runs said about the condition.
enum class verdict {
  holds,  ///< held in every run of the point (every seed)
  fails,  ///< failed in every run
  mixed,  ///< held for some seeds only: counted as failing, and reported
};

struct search_result {
  enum class kind {
    threshold,  ///< the condition changes between `before` and `after` (adjacent points)
    holds_everywhere,
    fails_everywhere,
    not_monotone,  ///< the points seen do not hold-then-fail or fail-then-hold
  };
  kind outcome = kind::fails_everywhere;
  /// threshold: the last point on one side and the first on the other, in
  /// value order; `holds_after` tells which side holds.
  std::size_t before = 0;
  std::size_t after = 0;
  bool holds_after = true;
  /// Points evaluated, in value order, with their verdicts.
  std::vector<std::pair<std::size_t, verdict>> seen;
  /// Points where seeds disagreed.
  std::vector<std::size_t> mixed;
  std::size_t evaluations = 0;
};

class bisection {
 public:
  /// A search over `points` values (at least 1).
  explicit bisection(std::size_t points);

  /// The points to run next (not yet recorded); empty when done. Asking
  /// twice without recording gives the same points.
  std::vector<std::size_t> wanted() const;
  /// The verdict of a point `wanted()` asked for.
  void record(std::size_t point, verdict v);
  bool done() const { return wanted().empty(); }
  search_result result() const;

  /// The most points a search over `points` values runs: ceil(log2(points)) + 2.
  static std::size_t max_evaluations(std::size_t points);

 private:
  bool holds(std::size_t i) const { return *seen_[i] == verdict::holds; }
  std::size_t n_;
  std::vector<std::optional<verdict>> seen_;
  std::size_t lo_ = 0;  ///< bisection interval; lo_ and hi_ disagree
  std::size_t hi_ = 0;
  std::size_t evaluations_ = 0;
};

}  // namespace itlfleet::sweep
