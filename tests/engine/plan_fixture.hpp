#pragma once
// Small run plans built in code for the engine tests: one publisher (or a
// publisher and a subscriber), 1024-bit keys, a fleet of a few hundred phones.

#include <string>
#include <vector>

#include "itlfleet/engine/virtual_engine.hpp"
#include "itlfleet/plan/run_plan.hpp"

namespace itlfleet::test {

plan::run_plan single_node_plan(std::uint64_t phones);
plan::run_plan two_node_plan(std::uint64_t phones);
plan::action at(std::chrono::microseconds t, plan::action_kind kind,
                plan::action_args args = plan::no_arguments{},
                std::optional<plan::node_index> node = std::nullopt);
/// Power-on at 0s, then CallManager regenerated at 10m and TVS at 10m10s on
/// the publisher, each followed by the restarts CUCM asks for.
std::vector<plan::action> double_regen_timeline();
/// Runs the plan in the virtual engine; a plan the engine refuses fails the
/// test (and the returned result is empty).
engine::run_result run_ok(const plan::run_plan& plan, engine::run_options options = {});
plan::expectation expect_at(std::chrono::microseconds t, std::string metric, plan::comparison op,
                            double value);

}  // namespace itlfleet::test
