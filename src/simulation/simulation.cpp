#include "simulation/simulation.hpp"

#include "parallel/split_barrier.hpp"
#include "random/random.hpp"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <exception>
#include <iomanip>
#include <mutex>
#include <sstream>
#include <string>

namespace microcircuit {

namespace {
constexpr unsigned lag_bits = 32;
constexpr std::uint64_t progress_every = 64; // intervals
constexpr std::uint64_t lag_mask = (std::uint64_t{1} << lag_bits) - 1;
// The collective requests carried by the spike exchange.
constexpr unsigned flush_bit = 1U;
constexpr unsigned stop_bit = 2U;

std::uint64_t encode_spike(std::uint64_t gid, std::uint64_t lag) { return (gid << lag_bits) | lag; }
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
        if (communicator_.size() > 1) {
            in_flight_[parity] = {&global_spikes_};
            continue;
        }
        for (const auto& vp : network_.virtual_processes()) {
            in_flight_[parity].push_back(&vp.spikes[parity]);
        }
        in_flight_[parity].push_back(&thalamic_spikes_[parity]);
    }
}

void Simulation::deliver(VirtualProcess& vp, const SpikeLists& spikes,
                         std::uint64_t interval_start) const {
    const auto& derived = derived_;
    const bool separate = derived_.separate_inhibitory_input;
    // Taking up a spike reads its row's offsets, then its first run header
    // and synapses: two dependent misses. Asked for all spikes first, level by
    // level, the misses of different spikes overlap.
    const SynapseStore& store = vp.synapses;
    for (const auto* list : spikes) {
        for (const std::uint64_t spike : *list) {
            __builtin_prefetch(store.run_begin.data() + (spike >> lag_bits));
            __builtin_prefetch(store.row_begin.data() + (spike >> lag_bits));
        }
    }
    for (const auto* list : spikes) {
        for (const std::uint64_t spike : *list) {
            __builtin_prefetch(store.runs.data() + store.run_begin[spike >> lag_bits]);
            __builtin_prefetch(store.synapses.data() + store.row_begin[spike >> lag_bits]);
        }
    }
    for (const auto* list : spikes) {
        for (const std::uint64_t spike : *list) {
            const std::uint64_t gid = spike >> lag_bits;
            // Thalamic sources (after the cortical gids) are excitatory.
            const bool inhibitory = separate && gid < derived.num_neurons_total &&
                                    !is_excitatory(derived.population_of(gid));
            vp.input.add_spike(store, gid, interval_start + (spike & lag_mask), inhibitory);
        }
    }
}

void Simulation::refresh_poisson_counts(VirtualProcess& vp, std::uint64_t u) const {
    // One Philox block gives the counts of four consecutive steps of a neuron;
    // the blocks of `lanes` neurons are generated together.
    constexpr std::size_t lanes = 16;
    const std::uint64_t block = u >> 2U;
    const auto& partition = network_.partition();
    PhiloxBatch<lanes> batch{};
    for (int p = 0; p < num_populations; ++p) {
        const PoissonTable& counts = poisson_counts_[p];
        for (std::uint64_t first = vp.population_begin[p]; first < vp.population_begin[p + 1];
             first += lanes) {
            const std::size_t n =
                std::min<std::uint64_t>(lanes, vp.population_begin[p + 1] - first);
            random_blocks(
                derived_.rng_seed, Purpose::poisson_background, block,
                [&](std::size_t i) {
                    return static_cast<std::uint32_t>(partition.gid_of(vp.vp, first + i));
                },
                batch);
            for (std::size_t i = 0; i < n; ++i) {
                const auto count = [&](std::uint32_t word) {
                    return std::uint64_t{std::min<std::uint32_t>(counts.sample(word), 0xFFFFU)};
                };
                vp.poisson_counts[first + i] =
                    count(batch.word0[i]) | count(batch.word1[i]) << 16U |
                    count(batch.word2[i]) << 32U | count(batch.word3[i]) << 48U;
            }
        }
    }
}

template <bool separate_inhibitory, bool poisson>
void Simulation::update_population(VirtualProcess& vp, int population, std::uint64_t u,
                                   std::uint64_t interval_start,
                                   std::vector<std::uint64_t>& emitted) {
    // The loop reads members only through locals: a store of a spike flag (a
    // byte) might, for all the compiler knows, change a member, so it would
    // reload them at every neuron.
    const NeuronArrays neurons = vp.neurons.arrays();
    std::int64_t* const arriving_ex = vp.input.excitatory();
    std::int64_t* const arriving_in = vp.input.inhibitory();
    const std::uint64_t* const poisson_counts = vp.poisson_counts.data();
    const unsigned poisson_shift = 16U * static_cast<unsigned>(u & 3U);
    const std::int64_t poisson_weight = poisson_weight_;
    const Propagators propagators = propagators_;
    const double current =
        derived_.dc_amplitude[population] +
        dc_transient_.during_update(u) * derived_.dc_transient_amplitude[population];
    std::uint8_t* const spiked = vp.spiked.data();
    const std::uint64_t begin = vp.population_begin[population];
    const std::uint64_t end = vp.population_begin[population + 1];
    // Branch free, output to arrays only: vectorised (with AVX-512, see
    // MICROCIRCUIT_NATIVE). `omp simd` because the compiler cannot prove that
    // the arrays do not overlap (they never do).
#pragma omp simd
    for (std::uint64_t i = begin; i < end; ++i) {
        std::int64_t input_ex = arriving_ex[i];
        arriving_ex[i] = 0;
        if (poisson) {
            input_ex += static_cast<std::int64_t>((poisson_counts[i] >> poisson_shift) & 0xFFFFU) *
                        poisson_weight;
        }
        std::int64_t input_in = 0;
        if (separate_inhibitory) {
            input_in = arriving_in[i];
            arriving_in[i] = 0;
        }
        spiked[i] = static_cast<std::uint8_t>(update_neuron<separate_inhibitory>(
            neurons, i, propagators, current, input_ex, input_in));
    }
    // Spikes are rare: memchr skips the neurons without one many at a time.
    const std::uint8_t* flag = spiked + begin;
    const std::uint8_t* const flags_end = spiked + end;
    while ((flag = static_cast<const std::uint8_t*>(std::memchr(flag, 1, flags_end - flag))) !=
           nullptr) {
        emitted.push_back(
            encode_spike(network_.partition().gid_of(vp.vp, flag - spiked), u - interval_start));
        ++flag;
    }
}

void Simulation::update(VirtualProcess& vp, int thread, std::uint64_t u,
                        std::uint64_t interval_start, std::vector<std::uint64_t>& emitted) {
    const bool poisson_active = derived_.poisson_input && u >= derived_.poisson_first_step;
    if (poisson_active && ((u & 3U) == 0 || u == derived_.poisson_first_step)) {
        refresh_poisson_counts(vp, u);
    }
    const bool separate = derived_.separate_inhibitory_input;
    for (int p = 0; p < num_populations; ++p) {
        if (separate) {
            poisson_active ? update_population<true, true>(vp, p, u, interval_start, emitted)
                           : update_population<true, false>(vp, p, u, interval_start, emitted);
        } else {
            poisson_active ? update_population<false, true>(vp, p, u, interval_start, emitted)
                           : update_population<false, false>(vp, p, u, interval_start, emitted);
        }
    }
    if (voltage_recorder_ != nullptr && voltage_recorder_->is_sample_step(u + 1)) {
        double* row = voltage_recorder_->row(u + 1);
        for (const auto& probe : voltage_recorder_->probes_of_thread(thread)) {
            row[probe.column] = vp.neurons.y[probe.local_index] + derived_.neuron.E_L;
        }
    }
}

void Simulation::draw_thalamic_spikes(std::uint64_t interval_start, std::uint64_t interval_end,
                                      std::vector<std::uint64_t>& spikes) const {
    spikes.clear();
    const std::uint64_t first = derived_.first_thalamic_gid();
    const auto count = derived_.num_thalamic_neurons;
    for (std::uint64_t u = interval_start; u < interval_end; ++u) {
        if (u < derived_.thalamic_spike_steps.first || u >= derived_.thalamic_spike_steps.last) {
            continue;
        }
        for (std::uint64_t j = 0; j < count; ++j) {
            const auto words = random_block(derived_.rng_seed, Purpose::thalamic_spikes,
                                            static_cast<std::uint32_t>(j), u);
            const std::uint32_t n = thalamic_counts_.sample(words.v[0]);
            for (std::uint32_t s = 0; s < n; ++s) {
                spikes.push_back(encode_spike(first + j, u - interval_start));
            }
        }
    }
}

void Simulation::record(int thread, const std::vector<std::uint64_t>& emitted,
                        std::uint64_t interval, std::uint64_t interval_start) {
    for (const std::uint64_t spike : emitted) {
        spike_recorder_->add(static_cast<std::size_t>(thread), spike >> lag_bits,
                             interval_start + (spike & lag_mask) + 1);
    }
    if (spike_recorder_->buffer_full(static_cast<std::size_t>(thread))) {
        requests_[interval & 1U].fetch_or(flush_bit, std::memory_order_relaxed);
    }
}

void Simulation::finish_interval(std::uint64_t interval, std::uint64_t interval_end) {
    if (communicator_.size() > 1) {
        const std::size_t parity = interval & 1U;
        local_spikes_.clear();
        for (auto& vp : network_.virtual_processes()) {
            local_spikes_.insert(local_spikes_.end(), vp.spikes[parity].begin(),
                                 vp.spikes[parity].end());
        }
        agreed_ = communicator_.exchange_spikes(local_spikes_, global_spikes_,
                                                requests_[parity].load(std::memory_order_relaxed));
        // Every rank draws the thalamic spikes itself; they join the delivery list.
        global_spikes_.insert(global_spikes_.end(), thalamic_spikes_[parity].begin(),
                              thalamic_spikes_[parity].end());
    }
    // Not every interval: reading the clock and calling through the
    // std::function cost a noticeable share of a short step.
    if (progress_ && interval % progress_every == 0) {
        progress_(interval_end);
    }
}

// What the threads of one run_until share: the interval's barrier and the
// first exception of any thread. An exception must not leave the parallel
// region (that terminates the program): it is kept with the point where it
// happened, and every thread stops at the first check after which all of
// them see it, so that all stop at the same place and none waits at a
// barrier forever. Points in the order the loop passes them: a thread's work
// in interval i (before the interval's barrier) is 2i, the master's exchange
// and writing after that barrier 2i + 1. A failure is written before the
// thread's next barrier, a check reads it after one.
class Simulation::Team {
public:
    explicit Team(unsigned threads) : barrier_(threads) {}

    std::uint64_t arrive() { return barrier_.arrive(); }
    void wait(std::uint64_t ticket) { barrier_.wait(ticket); }
    // Every barrier inside the loop is the split barrier, passed in one go
    // where no work fits between arriving and waiting. Not `omp barrier`:
    // libgomp's last thread to arrive makes a futex system call every time,
    // even in a team of one, and on a virtual machine a system call costs
    // microseconds.
    void meet() { barrier_.wait(barrier_.arrive()); }

    // A thread's part of an interval (before its barrier).
    template <class Work>
    void on_thread(int thread, std::uint64_t interval, std::uint64_t step, Work&& work) {
        try {
            work();
        } catch (...) {
            fail(2 * interval, thread, step);
        }
    }
    template <class Work> void on_master(std::uint64_t interval, std::uint64_t step, Work&& work) {
        try {
            work();
        } catch (...) {
            fail(2 * interval + 1, 0, step);
        }
    }
    // After the interval's barrier: a failure in any thread's work of this
    // interval or in the master's part of an earlier one.
    bool stop_after_barrier(std::uint64_t interval) const {
        return failed_point_.load() <= 2 * interval;
    }
    // After a meeting that follows the master's part: its failures in this interval too.
    bool stop_after_master(std::uint64_t interval) const {
        return failed_point_.load() <= 2 * interval + 1;
    }
    const std::exception_ptr& failure() const { return failure_; }
    bool failed_in_master_part() const { return failed_point_.load() % 2 == 1; }
    int failed_thread() const { return failed_thread_; }
    std::uint64_t failed_step() const { return failed_step_; }

private:
    void fail(std::uint64_t point, int thread, std::uint64_t step) {
        const std::lock_guard<std::mutex> lock(mutex_);
        if (point < failed_point_.load()) {
            failure_ = std::current_exception();
            failed_thread_ = thread;
            failed_step_ = step;
            failed_point_.store(point);
        }
    }

    static constexpr std::uint64_t no_failure = ~std::uint64_t{0};
    SplitBarrier barrier_;
    std::atomic<std::uint64_t> failed_point_{no_failure};
    std::mutex mutex_;
    std::exception_ptr failure_;
    int failed_thread_ = 0;
    std::uint64_t failed_step_ = 0;
};

void Simulation::take_up_spikes(VirtualProcess& vp, const Cursor& cursor) const {
    // The runs of the older spikes that arrive in `start` are in the sums
    // already (added while waiting at the last barrier); the last interval's
    // spikes join the pending ones and add theirs.
    const std::size_t first_new = vp.input.num_pending();
    deliver(vp, in_flight_[(cursor.interval - 1) & 1U], cursor.previous_start);
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
        record(thread, vp.spikes[cursor.interval & 1U], cursor.interval, cursor.start);
    }
    if (thread == 0 && derived_.thalamic_input) {
        draw_thalamic_spikes(cursor.start, end, thalamic_spikes_[cursor.interval & 1U]);
    }
    if (thread == 0) {
        // Read once, before the barrier: every thread acts on the same value.
        auto& requests = requests_[cursor.interval & 1U];
        if (stop_flag_ != nullptr && stop_flag_->load(std::memory_order_relaxed)) {
            requests.fetch_or(stop_bit, std::memory_order_relaxed);
        } else {
            requests.fetch_and(~stop_bit, std::memory_order_relaxed);
        }
    }
}

bool Simulation::agreed(const Cursor& cursor, unsigned bit) const {
    // With one rank the threads' requests, made before the interval's
    // barrier and cleared only after every thread has read them.
    const unsigned requests = communicator_.size() > 1
                                  ? agreed_
                                  : requests_[cursor.interval & 1U].load(std::memory_order_relaxed);
    return (requests & bit) != 0;
}

void Simulation::pass_interval_barrier(VirtualProcess& vp, Team& team, std::uint64_t end) const {
    const std::uint64_t ticket = team.arrive();
    // Needs nothing from the other threads: the runs of the spikes pending
    // here that arrive in the next interval's first step.
    vp.input.collect(end);
    team.wait(ticket);
}

void Simulation::exchange_interval(Team& team, int thread, const Cursor& cursor,
                                   std::uint64_t end) {
    if (thread == 0) {
        team.on_master(cursor.interval, end, [&] { finish_interval(cursor.interval, end); });
    }
    if (communicator_.size() > 1) {
        team.meet(); // the others take up the spikes the master received
    }
}

bool Simulation::write_full_recorders(Team& team, int thread, const Cursor& cursor,
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
    if (spike_recorder_ != nullptr && agreed(cursor, flush_bit)) {
        const bool stop = master_writes([&] { spike_recorder_->flush(); });
        if (thread == 0) {
            // After the meeting: every thread has read the request.
            requests_[cursor.interval & 1U].fetch_and(~flush_bit, std::memory_order_relaxed);
        }
        if (stop) {
            return true;
        }
    }
    // Without this flush the next interval's samples would not fit.
    const std::uint64_t next_end = end + network_.min_delay_steps();
    return voltage_recorder_ != nullptr && voltage_recorder_->window_full(next_end) &&
           master_writes([&] { voltage_recorder_->flush(end); });
}

void Simulation::run_until(std::uint64_t step_end) {
    auto& vps = network_.virtual_processes();
    Team team(static_cast<unsigned>(vps.size()));
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
            pass_interval_barrier(vp, team, end);
            if (team.stop_after_barrier(cursor.interval)) {
                break;
            }
            exchange_interval(team, thread, cursor, end);
            if (write_full_recorders(team, thread, cursor, end)) {
                break;
            }
            const bool stop = agreed(cursor, stop_bit);
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

void Simulation::abort_after(const Team& team) const {
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

DynamicState Simulation::capture() const {
    DynamicState state;
    state.step = cursor_.start;
    const auto& vps = network_.virtual_processes();
    for_each_neuron_by_gid(vps, [&](const VirtualProcess& vp, std::uint64_t i) {
        state.gids.push_back(network_.partition().gid_of(vp.vp, i));
        state.y.push_back(vp.neurons.y[i]);
        state.i_ex.push_back(vp.neurons.i_ex[i]);
        state.i_in.push_back(vp.neurons.i_in[i]);
        state.refractory.push_back(vp.neurons.refractory[i]);
    });
    const std::uint64_t max_delay = network_.max_delay_steps();
    for (const auto& vp : vps) {
        for (const auto& spike : vp.recent_spikes) {
            if (spike.step + max_delay >= state.step) {
                state.spike_gids.push_back(spike.gid);
                state.spike_steps.push_back(spike.step);
            }
        }
    }
    state.spikes_emitted = num_local_spikes();
    return state;
}

void Simulation::restore(const DynamicState& state) {
    const std::uint64_t step = state.step;
    auto& vps = network_.virtual_processes();
    const Partition& partition = network_.partition();
    std::size_t next = 0;
    for_each_neuron_by_gid(vps, [&](VirtualProcess& vp, std::uint64_t i) {
        vp.neurons.y[i] = state.y[next];
        vp.neurons.i_ex[i] = state.i_ex[next];
        vp.neurons.i_in[i] = state.i_in[next];
        vp.neurons.refractory[i] = state.refractory[next];
        ++next;
    });
    // Thalamic spikes follow from their streams: drawn again for the steps
    // whose synapses may still arrive.
    const std::uint64_t max_delay = network_.max_delay_steps();
    const std::uint64_t first = step > max_delay ? step - max_delay : 0;
    std::vector<std::uint64_t> thalamic;
    if (derived_.thalamic_input) {
        draw_thalamic_spikes(first, step, thalamic);
    }
    const bool separate = derived_.separate_inhibitory_input;
    const bool poisson_active = derived_.poisson_input && step >= derived_.poisson_first_step;
    for (auto& vp : vps) {
        vp.input.resize(vp.num_local, separate);
        vp.spikes[0].clear();
        vp.spikes[1].clear();
        vp.recent_spikes.clear();
        for (std::size_t s = 0; s < state.spike_gids.size(); ++s) {
            const std::uint64_t gid = state.spike_gids[s];
            const bool inhibitory = separate && !is_excitatory(derived_.population_of(gid));
            vp.input.add_spike_arriving_from(vp.synapses, gid, state.spike_steps[s], inhibitory,
                                             step);
            if (partition.vp_of(gid) == vp.vp) {
                vp.recent_spikes.push_back({gid, state.spike_steps[s]});
            }
        }
        for (const std::uint64_t spike : thalamic) {
            vp.input.add_spike_arriving_from(vp.synapses, spike >> lag_bits,
                                             first + (spike & lag_mask), false, step);
        }
        std::stable_sort(
            vp.recent_spikes.begin(), vp.recent_spikes.end(),
            [](const EmittedSpike& a, const EmittedSpike& b) { return a.step < b.step; });
        vp.input.collect(step);
        if (poisson_active) {
            // The counts of the block `step` lies in, as the step that began it drew them.
            refresh_poisson_counts(vp, step);
        }
    }
    thalamic_spikes_[0].clear();
    thalamic_spikes_[1].clear();
    global_spikes_.clear();
    std::fill(spikes_per_thread_.begin(), spikes_per_thread_.end(), 0);
    spikes_before_restore_ = state.spikes_emitted;
    if (voltage_recorder_ != nullptr) {
        voltage_recorder_->resume_at(step);
    }
    cursor_ = {step, 0, step};
}

} // namespace microcircuit
