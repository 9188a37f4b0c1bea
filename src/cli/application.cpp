#include "cli/application.hpp"

#include "cli/command_line.hpp"
#include "cli/dry_run.hpp"
#include "cli/progress_line.hpp"
#include "cli/stop_signals.hpp"
#include "microcircuit/checkpoint.hpp"
#include "microcircuit/config.hpp"
#include "microcircuit/context.hpp"
#include "microcircuit/output.hpp"
#include "microcircuit/run_report.hpp"
#include "microcircuit/run_summary.hpp"
#include "microcircuit/simulator.hpp"
#include "microcircuit/version.hpp"
#include "memory/memory_check.hpp"
#include "parallel/communicator.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <string>

namespace microcircuit {

namespace {

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

void warn_below_rheobase(const DerivedParameters& derived) {
    for (int p : derived.below_rheobase) {
        std::cerr << "microcircuit_mpi: warning: the DC input of " << population_names[p] << " ("
                  << derived.dc_amplitude[p] << " pA) is below the rheobase (" << derived.rheobase
                  << " pA); it can fire only through recurrent input\n";
    }
}

// Flushes the recordings, puts the journals on disk and writes the
// checkpoint that refers to them.
void write_checkpoint(Simulator& simulator, RunOutput& output, bool root) {
    const auto start = std::chrono::steady_clock::now();
    simulator.flush_recordings();
    const RecordingPositions positions = output.sync();
    simulator.save_checkpoint(output.checkpoint_path(), positions);
    if (root) {
        std::error_code error;
        const auto bytes = std::filesystem::file_size(output.checkpoint_path(), error);
        std::cout << "Checkpoint at " << std::fixed << std::setprecision(1) << simulator.time_ms()
                  << " ms: " << output.checkpoint_path() << " ("
                  << static_cast<double>(error ? 0 : bytes) / (1024.0 * 1024.0) << " MB, "
                  << std::setprecision(2)
                  << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()
                  << " s)" << std::endl;
    }
}

// The run after its setup. `restart`: the checkpoint to continue from, or
// empty for a new run (whose output is open already). `phase` says what the
// run is doing, for the message if it fails.
int run(const LoadedConfig& config, Context& context, Simulator& simulator,
        std::unique_ptr<RunOutput>& output, Stopwatch& stopwatch, const std::string& restart,
        const StopSignals& signals, const char*& phase) {
    const bool root = context.rank() == 0;
    const DerivedParameters& derived = simulator.derived();
    simulator.set_stop_flag(signals.flag());
    if (root) {
        warn_below_rheobase(derived);
        std::cout << "microcircuit_mpi " << program_version << " (" << git_commit
                  << "): " << derived.num_neurons_total << " neurons, " << context.ranks()
                  << " rank(s) x " << simulator.threads() << " thread(s)\n";
    }
    RunSummary summary;
    summary.phases.init = stopwatch.lap();

    phase = "while creating the network";
    simulator.create();
    summary.phases.create = stopwatch.lap();
    phase = "while connecting the network";
    simulator.connect();
    summary.phases.connect = stopwatch.lap();
    if (!restart.empty()) {
        phase = "while restoring the checkpoint";
        const RecordingPositions positions = simulator.restore_checkpoint(restart);
        output =
            std::make_unique<RunOutput>(context, config, derived, simulator.threads(), &positions);
        if (root) {
            std::cout << "Continuing from the checkpoint at " << std::fixed << std::setprecision(1)
                      << simulator.time_ms() << " ms\n";
        }
    }
    if (SpikeSink* sink = output->spike_sink()) {
        simulator.add_spike_sink(*sink);
    }
    if (VoltageSink* sink = output->voltage_sink()) {
        simulator.add_voltage_sink(*sink);
    }

    const double h = derived.resolution;
    const bool print = root && config.parameters.simulation.print_time;
    ProgressLine progress(static_cast<double>(derived.total_steps) * h);
    if (print) {
        simulator.set_progress([&progress](double time_ms) { progress(time_ms); });
    }
    if (root) {
        std::cout << "Connected: " << derived.num_synapses_total << " synapses, min delay "
                  << simulator.min_delay_steps() << " step(s), max delay "
                  << simulator.max_delay_steps() << " steps" << std::endl;
    }
    stopwatch.lap();

    const double checkpoint_interval = config.parameters.simulation.checkpoint_interval;
    const std::uint64_t every = checkpoint_interval > 0.0
                                    ? std::max<std::uint64_t>(1, steps_of(checkpoint_interval, h))
                                    : 0;
    const std::uint64_t presim = derived.presim_steps;
    const std::uint64_t total = derived.total_steps;
    progress.start_phase(simulator.time_ms());
    while (simulator.step() < total) {
        const std::uint64_t step = simulator.step();
        std::uint64_t next = step < presim ? presim : total;
        if (every != 0) {
            next = std::min(next, (step / every + 1) * every);
        }
        phase = "while simulating";
        simulator.simulate(static_cast<double>(next - step) * h);
        if (simulator.interrupted()) {
            phase = "while writing the checkpoint";
            write_checkpoint(simulator, *output, root);
            disarm_exit_guard();
            if (root) {
                std::cerr << "microcircuit_mpi: stopped by signal " << signals.received() << " at "
                          << std::fixed << std::setprecision(1) << simulator.time_ms()
                          << " ms of simulated time; continue with: microcircuit_mpi --restart "
                          << config.parameters.simulation.data_path << "\n";
            }
            return exit_checkpointed;
        }
        if (simulator.step() == presim && presim > step) {
            summary.phases.presim = stopwatch.lap();
            if (print) {
                progress(simulator.time_ms(), true);
                ProgressLine::finish_line(" (warm-up done)");
            }
            progress.start_phase(simulator.time_ms());
        }
        if (every != 0 && simulator.step() % every == 0 && simulator.step() < total) {
            phase = "while writing the checkpoint";
            write_checkpoint(simulator, *output, root);
        }
    }
    summary.phases.sim = stopwatch.lap();
    if (print) {
        progress(simulator.time_ms(), true);
        ProgressLine::finish_line("");
    }

    const bool keep_checkpoint = config.parameters.simulation.checkpoint_at_end;
    if (keep_checkpoint) {
        phase = "while writing the checkpoint";
        write_checkpoint(simulator, *output, root);
    }
    phase = "while writing the output";
    simulator.flush_recordings();
    output->finish(keep_checkpoint);
    summary.phases.write = stopwatch.lap();

    summary = summarize_run(context, simulator, config, summary.phases);
    output->write_report(summary);
    disarm_exit_guard();
    if (root) {
        // The run is complete: its checkpoint is of no further use unless
        // kept to extend it (nor one that a killed run left half-written).
        if (!keep_checkpoint) {
            std::filesystem::remove(output->checkpoint_path());
        }
        std::filesystem::remove(output->checkpoint_path() + ".incomplete");
        std::cout << console_summary(summary) << "Output: " << output->spikes_path() << ", "
                  << output->report_path() << "\n";
    }
    return 0;
}

int simulate(const LoadedConfig& config, Context& context, Stopwatch& stopwatch,
             const std::string& restart, const StopSignals& signals, const char*& phase) {
    phase = "while setting up the network and the output";
    Simulator simulator(context, config.parameters);
    // A new run checks its output directory before building anything; a
    // continued one once the checkpoint has been read and checked.
    std::unique_ptr<RunOutput> output;
    if (restart.empty()) {
        output =
            std::make_unique<RunOutput>(context, config, simulator.derived(), simulator.threads());
    }
    arm_exit_guard(context.communicator(), [&phase] {
        return std::string("the process is ending before the run is done (the message above "
                           "says why) (") +
               phase + ")";
    });
    try {
        return run(config, context, simulator, output, stopwatch, restart, signals, phase);
    } catch (const CheckpointError&) {
        // A checkpoint or its recordings refused, on every rank alike, before
        // any output is written.
        disarm_exit_guard();
        throw;
    } catch (...) {
        // Here, with the output still open: unwinding past it would close
        // its files collectively, waiting for ranks that may never come.
        context.communicator().abort(std::current_exception(), phase);
    }
}

// The configuration of a new run, or of the run a checkpoint continues: the
// checkpoint's own (or --config's, checked against it), the --set overrides,
// and the checkpoint's directory as the output directory.
LoadedConfig load_run_config(const CommandLine& command_line, Context& context) {
    if (command_line.restart.empty()) {
        return load_config(command_line.config_file, command_line.overrides);
    }
    const CheckpointInfo info = read_checkpoint_info(context, command_line.restart);
    LoadedConfig config =
        command_line.config_file.empty()
            ? load_config_text(info.config_yaml, "the configuration in " + info.path,
                               command_line.overrides)
            : load_config(command_line.config_file, command_line.overrides);
    config.parameters.simulation.data_path =
        std::filesystem::path(info.path).parent_path().string();
    config.effective_yaml = to_yaml(config.parameters);
    const std::string conflicts = checkpoint_conflicts(info, config.parameters);
    if (!conflicts.empty()) {
        throw CheckpointError(conflicts);
    }
    return config;
}

} // namespace

int run_application(int argc, char** argv) {
    Stopwatch stopwatch;
    const char* phase = "";
    Context context(&argc, &argv);
    const StopSignals signals; // after MPI's initialisation, which may install its own
    const bool root = context.rank() == 0;
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
        const LoadedConfig config = load_run_config(command_line, context);
        for (const auto& warning : config.warnings) {
            if (root) {
                std::cerr << "microcircuit_mpi: warning: " << warning << "\n";
            }
        }
        if (command_line.print_config) {
            if (root) {
                std::cout << config.effective_yaml << "\n";
            }
            return 0;
        }
        if (command_line.dry_run) {
            // Collective: every rank takes part in counting the node's ranks.
            const int threads =
                command_line.dry_run_threads != 0
                    ? command_line.dry_run_threads
                    : context.threads_for(config.parameters.simulation.local_num_threads);
            const int ranks =
                command_line.dry_run_ranks != 0 ? command_line.dry_run_ranks : context.ranks();
            // --ranks R without mpirun: as if all R ran on this node.
            const int ranks_on_node = command_line.dry_run_ranks != 0
                                          ? command_line.dry_run_ranks
                                          : context.communicator().ranks_on_node();
            if (root) {
                std::cout << dry_run_text(config.parameters, derive_parameters(config.parameters),
                                          ranks, threads, ranks_on_node, read_available_memory());
            }
            return 0;
        }
        if (config.parameters.simulation.memory_check) {
            // Before anything is built or written; every rank has the same verdict.
            const std::string refusal =
                memory_refusal(context.communicator(), config.parameters,
                               context.threads_for(config.parameters.simulation.local_num_threads));
            if (!refusal.empty()) {
                throw ConfigError(refusal);
            }
        }
        return simulate(config, context, stopwatch, command_line.restart, signals, phase);
    } catch (const ConfigError& error) {
        if (root) {
            std::cerr << "microcircuit_mpi: error: " << error.what() << "\n";
        }
        return 1;
    } catch (...) {
        context.communicator().abort(std::current_exception(), phase);
    }
}

} // namespace microcircuit
