#!/usr/bin/python3
"""Benchmark harness of microcircuit_mpi: its performance against NEST and the machine.

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

    python3 tools/benchmark --quick                      # a few minutes on 2 cores
    tools/benchmark                              # scales 0.1 .. 1.0 (long)
    python3 tools/benchmark --scales 0.5:dc --layouts 1x1,1x2 --repeats 1
    python3 tools/benchmark --compare tools/benchmark/baseline.json   # quick + ratios
    python3 tools/benchmark --from-json OUT/results.json --compare tools/benchmark/baseline.json
    python3 tools/benchmark --quick --save-baseline tools/benchmark/baseline.json

This file is the command line of the package tools/benchmark; docs/performance.md is the method.
"""
import os
import sys

sys.dont_write_bytecode = True  # leave no __pycache__ in the source tree
# `python3 tools/benchmark` puts this folder first on the path: the package's
# parent (tools) instead, and the analysis package beside microcircuit.
_TOOLS = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
sys.path[0] = _TOOLS
sys.path.insert(1, os.path.join(os.path.dirname(_TOOLS), "python"))

from benchmark.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
