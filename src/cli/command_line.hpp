// microcircuit_mpi [--config FILE] [--set section.key=value ...] [--print-config]
//                  [--dry-run [--ranks R] [--threads T]] [--restart DIR]
#pragma once

#include <string>
#include <vector>

namespace microcircuit {

struct CommandLine {
    std::string config_file;            // empty: the built-in defaults
    std::vector<std::string> overrides; // "section.key=value", applied in order
    bool print_config = false;
    bool dry_run = false;
    int dry_run_ranks = 0;   // --ranks: the decomposition a dry run estimates (0: this run's)
    int dry_run_threads = 0; // --threads
    std::string restart;     // --restart: the directory (or file) of a checkpoint to continue from
    bool help = false;
    bool version = false;
};

// Throws ConfigError on an unknown option or a missing argument.
CommandLine parse_command_line(int argc, const char* const* argv);
std::string usage_text();

// The exit status of a run stopped by SIGTERM or SIGUSR1 after writing its
// checkpoint: not finished, to be continued with --restart (EX_TEMPFAIL).
constexpr int exit_checkpointed = 75;

} // namespace microcircuit
