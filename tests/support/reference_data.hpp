// Locating and reading the reference data (data/reference) in tests.
// The JSON files are read with yaml-cpp (JSON is YAML).
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <string>

namespace microcircuit::testing {

inline std::string reference_dir() {
    if (const char* dir = std::getenv("PD14_REFERENCE_DIR")) {
        return dir;
    }
    return MICROCIRCUIT_REFERENCE_DIR;
}

inline YAML::Node load_reference(const std::string& relative_path) {
    return YAML::LoadFile(reference_dir() + "/" + relative_path);
}

} // namespace microcircuit::testing
