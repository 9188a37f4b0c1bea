// The synapses onto the neurons of one virtual process, source-major (one
// row per presynaptic gid, as compressed sparse rows), in 8 bytes each: the
// target's local index and the delay in steps packed into 32 bits, and the
// weight as float. This store is the memory budget of the simulation.
//
// Each row is sorted by delay (stably: synapses of equal delay stay in target
// order) and described by its delay runs, so that a spike's synapses can be
// read run by run, each in the step its run arrives (see input_buffer.hpp).
#pragma once

#include "connectivity/huge_page_allocator.hpp"

#include <cstdint>
#include <stdexcept>
#include <vector>

namespace microcircuit {

struct Synapse {
    // Empty on purpose: the store is sized first and filled later, and leaving
    // it uninitialised saves a pass over the largest array of the simulation.
    Synapse() {} // NOLINT(modernize-use-equals-default)
    Synapse(std::uint32_t packed, float weight_pA)
        : target_and_delay(packed), weight_fixed_point(weight_pA * 0x1p32F) {}

    std::uint32_t target_and_delay; // target local index (low bits), delay in steps (high bits)
    // The weight in the fixed-point unit of the input sums (2^-32 pA, neuron.hpp),
    // as float: exactly the pA weight scaled by a power of two, and converted
    // to the integer summand by one instruction in the innermost loop.
    float weight_fixed_point;
};
static_assert(sizeof(Synapse) == 8, "a synapse must stay 8 bytes");

constexpr unsigned synapse_target_bits = 20;
constexpr std::uint32_t synapse_target_mask = (1U << synapse_target_bits) - 1U;
constexpr std::uint32_t max_local_targets = 1U << synapse_target_bits;
constexpr std::uint32_t synapse_max_delay_steps = (1U << (32 - synapse_target_bits)) - 1U;

inline std::uint32_t pack_target_and_delay(std::uint32_t target, std::uint32_t delay_steps) {
    return (delay_steps << synapse_target_bits) | target;
}
inline std::uint32_t target_of(const Synapse& s) {
    return s.target_and_delay & synapse_target_mask;
}
inline std::uint32_t delay_of(const Synapse& s) {
    return s.target_and_delay >> synapse_target_bits;
}
inline float weight_of(const Synapse& s) { return s.weight_fixed_point * 0x1p-32F; } // pA
// The summand of the input sums: exact for |weight| >= 2^-9 pA, else truncated.
inline std::int64_t fixed_point_weight_of(const Synapse& s) {
    return static_cast<std::int64_t>(s.weight_fixed_point);
}

// A run of synapses of one row with the same delay: delay in steps (high
// bits) and length (low bits) packed into 32 bits. A longer run of one delay
// is split into several.
using DelayRun = std::uint32_t;
constexpr unsigned run_length_bits = 20;
constexpr std::uint32_t max_run_length = (1U << run_length_bits) - 1U;

static_assert(run_length_bits + (32 - synapse_target_bits) == 32,
              "a run packs a synapse's delay and its length into 32 bits");

inline DelayRun make_delay_run(std::uint32_t delay_steps, std::uint32_t length) {
    return (delay_steps << run_length_bits) | length;
}
inline std::uint32_t delay_of(DelayRun run) { return run >> run_length_bits; }
inline std::uint32_t length_of(DelayRun run) { return run & max_run_length; }

struct SynapseStore {
    std::vector<std::uint64_t> row_begin; // size num_sources + 1
    std::vector<Synapse, HugePageAllocator<Synapse>> synapses;
    std::vector<std::uint64_t> run_begin; // size num_sources + 1, into `runs`
    std::vector<DelayRun> runs;           // each row's runs in ascending delay
    std::uint32_t min_delay_steps = synapse_max_delay_steps;
    std::uint32_t max_delay_steps_present = 0;

    std::size_t num_synapses() const { return synapses.size(); }
    std::size_t bytes() const {
        return (row_begin.capacity() + run_begin.capacity()) * sizeof(std::uint64_t) +
               synapses.capacity() * sizeof(Synapse) + runs.capacity() * sizeof(DelayRun);
    }
};

} // namespace microcircuit
