#pragma once
// Small run plans built in code for the engine tests: one publisher (or a
// publisher and a subscriber), 1024-bit keys, a fleet of a few hundred phones.

#include <string>
#include <vector>

#include "itlfleet/engine/run_plan.hpp"
#include "itlfleet/engine/virtual_engine.hpp"

namespace itlfleet::test {

engine::run_plan single_node_plan(std::uint64_t phones);
engine::run_plan two_node_plan(std::uint64_t phones);
engine::action at(std::chrono::microseconds t, engine::action_kind kind,
                  std::vector<std::string> args = {}, std::string node = {});
/// Power-on at 0s, then CallManager regenerated at 10m and TVS at 10m10s on
/// the publisher, each followed by the restarts CUCM asks for.
std::vector<engine::action> double_regen_timeline();
/// Runs the plan in the virtual engine; a plan the engine refuses fails the
/// test (and the returned result is empty).
engine::run_result run_ok(const engine::run_plan& plan, engine::run_options options = {});
engine::expectation expect_at(std::chrono::microseconds t, std::string metric,
                              engine::comparison op, double value);

}  // namespace itlfleet::test
