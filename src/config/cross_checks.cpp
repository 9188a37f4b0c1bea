#include "config/cross_checks.hpp"

#include "microcircuit/config.hpp"
#include "microcircuit/time_grid.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace microcircuit::config {

namespace {

void check_on_grid(const std::string& key, double time, const TimeGrid& grid) {
    try {
        grid.steps_on_grid(time, key);
    } catch (const std::invalid_argument& e) {
        throw ConfigError(std::string(e.what()) + " (simulation.sim_resolution)");
    }
}

} // namespace

void collect_warnings(const Parameters& p, std::vector<std::string>& warnings) {
    const double end = p.simulation.t_presim + p.simulation.t_sim;
    const auto ms = [](double value) {
        std::ostringstream text;
        text << value << " ms";
        return text.str();
    };
    const auto outside = [&](const std::string& key, const std::string& what, double start,
                             double stop) {
        if (start >= end) {
            warnings.push_back(key + ": the " + what + " starts at " + ms(start) +
                               ", after the run ends (t_presim + t_sim = " + ms(end) +
                               "): it has no effect");
        } else if (stop > end) {
            warnings.push_back(key + ": the " + what + " lasts until " + ms(stop) +
                               ", after the run ends at " + ms(end));
        }
    };
    if (p.stimulus.thalamic_input) {
        outside("stimulus.th_start", "thalamic pulse", p.stimulus.th_start,
                p.stimulus.th_start + p.stimulus.th_duration);
    }
    if (p.stimulus.dc_transient) {
        outside("stimulus.dc_transient_start", "DC transient", p.stimulus.dc_transient_start,
                p.stimulus.dc_transient_start + p.stimulus.dc_transient_dur);
    }
    if (p.simulation.record_voltage) {
        if (p.simulation.rec_V_int > end) {
            warnings.push_back("simulation.rec_V_int: " + ms(p.simulation.rec_V_int) +
                               " is longer than the run (" + ms(end) + "): no voltage is recorded");
        }
        for (int i = 0; i < num_populations; ++i) {
            const double size = std::nearbyint(p.network.full_num_neurons[i] * p.network.N_scaling);
            if (static_cast<double>(p.simulation.rec_V_num_neurons) > size) {
                std::ostringstream text;
                text << "simulation.rec_V_num_neurons: " << p.simulation.rec_V_num_neurons
                     << " is more than the " << size << " neurons of " << population_names[i]
                     << ": populations smaller than that are recorded whole";
                warnings.push_back(text.str());
                break;
            }
        }
    }
}

void check_consistency(const Parameters& p) {
    const TimeGrid grid(p.simulation.sim_resolution);
    check_on_grid("simulation.t_presim", p.simulation.t_presim, grid);
    check_on_grid("simulation.t_sim", p.simulation.t_sim, grid);
    if (p.simulation.record_voltage) {
        check_on_grid("simulation.rec_V_int", p.simulation.rec_V_int, grid);
    }
    for (int i = 0; i < num_populations; ++i) {
        if (std::nearbyint(p.network.full_num_neurons[i] * p.network.N_scaling) < 1.0) {
            throw ConfigError(std::string("network.N_scaling: population ") + population_names[i] +
                              " would be empty (num_neurons " +
                              std::to_string(p.network.full_num_neurons[i]) + " x N_scaling " +
                              std::to_string(p.network.N_scaling) + " rounds to 0)");
        }
    }
    if (p.network.neuron.V_reset >= p.network.neuron.V_th) {
        throw ConfigError("network.V_reset: must be below network.V_th");
    }
    if (p.simulation.t_presim + p.simulation.t_sim <= 0.0) {
        throw ConfigError("simulation.t_sim: nothing to simulate (t_presim + t_sim is 0)");
    }
}

} // namespace microcircuit::config
