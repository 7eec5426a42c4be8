#pragma once
/// The run plan (itlfleet::plan, plan/) under the engine's own names: the
/// engine executes a plan::run_plan, and its code says `run_plan`,
/// `sim_duration` and `limits::` as it always has. Code outside the engine
/// names them `plan::`.

#include "itlfleet/plan/plan_limits.hpp"
#include "itlfleet/plan/run_plan.hpp"

namespace itlfleet::engine {

using plan::sim_duration;
using plan::sim_time;

using plan::action;
using plan::action_kind;
using plan::boot_plan;
using plan::cluster_plan;
using plan::comparison;
using plan::expectation;
using plan::expectation_metrics;
using plan::fetch_protocol;
using plan::find_metric;
using plan::fleet_group;
using plan::http_model;
using plan::installed_ctl;
using plan::installed_itl;
using plan::metric_def;
using plan::node_http_model;
using plan::node_plan;
using plan::node_tftp_model;
using plan::node_tvs_model;
using plan::phone_model;
using plan::run_plan;
using plan::tftp_calibration_ref;
using plan::tftp_model;
using plan::tvs_model;

namespace limits = plan::limits;

}  // namespace itlfleet::engine
