#include "microcircuit/recording.hpp"

#include <numeric>
#include <stdexcept>

namespace microcircuit {

std::uint64_t voltage_columns(const DerivedParameters& derived) {
    return std::accumulate(derived.voltage_neurons.begin(), derived.voltage_neurons.end(),
                           std::uint64_t{0});
}

void VoltageCollector::write_voltages(std::uint64_t first_sample, std::uint64_t samples,
                                      const std::vector<double>& rows) {
    const std::uint64_t columns = samples == 0 ? 0 : rows.size() / samples;
    if (columns == 0) {
        return;
    }
    if (rows_.empty()) {
        first_sample_ = first_sample; // a run continued from a checkpoint starts there
    }
    if (rows_.size() != (first_sample - first_sample_) * columns) {
        throw std::logic_error("voltage samples must arrive in order");
    }
    rows_.insert(rows_.end(), rows.begin(), rows.end());
}

} // namespace microcircuit
