#!/usr/bin/python3
"""Speed benchmark of `microcircuit-analysis stats` on full-scale-sized data.

Makes a synthetic SONATA spike file the size of a full-scale PD14 run
(77,169 neurons in the eight populations, 10 s after a 0.5 s warm-up, about
3e6 spikes in the analysed window, per-neuron rates spread around the
reference's population means, time stamps on the 0.1 ms grid, sorted by
time as the engine writes them), then times the complete command
`tools/microcircuit-analysis stats FILE --json OUT` (interpreter start,
reading, rates, ISI CVs, correlations, output) pinned to one CPU core with
one BLAS/OpenMP thread. Requirement of the analysis tools: under 30 s.

Usage: tools/benchmark/analysis_speed.py [--spikes 3e6] [--repeat 3] [--limit 30]
Exit status 0 if the best time is under the limit, 1 otherwise.
"""
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import h5py  # noqa: E402
import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.dirname(HERE)
TOOL = os.path.join(TOOLS, "microcircuit-analysis")
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(TOOLS), "python"))

from pd14analysis import N_FULL, POPULATIONS, RATES_FULL  # noqa: E402


def make_data(path, n_spikes, t_presim, t_sim, seed):
    """Write the synthetic run; return the number of spikes in the window."""
    rng = np.random.default_rng(seed)
    expected = sum(n * r for n, r in zip(N_FULL, RATES_FULL)) * t_sim * 1e-3
    factor = n_spikes / expected
    t_end = t_presim + t_sim
    n_steps = int(round(t_end / 0.1))
    in_window = 0
    with h5py.File(path, "w") as f:
        f.attrs.update(
            {
                "t_presim_ms": t_presim,
                "t_sim_ms": t_sim,
                "N_scaling": 1.0,
                "K_scaling": 1.0,
                "bg_input_type": "poisson",
                "generated_by": "tools/benchmark/analysis_speed.py (synthetic)",
            }
        )
        g = f.create_group("spikes")
        g.attrs["sorting"] = "by_time"
        for pop, n, rate in zip(POPULATIONS, N_FULL, RATES_FULL):
            # gamma-distributed rates (CV 1) with the population's mean
            rates = rng.gamma(1.0, rate * factor, n)
            counts = rng.poisson(rates * t_end * 1e-3)
            ids = np.repeat(np.arange(n, dtype=np.uint64), counts)
            steps = rng.integers(1, n_steps + 1, ids.size)
            order = np.argsort(steps, kind="stable")
            ts = np.round(steps[order] * 0.1, 1)
            ids = ids[order]
            in_window += int(np.count_nonzero(ts >= t_presim))
            p = g.create_group(pop)
            p.attrs["n_neurons"] = n
            p.attrs["sorting"] = "by_time"
            p.create_dataset("node_ids", data=ids)
            p.create_dataset("timestamps", data=ts)
    return in_window


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--spikes",
        type=float,
        default=3e6,
        help="spikes in the analysed window (default %(default)g)",
    )
    ap.add_argument("--t-sim", type=float, default=10000.0, help="ms (default %(default)g)")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs (default %(default)s)")
    ap.add_argument("--limit", type=float, default=30.0, help="s (default %(default)g)")
    ap.add_argument("--keep", metavar="DIR", help="keep the data and output in DIR")
    args = ap.parse_args()

    cpus = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpus[0]})  # inherited by the timed command

    tmp = None if args.keep else tempfile.TemporaryDirectory(prefix="benchmark-")
    work = args.keep or tmp.name
    os.makedirs(work, exist_ok=True)
    data = os.path.join(work, "spikes.h5")
    t0 = time.perf_counter()
    n = make_data(data, args.spikes, 500.0, args.t_sim, seed=1)
    print(
        f"synthetic full-scale run: {sum(N_FULL)} neurons, {n} spikes in "
        f"[500, {500 + args.t_sim:g}) ms, written in {time.perf_counter() - t0:.1f} s"
    )

    cmd = [TOOL, "stats", data, "--json", os.path.join(work, "stats.json")]
    print("timed command (pinned to CPU %d, 1 thread): %s" % (cpus[0], " ".join(cmd)))
    times = []
    for i in range(args.repeat):
        t0 = time.perf_counter()
        res = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        times.append(time.perf_counter() - t0)
        if res.returncode != 0:
            print(res.stderr, file=sys.stderr)
            return 2
        print(f"  run {i + 1}: {times[-1]:.2f} s")
    best, median = min(times), statistics.median(times)
    ok = best < args.limit
    print(
        f"analysis of {n} spikes: best {best:.2f} s, median {median:.2f} s "
        f"(limit {args.limit:g} s): {'PASS' if ok else 'FAIL'}"
    )
    if tmp:
        tmp.cleanup()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
