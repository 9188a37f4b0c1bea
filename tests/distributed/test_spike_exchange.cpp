// The communication between ranks, run without mpiexec (one rank) and under
// it with several: every rank receives every rank's spikes in rank order,
// also when a rank sends more than the current chunk (the retry path) or
// nothing at all; a request of any one rank reaches all; the gathers and
// reductions. Each case runs against the MPI implementation and, in a run of
// one process, against the local one as well.
#define BOOST_TEST_MODULE spike_exchange
#include <boost/test/unit_test.hpp>

#include "microcircuit/context.hpp"
#include "parallel/local_communicator.hpp"
#include "parallel/mpi_communicator.hpp"

#include <memory>

using namespace microcircuit;

namespace {

struct MpiFixture {
    MpiFixture() { context = std::make_unique<Context>(); }
    ~MpiFixture() { context.reset(); }
    static std::unique_ptr<Context> context;
};
std::unique_ptr<Context> MpiFixture::context;

// The implementations a run of this many processes may use.
std::vector<std::unique_ptr<Communicator>> communicators() {
    std::vector<std::unique_ptr<Communicator>> all;
    all.push_back(std::make_unique<MpiCommunicator>());
    if (all.front()->size() == 1) {
        all.push_back(std::make_unique<LocalCommunicator>());
    }
    return all;
}

std::vector<std::uint64_t> spikes_of(int rank, std::size_t count) {
    std::vector<std::uint64_t> spikes(count);
    for (std::size_t i = 0; i < count; ++i) {
        spikes[i] = (static_cast<std::uint64_t>(rank) << 40U) | i;
    }
    return spikes;
}

// Exchanges `spikes` as the lists of two threads (the first third and the
// rest); `global` gets what every rank received, in order.
unsigned exchange(Communicator& communicator, const std::vector<std::uint64_t>& spikes,
                  std::vector<std::uint64_t>& global, unsigned requests = 0) {
    const auto third = static_cast<std::ptrdiff_t>(spikes.size() / 3);
    const std::vector<std::uint64_t> first(spikes.begin(), spikes.begin() + third);
    const std::vector<std::uint64_t> rest(spikes.begin() + third, spikes.end());
    SpikeLists received;
    const unsigned agreed = communicator.exchange_spikes({&first, &rest}, received, requests);
    global.clear();
    for (const auto* list : received) {
        global.insert(global.end(), list->begin(), list->end());
    }
    return agreed;
}

} // namespace

BOOST_TEST_GLOBAL_FIXTURE(MpiFixture);

BOOST_AUTO_TEST_CASE(the_context_communicates_without_mpi_in_one_process) {
    Communicator& communicator = MpiFixture::context->communicator();
    const bool local = dynamic_cast<LocalCommunicator*>(&communicator) != nullptr;
    BOOST_TEST(local == (MpiFixture::context->ranks() == 1));
    BOOST_TEST(communicator.size() == MpiFixture::context->ranks());
}

BOOST_AUTO_TEST_CASE(every_rank_receives_all_spikes_across_chunk_growth) {
    for (const auto& communicator : communicators()) {
        // Counts that start below the initial chunk, exceed it, then drop to zero.
        for (const std::size_t base : {3U, 0U, 500U, 17U, 5000U, 0U}) {
            std::vector<std::uint64_t> global;
            const std::size_t mine = base * static_cast<std::size_t>(communicator->rank() + 1);
            exchange(*communicator, spikes_of(communicator->rank(), mine), global);
            std::vector<std::uint64_t> expected;
            for (int r = 0; r < communicator->size(); ++r) {
                const auto part = spikes_of(r, base * static_cast<std::size_t>(r + 1));
                expected.insert(expected.end(), part.begin(), part.end());
            }
            BOOST_TEST(global == expected, boost::test_tools::per_element());
        }
    }
}

BOOST_AUTO_TEST_CASE(the_local_exchange_hands_the_threads_lists_on) {
    LocalCommunicator communicator;
    const std::vector<std::uint64_t> first{1, 2};
    const std::vector<std::uint64_t> second{3};
    const SpikeLists local{&first, &second};
    SpikeLists received{&second};
    BOOST_TEST(communicator.exchange_spikes(local, received, 5U) == 5U);
    BOOST_TEST((received == local));
}

BOOST_AUTO_TEST_CASE(the_chunk_grows_for_a_burst_and_shrinks_after_it) {
    MpiCommunicator communicator;
    std::vector<std::uint64_t> global;
    const std::size_t small = communicator.spike_chunk();
    exchange(communicator, spikes_of(communicator.rank(), 4 * small), global);
    BOOST_TEST(global.size() == 4 * small * static_cast<std::size_t>(communicator.size()));
    BOOST_TEST(communicator.spike_chunk() >= 4 * small);
    // Two windows of few spikes: the first may still hold the burst.
    for (int i = 0; i < 2048; ++i) {
        exchange(communicator, spikes_of(communicator.rank(), 3), global);
        BOOST_TEST_REQUIRE(global.size() == 3U * static_cast<std::size_t>(communicator.size()));
    }
    BOOST_TEST(communicator.spike_chunk() == small);
}

BOOST_AUTO_TEST_CASE(a_request_of_any_rank_reaches_every_rank) {
    for (const auto& communicator : communicators()) {
        std::vector<std::uint64_t> global;
        const int rank = communicator->rank();
        const int last = communicator->size() - 1;
        BOOST_TEST(exchange(*communicator, spikes_of(rank, 2), global) == 0U);
        for (int asking = 0; asking <= last; ++asking) {
            // Also across a chunk growth: the request bits are not part of the count.
            const std::size_t mine = rank == asking ? 300 : 1;
            const unsigned request = 1U << static_cast<unsigned>(asking % 8);
            BOOST_TEST(exchange(*communicator, spikes_of(rank, mine), global,
                                rank == asking ? request | 0x80U : 0U) == (request | 0x80U));
            BOOST_TEST(global.size() == 300U + static_cast<std::size_t>(last));
        }
    }
}

BOOST_AUTO_TEST_CASE(all_gather_concatenates_in_rank_order) {
    struct Pair {
        std::uint64_t a;
        std::uint64_t b;
    };
    for (const auto& communicator : communicators()) {
        const auto rank = static_cast<std::uint64_t>(communicator->rank());
        std::vector<Pair> mine;
        for (std::uint64_t i = 0; i < rank * 3 + 1; ++i) {
            mine.push_back({rank, i});
        }
        const auto all = communicator->all_gather(mine);
        std::size_t next = 0;
        for (std::uint64_t r = 0; r < static_cast<std::uint64_t>(communicator->size()); ++r) {
            for (std::uint64_t i = 0; i < r * 3 + 1; ++i, ++next) {
                BOOST_TEST_REQUIRE(next < all.size());
                BOOST_TEST(all[next].a == r);
                BOOST_TEST(all[next].b == i);
            }
        }
        BOOST_TEST(next == all.size());
    }
}

BOOST_AUTO_TEST_CASE(the_recorded_spikes_are_gathered_in_rank_order) {
    for (const auto& communicator : communicators()) {
        const auto rank = static_cast<std::uint64_t>(communicator->rank());
        std::vector<RecordedSpike> mine;
        for (std::uint64_t i = 0; i < rank; ++i) { // rank 0 records nothing
            mine.push_back({i, rank});
        }
        const auto all = communicator->gather_spikes(mine);
        std::vector<RecordedSpike> expected;
        for (std::uint64_t r = 0; r < static_cast<std::uint64_t>(communicator->size()); ++r) {
            for (std::uint64_t i = 0; i < r; ++i) {
                expected.push_back({i, r});
            }
        }
        BOOST_TEST((all == expected));
    }
}

BOOST_AUTO_TEST_CASE(reductions_agree_on_all_ranks) {
    for (const auto& communicator : communicators()) {
        const auto rank = static_cast<std::uint64_t>(communicator->rank());
        const auto size = static_cast<std::uint64_t>(communicator->size());
        BOOST_TEST(communicator->sum(rank + 1) == size * (size + 1) / 2);
        BOOST_TEST(communicator->max(rank) == size - 1);
        BOOST_TEST(communicator->min(rank + 5) == 5U);
        BOOST_TEST(communicator->sum(0.5) == 0.5 * static_cast<double>(size));
        BOOST_TEST(communicator->max(static_cast<double>(rank)) == static_cast<double>(size - 1));
        BOOST_TEST(communicator->exclusive_prefix_sum(rank + 1) == rank * (rank + 1) / 2);
        std::vector<double> values{1.0, static_cast<double>(rank)};
        communicator->all_reduce_sum(values);
        BOOST_TEST(values[0] == static_cast<double>(size));
        const std::uint64_t rank_sum = size * (size - 1) / 2;
        BOOST_TEST(values[1] == static_cast<double>(rank_sum));
        BOOST_TEST(communicator->broadcast(rank == 0 ? "from root" : "") == "from root");
        std::vector<std::uint64_t> words(rank == 0 ? 3 : 0, 7U);
        communicator->broadcast(words);
        BOOST_TEST((words == std::vector<std::uint64_t>{7U, 7U, 7U}));
        communicator->barrier();
    }
}
