// Where a configuration value came from (a file's line and column, or a
// --set), and the ConfigError that names it with the key.
#pragma once

#include "microcircuit/config.hpp"

#include <yaml-cpp/yaml.h>

#include <string>

namespace microcircuit::config {

// Where a value came from, for error messages.
struct Origin {
    std::string source; // file name or "--set a.b=c"
    bool has_line = false;
    int line = 0;
    int column = 0;

    std::string describe() const {
        if (!has_line) {
            return source;
        }
        return source + ":" + std::to_string(line + 1) + ":" + std::to_string(column + 1);
    }
};

// The origin of `node` read from `source` (with its line where YAML knows it).
Origin origin_of(const std::string& source, const YAML::Node& node);

// Throws ConfigError "origin: key: what".
[[noreturn]] void fail(const Origin& origin, const std::string& key, const std::string& what);

} // namespace microcircuit::config
