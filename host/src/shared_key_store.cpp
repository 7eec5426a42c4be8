#include "itlfleet/host/shared_key_store.hpp"

namespace itlfleet::host {

std::optional<std::string> shared_key_store::load(const std::string& name) {
  {
    std::lock_guard lock(mutex_);
    if (auto it = keys_.find(name); it != keys_.end()) {
      ++hits_;
      return it->second;
    }
    ++misses_;
  }
  // The backing store is read outside the lock: a disk read must not stall
  // the other threads' memory hits. Two threads missing the same key both
  // read it; the second insert finds the first one's copy.
  if (!backing_) return std::nullopt;
  auto pem = backing_->load(name);
  if (pem) {
    std::lock_guard lock(mutex_);
    keys_.emplace(name, *pem);
  }
  return pem;
}

void shared_key_store::store(const std::string& name, const std::string& pem) {
  {
    std::lock_guard lock(mutex_);
    keys_.insert_or_assign(name, pem);
  }
  if (backing_) backing_->store(name, pem);
}

std::uint64_t shared_key_store::memory_hits() const {
  std::lock_guard lock(mutex_);
  return hits_;
}

std::uint64_t shared_key_store::misses() const {
  std::lock_guard lock(mutex_);
  return misses_;
}

}  // namespace itlfleet::host
