// The memory one rank of a run will need at its peak, from the sizes of the
// engine's own data structures for the given ranks x threads: what
// `--dry-run` prints and what the memory check compares with the memory the
// node has free (docs/cluster.md, "Memory check").
#pragma once

#include "microcircuit/derived_parameters.hpp"

#include <vector>

namespace microcircuit {

// Bytes of the largest rank.
struct MemoryEstimate {
    double process = 0.0;      // code, libraries, MPI, HDF5 of one process (measured)
    double neurons = 0.0;      // neuron state, input sums, Poisson counts
    double synapses = 0.0;     // synapse stores: synapses, row and run offsets, delay runs
    double construction = 0.0; // only while connecting: in-degree tables, row writers, run growth
    double recording = 0.0;    // only while simulating: spike buffers and a flush, voltage window
    // The larger of the two phases: process + neurons + synapses + construction
    // or + recording.
    double peak() const;
};

MemoryEstimate estimate_memory_per_rank(const Parameters& parameters,
                                        const DerivedParameters& derived, int ranks, int threads);

// Resident memory of a process before it builds anything (code, libraries,
// MPI, HDF5), measured with a network of a few neurons
// (docs/results/2026-12-04-memory-estimate.md); each further thread adds its
// stack and malloc arena.
constexpr double process_baseline_bytes = 26.0 * 1024 * 1024;
constexpr double thread_baseline_bytes = 1.0 * 1024 * 1024;

// The probability of each delay in steps (index) as a projection draws its
// delays: normal with `mean_ms` and `sd_ms`, redrawn below h/2, rounded to the grid.
std::vector<double> delay_step_probabilities(double mean_ms, double sd_ms, const TimeGrid& grid);

} // namespace microcircuit
