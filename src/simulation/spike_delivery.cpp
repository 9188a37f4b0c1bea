#include "simulation/simulation.hpp"

#include "random/random.hpp"
#include "simulation/spike_word.hpp"

namespace microcircuit {

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

} // namespace microcircuit
