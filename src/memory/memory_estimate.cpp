#include "memory/memory_estimate.hpp"

#include "connectivity/connectivity.hpp"
#include "connectivity/synapse_store.hpp"
#include "microcircuit/recording.hpp"
#include "simulation/network.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace microcircuit {

namespace {

template <class Vector> constexpr double element_bytes() {
    return static_cast<double>(sizeof(typename Vector::value_type));
}

// The store allocates whole 2 MB pages once it is that large (huge_page_allocator.hpp).
double store_bytes(double synapses) {
    constexpr double huge_page = 2.0 * 1024 * 1024;
    const double bytes = synapses * sizeof(Synapse);
    return bytes < huge_page ? bytes : std::ceil(bytes / huge_page) * huge_page;
}

// Delay runs of one virtual process: a row has one run per distinct delay of
// its synapses. With the row's synapses of each projection Poisson
// distributed, delay step j is present with probability 1 - exp(-lambda_j),
// lambda_j the expected synapses of delay j in the row.
double delay_runs_per_virtual_process(const DerivedParameters& derived, double vps) {
    std::map<std::uint64_t, std::pair<double, std::vector<double>>> rows; // by source population
    for (const Projection& projection : derived.projections) {
        auto& [count, lambda] = rows[projection.source_first_gid];
        count = static_cast<double>(projection.source_count);
        const std::vector<double> p =
            delay_step_probabilities(projection.delay_mean, projection.delay_sd, derived.grid());
        lambda.resize(std::max(lambda.size(), p.size()), 0.0);
        const double per_row = static_cast<double>(projection.num_synapses) / count / vps;
        for (std::size_t j = 0; j < p.size(); ++j) {
            lambda[j] += per_row * p[j];
        }
    }
    double runs = 0.0;
    for (const auto& [first_gid, row] : rows) {
        double per_row = 0.0;
        for (double lambda : row.second) {
            per_row += -std::expm1(-lambda);
        }
        runs += row.first * per_row;
    }
    return runs;
}

double bit_ceil(double value) {
    return value <= 1.0 ? 1.0 : std::exp2(std::ceil(std::log2(value)));
}

// The voltage recorder's window of samples per rank (recording/voltage_recorder.cpp).
constexpr double voltage_window_values = 1 << 20U;

} // namespace

double MemoryEstimate::peak() const {
    return process + neurons + synapses + std::max(construction, recording);
}

std::vector<double> delay_step_probabilities(double mean_ms, double sd_ms, const TimeGrid& grid) {
    const double lowest = grid.shortest_delay(); // redrawn below
    if (sd_ms <= 0.0) {
        const auto step = static_cast<std::size_t>(grid.delay_steps(std::max(mean_ms, lowest)));
        std::vector<double> p(step + 1, 0.0);
        p[step] = 1.0;
        return p;
    }
    auto below = [&](double d) {
        return 0.5 * std::erfc(-(d - mean_ms) / (sd_ms * std::sqrt(2.0)));
    };
    const double kept = 1.0 - below(lowest);
    // Beyond 10 SD nothing is drawn in practice.
    const double longest = std::min(mean_ms + 10.0 * sd_ms, grid.ms(synapse_max_delay_steps));
    const auto last = static_cast<std::size_t>(grid.delay_steps(longest));
    std::vector<double> p(last + 1, 0.0);
    for (std::size_t j = 1; j <= last; ++j) {
        const auto [first, second] = grid.delays_rounding_to(j);
        const double from = std::max(lowest, first);
        p[j] = kept > 0.0 ? std::max(0.0, below(second) - below(from)) / kept : 0.0;
    }
    return p;
}

MemoryEstimate estimate_memory_per_rank(const Parameters& parameters,
                                        const DerivedParameters& derived, int ranks, int threads) {
    const double vps = static_cast<double>(ranks) * threads;
    const auto total = static_cast<double>(derived.num_neurons_total);
    // The largest rank: the first ranks hold one neuron more per thread.
    const double neurons_per_vp = std::ceil(total / vps);
    double synapses_total = 0.0;
    double in_degree_entries = 0.0;
    for (const Projection& projection : derived.projections) {
        synapses_total += static_cast<double>(projection.num_synapses);
        in_degree_entries += derived.num_neurons[projection.target_population];
    }
    const double synapses_per_vp = total > 0.0 ? synapses_total * neurons_per_vp / total : 0.0;
    const double runs_per_vp = delay_runs_per_virtual_process(derived, vps);
    const auto rows = static_cast<double>(derived.num_sources + 1);

    MemoryEstimate estimate;
    estimate.process = process_baseline_bytes + (threads - 1) * thread_baseline_bytes;

    using Neurons = NeuronState;
    using Vp = VirtualProcess;
    const double per_neuron =
        element_bytes<decltype(Neurons::y)>() + element_bytes<decltype(Neurons::i_ex)>() +
        element_bytes<decltype(Neurons::i_in)>() + element_bytes<decltype(Neurons::refractory)>() +
        element_bytes<decltype(Vp::poisson_counts)>() + element_bytes<decltype(Vp::spiked)>() +
        // the input sums, one per neuron and another for separate inhibitory input
        (derived.separate_inhibitory_input ? 2.0 : 1.0) * sizeof(std::int64_t);
    estimate.neurons = threads * neurons_per_vp * per_neuron;

    estimate.synapses = threads * (store_bytes(synapses_per_vp) +
                                   rows * (element_bytes<decltype(SynapseStore::row_begin)>() +
                                           element_bytes<decltype(SynapseStore::run_begin)>()) +
                                   runs_per_vp * sizeof(DelayRun));

    // While the stores are built, every thread at once: the row writer's
    // buffers, and the runs' array when shrink_to_fit copies it out of its
    // grown capacity. The in-degrees of all projections are on every rank.
    estimate.construction =
        in_degree_entries * sizeof(std::uint32_t) +
        threads * (static_cast<double>(synapse_store_build_buffer_bytes(
                       static_cast<std::uint64_t>(synapses_per_vp), derived.num_sources)) +
                   bit_ceil(runs_per_vp) * sizeof(DelayRun));

    if (derived.record_spikes) {
        // Spikes held until a flush (the mean full-scale rates for the count),
        // then at the flush the rank's copy, everybody's spikes gathered and
        // split by population, and the rank's share to write.
        const double seconds = derived.grid().ms(derived.total_steps) / 1e3;
        double all = 0.0;
        for (int p = 0; p < num_populations; ++p) {
            all += derived.num_neurons[p] * parameters.network.full_mean_rates[p] * seconds;
        }
        const auto buffer = static_cast<double>(
            spikes_buffered_per_thread(derived, static_cast<std::uint64_t>(vps)));
        all = std::min(all, buffer * vps);
        const double held = all / ranks;
        const double copies = held * (ranks > 1 ? 2.0 : 1.0) + 2.0 * all + all / ranks;
        estimate.recording += copies * sizeof(RecordedSpike);
    }
    if (derived.record_voltage && voltage_columns(derived) > 0) {
        // The window and its copy handed to the sinks.
        estimate.recording += 2.0 * voltage_window_values * sizeof(double);
    }
    return estimate;
}

} // namespace microcircuit
