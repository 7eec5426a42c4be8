#include "itlfleet/host/key_cache.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <system_error>
#include <thread>

namespace itlfleet::host {

namespace fs = std::filesystem;

std::optional<std::string> directory_key_store::load(const std::string& name) {
  std::ifstream in(fs::path(dir_) / name, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) return std::nullopt;
  return text.str();
}

// Failures are ignored: the cache only saves time.
void directory_key_store::store(const std::string& name, const std::string& pem) {
  const fs::path file = fs::path(dir_) / name;
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  if (ec) return;
  const std::size_t thread_tag = std::hash<std::thread::id>{}(std::this_thread::get_id());
  fs::path tmp = file;
  tmp += ".tmp." + std::to_string(::getpid()) + "." + std::to_string(thread_tag);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return;
    fs::permissions(tmp, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace,
                    ec);
    out << pem;
    out.close();
    if (!out) {
      fs::remove(tmp, ec);
      return;
    }
  }
  fs::rename(tmp, file, ec);
  if (ec) fs::remove(tmp, ec);
}

std::string default_key_cache_dir() {
  auto env = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v != nullptr ? v : "";
  };
  if (auto d = env("ITLFLEET_KEY_CACHE"); !d.empty()) return d;
  if (auto d = env("XDG_CACHE_HOME"); !d.empty())
    return (fs::path(d) / "itlfleet" / "keys").string();
  if (auto home = env("HOME"); !home.empty())
    return (fs::path(home) / ".cache" / "itlfleet" / "keys").string();
  return "";
}

std::shared_ptr<sim::key_store> default_key_store() {
  const std::string dir = default_key_cache_dir();
  if (dir.empty()) return nullptr;
  return std::make_shared<directory_key_store>(dir);
}

}  // namespace itlfleet::host
