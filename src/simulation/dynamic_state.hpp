// What a checkpoint holds: the simulation's state at the start of a step,
// per neuron by global id and per spike, so that it can be restored on any
// number of ranks and threads. Synapses are not part of it: they are rebuilt
// from the seed (and compared by their digest).
#pragma once

#include <cstdint>
#include <vector>

namespace microcircuit {

struct DynamicState {
    std::uint64_t step = 0; // the next step to update
    // Neurons, in ascending gid (a rank's share, or all of them).
    std::vector<std::uint64_t> gids;
    std::vector<double> y; // membrane potential relative to E_L
    std::vector<double> i_ex;
    std::vector<double> i_in;
    std::vector<std::int32_t> refractory;
    // Cortical spikes with synapses still to arrive at or after `step`: the
    // source and the step it was emitted in (restored: every rank's).
    // Thalamic spikes are drawn again from their counter-based streams.
    std::vector<std::uint64_t> spike_gids;
    std::vector<std::uint64_t> spike_steps;
    std::uint64_t spikes_emitted = 0; // since the start of the run (this rank's, or all)

    // Order-free, so that the sums over the ranks' shares do not depend on
    // how the network is split.
    std::uint64_t neuron_digest() const;
    std::uint64_t spike_digest() const;
};

} // namespace microcircuit
