#include "itlfleet/plan/run_plan.hpp"

namespace itlfleet::plan {

bool args_fit(action_kind kind, const action_args& args) {
  switch (kind) {
    case action_kind::itl_reset_remotekey:
      return std::holds_alternative<remote_key_source>(args);
    case action_kind::cert_regen:
      return std::holds_alternative<regen_certificate>(args);
    case action_kind::rename_publisher:
      return std::holds_alternative<new_host_name>(args);
    case action_kind::change_domain:
      return std::holds_alternative<new_domain>(args);
    case action_kind::change_security_password:
    case action_kind::rebuild_publisher:
      return std::holds_alternative<security_password>(args);
    case action_kind::backup_itlrecovery:
      return std::holds_alternative<sftp_destination>(args);
    case action_kind::set_option_150:
      return std::holds_alternative<tftp_server_list>(args);
    case action_kind::inject_fault:
    case action_kind::clear_fault:
      return std::holds_alternative<cluster_fault_choice>(args);
    case action_kind::upgrade_cluster:
      return std::holds_alternative<target_release>(args);
    case action_kind::set_rollback_pre8:
      return std::holds_alternative<parameter_switch>(args);
    default:
      return std::holds_alternative<no_arguments>(args);
  }
}

}  // namespace itlfleet::plan
