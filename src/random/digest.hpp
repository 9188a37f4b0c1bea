// Order-free digests: each item is mixed into 64 bits and the digests are
// summed (mod 2^64), so a digest does not depend on how the items are
// distributed over ranks and threads or in which order they are visited.
#pragma once

#include <cstdint>
#include <cstring>

namespace microcircuit {

// SplitMix64's finaliser: every input bit affects every output bit.
inline std::uint64_t mix64(std::uint64_t x) {
    x ^= x >> 30U;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27U;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31U;
    return x;
}

inline std::uint64_t mix64(std::uint64_t a, std::uint64_t b) { return mix64(mix64(a) ^ b); }

inline std::uint64_t bits_of(double value) {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    return bits;
}

} // namespace microcircuit
