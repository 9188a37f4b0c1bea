// libFuzzer: the YAML configuration with --set overrides. The input is the
// YAML text, then (after a NUL byte) one override a line. Any input must end
// in parameters or a ConfigError; anything else (another exception, a
// crash, a sanitizer's report) is a finding.
#include "microcircuit/config.hpp"

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string input(reinterpret_cast<const char*>(data), size);
    const auto split = input.find('\0');
    const std::string yaml = input.substr(0, split);
    std::vector<std::string> overrides;
    if (split != std::string::npos) {
        std::istringstream lines(input.substr(split + 1));
        for (std::string line; std::getline(lines, line);) {
            overrides.push_back(line);
        }
    }
    try {
        const auto config = microcircuit::load_config_text(yaml, "fuzz.yaml", overrides);
        // What was accepted must read back to the same parameters.
        const auto again = microcircuit::load_config_text(config.effective_yaml, "again", {});
        if (!microcircuit::differing_keys(config.parameters, again.parameters).empty()) {
            __builtin_trap();
        }
    } catch (const microcircuit::ConfigError&) {
    }
    return 0;
}
