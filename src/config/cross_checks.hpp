// Checks that involve several keys: errors (times off the grid, empty
// populations, a reset above the threshold, nothing to simulate) and warnings
// for settings that are valid but probably not what was meant.
#pragma once

#include "microcircuit/parameters.hpp"

#include <string>
#include <vector>

namespace microcircuit::config {

// Throws ConfigError naming the key at fault.
void check_consistency(const Parameters& p);

// Settings that are valid but probably not what was meant.
void collect_warnings(const Parameters& p, std::vector<std::string>& warnings);

} // namespace microcircuit::config
