#include "microcircuit/parameters.hpp"

namespace microcircuit {

const std::array<const char*, num_populations> population_names = {"L23E", "L23I", "L4E", "L4I",
                                                                   "L5E",  "L5I",  "L6E", "L6I"};

} // namespace microcircuit
