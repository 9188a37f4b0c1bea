// The settings of a configuration: walks a YAML file's sections and keys and
// the --set overrides, and pairs each value with its key's field and origin.
#pragma once

#include "config/field.hpp"
#include "config/origin.hpp"

#include <yaml-cpp/yaml.h>

#include <string>
#include <utility>
#include <vector>

namespace microcircuit::config {

// A value as set by the user, with where it was set.
struct Setting {
    YAML::Node value;
    Origin origin;
};

// The YAML of a configuration file; ConfigError naming the file (and line) if
// it cannot be read or parsed.
YAML::Node load_file(const std::string& file);

// The settings of a file's YAML `root`, in order; old key names are noted in `warnings`.
void collect_file_settings(const std::string& file, const YAML::Node& root,
                           std::vector<std::pair<const Field*, Setting>>& settings,
                           std::vector<std::string>& warnings);

// The setting of one "section.key=value" override.
void collect_override(const std::string& text,
                      std::vector<std::pair<const Field*, Setting>>& settings,
                      std::vector<std::string>& warnings);

} // namespace microcircuit::config
