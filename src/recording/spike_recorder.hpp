// Writes the spikes of all populations to the SONATA spike-report layout:
// /spikes/<population>/node_ids (0-based within the population) and
// /spikes/<population>/timestamps (ms).
//
// Each thread records the spikes of its own neurons into its own buffer, in
// its own part of the step: nothing is serial, and no thread reads another's
// spikes to record them. When a buffer is full the simulation calls `flush`
// on every rank at the same interval boundary: the ranks gather all buffers,
// sort them by (time, gid) and each writes one contiguous share with a
// collective append. Every flush holds every spike up to an interval
// boundary, so the file is the same for any number of ranks and threads and
// any buffer size, and memory stays bounded.
#pragma once

#include "microcircuit/derived_parameters.hpp"
#include "output/hdf5_file.hpp"
#include "parallel/communicator.hpp"

#include <cstdint>
#include <vector>

namespace microcircuit {

class SpikeRecorder {
public:
    // `buffer_spikes`: spikes a thread holds before it asks for a flush.
    SpikeRecorder(hid_t file, const DerivedParameters& derived, const Communicator& communicator,
                  double resolution, std::size_t threads, std::size_t buffer_spikes);

    // Thread `thread` records a spike of neuron `gid` stamped at the end of
    // step `step_end` (time step_end * h).
    void add(std::size_t thread, std::uint64_t gid, std::uint64_t step_end) {
        std::vector<Spike>& spikes = buffers_[thread].spikes;
        // A few lines ahead: the buffer is written a spike at a time, between
        // sweeps over far more memory that evict its next line.
        if (spikes.size() + prefetch_spikes < spikes.capacity()) {
            __builtin_prefetch(spikes.data() + spikes.size() + prefetch_spikes, 1);
        }
        spikes.push_back({step_end, gid});
    }
    bool buffer_full(std::size_t thread) const {
        return buffers_[thread].spikes.size() >= buffer_spikes_;
    }
    // Collective: every rank's master thread at the same interval boundary,
    // while the rank's other threads wait.
    void flush();

private:
    struct Spike {
        std::uint64_t step_end;
        std::uint64_t gid;
        bool operator<(const Spike& other) const {
            return step_end != other.step_end ? step_end < other.step_end : gid < other.gid;
        }
    };
    // One thread's buffer, on cache lines of its own.
    struct alignas(64) ThreadBuffer {
        std::vector<Spike> spikes;
    };
    static constexpr std::size_t prefetch_spikes = 16;

    const DerivedParameters& derived_;
    const Communicator& communicator_;
    double resolution_;
    std::size_t buffer_spikes_;
    std::vector<ThreadBuffer> buffers_;
    std::vector<Hdf5Handle> groups_;
    std::vector<AppendableDataset> node_ids_;
    std::vector<AppendableDataset> timestamps_;
};

} // namespace microcircuit
