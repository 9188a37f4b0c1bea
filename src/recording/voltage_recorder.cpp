#include "recording/voltage_recorder.hpp"

#include <algorithm>

namespace microcircuit {

namespace {
constexpr std::uint64_t window_values = 1U << 20U; // doubles buffered per rank
}

VoltageRecorder::VoltageRecorder(hid_t file, const DerivedParameters& derived,
                                 const Partition& partition, const Communicator& communicator,
                                 double resolution, std::uint64_t interval_steps,
                                 int neurons_per_population)
    : derived_(derived), communicator_(communicator), interval_steps_(interval_steps),
      probes_(partition.threads()) {
    const std::uint64_t samples = derived.total_steps / interval_steps;
    auto voltages = create_group(file, "voltages");
    write_attribute(voltages.id(), "units", std::string("mV"));
    write_attribute(voltages.id(), "interval_ms", static_cast<double>(interval_steps) * resolution);
    std::vector<double> times(samples);
    for (std::uint64_t s = 0; s < samples; ++s) {
        times[s] = static_cast<double>((s + 1) * interval_steps) * resolution;
    }
    write_vector_dataset(voltages.id(), "times", times, communicator.rank() == 0);
    for (int p = 0; p < num_populations; ++p) {
        const std::uint64_t n = std::min<std::uint64_t>(
            static_cast<std::uint64_t>(neurons_per_population), derived.num_neurons[p]);
        first_column_.push_back(columns_);
        columns_of_.push_back(n);
        std::vector<std::uint64_t> node_ids(n);
        for (std::uint64_t i = 0; i < n; ++i) {
            node_ids[i] = i;
            const std::uint64_t gid = derived.first_gid[p] + i;
            if (partition.rank_of(gid) == partition.rank()) {
                probes_[partition.thread_of(gid)].push_back(
                    {partition.local_index(gid), columns_ + i});
            }
        }
        auto group = create_group(voltages.id(), population_names[p]);
        write_vector_dataset(group.id(), "node_ids", node_ids, communicator.rank() == 0);
        datasets_.push_back(create_matrix_dataset(group.id(), "data", samples, n));
        columns_ += n;
    }
    window_rows_ = std::max<std::uint64_t>(1, window_values / std::max<std::uint64_t>(columns_, 1));
    window_.assign(window_rows_ * columns_, 0.0);
}

void VoltageRecorder::flush(std::uint64_t step_end) {
    const std::uint64_t rows = step_end / interval_steps_ - window_first_;
    std::vector<double> block(window_.begin(),
                              window_.begin() + static_cast<std::ptrdiff_t>(rows * columns_));
    communicator_.reduce_sum_to_root(block);
    const bool writer = communicator_.rank() == 0;
    std::vector<double> population;
    for (int p = 0; p < num_populations; ++p) {
        const std::uint64_t n = columns_of_[p];
        population.resize(rows * n);
        for (std::uint64_t r = 0; r < rows; ++r) {
            std::copy_n(block.begin() +
                            static_cast<std::ptrdiff_t>(r * columns_ + first_column_[p]),
                        n, population.begin() + static_cast<std::ptrdiff_t>(r * n));
        }
        write_matrix_rows(datasets_[p].id(), window_first_, rows, n, population.data(), writer);
    }
    window_first_ += rows;
    std::fill(window_.begin(), window_.end(), 0.0);
}

} // namespace microcircuit
