#include "output/file_seal.hpp"

#include "random/digest.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <vector>

namespace microcircuit {

namespace {

constexpr std::uint64_t seal_mark = 0x44454c4145534d43ULL; // "MCSEALED"
constexpr std::uint64_t seal_bytes = 2 * sizeof(std::uint64_t);

// Each eight bytes mixed with their position, summed; the last word padded
// with zeros.
std::uint64_t bytes_digest(std::ifstream& file, std::uint64_t bytes) {
    constexpr std::uint64_t piece_words = std::uint64_t{1} << 17U;
    std::vector<std::uint64_t> words(piece_words);
    std::uint64_t digest = mix64(bytes);
    for (std::uint64_t done = 0, position = 0; done < bytes;) {
        const std::uint64_t take = std::min(piece_words * sizeof(std::uint64_t), bytes - done);
        std::fill(words.begin(), words.end(), 0);
        if (!file.read(reinterpret_cast<char*>(words.data()), static_cast<std::streamsize>(take))) {
            throw std::runtime_error("cannot read");
        }
        const std::uint64_t count = (take + sizeof(std::uint64_t) - 1) / sizeof(std::uint64_t);
        for (std::uint64_t i = 0; i < count; ++i, ++position) {
            digest += mix64(position, words[i]);
        }
        done += take;
    }
    return digest;
}

} // namespace

void seal_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) {
        throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
    }
    const auto bytes = static_cast<std::uint64_t>(in.tellg());
    in.seekg(0);
    const std::uint64_t seal[2] = {seal_mark, bytes_digest(in, bytes)};
    std::ofstream out(path, std::ios::binary | std::ios::app);
    if (!out.write(reinterpret_cast<const char*>(seal), sizeof seal) || !out.flush()) {
        throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
    }
}

std::string seal_problem(const std::string& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) {
        return "cannot be read";
    }
    const auto size = static_cast<std::uint64_t>(in.tellg());
    std::uint64_t seal[2] = {0, 0};
    if (size < seal_bytes || !in.seekg(static_cast<std::streamoff>(size - seal_bytes)) ||
        !in.read(reinterpret_cast<char*>(seal), sizeof seal) || seal[0] != seal_mark) {
        return "it does not end in its seal (cut short, damaged, or written by an older version)";
    }
    in.seekg(0);
    try {
        if (bytes_digest(in, size - seal_bytes) != seal[1]) {
            return "its bytes do not match the seal it was written with";
        }
    } catch (const std::runtime_error&) {
        return "cannot be read";
    }
    return {};
}

} // namespace microcircuit
