#include "cli/application.hpp"

int main(int argc, char** argv) { return microcircuit::run_application(argc, argv); }
