#pragma once
/// The on-disk key cache: generated private keys as one PEM file each in a
/// directory, so later runs with the same seed skip RSA generation.

#include <memory>
#include <string>

#include "itlfleet/sim/pki.hpp"

namespace itlfleet::host {

/// Keeps keys as files in `dir` (created on first store, mode 0600 files).
/// Writes go to a temporary name and are renamed, so a concurrent reader
/// (another thread or process) sees a whole file or none. Thread-safe.
class directory_key_store final : public sim::key_store {
 public:
  explicit directory_key_store(std::string dir) : dir_(std::move(dir)) {}
  std::optional<std::string> load(const std::string& name) override;
  void store(const std::string& name, const std::string& pem) override;
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

/// The default cache directory: $ITLFLEET_KEY_CACHE, else
/// $XDG_CACHE_HOME/itlfleet/keys, else ~/.cache/itlfleet/keys; empty if none.
std::string default_key_cache_dir();

/// A store in the default directory, or null when there is none.
std::shared_ptr<sim::key_store> default_key_store();

}  // namespace itlfleet::host
