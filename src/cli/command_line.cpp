#include "cli/command_line.hpp"

#include "microcircuit/config.hpp"

#include <exception>
#include <string>

namespace microcircuit {

CommandLine parse_command_line(int argc, const char* const* argv) {
    CommandLine command_line;
    for (int i = 1; i < argc; ++i) {
        const std::string argument = argv[i];
        auto value = [&](const std::string& option) -> std::string {
            if (i + 1 >= argc) {
                throw ConfigError("command line: " + option + " needs an argument");
            }
            return argv[++i];
        };
        if (argument == "--config" || argument == "-c") {
            command_line.config_file = value(argument);
        } else if (argument.rfind("--config=", 0) == 0) {
            command_line.config_file = argument.substr(9);
        } else if (argument == "--set" || argument == "-s") {
            command_line.overrides.push_back(value(argument));
        } else if (argument.rfind("--set=", 0) == 0) {
            command_line.overrides.push_back(argument.substr(6));
        } else if (argument == "--restart") {
            command_line.restart = value(argument);
        } else if (argument.rfind("--restart=", 0) == 0) {
            command_line.restart = argument.substr(10);
        } else if (argument == "--print-config") {
            command_line.print_config = true;
        } else if (argument == "--dry-run") {
            command_line.dry_run = true;
        } else if (argument == "--ranks" || argument == "--threads") {
            const std::string text = value(argument);
            int number = 0;
            try {
                std::size_t used = 0;
                number = std::stoi(text, &used);
                if (used != text.size()) {
                    number = 0;
                }
            } catch (const std::exception&) {
                number = 0;
            }
            if (number < 1) {
                throw ConfigError("command line: " + argument +
                                  " expects a positive integer, got '" + text + "'");
            }
            (argument == "--ranks" ? command_line.dry_run_ranks : command_line.dry_run_threads) =
                number;
        } else if (argument == "--help" || argument == "-h") {
            command_line.help = true;
        } else if (argument == "--version") {
            command_line.version = true;
        } else {
            throw ConfigError("command line: unknown argument '" + argument + "' (see --help)");
        }
    }
    if ((command_line.dry_run_ranks != 0 || command_line.dry_run_threads != 0) &&
        !command_line.dry_run) {
        throw ConfigError("command line: --ranks and --threads go with --dry-run (a run takes its "
                          "ranks from mpirun and its threads from simulation.local_num_threads)");
    }
    return command_line;
}

std::string usage_text() {
    return "usage: microcircuit_mpi [--config FILE] [--set section.key=value ...]\n"
           "                        [--print-config] [--dry-run [--ranks R] [--threads T]]\n"
           "                        [--restart DIR] [--help] [--version]\n"
           "\n"
           "Simulates the Potjans & Diesmann (2014) cortical microcircuit on MPI ranks x\n"
           "OpenMP threads; run it under mpirun for more than one rank.\n"
           "\n"
           "  --config FILE          YAML configuration (sections simulation, network,\n"
           "                         stimulus); without it the built-in defaults are used\n"
           "  --set section.key=V    override one key (YAML value), e.g.\n"
           "                         --set network.N_scaling=0.2 --set simulation.t_sim=2000\n"
           "  --print-config         print the effective configuration as YAML and exit\n"
           "  --dry-run              derive everything, print neurons and synapses per\n"
           "                         population and projection and the memory per rank, exit\n"
           "  --ranks R, --threads T with --dry-run: estimate for R ranks x T threads\n"
           "                         (default: this run's) without starting them\n"
           "  --restart DIR          continue the interrupted run in DIR from its\n"
           "                         checkpoint.h5, on any number of ranks and threads;\n"
           "                         its configuration comes from the checkpoint (--set may\n"
           "                         change only how it runs, e.g. local_num_threads)\n"
           "\n"
           "Checkpoints: every simulation.checkpoint_interval ms of simulated time, and on\n"
           "SIGTERM or SIGUSR1 (then the run exits with status 75; continue it with\n"
           "--restart). A restarted run's spikes equal an uninterrupted run's.\n"
           "\n"
           "Output: <data_path>/spikes.h5 (SONATA spikes, metadata, voltages) and\n"
           "<data_path>/report.json (phase times, real-time factor, memory).\n";
}

} // namespace microcircuit
