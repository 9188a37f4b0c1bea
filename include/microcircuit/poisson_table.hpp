// Poisson variates by inversion of a tabulated distribution function, for a
// uniform variate given as a 32-bit word w (the uniform (w + 0.5) 2^-32).
// The table holds, for every k, the smallest word whose uniform exceeds
// P(X <= k); the count is the number of thresholds at or below the word, so
// a draw is a few integer compares. The first eight are compared without
// branches, which covers nearly every draw at the small means of per-step
// input counts; the rest of the table is scanned. Exact up to the resolution
// of the uniform variate.
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
        while (thresholds_.size() < branchless) {
            thresholds_.push_back(thresholds_.back());
        }
    }

    // The count for the uniform variate of `word`.
    std::uint32_t sample(std::uint32_t word) const {
        const std::uint64_t w = word;
        if (w < thresholds_[0]) {
            return 0; // the common case at small means
        }
        std::uint32_t k = 0;
        for (std::size_t i = 0; i < branchless; ++i) {
            k += w >= thresholds_[i] ? 1U : 0U;
        }
        if (k < branchless) {
            return k;
        }
        while (k < thresholds_.size() && w >= thresholds_[k]) {
            ++k;
        }
        return k;
    }

private:
    static constexpr std::size_t branchless = 8;
    static constexpr std::uint64_t max_word = 0xFFFFFFFFU;

    // Smallest word w with (w + 0.5) 2^-32 > cdf, i.e. w > cdf 2^32 - 0.5
    // (both sides exact in double).
    static std::uint64_t threshold(double cdf) {
        const double x = cdf * 0x1p32 - 0.5;
        return x < 0.0 ? 0 : static_cast<std::uint64_t>(std::floor(x)) + 1;
    }

    std::vector<std::uint64_t> thresholds_;
};

} // namespace microcircuit
