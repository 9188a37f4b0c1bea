#include "simulation/simulation.hpp"

#include "model/random.hpp"
#include "parallel/split_barrier.hpp"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <exception>
#include <iomanip>
#include <sstream>
#include <string>

namespace microcircuit {

namespace {
constexpr unsigned lag_bits = 32;
constexpr std::uint64_t progress_every = 64; // intervals
constexpr std::uint64_t lag_mask = (std::uint64_t{1} << lag_bits) - 1;

std::uint64_t encode_spike(std::uint64_t gid, std::uint64_t lag) { return (gid << lag_bits) | lag; }
} // namespace

Simulation::Simulation(Network& network, Communicator& communicator, SpikeRecorder* spikes,
                       VoltageRecorder* voltages, Progress progress)
    : network_(network), derived_(network.derived()), communicator_(communicator),
      spike_recorder_(spikes), voltage_recorder_(voltages), progress_(std::move(progress)),
      spikes_per_thread_(network.virtual_processes().size(), 0) {
    const auto& derived = network.derived();
    const double h = derived.resolution;
    propagators_ = Propagators::compute(derived.neuron, h);
    if (derived.dc_transient) {
        dc_transient_ = {1.0, derived.dc_transient_updates};
    }
    if (derived.poisson_input) {
        for (int p = 0; p < num_populations; ++p) {
            poisson_counts_[p] = PoissonTable(derived.poisson_rate[p] * h * 1e-3);
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
        flush_request_[interval & 1U].store(true, std::memory_order_relaxed);
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
        flush_agreed_ = communicator_.exchange_spikes(
            local_spikes_, global_spikes_, flush_request_[parity].load(std::memory_order_relaxed));
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

void Simulation::run_until(std::uint64_t step_end) {
    auto& vps = network_.virtual_processes();
    const std::uint64_t min_delay = network_.min_delay_steps();
    const bool several_ranks = communicator_.size() > 1;
    const std::uint64_t total_steps = derived_.total_steps;
    // An exception must not leave the parallel region (that terminates the
    // program): the master thread keeps what its recording threw, with the
    // interval it happened in, and every thread stops after the next barrier.
    // The interval is written before that barrier and read after it, so all
    // threads stop in the same interval.
    constexpr std::uint64_t no_failure = ~std::uint64_t{0};
    std::atomic<std::uint64_t> failed_interval{no_failure};
    std::exception_ptr failure;
    std::uint64_t failed_step = 0;
    const auto on_master = [&](std::uint64_t interval, std::uint64_t step, auto&& work) {
        try {
            work();
        } catch (...) {
            failure = std::current_exception();
            failed_step = step;
            failed_interval.store(interval);
        }
    };
    SplitBarrier interval_barrier(static_cast<unsigned>(vps.size()));
    // Every barrier inside the loop is this one, passed in one go where no
    // work fits between arriving and waiting. Not `omp barrier`: libgomp's
    // last thread to arrive makes a futex system call every time, even in a
    // team of one, and on a virtual machine a system call costs microseconds.
    const auto all_threads_meet = [&] { interval_barrier.wait(interval_barrier.arrive()); };
#pragma omp parallel num_threads(static_cast <int>(vps.size()))
    {
        const int thread = omp_get_thread_num();
        VirtualProcess& vp = vps[thread];
        // The master writes out a recorder's buffer while the other threads
        // wait (their part of the interval is done, nothing of it is written
        // meanwhile); returns whether the run stops because the write failed.
        const auto master_writes = [&](std::uint64_t interval, std::uint64_t step, auto&& write) {
            if (thread == 0 && failed_interval.load() == no_failure) {
                on_master(interval, step, write);
            }
            all_threads_meet();
            return failed_interval.load() != no_failure;
        };
        // Every thread walks the same sequence of intervals on its own copy.
        std::uint64_t start = step_;
        std::uint64_t interval = interval_;
        std::uint64_t previous_start = previous_start_;
        std::uint64_t emitted_here = 0;
        while (start < step_end) {
            const std::uint64_t end = std::min(start + min_delay, step_end);
            // The runs of the older spikes that arrive in `start` are in the
            // sums already (added while waiting, below); the last interval's
            // spikes join the pending ones and add theirs.
            const std::size_t first_new = vp.input.num_pending();
            deliver(vp, in_flight_[(interval - 1) & 1U], previous_start);
            vp.input.collect(start, first_new);
            auto& emitted = vp.spikes[interval & 1U];
            emitted.clear();
            for (std::uint64_t u = start; u < end; ++u) {
                if (u != start) {
                    vp.input.collect(u);
                }
                update(vp, thread, u, start, emitted);
            }
            emitted_here += emitted.size();
            if (spike_recorder_ != nullptr) {
                record(thread, emitted, interval, start);
            }
            if (thread == 0 && derived_.thalamic_input) {
                draw_thalamic_spikes(start, end, thalamic_spikes_[interval & 1U]);
            }
            const std::uint64_t ticket = interval_barrier.arrive();
            // Needs nothing from the other threads: the runs of the spikes
            // pending here that arrive in the next interval's first step.
            vp.input.collect(end);
            interval_barrier.wait(ticket);
            if (failed_interval.load() < interval) {
                break;
            }
            if (thread == 0) {
                on_master(interval, end, [&] { finish_interval(interval, end); });
            }
            if (several_ranks) {
                all_threads_meet(); // the others take up the spikes the master received
            }
            // Every thread and rank reads the same answer: with one rank the
            // threads' requests (made before the barrier, and cleared only
            // after the meeting below), else what the exchange agreed.
            if (spike_recorder_ != nullptr &&
                (several_ranks ? flush_agreed_
                               : flush_request_[interval & 1U].load(std::memory_order_relaxed))) {
                const bool stop = master_writes(interval, end, [&] { spike_recorder_->flush(); });
                if (thread == 0) {
                    flush_request_[interval & 1U].store(false, std::memory_order_relaxed);
                }
                if (stop) {
                    break;
                }
            }
            // Without this flush the next interval's samples would not fit.
            if (voltage_recorder_ != nullptr &&
                voltage_recorder_->window_full(std::min(end + min_delay, total_steps)) &&
                master_writes(interval, end, [&] { voltage_recorder_->flush(end); })) {
                break;
            }
            previous_start = start;
            start = end;
            ++interval;
        }
        spikes_per_thread_[thread] += emitted_here;
#pragma omp barrier
        if (thread == 0) {
            step_ = start;
            interval_ = interval;
            previous_start_ = previous_start;
        }
    }
    if (failure) {
        std::ostringstream message;
        try {
            std::rethrow_exception(failure);
        } catch (const std::exception& error) {
            message << error.what();
        } catch (...) {
            message << "unknown error";
        }
        message << " (while recording the output at " << std::fixed << std::setprecision(1)
                << static_cast<double>(failed_step) * derived_.resolution
                << " ms of simulated time; the simulation stopped there)";
        communicator_.abort(message.str());
    }
}

void Simulation::finish_recording() {
    if (spike_recorder_ != nullptr) {
        spike_recorder_->flush();
    }
    if (voltage_recorder_ != nullptr) {
        voltage_recorder_->flush(step_);
    }
}

} // namespace microcircuit
