// The model's input numbers, as read from the configuration (before any scaling).
// Every number of the PD14 model is here and settable; MODEL.md is the reference.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace microcircuit {

constexpr int num_populations = 8;
using PopulationVector = std::array<double, num_populations>;
using PopulationMatrix = std::array<PopulationVector, num_populations>; // [target][source]

extern const std::array<const char*, num_populations> population_names;

inline bool is_excitatory(int population) { return population % 2 == 0; }

struct SimulationParameters {
    double sim_resolution = 0.1; // ms
    double t_presim = 500.0;     // ms, warm-up
    double t_sim = 1000.0;       // ms
    std::uint32_t rng_seed = 55;
    int local_num_threads = 0; // 0: auto
    bool record_spikes = true;
    // Spikes a thread buffers before the spike file is appended to; 0: auto
    // (2^20 spikes over all threads of all ranks, as every rank gathers them all).
    std::uint64_t spike_buffer = 0;
    bool record_voltage = false;
    double rec_V_int = 1.0;     // ms
    int rec_V_num_neurons = 10; // per population
    std::string data_path = "data";
    bool overwrite_files = false;
    bool print_time = true;
};

struct NeuronParameters {
    double C_m = 250.0;      // pF
    double tau_m = 10.0;     // ms
    double tau_syn_ex = 0.5; // ms
    double tau_syn_in = 0.5; // ms
    double E_L = -65.0;      // mV
    double V_th = -50.0;     // mV
    double V_reset = -65.0;  // mV
    double t_ref = 2.0;      // ms
};

enum class BackgroundInput { dc, poisson };
enum class InitialPotential { optimized, original };

struct NetworkParameters {
    double N_scaling = 0.1;
    double K_scaling = 0.1;
    PopulationVector num_neurons{}; // full scale
    PopulationMatrix conn_probs{};  // [target][source]
    double PSP_exc_mean = 0.15;     // mV
    double g = -4.0;
    double PSP_L4E_to_L23E_factor = 2.0; // L4E -> L23E has twice the mean PSP
    double weight_rel_sd = 0.1;
    double delay_exc_mean = 1.5;  // ms
    double delay_inh_mean = 0.75; // ms
    double delay_rel_sd = 0.5;
    PopulationVector K_ext{}; // external in-degrees, full scale
    double bg_rate = 8.0;     // spikes/s
    BackgroundInput bg_input_type = BackgroundInput::dc;
    double poisson_delay = 1.5; // ms
    InitialPotential V0_type = InitialPotential::optimized;
    PopulationVector V0_mean_optimized{}; // mV
    PopulationVector V0_sd_optimized{};   // mV
    double V0_mean_original = -58.0;      // mV
    double V0_sd_original = 10.0;         // mV
    PopulationVector mean_rates{};        // full-scale rates for the DC compensation, spikes/s
    NeuronParameters neuron;
};

struct StimulusParameters {
    bool thalamic_input = false;
    double th_start = 700.0;   // ms
    double th_duration = 10.0; // ms
    double th_rate = 120.0;    // spikes/s
    int num_th_neurons = 902;
    PopulationVector conn_probs_th{};
    double PSP_th = 0.15; // mV
    double PSP_th_rel_sd = 0.1;
    double delay_th_mean = 1.5; // ms
    double delay_th_rel_sd = 0.5;
    bool dc_transient = false;
    double dc_start = 650.0; // ms
    double dc_dur = 100.0;   // ms
    double dc_amp = 0.3;     // pA per external in-degree
};

struct Parameters {
    SimulationParameters simulation;
    NetworkParameters network;
    StimulusParameters stimulus;
};

} // namespace microcircuit
