#include "output/journal_block.hpp"

#include "random/digest.hpp"

#include <utility>

namespace microcircuit {

std::uint64_t journal_block_digest(JournalKind kind, std::uint64_t first, std::uint64_t records,
                                   const std::uint64_t* words, std::uint64_t word_count) {
    std::uint64_t digest =
        mix64(0, static_cast<std::uint64_t>(kind)) + mix64(1, first) + mix64(2, records);
    for (std::uint64_t i = 0; i < word_count; ++i) {
        digest += mix64(i + 3, words[i]);
    }
    return digest;
}

JournalBlockReader::JournalBlockReader(JournalKind kind, std::uint64_t record_words,
                                       JournalRecordCheck check)
    : kind_(kind), record_words_(record_words), check_(std::move(check)) {}

std::string JournalBlockReader::read(const JournalByteSource& source, std::uint64_t size,
                                     std::uint64_t offset, std::uint64_t first,
                                     std::vector<std::uint64_t>& words) {
    constexpr std::uint64_t header_bytes = sizeof(JournalBlockHeader);
    if (first == 0) {
        previous_.clear();
    }
    JournalBlockHeader header;
    if (size < offset || size - offset < header_bytes || !source(&header, header_bytes, offset)) {
        return "the file ends inside the header of the block at byte " + std::to_string(offset);
    }
    if (header.kind != static_cast<std::uint64_t>(kind_)) {
        return "the block at byte " + std::to_string(offset) + " is not a block of this journal";
    }
    if (header.first != first) {
        return "the block at byte " + std::to_string(offset) + " claims to start at record " +
               std::to_string(header.first);
    }
    const std::uint64_t room = (size - offset - header_bytes) / sizeof(std::uint64_t);
    if (header.records == 0 || header.records > room / record_words_) {
        return "the block at byte " + std::to_string(offset) + " claims " +
               std::to_string(header.records) + " records, the file holds at most " +
               std::to_string(room / record_words_) + " after it";
    }
    const std::uint64_t word_count = header.records * record_words_;
    words.resize(word_count);
    if (!source(words.data(), word_count * sizeof(std::uint64_t), offset + header_bytes)) {
        return "cannot read the block at byte " + std::to_string(offset);
    }
    // The records first: an implausible one is named, not just its block.
    std::string problem =
        check_(previous_.empty() ? nullptr : previous_.data(), words.data(), first, header.records);
    if (!problem.empty()) {
        return problem;
    }
    if (journal_block_digest(kind_, header.first, header.records, words.data(), word_count) !=
        header.digest) {
        return "records " + std::to_string(first) + " to " +
               std::to_string(first + header.records - 1) +
               " do not match the digest they were written with";
    }
    previous_.assign(words.end() - static_cast<std::ptrdiff_t>(record_words_), words.end());
    block_bytes_ = header_bytes + word_count * sizeof(std::uint64_t);
    return {};
}

} // namespace microcircuit
