#include "yaml_edit.hpp"

#include <cstddef>

namespace itlfleet::sweep::detail {
namespace {

bool all_digits(std::string_view s) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

std::string join_names(const YAML::Node& list) {
  std::string out;
  std::size_t i = 0;
  for (const auto& item : list) {
    ++i;
    std::string name = "group-" + std::to_string(i);
    if (item.IsMap() && item["name"] && item["name"].IsScalar()) name = item["name"].Scalar();
    out += (out.empty() ? "" : ", ") + name;
  }
  return out;
}

/// The list entry `part` names: a position, or the entry whose `name:` it is.
result<YAML::Node> list_entry(const YAML::Node& list, const std::string& part,
                              const std::string& where) {
  const std::size_t n = list.size();
  if (all_digits(part)) {
    const std::size_t i = std::stoul(part);
    if (i >= n)
      return error{where + " has " + std::to_string(n) + " entries" +
                   (n == 0 ? std::string()
                           : ": " + where + "[0] to " + where + "[" + std::to_string(n - 1) + "]")};
    return list[i];
  }
  std::size_t i = 0;
  for (const auto& item : list) {
    ++i;
    if (!item.IsMap()) continue;
    const YAML::Node name = item["name"];
    if (name && name.IsScalar() ? name.Scalar() == part : part == "group-" + std::to_string(i))
      return item;
  }
  return error{where + " has no entry named '" + part + "'" +
               (n == 0 ? std::string() : " (entries: " + join_names(list) + ")") +
               "; name an entry by its name or its position, e.g. " + where + "[0]"};
}

}  // namespace

result<std::vector<std::string>> split_path(std::string_view key) {
  std::vector<std::string> parts;
  std::string cur;
  bool closed = false;  // just after "]": only '.' or '[' may follow
  for (std::size_t i = 0; i < key.size(); ++i) {
    const char c = key[i];
    if (c == '.') {
      if (cur.empty() && !closed)
        return error{"'" + std::string(key) + "': empty part in the path"};
      if (!closed) parts.push_back(cur);
      cur.clear();
      closed = false;
    } else if (c == '[') {
      if (cur.empty() && !closed) return error{"'" + std::string(key) + "': '[' must follow a key"};
      if (!closed) parts.push_back(cur);
      const auto end = key.find(']', i);
      if (end == std::string_view::npos || end == i + 1)
        return error{"'" + std::string(key) + "': expected [INDEX] or [NAME]"};
      parts.emplace_back(key.substr(i + 1, end - i - 1));
      cur.clear();
      i = end;
      closed = true;
    } else if (closed) {
      return error{"'" + std::string(key) + "': expected '.' or '[' after ']'"};
    } else if (c == ' ' || c == '\t' || c == ']') {
      return error{"'" + std::string(key) + "': unexpected '" + std::string(1, c) +
                   "' in the path"};
    } else {
      cur += c;
    }
  }
  if (!closed) {
    if (cur.empty()) return error{"'" + std::string(key) + "': empty part in the path"};
    parts.push_back(cur);
  }
  return parts;
}

result<YAML::Node> parse_value(const std::string& value) {
  if (value.empty() || (value.front() != '[' && value.front() != '{' && value.front() != '"' &&
                        value.front() != '\''))
    return YAML::Node(value);
  try {
    return YAML::Load(value);
  } catch (const YAML::Exception& e) {
    return error{"'" + value + "' is not a YAML value: " + e.msg};
  }
}

status set_value(YAML::Node root, const std::vector<std::string>& path, const std::string& key,
                 const std::string& value) {
  if (!root.IsMap()) return error{key + ": the scenario is not a YAML mapping"};
  auto parsed = parse_value(value);
  if (!parsed) return error{key + ": " + parsed.err().message};
  YAML::Node value_node = *parsed;

  // yaml-cpp nodes are references: `reset` moves `cur` without assigning
  // through it.
  YAML::Node cur;
  cur.reset(root);
  std::string where;
  for (std::size_t k = 0; k < path.size(); ++k) {
    const std::string& part = path[k];
    const bool last = k + 1 == path.size();
    if (cur.IsSequence()) {
      auto entry = list_entry(cur, part, where);
      if (!entry) return error{key + ": " + entry.err().message};
      if (last) {
        // A whole entry by position (e.g. a timeline entry as a flow map);
        // by name it would lose the name that found it.
        if (!all_digits(part))
          return error{key + ": name a key of the entry, e.g. " + key + ".count"};
        cur[std::stoul(part)] = value_node;
        return ok();
      }
      cur.reset(*entry);
      where += "[" + part + "]";
      continue;
    }
    if (!cur.IsMap()) {
      return error{key + ": " + (where.empty() ? std::string("the scenario") : where) +
                   " is not a mapping, so it has no '" + part + "'"};
    }
    where += (where.empty() ? "" : ".") + part;
    if (last) {
      cur[part] = value_node;
      return ok();
    }
    YAML::Node next = cur[part];
    if (!next || next.IsNull()) {
      // A section the scenario leaves at its defaults, e.g. cluster.tvs.
      cur[part] = YAML::Node(YAML::NodeType::Map);
      next.reset(cur[part]);
    }
    cur.reset(next);
  }
  return ok();
}

}  // namespace itlfleet::sweep::detail
