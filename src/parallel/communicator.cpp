#include "parallel/communicator.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <new>
#include <stdexcept>
#include <utility>

namespace microcircuit {

namespace {
struct ExitGuard {
    const Communicator* communicator = nullptr;
    std::function<std::string()> message;
};
ExitGuard& exit_guard() {
    static ExitGuard guard;
    return guard;
}
// Set by the first abort. A library may exit inside MPI_Abort (Open MPI's
// message formatter does when memory is short): the exit handler then ends
// the process at once instead of aborting again.
std::atomic<bool> aborting{false};

void abort_if_armed() {
    if (aborting.load()) {
        std::_Exit(1);
    }
    const ExitGuard& guard = exit_guard();
    if (guard.communicator == nullptr) {
        return;
    }
    try {
        guard.communicator->abort(guard.message());
    } catch (...) {
        std::_Exit(1); // no memory left even for the message
    }
}
} // namespace

void arm_exit_guard(const Communicator& communicator, std::function<std::string()> message) {
    exit_guard() = {&communicator, std::move(message)};
    // Again at every arming: after whatever exit handler the libraries registered meanwhile.
    std::atexit(abort_if_armed);
}

void disarm_exit_guard() { exit_guard() = {}; }

bool initialize_mpi(int* argc, char*** argv) {
    int initialized = 0;
    MPI_Initialized(&initialized);
    int provided = MPI_THREAD_SINGLE;
    if (initialized == 0) {
        MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
    } else {
        MPI_Query_thread(&provided);
    }
    if (provided < MPI_THREAD_FUNNELED) {
        throw std::runtime_error("the MPI library does not support MPI_THREAD_FUNNELED");
    }
    return initialized == 0;
}

void finalize_mpi() { MPI_Finalize(); }

Communicator::Communicator() {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

unsigned Communicator::exchange_spikes(const std::vector<std::uint64_t>& local,
                                       std::vector<std::uint64_t>& global, unsigned requests) {
    if (size_ == 1) {
        global = local;
        return requests;
    }
    // The requests ride in the top bits of the count word.
    constexpr unsigned request_shift = 64 - request_bits;
    constexpr std::uint64_t count_mask = (std::uint64_t{1} << request_shift) - 1;
    const auto ranks = static_cast<std::size_t>(size_);
    for (;;) {
        // Per destination: [count, spikes...]; every destination gets the same spikes.
        const std::size_t stride = chunk_ + 1;
        send_.resize(ranks * stride);
        receive_.resize(ranks * stride);
        const std::size_t sent = std::min(local.size(), chunk_);
        for (std::size_t r = 0; r < ranks; ++r) {
            send_[r * stride] = local.size() | static_cast<std::uint64_t>(requests)
                                                   << request_shift;
            std::copy_n(local.begin(), sent,
                        send_.begin() + static_cast<std::ptrdiff_t>(r * stride + 1));
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
        global.clear();
        for (std::size_t r = 0; r < ranks; ++r) {
            const auto* begin = receive_.data() + r * stride + 1;
            global.insert(global.end(), begin,
                          begin + static_cast<std::ptrdiff_t>(receive_[r * stride] & count_mask));
        }
        return requested;
    }
}

std::size_t Communicator::gathered_words(std::size_t words) const {
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

void Communicator::all_gather_words(const void* local, std::size_t words, void* global) const {
    MPI_Allgatherv(local, static_cast<int>(words), MPI_UINT64_T, global, gather_counts_.data(),
                   gather_offsets_.data(), MPI_UINT64_T, MPI_COMM_WORLD);
}

void Communicator::abort(const std::string& message) const {
    if (aborting.exchange(true)) {
        std::_Exit(1);
    }
    std::cerr << "microcircuit_mpi: error on rank " << rank_ << ": " << message << "\n";
    std::cout.flush();
    if (size_ > 1) {
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    // Not through MPI_Finalize: after a failed write HDF5 closes its files
    // again while MPI shuts down, and can crash there.
    std::_Exit(1);
}

void Communicator::abort(const std::exception_ptr& failure, const std::string& context) const {
    std::string cause = "unknown error";
    try {
        if (failure) {
            std::rethrow_exception(failure);
        }
    } catch (const std::bad_alloc& error) {
        // what() says only "std::bad_alloc".
        cause = std::string("out of memory: a memory allocation failed (") + error.what() + ")";
    } catch (const std::exception& error) {
        cause = error.what();
    } catch (...) {
        // Not a std::exception: "unknown error".
    }
    abort(context.empty() ? cause : cause + " (" + context + ")");
}

std::uint64_t Communicator::sum(std::uint64_t value) const {
    std::uint64_t result = 0;
    MPI_Allreduce(&value, &result, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    return result;
}

std::uint64_t Communicator::max(std::uint64_t value) const {
    std::uint64_t result = 0;
    MPI_Allreduce(&value, &result, 1, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
    return result;
}

std::uint64_t Communicator::min(std::uint64_t value) const {
    std::uint64_t result = 0;
    MPI_Allreduce(&value, &result, 1, MPI_UINT64_T, MPI_MIN, MPI_COMM_WORLD);
    return result;
}

double Communicator::max(double value) const {
    double result = 0.0;
    MPI_Allreduce(&value, &result, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    return result;
}

double Communicator::sum(double value) const {
    double result = 0.0;
    MPI_Allreduce(&value, &result, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    return result;
}

void Communicator::all_reduce_sum(std::vector<double>& values) const {
    if (size_ == 1 || values.empty()) {
        return;
    }
    MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_DOUBLE, MPI_SUM,
                  MPI_COMM_WORLD);
}

int Communicator::ranks_on_node() const {
    MPI_Comm node = MPI_COMM_NULL;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
    int ranks = 1;
    MPI_Comm_size(node, &ranks);
    MPI_Comm_free(&node);
    return ranks;
}

void Communicator::barrier() const { MPI_Barrier(MPI_COMM_WORLD); }

std::string Communicator::broadcast(const std::string& text) const {
    if (size_ == 1) {
        return text;
    }
    auto length = static_cast<std::uint64_t>(text.size());
    MPI_Bcast(&length, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    std::string result = rank_ == 0 ? text : std::string(length, '\0');
    MPI_Bcast(result.data(), static_cast<int>(length), MPI_CHAR, 0, MPI_COMM_WORLD);
    return result;
}

void Communicator::broadcast(std::vector<std::uint64_t>& words) const {
    if (size_ == 1) {
        return;
    }
    auto length = static_cast<std::uint64_t>(words.size());
    MPI_Bcast(&length, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    words.resize(length);
    constexpr std::uint64_t piece = std::uint64_t{1} << 28U; // MPI counts are ints
    for (std::uint64_t first = 0; first < length; first += piece) {
        MPI_Bcast(words.data() + first, static_cast<int>(std::min(piece, length - first)),
                  MPI_UINT64_T, 0, MPI_COMM_WORLD);
    }
}

std::uint64_t Communicator::exclusive_prefix_sum(std::uint64_t value) const {
    std::uint64_t result = 0;
    MPI_Exscan(&value, &result, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    return rank_ == 0 ? 0 : result;
}

} // namespace microcircuit
