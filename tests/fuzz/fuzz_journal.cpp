// libFuzzer: the journal reader, from bytes. The first byte chooses the
// journal (even: spikes; odd: voltages of 1 + byte / 2 columns); the rest is the file, read
// block by block until the end or the first problem, which must be found
// without reading outside the input.
#include "output/journal_block.hpp"
#include "output/recording_journal.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    using namespace microcircuit;
    const bool spikes = data[0] % 2 == 0;
    const std::uint64_t record_words = spikes ? 2 : 1 + data[0] / 2;
    const std::vector<std::uint8_t> file(data + 1, data + size);
    const JournalByteSource source = [&file](void* into, std::uint64_t bytes,
                                             std::uint64_t offset) {
        if (offset > file.size() || bytes > file.size() - offset) {
            return false;
        }
        std::memcpy(into, file.data() + offset, bytes);
        return true;
    };
    static const std::uint64_t last_step = 100000;
    JournalBlockReader reader(
        spikes ? JournalKind::spikes : JournalKind::voltages, record_words,
        spikes ? spike_record_check(1000, &last_step)
               : JournalRecordCheck([](const std::uint64_t*, const std::uint64_t*, std::uint64_t,
                                       std::uint64_t) { return std::string{}; }));
    std::vector<std::uint64_t> words;
    std::uint64_t offset = 0;
    for (std::uint64_t first = 0; offset < file.size();) {
        if (!reader.read(source, file.size(), offset, first, words).empty()) {
            break;
        }
        offset += reader.block_bytes();
        first += words.size() / record_words;
    }
    return 0;
}
