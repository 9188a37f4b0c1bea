// The progress line of simulation.print_time: simulated time and the running
// real-time factor of the current phase, at most twice a second.
#pragma once

#include <chrono>
#include <cstdio>

namespace microcircuit {

class ProgressLine {
public:
    explicit ProgressLine(double total_ms) : total_ms_(total_ms) {}

    void start_phase(double time_ms) {
        phase_start_ms_ = time_ms;
        phase_start_ = std::chrono::steady_clock::now();
        last_print_ = phase_start_;
    }

    void operator()(double time_ms, bool force = false) {
        const auto now = std::chrono::steady_clock::now();
        if (!force && now - last_print_ < std::chrono::milliseconds(500)) {
            return;
        }
        last_print_ = now;
        const double wall = std::chrono::duration<double>(now - phase_start_).count();
        const double simulated = (time_ms - phase_start_ms_) * 1e-3;
        std::printf("\r  simulated %9.1f / %.1f ms, real-time factor %.3f   ", time_ms, total_ms_,
                    simulated > 0.0 ? wall / simulated : 0.0);
        std::fflush(stdout);
    }

private:
    double total_ms_;
    double phase_start_ms_ = 0.0;
    std::chrono::steady_clock::time_point phase_start_;
    std::chrono::steady_clock::time_point last_print_;
};

} // namespace microcircuit
