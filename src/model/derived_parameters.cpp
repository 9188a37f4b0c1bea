#include "microcircuit/derived_parameters.hpp"

#include "config/json_writer.hpp"

#include <algorithm>
#include <cmath>

namespace microcircuit {

namespace {

// Halves to even, as the reference's numpy.round: 1065 * 0.1 gives 106 neurons.
long long round_half_even(double value) { return std::llrint(value); }

// spike_buffer auto: the spikes every rank holds at a flush, after gathering them all.
constexpr std::uint64_t spikes_gathered_per_flush = std::uint64_t{1} << 20U;

std::vector<Projection> make_projections(const Parameters& parameters, const DerivedParameters& d) {
    const auto& net = parameters.network;
    const auto& stim = parameters.stimulus;
    std::vector<Projection> projections;
    for (int y = 0; y < num_populations; ++y) {
        for (int x = 0; x < num_populations; ++x) {
            if (d.num_synapses[y][x] == 0) {
                continue;
            }
            Projection p;
            p.id = static_cast<std::uint32_t>(num_populations * y + x);
            p.target_population = y;
            p.source_first_gid = d.first_gid[x];
            p.source_count = d.num_neurons[x];
            p.num_synapses = d.num_synapses[y][x];
            p.excitatory = is_excitatory(x);
            p.weight_mean = d.weight_mean[y][x];
            p.weight_sd = std::fabs(p.weight_mean) * net.weight_rel_std;
            p.delay_mean = d.delay_mean[y][x];
            p.delay_sd = p.delay_mean * net.delay_rel_std;
            projections.push_back(p);
        }
    }
    if (d.thalamic_input) {
        for (int y = 0; y < num_populations; ++y) {
            if (d.num_thalamic_synapses[y] == 0) {
                continue;
            }
            Projection p;
            p.id = static_cast<std::uint32_t>(num_populations * num_populations + y);
            p.target_population = y;
            p.source_first_gid = d.first_thalamic_gid();
            p.source_count = d.num_thalamic_neurons;
            p.num_synapses = d.num_thalamic_synapses[y];
            p.excitatory = true;
            p.weight_mean = d.weight_thalamic;
            p.weight_sd = d.weight_thalamic * stim.PSP_th_rel_std;
            p.delay_mean = stim.delay_th_mean;
            p.delay_sd = stim.delay_th_mean * stim.delay_th_rel_std;
            projections.push_back(p);
        }
    }
    return projections;
}

} // namespace

PopulationMatrix default_psp_matrix(const NetworkParameters& net) {
    PopulationMatrix psp{};
    for (auto& row : psp) {
        for (int x = 0; x < num_populations; ++x) {
            row[x] = is_excitatory(x) ? net.PSP_exc_mean : net.g * net.PSP_exc_mean;
        }
    }
    psp[0][2] = net.PSP_L4E_to_L23E_factor * net.PSP_exc_mean;
    return psp;
}

PopulationMatrix default_delay_matrix(const NetworkParameters& net) {
    PopulationMatrix delays{};
    for (auto& row : delays) {
        for (int x = 0; x < num_populations; ++x) {
            row[x] = is_excitatory(x) ? net.delay_exc_mean : net.delay_inh_mean;
        }
    }
    return delays;
}

StepWindow dc_generator_updates(double start_ms, double stop_ms, double delay_ms,
                                const TimeGrid& grid) {
    // start + delay <= u h < stop + delay, as the reference simulator's traces
    // show (data/reference: single_neuron/dc_generator.json with delay h,
    // stimulus_timing.json with 1 ms).
    return {grid.steps(start_ms + delay_ms), grid.steps(stop_ms + delay_ms)};
}

std::uint64_t spikes_buffered_per_thread(const DerivedParameters& derived,
                                         std::uint64_t virtual_processes) {
    if (derived.spike_buffer != 0) {
        return derived.spike_buffer;
    }
    return std::max<std::uint64_t>(1, spikes_gathered_per_flush / virtual_processes);
}

double psc_per_psp(const NeuronParameters& n) {
    // Peak of the PSP of an exponential PSC of unit amplitude (docs/model.md).
    const double tau_syn = n.tau_syn_ex;
    const double ratio = n.tau_m / tau_syn;
    const double peak = n.tau_m * tau_syn / (n.C_m * (tau_syn - n.tau_m)) *
                        (std::pow(ratio, n.tau_m / (tau_syn - n.tau_m)) -
                         std::pow(ratio, tau_syn / (tau_syn - n.tau_m)));
    return 1.0 / peak;
}

double rheobase_current(const NeuronParameters& n) { return n.C_m * (n.V_th - n.E_L) / n.tau_m; }

double dc_of_poisson_input(double rate, double in_degree, double weight, double tau_syn) {
    return rate * in_degree * weight * tau_syn * 1e-3;
}

double mean_recurrent_input(const PopulationVector& weights, const PopulationVector& synapses,
                            double target_size, const PopulationVector& rates) {
    double input = 0.0;
    for (int x = 0; x < num_populations; ++x) {
        input += weights[x] * (synapses[x] / target_size) * rates[x];
    }
    return input;
}

double k_scaling_dc_per_input(double tau_syn, double K_scaling) {
    return 1e-3 * tau_syn * (1.0 - std::sqrt(K_scaling));
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
    const TimeGrid grid(sim.sim_resolution);
    d.resolution = grid.resolution();
    d.rng_seed = sim.rng_seed;
    d.presim_steps = grid.steps(sim.t_presim);
    d.total_steps = d.presim_steps + grid.steps(sim.t_sim);
    d.neuron = net.neuron;
    d.separate_inhibitory_input = net.neuron.tau_syn_ex != net.neuron.tau_syn_in;

    std::uint64_t gid = 0;
    for (int i = 0; i < num_populations; ++i) {
        d.num_neurons[i] =
            static_cast<std::uint32_t>(round_half_even(net.full_num_neurons[i] * net.N_scaling));
        d.first_gid[i] = gid;
        gid += d.num_neurons[i];
    }
    d.num_neurons_total = gid;
    for (int p = 0; p < num_populations; ++p) {
        const bool optimized = net.V0_type == InitialPotential::optimized;
        d.initial_potential_mean[p] = optimized ? net.V0_mean_optimized[p] : net.V0_mean_original;
        d.initial_potential_sd[p] = optimized ? net.V0_sd_optimized[p] : net.V0_sd_original;
    }

    d.psc_per_psp = psc_per_psp(net.neuron);
    d.rheobase = rheobase_current(net.neuron);
    const double sqrt_k = std::sqrt(net.K_scaling);
    const double w_exc_full = net.PSP_exc_mean * d.psc_per_psp;

    PopulationMatrix weight_full{};
    for (int y = 0; y < num_populations; ++y) {
        for (int x = 0; x < num_populations; ++x) {
            d.num_synapses_full_unrounded[y][x] = full_scale_synapses(
                net.conn_probs[y][x], net.full_num_neurons[y], net.full_num_neurons[x]);
            d.num_synapses[y][x] = static_cast<std::uint64_t>(round_half_even(
                d.num_synapses_full_unrounded[y][x] * net.N_scaling * net.K_scaling));
            d.num_synapses_total += d.num_synapses[y][x];
        }
    }
    // Weights from the mean PSPs, as the reference computes them.
    const PopulationMatrix psp =
        net.PSP_matrix_mean ? *net.PSP_matrix_mean : default_psp_matrix(net);
    d.delay_mean = net.delay_matrix_mean ? *net.delay_matrix_mean : default_delay_matrix(net);
    for (int y = 0; y < num_populations; ++y) {
        for (int x = 0; x < num_populations; ++x) {
            weight_full[y][x] = psp[y][x] * d.psc_per_psp;
            d.weight_mean[y][x] = weight_full[y][x] / sqrt_k;
        }
    }
    d.weight_ext = w_exc_full / sqrt_k;

    // DC compensation for K_scaling: keep each population's mean input (docs/model.md).
    const double tau_syn = net.neuron.tau_syn_ex;
    const double dc_per_input = k_scaling_dc_per_input(tau_syn, net.K_scaling);
    for (int y = 0; y < num_populations; ++y) {
        const double compensation =
            dc_per_input * mean_recurrent_input(weight_full[y], d.num_synapses_full_unrounded[y],
                                                net.full_num_neurons[y], net.full_mean_rates);
        if (net.bg_input_type == BackgroundInput::dc) {
            d.dc_amplitude[y] =
                dc_of_poisson_input(net.bg_rate, net.K_ext[y], w_exc_full, tau_syn) + compensation;
            d.poisson_rate[y] = 0.0;
        } else {
            d.dc_amplitude[y] =
                compensation + dc_per_input * w_exc_full * net.K_ext[y] * net.bg_rate;
            d.poisson_rate[y] =
                net.bg_rate * static_cast<double>(round_half_even(net.K_ext[y] * net.K_scaling));
        }
        if (net.bg_input_type == BackgroundInput::dc && d.dc_amplitude[y] < d.rheobase) {
            d.below_rheobase.push_back(y);
        }
        d.dc_transient_amplitude[y] = stim.dc_transient_amp * net.K_ext[y];
    }

    for (int y = 0; y < num_populations; ++y) {
        const double full = full_scale_synapses(stim.conn_probs_th[y], net.full_num_neurons[y],
                                                stim.num_th_neurons);
        d.num_thalamic_synapses_in_degree[y] =
            static_cast<std::uint64_t>(round_half_even(full * net.N_scaling * net.K_scaling));
        d.num_thalamic_synapses_upstream[y] =
            static_cast<std::uint64_t>(round_half_even(full * net.K_scaling));
    }
    d.num_thalamic_synapses = stim.th_synapse_scaling == ThalamicScaling::reference
                                  ? d.num_thalamic_synapses_upstream
                                  : d.num_thalamic_synapses_in_degree;
    d.weight_thalamic = stim.PSP_th * d.psc_per_psp / sqrt_k;
    d.poisson_input = net.bg_input_type == BackgroundInput::poisson;
    // A poisson_generator started at 0 stamps its first spikes at h; with
    // delay d they arrive in the step that ends at d + 2h.
    d.poisson_first_step = grid.delay_steps(net.delay_poisson) + 1;

    d.thalamic_input = stim.thalamic_input;
    d.num_thalamic_neurons = static_cast<std::uint64_t>(stim.num_th_neurons);
    d.thalamic_spike_mean = grid.events_per_step(stim.th_rate);
    // The reference's thalamic neurons are parrots of a poisson_generator
    // (spikes stamped in (th_start, th_start + th_duration]) over the
    // generator delay; a parrot repeats a spike at the end of the update in
    // which it arrives: stamps in (th_start + delay + h, ... + th_duration].
    d.thalamic_spike_steps = {
        grid.steps(stim.th_start + stimulus_generator_delay_ms) + 1,
        grid.steps(stim.th_start + stim.th_duration + stimulus_generator_delay_ms) + 1};
    d.dc_transient = stim.dc_transient;
    d.dc_transient_updates = dc_generator_updates(stim.dc_transient_start,
                                                  stim.dc_transient_start + stim.dc_transient_dur,
                                                  stimulus_generator_delay_ms, grid);

    d.projections = make_projections(parameters, d);
    d.num_sources = d.num_neurons_total + (d.thalamic_input ? d.num_thalamic_neurons : 0);

    d.record_spikes = sim.record_spikes;
    d.spike_buffer = sim.spike_buffer;
    d.record_voltage = sim.record_voltage;
    d.voltage_interval_steps = grid.steps(sim.rec_V_int);
    for (int p = 0; p < num_populations; ++p) {
        d.voltage_neurons[p] = std::min<std::uint64_t>(
            static_cast<std::uint64_t>(sim.rec_V_num_neurons), d.num_neurons[p]);
    }
    return d;
}

std::string derived_parameters_json(const DerivedParameters& d) {
    std::vector<std::string> below_rheobase;
    for (int p : d.below_rheobase) {
        below_rheobase.emplace_back(population_names[p]);
    }
    JsonWriter out;
    out.begin_object();
    out.key("num_neurons").array(d.num_neurons);
    out.key("num_neurons_total").value(d.num_neurons_total);
    out.key("num_synapses[target][source]").matrix(d.num_synapses);
    out.key("num_synapses_total").value(d.num_synapses_total);
    out.key("psc_per_psp_pA_per_mV").value(d.psc_per_psp);
    out.key("rheobase_current_pA").value(d.rheobase);
    out.key("weight_mean_pA[target][source]").matrix(d.weight_mean);
    out.key("weight_ext_pA").value(d.weight_ext);
    out.key("dc_amplitude_pA").array(d.dc_amplitude);
    out.key("poisson_rate_per_neuron_Hz").array(d.poisson_rate);
    out.key("populations_below_rheobase").array(below_rheobase);
    out.key("thalamic_synapses_indegree_preserving").array(d.num_thalamic_synapses_in_degree);
    out.key("thalamic_synapses_upstream_quirk").array(d.num_thalamic_synapses_upstream);
    out.key("weight_thalamic_pA").value(d.weight_thalamic);
    out.end_object();
    return out.text();
}

} // namespace microcircuit
