// MPI's start and end in a process. MPI is initialised even for a run of one
// process: parallel HDF5 opens its files through it.
#pragma once

namespace microcircuit {

// MPI_Init_thread with MPI_THREAD_SERIALIZED (one thread of a rank calls MPI
// at a time: the master, or the thread that exchanges an interval's spikes
// while the others wait) unless MPI is initialised already; returns whether
// it initialised it.
bool initialize_mpi(int* argc, char*** argv);
void finalize_mpi();
// The processes MPI was started with.
int mpi_processes();

} // namespace microcircuit
