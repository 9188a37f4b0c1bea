#include "parallel/local_communicator.hpp"

#include <cstring>

namespace microcircuit {

unsigned LocalCommunicator::exchange_spikes(const SpikeLists& local, SpikeLists& received,
                                            unsigned requests) {
    received = local;
    return requests;
}

void LocalCommunicator::all_gather_words(const void* local, std::size_t words, void* global) const {
    if (words > 0) {
        std::memcpy(global, local, words * sizeof(std::uint64_t));
    }
}

} // namespace microcircuit
