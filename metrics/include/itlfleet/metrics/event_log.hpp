#pragma once
/// The run's event log: one line per operator command (with CUCM's output
/// indented below it), alert, fault, and — when enabled — phone state
/// change, each stamped with simulated time. Deterministic text, so a golden
/// copy can be compared byte for byte.

#include <cstdint>
#include <string>
#include <string_view>

namespace itlfleet::metrics {

class event_log {
 public:
  /// `phone_detail`: also log every phone's state changes (small fleets).
  explicit event_log(bool phone_detail) : phone_detail_(phone_detail) {}

  bool phone_detail() const { return phone_detail_; }
  void command(std::int64_t time_us, std::string_view command, bool ok, std::string_view output);
  void note(std::int64_t time_us, std::string_view text);
  void phone(std::int64_t time_us, std::string_view device, std::string_view from,
             std::string_view to, std::string_view why);

  const std::string& text() const { return text_; }
  std::uint64_t lines() const { return lines_; }

 private:
  void line(std::int64_t time_us, std::string_view body);
  bool phone_detail_;
  std::string text_;
  std::uint64_t lines_ = 0;
};

}  // namespace itlfleet::metrics
