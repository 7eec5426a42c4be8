#pragma once
// Loading a scenario document in a test: the error of one that must be
// refused, the plan of one that must load, and a check on a message's text.

#include <gtest/gtest.h>

#include <string>

#include "itlfleet/plan/run_plan.hpp"
#include "itlfleet/scenarios/scenario.hpp"

namespace itlfleet::test {

/// The error message for `yaml` loaded as "bad.yaml"; fails the test if it loads.
inline std::string load_error(const std::string& yaml) {
  auto r = scenarios::load_string(yaml, "bad.yaml");
  if (r.ok()) {
    ADD_FAILURE() << "loaded without error:\n" << yaml.substr(0, 2000);
    return {};
  }
  return r.err().message;
}

/// The plan `yaml` loads to (as "ok.yaml"); fails the test, and gives an
/// empty plan, if it is refused.
inline plan::run_plan load_ok(const std::string& yaml) {
  auto r = scenarios::load_string(yaml, "ok.yaml");
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.err().message);
  return r.ok() ? std::move(*r) : plan::run_plan{};
}

}  // namespace itlfleet::test

#define EXPECT_HAS(message, part) \
  EXPECT_NE((message).find(part), std::string::npos) << "in: " << (message)
