// Reading and validating the YAML configuration (three sections, as the
// reference's three dictionaries: simulation, network, stimulus).
//
// Every key has a schema entry (type, range, default). A bad input is reported
// as a ConfigError naming the key and, where there is one, the file and line,
// so that the program can stop before it creates or touches any output.
#pragma once

#include "microcircuit/parameters.hpp"

#include <stdexcept>
#include <string>
#include <vector>

namespace microcircuit {

class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct LoadedConfig {
    Parameters parameters;
    std::string effective_yaml; // every key, defaults filled in, as YAML
    // Settings that work but should change (old key names), with where they are.
    std::vector<std::string> warnings;
};

// Reads `config_file` (may be empty: defaults only), then applies each
// "section.key=value" override in order. Throws ConfigError on any bad input.
LoadedConfig load_config(const std::string& config_file, const std::vector<std::string>& overrides);

// The same from YAML text; `source` names it in messages (a checkpoint, say).
LoadedConfig load_config_text(const std::string& yaml_text, const std::string& source,
                              const std::vector<std::string>& overrides);

// The keys whose values differ, each as "section.key: a vs b".
std::vector<std::string> differing_keys(const Parameters& a, const Parameters& b);

// Every key with its value, as YAML (what load_config reads back to the same
// parameters).
std::string to_yaml(const Parameters& parameters);

// The effective configuration as a JSON object (for report.json).
std::string yaml_to_json(const std::string& yaml_text);

} // namespace microcircuit
