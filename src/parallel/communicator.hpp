// What the engine needs from the communication between its ranks, after
// Arbor's distributed_context: the spike exchange of every min-delay interval
// (with the ranks' collective requests), the gather of the recorded spikes,
// reductions, broadcasts, barriers and ending every rank on a failure. The
// simulation and the recorders see only this interface; the Context picks the
// implementation (local_communicator.hpp for one process, mpi_communicator.hpp
// otherwise).
#pragma once

#include "microcircuit/recording.hpp"

#include <mpi.h>

#include <cstdint>
#include <exception>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

namespace microcircuit {

// The spikes of one interval as a rank's threads deliver them: lists of
// gid << 32 | lag words.
using SpikeLists = std::vector<const std::vector<std::uint64_t>*>;

class Communicator {
public:
    Communicator() = default;
    virtual ~Communicator() = default;
    Communicator(const Communicator&) = delete;
    Communicator& operator=(const Communicator&) = delete;
    Communicator(Communicator&&) = delete;
    Communicator& operator=(Communicator&&) = delete;

    virtual int rank() const = 0;
    virtual int size() const = 0;
    // Ranks of this one's node (sharing its memory).
    virtual int ranks_on_node() const = 0;

    // The spike exchange of one interval, called by one thread of every rank
    // while the rank's other threads wait: `local` holds this rank's spikes
    // (a list per thread), `received` is set to every rank's spikes in rank
    // order, valid until the next exchange (its lists may be those of
    // `local`). The exchange also carries each rank's requests, up to
    // `request_bits` flags (for collective actions such as writing the
    // recorded spikes or stopping): returns the flags any rank set.
    static constexpr unsigned request_bits = 8;
    virtual unsigned exchange_spikes(const SpikeLists& local, SpikeLists& received,
                                     unsigned requests) = 0;
    // Every rank's recorded spikes, concatenated in rank order, on every rank.
    virtual std::vector<RecordedSpike> gather_spikes(std::vector<RecordedSpike> local) const = 0;

    // Every rank's elements, concatenated in rank order, on every rank.
    template <class T> std::vector<T> all_gather(const std::vector<T>& local) const {
        static_assert(std::is_trivially_copyable_v<T> && sizeof(T) % sizeof(std::uint64_t) == 0,
                      "gathered as 64-bit words");
        constexpr std::size_t words = sizeof(T) / sizeof(std::uint64_t);
        std::vector<T> global(gathered_words(local.size() * words) / words);
        all_gather_words(local.data(), local.size() * words, global.data());
        return global;
    }

    virtual std::uint64_t sum(std::uint64_t value) const = 0;
    virtual std::uint64_t max(std::uint64_t value) const = 0;
    virtual std::uint64_t min(std::uint64_t value) const = 0;
    virtual double max(double value) const = 0;
    virtual double sum(double value) const = 0;
    virtual void all_reduce_sum(std::vector<double>& values) const = 0;
    // The sum of `value` over the ranks below this one.
    virtual std::uint64_t exclusive_prefix_sum(std::uint64_t value) const = 0;
    virtual void barrier() const = 0;
    // Rank 0's string on every rank.
    virtual std::string broadcast(const std::string& text) const = 0;
    // Rank 0's words on every rank (resized there).
    virtual void broadcast(std::vector<std::uint64_t>& words) const = 0;

    // The MPI communicator over which the ranks open their files together
    // (parallel HDF5); known only to the output layer.
    virtual MPI_Comm file_communicator() const = 0;

    // A failure during the run (one that only this rank may have seen):
    // prints it and ends every rank with status 1 at once, before anything
    // else (a collective close of the output files, say) waits for ranks
    // that will not come.
    [[noreturn]] void abort(const std::string& message) const;
    // The same for an exception: its cause (a failed allocation named as
    // such), then `context` (where it happened), in parentheses.
    [[noreturn]] void abort(const std::exception_ptr& failure, const std::string& context) const;

protected:
    // The sum of every rank's `words`; remembers each rank's count for all_gather_words.
    virtual std::size_t gathered_words(std::size_t words) const = 0;
    virtual void all_gather_words(const void* local, std::size_t words, void* global) const = 0;
    // Ends the other ranks' processes (this one ends itself after).
    virtual void abort_other_ranks() const = 0;
};

// While armed, an exit() of the process (a library that gives up: libgomp
// exits when it cannot start a thread) ends every rank through
// Communicator::abort with `message()`, instead of running the remaining exit
// handlers: HDF5's closes the open files collectively and would wait forever
// for the ranks still running. Exit handlers run in the reverse order of
// their registration, so arm it after the output files are opened.
void arm_exit_guard(const Communicator& communicator, std::function<std::string()> message);
void disarm_exit_guard();

} // namespace microcircuit
