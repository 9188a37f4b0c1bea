#include "output/sonata_spikes.hpp"

namespace microcircuit {

SonataSpikes::SonataSpikes(hid_t file, const DerivedParameters& derived,
                           const Communicator& communicator)
    : derived_(derived), communicator_(communicator) {
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

void SonataSpikes::write_spikes(const std::vector<RecordedSpike>& spikes) {
    const auto ranks = static_cast<std::uint64_t>(communicator_.size());
    const auto rank = static_cast<std::uint64_t>(communicator_.rank());
    // Split by population; each keeps the (time, gid) order.
    std::vector<std::vector<RecordedSpike>> by_population(num_populations);
    for (const auto& spike : spikes) {
        by_population[derived_.population_of(spike.gid)].push_back(spike);
    }
    std::vector<std::uint64_t> node_ids;
    std::vector<double> timestamps;
    const TimeGrid grid = derived_.grid();
    for (int p = 0; p < num_populations; ++p) {
        const auto& population = by_population[p];
        const std::uint64_t total = population.size();
        const std::uint64_t share_begin = total * rank / ranks;
        const std::uint64_t share_end = total * (rank + 1) / ranks;
        node_ids.clear();
        timestamps.clear();
        for (std::uint64_t i = share_begin; i < share_end; ++i) {
            node_ids.push_back(population[i].gid - derived_.first_gid[p]);
            timestamps.push_back(grid.ms(population[i].step_end));
        }
        node_ids_[p].append(node_ids.data(), node_ids.size(), share_begin, total);
        timestamps_[p].append(timestamps.data(), timestamps.size(), share_begin, total);
    }
}

} // namespace microcircuit
