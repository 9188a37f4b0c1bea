// The blocks of a recording journal: each append is one block, a header of
// four little-endian uint64 (the journal's kind, the index of its first
// record, its number of records, a digest) followed by its records. The
// digest covers the header and the records, so a flipped bit, a zeroed or
// shifted block, or a block of the other journal is found when read back.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace microcircuit {

// Eight ASCII letters, little-endian: a spike journal cannot pass for a
// voltage journal.
enum class JournalKind : std::uint64_t {
    spikes = 0x31534b4950534a4dULL,   // "MJSPIKS1"
    voltages = 0x31534c4f56534a4dULL, // "MJSVOLS1"
};

struct JournalBlockHeader {
    std::uint64_t kind = 0;
    std::uint64_t first = 0; // index of the block's first record in the journal
    std::uint64_t records = 0;
    std::uint64_t digest = 0;
};
static_assert(sizeof(JournalBlockHeader) == 4 * sizeof(std::uint64_t), "a header is four words");

// The digest of a block: an order-free sum over its words, each mixed with
// its position, so that it is computed the same way in numpy (tools/soak.py).
std::uint64_t journal_block_digest(JournalKind kind, std::uint64_t first, std::uint64_t records,
                                   const std::uint64_t* words, std::uint64_t word_count);

// What the records of a block must satisfy besides their digest: empty, or
// what is wrong (naming the record). `previous` is the last record of the
// block before (nullptr for the journal's first).
using JournalRecordCheck =
    std::function<std::string(const std::uint64_t* previous, const std::uint64_t* words,
                              std::uint64_t first, std::uint64_t records)>;

// Reads `bytes` at `offset` into `into`; false if the source ends before.
using JournalByteSource =
    std::function<bool(void* into, std::uint64_t bytes, std::uint64_t offset)>;

// Reads journal blocks one after the other from a byte source, verifying
// each: its kind, that it starts where the one before ended, its size, its
// digest and its records.
class JournalBlockReader {
public:
    JournalBlockReader(JournalKind kind, std::uint64_t record_words, JournalRecordCheck check);

    // Reads the block at `offset`, which must start with record `first`:
    // its records' words into `words`, and returns empty, or what is wrong.
    // `size` is the number of bytes the source holds.
    std::string read(const JournalByteSource& source, std::uint64_t size, std::uint64_t offset,
                     std::uint64_t first, std::vector<std::uint64_t>& words);
    // Bytes the block read last took, header included.
    std::uint64_t block_bytes() const { return block_bytes_; }

private:
    JournalKind kind_;
    std::uint64_t record_words_;
    JournalRecordCheck check_;
    std::vector<std::uint64_t> previous_;
    std::uint64_t block_bytes_ = 0;
};

} // namespace microcircuit
