// The simulation's time grid: steps of the resolution h, step s ending at s h.
// Every conversion between milliseconds and steps is made here, by the rules
// of the reference simulator (NEST's nest_time.h), so that the configuration,
// the model, the connections, the memory estimate and the output count time
// alike.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

namespace microcircuit {

class TimeGrid {
public:
    // Throws std::invalid_argument unless `resolution_ms` is positive and finite.
    explicit TimeGrid(double resolution_ms);

    double resolution() const { return resolution_; } // h, ms

    // The step nearest to the time `ms` (halves away from zero). Times on the
    // grid give their step as the reference does; so does a refractory period
    // (NEST converts it as a time). Throws std::invalid_argument for a negative
    // time or one beyond the grid.
    std::uint64_t steps(double ms) const;

    // The same for a time that must lie on the grid (within a relative 1e-9):
    // throws std::invalid_argument naming `what` ("what: t ms is not a multiple
    // of the resolution h ms") when it is negative or not a multiple of it.
    std::uint64_t steps_on_grid(double ms, const std::string& what) const;

    // The time at the end of step `steps`.
    double ms(std::uint64_t steps) const;

    // A synaptic delay in steps: rounded to the nearest step, halves up (NEST's
    // ld_round), and at least one step. Throws std::invalid_argument for a delay
    // that is negative or beyond the grid.
    std::uint64_t delay_steps(double delay_ms) const;

    // The shortest delay that rounds to one step (half a step): shorter drawn
    // delays are drawn again.
    double shortest_delay() const { return 0.5 * resolution_; }

    // The delays [first, second) in ms whose nearest step is `steps`.
    std::pair<double, double> delays_rounding_to(std::uint64_t steps) const;

    // The mean number of events in one step of a process at `rate_per_s` (1/s).
    double events_per_step(double rate_per_s) const;

private:
    std::string range_end_text() const; // where the grid's steps end, for messages

    double resolution_;
};

} // namespace microcircuit
