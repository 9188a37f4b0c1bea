// The time grid: every conversion between milliseconds and steps.
#define BOOST_TEST_MODULE time_grid
#include <boost/test/unit_test.hpp>

#include "microcircuit/time_grid.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

using namespace microcircuit;

namespace {

// The message of the std::invalid_argument that `convert` throws ("" if none).
template <class Conversion> std::string refusal(Conversion convert) {
    try {
        convert();
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "";
}

} // namespace

BOOST_AUTO_TEST_CASE(the_resolution_must_be_positive) {
    BOOST_TEST(TimeGrid(0.1).resolution() == 0.1);
    BOOST_CHECK_THROW(TimeGrid(0.0), std::invalid_argument);
    BOOST_CHECK_THROW(TimeGrid(-0.1), std::invalid_argument);
    BOOST_CHECK_THROW(TimeGrid(std::numeric_limits<double>::infinity()), std::invalid_argument);
    BOOST_CHECK_THROW(TimeGrid(std::numeric_limits<double>::quiet_NaN()), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(times_on_the_grid_give_their_step) {
    const TimeGrid grid(0.1);
    BOOST_TEST(grid.steps(0.0) == 0U);
    BOOST_TEST(grid.steps(0.1) == 1U);
    BOOST_TEST(grid.steps(0.3) == 3U); // 0.3 / 0.1 is 2.9999999999999996
    BOOST_TEST(grid.steps(0.7) == 7U); // 0.7 / 0.1 is 6.999999999999999
    BOOST_TEST(grid.steps(1.5) == 15U);
    BOOST_TEST(grid.steps(701.0) == 7010U);
    BOOST_TEST(grid.steps(1000.0) == 10000U);
    BOOST_TEST(TimeGrid(0.025).steps(2.0) == 80U);
}

BOOST_AUTO_TEST_CASE(times_between_steps_go_to_the_nearest_and_halves_away_from_zero) {
    const TimeGrid grid(0.5); // halves of 0.5 are exact in binary
    BOOST_TEST(grid.steps(0.2) == 0U);
    BOOST_TEST(grid.steps(0.25) == 1U);
    BOOST_TEST(grid.steps(0.3) == 1U);
    BOOST_TEST(grid.steps(0.74) == 1U);
    BOOST_TEST(grid.steps(0.75) == 2U);
    BOOST_TEST(grid.steps(1.25) == 3U);
    BOOST_TEST(TimeGrid(0.1).steps(0.14) == 1U);
    BOOST_TEST(TimeGrid(0.1).steps(0.16) == 2U);
}

BOOST_AUTO_TEST_CASE(large_times_keep_every_step) {
    const TimeGrid grid(0.1);
    BOOST_TEST(grid.steps(1e7) == 100000000U);
    BOOST_TEST(grid.steps_on_grid(1e7, "t_sim") == 100000000U);
    BOOST_TEST(grid.steps(1e7 + 0.1) == 100000001U);
    BOOST_TEST(grid.steps(1e7 - 0.1) == 99999999U);
    BOOST_TEST(grid.steps_on_grid(1e7 + 0.1, "t_sim") == 100000001U);
}

BOOST_AUTO_TEST_CASE(round_trips_from_steps_to_ms_and_back) {
    for (const double h : {0.1, 0.025, 0.5, 1.0, 0.01}) {
        const TimeGrid grid(h);
        for (std::uint64_t s : {0ULL, 1ULL, 2ULL, 3ULL, 7ULL, 15ULL, 10000ULL, 123457ULL,
                                100000000ULL, 1000000001ULL}) {
            BOOST_TEST(grid.steps(grid.ms(s)) == s, "h " << h << ", " << s << " steps");
            BOOST_TEST(grid.steps_on_grid(grid.ms(s), "t") == s, "h " << h << ", " << s);
            BOOST_TEST(grid.delay_steps(grid.ms(s)) == std::max<std::uint64_t>(s, 1));
        }
    }
    BOOST_TEST(TimeGrid(0.1).ms(7010) == 701.0);
    BOOST_TEST(TimeGrid(0.5).ms(3) == 1.5);
}

BOOST_AUTO_TEST_CASE(times_off_the_grid_are_refused_with_their_name) {
    const TimeGrid grid(0.1);
    const std::string message = refusal([&] { grid.steps_on_grid(100.05, "simulation.t_sim"); });
    BOOST_TEST(message.find("simulation.t_sim") != std::string::npos, message);
    BOOST_TEST(message.find("100.05") != std::string::npos, message);
    BOOST_TEST(message.find("not a multiple of the resolution 0.1 ms") != std::string::npos,
               message);
    BOOST_TEST(refusal([&] { grid.steps_on_grid(-0.1, "simulate"); }).find("simulate") == 0U);
    BOOST_TEST(refusal([&] { grid.steps_on_grid(0.15, "x"); }) != "");
    BOOST_TEST(
        refusal([&] { grid.steps_on_grid(std::numeric_limits<double>::quiet_NaN(), "x"); }) != "");
    BOOST_TEST(refusal([&] { grid.steps_on_grid(std::numeric_limits<double>::infinity(), "x"); }) !=
               "");
    // Within a relative 1e-9 a time is on the grid: sums of decimal times.
    BOOST_TEST(grid.steps_on_grid(0.1 + 0.2, "x") == 3U);
    BOOST_TEST(grid.steps_on_grid(100.0 * (1.0 + 1e-12), "x") == 1000U);
    BOOST_TEST(refusal([&] { grid.steps_on_grid(100.0 * (1.0 + 1e-8), "x"); }) != "");
}

BOOST_AUTO_TEST_CASE(times_outside_the_grid_are_refused) {
    const TimeGrid grid(0.1);
    BOOST_CHECK_THROW(grid.steps(-0.1), std::invalid_argument);
    BOOST_CHECK_THROW(grid.steps(std::numeric_limits<double>::quiet_NaN()), std::invalid_argument);
    BOOST_CHECK_THROW(grid.steps(1e300), std::invalid_argument);
    BOOST_CHECK_THROW(grid.delay_steps(-1.0), std::invalid_argument);
    BOOST_CHECK_THROW(grid.delay_steps(std::numeric_limits<double>::infinity()),
                      std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(delays_round_halves_up_and_last_at_least_one_step) {
    const TimeGrid grid(0.5);
    BOOST_TEST(grid.delay_steps(0.0) == 1U);
    BOOST_TEST(grid.delay_steps(0.1) == 1U);
    BOOST_TEST(grid.delay_steps(0.25) == 1U);
    BOOST_TEST(grid.delay_steps(0.74) == 1U);
    BOOST_TEST(grid.delay_steps(0.75) == 2U);
    BOOST_TEST(grid.delay_steps(1.25) == 3U);
    const TimeGrid fine(0.1);
    BOOST_TEST(fine.delay_steps(1.5) == 15U);
    BOOST_TEST(fine.delay_steps(0.8) == 8U);
    BOOST_TEST(fine.delay_steps(0.04) == 1U);
    BOOST_TEST(fine.shortest_delay() == 0.05);
}

BOOST_AUTO_TEST_CASE(the_delays_of_a_step_are_those_that_round_to_it) {
    const TimeGrid grid(0.5);
    for (std::uint64_t s = 1; s < 20; ++s) {
        const auto [first, second] = grid.delays_rounding_to(s);
        BOOST_TEST(grid.delay_steps(first) == s);
        BOOST_TEST(grid.delay_steps(std::nextafter(second, 0.0)) == s);
        BOOST_TEST(grid.delay_steps(second) == s + 1);
    }
    BOOST_TEST(grid.delays_rounding_to(1).first == grid.shortest_delay());
}

BOOST_AUTO_TEST_CASE(events_per_step_of_a_rate) {
    // 8 Hz over a 0.1 ms step: 8e-4 events, as rate * h * 1e-3 in that order.
    BOOST_TEST(TimeGrid(0.1).events_per_step(8.0) == 8.0 * 0.1 * 1e-3);
    BOOST_TEST(TimeGrid(1.0).events_per_step(1000.0) == 1.0);
}
