// All MPI calls of the simulator behind one small interface. With one rank the
// spike exchange is a copy and MPI is never on the hot path, so every test runs
// with and without mpirun.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <string>
#include <vector>

namespace microcircuit {

// MPI_Init_thread / MPI_Finalize for the lifetime of the program. Only the
// master thread calls MPI (MPI_THREAD_FUNNELED).
class MpiEnvironment {
public:
    MpiEnvironment(int* argc, char*** argv);
    ~MpiEnvironment();
    MpiEnvironment(const MpiEnvironment&) = delete;
    MpiEnvironment& operator=(const MpiEnvironment&) = delete;
};

class Communicator {
public:
    Communicator();

    int rank() const { return rank_; }
    int size() const { return size_; }
    MPI_Comm comm() const { return MPI_COMM_WORLD; }

    // Every rank contributes its spikes and receives the spikes of all ranks,
    // in rank order, through MPI_Alltoall with a fixed chunk per rank pair. A
    // count above the chunk is seen by every rank; all then retry with a larger chunk.
    void exchange_spikes(const std::vector<std::uint64_t>& local,
                         std::vector<std::uint64_t>& global);

    std::uint64_t sum(std::uint64_t value) const;
    std::uint64_t max(std::uint64_t value) const;
    std::uint64_t min(std::uint64_t value) const;
    double max(double value) const;
    double sum(double value) const;
    void reduce_sum_to_root(std::vector<double>& values) const;
    void barrier() const;
    // A failure during the run (one that only this rank may have seen):
    // prints it and ends every rank with status 1 at once, before anything
    // else (a collective close of the output files, say) waits for ranks
    // that will not come.
    [[noreturn]] void abort(const std::string& message) const;
    // Rank 0's string on every rank.
    std::string broadcast(const std::string& text) const;

private:
    int rank_ = 0;
    int size_ = 1;
    std::size_t chunk_ = 64; // spikes per rank pair and exchange
    std::vector<std::uint64_t> send_;
    std::vector<std::uint64_t> receive_;
};

} // namespace microcircuit
