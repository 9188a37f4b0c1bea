// All MPI calls of the simulator behind one small interface. With one rank the
// spike exchange is a copy and MPI is never on the hot path, so every test runs
// with and without mpirun.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <exception>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

namespace microcircuit {

// MPI_Init_thread with MPI_THREAD_FUNNELED (only the master thread calls
// MPI) unless MPI is initialised already; returns whether it initialised it.
bool initialize_mpi(int* argc, char*** argv);
void finalize_mpi();

class Communicator;

// While armed, an exit() of the process (a library that gives up: libgomp
// exits when it cannot start a thread) ends every rank through
// Communicator::abort with `message()`, instead of running the remaining exit
// handlers: HDF5's closes the open files collectively and would wait forever
// for the ranks still running. Exit handlers run in the reverse order of
// their registration, so arm it after the output files are opened.
void arm_exit_guard(const Communicator& communicator, std::function<std::string()> message);
void disarm_exit_guard();

class Communicator {
public:
    Communicator();

    int rank() const { return rank_; }
    std::size_t spike_chunk() const { return chunk_; }
    int size() const { return size_; }
    MPI_Comm comm() const { return MPI_COMM_WORLD; }

    // Every rank contributes its spikes and receives the spikes of all ranks,
    // in rank order, through MPI_Alltoall with a fixed chunk per rank pair. A
    // count above the chunk is seen by every rank; all then retry with a larger
    // chunk, and every `chunk_window` exchanges they size it down again to the
    // largest count of that window (and a half), but not below `min_chunk`.
    // The exchange also carries each rank's requests, up to `request_bits`
    // flags (for collective actions such as writing the recorded spikes or
    // stopping): returns the flags any rank set.
    static constexpr unsigned request_bits = 8;
    unsigned exchange_spikes(const std::vector<std::uint64_t>& local,
                             std::vector<std::uint64_t>& global, unsigned requests = 0);

    // Every rank's elements, concatenated in rank order, on every rank.
    template <class T> std::vector<T> all_gather(const std::vector<T>& local) const {
        static_assert(std::is_trivially_copyable_v<T> && sizeof(T) % sizeof(std::uint64_t) == 0,
                      "gathered as 64-bit words");
        constexpr std::size_t words = sizeof(T) / sizeof(std::uint64_t);
        std::vector<T> global(gathered_words(local.size() * words) / words);
        all_gather_words(local.data(), local.size() * words, global.data());
        return global;
    }

    std::uint64_t sum(std::uint64_t value) const;
    std::uint64_t max(std::uint64_t value) const;
    std::uint64_t min(std::uint64_t value) const;
    double max(double value) const;
    double sum(double value) const;
    void all_reduce_sum(std::vector<double>& values) const;
    // Ranks of this one's node (sharing its memory).
    int ranks_on_node() const;
    void barrier() const;
    // A failure during the run (one that only this rank may have seen):
    // prints it and ends every rank with status 1 at once, before anything
    // else (a collective close of the output files, say) waits for ranks
    // that will not come.
    [[noreturn]] void abort(const std::string& message) const;
    // The same for an exception: its cause (a failed allocation named as
    // such), then `context` (where it happened), in parentheses.
    [[noreturn]] void abort(const std::exception_ptr& failure, const std::string& context) const;
    // Rank 0's string on every rank.
    std::string broadcast(const std::string& text) const;
    // Rank 0's words on every rank (resized there).
    void broadcast(std::vector<std::uint64_t>& words) const;
    // The sum of `value` over the ranks below this one.
    std::uint64_t exclusive_prefix_sum(std::uint64_t value) const;

private:
    // The sum of every rank's `words`; remembers each rank's count for all_gather_words.
    std::size_t gathered_words(std::size_t words) const;
    void all_gather_words(const void* local, std::size_t words, void* global) const;

    int rank_ = 0;
    int size_ = 1;
    // Small chunks make small messages: with Open MPI's shared-memory transport
    // an exchange is much cheaper up to 256 bytes per rank pair than above.
    static constexpr std::size_t min_chunk = 31; // a count and 31 spikes: 256 bytes
    static constexpr std::size_t chunk_window = 1024;
    std::size_t chunk_ = min_chunk; // spikes per rank pair and exchange
    std::size_t window_largest_ = 0;
    std::size_t window_exchanges_ = 0;
    std::vector<std::uint64_t> send_;
    std::vector<std::uint64_t> receive_;
    mutable std::vector<int> gather_counts_;
    mutable std::vector<int> gather_offsets_;
};

} // namespace microcircuit
