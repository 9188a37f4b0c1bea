// A seal at the end of a finished file: eight bytes "MCSEALED" and a digest
// of every byte before them. A file is checked against its seal before a
// library parses it, so that damage is refused with a clear message instead
// of reaching a parser that trusts its input (HDF5's does).
#pragma once

#include <string>

namespace microcircuit {

// Appends the seal to the file at `path`; throws std::runtime_error.
void seal_file(const std::string& path);

// Empty if the file at `path` ends in a seal that matches its bytes, else
// what is wrong.
std::string seal_problem(const std::string& path);

} // namespace microcircuit
