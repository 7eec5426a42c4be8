#include "itlfleet/sweep/point_space.hpp"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "itlfleet/plan/plan_limits.hpp"
#include "itlfleet/scenarios/scenario.hpp"
#include "itlfleet/sweep/condition.hpp"
#include "yaml_edit.hpp"

namespace itlfleet::sweep {
namespace {

using plan::limits::max_phones;  // the same bound as `itlfleet run --phones`

/// The loader's message without "<source>:<line>:<col>: ": a point's YAML is
/// rewritten text, so its line numbers would point nowhere useful.
std::string without_location(const std::string& message, const std::string& source) {
  std::string_view m = message;
  if (!m.starts_with(source + ":")) return message;
  m.remove_prefix(source.size() + 1);
  std::size_t i = 0;
  for (int field = 0; field < 2; ++field) {
    std::size_t digits = 0;
    while (i + digits < m.size() && std::isdigit(static_cast<unsigned char>(m[i + digits])) != 0)
      ++digits;
    if (digits == 0 || i + digits >= m.size() || m[i + digits] != ':') break;
    i += digits + 1;
  }
  m.remove_prefix(i);
  while (!m.empty() && m.front() == ' ') m.remove_prefix(1);
  return std::string(m);
}

result<std::string> scenario_text(std::string_view name_or_path, const plan::run_plan& base) {
  std::string_view name = name_or_path;
  if (name.starts_with("builtin:")) name.remove_prefix(8);
  if (auto yaml = scenarios::builtin_yaml(name)) return std::string(*yaml);
  std::ifstream in(base.source, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) return error{base.source + ": cannot read scenario"};
  return text.str();
}

std::size_t saturating_product(std::size_t a, std::size_t b) {
  if (a != 0 && b > std::numeric_limits<std::size_t>::max() / a)
    return std::numeric_limits<std::size_t>::max();
  return a * b;
}

/// Writes the server settings of calibration `spec` (its `tftp:`, `http:`
/// and `tvs:` sections, whichever it has) into the scenario document, as
/// scenarios::apply_calibration applies them: FILE into the cluster, taking
/// every node's own models out; NODE=FILE into that node's own sections,
/// over its `calibration:`. The file was checked by apply_calibration.
status write_calibration(YAML::Node doc, const std::string& spec) {
  const auto eq = spec.find('=');
  const bool one_node = eq != std::string::npos && !std::filesystem::exists(spec);
  const std::string path = one_node ? spec.substr(eq + 1) : spec;
  YAML::Node file;
  try {
    file = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    return error{path + ": " + e.what()};
  }
  YAML::Node cluster = doc["cluster"];
  YAML::Node target = cluster;
  if (YAML::Node nodes = cluster["nodes"]; nodes.IsSequence()) {
    for (YAML::Node node : nodes) {
      if (!node.IsMap()) continue;
      // reset() rebinds; `=` would write the node over the cluster.
      if (one_node && node["name"] && node["name"].Scalar() == spec.substr(0, eq))
        target.reset(node);
      if (!one_node)
        for (const char* key : {"calibration", "tftp", "http", "tvs"}) node.remove(key);
    }
  }
  for (const char* service : {"tftp", "http", "tvs"}) {
    const YAML::Node section = file[service];
    if (!section.IsMap()) continue;
    if (!target[service] || !target[service].IsMap())
      target[service] = YAML::Node(YAML::NodeType::Map);
    YAML::Node into = target[service];
    for (const auto& kv : section) into[kv.first.as<std::string>()] = kv.second;
  }
  return ok();
}

}  // namespace

result<point_space> point_space::create(std::string_view scenario, std::vector<axis> axes,
                                        std::string_view find, std::optional<std::uint64_t> phones,
                                        const std::vector<std::string>& calibrations) {
  auto base = scenarios::load(scenario);
  if (!base) return base.err();
  if (!calibrations.empty()) {
    if (auto applied = scenarios::apply_calibrations(*base, calibrations); !applied)
      return error{"--calibration: " + applied.err().to_string()};
  }
  point_space s;
  s.base_ = std::move(*base);
  auto text = scenario_text(scenario, s.base_);
  if (!text) return text.err();
  YAML::Node doc;
  try {
    doc = YAML::Load(*text);
  } catch (const YAML::Exception& e) {
    return error{s.base_.source + ": " + e.what()};  // the loader read it, so this is unexpected
  }
  // A scenario without `name:` is named after its file; the points keep that name.
  if (!doc["name"]) doc["name"] = s.base_.name;
  if (!calibrations.empty()) {
    // In apply_calibrations' order: every node's, then each node's own.
    for (const bool node : {false, true}) {
      for (const std::string& spec : calibrations) {
        const auto eq = spec.find('=');
        if ((eq != std::string::npos && !std::filesystem::exists(spec)) != node) continue;
        if (auto written = write_calibration(doc, spec); !written)
          return error{"--calibration: " + written.err().message};
      }
    }
    s.calibrated_ = true;
    s.calibration_ = s.base_.cluster.tftp_calibration;
    for (const plan::node_plan& n : s.base_.cluster.nodes)
      s.node_calibrations_.push_back(n.calibration);
  }
  s.base_yaml_ = YAML::Dump(doc);
  s.phones_ = phones;

  if (!find.empty()) {
    auto entry = expect_entry(find);
    if (!entry) return error{"--find " + entry.err().message};
    s.find_entry_ = *entry;
    auto with_find = s.edited_yaml(0, true);  // no axes yet: the base and the condition
    if (!with_find) return error{"--find '" + std::string(find) + "': " + with_find.err().message};
    auto plan = scenarios::load_string(*with_find, s.base_.source);
    if (!plan)
      return error{"--find '" + std::string(find) +
                   "': " + without_location(plan.err().message, s.base_.source)};
    s.find_checks_ = plan->expect.size() - s.base_.expect.size();
    if (s.find_checks_ == 0) return error{"--find '" + std::string(find) + "': names no metric"};
  }

  std::set<std::string> keys;
  for (const axis& a : axes) {
    if (!keys.insert(a.key).second) return error{"--vary " + a.key + " is given twice"};
    if (a.values.empty()) return error{"--vary " + a.key + ": no values"};
    if (a.key == phones_key) {
      if (phones) return error{"--phones and --vary phones both set the fleet size; keep one"};
      for (const setting_value& v : a.values) {
        if (a.kind != value_kind::integer || !v.position || *v.position < 1 ||
            *v.position > static_cast<double>(max_phones))
          return error{"--vary phones=" + v.text +
                       ": expected a whole number of phones from 1 to " +
                       std::to_string(max_phones)};
      }
      s.phones_axis_ = s.paths_.size();
      s.paths_.emplace_back();
    } else {
      auto path = detail::split_path(a.key);
      if (!path) return error{"--vary " + path.err().message};
      s.paths_.push_back(std::move(*path));
    }
    s.size_ = saturating_product(s.size_, a.values.size());
  }
  s.axes_ = std::move(axes);

  // Every key leads somewhere a value can be written, and every YAML flow
  // value parses. The loader judges the values later, with the point's
  // other values: `timeline[2].at=45m` is fine with `end=50m`, not with the
  // base's 40m. (The path is the same for every value of an axis: checked
  // once, not once per value of a 10,000-value range.)
  for (std::size_t k = 0; k < s.axes_.size(); ++k) {
    if (s.paths_[k].empty()) continue;
    const axis& a = s.axes_[k];
    YAML::Node d = YAML::Load(s.base_yaml_);
    if (auto set = detail::set_value(d, s.paths_[k], a.key, a.values.front().text); !set)
      return error{"--vary " + a.key + "=" + a.values.front().text + ": " + set.err().message};
    for (const setting_value& v : a.values) {
      if (a.kind != value_kind::text) continue;
      if (auto parsed = detail::parse_value(v.text); !parsed)
        return error{"--vary " + a.key + "=" + v.text + ": " + parsed.err().message};
    }
  }
  return s;
}

result<plan::run_plan> point_space::validate(std::size_t point) const {
  auto plan = this->plan(point);
  if (plan) return plan;
  // A value that fails the same way on the base scenario alone is that
  // --vary's fault, whatever the other settings: name it.
  const auto c = coordinates(point);
  const std::string why = plan.err().message.substr(label(point).size() + 2);
  for (std::size_t k = 0; k < axes_.size(); ++k) {
    if (paths_[k].empty()) continue;
    YAML::Node d = YAML::Load(base_yaml_);
    const setting_value& v = axes_[k].values[c[k]];
    if (!detail::set_value(d, paths_[k], axes_[k].key, v.text)) continue;
    auto alone = scenarios::load_string(YAML::Dump(d), base_.source);
    if (!alone && without_location(alone.err().message, base_.source) == why)
      return error{"--vary " + axes_[k].key + "=" + v.text + ": " + why};
  }
  return plan.err();
}

std::vector<std::size_t> point_space::coordinates(std::size_t point) const {
  std::vector<std::size_t> c(axes_.size(), 0);
  for (std::size_t k = axes_.size(); k-- > 0;) {
    const std::size_t n = axes_[k].values.size();
    c[k] = point % n;
    point /= n;
  }
  return c;
}

std::size_t point_space::point_at(const std::vector<std::size_t>& coordinates) const {
  std::size_t p = 0;
  for (std::size_t k = 0; k < axes_.size(); ++k) p = p * axes_[k].values.size() + coordinates[k];
  return p;
}

std::string point_space::label(std::size_t point) const {
  const auto c = coordinates(point);
  std::string out;
  for (std::size_t k = 0; k < axes_.size(); ++k)
    out += (k == 0 ? "" : ", ") + axes_[k].key + "=" + axes_[k].values[c[k]].text;
  return out;
}

result<std::string> point_space::edited_yaml(std::size_t point, bool with_find) const {
  YAML::Node doc = YAML::Load(base_yaml_);
  const auto c = coordinates(point);
  for (std::size_t k = 0; k < axes_.size(); ++k) {
    if (paths_[k].empty()) continue;
    if (auto set = detail::set_value(doc, paths_[k], axes_[k].key, axes_[k].values[c[k]].text);
        !set)
      return set.err();
  }
  if (with_find && !find_entry_.empty()) {
    YAML::Node expect = doc["expect"];
    if (!expect || expect.IsNull()) {
      doc["expect"] = YAML::Node(YAML::NodeType::Sequence);
      expect.reset(doc["expect"]);
    }
    if (!expect.IsSequence()) return error{"the scenario's expect: is not a list"};
    try {
      expect.push_back(YAML::Load(find_entry_));
    } catch (const YAML::Exception& e) {
      return error{"not a YAML flow map: " + e.msg};
    }
  }
  return YAML::Dump(doc);
}

result<plan::run_plan> point_space::plan(std::size_t point) const {
  auto text = edited_yaml(point, true);
  if (!text) return error{label(point) + ": " + text.err().message};
  auto plan = scenarios::load_string(*text, base_.source);
  if (!plan) return error{label(point) + ": " + without_location(plan.err().message, base_.source)};
  if (calibrated_) {
    plan->cluster.tftp_calibration = calibration_;
    for (std::size_t n = 0; n < plan->cluster.nodes.size() && n < node_calibrations_.size(); ++n)
      plan->cluster.nodes[n].calibration = node_calibrations_[n];
  }
  if (phones_axis_) {
    const auto c = coordinates(point);
    const auto& v = axes_[*phones_axis_].values[c[*phones_axis_]];
    scenarios::scale_fleet(*plan, static_cast<std::uint64_t>(*v.position));
  } else if (phones_) {
    scenarios::scale_fleet(*plan, *phones_);
  }
  return plan;
}

std::string point_space::yaml(std::size_t point, std::uint64_t seed) const {
  auto text = edited_yaml(point, false);
  if (!text) return "";
  YAML::Node doc = YAML::Load(*text);
  doc["seed"] = seed;
  // Write the scaled counts in, so the file runs the point without --phones.
  if (auto p = plan(point); p && (phones_axis_ || phones_)) {
    YAML::Node fleet = doc["fleet"];
    for (std::size_t g = 0; g < p->fleet.size() && g < fleet.size(); ++g)
      fleet[g]["count"] = p->fleet[g].count;
  }
  std::string head =
      "# itlfleet sweep point: " + label(point) + ", seed " + std::to_string(seed) + "\n";
  if (calibration_)
    head += "# cluster server settings from calibration " + calibration_->file + " (server " +
            calibration_->server + ", " + calibration_->date + ")\n";
  for (std::size_t n = 0; n < node_calibrations_.size(); ++n)
    if (const auto& c = node_calibrations_[n])
      head += "# node " + base_.cluster.nodes[n].host + "'s server settings from calibration " +
              c->file + " (server " + c->server + ", " + c->date + ")\n";
  return head + YAML::Dump(doc) + "\n";
}

}  // namespace itlfleet::sweep
