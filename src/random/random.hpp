// Counter-based random numbers with an address for every draw.
//
// Bitwise reproducibility across decompositions requires that a random number
// depends only on *what* it belongs to (a projection and target neuron, a neuron
// and time step), never on which rank or thread draws it. Philox4x32-10 maps a
// (key, counter) pair to four 32-bit words; we put the seed and the purpose in
// the key and the owner and position in the counter. The transforms to normal
// (ziggurat.hpp) and Poisson variates are written here (not taken from
// <random>) because the standard library's algorithms differ between
// implementations.
#pragma once

#include "random/philox_batch.hpp"
#include "random/ziggurat.hpp"

#include <Random123/philox.h>

#include <cmath>
#include <cstddef>
#include <cstdint>

namespace microcircuit {

// What a random number is for; part of the key so that streams never overlap.
enum class Purpose : std::uint32_t {
    in_degrees = 1,         // target choice of a fixed-total-number projection
    synapse_sources = 2,    // source of each synapse of a target
    synapse_weights = 3,    // weight of each synapse of a target
    synapse_delays = 4,     // delay of each synapse of a target
    initial_potential = 5,  // V0 of a neuron
    poisson_background = 6, // background Poisson counts of a neuron per step
    thalamic_spikes = 7,    // spike counts of a thalamic neuron per step
};

// One sequential stream: key (seed, purpose), counter (owner, sub-stream, position).
class RandomStream {
public:
    RandomStream(std::uint32_t seed, Purpose purpose, std::uint32_t owner, std::uint32_t substream)
        : key_{{seed, static_cast<std::uint32_t>(purpose)}}, counter_{{0, 0, owner, substream}} {}

    std::uint32_t next_u32() {
        if (used_ == 4) {
            refill();
        }
        return block_[used_++];
    }

    // Uniform integer in [0, n) for n < 2^32, exactly uniform: Lemire's
    // multiply-shift with rejection of the few biased products.
    std::uint32_t index(std::uint32_t n) {
        std::uint64_t product = std::uint64_t{next_u32()} * n;
        auto low = static_cast<std::uint32_t>(product);
        if (low < n) {
            const std::uint32_t threshold = (0U - n) % n;
            while (low < threshold) {
                product = std::uint64_t{next_u32()} * n;
                low = static_cast<std::uint32_t>(product);
            }
        }
        return static_cast<std::uint32_t>(product >> 32U);
    }

    // Standard normal variate (ziggurat): a 32-bit value, plus 7 bits of a
    // shared word for the layer (one word serves four draws).
    double normal() {
        std::uint32_t value_bits = 0;
        unsigned layer = 0;
        next_ziggurat_draw(value_bits, layer);
        return ziggurat_tables.sample(
            value_bits, layer, [this] { return uniform_open(); },
            [this](std::uint32_t& v, unsigned& l) { next_ziggurat_draw(v, l); });
    }

private:
    // Uniform in (0, 1) on the grid (k + 0.5) 2^-32.
    double uniform_open() { return (static_cast<double>(next_u32()) + 0.5) * 0x1p-32; }

    void next_ziggurat_draw(std::uint32_t& value_bits, unsigned& layer) {
        if (layer_draws_left_ == 0) {
            layer_bits_ = next_u32();
            layer_draws_left_ = 4;
        }
        layer = layer_bits_ & 0x7FU;
        layer_bits_ >>= 8U;
        --layer_draws_left_;
        value_bits = next_u32();
    }

    void refill() {
        const auto out = philox_(counter_, key_);
        for (int i = 0; i < 4; ++i) {
            block_[i] = out.v[i];
        }
        used_ = 0;
        if (++counter_.v[0] == 0) {
            ++counter_.v[1];
        }
    }

    r123::Philox4x32 philox_;
    r123::Philox4x32::key_type key_;
    r123::Philox4x32::ctr_type counter_;
    std::uint32_t block_[4] = {0, 0, 0, 0};
    int used_ = 4;
    std::uint32_t layer_bits_ = 0;
    int layer_draws_left_ = 0;
};

// The address of a stateless block: key (seed, purpose), counter (position, owner).
inline r123::Philox4x32::key_type block_key(std::uint32_t seed, Purpose purpose) {
    return {{seed, static_cast<std::uint32_t>(purpose)}};
}
inline r123::Philox4x32::ctr_type block_counter(std::uint32_t owner, std::uint64_t position) {
    return {{static_cast<std::uint32_t>(position), static_cast<std::uint32_t>(position >> 32U),
             owner, 0}};
}

// Four 32-bit words for one (owner, step) address: one Philox call, no state.
inline r123::Philox4x32::ctr_type random_block(std::uint32_t seed, Purpose purpose,
                                               std::uint32_t owner, std::uint64_t position) {
    const r123::Philox4x32 philox;
    return philox(block_counter(owner, position), block_key(seed, purpose));
}

// random_block(seed, purpose, owner_of_lane(i), position) for every lane i of
// `blocks` at once (PhiloxBatch: vectorised).
template <std::size_t lanes, typename OwnerOfLane>
void random_blocks(std::uint32_t seed, Purpose purpose, std::uint64_t position,
                   OwnerOfLane&& owner_of_lane, PhiloxBatch<lanes>& blocks) {
    for (std::size_t i = 0; i < lanes; ++i) {
        const auto counter = block_counter(owner_of_lane(i), position);
        blocks.word0[i] = counter.v[0];
        blocks.word1[i] = counter.v[1];
        blocks.word2[i] = counter.v[2];
        blocks.word3[i] = counter.v[3];
    }
    const auto key = block_key(seed, purpose);
    blocks.generate(key.v[0], key.v[1]);
}

} // namespace microcircuit
