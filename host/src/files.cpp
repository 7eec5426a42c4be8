#include "itlfleet/host/files.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string_view>
#include <system_error>

namespace itlfleet::host {
namespace {

constexpr std::size_t max_input_size = 256u << 20;

struct file_closer {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using file_ptr = std::unique_ptr<std::FILE, file_closer>;

error io_error(const std::filesystem::path& path, std::string_view what, int err) {
  return error{"cannot " + std::string(what) + " " + path.string() + ": " + std::strerror(err),
               std::nullopt};
}

}  // namespace

result<bytes> read_file(const std::filesystem::path& path) {
  file_ptr f(std::fopen(path.c_str(), "rb"));
  if (!f) return io_error(path, "read", errno);
  bytes out;
  std::uint8_t buf[65536];
  for (;;) {
    const std::size_t n = std::fread(buf, 1, sizeof buf, f.get());
    out.insert(out.end(), buf, buf + n);
    if (out.size() > max_input_size) {
      return error{"cannot read " + path.string() + ": larger than " +
                       std::to_string(max_input_size >> 20) + " MiB",
                   std::nullopt};
    }
    if (n < sizeof buf) break;
  }
  // fopen succeeds on a directory; the read reports EISDIR.
  if (std::ferror(f.get())) return io_error(path, "read", errno);
  return out;
}

result<std::string> read_text_file(const std::filesystem::path& path) {
  auto data = read_file(path);
  if (!data) return data.err();
  return std::string(data->begin(), data->end());
}

status write_file(const std::filesystem::path& path, byte_view data, std::filesystem::perms perms) {
  file_ptr f(std::fopen(path.c_str(), "wb"));
  if (!f) return io_error(path, "write", errno);
  if (std::fwrite(data.data(), 1, data.size(), f.get()) != data.size()) {
    return io_error(path, "write", errno);
  }
  if (std::fclose(f.release()) != 0) return io_error(path, "write", errno);
  std::error_code ec;
  std::filesystem::permissions(path, perms, std::filesystem::perm_options::replace, ec);
  if (ec) return error{"cannot set permissions of " + path.string() + ": " + ec.message(), {}};
  return ok();
}

}  // namespace itlfleet::host
