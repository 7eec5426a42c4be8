#pragma once
// A key store that hands out the first key it is given for every name:
// cluster-sized ITLs at 2048 bits without generating hundreds of keys (file
// sizes depend on the key length, not on the key).

#include <mutex>
#include <optional>
#include <string>

#include "itlfleet/sim/pki.hpp"

namespace itlfleet::test {

class one_key_store final : public sim::key_store {
 public:
  std::optional<std::string> load(const std::string&) override {
    std::lock_guard lock(mutex_);
    return pem_;
  }
  void store(const std::string&, const std::string& pem) override {
    std::lock_guard lock(mutex_);
    if (!pem_) pem_ = pem;
  }

 private:
  std::mutex mutex_;
  std::optional<std::string> pem_;
};

}  // namespace itlfleet::test
