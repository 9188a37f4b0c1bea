#include "microcircuit/context.hpp"

#include "parallel/local_communicator.hpp"
#include "parallel/mpi_communicator.hpp"
#include "parallel/mpi_environment.hpp"

#include <algorithm>
#include <cstdlib>
#include <thread>

namespace microcircuit {

namespace {
// After MPI's start: the files of a run in one process are opened through it too.
std::unique_ptr<Communicator> communicator_for_processes() {
    if (mpi_processes() == 1) {
        return std::make_unique<LocalCommunicator>();
    }
    return std::make_unique<MpiCommunicator>();
}
} // namespace

Context::Context(int* argc, char*** argv)
    : owns_mpi_(initialize_mpi(argc, argv)), communicator_(communicator_for_processes()) {}

Context::Context() : Context(nullptr, nullptr) {}

Context::~Context() {
    communicator_.reset();
    if (owns_mpi_) {
        finalize_mpi();
    }
}

int Context::rank() const { return communicator_->rank(); }
int Context::ranks() const { return communicator_->size(); }
Communicator& Context::communicator() { return *communicator_; }

int Context::threads_for(int local_num_threads) const {
    if (local_num_threads > 0) {
        return local_num_threads;
    }
    if (const char* env = std::getenv("OMP_NUM_THREADS")) {
        const int value = std::atoi(env);
        if (value > 0) {
            return value;
        }
    }
    // Ranks may be bound to single cores; the node's cores are what they share.
    const int node_cores = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
    return std::max(1, node_cores / communicator_->ranks_on_node());
}

} // namespace microcircuit
