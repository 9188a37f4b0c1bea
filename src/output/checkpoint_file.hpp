// The checkpoint file: parallel HDF5, written collectively by all ranks, each
// writing its neurons' state at their gids; then renamed over the previous
// checkpoint, so that a complete one exists at every moment.
//
//   /            attributes: format, step, time_ms, config_yaml, digests,
//                recording positions, spikes, ranks, threads, program_version
//   /neurons     y, i_ex, i_in (float64), refractory (int32), by gid
//   /spikes      gid, step (uint64): spikes whose synapses are still arriving
#pragma once

#include "microcircuit/checkpoint.hpp"
#include "parallel/communicator.hpp"
#include "simulation/dynamic_state.hpp"

#include <string>

namespace microcircuit {

struct CheckpointHeader {
    CheckpointInfo info;
    std::uint64_t num_neurons = 0;
    std::uint64_t synapse_digest = 0;
    std::uint64_t neuron_digest = 0;
    std::uint64_t spike_digest = 0;
};

// Collective: `local` is this rank's share (its neurons, its spikes,
// its spike count); the header's digests and counts are summed here.
void write_checkpoint(const std::string& path, const Communicator& communicator,
                      CheckpointHeader header, const DynamicState& local);

// Collective: the header of a checkpoint file, or of the checkpoint.h5 in a
// directory; CheckpointError if there is none or it is unreadable.
CheckpointHeader read_checkpoint_header(const std::string& file_or_directory,
                                        const Communicator& communicator);

// Collective: the state of the neurons `gids` (ascending) and every spike;
// CheckpointError if the data do not match the header's digests.
DynamicState read_checkpoint_state(const CheckpointHeader& header, const Communicator& communicator,
                                   const std::vector<std::uint64_t>& gids);

} // namespace microcircuit
