#!/bin/sh
# Builds the libFuzzer harnesses (tests/fuzz, clang, its own build directory)
# and runs each for SECONDS (default 10) from its seed corpus in
# tests/fuzz/corpus/<harness>/; new inputs go to a scratch copy, crashes to
# WORK/<harness>/ (exit status 1). Usage: tools/fuzz.sh [SECONDS] [WORK]
set -eu
cd "$(dirname "$0")/.."
seconds=${1:-10}
work=${2:-build-fuzz/runs}
build=${MICROCIRCUIT_FUZZ_BUILD:-build-fuzz}
CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DMICROCIRCUIT_WERROR=ON -DMICROCIRCUIT_FUZZ=ON -DMICROCIRCUIT_NATIVE=OFF \
    -DMICROCIRCUIT_TESTS=OFF -DMICROCIRCUIT_PYTHON=OFF >/dev/null
harnesses="fuzz_config fuzz_command_line fuzz_journal fuzz_checkpoint"
# shellcheck disable=SC2086
cmake --build "$build" -j "$(nproc)" --target $harnesses >/dev/null
status=0
for harness in $harnesses; do
    mkdir -p "$work/$harness/corpus"
    cp -n tests/fuzz/corpus/"$harness"/* "$work/$harness/corpus/"
    echo "== $harness: $seconds s"
    # MPI's and HDF5's own allocations at exit are not ours to report.
    if ! ASAN_OPTIONS=detect_leaks=0 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
        "$build/tests/fuzz/$harness" -max_total_time="$seconds" -print_final_stats=1 \
        -artifact_prefix="$work/$harness/" "$work/$harness/corpus" \
        >"$work/$harness/log" 2>&1; then
        echo "$harness failed: see $work/$harness/log and the crash-* files beside it"
        status=1
    fi
    grep -E "^stat::number_of_executed_units|^#[0-9]+.*DONE" "$work/$harness/log" || true
done
exit $status
