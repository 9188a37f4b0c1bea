#include "model/neuron.hpp"

namespace microcircuit {

namespace {

// Propagator from synaptic current to membrane, in the numerically stable form
// of docs/model.md (expm1 avoids the cancellation when tau_syn is close to tau_m).
double current_to_membrane(double tau_syn, double tau_m, double C_m, double h) {
    if (tau_syn == tau_m) {
        return h / C_m * std::exp(-h / tau_m);
    }
    const double gamma = tau_syn * tau_m / ((tau_m - tau_syn) * C_m);
    return gamma * std::exp(-h / tau_syn) * std::expm1(h * (1.0 / tau_syn - 1.0 / tau_m));
}

} // namespace

Propagators Propagators::compute(const NeuronParameters& n, const TimeGrid& grid) {
    const double h = grid.resolution();
    Propagators p;
    p.P11_ex = std::exp(-h / n.tau_syn_ex);
    p.P11_in = std::exp(-h / n.tau_syn_in);
    p.P21_ex = current_to_membrane(n.tau_syn_ex, n.tau_m, n.C_m, h);
    p.P21_in = current_to_membrane(n.tau_syn_in, n.tau_m, n.C_m, h);
    p.P22 = std::exp(-h / n.tau_m);
    p.P20 = -n.tau_m / n.C_m * std::expm1(-h / n.tau_m);
    p.threshold = n.V_th - n.E_L;
    p.reset = n.V_reset - n.E_L;
    p.refractory_steps = static_cast<std::int32_t>(grid.steps(n.t_ref));
    return p;
}

} // namespace microcircuit
