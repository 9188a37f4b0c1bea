#include "recording/spike_recorder.hpp"

#include <algorithm>

namespace microcircuit {

SpikeRecorder::SpikeRecorder(hid_t file, const DerivedParameters& derived,
                             const Communicator& communicator, double resolution,
                             std::size_t threads, std::size_t buffer_spikes)
    : derived_(derived), communicator_(communicator), resolution_(resolution),
      buffer_spikes_(buffer_spikes), buffers_(threads) {
    // Address space only: pages are touched as spikes arrive. Reserved, the
    // buffer is not copied to grow in the middle of the simulation (a huge
    // configured buffer grows as needed beyond the first 16 MB).
    constexpr std::size_t most_reserved = std::size_t{1} << 20U;
    for (auto& buffer : buffers_) {
        buffer.spikes.reserve(std::min(buffer_spikes, most_reserved) + prefetch_spikes);
    }
    auto spikes = create_group(file, "spikes");
    write_attribute(spikes.id(), "sorting", std::string("by_time"));
    for (int p = 0; p < num_populations; ++p) {
        auto group = create_group(spikes.id(), population_names[p]);
        write_attribute(group.id(), "sorting", std::string("by_time"));
        write_attribute(group.id(), "n_neurons",
                        static_cast<std::uint64_t>(derived.num_neurons[p]));
        node_ids_.emplace_back(group.id(), "node_ids", H5T_NATIVE_UINT64);
        timestamps_.emplace_back(group.id(), "timestamps", H5T_NATIVE_DOUBLE);
        write_attribute(timestamps_.back().id(), "units", std::string("ms"));
        groups_.push_back(std::move(group));
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
    std::vector<Spike> local;
    std::size_t count = 0;
    for (const auto& buffer : buffers_) {
        count += buffer.spikes.size();
    }
    local.reserve(count);
    for (auto& buffer : buffers_) {
        local.insert(local.end(), buffer.spikes.begin(), buffer.spikes.end());
        buffer.spikes.clear();
    }
    std::vector<Spike> spikes =
        communicator_.size() > 1 ? communicator_.all_gather(local) : std::move(local);
    merge_sorted_runs(spikes);
    const auto ranks = static_cast<std::uint64_t>(communicator_.size());
    const auto rank = static_cast<std::uint64_t>(communicator_.rank());
    // Split by population; each keeps the (time, gid) order.
    std::vector<std::vector<Spike>> by_population(num_populations);
    for (const auto& spike : spikes) {
        by_population[derived_.population_of(spike.gid)].push_back(spike);
    }
    std::vector<std::uint64_t> node_ids;
    std::vector<double> timestamps;
    for (int p = 0; p < num_populations; ++p) {
        const auto& population = by_population[p];
        const std::uint64_t total = population.size();
        const std::uint64_t share_begin = total * rank / ranks;
        const std::uint64_t share_end = total * (rank + 1) / ranks;
        node_ids.clear();
        timestamps.clear();
        for (std::uint64_t i = share_begin; i < share_end; ++i) {
            node_ids.push_back(population[i].gid - derived_.first_gid[p]);
            timestamps.push_back(static_cast<double>(population[i].step_end) * resolution_);
        }
        node_ids_[p].append(node_ids.data(), node_ids.size(), share_begin, total);
        timestamps_[p].append(timestamps.data(), timestamps.size(), share_begin, total);
    }
}

} // namespace microcircuit
