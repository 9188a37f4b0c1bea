#!/bin/sh
# Checks formatting (clang-format; black and flake8 for Python) and static
# analysis (clang-tidy), builds
# microcircuit_mpi with warnings as errors and runs every test (ctest:
# unit, MPI, end-to-end, analysis, SLURM); then builds again with
# AddressSanitizer and UndefinedBehaviorSanitizer and runs the unit, MPI and
# end-to-end tests there, and runs each fuzz harness for a few seconds.
# Usage: tools/run_tests.sh [--no-sanitizers]
set -eu
cd "$(dirname "$0")/.."
tools/install_dependencies.sh
jobs=$(nproc)

tools/check_format.sh
tools/check_python.sh

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DMICROCIRCUIT_WERROR=ON
cmake --build build -j "$jobs"
tools/check_tidy.sh build
ctest --test-dir build --output-on-failure

if [ "${1:-}" != "--no-sanitizers" ]; then
    cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMICROCIRCUIT_WERROR=ON \
        -DMICROCIRCUIT_SANITIZE=ON -DMICROCIRCUIT_PYTHON=OFF
    cmake --build build-sanitize -j "$jobs"
    ctest --test-dir build-sanitize --output-on-failure -L "unit|end_to_end" -E analysis
fi

tools/fuzz.sh 5
