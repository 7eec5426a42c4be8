#include "itlfleet/metrics/prometheus_endpoint.hpp"

#include <curl/curl.h>
#include <prometheus/gateway.h>

#include <algorithm>
#include <cctype>
#include <exception>

namespace itlfleet::metrics {
namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && s.size() <= 5 &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

bool plain_path_value(const std::string& v) {
  return !v.empty() && std::all_of(v.begin(), v.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '.' || c == '_' || c == '-';
  });
}

/// RFC 4648 base64url with padding, as the Pushgateway decodes "@base64" values.
std::string base64url(const std::string& in) {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += alphabet[(v >> s) & 63];
  }
  if (i + 1 == in.size()) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    const unsigned v =
        (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

}  // namespace

result<pushgateway_address> parse_pushgateway_url(std::string_view url) {
  const auto bad = [&](const std::string& why) {
    return error{"expected http://HOST:PORT, got '" + std::string(url) + "': " + why};
  };
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return bad("no scheme");
  const std::string scheme(url.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") return bad("scheme must be http or https");
  std::string_view rest = url.substr(scheme_end + 3);
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find('/') != std::string_view::npos) return bad("a path is not supported");
  std::string_view host = rest;
  std::string port = scheme == "http" ? "9091" : "443";
  const auto colon = rest.rfind(':');
  const auto bracket = rest.rfind(']');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    host = rest.substr(0, colon);
    port = std::string(rest.substr(colon + 1));
    if (!all_digits(port) || std::stoul(port) > 65535) return bad("bad port");
  }
  if (host.empty()) return bad("no host");
  return pushgateway_address{scheme + "://" + std::string(host), port};
}

std::pair<std::string, std::string> grouping_path_label(const std::string& name,
                                                        const std::string& value) {
  if (plain_path_value(value)) return {name, value};
  // The Pushgateway reads "=" alone as an empty value.
  return {name + "@base64", value.empty() ? "=" : base64url(value)};
}

status push_metrics(const pushgateway_address& to, const std::string& job,
                    const std::vector<std::pair<std::string, std::string>>& grouping,
                    const std::shared_ptr<prometheus::Collectable>& metrics) {
  prometheus::Labels path_labels;
  for (const auto& [name, value] : grouping) path_labels.insert(grouping_path_label(name, value));
  const auto [job_key, job_value] = grouping_path_label("job", job);
  if (job_key != "job") return error{"job name '" + job + "' must be made of [A-Za-z0-9._-]"};
  prometheus::Gateway gateway(to.host, to.port, job_value, path_labels);
  gateway.RegisterCollectable(metrics);
  const int code = gateway.Push();
  // prometheus-cpp returns curl's error code negated when no HTTP answer came.
  if (code < 0)
    return error{"cannot push to " + to.host + ":" + to.port + ": " +
                 curl_easy_strerror(static_cast<CURLcode>(-code)) + " (curl error " +
                 std::to_string(-code) + ")"};
  if (code < 200 || code >= 300)
    return error{"the Pushgateway at " + to.host + ":" + to.port + " answered HTTP " +
                 std::to_string(code)};
  return ok();
}

}  // namespace itlfleet::metrics
