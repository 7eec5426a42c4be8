#include "plan_fixture.hpp"

#include <gtest/gtest.h>

namespace itlfleet::test {

using namespace std::chrono_literals;

plan::run_plan single_node_plan(std::uint64_t phones) {
  plan::run_plan p;
  p.name = "test";
  p.source = "test";
  p.seed = 11;
  p.cluster.nodes = {{"cucm-pub", true, true, true, true}};
  plan::fleet_group g;
  g.name = "desk";
  g.count = phones;
  g.tftp = {"cucm-pub"};
  p.fleet = {g};
  p.boot.spread = 30s;
  p.end = 40min;
  p.sample_every = 10s;
  return p;
}

plan::run_plan two_node_plan(std::uint64_t phones) {
  plan::run_plan p = single_node_plan(phones);
  p.cluster.nodes.push_back({"cucm-sub", false, true, true, true});
  p.fleet[0].tftp = {"cucm-pub", "cucm-sub"};
  return p;
}

plan::action at(std::chrono::microseconds t, plan::action_kind kind, plan::action_args args,
                std::optional<plan::node_index> node) {
  plan::action a;
  a.at = t;
  a.kind = kind;
  a.args = std::move(args);
  a.node = node;
  a.text = "test action";
  return a;
}

std::vector<plan::action> double_regen_timeline() {
  using namespace std::chrono_literals;
  using plan::action_kind;
  return {
      at(0s, action_kind::boot_all),
      at(10min, action_kind::cert_regen, plan::regen_certificate{sim::cert_purpose::callmanager}),
      at(10min, action_kind::restart_tftp),
      at(10min + 10s, action_kind::cert_regen, plan::regen_certificate{sim::cert_purpose::tvs}),
      at(10min + 10s, action_kind::restart_tvs),
      at(10min + 10s, action_kind::restart_tftp)};
}

plan::expectation expect_at(std::chrono::microseconds t, std::string metric, plan::comparison op,
                            double value) {
  plan::expectation e;
  e.at = t;
  e.metric = std::move(metric);
  e.op = op;
  e.value = value;
  e.text = e.metric;
  return e;
}

engine::run_result run_ok(const plan::run_plan& plan, engine::run_options options) {
  auto r = engine::run_virtual(plan, options);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.err().to_string());
  return r.ok() ? std::move(r.value()) : engine::run_result{};
}

}  // namespace itlfleet::test
