// The communication of a run in one process, which makes no MPI call: the
// spike exchange hands the threads' own lists on (every thread reads the
// others' spikes directly, without a copy), gathers and reductions return
// what they are given.
#pragma once

#include "parallel/communicator.hpp"

namespace microcircuit {

class LocalCommunicator final : public Communicator {
public:
    int rank() const override { return 0; }
    int size() const override { return 1; }
    int ranks_on_node() const override { return 1; }

    unsigned exchange_spikes(const SpikeLists& local, SpikeLists& received,
                             unsigned requests) override;
    std::vector<RecordedSpike> gather_spikes(std::vector<RecordedSpike> local) const override {
        return local;
    }

    std::uint64_t sum(std::uint64_t value) const override { return value; }
    std::uint64_t max(std::uint64_t value) const override { return value; }
    std::uint64_t min(std::uint64_t value) const override { return value; }
    double max(double value) const override { return value; }
    double sum(double value) const override { return value; }
    void all_reduce_sum(std::vector<double>& /*values*/) const override {}
    std::uint64_t exclusive_prefix_sum(std::uint64_t /*value*/) const override { return 0; }
    void barrier() const override {}
    std::string broadcast(const std::string& text) const override { return text; }
    void broadcast(std::vector<std::uint64_t>& /*words*/) const override {}

    // The files are opened by this process alone.
    MPI_Comm file_communicator() const override { return MPI_COMM_SELF; }

protected:
    std::size_t gathered_words(std::size_t words) const override { return words; }
    void all_gather_words(const void* local, std::size_t words, void* global) const override;
    void abort_other_ranks() const override {}
};

} // namespace microcircuit
