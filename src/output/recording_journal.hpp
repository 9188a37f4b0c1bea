// The recordings of a run as append-only files, written while it runs:
// spikes as (step_end, gid) records of two little-endian uint64 in (time, gid)
// order, voltages as rows of float64 samples (one column per recorded neuron).
// A file that only grows can be cut back to the length a checkpoint recorded,
// whatever a killed run left behind it, and read while it grows; the SONATA
// file is made from them once the run is complete (RunOutput::finish).
// Rank 0 writes; every rank counts, so every rank knows the positions.
#pragma once

#include "microcircuit/recording.hpp"
#include "parallel/communicator.hpp"

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace microcircuit {

// An append-only file of fixed-size records on rank 0.
class JournalFile {
public:
    // Collective. Creates `path` empty, or (resume) keeps its first `records`
    // records and cuts off the rest; refuses a file shorter than that.
    JournalFile(const std::string& path, const Communicator& communicator,
                std::uint64_t record_bytes, bool resume, std::uint64_t records);
    ~JournalFile();
    JournalFile(const JournalFile&) = delete;
    JournalFile& operator=(const JournalFile&) = delete;

    // Called on every rank with the same records; rank 0 writes them.
    void append(const void* data, std::uint64_t records);
    std::uint64_t records() const { return records_; }
    // Rank 0: on disk before this returns (a checkpoint refers to it).
    void sync();
    // Collective: the records [first, first + count) on every rank.
    std::vector<std::uint64_t> read(std::uint64_t first, std::uint64_t count) const;
    // Rank 0: closes and deletes the file.
    void remove();
    const std::string& path() const { return path_; }

private:
    std::string path_;
    const Communicator& communicator_;
    std::uint64_t record_bytes_;
    std::uint64_t records_ = 0;
    std::FILE* file_ = nullptr;
};

class SpikeJournal final : public SpikeSink {
public:
    SpikeJournal(const std::string& path, const Communicator& communicator, bool resume,
                 std::uint64_t records);
    void write_spikes(const std::vector<RecordedSpike>& spikes) override;
    JournalFile& file() { return file_; }
    // Collective: hands every recorded spike to `sink`, a bounded piece at a time.
    void replay(SpikeSink& sink) const;

private:
    JournalFile file_;
};

class VoltageJournal final : public VoltageSink {
public:
    VoltageJournal(const std::string& path, const Communicator& communicator, std::uint64_t columns,
                   bool resume, std::uint64_t samples);
    void write_voltages(std::uint64_t first_sample, std::uint64_t samples,
                        const std::vector<double>& rows) override;
    JournalFile& file() { return file_; }
    void replay(VoltageSink& sink) const;

private:
    std::uint64_t columns_;
    JournalFile file_;
};

} // namespace microcircuit
