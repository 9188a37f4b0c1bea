// microcircuit_mpi [--config FILE] [--set section.key=value ...] [--print-config]
//                  [--dry-run [--ranks R] [--threads T]]
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
    bool help = false;
    bool version = false;
};

// Throws ConfigError on an unknown option or a missing argument.
CommandLine parse_command_line(int argc, const char* const* argv);
std::string usage_text();

} // namespace microcircuit
