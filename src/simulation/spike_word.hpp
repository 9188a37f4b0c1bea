// A spike of an interval as the loop passes it between threads and ranks: one
// 64-bit word, the source's gid above the lag (the step within the interval).
#pragma once

#include <cstdint>

namespace microcircuit {

constexpr unsigned lag_bits = 32;
constexpr std::uint64_t lag_mask = (std::uint64_t{1} << lag_bits) - 1;

inline std::uint64_t encode_spike(std::uint64_t gid, std::uint64_t lag) {
    return (gid << lag_bits) | lag;
}

} // namespace microcircuit
