// A step current (NEST dc_generator), the DC transient of the stimulus. It
// enters the neuron as the constant current of an update (docs/model.md).
#pragma once

#include "microcircuit/derived_parameters.hpp"

#include <cstdint>

namespace microcircuit {

struct StepCurrent {
    double amplitude = 0.0; // pA
    StepWindow updates{};   // dc_generator_updates

    // Current during update u (the update from u*h to (u+1)*h).
    double during_update(std::uint64_t u) const {
        return (u >= updates.first && u < updates.last) ? amplitude : 0.0;
    }
};

} // namespace microcircuit
