#include "cli/application.hpp"

#include "cli/command_line.hpp"
#include "cli/dry_run.hpp"
#include "cli/stop_signals.hpp"
#include "memory/memory_check.hpp"
#include "microcircuit/checkpoint.hpp"
#include "microcircuit/config.hpp"
#include "microcircuit/context.hpp"
#include "microcircuit/output.hpp"
#include "microcircuit/run.hpp"
#include "microcircuit/run_report.hpp"
#include "microcircuit/simulator.hpp"
#include "microcircuit/version.hpp"
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

void warn_below_rheobase(const DerivedParameters& derived) {
    for (int p : derived.below_rheobase) {
        std::cerr << "microcircuit_mpi: warning: the DC input of " << population_names[p] << " ("
                  << derived.dc_amplitude[p] << " pA) is below the rheobase (" << derived.rheobase
                  << " pA); it can fire only through recurrent input\n";
    }
}

// A new run, or the continuation of an interrupted one, to its configured
// end. `phase` says what the run is doing, for the message if it fails.
int simulate(const LoadedConfig& config, Context& context, RunOptions options,
             const StopSignals& signals, const char*& phase) {
    const bool root = context.rank() == 0;
    phase = "while setting up the network and the output";
    options.stop_flag = signals.flag();
    Run run(context, config, options);
    arm_exit_guard(context.communicator(), [&phase] {
        return std::string("the process is ending before the run is done (the message above "
                           "says why) (") +
               phase + ")";
    });
    try {
        if (root) {
            warn_below_rheobase(run.derived());
            std::cout << "microcircuit_mpi " << program_version << " (" << git_commit
                      << "): " << run.derived().num_neurons_total << " neurons, " << context.ranks()
                      << " rank(s) x " << run.simulator().threads() << " thread(s)\n";
        }
        phase = "while creating the network";
        run.create();
        phase = options.restart.empty()
                    ? "while connecting the network"
                    : "while connecting the network and restoring the checkpoint";
        run.connect();
        if (root) {
            std::cout << "Connected: " << run.derived().num_synapses_total
                      << " synapses, min delay " << run.simulator().min_delay_steps()
                      << " step(s), max delay " << run.simulator().max_delay_steps() << " steps"
                      << std::endl;
        }
        phase = "while simulating";
        if (!run.simulate_configured()) {
            disarm_exit_guard();
            if (root) {
                std::cerr << "microcircuit_mpi: stopped by signal " << signals.received() << " at "
                          << std::fixed << std::setprecision(1) << run.time_ms()
                          << " ms of simulated time; continue with: microcircuit_mpi --restart "
                          << config.parameters.simulation.data_path << "\n";
            }
            return exit_checkpointed;
        }
        phase = "while writing the output";
        run.finish();
        disarm_exit_guard();
        return 0;
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
    const auto started = std::chrono::steady_clock::now();
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
        if (!command_line.restart.empty() && finished_run_in(context, command_line.restart)) {
            if (root) {
                std::cout << "microcircuit_mpi: the run in " << command_line.restart
                          << " is complete (its report is written and no checkpoint is left to "
                             "continue from): nothing to do\n";
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
                std::cout << dry_run_text(config.parameters, ranks, threads, ranks_on_node,
                                          read_available_memory());
            }
            return 0;
        }
        RunOptions options;
        options.restart = command_line.restart;
        options.started = started;
        return simulate(config, context, options, signals, phase);
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
