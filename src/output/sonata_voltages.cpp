#include "output/sonata_voltages.hpp"

#include <algorithm>

namespace microcircuit {

SonataVoltages::SonataVoltages(hid_t file, const DerivedParameters& derived,
                               const Communicator& communicator, std::uint64_t samples)
    : derived_(derived), communicator_(communicator), columns_(voltage_columns(derived)) {
    const TimeGrid grid = derived.grid();
    const double interval_ms = grid.ms(derived.voltage_interval_steps);
    const bool writer = communicator.rank() == 0;
    auto voltages = create_group(file, "voltages");
    write_attribute(voltages.id(), "units", std::string("mV"));
    write_attribute(voltages.id(), "interval_ms", interval_ms);
    std::vector<double> times(samples);
    for (std::uint64_t s = 0; s < samples; ++s) {
        times[s] = grid.ms((s + 1) * derived.voltage_interval_steps);
    }
    const auto times_dataset = write_vector_dataset(voltages.id(), "times", times, writer);
    write_attribute(times_dataset.id(), "units", std::string("ms"));
    for (int p = 0; p < num_populations; ++p) {
        const std::uint64_t n = derived.voltage_neurons[p];
        std::vector<std::uint64_t> node_ids(n);
        for (std::uint64_t i = 0; i < n; ++i) {
            node_ids[i] = i;
        }
        auto group = create_group(voltages.id(), population_names[p]);
        write_vector_dataset(group.id(), "node_ids", node_ids, writer);
        datasets_.push_back(create_matrix_dataset(group.id(), "data", samples, n));
        write_attribute(datasets_.back().id(), "units", std::string("mV"));
    }
}

void SonataVoltages::write_voltages(std::uint64_t first_sample, std::uint64_t samples,
                                    const std::vector<double>& rows) {
    const bool writer = communicator_.rank() == 0;
    std::vector<double> population;
    std::uint64_t first_column = 0;
    for (int p = 0; p < num_populations; ++p) {
        const std::uint64_t n = derived_.voltage_neurons[p];
        population.resize(samples * n);
        for (std::uint64_t r = 0; r < samples; ++r) {
            std::copy_n(rows.begin() + static_cast<std::ptrdiff_t>(r * columns_ + first_column), n,
                        population.begin() + static_cast<std::ptrdiff_t>(r * n));
        }
        write_matrix_rows(datasets_[p].id(), first_sample, samples, n, population.data(), writer);
        first_column += n;
    }
}

} // namespace microcircuit
