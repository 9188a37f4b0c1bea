// The progress line of simulation.print_time: simulated time and the running
// real-time factor of the current phase, rewritten in place at most twice a
// second on a terminal; into a pipe or log, a line of its own every 10 s.
#pragma once

#include <chrono>
#include <cstdio>

#include <unistd.h>

namespace microcircuit {

class ProgressLine {
public:
    explicit ProgressLine(double total_ms)
        : total_ms_(total_ms), terminal_(isatty(fileno(stdout)) != 0),
          every_(std::chrono::milliseconds(terminal_ ? 500 : 10000)) {}

    // Ends the line of a forced report with `suffix`.
    static void finish_line(const char* suffix) {
        std::printf("%s\n", suffix);
        std::fflush(stdout);
    }

    void start_phase(double time_ms) {
        phase_start_ms_ = time_ms;
        phase_start_ = std::chrono::steady_clock::now();
        last_print_ = phase_start_;
    }

    void operator()(double time_ms, bool force = false) {
        const auto now = std::chrono::steady_clock::now();
        if (!force && now - last_print_ < every_) {
            return;
        }
        last_print_ = now;
        const double wall = std::chrono::duration<double>(now - phase_start_).count();
        const double simulated = (time_ms - phase_start_ms_) * 1e-3;
        // A forced report's line is finished by finish_line.
        std::printf("%s  simulated %9.1f / %.1f ms, real-time factor %.3f%s", terminal_ ? "\r" : "",
                    time_ms, total_ms_, simulated > 0.0 ? wall / simulated : 0.0,
                    force ? "" : (terminal_ ? "   " : "\n"));
        std::fflush(stdout);
    }

private:
    double total_ms_;
    bool terminal_;
    std::chrono::milliseconds every_;
    double phase_start_ms_ = 0.0;
    std::chrono::steady_clock::time_point phase_start_;
    std::chrono::steady_clock::time_point last_print_;
};

} // namespace microcircuit
