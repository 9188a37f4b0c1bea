#include "parallel/mpi_communicator.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace microcircuit {

MpiCommunicator::MpiCommunicator() {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

unsigned MpiCommunicator::exchange_spikes(const SpikeLists& local, SpikeLists& received,
                                          unsigned requests) {
    constexpr unsigned request_shift = 64 - request_bits;
    constexpr std::uint64_t count_mask = (std::uint64_t{1} << request_shift) - 1;
    const auto ranks = static_cast<std::size_t>(size_);
    std::size_t count = 0;
    for (const auto* list : local) {
        count += list->size();
    }
    for (;;) {
        // Per destination: [count, spikes...]; every destination gets the same spikes.
        const std::size_t stride = chunk_ + 1;
        send_.resize(ranks * stride);
        receive_.resize(ranks * stride);
        send_[0] = count | static_cast<std::uint64_t>(requests) << request_shift;
        std::size_t sent = 0;
        for (const auto* list : local) {
            const std::size_t part = std::min(list->size(), chunk_ - sent);
            std::copy_n(list->begin(), part, send_.begin() + static_cast<std::ptrdiff_t>(1 + sent));
            sent += part;
        }
        for (std::size_t r = 1; r < ranks; ++r) {
            std::copy_n(send_.begin(), sent + 1,
                        send_.begin() + static_cast<std::ptrdiff_t>(r * stride));
        }
        MPI_Alltoall(send_.data(), static_cast<int>(stride), MPI_UINT64_T, receive_.data(),
                     static_cast<int>(stride), MPI_UINT64_T, MPI_COMM_WORLD);
        std::uint64_t largest = 0;
        unsigned requested = 0;
        for (std::size_t r = 0; r < ranks; ++r) {
            largest = std::max(largest, receive_[r * stride] & count_mask);
            requested |= static_cast<unsigned>(receive_[r * stride] >> request_shift);
        }
        // All ranks saw the same counts, so all size the chunk alike.
        if (largest > chunk_) {
            chunk_ = static_cast<std::size_t>(largest) + largest / 2;
            continue; // retry with the larger chunk
        }
        window_largest_ = std::max<std::size_t>(window_largest_, largest);
        if (++window_exchanges_ == chunk_window) {
            // Back down after a burst: the chunk of the recent counts.
            chunk_ = std::max(min_chunk, window_largest_ + window_largest_ / 2);
            window_largest_ = 0;
            window_exchanges_ = 0;
        }
        received_.clear();
        for (std::size_t r = 0; r < ranks; ++r) {
            const auto* begin = receive_.data() + r * stride + 1;
            received_.insert(received_.end(), begin,
                             begin +
                                 static_cast<std::ptrdiff_t>(receive_[r * stride] & count_mask));
        }
        received.assign(1, &received_);
        return requested;
    }
}

std::size_t MpiCommunicator::gathered_words(std::size_t words) const {
    if (words > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
        throw std::runtime_error("too much data for one MPI_Allgatherv");
    }
    const auto ranks = static_cast<std::size_t>(size_);
    gather_counts_.assign(ranks, 0);
    gather_offsets_.assign(ranks, 0);
    const int mine = static_cast<int>(words);
    MPI_Allgather(&mine, 1, MPI_INT, gather_counts_.data(), 1, MPI_INT, MPI_COMM_WORLD);
    std::size_t total = 0;
    for (std::size_t r = 0; r < ranks; ++r) {
        if (total > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
            throw std::runtime_error("too much data for one MPI_Allgatherv");
        }
        gather_offsets_[r] = static_cast<int>(total);
        total += static_cast<std::size_t>(gather_counts_[r]);
    }
    return total;
}

void MpiCommunicator::all_gather_words(const void* local, std::size_t words, void* global) const {
    MPI_Allgatherv(local, static_cast<int>(words), MPI_UINT64_T, global, gather_counts_.data(),
                   gather_offsets_.data(), MPI_UINT64_T, MPI_COMM_WORLD);
}

void MpiCommunicator::abort_other_ranks() const { MPI_Abort(MPI_COMM_WORLD, 1); }

std::uint64_t MpiCommunicator::sum(std::uint64_t value) const {
    std::uint64_t result = 0;
    MPI_Allreduce(&value, &result, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    return result;
}

std::uint64_t MpiCommunicator::max(std::uint64_t value) const {
    std::uint64_t result = 0;
    MPI_Allreduce(&value, &result, 1, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
    return result;
}

std::uint64_t MpiCommunicator::min(std::uint64_t value) const {
    std::uint64_t result = 0;
    MPI_Allreduce(&value, &result, 1, MPI_UINT64_T, MPI_MIN, MPI_COMM_WORLD);
    return result;
}

double MpiCommunicator::max(double value) const {
    double result = 0.0;
    MPI_Allreduce(&value, &result, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    return result;
}

double MpiCommunicator::sum(double value) const {
    double result = 0.0;
    MPI_Allreduce(&value, &result, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    return result;
}

void MpiCommunicator::all_reduce_sum(std::vector<double>& values) const {
    if (values.empty()) {
        return;
    }
    MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_DOUBLE, MPI_SUM,
                  MPI_COMM_WORLD);
}

int MpiCommunicator::ranks_on_node() const {
    MPI_Comm node = MPI_COMM_NULL;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
    int ranks = 1;
    MPI_Comm_size(node, &ranks);
    MPI_Comm_free(&node);
    return ranks;
}

void MpiCommunicator::barrier() const { MPI_Barrier(MPI_COMM_WORLD); }

std::string MpiCommunicator::broadcast(const std::string& text) const {
    auto length = static_cast<std::uint64_t>(text.size());
    MPI_Bcast(&length, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    std::string result = rank_ == 0 ? text : std::string(length, '\0');
    MPI_Bcast(result.data(), static_cast<int>(length), MPI_CHAR, 0, MPI_COMM_WORLD);
    return result;
}

void MpiCommunicator::broadcast(std::vector<std::uint64_t>& words) const {
    auto length = static_cast<std::uint64_t>(words.size());
    MPI_Bcast(&length, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    words.resize(length);
    constexpr std::uint64_t piece = std::uint64_t{1} << 28U; // MPI counts are ints
    for (std::uint64_t first = 0; first < length; first += piece) {
        MPI_Bcast(words.data() + first, static_cast<int>(std::min(piece, length - first)),
                  MPI_UINT64_T, 0, MPI_COMM_WORLD);
    }
}

std::uint64_t MpiCommunicator::exclusive_prefix_sum(std::uint64_t value) const {
    std::uint64_t result = 0;
    MPI_Exscan(&value, &result, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    return rank_ == 0 ? 0 : result;
}

} // namespace microcircuit
