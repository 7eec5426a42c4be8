#include "itlfleet/metrics/event_log.hpp"

#include "itlfleet/metrics/report.hpp"

namespace itlfleet::metrics {
namespace {

// Stamps are to the millisecond: finer digits are noise to a reader. Twelve
// columns fit "9h59m59.999s", so entries line up; a longer stamp just pushes
// its line right.
constexpr std::size_t stamp_width = 12;

std::string stamp(std::int64_t time_us) {
  std::string t = format_sim_time(time_us - time_us % 1000);
  if (t.size() < stamp_width) t.insert(0, stamp_width - t.size(), ' ');
  return "[" + t + "] ";
}

// Calls f(line) for each line of text; a trailing newline does not start
// another (empty) line.
template <class F>
void for_each_line(std::string_view text, F&& f) {
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    f(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

}  // namespace

void event_log::line(std::int64_t time_us, std::string_view body) {
  const std::string prefix = stamp(time_us);
  bool first = true;
  // A body is normally one line; should it hold more, the rest go under it
  // without a stamp so that every stamped line is exactly one entry.
  const auto emit = [&](std::string_view l) {
    if (first) {
      text_ += prefix;
      first = false;
    } else {
      text_.append(prefix.size(), ' ');
    }
    text_ += l;
    text_ += '\n';
    ++lines_;
  };
  for_each_line(body, emit);
  if (first) emit({});
}

void event_log::command(std::int64_t time_us, std::string_view command, bool ok,
                        std::string_view output) {
  std::string body(command);
  body += ok ? "  (ok)" : "  (refused)";
  line(time_us, body);

  // CUCM's answer is indented under the command, blank columns where the
  // stamp would be, so the log reads like the operator's terminal.
  const std::size_t pad = stamp(time_us).size();
  for_each_line(output, [&](std::string_view l) {
    text_.append(pad, ' ');
    text_ += l.empty() ? "    |" : "    | ";  // no trailing blanks in golden files
    text_ += l;
    text_ += '\n';
    ++lines_;
  });
}

void event_log::note(std::int64_t time_us, std::string_view text) {
  line(time_us, text);
}

void event_log::phone(std::int64_t time_us, std::string_view device, std::string_view from,
                      std::string_view to, std::string_view why) {
  if (!phone_detail_) return;
  std::string body(device);
  body += ' ';
  body += from;
  body += " -> ";
  body += to;
  if (!why.empty()) {
    body += " (";
    body += why;
    body += ')';
  }
  line(time_us, body);
}

}  // namespace itlfleet::metrics
