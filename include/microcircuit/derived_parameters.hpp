// The numbers the simulation uses, derived from the configuration by the
// formulas of MODEL.md: population sizes, synapse counts, weights, DC
// amplitudes and Poisson rates under N_scaling and K_scaling.
#pragma once

#include "microcircuit/parameters.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace microcircuit {

using CountMatrix = std::array<std::array<std::uint64_t, num_populations>, num_populations>;

struct DerivedParameters {
    std::array<std::uint32_t, num_populations> num_neurons{};
    std::array<std::uint64_t, num_populations> first_gid{}; // populations are contiguous
    std::uint64_t num_neurons_total = 0;

    PopulationMatrix num_synapses_full_unrounded{}; // [target][source]
    CountMatrix num_synapses{};                     // [target][source], scaled and rounded
    std::uint64_t num_synapses_total = 0;

    double psc_per_psp = 0.0;        // pA/mV
    double rheobase = 0.0;           // pA
    PopulationMatrix weight_mean{};  // pA, [target][source]
    PopulationVector delay_mean{};   // ms, by source
    double weight_ext = 0.0;         // pA
    PopulationVector dc_amplitude{}; // pA, I_e of each population
    PopulationVector poisson_rate{}; // spikes/s per neuron (0 with DC drive)
    std::vector<int> below_rheobase; // populations whose DC is below rheobase

    // Thalamic input (counts are in-degree preserving: x N_scaling x K_scaling).
    std::array<std::uint64_t, num_populations> num_thalamic_synapses{};
    std::array<std::uint64_t, num_populations> num_thalamic_synapses_upstream{}; // x K_scaling only
    double weight_thalamic = 0.0;                                                // pA
    PopulationVector dc_transient_amplitude{};                                   // pA

    std::uint64_t presim_steps = 0;
    std::uint64_t total_steps = 0;

    int population_of(std::uint64_t gid) const {
        int population = 0;
        while (population + 1 < num_populations && gid >= first_gid[population + 1]) {
            ++population;
        }
        return population;
    }
};

DerivedParameters derive_parameters(const Parameters& parameters);

// PSC amplitude (pA) that gives a PSP of 1 mV for the neuron parameters.
double psc_per_psp(const NeuronParameters& neuron);

// Synapses of a fixed-total-number projection with connection probability p at
// full scale between populations of the given sizes.
double full_scale_synapses(double probability, double target_size, double source_size);

// The derived parameters as a JSON object (file metadata and --dry-run).
std::string derived_parameters_json(const DerivedParameters& derived);

} // namespace microcircuit
