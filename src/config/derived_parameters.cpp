#include "microcircuit/derived_parameters.hpp"

#include <cmath>
#include <sstream>

namespace microcircuit {

namespace {
// Halves to even, as the reference's numpy.round: 1065 * 0.1 gives 106 neurons.
long long round_half_even(double value) { return std::llrint(value); }
} // namespace

double psc_per_psp(const NeuronParameters& n) {
    // Peak of the PSP of an exponential PSC of unit amplitude (MODEL.md).
    const double tau_syn = n.tau_syn_ex;
    const double ratio = n.tau_m / tau_syn;
    const double peak = n.tau_m * tau_syn / (n.C_m * (tau_syn - n.tau_m)) *
                        (std::pow(ratio, n.tau_m / (tau_syn - n.tau_m)) -
                         std::pow(ratio, tau_syn / (tau_syn - n.tau_m)));
    return 1.0 / peak;
}

double full_scale_synapses(double probability, double target_size, double source_size) {
    if (probability <= 0.0) {
        return 0.0;
    }
    return std::log(1.0 - probability) / std::log(1.0 - 1.0 / (target_size * source_size));
}

DerivedParameters derive_parameters(const Parameters& parameters) {
    const auto& net = parameters.network;
    const auto& stim = parameters.stimulus;
    const auto& sim = parameters.simulation;
    DerivedParameters d;

    std::uint64_t gid = 0;
    for (int i = 0; i < num_populations; ++i) {
        d.num_neurons[i] =
            static_cast<std::uint32_t>(round_half_even(net.num_neurons[i] * net.N_scaling));
        d.first_gid[i] = gid;
        gid += d.num_neurons[i];
    }
    d.num_neurons_total = gid;

    d.psc_per_psp = psc_per_psp(net.neuron);
    d.rheobase = net.neuron.C_m * (net.neuron.V_th - net.neuron.E_L) / net.neuron.tau_m;
    const double sqrt_k = std::sqrt(net.K_scaling);
    const double w_exc_full = net.PSP_exc_mean * d.psc_per_psp;

    PopulationMatrix weight_full{};
    for (int y = 0; y < num_populations; ++y) {
        for (int x = 0; x < num_populations; ++x) {
            d.num_synapses_full_unrounded[y][x] =
                full_scale_synapses(net.conn_probs[y][x], net.num_neurons[y], net.num_neurons[x]);
            d.num_synapses[y][x] = static_cast<std::uint64_t>(round_half_even(
                d.num_synapses_full_unrounded[y][x] * net.N_scaling * net.K_scaling));
            d.num_synapses_total += d.num_synapses[y][x];
            weight_full[y][x] = is_excitatory(x) ? w_exc_full : w_exc_full * net.g;
        }
    }
    weight_full[0][2] *= net.PSP_L4E_to_L23E_factor;
    for (int y = 0; y < num_populations; ++y) {
        for (int x = 0; x < num_populations; ++x) {
            d.weight_mean[y][x] = weight_full[y][x] / sqrt_k;
        }
        d.delay_mean[y] = is_excitatory(y) ? net.delay_exc_mean : net.delay_inh_mean;
    }
    d.weight_ext = w_exc_full / sqrt_k;

    // DC compensation for K_scaling: keep each population's mean input (MODEL.md).
    const double tau_syn = net.neuron.tau_syn_ex;
    for (int y = 0; y < num_populations; ++y) {
        double input_rec = 0.0;
        for (int x = 0; x < num_populations; ++x) {
            input_rec += weight_full[y][x] *
                         (d.num_synapses_full_unrounded[y][x] / net.num_neurons[y]) *
                         net.mean_rates[x];
        }
        const double compensation = 1e-3 * tau_syn * (1.0 - sqrt_k) * input_rec;
        if (net.bg_input_type == BackgroundInput::dc) {
            d.dc_amplitude[y] =
                net.bg_rate * net.K_ext[y] * w_exc_full * tau_syn * 1e-3 + compensation;
            d.poisson_rate[y] = 0.0;
        } else {
            d.dc_amplitude[y] = compensation + 1e-3 * tau_syn * (1.0 - sqrt_k) * w_exc_full *
                                                   net.K_ext[y] * net.bg_rate;
            d.poisson_rate[y] =
                net.bg_rate * static_cast<double>(round_half_even(net.K_ext[y] * net.K_scaling));
        }
        if (net.bg_input_type == BackgroundInput::dc && d.dc_amplitude[y] < d.rheobase) {
            d.below_rheobase.push_back(y);
        }
        d.dc_transient_amplitude[y] = stim.dc_amp * net.K_ext[y];
    }

    for (int y = 0; y < num_populations; ++y) {
        const double full =
            full_scale_synapses(stim.conn_probs_th[y], net.num_neurons[y], stim.num_th_neurons);
        d.num_thalamic_synapses[y] =
            static_cast<std::uint64_t>(round_half_even(full * net.N_scaling * net.K_scaling));
        d.num_thalamic_synapses_upstream[y] =
            static_cast<std::uint64_t>(round_half_even(full * net.K_scaling));
    }
    d.weight_thalamic = stim.PSP_th * d.psc_per_psp / sqrt_k;

    d.presim_steps = static_cast<std::uint64_t>(std::llround(sim.t_presim / sim.sim_resolution));
    d.total_steps =
        d.presim_steps + static_cast<std::uint64_t>(std::llround(sim.t_sim / sim.sim_resolution));
    return d;
}

namespace {

template <typename Vector> void json_vector(std::ostringstream& out, const Vector& values) {
    out << '[';
    for (std::size_t i = 0; i < values.size(); ++i) {
        out << (i ? "," : "") << values[i];
    }
    out << ']';
}

template <typename Matrix> void json_matrix(std::ostringstream& out, const Matrix& rows) {
    out << '[';
    for (std::size_t i = 0; i < rows.size(); ++i) {
        out << (i ? "," : "");
        json_vector(out, rows[i]);
    }
    out << ']';
}

} // namespace

std::string derived_parameters_json(const DerivedParameters& d) {
    std::ostringstream out;
    out.precision(17);
    out << "{\"num_neurons\":";
    json_vector(out, d.num_neurons);
    out << ",\"num_neurons_total\":" << d.num_neurons_total << ",\"num_synapses[target][source]\":";
    json_matrix(out, d.num_synapses);
    out << ",\"num_synapses_total\":" << d.num_synapses_total
        << ",\"psc_per_psp_pA_per_mV\":" << d.psc_per_psp
        << ",\"rheobase_current_pA\":" << d.rheobase << ",\"weight_mean_pA[target][source]\":";
    json_matrix(out, d.weight_mean);
    out << ",\"weight_ext_pA\":" << d.weight_ext << ",\"dc_amplitude_pA\":";
    json_vector(out, d.dc_amplitude);
    out << ",\"poisson_rate_per_neuron_Hz\":";
    json_vector(out, d.poisson_rate);
    out << ",\"populations_below_rheobase\":[";
    for (std::size_t i = 0; i < d.below_rheobase.size(); ++i) {
        out << (i ? "," : "") << '"' << population_names[d.below_rheobase[i]] << '"';
    }
    out << "],\"thalamic_synapses_indegree_preserving\":";
    json_vector(out, d.num_thalamic_synapses);
    out << ",\"thalamic_synapses_upstream_quirk\":";
    json_vector(out, d.num_thalamic_synapses_upstream);
    out << ",\"weight_thalamic_pA\":" << d.weight_thalamic << "}";
    return out.str();
}

} // namespace microcircuit
