// Poisson variates by inversion of a tabulated distribution function: the
// count is the number of table entries below a uniform variate. The first
// eight entries are compared without branches, which covers nearly every
// draw at the small means of per-step input counts; the rest of the table is
// scanned. Exact up to the resolution of the uniform variate.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

namespace microcircuit {

class PoissonTable {
public:
    PoissonTable() = default;

    explicit PoissonTable(double mean) {
        // P(0), P(0) + P(1), ... until no uniform variate can exceed the sum or
        // the terms underflow.
        double probability = std::exp(-mean);
        double cumulative = probability;
        cdf_.push_back(cumulative);
        for (std::uint32_t k = 1; cumulative < 1.0 - 0x1p-40 && probability > 0.0 && k < 100000;
             ++k) {
            probability *= mean / k;
            cumulative += probability;
            cdf_.push_back(cumulative);
        }
        while (cdf_.size() < branchless) {
            cdf_.push_back(cdf_.back());
        }
    }

    // The count for a uniform variate in [0, 1).
    std::uint32_t sample(double uniform) const {
        std::uint32_t k = 0;
        for (std::size_t i = 0; i < branchless; ++i) {
            k += uniform > cdf_[i] ? 1U : 0U;
        }
        if (k < branchless) {
            return k;
        }
        while (k < cdf_.size() && uniform > cdf_[k]) {
            ++k;
        }
        return k;
    }

private:
    static constexpr std::size_t branchless = 8;
    std::vector<double> cdf_;
};

} // namespace microcircuit
