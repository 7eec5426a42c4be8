#pragma once
/// A minimal streaming JSON writer: enough for reports (summary.json,
/// `itl show --json`) without another dependency. Keys and values are written
/// in call order, so output is deterministic.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace itlfleet {

class json_writer {
 public:
  json_writer& begin_object();
  json_writer& end_object();
  json_writer& begin_array();
  json_writer& end_array();
  /// Writes a key inside an object; the next call writes its value.
  json_writer& key(std::string_view k);
  json_writer& value(std::string_view v);
  json_writer& value(const char* v) { return value(std::string_view(v)); }
  json_writer& value(const std::string& v) { return value(std::string_view(v)); }
  json_writer& value(std::int64_t v);
  json_writer& value(std::uint64_t v);
  json_writer& value(int v) { return value(static_cast<std::int64_t>(v)); }
  json_writer& value(unsigned v) { return value(static_cast<std::uint64_t>(v)); }
  json_writer& value(double v);
  json_writer& value(bool v);
  json_writer& null();

  /// The document so far, pretty-printed with two-space indents.
  const std::string& str() const { return out_; }

 private:
  void before_value();
  void newline();
  std::string out_;
  std::vector<bool> first_;  ///< per open container: no element written yet
  bool after_key_ = false;
};

/// JSON string escaping (quotes included). Always valid UTF-8 JSON: control
/// characters are escaped and bytes that are not UTF-8 become \ufffd.
std::string json_quote(std::string_view s);

}  // namespace itlfleet
