#include "itlfleet/metrics/output_files.hpp"

#include <stdlib.h>  // mkdtemp

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace itlfleet::metrics {
namespace {

namespace fs = std::filesystem;

std::string reason(int err) {
  return std::strerror(err);
}

/// A new, empty directory inside `dir` that no other run uses.
bool make_temp_dir(const std::string& dir, fs::path& out, std::string& error) {
  std::string pattern = (fs::path(dir) / ".itlfleet-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    error = "cannot create files in " + dir + ": " + reason(errno);
    return false;
  }
  out = pattern;
  return true;
}

/// `dir` exists (created if missing) and is a directory.
bool ensure_directory(const std::string& dir, std::string& error) {
  std::error_code ec;
  if (dir.empty()) {
    error = "the output directory name is empty";
    return false;
  }
  fs::create_directories(dir, ec);
  if (ec) {
    error = "cannot create directory " + dir + ": " + ec.message();
    return false;
  }
  if (!fs::is_directory(dir, ec)) {
    error = dir + " is not a directory";
    return false;
  }
  return true;
}

}  // namespace

bool prepare_output_dir(const std::string& dir, std::string& error) {
  fs::path probe;
  if (!ensure_directory(dir, error) || !make_temp_dir(dir, probe, error)) return false;
  std::error_code ec;
  fs::remove(probe, ec);
  return true;
}

bool write_output_files(const std::string& dir, const std::vector<output_file>& files,
                        std::string& error) {
  // The temporary directory made below is itself the proof that files can
  // be created in `dir`: no separate probe.
  if (!ensure_directory(dir, error)) return false;
  std::error_code ec;
  // A directory in a file's place is the one thing that would stop a rename
  // half-way through; refuse before anything moves.
  for (const auto& f : files) {
    if (fs::is_directory(fs::path(dir) / f.name, ec)) {
      error = "cannot write " + (fs::path(dir) / f.name).string() +
              ": a directory is in the way (nothing was written to " + dir + ")";
      return false;
    }
  }
  fs::path temp;
  if (!make_temp_dir(dir, temp, error)) return false;
  for (const auto& f : files) {
    if (!write_file(temp.string(), f.name, f.content, error)) {
      fs::remove_all(temp, ec);
      error += " (nothing was written to " + dir + ")";
      return false;
    }
  }
  // Renames within one directory tree on one file system: each is atomic, and
  // they only fail if the directory itself goes away.
  for (const auto& f : files) {
    fs::rename(temp / f.name, fs::path(dir) / f.name, ec);
    if (ec) {
      error = "cannot move " + f.name + " into " + dir + ": " + ec.message();
      fs::remove_all(temp, ec);
      return false;
    }
  }
  fs::remove(temp, ec);
  return true;
}

bool write_file(const std::string& dir, const std::string& name, const std::string& content,
                std::string& error) {
  const fs::path target = fs::path(dir) / name;
  if (!dir.empty()) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
      error = "cannot create directory " + dir + ": " + ec.message();
      return false;
    }
  }

  // Write beside the target and rename over it, so a reader (or a crashed
  // run) never sees half a report.
  const fs::path temp = fs::path(target).concat(".tmp");
  const auto fail = [&](const fs::path& path, int err) {
    error = "cannot write " + path.string() + ": " + std::strerror(err);
    return false;
  };

  std::FILE* f = std::fopen(temp.c_str(), "wb");
  if (f == nullptr) return fail(target, errno);
  const bool written =
      std::fwrite(content.data(), 1, content.size(), f) == content.size() && std::fflush(f) == 0;
  const int write_errno = errno;
  if (std::fclose(f) != 0 || !written) {
    const int err = written ? errno : write_errno;
    std::remove(temp.c_str());
    return fail(target, err);
  }
  if (std::rename(temp.c_str(), target.c_str()) != 0) {
    const int err = errno;
    std::remove(temp.c_str());
    return fail(target, err);
  }
  return true;
}

}  // namespace itlfleet::metrics
