// The communication of a run over MPI (MPI_COMM_WORLD), with the spike
// exchange through MPI_Alltoall.
#pragma once

#include "parallel/communicator.hpp"

namespace microcircuit {

class MpiCommunicator final : public Communicator {
public:
    MpiCommunicator();

    int rank() const override { return rank_; }
    int size() const override { return size_; }
    int ranks_on_node() const override;

    // Every rank contributes its spikes and receives the spikes of all ranks
    // through MPI_Alltoall with a fixed chunk per rank pair. A count above the
    // chunk is seen by every rank; all then retry with a larger chunk, and
    // every `chunk_window` exchanges they size it down again to the largest
    // count of that window (and a half), but not below `min_chunk`. The
    // requests ride in the top bits of the count word.
    unsigned exchange_spikes(const SpikeLists& local, SpikeLists& received,
                             unsigned requests) override;
    std::size_t spike_chunk() const { return chunk_; }
    std::vector<RecordedSpike> gather_spikes(std::vector<RecordedSpike> local) const override {
        return all_gather(local);
    }

    std::uint64_t sum(std::uint64_t value) const override;
    std::uint64_t max(std::uint64_t value) const override;
    std::uint64_t min(std::uint64_t value) const override;
    double max(double value) const override;
    double sum(double value) const override;
    void all_reduce_sum(std::vector<double>& values) const override;
    std::uint64_t exclusive_prefix_sum(std::uint64_t value) const override;
    void barrier() const override;
    std::string broadcast(const std::string& text) const override;
    void broadcast(std::vector<std::uint64_t>& words) const override;

    MPI_Comm file_communicator() const override { return MPI_COMM_WORLD; }

protected:
    std::size_t gathered_words(std::size_t words) const override;
    void all_gather_words(const void* local, std::size_t words, void* global) const override;
    void abort_other_ranks() const override;

private:
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
    std::vector<std::uint64_t> received_; // every rank's spikes of the last exchange
    mutable std::vector<int> gather_counts_;
    mutable std::vector<int> gather_offsets_;
};

} // namespace microcircuit
