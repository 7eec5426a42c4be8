#pragma once
// The export directory: made ready for the files, then written file by file,
// each remembered (path, length, SHA-1) for the manifest.

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "itlfleet/sim/bytes.hpp"

namespace itlfleet::cluster_export::detail {

namespace fs = std::filesystem;

/// Raised for anything that stops the export; the message names the file.
struct export_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline constexpr auto public_dir = fs::perms(0755);
inline constexpr auto public_file = fs::perms(0644);
inline constexpr auto private_dir = fs::perms(0700);
inline constexpr auto private_file = fs::perms(0600);

struct written_file {
  std::string path;  ///< relative to the export root, '/'-separated
  std::size_t length = 0;
  bytes sha1;
};

/// An empty or missing directory is written into; a non-empty one only with
/// `force`, and then a previous export's tftp/ and keys/ are cleared first so
/// no stale phone files remain.
void prepare_root(const std::string& out, bool force);

class export_writer {
 public:
  explicit export_writer(fs::path root) : root_(std::move(root)) {}

  void directory(const std::string& rel, fs::perms perms);
  /// `sha1` may be passed when already known (the per-phone trust list copies).
  void file(const std::string& rel, byte_view data, fs::perms perms, bytes sha1 = {});
  /// A file left out of files() and bytes_written(): the manifest itself.
  void unlisted_file(const std::string& rel, byte_view data, fs::perms perms) const;

  const std::vector<written_file>& files() const { return files_; }
  std::uint64_t bytes_written() const { return bytes_written_; }
  const fs::path& root() const { return root_; }

 private:
  fs::path root_;
  std::vector<written_file> files_;
  std::uint64_t bytes_written_ = 0;
};

}  // namespace itlfleet::cluster_export::detail
