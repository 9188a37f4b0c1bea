#!/usr/bin/python3
"""Benchmark harness of microcircuit_mpi (issue 4: performance).

Runs the simulator over scales, drives, ranks x threads and recording on/off,
repeats every point, measures the machine with stream_triad (memory
bandwidth, the engine's inner loops; built by CMake beside the engine),
computes the real-time factors these allow and writes

    OUT/runs.csv       one row per run (every repeat)
    OUT/summary.csv    one row per point: median, min and max over the repeats
    OUT/results.json   all of it: machine, bandwidth, runs, summary, scaling,
                       limit model, NEST comparison data
    OUT/table.txt      the table printed at the end, beside NEST's numbers
    OUT/table.md       the same tables in Markdown
    OUT/plots/*.png|svg

Usage (from the repository root):

    tools/benchmark.py --quick                      # a few minutes on 2 cores
    tools/benchmark.py                              # scales 0.1 .. 1.0 (long)
    tools/benchmark.py --scales 0.5:dc --layouts 1x1,1x2 --repeats 1
    tools/benchmark.py --compare tools/benchmark_baseline.json   # quick + ratios
    tools/benchmark.py --from-json OUT/results.json --compare tools/benchmark_baseline.json
    tools/benchmark.py --quick --save-baseline tools/benchmark_baseline.json

The code is the package tools/pd14bench; docs/performance.md is the method.
"""
import os
import sys

sys.dont_write_bytecode = True  # leave no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))

from pd14bench.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
