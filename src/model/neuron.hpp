// The leaky integrate-and-fire neuron with exponential PSCs (NEST iaf_psc_exp),
// integrated exactly on the grid (Rotter & Diesmann 1999).
//
// State is kept as structure of arrays per thread so that the update loop is
// a straight pass over contiguous memory. Synaptic input arrives as integer
// fixed-point sums (see input_buffer.hpp) and is converted once per step.
#pragma once

#include "microcircuit/parameters.hpp"
#include "microcircuit/time_grid.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace microcircuit {

// Fixed-point unit of synaptic input: 2^-32 pA. Integer sums do not depend on
// the order in which spikes arrive, which keeps runs bitwise reproducible.
constexpr double fixed_point_per_pA = 0x1p32;
constexpr double pA_per_fixed_point = 0x1p-32;

inline std::int64_t to_fixed_point(double current_pA) {
    return std::llround(current_pA * fixed_point_per_pA);
}
// Exact for a float weight: its product with 2^32 is an integer (for |w| >= 2^-9 pA).
inline std::int64_t to_fixed_point(float weight_pA) {
    return static_cast<std::int64_t>(static_cast<double>(weight_pA) * fixed_point_per_pA);
}

// Constants of one exact integration step of the grid (length h).
struct Propagators {
    double P11_ex = 0.0; // synaptic current decay
    double P11_in = 0.0;
    double P21_ex = 0.0; // synaptic current -> membrane
    double P21_in = 0.0;
    double P22 = 0.0;       // membrane decay
    double P20 = 0.0;       // constant current -> membrane
    double threshold = 0.0; // V_th - E_L
    double reset = 0.0;     // V_reset - E_L
    std::int32_t refractory_steps = 0;

    static Propagators compute(const NeuronParameters& neuron, const TimeGrid& grid);
};

// The arrays of a NeuronState as plain pointers, for loops over neurons: a
// loop that takes them through the vectors reloads the vectors' pointers at
// every neuron when it also stores bytes (which might alias anything).
struct NeuronArrays {
    double* y;
    double* i_ex;
    double* i_in;
    std::int32_t* refractory;
};

// Membrane potentials relative to E_L, synaptic currents, refractory counters.
struct NeuronState {
    std::vector<double> y;
    std::vector<double> i_ex;
    std::vector<double> i_in;
    std::vector<std::int32_t> refractory;

    void resize(std::size_t n) {
        y.assign(n, 0.0);
        i_ex.assign(n, 0.0);
        i_in.assign(n, 0.0);
        refractory.assign(n, 0);
    }

    NeuronArrays arrays() { return {y.data(), i_ex.data(), i_in.data(), refractory.data()}; }
};

// One update step (docs/model.md, "One update", steps 1-4) for neuron i. `arriving_ex` and
// `arriving_in` are the fixed-point sums of the input that arrives at the end
// of the step, `constant_current` is I_e + I_0 during the step. Returns true if
// the neuron spikes (time stamp: end of the step). Without `separate_inhibitory`
// all input is in i_ex (valid when tau_syn_ex == tau_syn_in) and i_in stays 0.
//
// Selects instead of branches, so that a loop over neurons vectorises: the
// propagated potential is computed for every neuron and kept only if it is not
// refractory (a refractory neuron keeps its reset potential and counts down);
// a neuron at or above threshold is reset and made refractory.
template <bool separate_inhibitory = true>
inline bool update_neuron(NeuronArrays s, std::size_t i, const Propagators& p,
                          double constant_current, std::int64_t arriving_ex,
                          std::int64_t arriving_in) {
    const std::int32_t refractory = s.refractory[i];
    const double propagated =
        separate_inhibitory ? s.y[i] * p.P22 + s.i_ex[i] * p.P21_ex + s.i_in[i] * p.P21_in +
                                  constant_current * p.P20
                            : s.y[i] * p.P22 + s.i_ex[i] * p.P21_ex + constant_current * p.P20;
    const double y = refractory == 0 ? propagated : s.y[i];
    s.i_ex[i] = s.i_ex[i] * p.P11_ex + static_cast<double>(arriving_ex) * pA_per_fixed_point;
    if (separate_inhibitory) {
        s.i_in[i] = s.i_in[i] * p.P11_in + static_cast<double>(arriving_in) * pA_per_fixed_point;
    }
    const bool spike = y >= p.threshold;
    s.y[i] = spike ? p.reset : y;
    s.refractory[i] = spike ? p.refractory_steps : std::max(refractory - 1, 0);
    return spike;
}

} // namespace microcircuit
