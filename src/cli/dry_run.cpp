#include "cli/dry_run.hpp"

#include "connectivity/synapse_store.hpp"
#include "memory/memory_estimate.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>

namespace microcircuit {

std::string dry_run_text(const Parameters& parameters, int ranks, int threads, int ranks_on_node,
                         const AvailableMemory& available) {
    const DerivedParameters derived = derive_parameters(parameters);
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
    const MemoryEstimate estimate = estimate_memory_per_rank(parameters, derived, ranks, threads);
    constexpr double mib = 1024.0 * 1024.0;
    out << std::setprecision(1) << "ranks x threads: " << ranks << " x " << threads
        << "\nestimated memory per rank: " << estimate.peak() / mib << " MB (synapse store "
        << sizeof(Synapse) << " bytes per synapse)\n  process " << estimate.process / mib
        << ", neurons " << estimate.neurons / mib << ", synapses " << estimate.synapses / mib
        << ", construction " << estimate.construction / mib << ", recording "
        << estimate.recording / mib << " MB\n";
    const double need = estimate.peak() * ranks_on_node;
    if (const auto bytes = available.bytes()) {
        out << "available memory on this node: " << memory_text(static_cast<double>(*bytes))
            << " (MemAvailable "
            << (available.mem_available ? memory_text(static_cast<double>(*available.mem_available))
                                        : std::string("unknown"))
            << ", cgroup "
            << (available.cgroup_free
                    ? memory_text(static_cast<double>(*available.cgroup_free)) + " free of " +
                          memory_text(static_cast<double>(*available.cgroup_limit))
                    : std::string("without a limit"))
            << ")\n"
            << ranks_on_node << " rank(s) on this node need " << memory_text(need) << ": "
            << (need <= static_cast<double>(*bytes)
                    ? "the run fits"
                    : "the run would be refused (simulation.memory_check)")
            << "\n";
    } else {
        out << "available memory on this node: unknown (the run is not checked)\n";
    }
    return out.str();
}

} // namespace microcircuit
