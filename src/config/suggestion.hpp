// "Did you mean": the closest of the known names to a misspelt one.
#pragma once

#include <string>
#include <vector>

namespace microcircuit::config {

// " (did you mean X?)" for the closest of `candidates` within a few edits, else "".
std::string suggestion(const std::string& name, const std::vector<std::string>& candidates);

} // namespace microcircuit::config
