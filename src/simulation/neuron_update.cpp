#include "simulation/simulation.hpp"

#include "random/random.hpp"
#include "simulation/spike_word.hpp"

#include <algorithm>
#include <cstring>

namespace microcircuit {

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

} // namespace microcircuit
