#include "cli/dry_run.hpp"

#include "connectivity/synapse_store.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>

namespace microcircuit {

double estimated_memory_per_rank_mb(const Parameters& parameters, const DerivedParameters& derived,
                                    int ranks, int threads) {
    const auto& net = parameters.network;
    const auto& stim = parameters.stimulus;
    std::uint64_t synapses = derived.num_synapses_total;
    std::uint64_t sources = derived.num_neurons_total;
    if (stim.thalamic_input) {
        for (auto count : derived.num_thalamic_synapses) {
            synapses += count;
        }
        sources += static_cast<std::uint64_t>(stim.num_th_neurons);
    }
    const double neurons_per_rank = static_cast<double>(derived.num_neurons_total) / ranks;
    const double synapses_per_rank = static_cast<double>(synapses) / ranks;
    // Delay runs: a row has at most one per delay step present (mean + 6 SD
    // bounds the longest delay in practice) and at most one per synapse.
    const double longest = std::max(net.delay_exc_mean * (1.0 + 6.0 * net.delay_rel_std),
                                    stim.delay_th_mean * (1.0 + 6.0 * stim.delay_th_rel_std));
    const double delay_steps = std::ceil(longest / parameters.simulation.sim_resolution);
    const double vps = static_cast<double>(ranks) * threads;
    const double runs_per_row =
        std::min(delay_steps, static_cast<double>(synapses) / static_cast<double>(sources) / vps);
    const double rows = static_cast<double>(threads) * static_cast<double>(sources + 1);
    // Per neuron: y, i_ex, i_in, refractory, two input sums, the Poisson
    // count word, the spike flag.
    const double bytes = synapses_per_rank * sizeof(Synapse) +
                         rows * (2.0 * sizeof(std::uint64_t) + runs_per_row * sizeof(DelayRun)) +
                         neurons_per_rank * (3.0 * 8.0 + 4.0 + 8.0 + 8.0 + 1.0) +
                         static_cast<double>(derived.num_neurons_total) * 4.0 * num_populations;
    return bytes / (1024.0 * 1024.0);
}

std::string dry_run_text(const Parameters& parameters, const DerivedParameters& derived, int ranks,
                         int threads) {
    std::ostringstream out;
    out << "PD14 microcircuit, N_scaling " << parameters.network.N_scaling << ", K_scaling "
        << parameters.network.K_scaling << ", background "
        << (parameters.network.bg_input_type == BackgroundInput::dc ? "dc" : "poisson") << "\n\n";
    out << std::left << std::setw(8) << "pop" << std::right << std::setw(10) << "neurons"
        << std::setw(14) << "DC (pA)" << std::setw(16) << "Poisson (1/s)"
        << "\n";
    for (int p = 0; p < num_populations; ++p) {
        out << std::left << std::setw(8) << population_names[p] << std::right << std::setw(10)
            << derived.num_neurons[p] << std::setw(14) << std::fixed << std::setprecision(2)
            << derived.dc_amplitude[p] << std::setw(16) << std::setprecision(1)
            << derived.poisson_rate[p] << "\n";
    }
    out << std::left << std::setw(8) << "total" << std::right << std::setw(10)
        << derived.num_neurons_total << "\n\nsynapses [target][source]\n"
        << std::setw(8) << "";
    for (int x = 0; x < num_populations; ++x) {
        out << std::setw(11) << population_names[x];
    }
    out << std::setw(11) << "thalamus"
        << "\n";
    for (int y = 0; y < num_populations; ++y) {
        out << std::left << std::setw(8) << population_names[y] << std::right;
        for (int x = 0; x < num_populations; ++x) {
            out << std::setw(11) << derived.num_synapses[y][x];
        }
        out << std::setw(11)
            << (parameters.stimulus.thalamic_input ? derived.num_thalamic_synapses[y] : 0) << "\n";
    }
    out << "total synapses " << derived.num_synapses_total << "\n\n";
    for (int p : derived.below_rheobase) {
        out << "warning: DC of " << population_names[p] << " is below the rheobase ("
            << derived.rheobase << " pA)\n";
    }
    out << std::setprecision(1) << "ranks x threads: " << ranks << " x " << threads
        << "\nestimated memory per rank: "
        << estimated_memory_per_rank_mb(parameters, derived, ranks, threads)
        << " MB (synapse store " << sizeof(Synapse) << " bytes per synapse)\n";
    return out.str();
}

} // namespace microcircuit
