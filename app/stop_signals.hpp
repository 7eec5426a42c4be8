#pragma once
/// SIGINT and SIGTERM for the commands that run for a long time (`run`,
/// `serve`): the first one asks the engine to stop, so that the outputs are
/// written with what was reached; a second one ends the process at once with
/// 128 + its number (130 for SIGINT, 143 for SIGTERM), writing nothing more.
/// Kubernetes stops a pod with SIGTERM, then SIGKILL after its grace period.

namespace itlfleet::app {

/// Installs the handlers for its lifetime (one at a time); the previous
/// handlers come back when it is destroyed.
class stop_signals {
 public:
  stop_signals();
  ~stop_signals();
  stop_signals(const stop_signals&) = delete;
  stop_signals& operator=(const stop_signals&) = delete;

  /// "SIGINT" or "SIGTERM" once the first has arrived; null before.
  /// Safe from any thread (it reads an atomic).
  static const char* received();
  /// The exit status that reports the signal received: 128 + its number.
  static int exit_status();
};

}  // namespace itlfleet::app
