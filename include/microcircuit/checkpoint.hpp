// Checkpoints: the dynamic state of a run at a step, in one HDF5 file
// (<data_path>/checkpoint.h5), written collectively and atomically, stored per
// neuron by global id so that a run continues from it on any number of ranks
// and threads, with the same spikes as a run that was never interrupted.
// Synapses are not stored: they are rebuilt from the seed, and compared with
// the checkpoint's digest of them.
#pragma once

#include "microcircuit/config.hpp"
#include "microcircuit/context.hpp"

#include <cstdint>
#include <string>

namespace microcircuit {

// A checkpoint that cannot be used: missing, unreadable, corrupt, or of a
// different run. Found before any output is touched.
class CheckpointError : public ConfigError {
public:
    using ConfigError::ConfigError;
};

// How much of the recordings the output held at the checkpoint.
struct RecordingPositions {
    std::uint64_t spikes = 0;
    std::uint64_t voltage_samples = 0;
    std::uint64_t step = 0; // the step they reach (that of the checkpoint)
};

struct CheckpointInfo {
    std::string path;
    std::uint64_t step = 0; // the next step to update
    double time_ms = 0.0;
    std::string config_yaml; // the run's effective configuration
    RecordingPositions recording;
    std::uint64_t spikes = 0; // emitted before the checkpoint
    std::uint64_t ranks = 0;  // of the run that wrote it
    std::uint64_t threads = 0;
    std::string program_version;
};

// <data_path>/checkpoint.h5
std::string checkpoint_path(const std::string& data_path);
// Collective: the header of the checkpoint at `path` (a file, or a directory
// holding checkpoint.h5). Throws CheckpointError if there is none or it is unreadable.
CheckpointInfo read_checkpoint_info(Context& context, const std::string& path);

// Why a run with `parameters` may not continue from the checkpoint (the
// keys whose values differ, as "section.key: checkpoint vs this run"), or
// empty. A restart may change how it runs (threads, output directory,
// checkpoints, progress display), not what it simulates, except that t_sim
// may grow: the run is then extended.
std::string checkpoint_conflicts(const CheckpointInfo& info, const Parameters& parameters);

} // namespace microcircuit
