// A flood of HTTP connections under a low open-file limit, in a forked child
// whose servers are configured from the descriptor budget: HTTP refuses past
// its share, and TFTP still opens its transfer sockets. Loopback only; every
// wait is bounded.

#include <gtest/gtest.h>

#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <thread>
#include <vector>

#include "itlfleet/net/descriptor_budget.hpp"
#include "itlfleet/net/http_file_server.hpp"
#include "tftp_test_support.hpp"

namespace itlfleet::net {
namespace {

using namespace testing;

constexpr rlim_t child_limit = 64;

/// Reads exactly `n` bytes within `wait`; false on EOF, error or timeout.
bool read_exactly(int fd, void* out, std::size_t n, std::chrono::milliseconds wait) {
  auto* p = static_cast<char*>(out);
  const auto end = std::chrono::steady_clock::now() + wait;
  while (n > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        end - std::chrono::steady_clock::now());
    pollfd pfd{fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) return false;
    const auto got = ::read(fd, p, n);
    if (got <= 0) return false;
    p += got;
    n -= static_cast<std::size_t>(got);
  }
  return true;
}

/// The child: servers sized by the budget under `child_limit` descriptors,
/// their ports written to `report`, served until `control` closes (at most
/// 60 s); then their counters are written. Never returns.
[[noreturn]] void serve_in_child(int report, int control) {
  rlimit lim{};
  ::getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = std::min(lim.rlim_max, child_limit);
  if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) ::_exit(3);
  const auto budget = budget_descriptors({2000, 2048, 0}, open_file_limit(), 24);
  if (budget.fits) ::_exit(4);

  const auto file = std::make_shared<const bytes>(pattern(1000));
  const file_lookup lookup = [file](std::string_view) { return file; };
  asio::io_context io(1);
  auto work = asio::make_work_guard(io);
  const auto loopback = asio::ip::make_address("127.0.0.1");
  tftp_server_options t;
  t.max_serving_count = static_cast<std::uint32_t>(budget.granted.tftp);
  http_server_options h;
  h.max_connections = budget.granted.http;
  h.header_timeout = std::chrono::minutes(1);  // the flood stays for the whole test
  tftp_server tftp(io.get_executor(), {loopback, 0}, lookup, t);
  http_file_server http(io.get_executor(), {loopback, 0}, lookup, h);
  if (!tftp.start() || !http.start()) ::_exit(5);
  std::thread runner([&] { io.run(); });
  const std::array<std::uint16_t, 2> ports{tftp.local_endpoint().port(),
                                           http.local_endpoint().port()};
  if (::write(report, ports.data(), sizeof ports) != sizeof ports) ::_exit(6);

  pollfd pfd{control, POLLIN, 0};
  ::poll(&pfd, 1, 60'000);
  const auto hs = http.stats();
  const auto ts = tftp.stats();
  const std::array<std::uint64_t, 3> counters{hs.rejected_connections, ts.files_served,
                                              ts.errors_sent};
  const bool written = ::write(report, counters.data(), sizeof counters) == sizeof counters;
  ::_exit(written ? 0 : 7);  // no destructors: the process ends here
}

/// Waits for `pid` at most 30 s, then kills it; its exit status.
int reap(pid_t pid) {
  int status = 0;
  for (int i = 0; i < 3000; ++i) {
    if (::waitpid(pid, &status, WNOHANG) == pid)
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::this_thread::sleep_for(10ms);
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  return -1;
}

TEST(ServerFlood, an_http_flood_under_a_low_open_file_limit_leaves_tftp_serving) {
  std::array<int, 2> report{}, control{};
  ASSERT_EQ(::pipe(report.data()), 0);
  ASSERT_EQ(::pipe(control.data()), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(report[0]);
    ::close(control[1]);
    serve_in_child(report[1], control[0]);
  }
  ::close(report[1]);
  ::close(control[0]);
  struct closer {
    int fd;
    ~closer() { ::close(fd); }
  } close_report{report[0]}, close_control{control[1]};

  std::array<std::uint16_t, 2> ports{};
  ASSERT_TRUE(read_exactly(report[0], ports.data(), sizeof ports, 30'000ms))
      << "the child did not start its servers; exit status " << reap(pid);
  const auto loopback = asio::ip::make_address_v4("127.0.0.1");

  // 100 idle HTTP connections: more than the child has descriptors for.
  constexpr int flood_size = 100;
  std::vector<int> flood;
  for (int i = 0; i < flood_size; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    flood.push_back(fd);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(ports[1]);
    a.sin_addr.s_addr = htonl(loopback.to_uint());
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0) << std::strerror(errno);
  }
  // Those past HTTP's share are answered and closed: readable (a 503 or EOF).
  // poll() returns at once while any is readable: the bound is on the clock.
  int refused = 0;
  const auto until = std::chrono::steady_clock::now() + 30s;
  while (refused < flood_size / 2 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(10ms);
    std::vector<pollfd> fds;
    for (int fd : flood) fds.push_back({fd, POLLIN, 0});
    ::poll(fds.data(), fds.size(), 0);
    refused = 0;
    for (const auto& p : fds) refused += (p.revents & (POLLIN | POLLHUP | POLLERR)) != 0;
  }
  EXPECT_GE(refused, flood_size / 2);

  // TFTP still opens a transfer socket and serves the whole file.
  {
    raw_udp c;
    const udp::endpoint tftp_ep(loopback, ports[0]);
    c.send(rrq("f"), tftp_ep);
    bytes got;
    for (std::uint16_t block = 1; block <= 2; ++block) {
      auto d = c.receive(30'000ms);
      ASSERT_TRUE(d) << "no answer from TFTP";
      const auto p = d->packet();
      if (const auto* e = std::get_if<tftp_error>(&p)) FAIL() << "TFTP refused: " << e->message;
      const auto& data = std::get<tftp_data>(p);
      got.insert(got.end(), data.payload.begin(), data.payload.end());
      c.send(tftp_ack{block}, d->from);
    }
    EXPECT_EQ(got, pattern(1000));
  }

  for (int fd : flood) ::close(fd);
  ::close(control[1]);
  close_control.fd = -1;
  std::array<std::uint64_t, 3> counters{};
  ASSERT_TRUE(read_exactly(report[0], counters.data(), sizeof counters, 30'000ms));
  EXPECT_EQ(reap(pid), 0);
  EXPECT_GE(counters[0], static_cast<std::uint64_t>(flood_size / 2));  // rejected_connections
  EXPECT_EQ(counters[2], 0u);                                          // no TFTP ERROR sent
}

}  // namespace
}  // namespace itlfleet::net
