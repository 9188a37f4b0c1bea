// The spike exchange over MPI_Alltoall, run under mpiexec with several ranks:
// every rank receives every rank's spikes in rank order, also when a rank
// sends more than the current chunk (the retry path) or nothing at all; a
// request of any one rank reaches all; the gather of the recorded spikes.
#define BOOST_TEST_MODULE spike_exchange
#include <boost/test/unit_test.hpp>

#include "microcircuit/context.hpp"
#include "parallel/communicator.hpp"

#include <memory>

using namespace microcircuit;

namespace {

struct MpiFixture {
    MpiFixture() { context = std::make_unique<Context>(); }
    ~MpiFixture() { context.reset(); }
    std::unique_ptr<Context> context;
};

std::vector<std::uint64_t> spikes_of(int rank, std::size_t count) {
    std::vector<std::uint64_t> spikes(count);
    for (std::size_t i = 0; i < count; ++i) {
        spikes[i] = (static_cast<std::uint64_t>(rank) << 40U) | i;
    }
    return spikes;
}

} // namespace

BOOST_TEST_GLOBAL_FIXTURE(MpiFixture);

BOOST_AUTO_TEST_CASE(every_rank_receives_all_spikes_across_chunk_growth) {
    Communicator communicator;
    // Counts that start below the initial chunk, exceed it, then drop to zero.
    for (const std::size_t base : {3U, 0U, 500U, 17U, 5000U, 0U}) {
        std::vector<std::uint64_t> global;
        const std::size_t mine = base * static_cast<std::size_t>(communicator.rank() + 1);
        communicator.exchange_spikes(spikes_of(communicator.rank(), mine), global);
        std::vector<std::uint64_t> expected;
        for (int r = 0; r < communicator.size(); ++r) {
            const auto part = spikes_of(r, base * static_cast<std::size_t>(r + 1));
            expected.insert(expected.end(), part.begin(), part.end());
        }
        BOOST_TEST(global == expected, boost::test_tools::per_element());
    }
}

BOOST_AUTO_TEST_CASE(the_chunk_grows_for_a_burst_and_shrinks_after_it) {
    Communicator communicator;
    if (communicator.size() == 1) {
        return; // one rank copies, no chunk
    }
    std::vector<std::uint64_t> global;
    const std::size_t small = communicator.spike_chunk();
    communicator.exchange_spikes(spikes_of(communicator.rank(), 4 * small), global);
    BOOST_TEST(global.size() == 4 * small * static_cast<std::size_t>(communicator.size()));
    BOOST_TEST(communicator.spike_chunk() >= 4 * small);
    // Two windows of few spikes: the first may still hold the burst.
    for (int i = 0; i < 2048; ++i) {
        communicator.exchange_spikes(spikes_of(communicator.rank(), 3), global);
        BOOST_TEST_REQUIRE(global.size() == 3U * static_cast<std::size_t>(communicator.size()));
    }
    BOOST_TEST(communicator.spike_chunk() == small);
}

BOOST_AUTO_TEST_CASE(a_request_of_any_rank_reaches_every_rank) {
    Communicator communicator;
    std::vector<std::uint64_t> global;
    const int last = communicator.size() - 1;
    BOOST_TEST(!communicator.exchange_spikes(spikes_of(communicator.rank(), 2), global, false));
    for (int asking = 0; asking <= last; ++asking) {
        // Also across a chunk growth: the request bit is not part of the count.
        const std::size_t mine = communicator.rank() == asking ? 300 : 1;
        BOOST_TEST(communicator.exchange_spikes(spikes_of(communicator.rank(), mine), global,
                                                communicator.rank() == asking));
        BOOST_TEST(global.size() == 300U + static_cast<std::size_t>(last));
    }
}

BOOST_AUTO_TEST_CASE(all_gather_concatenates_in_rank_order) {
    struct Pair {
        std::uint64_t a;
        std::uint64_t b;
    };
    Communicator communicator;
    const auto rank = static_cast<std::uint64_t>(communicator.rank());
    std::vector<Pair> mine;
    for (std::uint64_t i = 0; i < rank * 3; ++i) { // rank 0 contributes nothing
        mine.push_back({rank, i});
    }
    const auto all = communicator.all_gather(mine);
    std::size_t next = 0;
    for (std::uint64_t r = 0; r < static_cast<std::uint64_t>(communicator.size()); ++r) {
        for (std::uint64_t i = 0; i < r * 3; ++i, ++next) {
            BOOST_TEST_REQUIRE(next < all.size());
            BOOST_TEST(all[next].a == r);
            BOOST_TEST(all[next].b == i);
        }
    }
    BOOST_TEST(next == all.size());
}

BOOST_AUTO_TEST_CASE(reductions_agree_on_all_ranks) {
    Communicator communicator;
    const auto rank = static_cast<std::uint64_t>(communicator.rank());
    const auto size = static_cast<std::uint64_t>(communicator.size());
    BOOST_TEST(communicator.sum(rank + 1) == size * (size + 1) / 2);
    BOOST_TEST(communicator.max(rank) == size - 1);
    BOOST_TEST(communicator.min(rank + 5) == 5U);
    BOOST_TEST(communicator.broadcast(rank == 0 ? "from root" : "") == "from root");
}
