// The model's input numbers, as read from the configuration (before any
// scaling), with their defaults: the one place where a default is written
// (the configuration schema reads them from here). docs/model.md explains them.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
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
    // Simulated ms between checkpoints (data_path/checkpoint.h5); 0: none.
    double checkpoint_interval = 0.0;
    // Keep a checkpoint of the run's last step (and its journals), so that
    // a restart with a longer t_sim extends the run.
    bool checkpoint_at_end = false;
    // Refuse a run whose estimated memory exceeds what its nodes have free,
    // before anything is built (docs/cluster.md, "Memory check").
    bool memory_check = true;
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
// Thalamic synapse counts: keeping each target's full-scale in-degree
// (x N_scaling x K_scaling), or as the PyNEST code scales them (x K_scaling).
enum class ThalamicScaling { in_degree, reference };

struct NetworkParameters {
    double N_scaling = 0.1;
    double K_scaling = 0.1;
    PopulationVector full_num_neurons{20683, 5834, 21915, 5479,
                                      4850,  1065, 14395, 2948}; // full scale
    PopulationMatrix conn_probs{{                                // [target][source]
                                 {0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0},
                                 {0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0},
                                 {0.0077, 0.0059, 0.0497, 0.135, 0.0067, 0.0003, 0.0453, 0.0},
                                 {0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0},
                                 {0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0},
                                 {0.0548, 0.0269, 0.0257, 0.0022, 0.06, 0.3158, 0.0086, 0.0},
                                 {0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252},
                                 {0.0364, 0.001, 0.0034, 0.0005, 0.0277, 0.008, 0.0658, 0.1443}}};
    double PSP_exc_mean = 0.15; // mV
    double g = -4.0;
    double PSP_L4E_to_L23E_factor = 2.0; // L4E -> L23E has twice the mean PSP
    // Mean PSPs (mV) [target][source]; unset: PSP_exc_mean from excitatory,
    // g * PSP_exc_mean from inhibitory sources, L4E -> L23E by its factor.
    std::optional<PopulationMatrix> PSP_matrix_mean;
    double weight_rel_std = 0.1;
    double delay_exc_mean = 1.5;  // ms
    double delay_inh_mean = 0.75; // ms
    double delay_rel_std = 0.5;
    // Mean delays (ms) [target][source]; unset: by the source's type.
    std::optional<PopulationMatrix> delay_matrix_mean;
    PopulationVector K_ext{1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100}; // full scale
    double bg_rate = 8.0;                                                   // spikes/s
    // Poisson, unlike the reference: with DC drive a network below scale 0.2
    // falls nearly silent (its DC lies below the rheobase).
    BackgroundInput bg_input_type = BackgroundInput::poisson;
    double delay_poisson = 1.5; // ms
    InitialPotential V0_type = InitialPotential::optimized;
    PopulationVector V0_mean_optimized{-68.28, -63.16, -63.33, -63.45,
                                       -63.11, -61.66, -66.72, -61.43};               // mV
    PopulationVector V0_sd_optimized{5.36, 4.57, 4.74, 4.94, 4.94, 4.55, 5.46, 4.48}; // mV
    double V0_mean_original = -58.0;                                                  // mV
    double V0_sd_original = 10.0;                                                     // mV
    // Full-scale rates (spikes/s) for the DC compensation of K_scaling.
    PopulationVector full_mean_rates{0.903, 2.965, 4.414, 5.876, 7.569, 8.633, 1.105, 7.829};
    NeuronParameters neuron;
};

struct StimulusParameters {
    bool thalamic_input = false;
    double th_start = 700.0;   // ms
    double th_duration = 10.0; // ms
    double th_rate = 120.0;    // spikes/s
    int num_th_neurons = 902;
    PopulationVector conn_probs_th{0.0, 0.0, 0.0983, 0.0619, 0.0, 0.0, 0.0512, 0.0196};
    double PSP_th = 0.15; // mV
    double PSP_th_rel_std = 0.1;
    double delay_th_mean = 1.5; // ms
    double delay_th_rel_std = 0.5;
    ThalamicScaling th_synapse_scaling = ThalamicScaling::in_degree;
    bool dc_transient = false;
    double dc_transient_start = 650.0; // ms
    double dc_transient_dur = 100.0;   // ms
    double dc_transient_amp = 0.3;     // pA per external in-degree
};

struct Parameters {
    SimulationParameters simulation;
    NetworkParameters network;
    StimulusParameters stimulus;
};

} // namespace microcircuit
