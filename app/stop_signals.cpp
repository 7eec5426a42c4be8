#include "stop_signals.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstring>

namespace itlfleet::app {
namespace {

// Lock-free, so the handler may touch it.
std::atomic<int> first_signal{0};
static_assert(std::atomic<int>::is_always_lock_free);

struct sigaction previous_int {
}, previous_term{};

const char* name_of(int signal) {
  return signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "a signal";
}

/// Only async-signal-safe calls: an atomic exchange, write(2) and _exit(2).
extern "C" void on_stop_signal(int signal) {
  int none = 0;
  if (!first_signal.compare_exchange_strong(none, signal)) ::_exit(128 + signal);
  const char* name = name_of(signal);
  const char* rest = ": stopping, writing what was reached (send it again to quit at once)\n";
  [[maybe_unused]] ssize_t w = ::write(STDERR_FILENO, "\nitlfleet: ", 11);
  w = ::write(STDERR_FILENO, name, std::strlen(name));
  w = ::write(STDERR_FILENO, rest, std::strlen(rest));
}

}  // namespace

stop_signals::stop_signals() {
  first_signal.store(0);
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  // Blocking calls resume after the handler: the engines poll received().
  action.sa_flags = SA_RESTART;
  ::sigaction(SIGINT, &action, &previous_int);
  ::sigaction(SIGTERM, &action, &previous_term);
}

stop_signals::~stop_signals() {
  ::sigaction(SIGINT, &previous_int, nullptr);
  ::sigaction(SIGTERM, &previous_term, nullptr);
}

const char* stop_signals::received() {
  const int signal = first_signal.load();
  return signal == 0 ? nullptr : name_of(signal);
}

int stop_signals::exit_status() {
  const int signal = first_signal.load();
  return signal == 0 ? 0 : 128 + signal;
}

}  // namespace itlfleet::app
