// --dry-run: everything derived, nothing simulated. Neurons and synapses per
// population and projection, and the memory each rank will need.
#pragma once

#include "microcircuit/derived_parameters.hpp"

#include <string>

namespace microcircuit {

std::string dry_run_text(const Parameters& parameters, const DerivedParameters& derived, int ranks,
                         int threads);

// Estimated bytes per rank: synapse store, row offsets, input buffers, neuron state.
double estimated_memory_per_rank_mb(const Parameters& parameters, const DerivedParameters& derived,
                                    int ranks, int threads);

} // namespace microcircuit
