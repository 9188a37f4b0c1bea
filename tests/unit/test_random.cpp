// The random transforms: distributions checked against their laws, and
// streams that depend only on their address.
#define BOOST_TEST_MODULE random
#include <boost/test/unit_test.hpp>

#include "random/philox_batch.hpp"
#include "random/poisson_table.hpp"
#include "random/random.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

using namespace microcircuit;

namespace {

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

} // namespace

BOOST_AUTO_TEST_CASE(normal_has_the_standard_normal_law) {
    RandomStream stream(7, Purpose::synapse_weights, 3, 4);
    const int n = 1000000;
    std::vector<double> x(n);
    double sum = 0.0;
    double sum2 = 0.0;
    double sum4 = 0.0;
    int beyond_tail = 0;
    for (auto& v : x) {
        v = stream.normal();
        sum += v;
        sum2 += v * v;
        sum4 += v * v * v * v;
        beyond_tail += std::fabs(v) > 3.442619855899 ? 1 : 0;
    }
    const double mean = sum / n;
    const double variance = sum2 / n - mean * mean;
    BOOST_TEST(std::fabs(mean) < 5.0 / std::sqrt(n));
    BOOST_TEST(std::fabs(variance - 1.0) < 5.0 * std::sqrt(2.0 / n));
    BOOST_TEST(std::fabs(sum4 / n - 3.0) < 5.0 * std::sqrt(96.0 / n)); // kurtosis
    // The tail beyond R (drawn by a separate algorithm) has its share, 2(1 - Phi(R)).
    const double tail = 2.0 * (1.0 - normal_cdf(3.442619855899)) * n;
    BOOST_TEST(std::fabs(beyond_tail - tail) < 5.0 * std::sqrt(tail));
    // Kolmogorov-Smirnov distance to the normal CDF; the 0.1% critical value is 1.95 / sqrt(n).
    std::sort(x.begin(), x.end());
    double ks = 0.0;
    for (int i = 0; i < n; ++i) {
        const double cdf = normal_cdf(x[i]);
        ks = std::max({ks, std::fabs(cdf - static_cast<double>(i) / n),
                       std::fabs(cdf - static_cast<double>(i + 1) / n)});
    }
    BOOST_TEST(ks < 1.95 / std::sqrt(n));
}

BOOST_AUTO_TEST_CASE(index_is_uniform_and_in_range) {
    RandomStream stream(1, Purpose::synapse_sources, 0, 0);
    const std::uint32_t n = 1000;
    std::vector<double> counts(n, 0.0);
    const int draws = 2000000;
    for (int i = 0; i < draws; ++i) {
        const auto k = stream.index(n);
        BOOST_REQUIRE(k < n);
        counts[k] += 1.0;
    }
    const double expected = static_cast<double>(draws) / n;
    double chi2 = 0.0;
    for (double c : counts) {
        chi2 += (c - expected) * (c - expected) / expected;
    }
    BOOST_TEST(std::fabs(chi2 - (n - 1)) < 5.0 * std::sqrt(2.0 * (n - 1)));
}

BOOST_AUTO_TEST_CASE(poisson_table_has_the_poisson_law) {
    for (const double mean : {0.128, 2.32, 12.0}) {
        const double e = std::exp(-mean);
        const PoissonTable table(mean);
        const int draws = 400000;
        std::vector<double> counts(64, 0.0);
        for (int i = 0; i < draws; ++i) {
            const auto words =
                random_block(9, Purpose::poisson_background, 1, static_cast<std::uint64_t>(i));
            const auto k = table.sample(words.v[0]);
            counts[std::min<std::uint32_t>(k, 63)] += 1.0;
        }
        double p = e;
        double chi2 = 0.0;
        int cells = 0;
        for (int k = 0; k < 63; ++k) {
            const double expected = p * draws;
            if (expected > 20.0) {
                chi2 += (counts[k] - expected) * (counts[k] - expected) / expected;
                ++cells;
            }
            p *= mean / (k + 1);
        }
        BOOST_TEST_CONTEXT("mean " << mean) {
            BOOST_TEST(std::fabs(chi2 - cells) < 5.0 * std::sqrt(2.0 * cells) + 5.0);
        }
    }
}

BOOST_AUTO_TEST_CASE(poisson_table_inverts_the_distribution_function_exactly) {
    for (const double mean : {0.128, 2.32, 12.0, 40.0}) {
        // The words where the count steps up: the smallest w with
        // (w + 0.5) 2^-32 > P(X <= k), P summed term by term.
        std::vector<std::uint64_t> steps;
        double probability = std::exp(-mean);
        double cumulative = probability;
        for (int k = 0; k < 200; ++k) {
            const double x = cumulative * 0x1p32 - 0.5;
            steps.push_back(x < 0.0 ? 0 : static_cast<std::uint64_t>(std::floor(x)) + 1);
            probability *= mean / (k + 1);
            cumulative += probability;
        }
        const auto expected = [&](std::uint64_t word) {
            return static_cast<std::uint32_t>(std::upper_bound(steps.begin(), steps.end(), word) -
                                              steps.begin());
        };
        const PoissonTable table(mean);
        std::vector<std::uint64_t> words;
        for (const std::uint64_t step : steps) {
            for (const std::uint64_t w : {step - 1, step, step + 1}) {
                if (w <= 0xFFFFFFFFU) {
                    words.push_back(w);
                }
            }
        }
        for (std::uint64_t bucket = 0; bucket < 1024; ++bucket) {
            words.push_back(bucket << 22U);
            words.push_back((bucket << 22U) + 0x3FFFFFU);
        }
        for (std::uint32_t i = 0; i < 100000; ++i) {
            words.push_back(random_block(3, Purpose::poisson_background, 2, i).v[1]);
        }
        BOOST_TEST_CONTEXT("mean " << mean) {
            for (const std::uint64_t w : words) {
                BOOST_REQUIRE_EQUAL(table.sample(static_cast<std::uint32_t>(w)), expected(w));
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(philox_batch_gives_the_blocks_of_random123) {
    constexpr std::size_t lanes = 16;
    PhiloxBatch<lanes> batch{};
    for (std::size_t i = 0; i < lanes; ++i) {
        batch.word0[i] = static_cast<std::uint32_t>(i * 2654435761U);
        batch.word1[i] = static_cast<std::uint32_t>(i + 7);
        batch.word2[i] = static_cast<std::uint32_t>(0xFFFFFFF0U + i);
        batch.word3[i] = static_cast<std::uint32_t>(i * i);
    }
    std::vector<r123::Philox4x32::ctr_type> expected;
    const r123::Philox4x32 philox;
    for (std::size_t i = 0; i < lanes; ++i) {
        expected.push_back(
            philox({{batch.word0[i], batch.word1[i], batch.word2[i], batch.word3[i]}},
                   {{0xDEADBEEFU, 5U}}));
    }
    batch.generate(0xDEADBEEFU, 5U);
    for (std::size_t i = 0; i < lanes; ++i) {
        BOOST_TEST(batch.word0[i] == expected[i].v[0]);
        BOOST_TEST(batch.word1[i] == expected[i].v[1]);
        BOOST_TEST(batch.word2[i] == expected[i].v[2]);
        BOOST_TEST(batch.word3[i] == expected[i].v[3]);
    }
    // And random_blocks: random_block's addresses, a batch at a time.
    PhiloxBatch<lanes> poisson{};
    random_blocks(
        55U, Purpose::poisson_background, (std::uint64_t{1} << 32U) + 12345U,
        [](std::size_t i) { return static_cast<std::uint32_t>(100 + i); }, poisson);
    for (std::size_t i = 0; i < lanes; ++i) {
        const auto block =
            random_block(55, Purpose::poisson_background, static_cast<std::uint32_t>(100 + i),
                         (std::uint64_t{1} << 32U) + 12345U);
        BOOST_TEST(poisson.word0[i] == block.v[0]);
        BOOST_TEST(poisson.word3[i] == block.v[3]);
    }
}

BOOST_AUTO_TEST_CASE(streams_depend_only_on_their_address) {
    RandomStream a(55, Purpose::synapse_delays, 12, 3);
    RandomStream b(55, Purpose::synapse_delays, 12, 3);
    RandomStream other_owner(55, Purpose::synapse_delays, 13, 3);
    RandomStream other_purpose(55, Purpose::synapse_weights, 12, 3);
    int same_owner = 0;
    int same_purpose = 0;
    for (int i = 0; i < 1000; ++i) {
        const double x = a.normal();
        BOOST_REQUIRE(x == b.normal());
        same_owner += x == other_owner.normal() ? 1 : 0;
        same_purpose += x == other_purpose.normal() ? 1 : 0;
    }
    BOOST_TEST(same_owner == 0);
    BOOST_TEST(same_purpose == 0);
}
