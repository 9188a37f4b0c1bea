// Collects the spikes of the simulation for the spike sinks.
//
// Each thread records the spikes of its own neurons into its own buffer, in
// its own part of the step: nothing is serial, and no thread reads another's
// spikes to record them. When a buffer is full the simulation calls `flush`
// on every rank at the same interval boundary: the ranks gather all buffers,
// put them in (time, gid) order and hand them to the sinks. Every flush holds
// every spike up to an interval boundary, so the sinks see the same spikes in
// the same order for any number of ranks and threads and any buffer size, and
// memory stays bounded.
#pragma once

#include "microcircuit/recording.hpp"
#include "parallel/communicator.hpp"

#include <cstdint>
#include <vector>

namespace microcircuit {

class SpikeRecorder {
public:
    // `buffer_spikes`: spikes a thread holds before it asks for a flush.
    SpikeRecorder(const Communicator& communicator, std::size_t threads, std::size_t buffer_spikes,
                  std::vector<SpikeSink*> sinks);

    // Thread `thread` records a spike of neuron `gid` stamped at the end of
    // step `step_end` (time step_end * h).
    void add(std::size_t thread, std::uint64_t gid, std::uint64_t step_end) {
        std::vector<RecordedSpike>& spikes = buffers_[thread].spikes;
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
    // One thread's buffer, on cache lines of its own.
    struct alignas(64) ThreadBuffer {
        std::vector<RecordedSpike> spikes;
    };
    static constexpr std::size_t prefetch_spikes = 16;

    const Communicator& communicator_;
    std::size_t buffer_spikes_;
    std::vector<ThreadBuffer> buffers_;
    std::vector<SpikeSink*> sinks_;
};

} // namespace microcircuit
