#include "cli/application.hpp"

#include "cli/command_line.hpp"
#include "cli/dry_run.hpp"
#include "cli/progress_line.hpp"
#include "microcircuit/config.hpp"
#include "microcircuit/context.hpp"
#include "microcircuit/output.hpp"
#include "microcircuit/run_report.hpp"
#include "microcircuit/run_summary.hpp"
#include "microcircuit/simulator.hpp"
#include "microcircuit/version.hpp"
#include "parallel/communicator.hpp"

#include <chrono>
#include <cstdio>
#include <iostream>
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

// `phase` says what the run is doing, for the message if it fails.
int run(const LoadedConfig& config, Context& context, Simulator& simulator, RunOutput& output,
        Stopwatch& stopwatch, const char*& phase) {
    const bool root = context.rank() == 0;
    const DerivedParameters& derived = simulator.derived();
    if (SpikeSink* sink = output.spike_sink()) {
        simulator.add_spike_sink(*sink);
    }
    if (VoltageSink* sink = output.voltage_sink()) {
        simulator.add_voltage_sink(*sink);
    }
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

    const bool print = root && config.parameters.simulation.print_time;
    ProgressLine progress(static_cast<double>(derived.total_steps) * derived.resolution);
    if (print) {
        simulator.set_progress([&progress](double time_ms) { progress(time_ms); });
    }
    if (root) {
        std::cout << "Connected: " << derived.num_synapses_total << " synapses, min delay "
                  << simulator.min_delay_steps() << " step(s), max delay "
                  << simulator.max_delay_steps() << " steps\n";
    }
    stopwatch.lap();

    const double presim_ms = static_cast<double>(derived.presim_steps) * derived.resolution;
    const double sim_ms =
        static_cast<double>(derived.total_steps - derived.presim_steps) * derived.resolution;
    progress.start_phase(0.0);
    phase = "while simulating";
    simulator.simulate(presim_ms);
    summary.phases.presim = stopwatch.lap();
    if (print) {
        progress(presim_ms, true);
        ProgressLine::finish_line(" (warm-up done)");
    }
    progress.start_phase(presim_ms);
    simulator.simulate(sim_ms);
    summary.phases.sim = stopwatch.lap();
    if (print) {
        progress(presim_ms + sim_ms, true);
        ProgressLine::finish_line("");
    }

    phase = "while writing the output";
    simulator.flush_recordings();
    output.finish();
    summary.phases.write = stopwatch.lap();

    summary = summarize_run(context, simulator, config, summary.phases);
    output.write_report(summary);
    disarm_exit_guard();
    if (root) {
        std::cout << console_summary(summary) << "Output: " << output.spikes_path() << ", "
                  << output.report_path() << "\n";
    }
    return 0;
}

int simulate(const LoadedConfig& config, Context& context, Stopwatch& stopwatch,
             const char*& phase) {
    phase = "while setting up the network and the output";
    Simulator simulator(context, config.parameters);
    RunOutput output(context, config, simulator.derived(), simulator.threads());
    arm_exit_guard(context.communicator(), [&phase] {
        return std::string("the process is ending before the run is done (the message above "
                           "says why) (") +
               phase + ")";
    });
    try {
        return run(config, context, simulator, output, stopwatch, phase);
    } catch (...) {
        // Here, with the output still open: unwinding past it would close
        // its files collectively, waiting for ranks that may never come.
        context.communicator().abort(std::current_exception(), phase);
    }
}

} // namespace

int run_application(int argc, char** argv) {
    Stopwatch stopwatch;
    const char* phase = "";
    Context context(&argc, &argv);
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
        const LoadedConfig config = load_config(command_line.config_file, command_line.overrides);
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
            if (root) {
                std::cout << dry_run_text(config.parameters, derive_parameters(config.parameters),
                                          ranks, threads);
            }
            return 0;
        }
        return simulate(config, context, stopwatch, phase);
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
