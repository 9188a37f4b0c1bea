#include "parallel/mpi_environment.hpp"

#include <mpi.h>

#include <stdexcept>

namespace microcircuit {

bool initialize_mpi(int* argc, char*** argv) {
    int initialized = 0;
    MPI_Initialized(&initialized);
    int provided = MPI_THREAD_SINGLE;
    if (initialized == 0) {
        MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided);
    } else {
        MPI_Query_thread(&provided);
    }
    if (provided < MPI_THREAD_SERIALIZED) {
        throw std::runtime_error("the MPI library does not support MPI_THREAD_SERIALIZED");
    }
    return initialized == 0;
}

void finalize_mpi() { MPI_Finalize(); }

int mpi_processes() {
    int size = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    return size;
}

} // namespace microcircuit
