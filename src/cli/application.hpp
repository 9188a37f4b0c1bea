// The program: command line -> configuration -> network -> simulation -> output.
#pragma once

namespace microcircuit {

// Returns the process exit code: 0 on success, 1 on bad input or failure.
int run_application(int argc, char** argv);

} // namespace microcircuit
