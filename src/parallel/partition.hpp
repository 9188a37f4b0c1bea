// Round-robin distribution of neurons over virtual processes (as in NEST):
// neuron g belongs to virtual process vp = g mod (ranks x threads); virtual
// process vp runs on rank vp mod ranks as thread vp / ranks, and g is the
// (g / VP)-th neuron of its virtual process. Populations are contiguous in g,
// so each virtual process holds a contiguous range of local indices per population.
#pragma once

#include <cstdint>

namespace microcircuit {

class Partition {
public:
    Partition(std::uint64_t num_neurons, int ranks, int threads, int rank)
        : num_neurons_(num_neurons), ranks_(ranks), threads_(threads), rank_(rank) {}

    int ranks() const { return ranks_; }
    int threads() const { return threads_; }
    int rank() const { return rank_; }
    std::uint64_t num_neurons() const { return num_neurons_; }
    std::uint64_t virtual_processes() const {
        return static_cast<std::uint64_t>(ranks_) * static_cast<std::uint64_t>(threads_);
    }

    std::uint64_t vp_of(std::uint64_t gid) const { return gid % virtual_processes(); }
    int rank_of(std::uint64_t gid) const { return static_cast<int>(vp_of(gid) % ranks_); }
    int thread_of(std::uint64_t gid) const { return static_cast<int>(vp_of(gid) / ranks_); }
    std::uint64_t local_index(std::uint64_t gid) const { return gid / virtual_processes(); }

    // The virtual process that thread `thread` of this rank runs.
    std::uint64_t vp_of_thread(int thread) const {
        return static_cast<std::uint64_t>(thread) * ranks_ + rank_;
    }
    std::uint64_t gid_of(std::uint64_t vp, std::uint64_t local) const {
        return local * virtual_processes() + vp;
    }
    // Number of neurons of virtual process vp with gid below `gid_end`.
    std::uint64_t count_below(std::uint64_t vp, std::uint64_t gid_end) const {
        return gid_end > vp ? (gid_end - vp + virtual_processes() - 1) / virtual_processes() : 0;
    }
    std::uint64_t num_local(std::uint64_t vp) const { return count_below(vp, num_neurons_); }

private:
    std::uint64_t num_neurons_;
    int ranks_;
    int threads_;
    int rank_;
};

} // namespace microcircuit
