#include "endpoint_list.hpp"

#include <charconv>

namespace itlfleet::app {

result<std::vector<host_port>> parse_endpoint_list(const std::string& text,
                                                   std::uint16_t default_port) {
  std::vector<host_port> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string entry = text.substr(start, comma - start);
    start = comma + 1;
    if (entry.empty()) return error{"empty address in '" + text + "'"};
    std::string host = entry;
    std::string port;
    if (entry.front() == '[') {
      const auto close = entry.find(']');
      if (close == std::string::npos) return error{"'" + entry + "': missing ']'"};
      host = entry.substr(1, close - 1);
      if (close + 1 < entry.size()) {
        if (entry[close + 1] != ':') return error{"'" + entry + "': expected ':' after ']'"};
        port = entry.substr(close + 2);
      }
    } else if (const auto colon = entry.rfind(':'); colon != std::string::npos) {
      host = entry.substr(0, colon);
      port = entry.substr(colon + 1);
    }
    boost::system::error_code ec;
    host_port hp;
    hp.address = boost::asio::ip::make_address(host, ec);
    if (ec) return error{"'" + entry + "': '" + host + "' is not an IP address"};
    hp.port = default_port;
    if (!port.empty()) {
      unsigned value = 0;
      const auto [p, e] = std::from_chars(port.data(), port.data() + port.size(), value);
      if (e != std::errc() || p != port.data() + port.size() || value == 0 || value > 65535)
        return error{"'" + entry + "': port must be 1-65535"};
      hp.port = static_cast<std::uint16_t>(value);
    }
    out.push_back(hp);
    if (comma == text.size()) break;
  }
  return out;
}

}  // namespace itlfleet::app
