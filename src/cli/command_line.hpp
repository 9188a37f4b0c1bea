// microcircuit_mpi [--config FILE] [--set section.key=value ...] [--print-config] [--dry-run]
#pragma once

#include <string>
#include <vector>

namespace microcircuit {

struct CommandLine {
    std::string config_file;            // empty: the built-in defaults
    std::vector<std::string> overrides; // "section.key=value", applied in order
    bool print_config = false;
    bool dry_run = false;
    bool help = false;
    bool version = false;
};

// Throws ConfigError on an unknown option or a missing argument.
CommandLine parse_command_line(int argc, const char* const* argv);
std::string usage_text();

} // namespace microcircuit
