// Every number the engine uses, derived once from the configuration by the
// formulas of docs/model.md: population sizes, synapse counts, weights, DC
// amplitudes and Poisson rates under N_scaling and K_scaling, the projections,
// and the times of the run and of its stimuli as steps of the grid. The
// network, the simulation and the recorders read these, never the
// configuration itself.
#pragma once

#include "microcircuit/parameters.hpp"
#include "microcircuit/projection.hpp"
#include "microcircuit/time_grid.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace microcircuit {

using CountMatrix = std::array<std::array<std::uint64_t, num_populations>, num_populations>;
using PopulationCounts = std::array<std::uint64_t, num_populations>;

// Steps of the grid in [first, last) with which something happens.
struct StepWindow {
    std::uint64_t first = 0;
    std::uint64_t last = 0;
};

// Grouped by meaning, not packed: made once per run.
struct DerivedParameters { // NOLINT(clang-analyzer-optin.performance.Padding)
    // Run.
    double resolution = 0.1; // h, ms
    std::uint32_t rng_seed = 0;
    std::uint64_t presim_steps = 0;
    std::uint64_t total_steps = 0;

    // Neurons. Populations are contiguous in the global id (gid).
    std::array<std::uint32_t, num_populations> num_neurons{};
    std::array<std::uint64_t, num_populations> first_gid{};
    std::uint64_t num_neurons_total = 0;
    NeuronParameters neuron;
    PopulationVector initial_potential_mean{}; // mV
    PopulationVector initial_potential_sd{};   // mV

    // Recurrent synapses.
    PopulationMatrix num_synapses_full_unrounded{}; // [target][source]
    CountMatrix num_synapses{};                     // [target][source], scaled and rounded
    std::uint64_t num_synapses_total = 0;
    double psc_per_psp = 0.0;       // pA/mV
    double rheobase = 0.0;          // pA
    PopulationMatrix weight_mean{}; // pA, [target][source]
    PopulationMatrix delay_mean{};  // ms, [target][source]
    // With tau_syn_ex == tau_syn_in inhibitory input acts as excitatory input
    // does and shares its sum; otherwise it is summed apart.
    bool separate_inhibitory_input = false;

    // Background drive.
    bool poisson_input = false;
    double weight_ext = 0.0;         // pA
    PopulationVector dc_amplitude{}; // pA, I_e of each population
    PopulationVector poisson_rate{}; // spikes/s per neuron (0 with DC drive)
    std::uint64_t poisson_first_step = 0;
    std::vector<int> below_rheobase; // populations whose DC is below rheobase

    // Thalamic input: sources after the cortical neurons. Counts that keep the
    // full-scale in-degree (x N_scaling x K_scaling, the default) and the
    // PyNEST code's (x K_scaling only).
    bool thalamic_input = false;
    std::uint64_t num_thalamic_neurons = 0;
    PopulationCounts num_thalamic_synapses_in_degree{};
    PopulationCounts num_thalamic_synapses_upstream{};
    PopulationCounts num_thalamic_synapses{}; // as stimulus.th_synapse_scaling chooses
    double weight_thalamic = 0.0;             // pA
    double thalamic_spike_mean = 0.0;         // spikes per thalamic neuron and step
    StepWindow thalamic_spike_steps{};        // the updates whose end stamps thalamic spikes

    // DC transient: the amplitude acts in the updates of steps [first, last).
    bool dc_transient = false;
    PopulationVector dc_transient_amplitude{}; // pA
    StepWindow dc_transient_updates{};

    // Every projection with at least one synapse (see projection.hpp).
    std::vector<Projection> projections;
    std::uint64_t num_sources = 0; // cortical neurons, then thalamic neurons

    // Recording.
    bool record_spikes = false;
    std::uint64_t spike_buffer = 0; // spikes a thread buffers; 0: spikes_buffered_per_thread
    bool record_voltage = false;
    std::uint64_t voltage_interval_steps = 1;
    PopulationCounts voltage_neurons{}; // the first n of each population

    // The grid of the run: every conversion between ms and steps.
    TimeGrid grid() const { return TimeGrid(resolution); }
    std::uint64_t first_thalamic_gid() const { return num_neurons_total; }
    int population_of(std::uint64_t gid) const {
        int population = 0;
        while (population + 1 < num_populations && gid >= first_gid[population + 1]) {
            ++population;
        }
        return population;
    }
};

DerivedParameters derive_parameters(const Parameters& parameters);

// The mean PSPs (mV) [target][source] from PSP_exc_mean, g and the L4E -> L23E
// factor, when PSP_matrix_mean is not given.
PopulationMatrix default_psp_matrix(const NetworkParameters& net);

// The mean delays (ms) [target][source] by the source's type, when
// delay_matrix_mean is not given.
PopulationMatrix default_delay_matrix(const NetworkParameters& net);

// The reference connects its stimulus generators (the thalamic Poisson
// generator to its parrot neurons, the DC transient's generators to the
// populations) with NEST's default delay.
constexpr double stimulus_generator_delay_ms = 1.0;

// The updates (u: from u h to (u + 1) h) in which a dc_generator active from
// start to stop drives its targets when connected with `delay_ms`.
StepWindow dc_generator_updates(double start_ms, double stop_ms, double delay_ms,
                                const TimeGrid& grid);

// Spikes each thread buffers before the spike file is appended to, for
// `virtual_processes` threads in all.
std::uint64_t spikes_buffered_per_thread(const DerivedParameters& derived,
                                         std::uint64_t virtual_processes);

// PSC amplitude (pA) that gives a PSP of 1 mV for the neuron parameters.
double psc_per_psp(const NeuronParameters& neuron);

// The smallest constant current (pA) that makes the neuron fire.
double rheobase_current(const NeuronParameters& neuron);

// The DC (pA) with the mean input of `in_degree` Poisson sources at `rate`
// (spikes/s) through synapses of `weight` (pA): the reference's DC drive.
double dc_of_poisson_input(double rate, double in_degree, double weight, double tau_syn);

// A target population's mean recurrent input (pA/s) at full scale, from one
// row [source] of the full-scale weights (pA) and synapse counts, the
// target's size and the sources' full-scale rates (spikes/s).
double mean_recurrent_input(const PopulationVector& weights, const PopulationVector& synapses,
                            double target_size, const PopulationVector& rates);

// The DC (pA) per pA/s of mean input that keeps a population's mean input
// when in-degrees are scaled by K_scaling and weights by 1 / sqrt(K_scaling).
double k_scaling_dc_per_input(double tau_syn, double K_scaling);

// Synapses of a fixed-total-number projection with connection probability p at
// full scale between populations of the given sizes.
double full_scale_synapses(double probability, double target_size, double source_size);

// The derived parameters as a JSON object (file metadata and --dry-run).
std::string derived_parameters_json(const DerivedParameters& derived);

} // namespace microcircuit
