// libFuzzer: the command line. The input is the arguments, separated by NUL
// bytes. Any input must end in a CommandLine or a ConfigError.
#include "cli/command_line.hpp"
#include "microcircuit/config.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::vector<std::string> words{"microcircuit_mpi"};
    std::string word;
    for (std::size_t i = 0; i < size; ++i) {
        if (data[i] == 0) {
            words.push_back(word);
            word.clear();
        } else {
            word.push_back(static_cast<char>(data[i]));
        }
    }
    words.push_back(word);
    std::vector<const char*> argv;
    for (const auto& w : words) {
        argv.push_back(w.c_str());
    }
    argv.push_back(nullptr);
    try {
        microcircuit::parse_command_line(static_cast<int>(words.size()), argv.data());
    } catch (const microcircuit::ConfigError&) {
    }
    return 0;
}
