// Poisson variates by inversion of a tabulated distribution function, for a
// uniform variate given as a 32-bit word w (the uniform (w + 0.5) 2^-32).
// The table holds, for every k, the smallest word whose uniform exceeds
// P(X <= k); the count is the number of thresholds at or below the word.
// A draw is one lookup by the word's top 10 bits, which decide the count for
// all but the few buckets of words a threshold falls into; only those are
// searched. Exact up to the resolution of the uniform variate.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

namespace microcircuit {

class PoissonTable {
public:
    PoissonTable() = default;

    explicit PoissonTable(double mean) {
        // P(0), P(0) + P(1), ... until no word's uniform can exceed the sum or
        // the terms underflow.
        double probability = std::exp(-mean);
        double cumulative = probability;
        thresholds_.push_back(threshold(cumulative));
        for (std::uint32_t k = 1; thresholds_.back() <= max_word && probability > 0.0 && k < 100000;
             ++k) {
            probability *= mean / k;
            cumulative += probability;
            thresholds_.push_back(threshold(cumulative));
        }
        // The count of each bucket of words with the same top bits, where the
        // whole bucket has one count (all but the few buckets a threshold cuts).
        bucket_count_.resize(std::size_t{1} << bucket_bits);
        for (std::size_t b = 0; b < bucket_count_.size(); ++b) {
            const std::uint64_t first = std::uint64_t{b} << (32U - bucket_bits);
            const std::uint64_t last = first + (std::uint64_t{1} << (32U - bucket_bits)) - 1;
            const std::uint32_t k = search(first);
            bucket_count_[b] = k == search(last) && k < mixed_bucket ? static_cast<std::uint16_t>(k)
                                                                     : mixed_bucket;
        }
    }

    // The count for the uniform variate of `word`: the smallest k with
    // (word + 0.5) 2^-32 <= P(X <= k).
    std::uint32_t sample(std::uint32_t word) const {
        const std::uint16_t k = bucket_count_[word >> (32U - bucket_bits)];
        return k != mixed_bucket ? k : search(word);
    }

private:
    static constexpr unsigned bucket_bits = 10;
    static constexpr std::uint16_t mixed_bucket = 0xFFFFU;
    static constexpr std::uint64_t max_word = 0xFFFFFFFFU;

    std::uint32_t search(std::uint64_t word) const {
        std::uint32_t k = 0;
        while (k < thresholds_.size() && word >= thresholds_[k]) {
            ++k;
        }
        return k;
    }

    // Smallest word w with (w + 0.5) 2^-32 > cdf, i.e. w > cdf 2^32 - 0.5
    // (both sides exact in double).
    static std::uint64_t threshold(double cdf) {
        const double x = cdf * 0x1p32 - 0.5;
        return x < 0.0 ? 0 : static_cast<std::uint64_t>(std::floor(x)) + 1;
    }

    std::vector<std::uint64_t> thresholds_;
    std::vector<std::uint16_t> bucket_count_;
};

} // namespace microcircuit
