// TFTP servers under one load: itlfleet's own server against Debian's
// tftpd-hpa and atftpd (when installed), the same 5,302-byte ITL downloaded
// by the same load client (net/tftp_load.hpp) in the same run, so that the
// ratio holds on a shared, noisy machine.
//
//   itlfleet_tftp_bench [DOWNLOADS] [CONCURRENCY]     (default 20000 64)

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "itlfleet/net/tftp_load.hpp"
#include "itlfleet/net/tftp_server.hpp"

namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using itlfleet::bytes;

constexpr std::size_t itl_size = 5302;  // the seed's ITL (docs/formats.md)

/// A stock server as a child process, killed when this goes out of scope.
class child {
 public:
  explicit child(std::vector<std::string> args) {
    pid_ = ::fork();
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::usleep(300'000);  // let it bind
  }
  ~child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  child(const child&) = delete;
  child& operator=(const child&) = delete;

 private:
  pid_t pid_ = -1;
};

itlfleet::net::tftp_load_result load(asio::ip::udp::endpoint server, std::uint64_t downloads,
                                     std::uint32_t concurrency) {
  itlfleet::net::tftp_load_options o;
  o.server = server;
  o.filename = "ITLFile.tlv";
  o.max_downloads = downloads;
  o.concurrency = concurrency;
  o.max_duration = std::chrono::seconds(60);
  o.expected_size = itl_size;
  return itlfleet::net::run_tftp_load(o, 1);
}

void row(const char* name, const itlfleet::net::tftp_load_result& r, double baseline) {
  std::printf(
      "| %-26s | %8llu | %6llu | %10.0f | %6.2f | %7lld | %7lld |\n", name,
      static_cast<unsigned long long>(r.ok),
      static_cast<unsigned long long>(r.timeout + r.refused + r.protocol_error + r.wrong_size),
      r.downloads_per_second, baseline > 0 ? r.downloads_per_second / baseline : 1.0,
      static_cast<long long>(r.p50.count()), static_cast<long long>(r.p99.count()));
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint64_t downloads = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 20000;
  const auto concurrency =
      static_cast<std::uint32_t>(argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 64);
  const fs::path root =
      fs::temp_directory_path() / ("itlfleet-tftp-bench-" + std::to_string(::getpid()));
  fs::create_directories(root);
  auto file = std::make_shared<const bytes>(itl_size, std::uint8_t{0x5A});
  std::ofstream(root / "ITLFile.tlv", std::ios::binary)
      .write(reinterpret_cast<const char*>(file->data()),
             static_cast<std::streamsize>(file->size()));

  // Ours, on its own thread (one server, one thread, as in a live run).
  asio::io_context io(1);
  itlfleet::net::tftp_server server(
      io.get_executor(), {asio::ip::make_address("127.0.1.1"), 0},
      [file](std::string_view name) { return name == "ITLFile.tlv" ? file : nullptr; },
      {.max_serving_count = 100000});
  if (auto s = server.start(); !s) {
    std::fprintf(stderr, "cannot start the server: %s\n", s.err().to_string().c_str());
    return 1;
  }
  std::thread t([&] { io.run(); });
  const auto ours = load(server.local_endpoint(), downloads, concurrency);
  asio::post(io, [&] { server.stop(); });
  t.join();

  std::printf("%llu downloads of %zu bytes, %u in flight, one load thread\n\n",
              static_cast<unsigned long long>(downloads), itl_size, concurrency);
  std::printf("| %-26s | %8s | %6s | %10s | %6s | %7s | %7s |\n", "server", "ok", "failed",
              "downloads/s", "ratio", "p50 us", "p99 us");
  std::printf("|---|---|---|---|---|---|---|\n");
  row("itlfleet tftp_server", ours, 0);
  const int port = 30000 + ::getpid() % 20000;
  if (fs::exists("/usr/sbin/in.tftpd")) {
    std::vector<std::string> args{
        "/usr/sbin/in.tftpd", "-L", "-a", "127.0.1.2:" + std::to_string(port), "-s", root.string()};
    if (::geteuid() == 0) args.insert(args.end(), {"-u", "root"});
    child c(args);
    row("tftpd-hpa (in.tftpd)",
        load({asio::ip::make_address("127.0.1.2"), static_cast<unsigned short>(port)}, downloads,
             concurrency),
        ours.downloads_per_second);
  }
  if (fs::exists("/usr/sbin/atftpd")) {
    child c({"/usr/sbin/atftpd", "--daemon", "--no-fork", "--bind-address", "127.0.1.3", "--port",
             std::to_string(port), "--logfile", "/dev/null", "--user", "root.root", root.string()});
    row("atftpd",
        load({asio::ip::make_address("127.0.1.3"), static_cast<unsigned short>(port)}, downloads,
             concurrency),
        ours.downloads_per_second);
  }
  fs::remove_all(root);
  return 0;
}
