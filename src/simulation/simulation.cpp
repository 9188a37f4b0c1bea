#include "simulation/simulation.hpp"

#include "simulation/spike_word.hpp"
#include "simulation/thread_team.hpp"

#include <omp.h>

#include <algorithm>
#include <iomanip>
#include <sstream>
#include <string>

namespace microcircuit {

namespace {
constexpr std::uint64_t progress_every = 64; // intervals
// The collective requests carried by the spike exchange.
constexpr unsigned flush_bit = 1U;
constexpr unsigned stop_bit = 2U;
} // namespace

Simulation::Simulation(Network& network, Communicator& communicator, SpikeRecorder* spikes,
                       VoltageRecorder* voltages, Progress progress)
    : network_(network), derived_(network.derived()), communicator_(communicator),
      spike_recorder_(spikes), voltage_recorder_(voltages), progress_(std::move(progress)),
      spikes_per_thread_(network.virtual_processes().size(), 0) {
    const auto& derived = network.derived();
    const TimeGrid grid = derived.grid();
    propagators_ = Propagators::compute(derived.neuron, grid);
    if (derived.dc_transient) {
        dc_transient_ = {1.0, derived.dc_transient_updates};
    }
    if (derived.poisson_input) {
        for (int p = 0; p < num_populations; ++p) {
            poisson_counts_[p] = PoissonTable(grid.events_per_step(derived.poisson_rate[p]));
        }
        poisson_weight_ = to_fixed_point(derived.weight_ext);
    }
    if (derived.thalamic_input) {
        thalamic_counts_ = PoissonTable(derived.thalamic_spike_mean);
    }

    for (std::size_t parity = 0; parity < 2; ++parity) {
        for (const auto& vp : network_.virtual_processes()) {
            emitted_[parity].push_back(&vp.spikes[parity]);
        }
    }
}

void Simulation::record(int thread, const std::vector<std::uint64_t>& emitted,
                        std::uint64_t interval_start) {
    for (const std::uint64_t spike : emitted) {
        spike_recorder_->add(static_cast<std::size_t>(thread), spike >> lag_bits,
                             interval_start + (spike & lag_mask) + 1);
    }
    if (spike_recorder_->buffer_full(static_cast<std::size_t>(thread))) {
        requests_.fetch_or(flush_bit, std::memory_order_relaxed);
    }
}

void Simulation::exchange_spikes(std::uint64_t interval) {
    const std::size_t parity = interval & 1U;
    // Read and cleared while every thread waits: the next interval's requests start afresh.
    agreed_ = communicator_.exchange_spikes(emitted_[parity], delivered_,
                                            requests_.exchange(0, std::memory_order_relaxed));
    // Every rank draws the thalamic spikes itself; they join the delivery lists.
    delivered_.push_back(&thalamic_spikes_[parity]);
}

void Simulation::report_progress(std::uint64_t interval, std::uint64_t interval_end) {
    // Not every interval: reading the clock and calling through the
    // std::function cost a noticeable share of a short step.
    if (progress_ && interval % progress_every == 0) {
        progress_(interval_end);
    }
}

void Simulation::take_up_spikes(VirtualProcess& vp, const Cursor& cursor) const {
    // The runs of the older spikes that arrive in `start` are in the sums
    // already (added while waiting at the last barrier); the last interval's
    // spikes join the pending ones and add theirs.
    const std::size_t first_new = vp.input.num_pending();
    deliver(vp, delivered_, cursor.previous_start);
    vp.input.collect(cursor.start, first_new);
}

std::size_t Simulation::update_interval(VirtualProcess& vp, int thread, const Cursor& cursor,
                                        std::uint64_t end) {
    auto& emitted = vp.spikes[cursor.interval & 1U];
    emitted.clear();
    for (std::uint64_t u = cursor.start; u < end; ++u) {
        if (u != cursor.start) {
            vp.input.collect(u);
        }
        update(vp, thread, u, cursor.start, emitted);
    }
    remember_spikes(vp, cursor);
    return emitted.size();
}

void Simulation::remember_spikes(VirtualProcess& vp, const Cursor& cursor) const {
    // Kept while a synapse may still arrive at or after the interval's start.
    auto& recent = vp.recent_spikes;
    const std::uint64_t max_delay = network_.max_delay_steps();
    const auto first_kept =
        std::find_if(recent.begin(), recent.end(), [&](const EmittedSpike& spike) {
            return spike.step + max_delay >= cursor.start;
        });
    recent.erase(recent.begin(), first_kept);
    for (const std::uint64_t spike : vp.spikes[cursor.interval & 1U]) {
        recent.push_back({spike >> lag_bits, cursor.start + (spike & lag_mask)});
    }
}

void Simulation::record_interval(VirtualProcess& vp, int thread, const Cursor& cursor,
                                 std::uint64_t end) {
    if (spike_recorder_ != nullptr) {
        record(thread, vp.spikes[cursor.interval & 1U], cursor.start);
    }
    if (thread == 0 && derived_.thalamic_input) {
        draw_thalamic_spikes(cursor.start, end, thalamic_spikes_[cursor.interval & 1U]);
    }
    // Read once, before the barrier: every thread acts on the same value.
    if (thread == 0 && stop_flag_ != nullptr && stop_flag_->load(std::memory_order_relaxed)) {
        requests_.fetch_or(stop_bit, std::memory_order_relaxed);
    }
}

bool Simulation::agreed(unsigned bit) const { return (agreed_ & bit) != 0; }

void Simulation::pass_interval_barrier(VirtualProcess& vp, ThreadTeam& team, int thread,
                                       const Cursor& cursor, std::uint64_t end) {
    const SplitBarrier::Arrival arrival = team.arrive_holding();
    // Needs nothing from the other threads: the runs of the spikes pending
    // here that arrive in the next interval's first step.
    if (!arrival.last) {
        vp.input.collect(end);
        team.wait(arrival);
        return;
    }
    // Every thread's part of the interval is done: the last to arrive
    // exchanges the rank's spikes while the others wait, so that one barrier
    // per interval suffices however the ranks communicate.
    team.on_thread(thread, cursor.interval, end, [&] { exchange_spikes(cursor.interval); });
    team.open(arrival);
    vp.input.collect(end);
}

bool Simulation::write_full_recorders(ThreadTeam& team, int thread, const Cursor& cursor,
                                      std::uint64_t end) {
    // The master writes while the other threads wait (their part of the
    // interval is done, nothing of it is written meanwhile).
    const auto master_writes = [&](auto&& write) {
        if (thread == 0 && !team.stop_after_master(cursor.interval)) {
            team.on_master(cursor.interval, end, write);
        }
        team.meet();
        return team.stop_after_master(cursor.interval);
    };
    if (spike_recorder_ != nullptr && agreed(flush_bit) &&
        master_writes([&] { spike_recorder_->flush(); })) {
        return true;
    }
    // Without this flush the next interval's samples would not fit.
    const std::uint64_t next_end = end + network_.min_delay_steps();
    return voltage_recorder_ != nullptr && voltage_recorder_->window_full(next_end) &&
           master_writes([&] { voltage_recorder_->flush(end); });
}

void Simulation::run_until(std::uint64_t step_end) {
    auto& vps = network_.virtual_processes();
    ThreadTeam team(static_cast<unsigned>(vps.size()));
#pragma omp parallel num_threads(static_cast <int>(vps.size()))
    {
        const int thread = omp_get_thread_num();
        VirtualProcess& vp = vps[thread];
        Cursor cursor = cursor_;
        std::uint64_t emitted = 0;
        while (cursor.start < step_end) {
            const std::uint64_t end = std::min(cursor.start + network_.min_delay_steps(), step_end);
            // A failed thread skips the rest of its part and arrives at the
            // barrier, after which every thread stops.
            team.on_thread(thread, cursor.interval, cursor.start, [&] {
                take_up_spikes(vp, cursor);
                emitted += update_interval(vp, thread, cursor, end);
                record_interval(vp, thread, cursor, end);
            });
            pass_interval_barrier(vp, team, thread, cursor, end);
            if (team.stop_after_barrier(cursor.interval)) {
                break;
            }
            if (thread == 0) {
                team.on_master(cursor.interval, end,
                               [&] { report_progress(cursor.interval, end); });
            }
            if (write_full_recorders(team, thread, cursor, end)) {
                break;
            }
            const bool stop = agreed(stop_bit);
            cursor = {end, cursor.interval + 1, cursor.start};
            if (stop) {
                break;
            }
        }
        spikes_per_thread_[thread] += emitted;
#pragma omp barrier
        if (thread == 0) {
            cursor_ = cursor;
        }
    }
    if (team.failure()) {
        abort_after(team);
    }
}

void Simulation::abort_after(const ThreadTeam& team) const {
    std::ostringstream context;
    if (team.failed_in_master_part()) {
        context << "while recording the output at ";
    } else {
        context << "while simulating, in thread " << team.failed_thread() << ", at ";
    }
    context << std::fixed << std::setprecision(1) << derived_.grid().ms(team.failed_step())
            << " ms of simulated time; the simulation stopped there";
    communicator_.abort(team.failure(), context.str());
}

void Simulation::finish_recording() {
    if (spike_recorder_ != nullptr) {
        spike_recorder_->flush();
    }
    if (voltage_recorder_ != nullptr) {
        voltage_recorder_->flush(cursor_.start);
    }
}

} // namespace microcircuit
