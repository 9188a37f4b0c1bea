// The part of the network that lives on this rank: for each of its threads
// (virtual processes) the neuron state, the synapses onto those neurons and
// their input buffers. Built in two phases, `create` and `connect`, which the
// report times separately.
#pragma once

#include "connectivity/synapse_store.hpp"
#include "microcircuit/derived_parameters.hpp"
#include "model/neuron.hpp"
#include "parallel/communicator.hpp"
#include "parallel/partition.hpp"
#include "simulation/input_buffer.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

namespace microcircuit {

// A neuron's spike, emitted in the update of step `step`.
struct EmittedSpike {
    std::uint64_t gid;
    std::uint64_t step;
};

// Each on cache lines of its own: its thread writes its spike lists' headers
// every interval, and another thread reads the next one's first members every
// step; on a shared line each such access would wait for the other core.
struct alignas(64) VirtualProcess {
    std::uint64_t vp = 0;
    std::uint64_t num_local = 0;
    // Local index ranges of the populations: [population_begin[p], population_begin[p + 1]).
    std::array<std::uint64_t, num_populations + 1> population_begin{};
    NeuronState neurons;
    SynapseStore synapses;
    // Synaptic input. With tau_syn_ex == tau_syn_in excitatory and inhibitory
    // input act alike and are summed together.
    InputBuffer input;
    std::vector<std::uint64_t> poisson_counts; // four packed 16-bit counts per neuron
    // Per neuron: 1 if it spiked in the step being updated (the update loop
    // flags, a scan then appends the spikes in the order of local indices).
    std::vector<std::uint8_t> spiked;
    // Spikes emitted in the last two intervals (by parity of the interval): gid << 32 | lag.
    std::array<std::vector<std::uint64_t>, 2> spikes;
    // Spikes of these neurons whose synapses may still be arriving (for a
    // checkpoint), oldest first.
    std::vector<EmittedSpike> recent_spikes;
};

// Calls visit(vp, i) for every neuron i of the virtual processes `vps` (a
// rank's, in thread order) in ascending gid: local index by local index,
// thread by thread. The order of a rank's share of a checkpoint.
template <class VirtualProcesses, class Visit>
void for_each_neuron_by_gid(VirtualProcesses& vps, Visit&& visit) {
    std::uint64_t most = 0;
    for (const auto& vp : vps) {
        most = std::max(most, vp.num_local);
    }
    for (std::uint64_t i = 0; i < most; ++i) {
        for (auto& vp : vps) {
            if (i < vp.num_local) {
                visit(vp, i);
            }
        }
    }
}

class Network {
public:
    Network(const DerivedParameters& derived, const Partition& partition);

    // Neuron state and initial potentials (from each neuron's own random stream).
    void create();
    // In-degrees, synapse stores, the global minimum and maximum delay, input buffers.
    void connect(const Communicator& communicator);

    const DerivedParameters& derived() const { return derived_; }
    const Partition& partition() const { return partition_; }
    std::vector<VirtualProcess>& virtual_processes() { return vps_; }
    const std::vector<VirtualProcess>& virtual_processes() const { return vps_; }
    std::uint32_t min_delay_steps() const { return min_delay_steps_; }
    std::uint32_t max_delay_steps() const { return max_delay_steps_; }
    std::uint64_t local_synapses() const;
    std::size_t synapse_store_bytes() const;

private:
    const DerivedParameters& derived_;
    Partition partition_;
    std::vector<VirtualProcess> vps_;
    std::uint32_t min_delay_steps_ = 1;
    std::uint32_t max_delay_steps_ = 1;
};

} // namespace microcircuit
