// A projection: all synapses from one source population onto one target
// population, made by the fixed-total-number rule (MODEL.md).
#pragma once

#include "microcircuit/derived_parameters.hpp"

#include <cstdint>
#include <vector>

namespace microcircuit {

struct Projection {
    std::uint32_t id = 0; // names the random streams of this projection
    int target_population = 0;
    std::uint64_t source_first_gid = 0;
    std::uint64_t source_count = 0;
    std::uint64_t num_synapses = 0; // exactly this many synapses are made
    bool excitatory = true;         // sign of all its weights
    double weight_mean = 0.0;       // pA
    double weight_sd = 0.0;         // pA
    double delay_mean = 0.0;        // ms
    double delay_sd = 0.0;          // ms
};

// Source gids of the thalamic neurons follow the cortical neurons.
inline std::uint64_t first_thalamic_gid(const DerivedParameters& derived) {
    return derived.num_neurons_total;
}

// Every projection with at least one synapse: the 64 recurrent ones
// (id = 8 * target + source), then the thalamic ones (id = 64 + target).
std::vector<Projection> make_projections(const Parameters& parameters,
                                         const DerivedParameters& derived);

} // namespace microcircuit
