// Philox4x32-10 (Random123's r123::Philox4x32, the generator of random.hpp)
// for a batch of counters at once. The four counter words of the batch are
// kept in four arrays, so each round is the same few operations over every
// lane and the compiler turns it into vector instructions; the scalar
// generator computes one block at a time. The output is the same block for
// the same counter and key (tested against Random123).
#pragma once

#include <cstddef>
#include <cstdint>

namespace microcircuit {

template <std::size_t lanes> struct PhiloxBatch {
    // Counter words in, random words out.
    alignas(64) std::uint32_t word0[lanes];
    alignas(64) std::uint32_t word1[lanes];
    alignas(64) std::uint32_t word2[lanes];
    alignas(64) std::uint32_t word3[lanes];

    void generate(std::uint32_t key0, std::uint32_t key1) {
        constexpr std::uint64_t multiplier0 = 0xD2511F53U;
        constexpr std::uint64_t multiplier1 = 0xCD9E8D57U;
        for (int round = 0; round < 10; ++round) {
            for (std::size_t i = 0; i < lanes; ++i) {
                const std::uint64_t product0 = multiplier0 * word0[i];
                const std::uint64_t product1 = multiplier1 * word2[i];
                word0[i] = static_cast<std::uint32_t>(product1 >> 32U) ^ word1[i] ^ key0;
                word2[i] = static_cast<std::uint32_t>(product0 >> 32U) ^ word3[i] ^ key1;
                word1[i] = static_cast<std::uint32_t>(product1);
                word3[i] = static_cast<std::uint32_t>(product0);
            }
            key0 += 0x9E3779B9U; // Weyl sequence of the key schedule
            key1 += 0xBB67AE85U;
        }
    }
};

} // namespace microcircuit
