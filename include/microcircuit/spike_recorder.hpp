// Writes the spikes of all populations to the SONATA spike-report layout:
// /spikes/<population>/node_ids (0-based within the population) and
// /spikes/<population>/timestamps (ms).
//
// Every rank sees every spike after the exchange, so every rank buffers the
// same global list; at a flush the list is sorted by (time, gid) and each rank
// writes one contiguous share of it with a collective append. The file is
// therefore identical for any number of ranks and threads, and memory stays
// bounded because flushes happen whenever the buffer is full.
#pragma once

#include "microcircuit/communicator.hpp"
#include "microcircuit/derived_parameters.hpp"
#include "microcircuit/hdf5_file.hpp"

#include <cstdint>
#include <vector>

namespace microcircuit {

class SpikeRecorder {
public:
    SpikeRecorder(hid_t file, const DerivedParameters& derived, const Communicator& communicator,
                  double resolution, std::size_t flush_threshold);

    // Spike of neuron `gid` stamped at the end of step `step_end` (time step_end * h).
    void add(std::uint64_t gid, std::uint64_t step_end) { buffer_.push_back({step_end, gid}); }
    bool buffer_full() const { return buffer_.size() >= flush_threshold_; }
    // Collective: all ranks call it at the same point of the simulation.
    void flush();

private:
    struct Spike {
        std::uint64_t step_end;
        std::uint64_t gid;
        bool operator<(const Spike& other) const {
            return step_end != other.step_end ? step_end < other.step_end : gid < other.gid;
        }
    };

    const DerivedParameters& derived_;
    const Communicator& communicator_;
    double resolution_;
    std::size_t flush_threshold_;
    std::vector<Spike> buffer_;
    std::vector<Hdf5Handle> groups_;
    std::vector<AppendableDataset> node_ids_;
    std::vector<AppendableDataset> timestamps_;
};

} // namespace microcircuit
