// Synaptic input of the neurons of one virtual process. A spike's synapses
// are read from the synapse store in the steps they arrive in: its row is
// sorted by delay, and in step u the run of synapses with delay u - (emission
// step) is added into one integer sum per neuron. Each synapse is read once,
// when it acts, and nothing is written but the sums, a random access into an
// array small enough to stay in cache. (Copying every synaptic event into a
// queue or ring of its arrival step instead costs a write and a read of the
// event, or a random access into tens of megabytes.)
//
// The sums are integer fixed point (see neuron.hpp): integer addition is
// associative, so a neuron's input does not depend on the order of the events.
#pragma once

#include "connectivity/synapse_store.hpp"
#include "model/neuron.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace microcircuit {

class InputBuffer {
public:
    // With `separate_inhibitory` the input from inhibitory sources is summed
    // apart from the rest (needed when tau_syn_ex != tau_syn_in).
    void resize(std::size_t neurons, bool separate_inhibitory) {
        excitatory_.assign(neurons, 0);
        inhibitory_.assign(separate_inhibitory ? neurons : 0, 0);
        separate_inhibitory_ = separate_inhibitory;
        pending_.clear();
    }

    // A spike of `source` emitted in step `emitted`: each run of its row
    // arrives in step emitted + the run's delay. The pending list keeps its
    // capacity, so after the first steps this allocates nothing.
    void add_spike(const SynapseStore& store, std::uint64_t source, std::uint64_t emitted,
                   bool inhibitory_source) {
        const std::uint64_t first_run = store.run_begin[source];
        const std::uint64_t num_runs = store.run_begin[source + 1] - first_run;
        if (num_runs == 0) {
            return;
        }
        const DelayRun* run = store.runs.data() + first_run;
        pending_.push_back({store.synapses.data() + store.row_begin[source], run,
                            emitted + delay_of(*run), static_cast<std::uint32_t>(num_runs), *run,
                            separate_inhibitory_ && inhibitory_source});
    }

    // The same for a spike restored from a checkpoint at `from_step`: the
    // runs that arrived before it are in the neuron state already.
    void add_spike_arriving_from(const SynapseStore& store, std::uint64_t source,
                                 std::uint64_t emitted, bool inhibitory_source,
                                 std::uint64_t from_step) {
        const DelayRun* run = store.runs.data() + store.run_begin[source];
        const DelayRun* const runs_end = store.runs.data() + store.run_begin[source + 1];
        const Synapse* next = store.synapses.data() + store.row_begin[source];
        while (run != runs_end && emitted + delay_of(*run) < from_step) {
            next += length_of(*run);
            ++run;
        }
        if (run == runs_end) {
            return;
        }
        pending_.push_back({next, run, emitted + delay_of(*run),
                            static_cast<std::uint32_t>(runs_end - run), *run,
                            separate_inhibitory_ && inhibitory_source});
    }

    // Sums the synapses arriving in `step` into the per-neuron inputs, from
    // the pending spikes from index `from` on (in the order they were added).
    // The caller reads and zeroes the sums during the update. The runs of one
    // step may be added in several calls (the older spikes' while waiting for
    // the other threads, then the newest): integer sums do not depend on it.
    void collect(std::uint64_t step, std::size_t from = 0) {
        std::size_t kept = from;
        const std::size_t n = pending_.size();
        for (std::size_t i = from; i < n; ++i) {
            PendingSpike spike = pending_[i];
            if (i + prefetch_distance < n) {
                // Runs are short and scattered over the store: fetch ahead.
                const PendingSpike& ahead = pending_[i + prefetch_distance];
                // The first three lines unconditionally, the rest (long runs,
                // large scales) in a loop: where runs are short there is no
                // branch whose count varies from run to run. Lines past the
                // run's end hold the spike's next run.
                const auto* const first = reinterpret_cast<const char*>(ahead.next);
                const auto* const end = reinterpret_cast<const char*>(
                    ahead.next + std::min(length_of(ahead.next_run), max_prefetch_synapses));
                const char* line = first - (reinterpret_cast<std::uintptr_t>(first) & 63U);
                __builtin_prefetch(line);
                __builtin_prefetch(line + 64);
                __builtin_prefetch(line + 128);
                for (line += 192; line < end; line += 64) {
                    __builtin_prefetch(line);
                }
            }
            if (spike.next_arrival == step) {
                std::int64_t* const sums =
                    spike.inhibitory ? inhibitory_.data() : excitatory_.data();
                // Consecutive runs of one delay (a split long run) arrive together.
                do {
                    const std::uint32_t length = length_of(spike.next_run);
                    add_run(spike.next, length, sums);
                    spike.next += length;
                    if (--spike.runs_left == 0) {
                        break;
                    }
                    const std::uint32_t delay = delay_of(spike.next_run);
                    spike.next_run = *++spike.run;
                    spike.next_arrival += delay_of(spike.next_run) - delay;
                } while (spike.next_arrival == step);
            }
            if (spike.runs_left != 0) {
                pending_[kept++] = spike;
            }
        }
        pending_.resize(kept);
    }

    std::size_t num_pending() const { return pending_.size(); }

    std::int64_t* excitatory() { return excitatory_.data(); }
    std::int64_t* inhibitory() { return inhibitory_.data(); }

    std::size_t bytes() const {
        return (excitatory_.capacity() + inhibitory_.capacity()) * sizeof(std::int64_t) +
               pending_.capacity() * sizeof(PendingSpike);
    }

private:
    // A spike some of whose synapses have not arrived yet.
    struct PendingSpike {
        const Synapse* next;        // first synapse of the next run
        const DelayRun* run;        // the next run in the store
        std::uint64_t next_arrival; // step in which it arrives
        std::uint32_t runs_left;
        DelayRun next_run; // a copy: the prefetch ahead reads no other memory
        bool inhibitory;   // adds into the inhibitory sums
    };
    static constexpr std::size_t prefetch_distance = 16;
    static constexpr std::uint32_t max_prefetch_synapses = 64;

    static void add_run(const Synapse* synapse, std::uint32_t length, std::int64_t* sums) {
        // Not unrolled: runs are short, and an unrolled loop's remainder adds
        // branches on the run's length, which the core mispredicts.
#pragma GCC unroll 1
        for (const Synapse* const end = synapse + length; synapse != end; ++synapse) {
            sums[target_of(*synapse)] += fixed_point_weight_of(*synapse);
        }
    }

    std::vector<std::int64_t> excitatory_;
    std::vector<std::int64_t> inhibitory_;
    bool separate_inhibitory_ = false;
    std::vector<PendingSpike> pending_;
};

} // namespace microcircuit
