#include "recording/voltage_recorder.hpp"

#include <algorithm>
#include <utility>

namespace microcircuit {

namespace {
constexpr std::uint64_t window_values = 1U << 20U; // doubles buffered per rank
}

VoltageRecorder::VoltageRecorder(const DerivedParameters& derived, const Partition& partition,
                                 const Communicator& communicator, std::vector<VoltageSink*> sinks)
    : communicator_(communicator), interval_steps_(derived.voltage_interval_steps),
      columns_(voltage_columns(derived)), probes_(partition.threads()), sinks_(std::move(sinks)) {
    std::uint64_t column = 0;
    for (int p = 0; p < num_populations; ++p) {
        for (std::uint64_t i = 0; i < derived.voltage_neurons[p]; ++i, ++column) {
            const std::uint64_t gid = derived.first_gid[p] + i;
            if (partition.rank_of(gid) == partition.rank()) {
                probes_[partition.thread_of(gid)].push_back({partition.local_index(gid), column});
            }
        }
    }
    window_rows_ = std::max<std::uint64_t>(1, window_values / std::max<std::uint64_t>(columns_, 1));
    window_.assign(window_rows_ * columns_, 0.0);
}

void VoltageRecorder::flush(std::uint64_t step_end) {
    const std::uint64_t rows = step_end / interval_steps_ - window_first_;
    std::vector<double> block(window_.begin(),
                              window_.begin() + static_cast<std::ptrdiff_t>(rows * columns_));
    communicator_.all_reduce_sum(block);
    for (VoltageSink* sink : sinks_) {
        sink->write_voltages(window_first_, rows, block);
    }
    window_first_ += rows;
    std::fill(window_.begin(), window_.end(), 0.0);
}

} // namespace microcircuit
