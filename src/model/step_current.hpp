// A step current (NEST dc_generator connected with delay h), the DC transient
// of the stimulus. It enters the neuron as I_0 (MODEL.md, step 5).
#pragma once

#include <cstdint>

namespace microcircuit {

struct StepCurrent {
    double amplitude = 0.0;       // pA
    std::uint64_t start_step = 0; // start_ms / h
    std::uint64_t stop_step = 0;  // stop_ms / h

    // Current during update u (the update from u*h to (u+1)*h): the updates
    // with start < u*h <= stop, as the reference simulator's trace shows
    // (tests/test_neuron_traces.cpp, case dc_generator).
    double during_update(std::uint64_t u) const {
        return (u > start_step && u <= stop_step) ? amplitude : 0.0;
    }
};

} // namespace microcircuit
