#pragma once
// Private helpers of the loader: checked access to yaml-cpp nodes with
// errors that name file, line, column and the expected thing.
//
// Inside the loader a failure is thrown as `load_failure` and caught once at
// the public boundary (load_string): validation is deeply nested and stops at
// the first problem, and threading result<> through every getter would bury
// the rules. Nothing escapes the library.

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "itlfleet/plan/run_plan.hpp"

namespace itlfleet::scenarios::detail {

/// The first problem found in a scenario, already formatted.
struct load_failure {
  std::string message;
};

/// The file being loaded, for messages.
class source {
 public:
  explicit source(std::string name) : name_(std::move(name)) {}
  const std::string& name() const { return name_; }

  /// "<file>:<line>:<col>" (1-based), or "<file>" when the mark is unknown.
  std::string where(const YAML::Mark& mark) const;

  /// Throws load_failure "<file>:<line>:<col>: <what>".
  [[noreturn]] void fail(const YAML::Mark& mark, const std::string& what) const;

 private:
  std::string name_;
};

/// One value in the document: the node, the path that names it in messages
/// ("cluster.tftp.rtt", "fleet[1].count") and the best mark to point at (the
/// key's when the value is empty, since yaml-cpp marks a null value oddly).
struct value_ref {
  const source* src;
  YAML::Node node;
  std::string path;
  YAML::Mark mark;

  [[noreturn]] void fail(const std::string& expected) const;
  bool is_null() const { return !node.IsDefined() || node.IsNull(); }

  /// Scalar text; fails unless the node is a scalar of well-formed UTF-8
  /// without control characters, at most plan::limits::max_text_bytes long.
  std::string scalar(std::string_view expected) const;
  std::string string() const;
  /// A scalar that may be longer than a line and hold newlines and tabs.
  std::string text(std::size_t max_bytes) const;
  bool boolean() const;
  std::int64_t integer(std::int64_t min, std::int64_t max) const;
  std::uint64_t unsigned_integer(
      std::uint64_t max = std::numeric_limits<std::uint64_t>::max()) const;
  double number(double min, double max) const;
  plan::sim_duration duration(plan::sim_duration min, plan::sim_duration max) const;
  /// A sequence's elements (null: none); fails on anything else.
  std::vector<value_ref> sequence(std::string_view expected) const;
  /// A list of strings; a single scalar is accepted as a list of one.
  std::vector<std::string> string_list() const;
};

/// A mapping whose keys are checked against a fixed set: unknown keys (with a
/// "did you mean" hint) and duplicates fail on construction.
class map_reader {
 public:
  map_reader(const value_ref& map, std::string_view what,
             std::initializer_list<std::string_view> allowed);
  /// The same, with the allowed keys given as a vector (built at run time).
  map_reader(const value_ref& map, std::string_view what,
             const std::vector<std::string_view>& allowed);

  bool has(std::string_view key) const;
  /// The value of `key` (an undefined node if absent, marked at the map).
  value_ref get(std::string_view key) const;
  /// The value of `key`, failing "missing key" if absent.
  value_ref require(std::string_view key) const;
  const YAML::Mark& mark() const { return map_.mark; }
  const value_ref& self() const { return map_; }
  /// Keys in document order.
  const std::vector<std::pair<std::string, YAML::Mark>>& keys() const { return keys_; }

  // Optional fields: leave `out` alone when the key is absent.
  void opt(std::string_view key, std::string& out) const;
  void opt(std::string_view key, bool& out) const;
  void opt(std::string_view key, int& out, int min, int max) const;
  void opt(std::string_view key, std::uint64_t& out,
           std::uint64_t max = std::numeric_limits<std::uint64_t>::max()) const;
  void opt(std::string_view key, double& out, double min, double max) const;
  void opt(std::string_view key, plan::sim_duration& out, plan::sim_duration min,
           plan::sim_duration max) const;

 private:
  void check(std::string_view what, const std::vector<std::string_view>& allowed);

  value_ref map_;
  std::vector<std::pair<std::string, YAML::Mark>> keys_;
  std::vector<YAML::Node> values_;
};

/// "a, b, c" or "a, b or c".
std::string join(const std::vector<std::string_view>& items, std::string_view last_sep = ", ");
std::string join(const std::vector<std::string>& items, std::string_view last_sep = ", ");

/// The closest candidate to `word` when it looks like a typo of it, else "".
std::string_view closest(std::string_view word, const std::vector<std::string_view>& candidates);

/// Shortest decimal form of `v` ("99.5", "1", "0.1").
std::string format_number(double v);

}  // namespace itlfleet::scenarios::detail
