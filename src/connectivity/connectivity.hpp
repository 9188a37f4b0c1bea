// Building the synapses onto the neurons of one virtual process.
//
// Fixed total number: the in-degrees of a projection's targets are drawn by
// choosing a target uniformly for each of its Q synapses from one stream keyed
// by the projection; every rank draws them identically (this is cheap next to
// making the synapses and needs no communication). Then each target's own
// stream, keyed by (projection, target), gives the sources, weights and delays
// of its synapses, so nothing depends on the decomposition.
#pragma once

#include "connectivity/synapse_store.hpp"
#include "microcircuit/derived_parameters.hpp"
#include "parallel/partition.hpp"

#include <cstdint>
#include <vector>

namespace microcircuit {

// In-degree of every target neuron (index within its population) of a projection.
std::vector<std::uint32_t> draw_in_degrees(std::uint32_t seed, const Projection& projection,
                                           std::uint32_t num_targets);
// The in-degrees of all projections, drawn in parallel (the same for any
// number of threads): in_degrees[projection][target index].
std::vector<std::vector<std::uint32_t>> draw_all_in_degrees(const DerivedParameters& derived);

// The sources, weights and delays (in steps) of the synapses of one target.
struct TargetSynapses {
    std::vector<std::uint64_t> sources;
    std::vector<float> weights;
    std::vector<std::uint32_t> delay_steps;
};

// Sources of the synapses of target `target_index` (within its population).
void draw_sources(std::uint32_t seed, const Projection& projection, std::uint64_t target_index,
                  std::uint32_t in_degree, std::vector<std::uint64_t>& sources);
// Weights and delays of the same synapses.
void draw_weights_and_delays(std::uint32_t seed, const Projection& projection,
                             std::uint64_t target_index, std::uint32_t in_degree,
                             const TimeGrid& grid, TargetSynapses& out);

// Sorts every row of a filled store by delay (stably: synapses of equal delay
// keep their order) and describes each row by its delay runs.
void sort_rows_by_delay(SynapseStore& store);

// Bytes of the buffers build_synapse_store holds besides the store while it
// writes a store of `synapses` synapses over `num_sources` rows (for the
// memory estimate: they add to the peak during construction).
std::size_t synapse_store_build_buffer_bytes(std::uint64_t synapses, std::uint64_t num_sources);

// Builds the synapse store of virtual process `vp`: two passes over its targets
// (count per source, then fill), so no temporary copy of the synapses is made.
SynapseStore build_synapse_store(const DerivedParameters& derived,
                                 const std::vector<std::vector<std::uint32_t>>& in_degrees,
                                 const Partition& partition, std::uint64_t vp);

// An order-free digest of the store's synapses (source gid, target gid,
// delay, weight): summed over the virtual processes it is the same for any
// decomposition of the same network.
std::uint64_t synapse_digest(const SynapseStore& store, const Partition& partition,
                             std::uint64_t vp);

} // namespace microcircuit
