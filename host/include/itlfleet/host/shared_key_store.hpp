#pragma once
/// A key store in memory, shared by the runs of one process (the points of a
/// sweep run on several threads at once), in front of an optional slower
/// store (the on-disk cache): each key is generated, or read from disk, once
/// per process instead of once per run.
///
///   auto keys = std::make_shared<host::shared_key_store>(host::default_key_store());
///   run_options ro; ro.key_cache = keys;  // the same object for every run

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "itlfleet/sim/pki.hpp"

namespace itlfleet::host {

/// Thread-safe. Entries are never evicted: a cluster has a few dozen keys of
/// a few kilobytes each, a sweep over many seeds a few dozen per seed.
class shared_key_store final : public sim::key_store {
 public:
  /// `backing` (may be null) is read on a miss and written on every store.
  explicit shared_key_store(std::shared_ptr<sim::key_store> backing = nullptr)
      : backing_(std::move(backing)) {}

  std::optional<std::string> load(const std::string& name) override;
  void store(const std::string& name, const std::string& pem) override;

  /// Loads answered from memory, and loads that went to the backing store or missed.
  std::uint64_t memory_hits() const;
  std::uint64_t misses() const;

 private:
  std::shared_ptr<sim::key_store> backing_;
  mutable std::mutex mutex_;
  std::map<std::string, std::string> keys_;
  std::uint64_t hits_ = 0;
  std::uint64_t misses_ = 0;
};

}  // namespace itlfleet::host
