#include "recording/spike_recorder.hpp"

#include <algorithm>
#include <utility>

namespace microcircuit {

SpikeRecorder::SpikeRecorder(const Communicator& communicator, std::size_t threads,
                             std::size_t buffer_spikes, std::vector<SpikeSink*> sinks)
    : communicator_(communicator), buffer_spikes_(buffer_spikes), buffers_(threads),
      sinks_(std::move(sinks)) {
    // Address space only: pages are touched as spikes arrive. Reserved, the
    // buffer is not copied to grow in the middle of the simulation (a huge
    // configured buffer grows as needed beyond the first 16 MB).
    constexpr std::size_t most_reserved = std::size_t{1} << 20U;
    for (auto& buffer : buffers_) {
        buffer.spikes.reserve(std::min(buffer_spikes, most_reserved) + prefetch_spikes);
    }
}

namespace {

// Sorts a list made of sorted runs (a thread's buffer is in (time, gid)
// order: steps in order, and in a step the thread's neurons in the order of
// their gids) by merging neighbouring runs, O(n log runs) instead of a sort.
template <class T> void merge_sorted_runs(std::vector<T>& items) {
    std::vector<std::size_t> bounds{0};
    for (std::size_t i = 1; i < items.size(); ++i) {
        if (items[i] < items[i - 1]) {
            bounds.push_back(i);
        }
    }
    bounds.push_back(items.size());
    while (bounds.size() > 2) {
        std::vector<std::size_t> merged{0};
        for (std::size_t r = 0; r + 2 < bounds.size(); r += 2) {
            const auto begin = items.begin();
            std::inplace_merge(begin + static_cast<std::ptrdiff_t>(bounds[r]),
                               begin + static_cast<std::ptrdiff_t>(bounds[r + 1]),
                               begin + static_cast<std::ptrdiff_t>(bounds[r + 2]));
            merged.push_back(bounds[r + 2]);
        }
        if (bounds.size() % 2 == 0) {
            merged.push_back(bounds.back()); // an odd run out waits for the next pass
        }
        bounds = std::move(merged);
    }
}

} // namespace

void SpikeRecorder::flush() {
    std::vector<RecordedSpike> local;
    std::size_t count = 0;
    for (const auto& buffer : buffers_) {
        count += buffer.spikes.size();
    }
    local.reserve(count);
    for (auto& buffer : buffers_) {
        local.insert(local.end(), buffer.spikes.begin(), buffer.spikes.end());
        buffer.spikes.clear();
    }
    std::vector<RecordedSpike> spikes = communicator_.gather_spikes(std::move(local));
    merge_sorted_runs(spikes);
    for (SpikeSink* sink : sinks_) {
        sink->write_spikes(spikes);
    }
}

} // namespace microcircuit
