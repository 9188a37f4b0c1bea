// A projection: all synapses from one source population onto one target
// population, made by the fixed-total-number rule (docs/model.md).
#pragma once

#include <cstdint>

namespace microcircuit {

// The 64 recurrent projections have id = 8 * target + source, the thalamic
// ones 64 + target; the id names the projection's random streams.
struct Projection {
    std::uint32_t id = 0;
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

} // namespace microcircuit
