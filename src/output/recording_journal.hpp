// The recordings of a run as append-only files, written while it runs:
// spikes as (step_end, gid) records of two little-endian uint64 in (time, gid)
// order, voltages as rows of float64 samples (one column per recorded neuron),
// in checksummed blocks (output/journal_block.hpp). A file that only grows can
// be cut back to the position a checkpoint recorded, whatever a killed run
// left behind it, and read while it grows; the SONATA file is made from them
// after every advance of the run (RunOutput::publish). Every record is verified
// whenever it is read back. Rank 0 writes; every rank counts, so every rank
// knows the positions.
#pragma once

#include "microcircuit/derived_parameters.hpp"
#include "microcircuit/recording.hpp"
#include "output/journal_block.hpp"
#include "parallel/communicator.hpp"

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace microcircuit {

// An append-only file of blocks of fixed-size records on rank 0.
class JournalFile {
public:
    // Hands on the records [first, first + records) of a block, verified.
    using BlockVisitor = std::function<void(std::uint64_t first, std::uint64_t records,
                                            const std::vector<std::uint64_t>& words)>;

    // Collective. Creates `path` empty, or (resume) keeps its first `records`
    // records, verified, and cuts off the rest (saying so); refuses a file
    // that holds fewer, or damaged ones, naming the record and the damage.
    JournalFile(const std::string& path, const Communicator& communicator, JournalKind kind,
                std::uint64_t record_words, JournalRecordCheck check, bool resume,
                std::uint64_t records);
    ~JournalFile();
    JournalFile(const JournalFile&) = delete;
    JournalFile& operator=(const JournalFile&) = delete;

    // Called on every rank with the same records; rank 0 writes them as a block.
    void append(const void* data, std::uint64_t records);
    std::uint64_t records() const { return records_; }
    // Rank 0: on disk before this returns (a checkpoint refers to it).
    void sync();
    // Collective: every block, in order, on every rank; throws at a damaged one.
    void replay(const BlockVisitor& visit) const;
    // Rank 0: closes and deletes the file.
    void remove();
    const std::string& path() const { return path_; }

private:
    // Rank 0: verifies the first `records` records and cuts the file after
    // them; empty, or why it cannot.
    std::string keep_verified(std::uint64_t records);
    JournalByteSource source() const;

    std::string path_;
    const Communicator& communicator_;
    JournalKind kind_;
    std::uint64_t record_words_;
    JournalRecordCheck check_;
    std::uint64_t records_ = 0;
    std::uint64_t bytes_ = 0; // rank 0: the file's length
    std::FILE* file_ = nullptr;
};

// What a spike record must satisfy: a neuron id below `neurons`, a step not
// after `*last_step` (read at every check: the run grows), after the record
// before it in (time, gid) order.
JournalRecordCheck spike_record_check(std::uint64_t neurons, const std::uint64_t* last_step);

// Spike records must name a recorded neuron, lie within the run and follow
// each other in (time, gid) order.
class SpikeJournal final : public SpikeSink {
public:
    // `last_step`: the step the run has reached (a resumed one: its checkpoint's).
    SpikeJournal(const std::string& path, const Communicator& communicator,
                 const DerivedParameters& derived, bool resume, std::uint64_t records,
                 std::uint64_t last_step);
    void write_spikes(const std::vector<RecordedSpike>& spikes) override;
    JournalFile& file() { return file_; }
    // The run has reached `step`: no record may be later.
    void reach(std::uint64_t step) { last_step_ = step; }
    // Collective: hands every recorded spike to `sink`, a bounded piece at a time.
    void replay(SpikeSink& sink) const;

private:
    std::uint64_t last_step_; // before file_, whose construction checks the records
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
