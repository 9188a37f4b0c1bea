// The processes and threads a simulation runs on. MPI is initialised here
// (serialized: one thread of a rank calls it at a time) unless the caller has
// done so already (mpi4py, say), and finalised at the end only if it was
// initialised here. One context per process; it picks how the ranks
// communicate (one process: without MPI calls).
#pragma once

#include <memory>

namespace microcircuit {

class Communicator;

class Context {
public:
    Context(int* argc, char*** argv);
    Context();
    ~Context();
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;

    int rank() const;
    int ranks() const;
    // Threads per rank for simulation.local_num_threads (0 is auto:
    // OMP_NUM_THREADS, else the node's cores shared among the node's ranks).
    int threads_for(int local_num_threads) const;

    // The engine's own view of the communication (internal: parallel/communicator.hpp).
    Communicator& communicator();

private:
    bool owns_mpi_ = false;
    std::unique_ptr<Communicator> communicator_;
};

} // namespace microcircuit
