#include "microcircuit/time_grid.hpp"

#include "config/json_writer.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace microcircuit {

namespace {

// llround gives a long long: the grid ends before 2^63 steps.
constexpr double steps_limit = 0x1p63;

} // namespace

TimeGrid::TimeGrid(double resolution_ms) : resolution_(resolution_ms) {
    if (!(resolution_ms > 0.0) || !std::isfinite(resolution_ms)) {
        throw std::invalid_argument("time grid: the resolution must be a positive number of ms, "
                                    "got " +
                                    shortest_number_text(resolution_ms));
    }
}

std::string TimeGrid::range_end_text() const {
    return shortest_number_text(steps_limit * resolution_) + " ms";
}

std::uint64_t TimeGrid::steps(double ms) const {
    const double exact = ms / resolution_;
    if (!(ms >= 0.0) || !(exact < steps_limit)) {
        throw std::invalid_argument("time grid: " + shortest_number_text(ms) +
                                    " ms is not a time on the grid (from 0 to " + range_end_text() +
                                    ")");
    }
    return static_cast<std::uint64_t>(std::llround(exact));
}

std::uint64_t TimeGrid::steps_on_grid(double ms, const std::string& what) const {
    const double exact = ms / resolution_;
    const bool in_range = ms >= 0.0 && exact < steps_limit;
    if (!in_range || std::fabs(exact - std::round(exact)) > 1e-9 * std::max(1.0, exact)) {
        throw std::invalid_argument(what + ": " + shortest_number_text(ms) +
                                    " ms is not a multiple of the resolution " +
                                    shortest_number_text(resolution_) + " ms" +
                                    (in_range ? "" : " from 0 to " + range_end_text()));
    }
    return steps(ms);
}

double TimeGrid::ms(std::uint64_t steps) const { return static_cast<double>(steps) * resolution_; }

std::uint64_t TimeGrid::delay_steps(double delay_ms) const {
    const double rounded = std::floor(delay_ms / resolution_ + 0.5);
    if (!(delay_ms >= 0.0) || !(rounded < steps_limit)) {
        throw std::invalid_argument("time grid: a delay of " + shortest_number_text(delay_ms) +
                                    " ms is not a delay on the grid (from 0 to " +
                                    range_end_text() + ")");
    }
    return std::max<std::uint64_t>(1, static_cast<std::uint64_t>(rounded));
}

std::pair<double, double> TimeGrid::delays_rounding_to(std::uint64_t steps) const {
    const auto step = static_cast<double>(steps);
    return {(step - 0.5) * resolution_, (step + 0.5) * resolution_};
}

double TimeGrid::events_per_step(double rate_per_s) const {
    return rate_per_s * resolution_ * 1e-3;
}

} // namespace microcircuit
