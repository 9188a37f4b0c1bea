#include "cli/stop_signals.hpp"

#include <csignal>

namespace microcircuit {

namespace {

std::atomic<bool> stop_requested{false};
std::atomic<int> stop_signal{0};
static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free,
              "set from a signal handler");

extern "C" void request_stop(int signal) {
    stop_signal.store(signal, std::memory_order_relaxed);
    stop_requested.store(true, std::memory_order_relaxed);
}

} // namespace

StopSignals::StopSignals() {
    struct sigaction action {};
    action.sa_handler = request_stop;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGUSR1, &action, nullptr);
}

const std::atomic<bool>* StopSignals::flag() const { return &stop_requested; }

int StopSignals::received() const { return stop_signal.load(std::memory_order_relaxed); }

} // namespace microcircuit
