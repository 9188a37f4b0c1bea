// --dry-run: everything derived, nothing simulated. Neurons and synapses per
// population and projection, the memory each rank will need and whether
// the node has it.
#pragma once

#include "microcircuit/derived_parameters.hpp"
#include "memory/memory_check.hpp"

#include <string>

namespace microcircuit {

// `ranks_on_node` of the ranks share this node's `available` memory.
std::string dry_run_text(const Parameters& parameters, int ranks, int threads, int ranks_on_node,
                         const AvailableMemory& available);

} // namespace microcircuit
