// Connectivity: exact totals per projection, decomposition-independent
// synapses, and the statistics of in-degrees, sources, weights and delays.
#define BOOST_TEST_MODULE connectivity
#include <boost/test/unit_test.hpp>

#include "connectivity/connectivity.hpp"
#include "microcircuit/config.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

using namespace microcircuit;

namespace {

struct Fixture {
    Parameters parameters;
    DerivedParameters derived;
    std::vector<Projection> projections;
    std::vector<std::vector<std::uint32_t>> in_degrees;

    explicit Fixture(bool thalamic = false) {
        parameters = load_config("", {"network.N_scaling=0.05", "network.K_scaling=0.05",
                                      std::string("stimulus.thalamic_input=") +
                                          (thalamic ? "true" : "false")})
                         .parameters;
        derived = derive_parameters(parameters);
        projections = derived.projections;
        for (const auto& p : projections) {
            in_degrees.push_back(draw_in_degrees(parameters.simulation.rng_seed, p,
                                                 derived.num_neurons[p.target_population]));
        }
    }

    std::uint64_t num_sources() const { return derived.num_sources; }

    // Every synapse as (source gid, target gid, weight, delay), over all VPs of a decomposition.
    std::vector<std::tuple<std::uint64_t, std::uint64_t, float, std::uint32_t>>
    all_synapses(int ranks, int threads) const {
        std::vector<std::tuple<std::uint64_t, std::uint64_t, float, std::uint32_t>> result;
        for (int rank = 0; rank < ranks; ++rank) {
            const Partition partition(derived.num_neurons_total, ranks, threads, rank);
            for (int thread = 0; thread < threads; ++thread) {
                const auto vp = partition.vp_of_thread(thread);
                const auto store = build_synapse_store(derived, in_degrees, partition, vp);
                for (std::uint64_t source = 0; source < num_sources(); ++source) {
                    for (auto i = store.row_begin[source]; i < store.row_begin[source + 1]; ++i) {
                        const auto& s = store.synapses[i];
                        result.emplace_back(source, partition.gid_of(vp, target_of(s)),
                                            weight_of(s), delay_of(s));
                    }
                }
            }
        }
        std::sort(result.begin(), result.end());
        return result;
    }
};

} // namespace

BOOST_AUTO_TEST_CASE(in_degrees_sum_to_the_total_and_ignore_the_thread_count) {
    const Fixture f;
    for (std::size_t p = 0; p < f.projections.size(); ++p) {
        std::uint64_t total = 0;
        for (auto k : f.in_degrees[p]) {
            total += k;
        }
        BOOST_TEST(total == f.projections[p].num_synapses);
    }
    const int saved = omp_get_max_threads();
    omp_set_num_threads(1);
    const auto one = draw_all_in_degrees(f.derived);
    omp_set_num_threads(3);
    const auto three = draw_all_in_degrees(f.derived);
    omp_set_num_threads(saved);
    BOOST_TEST((one == three));
    BOOST_TEST(
        (one[5] == draw_in_degrees(55, f.projections[5],
                                   f.derived.num_neurons[f.projections[5].target_population])));
}

BOOST_AUTO_TEST_CASE(in_degrees_are_multinomial) {
    const Fixture f;
    // L23E <- L23E: Q synapses onto n targets, each count Binomial(Q, 1/n).
    const auto& k = f.in_degrees[0];
    const double n = static_cast<double>(k.size());
    const double q = static_cast<double>(f.projections[0].num_synapses);
    double mean = 0.0;
    double m2 = 0.0;
    for (auto v : k) {
        mean += v;
    }
    mean /= n;
    for (auto v : k) {
        m2 += (v - mean) * (v - mean);
    }
    const double variance = m2 / (n - 1);
    const double expected_variance = q / n * (1.0 - 1.0 / n);
    BOOST_TEST(std::fabs(mean - q / n) < 1e-9);
    // The sample variance of n values has relative SD sqrt(2 / n).
    BOOST_TEST(std::fabs(variance / expected_variance - 1.0) < 5.0 * std::sqrt(2.0 / n));
}

BOOST_AUTO_TEST_CASE(synapses_do_not_depend_on_the_decomposition) {
    const Fixture f(true);
    const auto reference = f.all_synapses(1, 1);
    BOOST_TEST(reference.size() > 700000U);
    for (auto [ranks, threads] : {std::pair{1, 2}, {2, 1}, {2, 2}, {3, 1}}) {
        BOOST_TEST_CONTEXT(ranks << " ranks x " << threads << " threads") {
            BOOST_TEST((f.all_synapses(ranks, threads) == reference));
        }
    }
}

BOOST_AUTO_TEST_CASE(rows_are_sorted_by_delay_and_described_by_their_runs) {
    const Fixture f(true);
    const Partition partition(f.derived.num_neurons_total, 1, 2, 0);
    const auto store = build_synapse_store(f.derived, f.in_degrees, partition, 1);
    BOOST_TEST(store.run_begin.size() == store.row_begin.size());
    std::uint64_t rows_checked = 0;
    for (std::uint64_t source = 0; source < f.num_sources(); ++source) {
        auto synapse = store.row_begin[source];
        for (auto r = store.run_begin[source]; r < store.run_begin[source + 1]; ++r) {
            const DelayRun run = store.runs[r];
            BOOST_REQUIRE(length_of(run) > 0U);
            if (r > store.run_begin[source]) {
                // Ascending delays: one run per delay (no row here is 2^20 synapses long).
                BOOST_REQUIRE(delay_of(run) > delay_of(store.runs[r - 1]));
            }
            for (std::uint32_t i = 0; i < length_of(run); ++i, ++synapse) {
                BOOST_REQUIRE(delay_of(store.synapses[synapse]) == delay_of(run));
                // Stable: synapses of one delay stay in target order.
                if (i > 0) {
                    BOOST_REQUIRE(target_of(store.synapses[synapse - 1]) <=
                                  target_of(store.synapses[synapse]));
                }
            }
        }
        BOOST_REQUIRE(synapse == store.row_begin[source + 1]);
        rows_checked += store.row_begin[source + 1] > store.row_begin[source] ? 1 : 0;
    }
    BOOST_TEST(rows_checked > f.derived.num_neurons_total / 2);
}

BOOST_AUTO_TEST_CASE(projection_totals_weights_and_delays) {
    const Fixture f;
    const double h = f.parameters.simulation.sim_resolution;
    const auto synapses = f.all_synapses(1, 1);
    std::map<std::pair<int, int>, std::vector<std::pair<float, std::uint32_t>>> by_projection;
    for (const auto& [source, target, weight, delay] : synapses) {
        by_projection[{f.derived.population_of(target), f.derived.population_of(source)}].push_back(
            {weight, delay});
    }
    for (int y = 0; y < num_populations; ++y) {
        for (int x = 0; x < num_populations; ++x) {
            const auto& list = by_projection[{y, x}];
            BOOST_TEST_CONTEXT(population_names[x] << " -> " << population_names[y]) {
                BOOST_TEST(list.size() == f.derived.num_synapses[y][x]);
                if (list.size() < 1000) {
                    continue;
                }
                double sum = 0.0;
                double sum2 = 0.0;
                double delay_sum = 0.0;
                std::uint32_t min_delay = 1U << 30U;
                bool sign_ok = true;
                for (const auto& [w, d] : list) {
                    sum += w;
                    sum2 += static_cast<double>(w) * w;
                    delay_sum += d * h;
                    min_delay = std::min(min_delay, d);
                    sign_ok = sign_ok && (is_excitatory(x) ? w >= 0.0F : w <= 0.0F);
                }
                const double count = static_cast<double>(list.size());
                const double mean = sum / count;
                const double sd = std::sqrt(sum2 / count - mean * mean);
                const double w_mean = f.derived.weight_mean[y][x];
                const double w_sd = 0.1 * std::fabs(w_mean);
                BOOST_TEST(sign_ok);
                // Truncation at 0 is 10 SD away: mean and SD are those of the normal.
                BOOST_TEST(std::fabs(mean - w_mean) < 5.0 * w_sd / std::sqrt(count));
                BOOST_TEST(std::fabs(sd / w_sd - 1.0) < 5.0 * std::sqrt(0.5 / count) + 1e-3);
                BOOST_TEST(min_delay >= 1U);
                // Mean of normal(m, (m/2)^2) redrawn below h/2: computed from the
                // truncated normal; rounding to the grid adds no bias on average.
                const double m = f.derived.delay_mean[y][x];
                const double s = 0.5 * m;
                const double a = (0.5 * h - m) / s;
                const double phi = std::exp(-0.5 * a * a) / std::sqrt(2.0 * M_PI);
                const double tail = 0.5 * std::erfc(a / std::sqrt(2.0));
                const double expected_delay = m + s * phi / tail;
                BOOST_TEST(std::fabs(delay_sum / count - expected_delay) <
                           5.0 * s / std::sqrt(count) + 0.01 * h);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(sources_are_uniform) {
    const Fixture f;
    // L4E -> L4I: chi-square of the out-degrees of the sources against uniform.
    const Partition partition(f.derived.num_neurons_total, 1, 1, 0);
    std::size_t p = 0;
    while (f.projections[p].id != static_cast<std::uint32_t>(num_populations * 3 + 2)) {
        ++p;
    }
    const auto& projection = f.projections[p];
    std::vector<double> counts(projection.source_count, 0.0);
    std::vector<std::uint64_t> sources;
    for (std::uint64_t t = 0; t < f.derived.num_neurons[3]; ++t) {
        draw_sources(55, projection, t, f.in_degrees[p][t], sources);
        for (auto s : sources) {
            BOOST_REQUIRE(s >= projection.source_first_gid);
            BOOST_REQUIRE(s < projection.source_first_gid + projection.source_count);
            counts[s - projection.source_first_gid] += 1.0;
        }
    }
    const double expected =
        static_cast<double>(projection.num_synapses) / static_cast<double>(projection.source_count);
    double chi2 = 0.0;
    for (double c : counts) {
        chi2 += (c - expected) * (c - expected) / expected;
    }
    const double dof = static_cast<double>(projection.source_count - 1);
    BOOST_TEST(std::fabs(chi2 - dof) < 5.0 * std::sqrt(2.0 * dof));
}
