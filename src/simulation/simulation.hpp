// The simulation loop, one min-delay interval at a time:
//   deliver the spikes of the last interval into the input buffers (each thread
//   into its own neurons) -> update the neurons for the interval's steps ->
//   record each thread's new spikes -> exchange them between ranks.
// Threads share one OpenMP parallel region for the whole run, and one barrier
// per interval: the last thread to arrive exchanges the rank's spikes through
// the communicator (parallel/communicator.hpp) before it opens the barrier.
// A thread's spikes are double-buffered by the parity of the interval, so the
// exchange may hand them on as they are (one process). Between arriving and
// waiting each thread adds the runs of its older pending spikes that arrive
// in the next step, which needs nothing from the other threads
// (split_barrier.hpp). The files of the class: simulation.cpp (the loop),
// neuron_update.cpp, spike_delivery.cpp, checkpoint_state.cpp and the thread
// team's failure protocol (thread_team.hpp).
#pragma once

#include "model/step_current.hpp"
#include "parallel/communicator.hpp"
#include "random/poisson_table.hpp"
#include "recording/spike_recorder.hpp"
#include "recording/voltage_recorder.hpp"
#include "simulation/dynamic_state.hpp"
#include "simulation/network.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <numeric>
#include <vector>

namespace microcircuit {

class ThreadTeam;

class Simulation {
public:
    // Called by rank 0's master thread after every 64th interval with the step reached.
    using Progress = std::function<void(std::uint64_t step_end)>;

    Simulation(Network& network, Communicator& communicator, SpikeRecorder* spikes,
               VoltageRecorder* voltages, Progress progress);

    // Checked at every interval boundary: once any rank sees it set, every
    // rank stops at the same boundary (run_until returns early).
    void set_stop_flag(const std::atomic<bool>* flag) { stop_flag_ = flag; }

    // Advances the network to the end of step `step_end` (time step_end * h),
    // or less if stopped by the stop flag.
    void run_until(std::uint64_t step_end);
    // The next step to update.
    std::uint64_t step() const { return cursor_.start; }
    // This rank's share of the state, between two run_until (recordings flushed).
    DynamicState capture() const;
    // Continues from `state` (this rank's neurons, every rank's spikes), before any run_until.
    void restore(const DynamicState& state);
    // Writes what the recorders still hold (collective).
    void finish_recording();

    // Spikes of this rank's neurons so far.
    std::uint64_t num_local_spikes() const {
        return std::accumulate(spikes_per_thread_.begin(), spikes_per_thread_.end(),
                               spikes_before_restore_);
    }

private:
    // Where the intervals stand: every thread walks the same sequence on its own copy.
    struct Cursor {
        std::uint64_t start = 0;          // first step of the interval
        std::uint64_t interval = 0;       // its index
        std::uint64_t previous_start = 0; // first step of the interval before
    };

    // The steps of one interval, in order; each thread runs them for its virtual process.
    void take_up_spikes(VirtualProcess& vp, const Cursor& cursor) const;
    std::size_t update_interval(VirtualProcess& vp, int thread, const Cursor& cursor,
                                std::uint64_t end);
    void record_interval(VirtualProcess& vp, int thread, const Cursor& cursor, std::uint64_t end);
    void pass_interval_barrier(VirtualProcess& vp, ThreadTeam& team, int thread,
                               const Cursor& cursor, std::uint64_t end);
    // Returns whether the run stops because writing failed.
    bool write_full_recorders(ThreadTeam& team, int thread, const Cursor& cursor,
                              std::uint64_t end);

    void remember_spikes(VirtualProcess& vp, const Cursor& cursor) const;
    // After the interval's barrier: whether request `bit` was made in the
    // interval, the same on every thread and rank.
    bool agreed(unsigned bit) const;

    void deliver(VirtualProcess& vp, const SpikeLists& spikes, std::uint64_t interval_start) const;
    void update(VirtualProcess& vp, int thread, std::uint64_t u, std::uint64_t interval_start,
                std::vector<std::uint64_t>& emitted);
    template <bool separate_inhibitory, bool poisson>
    void update_population(VirtualProcess& vp, int population, std::uint64_t u,
                           std::uint64_t interval_start, std::vector<std::uint64_t>& emitted);
    void refresh_poisson_counts(VirtualProcess& vp, std::uint64_t u) const;
    void draw_thalamic_spikes(std::uint64_t interval_start, std::uint64_t interval_end,
                              std::vector<std::uint64_t>& spikes) const;
    // Each thread, before the interval's barrier: its own spikes into its buffer.
    void record(int thread, const std::vector<std::uint64_t>& emitted,
                std::uint64_t interval_start);
    // The last thread at the interval's barrier, while the others wait.
    void exchange_spikes(std::uint64_t interval);
    // Master thread, after the interval's barrier.
    void report_progress(std::uint64_t interval, std::uint64_t interval_end);
    [[noreturn]] void abort_after(const ThreadTeam& team) const;

    // The collective requests of the interval (flush_bit: a thread's spike
    // buffer is full; stop_bit: the master saw the stop flag), made before
    // its barrier; `agreed_` holds those of any rank, from the exchange.
    alignas(64) std::atomic<unsigned> requests_{0};
    unsigned agreed_ = 0;
    Network& network_;
    const DerivedParameters& derived_;
    Communicator& communicator_;
    SpikeRecorder* spike_recorder_;
    VoltageRecorder* voltage_recorder_;
    Progress progress_;

    Propagators propagators_;
    StepCurrent dc_transient_; // amplitude 1, scaled by each population's amplitude
    // Background Poisson input: count per step by population, weight.
    std::array<PoissonTable, num_populations> poisson_counts_{};
    std::int64_t poisson_weight_ = 0;
    // Thalamic input.
    PoissonTable thalamic_counts_;
    std::array<std::vector<std::uint64_t>, 2> thalamic_spikes_; // by parity of the interval

    Cursor cursor_; // the next interval
    std::vector<std::uint64_t> spikes_per_thread_;
    const std::atomic<bool>* stop_flag_ = nullptr;
    std::uint64_t spikes_before_restore_ = 0;
    // This rank's spikes of the intervals of each parity: every thread's list.
    std::array<SpikeLists, 2> emitted_;
    // The last interval's spikes as delivery reads them: every rank's (from
    // the exchange) and the thalamic ones.
    SpikeLists delivered_;
};

} // namespace microcircuit
