#pragma once
// A plain HTTP/1.0 GET of /metrics over loopback, for the exporter tests:
// the whole response (status line, headers, body), or "" when nothing
// answers within five seconds.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdint>
#include <string>

namespace itlfleet::metrics {

inline std::string http_get_metrics(std::uint16_t port, bool ipv6 = false,
                                    const std::string& path = "/metrics") {
  const int fd = ::socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return {};
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sockaddr_in6 addr6{};
  addr6.sin6_family = AF_INET6;
  addr6.sin6_port = htons(port);
  addr6.sin6_addr = in6addr_loopback;
  const auto* to =
      ipv6 ? reinterpret_cast<const sockaddr*>(&addr6) : reinterpret_cast<const sockaddr*>(&addr);
  const socklen_t to_len = ipv6 ? sizeof addr6 : sizeof addr;
  std::string out;
  if (::connect(fd, to, to_len) == 0) {
    const std::string req = "GET " + path + " HTTP/1.0\r\nHost: localhost\r\n\r\n";
    if (::send(fd, req.data(), req.size(), 0) == static_cast<ssize_t>(req.size())) {
      char buf[4096];
      for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
        out.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return out;
}

}  // namespace itlfleet::metrics
