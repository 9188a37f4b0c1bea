// Collects V_m of the recorded neurons (the first n of each population) every
// voltage interval for the voltage sinks. Each rank fills the columns of the
// neurons it owns into a window of samples; at a flush the window is summed
// over the ranks (the other ranks hold zeros there, so the sum is exact) and
// handed to the sinks.
#pragma once

#include "microcircuit/recording.hpp"
#include "parallel/communicator.hpp"
#include "parallel/partition.hpp"

#include <cstdint>
#include <vector>

namespace microcircuit {

class VoltageRecorder {
public:
    // A recorded neuron of one thread: its local index and its column.
    struct Probe {
        std::uint64_t local_index;
        std::uint64_t column;
    };

    VoltageRecorder(const DerivedParameters& derived, const Partition& partition,
                    const Communicator& communicator, std::vector<VoltageSink*> sinks);

    const std::vector<Probe>& probes_of_thread(int thread) const { return probes_[thread]; }
    bool is_sample_step(std::uint64_t step_end) const { return step_end % interval_steps_ == 0; }
    // Row of the window for the sample at `step_end`.
    double* row(std::uint64_t step_end) {
        return window_.data() + (step_end / interval_steps_ - 1 - window_first_) * columns_;
    }
    // True if the samples up to `step_end` do not all fit into the window.
    bool window_full(std::uint64_t step_end) const {
        return step_end / interval_steps_ - window_first_ > window_rows_;
    }
    // Collective: hands the samples up to `step_end` to the sinks.
    void flush(std::uint64_t step_end);
    // Continues a restored run at `step` (the samples up to it were handed on).
    void resume_at(std::uint64_t step) { window_first_ = step / interval_steps_; }

private:
    const Communicator& communicator_;
    std::uint64_t interval_steps_;
    std::uint64_t columns_ = 0;
    std::uint64_t window_rows_ = 0;
    std::uint64_t window_first_ = 0; // sample index of the window's first row
    std::vector<double> window_;
    std::vector<std::vector<Probe>> probes_;
    std::vector<VoltageSink*> sinks_;
};

} // namespace microcircuit
