// Spike delivery within a rank: the input buffer adds each synapse in the step
// it arrives in, also when a step's runs are added in two calls (the older
// spikes' while the threads wait for each other, then the newest spikes'),
// and the split barrier lets no thread past before every thread has arrived.
#define BOOST_TEST_MODULE delivery
#include <boost/test/unit_test.hpp>

#include "connectivity/connectivity.hpp"
#include "parallel/split_barrier.hpp"
#include "simulation/input_buffer.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <thread>
#include <vector>

using namespace microcircuit;

namespace {

struct Connection {
    std::uint32_t source;
    std::uint32_t target;
    std::uint32_t delay_steps;
    float weight_pA;
};

constexpr std::uint32_t num_sources = 4;
constexpr std::uint32_t num_targets = 6;

// Connections with delays 1 to 7 steps, repeated targets (multapses) and a
// source without synapses (3); weights are multiples of 2^-4 pA.
std::vector<Connection> connections() {
    std::vector<Connection> result;
    for (std::uint32_t source = 0; source < 3; ++source) {
        for (std::uint32_t k = 0; k < 11; ++k) {
            const std::uint32_t target = (source * 5 + k * 7) % num_targets;
            const std::uint32_t delay = 1 + (source + k * k) % 7;
            const float weight = static_cast<float>(static_cast<int>(k) - 4) * 0.5625F + 0.0625F;
            result.push_back({source, target, delay, weight});
        }
    }
    return result;
}

// The store the connectivity builds: rows by source, each sorted by delay
// (stably), described by its delay runs.
SynapseStore store_of(std::vector<Connection> all) {
    std::stable_sort(all.begin(), all.end(),
                     [](const Connection& a, const Connection& b) { return a.source < b.source; });
    SynapseStore store;
    store.row_begin.assign(num_sources + 1, 0);
    for (const auto& c : all) {
        ++store.row_begin[c.source + 1];
        store.synapses.emplace_back(pack_target_and_delay(c.target, c.delay_steps), c.weight_pA);
    }
    for (std::uint32_t source = 0; source < num_sources; ++source) {
        store.row_begin[source + 1] += store.row_begin[source];
    }
    sort_rows_by_delay(store);
    return store;
}

// Spikes (source, emission step) in order of emission.
const std::vector<std::pair<std::uint32_t, std::uint64_t>> spikes = {
    {0, 0}, {2, 0}, {1, 1}, {3, 1}, {0, 2}, {0, 3}, {1, 3}, {2, 5}, {2, 6}, {1, 6}, {0, 9}};
constexpr std::uint64_t last_step = 20;

// What every target receives in every step, straight from the connections.
std::map<std::pair<std::uint64_t, std::uint32_t>, std::int64_t> expected_input() {
    std::map<std::pair<std::uint64_t, std::uint32_t>, std::int64_t> input;
    for (const auto& [source, emitted] : spikes) {
        for (const auto& c : connections()) {
            if (c.source == source) {
                input[{emitted + c.delay_steps, c.target}] += to_fixed_point(c.weight_pA);
            }
        }
    }
    return input;
}

// Runs the buffer over all steps; `split` collects the older spikes' runs of a
// step before the spikes emitted in the step before join (as the simulation
// does while waiting at the barrier).
void check_delivery(bool split) {
    const SynapseStore store = store_of(connections());
    InputBuffer buffer;
    buffer.resize(num_targets, false);
    const auto expected = expected_input();
    std::size_t next_spike = 0;
    for (std::uint64_t step = 1; step <= last_step; ++step) {
        std::size_t first_new = 0;
        if (split) {
            buffer.collect(step);
            first_new = buffer.num_pending();
        }
        // Spikes emitted in step - 1 are delivered now (minimum delay: 1 step).
        for (; next_spike < spikes.size() && spikes[next_spike].second == step - 1; ++next_spike) {
            buffer.add_spike(store, spikes[next_spike].first, spikes[next_spike].second, false);
        }
        buffer.collect(step, first_new);
        for (std::uint32_t target = 0; target < num_targets; ++target) {
            const auto found = expected.find({step, target});
            const std::int64_t want = found == expected.end() ? 0 : found->second;
            BOOST_TEST(buffer.excitatory()[target] == want,
                       "step " << step << " target " << target);
            buffer.excitatory()[target] = 0;
        }
    }
    BOOST_TEST(buffer.num_pending() == 0U);
}

} // namespace

BOOST_AUTO_TEST_CASE(every_synapse_arrives_in_its_step) { check_delivery(false); }

BOOST_AUTO_TEST_CASE(older_runs_collected_first_give_the_same_input) { check_delivery(true); }

BOOST_AUTO_TEST_CASE(split_barrier_lets_no_thread_past_before_all_arrive) {
    for (const unsigned threads : {1U, 2U, 3U, 5U}) {
        constexpr unsigned rounds = 40;
        SplitBarrier barrier(threads);
        std::vector<std::atomic<unsigned>> reached(threads);
        std::atomic<unsigned> violations{0};
        std::vector<std::thread> team;
        for (unsigned t = 0; t < threads; ++t) {
            team.emplace_back([&, t] {
                for (unsigned round = 1; round <= rounds; ++round) {
                    // One thread is late in each round: the others must wait for it.
                    if (round % threads == t) {
                        std::this_thread::sleep_for(std::chrono::microseconds(300));
                    }
                    reached[t].store(round, std::memory_order_relaxed);
                    const std::uint64_t ticket = barrier.arrive();
                    barrier.wait(ticket);
                    for (unsigned other = 0; other < threads; ++other) {
                        if (reached[other].load(std::memory_order_relaxed) < round) {
                            ++violations;
                        }
                    }
                    // A second barrier, so that no thread writes round + 1
                    // before every thread has checked round.
                    barrier.wait(barrier.arrive());
                }
            });
        }
        for (auto& thread : team) {
            thread.join();
        }
        BOOST_TEST(violations.load() == 0U, threads << " threads");
    }
}
