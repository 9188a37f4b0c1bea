#include "cli/application.hpp"

#include "cli/command_line.hpp"
#include "cli/dry_run.hpp"
#include "connectivity/network.hpp"
#include "microcircuit/config.hpp"
#include "microcircuit/derived_parameters.hpp"
#include "microcircuit/version.hpp"
#include "output/hdf5_file.hpp"
#include "output/memory_usage.hpp"
#include "output/output_directory.hpp"
#include "output/run_report.hpp"
#include "parallel/communicator.hpp"
#include "recording/spike_recorder.hpp"
#include "recording/voltage_recorder.hpp"
#include "simulation/simulation.hpp"

#include <omp.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>

namespace microcircuit {

namespace {

// Threads per rank for local_num_threads: auto: OMP_NUM_THREADS, else the cores
// this process may use shared among the ranks on its node.
int resolve_threads(int configured, const Communicator& communicator) {
    if (configured > 0) {
        return configured;
    }
    if (const char* env = std::getenv("OMP_NUM_THREADS")) {
        const int value = std::atoi(env);
        if (value > 0) {
            return value;
        }
    }
    MPI_Comm node = MPI_COMM_NULL;
    MPI_Comm_split_type(communicator.comm(), MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
    int ranks_on_node = 1;
    MPI_Comm_size(node, &ranks_on_node);
    MPI_Comm_free(&node);
    // Ranks may be bound to single cores; the node's cores are what they share.
    const int node_cores = std::max(1U, std::thread::hardware_concurrency());
    return std::max(1, node_cores / ranks_on_node);
}

class Stopwatch {
public:
    double lap() {
        const auto now = std::chrono::steady_clock::now();
        const double seconds = std::chrono::duration<double>(now - last_).count();
        last_ = now;
        return seconds;
    }

private:
    std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

void write_metadata(hid_t file, const LoadedConfig& config, const DerivedParameters& derived,
                    const Partition& partition) {
    const auto& p = config.parameters;
    write_attribute(file, "t_presim_ms", p.simulation.t_presim);
    write_attribute(file, "t_sim_ms", p.simulation.t_sim);
    write_attribute(file, "N_scaling", p.network.N_scaling);
    write_attribute(file, "K_scaling", p.network.K_scaling);
    write_attribute(file, "bg_input_type",
                    std::string(p.network.bg_input_type == BackgroundInput::dc ? "dc" : "poisson"));
    write_attribute(file, "rng_seed", static_cast<std::uint64_t>(p.simulation.rng_seed));
    write_attribute(file, "sim_resolution_ms", p.simulation.sim_resolution);
    auto metadata = create_group(file, "metadata");
    write_attribute(metadata.id(), "config_yaml", config.effective_yaml);
    write_attribute(metadata.id(), "derived_parameters_json", derived_parameters_json(derived));
    write_attribute(metadata.id(), "rng_seed", static_cast<std::uint64_t>(p.simulation.rng_seed));
    write_attribute(metadata.id(), "ranks", static_cast<std::uint64_t>(partition.ranks()));
    write_attribute(metadata.id(), "threads", static_cast<std::uint64_t>(partition.threads()));
    write_attribute(metadata.id(), "program_version", std::string(program_version));
    write_attribute(metadata.id(), "git_commit", std::string(git_commit));
}

void warn_below_rheobase(const DerivedParameters& derived) {
    for (int p : derived.below_rheobase) {
        std::cerr << "microcircuit_mpi: warning: the DC input of " << population_names[p] << " ("
                  << derived.dc_amplitude[p] << " pA) is below the rheobase (" << derived.rheobase
                  << " pA); it can fire only through recurrent input\n";
    }
}

// The progress line of print_time: simulated time and the running real-time factor.
class ProgressLine {
public:
    ProgressLine(double resolution, std::uint64_t total_steps)
        : resolution_(resolution), total_steps_(total_steps) {}
    void start_phase(std::uint64_t step) {
        phase_start_step_ = step;
        phase_start_ = std::chrono::steady_clock::now();
        last_print_ = phase_start_;
    }
    void operator()(std::uint64_t step, bool force = false) {
        const auto now = std::chrono::steady_clock::now();
        if (!force && now - last_print_ < std::chrono::milliseconds(500)) {
            return;
        }
        last_print_ = now;
        const double wall = std::chrono::duration<double>(now - phase_start_).count();
        const double simulated = static_cast<double>(step - phase_start_step_) * resolution_ * 1e-3;
        std::printf("\r  simulated %9.1f / %.1f ms, real-time factor %.3f   ",
                    static_cast<double>(step) * resolution_,
                    static_cast<double>(total_steps_) * resolution_,
                    simulated > 0.0 ? wall / simulated : 0.0);
        std::fflush(stdout);
    }

private:
    double resolution_;
    std::uint64_t total_steps_;
    std::uint64_t phase_start_step_ = 0;
    std::chrono::steady_clock::time_point phase_start_;
    std::chrono::steady_clock::time_point last_print_;
};

int simulate(const LoadedConfig& config, Communicator& communicator, Stopwatch& stopwatch) {
    const Parameters& parameters = config.parameters;
    const bool root = communicator.rank() == 0;
    const DerivedParameters derived = derive_parameters(parameters);
    const int threads = resolve_threads(parameters.simulation.local_num_threads, communicator);
    omp_set_num_threads(threads); // every parallel region uses the rank's threads
    const Partition partition(derived.num_neurons_total, communicator.size(), threads,
                              communicator.rank());
    const OutputFiles output(parameters.simulation.data_path);

    // Refuse before anything is created or touched.
    const std::string refusal =
        communicator.broadcast(root ? output.refusal(parameters.simulation.overwrite_files) : "");
    if (!refusal.empty()) {
        if (root) {
            std::cerr << "microcircuit_mpi: error: " << refusal << "\n";
        }
        return 1;
    }
    if (root) {
        warn_below_rheobase(derived);
        output.create_directory();
        std::cout << "microcircuit_mpi " << program_version << " (" << git_commit
                  << "): " << derived.num_neurons_total << " neurons, " << partition.ranks()
                  << " rank(s) x " << threads << " thread(s)\n";
    }
    communicator.barrier();

    RunSummary summary;
    auto file = std::make_unique<Hdf5File>(output.spikes_incomplete, communicator.comm());
    write_metadata(file->id(), config, derived, partition);
    summary.phases.init = stopwatch.lap();

    Network network(derived, partition);
    network.create();
    summary.phases.create = stopwatch.lap();
    network.connect(communicator);
    summary.phases.connect = stopwatch.lap();

    const double h = parameters.simulation.sim_resolution;
    std::unique_ptr<SpikeRecorder> spikes;
    if (parameters.simulation.record_spikes) {
        const std::uint64_t buffer =
            spikes_buffered_per_thread(derived, partition.virtual_processes());
        spikes = std::make_unique<SpikeRecorder>(file->id(), derived, communicator, h,
                                                 static_cast<std::size_t>(threads), buffer);
    }
    std::unique_ptr<VoltageRecorder> voltages;
    if (parameters.simulation.record_voltage) {
        voltages = std::make_unique<VoltageRecorder>(
            file->id(), derived, partition, communicator, h,
            static_cast<std::uint64_t>(std::llround(parameters.simulation.rec_V_int / h)),
            parameters.simulation.rec_V_num_neurons);
    }
    ProgressLine progress(h, derived.total_steps);
    const bool print = root && parameters.simulation.print_time;
    Simulation simulation(network, communicator, spikes.get(), voltages.get(),
                          print ? Simulation::Progress([&](std::uint64_t step) { progress(step); })
                                : Simulation::Progress());
    if (root) {
        std::cout << "Connected: " << derived.num_synapses_total << " synapses, min delay "
                  << network.min_delay_steps() << " step(s), max delay "
                  << network.max_delay_steps() << " steps\n";
    }
    stopwatch.lap();

    progress.start_phase(0);
    simulation.run_until(derived.presim_steps);
    summary.phases.presim = stopwatch.lap();
    if (print) {
        progress(derived.presim_steps, true);
        std::printf(" (warm-up done)\n");
    }
    progress.start_phase(derived.presim_steps);
    simulation.run_until(derived.total_steps);
    summary.phases.sim = stopwatch.lap();
    if (print) {
        progress(derived.total_steps, true);
        std::printf("\n");
    }

    simulation.finish_recording();
    spikes.reset();
    voltages.reset();
    file->close();
    communicator.barrier();
    if (root) {
        std::filesystem::rename(output.spikes_incomplete, output.spikes);
    }
    summary.phases.write = stopwatch.lap();

    // Every phase as its slowest rank saw it.
    for (double* phase : {&summary.phases.init, &summary.phases.create, &summary.phases.connect,
                          &summary.phases.presim, &summary.phases.sim, &summary.phases.write}) {
        *phase = communicator.max(*phase);
    }
    const double rss = peak_rss_mb();
    summary.peak_rss_mb_max = communicator.max(rss);
    summary.peak_rss_mb_sum = communicator.sum(rss);
    summary.t_sim_ms = parameters.simulation.t_sim;
    summary.ranks = partition.ranks();
    summary.threads = threads;
    summary.neurons = derived.num_neurons_total;
    summary.synapses = communicator.sum(network.local_synapses());
    summary.synapse_store_bytes =
        communicator.sum(static_cast<std::uint64_t>(network.synapse_store_bytes()));
    summary.min_delay_steps = network.min_delay_steps();
    summary.spikes = communicator.sum(simulation.num_local_spikes());
    summary.config_json = yaml_to_json(config.effective_yaml);
    if (root) {
        write_file_atomically(output.report, report_json(summary));
        std::cout << console_summary(summary) << "Output: " << output.spikes << ", "
                  << output.report << "\n";
    }
    return 0;
}

} // namespace

int run_application(int argc, char** argv) {
    Stopwatch stopwatch;
    MpiEnvironment mpi(&argc, &argv);
    Communicator communicator;
    const bool root = communicator.rank() == 0;
    try {
        const CommandLine command_line = parse_command_line(argc, argv);
        if (command_line.help || command_line.version) {
            if (root) {
                std::cout << (command_line.help ? usage_text()
                                                : std::string("microcircuit_mpi ") +
                                                      program_version + " (" + git_commit + ")\n");
            }
            return 0;
        }
        const LoadedConfig config = load_config(command_line.config_file, command_line.overrides);
        if (command_line.print_config) {
            if (root) {
                std::cout << config.effective_yaml << "\n";
            }
            return 0;
        }
        if (command_line.dry_run) {
            if (root) {
                const int threads =
                    resolve_threads(config.parameters.simulation.local_num_threads, communicator);
                std::cout << dry_run_text(config.parameters, derive_parameters(config.parameters),
                                          communicator.size(), threads);
            } else {
                resolve_threads(config.parameters.simulation.local_num_threads, communicator);
            }
            return 0;
        }
        return simulate(config, communicator, stopwatch);
    } catch (const ConfigError& error) {
        if (root) {
            std::cerr << "microcircuit_mpi: error: " << error.what() << "\n";
        }
        return 1;
    } catch (const std::exception& error) {
        communicator.abort(error.what());
    }
}

} // namespace microcircuit
