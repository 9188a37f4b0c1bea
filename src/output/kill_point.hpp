// Named moments of writing a run's files at which a test can kill the
// process (MICROCIRCUIT_TEST_KILL_POINT=<name> or <name>#<n>, the n-th time
// it is passed), so that the kill test reaches the short windows of finishing
// and checkpointing, not only random moments.
#pragma once

#include <csignal>
#include <cstdlib>
#include <string>

namespace microcircuit {

inline void kill_point(const std::string& name) {
    static int passed = 0;
    const char* wanted = std::getenv("MICROCIRCUIT_TEST_KILL_POINT");
    if (wanted == nullptr) {
        return;
    }
    const std::string point(wanted);
    const auto hash = point.find('#');
    if (point.substr(0, hash) == name &&
        ++passed == (hash == std::string::npos ? 1 : std::atoi(point.c_str() + hash + 1))) {
        std::raise(SIGKILL);
    }
}

} // namespace microcircuit
