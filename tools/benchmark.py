#!/usr/bin/python3
"""Benchmark harness of microcircuit_mpi (issue 4: performance).

Runs the simulator over scales, drives, ranks x threads and recording on/off,
repeats every point, measures the machine's memory bandwidth with a
STREAM-style triad (tools/stream_triad.cpp, compiled on the fly), computes the
real-time factor that bandwidth allows (the limit model below) and writes

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

Definitions (docs/performance.md explains them at length):

- scale s: network.N_scaling = network.K_scaling = s (the convention of the
  PyNEST reference and of the NEST numbers of issue 4).
- layout RxT: R MPI ranks (mpirun --oversubscribe --bind-to none -n R; R = 1
  runs the binary directly) x T OpenMP threads (simulation.local_num_threads).
- warm-up: the engine's presimulation (simulation.t_presim) is timed as its
  own phase and discarded; RTF = wall time of the sim phase / t_sim. The
  harness also makes --warmup-runs untimed runs first (page cache, binary).
- construction = create + connect phases (the delivery structures are built
  in connect).
- spikes_sim: spikes emitted in the sim phase (time stamp > t_presim). Counted
  from the spike file when recording is on; for a run without recording taken
  from its recorded twin (same scale, drive, times and seed: the engine is
  bitwise reproducible across decompositions, checked by equal total spike
  counts); otherwise estimated as spikes x t_sim / (t_presim + t_sim).
- synaptic events = spikes_sim x mean out-degree, mean out-degree =
  synapses / neurons (the issue's convention: 245,000 spikes/s x 3,873
  synapses per neuron = 9.5e8 events per simulated second at full scale).
  syn_events_per_sim_s is that per simulated second (a property of the
  network), syn_events_per_wall_s per wall-clock second of the sim phase (the
  engine's throughput).
- peak memory: peak RSS per rank (max over ranks), its mean and the sum over
  ranks (the whole job).
"""
import argparse
import csv
import datetime
import json
import math
import os
import platform
import re
import shutil
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HARNESS_VERSION = 1
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STREAM_SOURCE = os.path.join(REPO, "tools", "stream_triad.cpp")
NEURON_SOURCE = os.path.join(REPO, "src", "neuron.cpp")
POPULATIONS = ["L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"]

# ---------------------------------------------------------------------------
# Comparison data: NEST 3.6 measurements quoted in issue 4 (not measured by
# this harness). Same kind of 2-core machine, PyNEST reference, 1 process x 2
# threads, spikes recorded; the full-scale row used 4 threads on the 2 cores
# (NEST refuses fewer than 3 virtual processes there). Ranges are (low, high).
NEST_REFERENCE = {
    "source": "issue 4, NEST 3.6 with the PyNEST reference, 1 process x 2 threads, "
              "spikes recorded, 2-core machine (full scale: 4 threads)",
    "stream_triad_gbs_2_threads": 45.0,
    "rows": [
        {"scale": 0.1, "drive": "poisson", "construct_s": [1.0, 1.0], "rtf": [3.1, 3.8],
         "peak_memory_mb": 499.0},
        {"scale": 0.2, "drive": "dc", "construct_s": [3.2, 4.4], "rtf": [4.6, 5.5],
         "peak_memory_mb": 1129.0},
        {"scale": 0.5, "drive": "dc", "construct_s": [21.0, 27.0], "rtf": [20.5, 22.6],
         "peak_memory_mb": 4393.0},
        {"scale": 1.0, "drive": "dc", "construct_s": [105.0, 105.0], "rtf": [80.0, 80.0],
         "peak_memory_mb": 14400.0, "note": "14.4 GB; 4 threads"},
    ],
}

# Targets of issue 4 (for the printed verdicts only).
TARGETS = {
    "rtf_speedup_vs_nest": {"scales": [0.5, 1.0], "drive": "dc", "min": 5.0},
    "construct_speedup_vs_nest": 10.0,
    "memory_fraction_of_nest": 0.25,
    "rtf_scale0.1_poisson": 0.5,
    "rtf_full_scale_2_threads": 5.0,
    "full_scale_memory_mb_one_rank": 3500.0,
    "speedup_2_threads": 1.8,
    "ranks_vs_threads_tolerance": 0.10,
    "within_limit_factor": 3.0,
}

DEFAULT_POINTS = "0.1:poisson,0.2:dc,0.5:dc,1.0:dc"
QUICK_POINTS = "0.1:poisson,0.2:dc"
DEFAULT_LAYOUTS = "1x1,1x2,2x1"

# ---------------------------------------------------------------------------
# Limit model. The engine's data layout (include/microcircuit/synapse_store.hpp,
# input_buffer.hpp, neuron.hpp, network.hpp); override a field with
# --layout KEY=VALUE when the engine changes. delivery selects the scheme:
#   "runs"   the engine since commit 7b11c2e: each row sorted by delay and cut
#            into delay runs; every step each thread scans its list of pending
#            spikes and adds the synapses of the runs arriving in that step
#            into one cache-resident int64 sum per neuron (input_buffer.hpp);
#   "queue"  commits b93267b..d4c2829: events appended to per-step queues,
#            summed at the start of the step into one int64 per neuron;
#   "ring"   before b93267b: each event a read-modify-write of
#            ring[slot][neuron], two rings.
DEFAULT_LAYOUT = {
    "delivery": "runs",          # "runs", "queue" or "ring"
    "synapse_bytes": 8,          # uint32 target | delay << 20, float weight
    "row_offset_bytes": 8,       # CSR row offsets per presynaptic gid, per thread
    "run_offset_bytes": 8,       # runs: run_begin per presynaptic gid, per thread
    "run_header_bytes": 4,       # runs: a delay run, uint32 delay << 20 | length
    "pending_entry_bytes": 40,   # runs: PendingSpike, 2 pointers + 2 uint64 + bool, padded
    "runs_per_row": 0,           # runs: runs per row and thread; 0 = computed from the delays
    "delay_exc_mean_ms": 1.5,    # runs: the delay distribution (network.delay_exc_mean,
    "delay_inh_mean_ms": 0.75,   #   delay_inh_mean, delay_rel_sd): normal, redrawn below
    "delay_rel_sd": 0.5,         #   h / 2, rounded to the step (connectivity.cpp)
    "inhibitory_spike_fraction": 0.33,  # runs: spikes from inhibitory sources (PD14 rates)
    "event_bytes": 8,            # queue entry: uint32 target, float weight
    "sum_bytes": 8,              # int64 fixed-point input sum (per neuron, or ring entry)
    "state_bytes": 3 * 8 + 4,    # y, i_ex, i_in (double), refractory (int32): read + written
    "state_bytes_merged": 2 * 8 + 4,  # y, i_ex, refractory when tau_syn_ex == tau_syn_in
    "poisson_count_bytes": 8,    # packed uint64 of four 16-bit counts, read every step
    "poisson_refresh_steps": 4,  # ... and rewritten every 4 steps
    "spike_flag_bytes": 1,       # runs: uint8 spike flag per neuron, written by the
                                 #   update, read by the scan for spikes (since 0b189af)
    "mean_delay_ms": 1.5,        # queue: events wait this long in the queues (excitatory mean)
    "cache_line_bytes": 64,
}
DELIVERIES = ("runs", "queue", "ring")

LIMIT_ASSUMPTIONS = [
    "Bytes are counted as STREAM counts them: each byte read or written once counts "
    "once (no write-allocate traffic), so they compare with the triad's GB/s.",
    "A synaptic event = one synapse of a spiking neuron delivered once. It reads the "
    "8-byte synapse from its thread's source-major row and adds its weight into the "
    "target's input sum. runs delivery (the engine since 7b11c2e): rows are sorted by "
    "delay and cut into delay runs (4-byte headers, one per distinct delay in the row); "
    "each synapse is read once, in the step its run arrives, and added into the target's "
    "int64 sum (one per neuron and input, a small array); nothing else is written. "
    "queue delivery (b93267b..d4c2829): it also appends an 8-byte (target, weight) event "
    "to the queue of its arrival step, read back when that step starts. ring delivery "
    "(before b93267b): it adds into ring[(t + delay) % slots][target] (int64; two rings of "
    "slots x neurons).",
    "Per spike and thread: runs delivery reads run_begin[gid], run_begin[gid + 1], "
    "row_begin[gid] and the row's run headers, and its 40-byte pending entry is appended, "
    "then read by the scan of every step until its last run has arrived and written back "
    "while runs remain: 2 x 40 bytes per step pending (steps = the row's expected largest "
    "delay - (min delay - 1) / 2); queue and ring delivery read "
    "row_begin[gid], row_begin[gid + 1].",
    "Runs per row and thread (runs_per_row = 0): the expected number of distinct delays "
    "among a row's synapses on one thread, a Poisson number with mean out-degree / "
    "threads, delays drawn as the engine draws them (normal, mean 1.5 ms excitatory, "
    "0.75 ms inhibitory, SD 0.5 x mean, redrawn below h / 2, rounded to the step), mixed "
    "by the share of spikes from inhibitory sources (inhibitory_spike_fraction 0.33, from "
    "the PD14 population rates); the same distribution gives the row's expected largest "
    "delay. A runs_per_row > 0 is taken as given.",
    "A neuron update (each neuron, each step) reads and writes y, i_ex (double), "
    "refractory (int32) and, with separate inhibitory input (tau_syn_ex != tau_syn_in, "
    "or ring delivery), i_in; it reads and zeroes its input sum(s); with Poisson drive it "
    "reads its packed uint64 count word (rewritten every 4th step); the engine of runs "
    "delivery also writes a one-byte spike flag per neuron, read back by the scan for spikes.",
    "best: streaming synapse reads (and per spike and thread the row and run offsets and "
    "the run headers) only; everything else stays in cache. The lowest RTF the bandwidth "
    "allows.",
    "worst: nothing stays cached: every event costs its synapse, its queue entry written "
    "and read back (queue delivery) and one whole 64-byte cache line of its input sum read "
    "and written back (128 bytes); every spike and thread two cache lines for the offsets "
    "(queue, ring: the row offsets and the row start; runs: row_begin and run_begin), and "
    "with runs delivery also one line per run header read (runs + 1: at delivery and at each "
    "arrival), its pending entry read and written in every step it waits, and for every "
    "run the rest of the cache lines it touches (a run of L synapses at a random 8-byte "
    "offset touches (L + 7) / 8 lines on average: 56 bytes more than its 8 L); every "
    "neuron update its full bytes.",
    "estimate: the last-level cache holds, in this order, the neuron state, the input "
    "sums (runs, queue: neurons x 8 bytes per input; ring: 2 x slots x neurons x 8 bytes), "
    "then for queue delivery the events waiting in the queues (events per step x mean "
    "delay x 8 bytes), for runs delivery the pending spikes of all threads (entries x "
    "(40 bytes + the 64-byte synapse line their next run starts in)) and the run headers "
    "(neurons x threads x runs per row x 4 bytes); an access to a structure that does not "
    "fit misses with probability 1 - (cache left) / (its size) (uniform access; the synapse "
    "stream is assumed not to evict) and then costs what it costs in the worst case. Rough.",
    "random: as worst, but each event's input-sum update priced at the measured rate of "
    "random int64 read-modify-writes in a table far beyond the cache (latency-bound) "
    "instead of at the triad bandwidth.",
    "Computation (the neuron's arithmetic, Poisson random numbers, the scan of the "
    "pending list), synchronisation, MPI and address translation (TLB misses of the "
    "scattered runs) are not modelled: the limit is a bound from memory traffic alone.",
    "cores (a second, separate bound, measured rather than modelled): the events at the "
    "measured rate of the engine's innermost loop with perfect streaming (scatter: each "
    "thread streams 8-byte synapses and adds each weight into a cache-resident int64 sum "
    "at a random target) plus the neuron updates at the measured rate of the engine's own "
    "update loop with its state in cache (update), both by all threads together "
    "(tools/stream_triad.cpp); no spike bookkeeping, no synchronisation. What the "
    "machine's cores allow, where the best case above is what its memory bandwidth allows.",
]


def _layout(layout):
    lay = dict(DEFAULT_LAYOUT)
    lay.update(layout or {})
    if lay["delivery"] not in DELIVERIES:
        raise ValueError("layout delivery must be " + ", ".join(DELIVERIES[:-1])
                         + " or " + DELIVERIES[-1])
    if not 0.0 <= lay["inhibitory_spike_fraction"] <= 1.0:
        raise ValueError("layout inhibitory_spike_fraction must be in [0, 1]")
    if lay["runs_per_row"] < 0:
        raise ValueError("layout runs_per_row must be >= 0 (0 = computed)")
    if lay["delay_exc_mean_ms"] <= 0 or lay["delay_inh_mean_ms"] <= 0 or lay["delay_rel_sd"] < 0:
        raise ValueError("layout delays must be positive (relative SD >= 0)")
    return lay


def neuron_update_bytes(layout, poisson, separate_inhibitory=False):
    """Bytes one neuron update moves (STREAM accounting)."""
    lay = _layout(layout)
    inputs = 2 if (separate_inhibitory or lay["delivery"] == "ring") else 1
    state = lay["state_bytes"] if inputs == 2 else lay["state_bytes_merged"]
    b = 2 * state + inputs * 2 * lay["sum_bytes"]
    if lay["delivery"] == "runs":
        b += 2 * lay["spike_flag_bytes"]
    if poisson:
        b += lay["poisson_count_bytes"] * (1.0 + 1.0 / lay["poisson_refresh_steps"])
    return float(b)


def delay_pmf(mean_ms, rel_sd, h_ms):
    """[P(delay = k steps) for k = 0, 1, ...] as the engine draws delays
    (src/connectivity.cpp): normal(mean, rel_sd x mean) ms, redrawn below h / 2,
    rounded half up to the step (so k >= 1)."""
    sd = mean_ms * rel_sd
    nearest = max(1, int(math.floor(mean_ms / h_ms + 0.5)))
    if sd <= 0:
        return [0.0] * nearest + [1.0]

    def above(x):  # P(normal > x)
        return 0.5 * math.erfc((x - mean_ms) / (sd * math.sqrt(2.0)))

    kept = above(0.5 * h_ms)
    if kept < 1e-300:
        return [0.0, 1.0]
    top = int(math.ceil((mean_ms + 12.0 * sd) / h_ms)) + 1
    return [0.0] + [(above((k - 0.5) * h_ms) - above((k + 0.5) * h_ms)) / kept
                    for k in range(1, top + 1)]


def _row_runs_and_reach(n, pmf):
    """A row of Poisson(n) synapses with delays ~ pmf: (expected number of
    distinct delays, expected largest delay in steps, 0 for an empty row)."""
    runs = sum(-math.expm1(-n * p) for p in pmf if p > 0)
    reach, tail = 0.0, 0.0
    for k in range(len(pmf) - 1, 0, -1):  # tail = P(delay >= k)
        tail += pmf[k]
        reach += -math.expm1(-n * tail)   # P(largest >= k)
    return runs, reach


def delay_runs(synapses_per_row, h_ms, layout=None):
    """Delay runs of one row on one thread (runs delivery): a dict with
    runs_per_row (expected distinct delays among Poisson(synapses_per_row)
    synapses, excitatory and inhibitory rows mixed by
    inhibitory_spike_fraction; or the layout's runs_per_row if > 0),
    reach_steps (the expected largest delay of the row, 0 if empty) and
    nonempty (the fraction of rows with a synapse on the thread)."""
    lay = _layout(layout)
    q = lay["inhibitory_spike_fraction"]
    runs = reach = 0.0
    for mean, weight in ((lay["delay_exc_mean_ms"], 1.0 - q), (lay["delay_inh_mean_ms"], q)):
        if weight > 0:
            r, m = _row_runs_and_reach(synapses_per_row, delay_pmf(mean, lay["delay_rel_sd"], h_ms))
            runs += weight * r
            reach += weight * m
    if lay["runs_per_row"] > 0:
        runs = float(lay["runs_per_row"])
    return {"runs_per_row": runs, "reach_steps": reach,
            "nonempty": -math.expm1(-synapses_per_row)}


def limit_model(neurons, synapses, spikes_sim, t_sim_ms, h_ms, vps, slots, poisson,
                bandwidth_gbs, llc_bytes=0, random_mups=None, layout=None,
                separate_inhibitory=False, min_delay_steps=1, scatter_meps=None,
                update_mups=None):
    """Bytes moved per simulated second and the RTF the bandwidth allows.

    neurons, synapses: network size; spikes_sim: spikes in t_sim_ms of
    simulated time; vps: ranks x threads (each thread owns one synapse store
    and reads the row of every spike); slots: ring slots (max + min delay in
    steps; ring delivery); bandwidth_gbs: STREAM triad GB/s for the threads
    used; llc_bytes: last-level cache size (for the estimate); random_mups:
    measured random read-modify-writes per second in millions (for the random
    case); separate_inhibitory: tau_syn_ex != tau_syn_in; min_delay_steps:
    the engine's min delay (runs delivery: spikes are delivered once per
    min-delay interval); scatter_meps, update_mups: measured rates of the
    threads used, millions of streamed-scatter events and of neuron updates
    per second (rtf_limit_scatter = events per simulated second / the first,
    rtf_limit_update = neuron updates per simulated second / the second,
    rtf_limit_cores = their sum; None without them). Returns a dict (bytes
    per event, per neuron update, per spike and thread, per simulated second
    for each case, rtf_limit_* = those bytes / bandwidth, and the cores bound).
    """
    lay = _layout(layout)
    delivery = lay["delivery"]
    queue = delivery == "queue"
    runs = delivery == "runs"
    line = lay["cache_line_bytes"]
    syn = lay["synapse_bytes"]
    t_s = t_sim_ms / 1000.0
    out_degree = synapses / neurons if neurons else 0.0
    spikes_per_s = spikes_sim / t_s if t_s > 0 else 0.0
    events_per_s = spikes_per_s * out_degree
    updates_per_s = neurons * 1000.0 / h_ms
    inputs = 2 if (separate_inhibitory or delivery == "ring") else 1
    upd = neuron_update_bytes(lay, poisson, separate_inhibitory)
    sum_update_bytes = inputs * 2 * lay["sum_bytes"]
    queue_bytes = 2 * lay["event_bytes"] if queue else 0
    # Sizes of the structures competing for the cache.
    sums_size = (2 * slots * neurons * lay["sum_bytes"] if delivery == "ring"
                 else inputs * neurons * lay["sum_bytes"])
    state_size = neurons * ((lay["state_bytes"] if inputs == 2 else lay["state_bytes_merged"])
                            + (lay["poisson_count_bytes"] if poisson else 0))
    queued_size = events_per_s * lay["mean_delay_ms"] / 1000.0 * lay["event_bytes"] if queue else 0.0

    ev_best = float(syn)
    ev_worst = float(syn + queue_bytes + 2 * line)
    if runs:
        rr = delay_runs(out_degree / vps if vps else 0.0, h_ms, lay)
        runs_per_row = rr["runs_per_row"]
        # Steps a spike stays on a thread's pending list (scans that read and
        # write its entry): from the first step of the interval after its
        # emission to its row's largest delay.
        pending_steps = max(0.0, rr["reach_steps"]
                            - rr["nonempty"] * (max(1, min_delay_steps or 1) - 1) / 2.0)
        entries = spikes_per_s * h_ms / 1000.0 * pending_steps  # per thread
        pending_size = vps * entries * (lay["pending_entry_bytes"] + line)
        headers_size = neurons * vps * runs_per_row * lay["run_header_bytes"]
        # The entry appended, read in every scan, written back but in the last.
        pending_traffic = 2.0 * pending_steps * lay["pending_entry_bytes"]
        partial_lines = runs_per_row * (line - syn)
        header_bytes = runs_per_row * lay["run_header_bytes"]
        header_lines = (runs_per_row + 1.0) * line
        spike_vp_best = lay["row_offset_bytes"] + 2.0 * lay["run_offset_bytes"] + header_bytes
        spike_vp_worst = 2.0 * line + header_lines + pending_traffic + partial_lines
    else:
        runs_per_row = None
        pending_steps = entries = pending_size = headers_size = 0.0
        spike_vp_best = 2.0 * lay["row_offset_bytes"]
        spike_vp_worst = 2.0 * line

    def fit(size, left):
        """(miss fraction, cache left) of a structure given the cache left."""
        if size <= 0:
            return 0.0, left
        miss = max(0.0, 1.0 - left / size)
        return miss, max(0.0, left - size)

    state_miss = 0.0 if state_size <= llc_bytes else 1.0
    left = llc_bytes - state_size if state_miss == 0.0 else 0.0
    sums_miss, left = fit(sums_size, left)
    queue_miss, left = fit(queued_size, left)
    pending_miss, left = fit(pending_size, left)
    headers_miss, left = fit(headers_size, left)
    ev_est = syn + queue_miss * queue_bytes + sums_miss * 2 * line
    upd_est = state_miss * (upd - sum_update_bytes) + sums_miss * sum_update_bytes
    spike_vp_est = spike_vp_best
    if runs:
        spike_vp_est += (pending_miss * (pending_traffic + partial_lines)
                         + headers_miss * (header_lines - header_bytes))

    per_s = {
        "best": events_per_s * ev_best + spikes_per_s * vps * spike_vp_best,
        "estimate": events_per_s * ev_est + spikes_per_s * vps * spike_vp_est
        + updates_per_s * upd_est,
        "worst": events_per_s * ev_worst + spikes_per_s * vps * spike_vp_worst
        + updates_per_s * upd,
    }
    bw = bandwidth_gbs * 1e9 if bandwidth_gbs else 0.0
    result = {
        "delivery": delivery,
        "out_degree": out_degree,
        "spikes_per_sim_s": spikes_per_s,
        "events_per_sim_s": events_per_s,
        "neuron_updates_per_sim_s": updates_per_s,
        "bytes_per_event_best": ev_best,
        "bytes_per_event_estimate": ev_est,
        "bytes_per_event_worst": ev_worst,
        "bytes_per_neuron_update": upd,
        "bytes_per_spike_per_thread_best": spike_vp_best,
        "bytes_per_spike_per_thread_estimate": spike_vp_est,
        "bytes_per_spike_per_thread_worst": spike_vp_worst,
        "runs_per_row": runs_per_row,
        "pending_steps": pending_steps,
        "pending_entries_per_thread": entries,
        "input_sums_bytes": float(sums_size),
        "state_bytes": float(state_size),
        "queued_events_bytes": float(queued_size),
        "pending_bytes": float(pending_size),
        "run_headers_bytes": float(headers_size),
        "llc_bytes": float(llc_bytes),
        "sums_miss_fraction": sums_miss,
        "queue_miss_fraction": queue_miss,
        "pending_miss_fraction": pending_miss,
        "run_headers_miss_fraction": headers_miss,
        "bandwidth_gbs": bandwidth_gbs,
    }
    for case, b in per_s.items():
        result["bytes_per_sim_s_" + case] = b
        result["rtf_limit_" + case] = b / bw if bw > 0 else None
    if random_mups and bw > 0:
        result["rtf_limit_random"] = (events_per_s / (random_mups * 1e6)
                                      + (events_per_s * (syn + queue_bytes)
                                         + spikes_per_s * vps * spike_vp_worst
                                         + updates_per_s * upd) / bw)
    else:
        result["rtf_limit_random"] = None
    result["rtf_limit_scatter"] = events_per_s / (scatter_meps * 1e6) if scatter_meps else None
    result["rtf_limit_update"] = updates_per_s / (update_mups * 1e6) if update_mups else None
    result["rtf_limit_cores"] = (result["rtf_limit_scatter"] + result["rtf_limit_update"]
                                 if scatter_meps and update_mups else None)
    return result


# ---------------------------------------------------------------------------
# Per-run metrics


def parse_points(text):
    """'0.1:poisson,0.2:dc' -> [(0.1, 'poisson'), (0.2, 'dc')]."""
    points = []
    for item in filter(None, (s.strip() for s in text.split(","))):
        scale, _, drive = item.partition(":")
        drive = drive or "dc"
        if drive not in ("dc", "poisson"):
            raise ValueError(f"drive must be dc or poisson, not {drive!r} in {item!r}")
        points.append((float(scale), drive))
    return points


def parse_layouts(text):
    """'1x1,1x2,2x1' -> [(1, 1), (1, 2), (2, 1)] as (ranks, threads)."""
    layouts = []
    for item in filter(None, (s.strip() for s in text.split(","))):
        m = re.fullmatch(r"(\d+)x(\d+)", item)
        if not m or int(m.group(1)) < 1 or int(m.group(2)) < 1:
            raise ValueError(f"layout must be RANKSxTHREADS, not {item!r}")
        layouts.append((int(m.group(1)), int(m.group(2))))
    return layouts


def events_per_second(spikes_sim, synapses, neurons, t_sim_ms, sim_wall_s=None):
    """Synaptic events (spikes_sim x synapses / neurons) per simulated second
    and, given the sim phase's wall time, per wall-clock second."""
    events = spikes_sim * (synapses / neurons) if neurons else 0.0
    per_sim_s = events / (t_sim_ms / 1000.0) if t_sim_ms > 0 else None
    per_wall_s = events / sim_wall_s if sim_wall_s else None
    return events, per_sim_s, per_wall_s


def row_from_report(report, point=None):
    """Flatten a report.json (dict) into one run row (without the derived
    spike and limit columns)."""
    ph = report.get("phases_s", {})
    cfg = report.get("config", {})
    sim_cfg = cfg.get("simulation", {})
    net_cfg = cfg.get("network", {})
    ranks = int(report.get("ranks", 1))
    threads = int(report.get("threads", 1))
    rss = report.get("peak_rss_mb", {})
    rec_dev = sim_cfg.get("rec_dev", [])
    row = {
        "scale": float(net_cfg.get("N_scaling", float("nan"))),
        "k_scaling": float(net_cfg.get("K_scaling", float("nan"))),
        "drive": net_cfg.get("bg_input_type", ""),
        "ranks": ranks,
        "threads": threads,
        "vps": ranks * threads,
        "record": "on" if "spike_recorder" in (rec_dev or []) else "off",
        "t_presim_ms": float(sim_cfg.get("t_presim", 0.0)),
        "t_sim_ms": float(report.get("t_sim_ms", sim_cfg.get("t_sim", 0.0))),
        "h_ms": float(sim_cfg.get("sim_resolution", 0.1)),
        "rng_seed": sim_cfg.get("rng_seed"),
        "separate_inhibitory": (net_cfg.get("tau_syn_ex") is not None
                                and net_cfg.get("tau_syn_ex") != net_cfg.get("tau_syn_in")),
        "init_s": ph.get("init"),
        "create_s": ph.get("create"),
        "connect_s": ph.get("connect"),
        "construct_s": (ph.get("create") or 0.0) + (ph.get("connect") or 0.0),
        "presim_s": ph.get("presim"),
        "sim_s": ph.get("sim"),
        "write_s": ph.get("write"),
        "rtf": report.get("rtf"),
        "peak_rss_mb_max": rss.get("max"),
        "peak_rss_mb_per_rank": (rss.get("sum") / ranks) if rss.get("sum") is not None else None,
        "peak_rss_mb_sum": rss.get("sum"),
        "neurons": report.get("neurons"),
        "synapses": report.get("synapses"),
        "synapse_store_bytes": report.get("synapse_store_bytes"),
        "bytes_per_synapse": report.get("bytes_per_synapse"),
        "min_delay_steps": report.get("min_delay_steps"),
        "spikes_total": report.get("spikes"),
        "git_commit": report.get("git_commit", ""),
    }
    if point:
        row.update(point)
    return row


def fill_spikes_sim(rows):
    """Set spikes_sim and spikes_sim_source of every row: 'file' rows keep
    their count; the others take the count of a recorded twin with the same
    total spike count (bitwise reproducible engine), else an estimate."""
    twins = {}
    for r in rows:
        if r.get("spikes_sim_source") == "file" and r.get("spikes_sim") is not None:
            twins.setdefault(_twin_key(r), []).append(r)
    for r in rows:
        if r.get("spikes_sim_source") == "file" or r.get("spikes_total") is None:
            continue
        match = [t for t in twins.get(_twin_key(r), []) if t["spikes_total"] == r["spikes_total"]]
        if match:
            r["spikes_sim"] = match[0]["spikes_sim"]
            r["spikes_sim_source"] = "twin"
        else:
            total_ms = r["t_presim_ms"] + r["t_sim_ms"]
            r["spikes_sim"] = r["spikes_total"] * r["t_sim_ms"] / total_ms if total_ms > 0 else 0.0
            r["spikes_sim_source"] = "estimate"
    return rows


def _twin_key(r):
    return (r["scale"], r["k_scaling"], r["drive"], r["t_presim_ms"], r["t_sim_ms"], r["h_ms"],
            r.get("rng_seed"))


def probe_threads(counts, vps):
    """The measured thread count that stands for a run on vps virtual
    processes: the largest <= vps (or the smallest measured one)."""
    counts = sorted(counts)
    usable = [c for c in counts if c <= vps] or counts[:1]
    return usable[-1]


def bandwidth_for(bandwidth, vps):
    """The triad entry for the number of threads a run uses (probe_threads)."""
    if not bandwidth:
        return None
    return bandwidth[str(probe_threads([int(k) for k in bandwidth], vps))]


# Neurons of the full-scale network (N_scaling = 1): the probes of the inner
# loops are sized by a run's share of them, N_scaling x this / (ranks x threads).
FULL_SCALE_NEURONS = 77169
PROBE_SIZE_TOLERANCE = 0.25  # a probe stands for runs within 25% of its size


def probe_sizes(points, thread_counts):
    """{threads: sorted neurons per thread} for the scatter and update probes:
    one size per (scale, ranks x threads) of the campaign, for the thread
    count that stands for it."""
    sizes = {}
    for scale, _drive, ranks, threads, _record in points:
        vps = ranks * threads
        t = probe_threads(thread_counts, vps)
        sizes.setdefault(t, set()).add(max(1, round(FULL_SCALE_NEURONS * scale / vps)))
    return {t: sorted(n) for t, n in sizes.items()}


def cores_rates(bw, neurons_per_thread):
    """(scatter M events/s, update M updates/s) measured for a thread's share
    closest to neurons_per_thread (within PROBE_SIZE_TOLERANCE), else (None,
    None): the rates depend on how much of the state fits which cache."""
    if not bw or not neurons_per_thread:
        return None, None
    candidates = [(int(n), r["scatter_meps"], r["update_mups"])
                  for n, r in (bw.get("cores_by_neurons") or {}).items()]
    if bw.get("update_neurons") and bw.get("scatter_meps") and bw.get("update_mups"):
        candidates.append((bw["update_neurons"], bw["scatter_meps"], bw["update_mups"]))
    if not candidates:
        return None, None
    n, scatter, update = min(candidates, key=lambda c: abs(c[0] / neurons_per_thread - 1.0))
    if abs(n / neurons_per_thread - 1.0) > PROBE_SIZE_TOLERANCE:
        return None, None
    return scatter, update


def add_derived(row, bandwidth=None, llc_bytes=0, layout=None):
    """Add the events and limit-model columns to a row with spikes_sim set."""
    if row.get("rtf") is None or not row.get("neurons"):
        return row
    events, per_sim_s, per_wall_s = events_per_second(
        row["spikes_sim"], row["synapses"], row["neurons"], row["t_sim_ms"], row["sim_s"])
    row["mean_out_degree"] = row["synapses"] / row["neurons"]
    row["mean_rate_hz"] = (row["spikes_sim"] / row["neurons"] / (row["t_sim_ms"] / 1000.0)
                           if row["t_sim_ms"] > 0 else None)
    row["syn_events_sim"] = events
    row["syn_events_per_sim_s"] = per_sim_s
    row["syn_events_per_wall_s"] = per_wall_s
    bw = bandwidth_for(bandwidth, row["vps"]) if bandwidth else None
    slots = row.get("ring_slots") or 55
    lim = limit_model(row["neurons"], row["synapses"], row["spikes_sim"], row["t_sim_ms"],
                      row["h_ms"], row["vps"], slots, row["drive"] == "poisson",
                      bw["triad_gbs"] if bw else None, llc_bytes,
                      bw.get("random_mups") if bw else None, layout,
                      bool(row.get("separate_inhibitory")), row.get("min_delay_steps") or 1,
                      *cores_rates(bw, row["neurons"] / row["vps"] if row.get("vps") else None))
    row["bandwidth_gbs"] = lim["bandwidth_gbs"]
    row["bytes_per_event_best"] = lim["bytes_per_event_best"]
    row["bytes_per_event_estimate"] = lim["bytes_per_event_estimate"]
    row["bytes_per_event_worst"] = lim["bytes_per_event_worst"]
    row["bytes_per_neuron_update"] = lim["bytes_per_neuron_update"]
    row["sums_miss_fraction"] = lim["sums_miss_fraction"]
    row["queue_miss_fraction"] = lim["queue_miss_fraction"]
    row["pending_miss_fraction"] = lim["pending_miss_fraction"]
    row["run_headers_miss_fraction"] = lim["run_headers_miss_fraction"]
    row["runs_per_row"] = lim["runs_per_row"]
    row["limit_delivery"] = lim["delivery"]
    for case in ("best", "estimate", "worst", "random", "scatter", "update", "cores"):
        row["rtf_limit_" + case] = lim["rtf_limit_" + case]
    row["rtf_over_limit_best"] = (row["rtf"] / lim["rtf_limit_best"]
                                  if lim["rtf_limit_best"] else None)
    row["rtf_over_limit_cores"] = (row["rtf"] / lim["rtf_limit_cores"]
                                   if lim["rtf_limit_cores"] else None)
    return row


# ---------------------------------------------------------------------------
# Aggregation

RUN_COLUMNS = [
    "scale", "drive", "ranks", "threads", "vps", "record", "repeat", "t_presim_ms", "t_sim_ms",
    "init_s", "create_s", "connect_s", "construct_s", "presim_s", "sim_s", "write_s", "wall_s",
    "rtf", "peak_rss_mb_max", "peak_rss_mb_per_rank", "peak_rss_mb_sum", "neurons", "synapses",
    "synapse_store_bytes", "bytes_per_synapse", "min_delay_steps", "ring_slots", "spikes_total",
    "spikes_sim", "spikes_sim_source", "mean_rate_hz", "mean_out_degree", "syn_events_sim",
    "syn_events_per_sim_s", "syn_events_per_wall_s", "bandwidth_gbs", "bytes_per_event_best",
    "bytes_per_event_estimate", "bytes_per_event_worst", "bytes_per_neuron_update",
    "sums_miss_fraction", "queue_miss_fraction", "pending_miss_fraction", "run_headers_miss_fraction",
    "runs_per_row", "limit_delivery", "rtf_limit_best", "rtf_limit_estimate", "rtf_limit_worst",
    "rtf_limit_random", "rtf_limit_scatter", "rtf_limit_update", "rtf_limit_cores",
    "rtf_over_limit_best", "rtf_over_limit_cores", "cpu_s", "busy_cores_before", "waited_idle_s",
    "others_cores_during", "core_slowdown",
    "loadavg_before", "loadavg_after", "returncode",
    "discarded", "error", "git_commit", "k_scaling", "h_ms", "rng_seed", "separate_inhibitory",
]

# Columns summarised as median, min and max over the repeats.
SPREAD_COLUMNS = ["rtf", "sim_s", "construct_s", "create_s", "connect_s", "init_s", "presim_s",
                  "write_s", "wall_s", "peak_rss_mb_max", "peak_rss_mb_per_rank",
                  "peak_rss_mb_sum", "syn_events_per_wall_s", "rtf_over_limit_best",
                  "rtf_over_limit_cores", "busy_cores_before", "others_cores_during"]
# Columns equal (or nearly) over the repeats: their first value is kept.
CONSTANT_COLUMNS = ["t_presim_ms", "t_sim_ms", "neurons", "synapses", "synapse_store_bytes",
                    "bytes_per_synapse", "min_delay_steps", "ring_slots", "spikes_sim",
                    "spikes_sim_source", "mean_rate_hz", "mean_out_degree",
                    "syn_events_per_sim_s", "bandwidth_gbs", "bytes_per_event_best",
                    "bytes_per_event_estimate", "bytes_per_event_worst",
                    "bytes_per_neuron_update", "sums_miss_fraction", "queue_miss_fraction",
                    "pending_miss_fraction", "run_headers_miss_fraction", "runs_per_row",
                    "limit_delivery", "rtf_limit_best", "rtf_limit_estimate", "rtf_limit_worst",
                    "rtf_limit_random", "rtf_limit_scatter", "rtf_limit_update", "rtf_limit_cores", "git_commit"]
KEY_COLUMNS = ["scale", "drive", "ranks", "threads", "record"]


def point_key(row):
    return (float(row["scale"]), row["drive"], int(row["ranks"]), int(row["threads"]), row["record"])


def key_name(key):
    scale, drive, ranks, threads, record = key
    return f"{scale:g}-{drive}-{ranks}x{threads}-rec{record}"


def aggregate(rows):
    """Summary rows: one per point (scale, drive, ranks, threads, record), in
    first-seen order, with <col>_median/_min/_max of SPREAD_COLUMNS over the
    successful runs, n_ok and n_failed."""
    groups = {}
    for r in rows:
        groups.setdefault(point_key(r), []).append(r)
    summary = []
    for key, runs in groups.items():
        kept = [r for r in runs if not r.get("discarded")]
        ok = [r for r in kept if r.get("returncode", 0) == 0 and r.get("rtf") is not None]
        s = dict(zip(KEY_COLUMNS, key))
        s["vps"] = key[2] * key[3]
        s["n_ok"] = len(ok)
        s["n_failed"] = len(kept) - len(ok)
        s["n_discarded"] = len(runs) - len(kept)
        for col in SPREAD_COLUMNS:
            vals = [r[col] for r in ok if r.get(col) is not None]
            s[col + "_median"] = statistics.median(vals) if vals else None
            s[col + "_min"] = min(vals) if vals else None
            s[col + "_max"] = max(vals) if vals else None
        for col in CONSTANT_COLUMNS:
            s[col] = next((r.get(col) for r in ok if r.get(col) is not None), None)
        summary.append(s)
    return summary


def summary_columns(summary):
    cols = KEY_COLUMNS + ["vps", "n_ok", "n_failed", "n_discarded"]
    for col in SPREAD_COLUMNS:
        cols += [col + "_median", col + "_min", col + "_max"]
    return cols + CONSTANT_COLUMNS


def scaling(summary, stat="min"):
    """Per scale, drive and record: 2-thread speedup rtf(1x1) / rtf(1x2)
    (target >= 1.8) and ranks vs threads rtf(2x1) / rtf(1x2) (target <= 1.1),
    from the best (stat="min") or the median RTF of the repeats; beside them
    the speedup of the cores bound itself, rtf_limit_cores(1x1) /
    rtf_limit_cores(1x2): what the machine gives the two inner loops alone,
    each thread on its share, when nothing is shared, duplicated or waited for."""
    col = "rtf_" + stat
    by = {point_key(s): s for s in summary}
    out = []
    for s in summary:
        if (s["ranks"], s["threads"]) != (1, 2):
            continue
        base = (s["scale"], s["drive"])
        one = by.get(base + (1, 1, s["record"]))
        two_ranks = by.get(base + (2, 1, s["record"]))
        entry = {"scale": s["scale"], "drive": s["drive"], "record": s["record"], "from": col,
                 "speedup_2_threads": None, "ranks_over_threads": None,
                 "cores_bound_speedup_2_threads": None}
        if one and one.get(col) and s.get(col):
            entry["speedup_2_threads"] = one[col] / s[col]
        if one and one.get("rtf_limit_cores") and s.get("rtf_limit_cores"):
            entry["cores_bound_speedup_2_threads"] = one["rtf_limit_cores"] / s["rtf_limit_cores"]
        if two_ranks and two_ranks.get(col) and s.get(col):
            entry["ranks_over_threads"] = two_ranks[col] / s[col]
        out.append(entry)
    return out


def write_csv(rows, path, columns):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({c: _csv_value(r.get(c)) for c in columns})


def _csv_value(v):
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.6g}"
    return v


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


# ---------------------------------------------------------------------------
# Regression guard

# metric in the summary -> True if lower is better
# Times are compared best-of-repeats (min; events/s: max): other processes on
# a shared machine only ever slow a run down, so the best repeat is the most
# stable estimate of the engine's own speed.
COMPARE_METRICS = {
    "rtf_min": True,
    "construct_s_min": True,
    "peak_rss_mb_max_median": True,
    "bytes_per_synapse": True,
    "syn_events_per_wall_s_max": False,
}
MEMORY_METRICS = {"peak_rss_mb_max_median", "bytes_per_synapse"}


def compare(current, baseline, threshold=0.5, memory_threshold=0.10):
    """Ratios current / baseline of COMPARE_METRICS for every point of the
    baseline. A ratio is flagged 'regression' when it is worse than
    1 + threshold (or its inverse for higher-is-better metrics; memory metrics
    use memory_threshold), 'improvement' when better by the same margin,
    else 'ok'; a point missing from current is 'missing'. Returns
    (entries, number of regressions)."""
    cur = {point_key(s): s for s in current}
    entries = []
    regressions = 0
    for b in baseline:
        key = point_key(b)
        c = cur.get(key)
        for metric, lower_better in COMPARE_METRICS.items():
            e = {"point": key_name(key), "metric": metric, "baseline": b.get(metric),
                 "current": c.get(metric) if c else None, "ratio": None}
            if c is None:
                e["status"] = "missing"
            elif not e["baseline"] or e["current"] is None:
                e["status"] = "n/a"
            else:
                ratio = float(e["current"]) / float(e["baseline"])
                e["ratio"] = ratio
                thr = memory_threshold if metric in MEMORY_METRICS else threshold
                worse = ratio > 1 + thr if lower_better else ratio < 1 / (1 + thr)
                better = ratio < 1 / (1 + thr) if lower_better else ratio > 1 + thr
                e["status"] = "regression" if worse else "improvement" if better else "ok"
                regressions += worse
            entries.append(e)
    return entries, regressions


def format_compare(entries, current_bw=None, baseline_bw=None):
    lines = ["Regression guard: current / baseline, times best of the repeats (rtf, construct, "
             "memory: > 1 is worse; events/s: < 1 is worse)"]
    if current_bw and baseline_bw:
        for k in sorted(set(current_bw) & set(baseline_bw)):
            cb, bb = current_bw[k].get("triad_gbs"), baseline_bw[k].get("triad_gbs")
            if cb and bb:
                lines.append(f"  machine: triad {k} thread(s) {cb:.1f} GB/s vs {bb:.1f} GB/s "
                             f"(ratio {cb / bb:.2f})")
    lines.append(f"  {'point':<28} {'metric':<30} {'baseline':>12} {'current':>12} "
                 f"{'ratio':>7}  status")
    for e in entries:
        ratio = f"{e['ratio']:.3f}" if e["ratio"] is not None else "-"
        lines.append(f"  {e['point']:<28} {e['metric']:<30} {_fmt(e['baseline']):>12} "
                     f"{_fmt(e['current']):>12} {ratio:>7}  {e['status']}")
    return "\n".join(lines)


def _sci(v):
    return "-" if v is None else f"{v:.2e}"


def _fmt(v, digits=4):
    if v is None or v == "":
        return "-"
    if isinstance(v, str):
        return v
    if v != 0 and (abs(v) >= 1e5 or abs(v) < 1e-3):
        return f"{v:.3e}"
    return f"{v:.{digits}g}"


# ---------------------------------------------------------------------------
# Tables


def nest_row(scale, drive):
    for r in NEST_REFERENCE["rows"]:
        if abs(r["scale"] - scale) < 1e-9 and r["drive"] == drive:
            return r
    return None


def _mid(rng):
    return 0.5 * (rng[0] + rng[1])


def _rng(rng, digits=3):
    return f"{rng[0]:.{digits}g}" if rng[0] == rng[1] else f"{rng[0]:.{digits}g}-{rng[1]:.{digits}g}"


def _spread(s, col, digits=3):
    med, lo, hi = s.get(col + "_median"), s.get(col + "_min"), s.get(col + "_max")
    if med is None:
        return "-"
    if lo is None or hi is None or lo == hi:
        return f"{med:.{digits}g}"
    return f"{med:.{digits}g} [{lo:.{digits}g}-{hi:.{digits}g}]"


def format_markdown(summary, scal, bandwidth):
    """The tables of format_tables as Markdown (for docs and the README)."""
    md = ["| scale, drive | ranks x threads | recording | runs | construct s | sim RTF | "
          "peak MB per rank | bytes/synapse | synaptic events/s | RTF limit best / estimate / worst "
          "| RTF / best limit | RTF limit cores (events + updates) | RTF / cores limit "
          "| others' load, cores |",
          "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for s in summary:
        md.append(
            f"| {s['scale']:g} {s['drive']} | {s['ranks']}x{s['threads']} | {s['record']} | {s['n_ok']} | "
            f"{_spread(s, 'construct_s')} | {_spread(s, 'rtf')} | {_fmt(s['peak_rss_mb_max_median'], 4)} | "
            f"{_fmt(s['bytes_per_synapse'], 3)} | {_sci(s['syn_events_per_wall_s_max'])} | "
            f"{_fmt(s['rtf_limit_best'], 3)} / {_fmt(s['rtf_limit_estimate'], 3)} / "
            f"{_fmt(s['rtf_limit_worst'], 3)} | {_fmt(s['rtf_over_limit_best_min'], 3)} | "
            f"{_fmt(s.get('rtf_limit_cores'), 3)} | {_fmt(s.get('rtf_over_limit_cores_min'), 3)} | "
            f"{_fmt(s.get('others_cores_during_median'), 2)} [max {_fmt(s.get('others_cores_during_max'), 2)}] |")
    if bandwidth:
        md += ["", "| triad threads | GB/s (STREAM counting) | random int64 RMW, M updates/s "
               "| streamed scatter, M events/s (320 KB of sums) "
               "| neuron update, M updates/s (38,600 neurons) |",
               "|---|---|---|---|---|"]
        for k in sorted(bandwidth, key=int):
            md.append(f"| {k} | {bandwidth[k]['triad_gbs']:.1f} | {bandwidth[k]['random_mups']:.0f} "
                      f"| {_fmt(bandwidth[k].get('scatter_meps'), 4)} "
                      f"| {_fmt(bandwidth[k].get('update_mups'), 4)} |")
    if scal:
        md += ["", "| scale, drive | recording | rtf(1x1) / rtf(1x2) (target >= 1.8) | "
               "the same of the cores bound | rtf(2x1) / rtf(1x2) (target <= 1.1) |",
               "|---|---|---|---|---|"]
        for e in scal:
            md.append(f"| {e['scale']:g} {e['drive']} | {e['record']} | {_fmt(e['speedup_2_threads'], 3)} | "
                      f"{_fmt(e.get('cores_bound_speedup_2_threads'), 3)} | "
                      f"{_fmt(e['ranks_over_threads'], 3)} |")
    md += ["", "| scale, drive | construct s: ours (median) | NEST 3.6* | NEST / ours | "
           "RTF: ours (median) | NEST 3.6* | NEST / ours | peak MB: ours | NEST 3.6* | ours / NEST |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    by = {point_key(s): s for s in summary}
    for nest in NEST_REFERENCE["rows"]:
        base = (nest["scale"], nest["drive"])
        ours = by.get(base + (1, 2, "on")) or by.get(base + (1, 2, "off"))
        name = f"{nest['scale']:g} {nest['drive']}"
        nm = f"{nest['peak_memory_mb']:.0f}"
        if ours is None:
            md.append(f"| {name} | to be measured | {_rng(nest['construct_s'])} | | to be measured | "
                      f"{_rng(nest['rtf'])} | | to be measured | {nm} | |")
            continue
        c, r, m = ours["construct_s_min"], ours["rtf_min"], ours["peak_rss_mb_sum_median"]
        md.append(
            f"| {name} | {_fmt(c, 3)} ({_fmt(ours['construct_s_median'], 3)}) | {_rng(nest['construct_s'])} | "
            f"{_fmt(_mid(nest['construct_s']) / c if c else None, 3)} | {_fmt(r, 3)} "
            f"({_fmt(ours['rtf_median'], 3)}) | {_rng(nest['rtf'])} | "
            f"{_fmt(_mid(nest['rtf']) / r if r else None, 3)} | {_fmt(m, 4)} | {nm} | "
            f"{_fmt(m / nest['peak_memory_mb'] if m else None, 3)} |")
    md.append("")
    md.append("\\* NEST 3.6 numbers quoted in issue 4, not measured here (" + NEST_REFERENCE["source"] + ").")
    return "\n".join(md)


def format_tables(summary, scal, bandwidth, merged=False):
    lines = []
    lines.append("All points (median [min-max] over the repeats; RTF = sim wall / t_sim; "
                 "construct = create + connect; memory = peak RSS per rank, max over ranks;")
    lines.append("events/s = synaptic events per wall second of the sim phase, best repeat; limit = RTF "
                 "the triad bandwidth allows; RTF/limit = best RTF / best-case limit; cores = RTF "
                 "the measured scatter and neuron-update rates allow, RTF/cores = best RTF / it; "
                 "others = cores "
                 "busy with other processes during the runs, median)")
    hdr = (f"{'scale':>5} {'drive':<7} {'RxT':<4} {'rec':<3} {'n':>2} {'construct s':>20} "
           f"{'sim RTF':>22} {'peak MB/rank':>12} {'B/syn':>6} {'events/s':>9} "
           f"{'limit best':>10} {'est':>7} {'worst':>7} {'RTF/limit':>9} {'cores':>7} "
           f"{'RTF/cores':>9} {'others':>6}")
    lines.append(hdr)
    for s in summary:
        lines.append(
            f"{s['scale']:>5g} {s['drive']:<7} {s['ranks']}x{s['threads']:<2} {s['record']:<3} "
            f"{s['n_ok']:>2} {_spread(s, 'construct_s'):>20} {_spread(s, 'rtf'):>22} "
            f"{_fmt(s['peak_rss_mb_max_median'], 4):>12} {_fmt(s['bytes_per_synapse'], 3):>6} "
            f"{_sci(s['syn_events_per_wall_s_max']):>9} {_fmt(s['rtf_limit_best'], 3):>10} "
            f"{_fmt(s['rtf_limit_estimate'], 3):>7} {_fmt(s['rtf_limit_worst'], 3):>7} "
            f"{_fmt(s['rtf_over_limit_best_min'], 3):>9} {_fmt(s.get('rtf_limit_cores'), 3):>7} "
            f"{_fmt(s.get('rtf_over_limit_cores_min'), 3):>9} "
            f"{_fmt(s.get('others_cores_during_median'), 2):>6}")
    if bandwidth:
        lines.append("")
        if merged:
            lines.append("(several campaigns merged: the bandwidth below is the first one's; each run's "
                         "limit uses its own campaign's measurement)")
        for k in sorted(bandwidth, key=int):
            b = bandwidth[k]
            lines.append(f"Memory bandwidth, STREAM-style triad, {k} thread(s): {b['triad_gbs']:.1f} GB/s "
                         f"(best of {b.get('runs', 1)} x {b['reps']} sweeps); random int64 "
                         f"read-modify-write: {b['random_mups']:.0f} M updates/s; streamed scatter "
                         f"(the innermost loop alone): {_fmt(b.get('scatter_meps'), 4)} M events/s; "
                         f"neuron update: {_fmt(b.get('update_mups'), 4)} M updates/s; "
                         f"split barrier: {_fmt(b.get('barrier_ns'), 3)} ns per pass")
    if scal:
        lines.append("")
        lines.append("Scaling, from the best RTF of the repeats (targets: 2 threads >= 1.8x faster "
                     "than 1; 2 ranks x 1 thread within 10% of 1 rank x 2 threads; 'cores bound' = "
                     "the same ratio of the cores bound: the inner loops alone on each thread's share)")
        for e in scal:
            sp = _fmt(e["speedup_2_threads"], 3)
            cb = _fmt(e.get("cores_bound_speedup_2_threads"), 3)
            ro = _fmt(e["ranks_over_threads"], 3)
            lines.append(f"  scale {e['scale']:g} {e['drive']:<7} rec {e['record']:<3}: "
                         f"rtf(1x1)/rtf(1x2) = {sp:>6} (cores bound {cb:>6})   "
                         f"rtf(2x1)/rtf(1x2) = {ro:>6}")
    lines.append("")
    lines.append("Beside NEST 3.6 (numbers quoted in issue 4, NOT measured here: "
                 + NEST_REFERENCE["source"] + ").")
    lines.append("Ours: 1 rank x 2 threads, spikes recorded (the NEST setting; recording off if no "
                 "recorded run), best of the repeats (median in parentheses). Ratios: middle of NEST's "
                 "range / our best.")
    lines.append(f"{'scale':>5} {'drive':<7} {'rec':<3} | {'construct s':>15} {'NEST':>9} {'x faster':>8} | "
                 f"{'RTF':>15} {'NEST':>9} {'x faster':>8} | {'peak MB':>8} {'NEST':>7} {'fraction':>8}")
    by = {point_key(s): s for s in summary}
    for nest in NEST_REFERENCE["rows"]:
        base = (nest["scale"], nest["drive"])
        ours = by.get(base + (1, 2, "on")) or by.get(base + (1, 2, "off"))
        if ours is None:
            lines.append(f"{nest['scale']:>5g} {nest['drive']:<7} {'':<3} | {'(not run)':>15} "
                         f"{_rng(nest['construct_s']):>9} {'':>8} | {'':>15} {_rng(nest['rtf']):>9} "
                         f"{'':>8} | {'':>8} {nest['peak_memory_mb']:>7.0f}")
            continue
        s = ours
        c, r, m = ours["construct_s_min"], ours["rtf_min"], ours["peak_rss_mb_sum_median"]
        c_text = f"{_fmt(c, 3)} ({_fmt(ours['construct_s_median'], 3)})"
        r_text = f"{_fmt(r, 3)} ({_fmt(ours['rtf_median'], 3)})"
        lines.append(
            f"{s['scale']:>5g} {s['drive']:<7} {ours['record']:<3} | {c_text:>15} "
            f"{_rng(nest['construct_s']):>9} {_fmt(_mid(nest['construct_s']) / c if c else None, 3):>8} | "
            f"{r_text:>15} {_rng(nest['rtf']):>9} {_fmt(_mid(nest['rtf']) / r if r else None, 3):>8} | "
            f"{_fmt(m, 4):>8} {nest['peak_memory_mb']:>7.0f} "
            f"{_fmt(m / nest['peak_memory_mb'] if m else None, 3):>8}")
    lines.append("Targets (issue 4): RTF >= 5x lower than NEST at 0.5 and 1.0 DC, full scale RTF <= 5 on 2 "
                 "threads, 0.1 Poisson RTF <= 0.5; construction >= 10x faster; memory <= 1/4 of NEST, "
                 "full scale < 3.5 GB on one rank; within 3x of the bandwidth limit.")
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# Plots


def make_plots(summary, outdir):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    os.makedirs(outdir, exist_ok=True)
    written = []

    def save(fig, name):
        for ext in ("png", "svg"):
            path = os.path.join(outdir, f"{name}.{ext}")
            fig.savefig(path, dpi=120, bbox_inches="tight")
            written.append(path)
        plt.close(fig)

    def series(record, ranks, threads):
        pts = [s for s in summary if s["record"] == record and s["ranks"] == ranks
               and s["threads"] == threads and s["rtf_median"] is not None]
        return sorted(pts, key=lambda s: s["scale"])

    layouts = sorted({(s["ranks"], s["threads"]) for s in summary})
    records = [r for r in ("off", "on") if any(s["record"] == r for s in summary)]
    perf_record = "off" if "off" in records else records[0]
    nest_x = [r["scale"] for r in NEST_REFERENCE["rows"]]

    # RTF against scale
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for ranks, threads in layouts:
        for record in records:
            pts = series(record, ranks, threads)
            if not pts:
                continue
            x = [s["scale"] for s in pts]
            y = [s["rtf_median"] for s in pts]
            err = [[s["rtf_median"] - s["rtf_min"] for s in pts], [s["rtf_max"] - s["rtf_median"] for s in pts]]
            ax.errorbar(x, y, yerr=err, marker="o", capsize=3,
                        linestyle="-" if record == "off" else ":",
                        label=f"ours {ranks}x{threads}, rec {record}")
    lim = [s for s in series(perf_record, 1, 2) if s["rtf_limit_best"]] or \
        [s for s in summary if s["record"] == perf_record and s["rtf_limit_best"]]
    if lim:
        lim = sorted({s["scale"]: s for s in lim}.values(), key=lambda s: s["scale"])
        ax.plot([s["scale"] for s in lim], [s["rtf_limit_best"] for s in lim], "k--", marker="x",
                label=f"bandwidth limit, best case ({lim[0]['ranks']}x{lim[0]['threads']})")
        ax.plot([s["scale"] for s in lim], [s["rtf_limit_worst"] for s in lim], "k:", marker="+",
                label="bandwidth limit, worst case")
        cores = [s for s in lim if s.get("rtf_limit_cores")]
        if cores:
            ax.plot([s["scale"] for s in cores], [s["rtf_limit_cores"] for s in cores], "r--",
                    marker="^", label="cores limit (measured inner loops)")
    ax.errorbar(nest_x, [_mid(r["rtf"]) for r in NEST_REFERENCE["rows"]],
                yerr=[[_mid(r["rtf"]) - r["rtf"][0] for r in NEST_REFERENCE["rows"]],
                      [r["rtf"][1] - _mid(r["rtf"]) for r in NEST_REFERENCE["rows"]]],
                marker="s", color="grey", linestyle="none", capsize=3, label="NEST 3.6 (issue 4)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("scale (N_scaling = K_scaling)")
    ax.set_ylabel("real-time factor (sim wall / t_sim)")
    ax.set_title("RTF against scale (0.1 Poisson, others DC)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    save(fig, "rtf_vs_scale")

    # Memory against scale
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for ranks, threads in layouts:
        pts = series(perf_record, ranks, threads)
        if pts:
            ax.plot([s["scale"] for s in pts], [s["peak_rss_mb_max_median"] for s in pts], marker="o",
                    label=f"peak RSS per rank (max), {ranks}x{threads}")
            if ranks > 1:
                ax.plot([s["scale"] for s in pts], [s["peak_rss_mb_sum_median"] for s in pts],
                        marker="^", linestyle="--", label=f"peak RSS all ranks, {ranks}x{threads}")
    store = sorted({s["scale"]: s for s in summary if s.get("synapse_store_bytes")}.values(),
                   key=lambda s: s["scale"])
    if store:
        ax.plot([s["scale"] for s in store], [s["synapse_store_bytes"] / 1048576 for s in store], "k--",
                label="synapse store (all ranks)")
    ax.plot(nest_x, [r["peak_memory_mb"] for r in NEST_REFERENCE["rows"]], "s", color="grey",
            label="NEST 3.6 (issue 4)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("scale (N_scaling = K_scaling)")
    ax.set_ylabel("MB")
    ax.set_title(f"Memory against scale (recording {perf_record})")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    save(fig, "memory_vs_scale")

    # Phase breakdown against scale
    phases = ["init_s", "create_s", "connect_s", "presim_s", "sim_s", "write_s"]
    pts = [s for s in summary if s["record"] == perf_record and s["rtf_median"] is not None]
    pts.sort(key=lambda s: (s["scale"], s["ranks"], s["threads"]))
    if pts:
        fig, ax = plt.subplots(figsize=(max(6, 0.7 * len(pts) + 2), 4.5))
        bottom = [0.0] * len(pts)
        for ph in phases:
            vals = [s[ph + "_median"] or 0.0 for s in pts]
            ax.bar(range(len(pts)), vals, bottom=bottom, label=ph[:-2])
            bottom = [b + v for b, v in zip(bottom, vals)]
        ax.set_xticks(range(len(pts)))
        ax.set_xticklabels([f"{s['scale']:g} {s['drive']}\n{s['ranks']}x{s['threads']}" for s in pts],
                           fontsize=7)
        ax.set_ylabel("wall time, s (median)")
        ax.set_title(f"Phase breakdown (recording {perf_record}; t_presim {pts[0]['t_presim_ms']:g} ms, "
                     f"t_sim {pts[0]['t_sim_ms']:g} ms)")
        ax.legend(fontsize=7)
        save(fig, "phases_vs_scale")

    # RTF against threads / ranks
    fig, ax = plt.subplots(figsize=(7, 4.5))
    scales = sorted({(s["scale"], s["drive"]) for s in summary})
    labels = [f"{r}x{t}" for r, t in layouts]
    width = 0.8 / max(1, len(scales))
    for i, (scale, drive) in enumerate(scales):
        vals, lo, hi = [], [], []
        for ranks, threads in layouts:
            s = next((s for s in summary if (s["scale"], s["drive"], s["ranks"], s["threads"], s["record"])
                      == (scale, drive, ranks, threads, perf_record)), None)
            v = s["rtf_median"] if s and s["rtf_median"] is not None else float("nan")
            vals.append(v)
            lo.append(v - s["rtf_min"] if s and s["rtf_min"] is not None else 0.0)
            hi.append(s["rtf_max"] - v if s and s["rtf_max"] is not None else 0.0)
        ax.bar([j + i * width for j in range(len(layouts))], vals, width, yerr=[lo, hi], capsize=2,
               label=f"scale {scale:g} {drive}")
    ax.set_xticks([j + width * (len(scales) - 1) / 2 for j in range(len(layouts))])
    ax.set_xticklabels(labels)
    ax.set_xlabel("ranks x threads")
    ax.set_ylabel("real-time factor")
    ax.set_title(f"RTF against threads and ranks (recording {perf_record})")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=7)
    save(fig, "rtf_vs_layout")
    return written


# ---------------------------------------------------------------------------
# Machine measurements


def llc_bytes():
    """Size of the largest cache level of cpu0 from sysfs (0 if unknown)."""
    best = (0, 0)
    base = "/sys/devices/system/cpu/cpu0/cache"
    try:
        for d in os.listdir(base):
            if not d.startswith("index"):
                continue
            with open(os.path.join(base, d, "level")) as f:
                level = int(f.read())
            with open(os.path.join(base, d, "size")) as f:
                text = f.read().strip()
            m = re.fullmatch(r"(\d+)([KMG]?)", text)
            if not m:
                continue
            size = int(m.group(1)) * {"": 1, "K": 1024, "M": 1 << 20, "G": 1 << 30}[m.group(2)]
            best = max(best, (level, size))
    except OSError:
        pass
    return best[1]


def machine_info():
    info = {"hostname": platform.node(), "cpus": os.cpu_count(), "llc_bytes": llc_bytes(),
            "python": sys.version.split()[0], "platform": platform.platform()}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu_model"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal"):
                    info["mem_total_mb"] = int(line.split()[1]) / 1024
                    break
    except OSError:
        pass
    return info


# Per machine probe of stream_triad: its figure, whether more is better, and
# the fields taken over from the run that measured the best figure.
PROBE_BEST = (
    ("triad_gbs", True, ("triad_best_s", "triad_mean_s", "triad_worst_s", "triad_gbs",
                         "triad_gbs_mean", "busy_cores_before")),
    ("random_mups", True, ("random_best_s", "random_mups", "random_line_gbs")),
    ("scatter_meps", True, ("scatter_best_s", "scatter_meps")),
    ("update_mups", True, ("update_best_s", "update_mups")),
    ("barrier_ns", False, ("barrier_best_s", "barrier_ns")),
)


def measure_bandwidth(thread_counts, workdir, mb=80.0, reps=20, runs=3, wait_idle_s=0.0,
                      idle_threshold=0.3, log=print, probe_neurons=None, max_slowdown=None):
    """Compile tools/stream_triad.cpp with g++ -O3 -fopenmp into workdir and
    run it `runs` times for each thread count (interleaved; each run is the
    best of `reps` triad sweeps), keeping the best triad and the best random
    update rate; then, for probe_neurons = {threads: [neurons per thread]},
    the scatter and update probes sized for each share (best of `runs`), as
    "cores_by_neurons" {str(neurons): {...}}. Returns {str(threads): result dict}."""
    exe = os.path.join(workdir, "stream_triad")
    compiler = os.environ.get("CXX", "g++")
    # The engine's flags and its neuron (the update probe runs update_neuron).
    common = ["-ffp-contract=off", "-fopenmp", "-I", os.path.join(REPO, "include")]
    for flags in (["-O3", "-march=native", *common], ["-O3", *common]):
        cmd = [compiler, *flags, STREAM_SOURCE, NEURON_SOURCE, "-o", exe]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode == 0:
            break
    else:
        raise RuntimeError("cannot compile stream_triad.cpp: " + proc.stderr[-2000:])
    log("compiled: " + " ".join(cmd))
    results = {}
    for run in range(runs):
        for t in thread_counts:
            busy, _ = wait_until_idle(wait_idle_s, idle_threshold, log, max_slowdown=max_slowdown)
            env = dict(os.environ, OMP_NUM_THREADS=str(t), OMP_PROC_BIND="spread")
            proc = subprocess.run([exe, "--threads", str(t), "--mb", str(mb), "--reps", str(reps)],
                                  capture_output=True, text=True, env=env, check=True)
            res = json.loads(proc.stdout)
            res["busy_cores_before"] = busy
            prev = results.get(str(t))
            if prev is None:
                res["runs"] = 1
                for metric, _, _ in PROBE_BEST:
                    res[metric + "_all"] = [res[metric]]
                res["compile_command"] = " ".join(cmd)
                results[str(t)] = res
                continue
            prev["runs"] += 1
            for metric, higher_is_better, fields in PROBE_BEST:
                prev[metric + "_all"].append(res[metric])
                if (res[metric] > prev[metric]) if higher_is_better else (res[metric] < prev[metric]):
                    for k in fields:
                        prev[k] = res[k]
    for t, sizes in sorted((probe_neurons or {}).items()):
        if str(t) not in results:
            continue
        env = dict(os.environ, OMP_NUM_THREADS=str(t), OMP_PROC_BIND="spread")
        by_size = results[str(t)].setdefault("cores_by_neurons", {})
        for n in sizes:
            best = {}
            for _ in range(runs):
                wait_until_idle(wait_idle_s, idle_threshold, log, max_slowdown=max_slowdown)
                proc = subprocess.run([exe, "--threads", str(t), "--probes", "scatter,update",
                                       "--update-neurons", str(n), "--scatter-kb", f"{n * 8 / 1000:g}"],
                                      capture_output=True, text=True, env=env, check=True)
                res = json.loads(proc.stdout)
                for k, keys in (("scatter_meps", ("scatter_meps", "scatter_table_kb")),
                                ("update_mups", ("update_mups", "update_neurons"))):
                    if res[k] > best.get(k, 0.0):
                        best.update({key: res[key] for key in keys})
            by_size[str(n)] = best
            log(f"inner loops, {t} thread(s) x {n} neurons: streamed scatter "
                f"{best['scatter_meps']:.0f} M events/s, neuron update {best['update_mups']:.0f} M updates/s")
    for t in thread_counts:
        res = results[str(t)]
        log(f"triad {t} thread(s): {res['triad_gbs']:.1f} GB/s (best of {runs} x {reps} sweeps, "
            f"3 x {mb:g} MB; all runs {', '.join(f'{g:.1f}' for g in res['triad_gbs_all'])}); "
            f"random RMW {res['random_mups']:.0f} M updates/s; "
            f"streamed scatter {res['scatter_meps']:.0f} M events/s; "
            f"neuron update {res['update_mups']:.0f} M updates/s; "
            f"split barrier {res['barrier_ns']:.0f} ns per pass")
    return results


# ---------------------------------------------------------------------------
# Running the simulator


def busy_cores(interval=0.5):
    """CPU cores kept busy by all processes over `interval` seconds (from
    /proc/stat; the harness itself sleeps meanwhile, so this is other
    people's load). None where /proc/stat is missing."""
    def sample():
        with open("/proc/stat") as f:
            vals = [int(v) for v in f.readline().split()[1:9]]
        return sum(vals), vals[3] + vals[4]  # total, idle + iowait
    try:
        t1, i1 = sample()
        time.sleep(interval)
        t2, i2 = sample()
    except (OSError, ValueError, IndexError):
        return None
    total = t2 - t1
    return (os.cpu_count() or 1) * (1.0 - (i2 - i1) / total) if total > 0 else 0.0


def busy_cpu_seconds():
    """CPU seconds all processes have spent busy since boot (/proc/stat)."""
    try:
        with open("/proc/stat") as f:
            vals = [int(v) for v in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    return (sum(vals) - vals[3] - vals[4]) / os.sysconf("SC_CLK_TCK")


def wait_until_idle(max_wait_s, threshold_cores, log=print, max_slowdown=None):
    """Sample the load (and, given max_slowdown, the cores' speeds) until it
    is below threshold_cores (and no core is more than max_slowdown times
    slower than another) or max_wait_s has passed. Returns (busy cores at the
    last sample, seconds waited)."""
    def unequal():
        if max_slowdown is None:
            return None
        slowdown = core_slowdown()
        return slowdown if slowdown is not None and slowdown > max_slowdown else None

    t0 = time.monotonic()
    busy = busy_cores()
    slowed = unequal()
    while ((busy is not None and busy > threshold_cores) or slowed) \
            and time.monotonic() - t0 < max_wait_s:
        time.sleep(2.0)
        busy = busy_cores()
        slowed = unequal()
    waited = time.monotonic() - t0
    if busy is not None and busy > threshold_cores and max_wait_s > 0:
        log(f"  (machine still busy: {busy:.2f} cores in use by others after {waited:.0f} s; running anyway)")
    if slowed and max_wait_s > 0:
        log(f"  (a core still runs {slowed:.2f}x slower than another after {waited:.0f} s; running anyway)")
    return busy, waited


def core_slowdown(loop=200_000, tries=5):
    """How much slower the slowest core runs a fixed loop than the fastest:
    the harness pins itself to each core in turn (median of `tries`). On a
    virtual machine whose host lends a core to someone else, /proc/stat sees
    nothing, yet that core can run at a third of its speed for minutes, and
    a two-thread run then measures the host. None where pinning is not
    possible (one core, no sched_setaffinity)."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    allowed = os.sched_getaffinity(0)
    if len(allowed) < 2:
        return None
    times = {}
    try:
        for cpu in sorted(allowed):
            os.sched_setaffinity(0, {cpu})
            for _ in range(tries):
                t0 = time.perf_counter()
                total = 0
                for i in range(loop):
                    total += i
                times.setdefault(cpu, []).append(time.perf_counter() - t0)
    finally:
        os.sched_setaffinity(0, allowed)
    medians = [statistics.median(t) for t in times.values()]
    return max(medians) / min(medians)


def find_binary(explicit=None):
    candidates = [explicit, os.environ.get("MICROCIRCUIT_MPI"),
                  os.path.join(REPO, "build", "microcircuit_mpi"), shutil.which("microcircuit_mpi")]
    for c in candidates:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return os.path.abspath(c)
    raise SystemExit("microcircuit_mpi not found: pass --binary PATH (or set MICROCIRCUIT_MPI), "
                     "e.g. build it with cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && "
                     "make -C build microcircuit_mpi")


def run_command(binary, scale, drive, ranks, threads, record, t_presim, t_sim, data_path,
                extra_sets=(), mpirun="mpirun"):
    sets = {
        "simulation.data_path": data_path,
        "simulation.overwrite_files": "true",
        "simulation.t_presim": f"{t_presim:g}",
        "simulation.t_sim": f"{t_sim:g}",
        "simulation.local_num_threads": str(threads),
        "simulation.print_time": "false",
        "simulation.rec_dev": "[spike_recorder]" if record == "on" else "[]",
        "network.N_scaling": f"{scale:g}",
        "network.K_scaling": f"{scale:g}",
        "network.bg_input_type": drive,
    }
    cmd = [binary]
    for k, v in sets.items():
        cmd += ["--set", f"{k}={v}"]
    for s in extra_sets:
        cmd += ["--set", s]
    if ranks > 1:
        cmd = [mpirun, "--oversubscribe", "--bind-to", "none", "-n", str(ranks)] + cmd
    return cmd


def count_sim_spikes(path, t_presim_ms, h_ms=0.1):
    """Spikes in the sim phase (time stamp > t_presim) in a SONATA spike file
    written by microcircuit_mpi; None if it cannot be read."""
    try:
        import h5py
        import numpy as np
    except ImportError:
        return None
    try:
        with h5py.File(path, "r") as f:
            if "spikes" not in f:
                return None
            total = 0
            for pop in f["spikes"]:
                ts = f["spikes"][pop]["timestamps"][:]
                total += int(np.count_nonzero(ts > t_presim_ms + 0.5 * h_ms))
            return total
    except (OSError, KeyError):
        return None


def run_one(binary, point, repeat, outdir, args, log=print):
    scale, drive, ranks, threads, record = point
    name = f"{key_name(point)}-r{repeat}"
    data_path = os.path.join(outdir, "runs", name)
    os.makedirs(data_path, exist_ok=True)
    cmd = run_command(binary, scale, drive, ranks, threads, record, args.t_presim, args.t_sim,
                      data_path, args.set or (), args.mpirun)
    env = dict(os.environ)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    env["OMP_NUM_THREADS"] = str(threads)
    busy, waited = wait_until_idle(args.wait_idle, args.idle_threshold, log,
                                   max_slowdown=args.max_core_slowdown)
    slowdown_before = core_slowdown()
    load_before = os.getloadavg()[0]
    cpu_all0 = busy_cpu_seconds()
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    with open(os.path.join(data_path, "stdout.txt"), "w") as out, \
            open(os.path.join(data_path, "stderr.txt"), "w") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, start_new_session=True)
        try:
            rc = proc.wait(timeout=args.timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            rc = "timeout"
    wall = time.monotonic() - t0
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_all1 = busy_cpu_seconds()
    slowdown_after = core_slowdown()
    own_cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    others = (max(0.0, (cpu_all1 - cpu_all0 - own_cpu) / wall)
              if cpu_all0 is not None and cpu_all1 is not None and wall > 0 else None)
    row = {"scale": scale, "drive": drive, "ranks": ranks, "threads": threads, "vps": ranks * threads,
           "record": record, "t_presim_ms": args.t_presim, "t_sim_ms": args.t_sim, "h_ms": 0.1,
           "k_scaling": scale, "returncode": rc, "error": ""}
    report_path = os.path.join(data_path, "report.json")
    if rc == 0 and os.path.exists(report_path):
        with open(report_path) as f:
            row.update(row_from_report(json.load(f)))
        with open(os.path.join(data_path, "stdout.txt")) as f:
            m = re.search(r"min delay (\d+) step\(s\), max delay (\d+) steps", f.read())
        if m:
            row["ring_slots"] = int(m.group(1)) + int(m.group(2))
        spikes_file = os.path.join(data_path, "spikes.h5")
        if record == "on":
            n = count_sim_spikes(spikes_file, row["t_presim_ms"], row["h_ms"])
            if n is not None:
                row["spikes_sim"] = n
                row["spikes_sim_source"] = "file"
        if not args.keep_spikes and os.path.exists(spikes_file):
            os.remove(spikes_file)
    else:
        with open(os.path.join(data_path, "stderr.txt")) as f:
            row["error"] = f.read()[-300:].replace("\n", " ")
        row["rtf"] = None
    row.update({"repeat": repeat, "wall_s": wall, "loadavg_before": load_before,
                "busy_cores_before": busy, "waited_idle_s": waited, "cpu_s": own_cpu,
                "others_cores_during": others,
                "core_slowdown": max((x for x in (slowdown_before, slowdown_after) if x is not None),
                                     default=None),
                "loadavg_after": os.getloadavg()[0], "command": " ".join(cmd)})
    status = (f"RTF {row['rtf']:.3f}, construct {row['construct_s']:.2f} s, "
              f"peak {row['peak_rss_mb_max']:.0f} MB/rank" if row.get("rtf") is not None
              else f"FAILED ({rc}): {row['error'][-200:]}")
    busy_text = f"{busy:.2f}" if busy is not None else "?"
    others_text = f"{others:.2f}" if others is not None else "?"
    slowdown_text = f"{row['core_slowdown']:.2f}" if row["core_slowdown"] is not None else "?"
    log(f"  {name}: {status} (wall {wall:.1f} s; cores used by others: {busy_text} before, "
        f"{others_text} during; slowest core {slowdown_text}x the fastest)")
    return row


# ---------------------------------------------------------------------------


def disturbance(row, max_others, max_core_slowdown):
    """Why a run did not have the machine to itself, or "" if it did."""
    others = row.get("others_cores_during")
    if others is not None and others > max_others:
        return f"other processes used {others:.2f} cores (> {max_others:g})"
    slowdown = row.get("core_slowdown")
    if slowdown is not None and slowdown > max_core_slowdown:
        return f"the slowest core ran {slowdown:.2f}x slower than the fastest (> {max_core_slowdown:g})"
    return ""


def build_parser():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="See docs/performance.md.")
    p.add_argument("--quick", action="store_true",
                   help=f"quick mode: points {QUICK_POINTS}, layouts {DEFAULT_LAYOUTS}, 3 repeats, "
                        "recording both, t_sim 1000 ms (a few minutes on 2 cores)")
    p.add_argument("--binary", help="microcircuit_mpi (default: $MICROCIRCUIT_MPI, build/, PATH)")
    p.add_argument("--out", help="output folder (default: a new folder under the temp dir)")
    p.add_argument("--scales", help=f"SCALE:DRIVE,... (default {DEFAULT_POINTS}; quick {QUICK_POINTS})")
    p.add_argument("--layouts", help=f"RANKSxTHREADS,... (default {DEFAULT_LAYOUTS})")
    p.add_argument("--repeats", type=int, help="runs per point (default 3; quick 3)")
    p.add_argument("--record", choices=["both", "on", "off"], default="both",
                   help="spike recording: off = performance set, on = second set (default both)")
    p.add_argument("--t-presim", type=float, default=500.0, help="warm-up, ms (discarded; default 500)")
    p.add_argument("--t-sim", type=float, default=1000.0, help="timed simulation, ms (default 1000)")
    p.add_argument("--warmup-runs", type=int, default=1,
                   help="untimed runs of the first point before measuring (default 1)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="extra engine override for every run (repeatable)")
    p.add_argument("--mpirun", default="mpirun", help="mpirun command (default mpirun)")
    p.add_argument("--timeout", type=float, default=None, help="seconds per run (default none)")
    p.add_argument("--wait-idle", type=float, default=30.0,
                   help="before each run wait up to this many seconds for the machine to be idle "
                        "and its cores equally fast (default 30; 0 = do not wait)")
    p.add_argument("--idle-threshold", type=float, default=0.3,
                   help="idle = fewer than this many cores busy with other processes (default 0.3)")
    p.add_argument("--max-others", type=float, default=0.25,
                   help="a run during which other processes used more cores than this is "
                        "discarded and run again (default 0.25)")
    p.add_argument("--max-core-slowdown", type=float, default=1.25,
                   help="a run before or after which the slowest core ran a fixed loop more than "
                        "this many times slower than the fastest (a virtual machine's host "
                        "lending a core away) is discarded and run again (default 1.25)")
    p.add_argument("--retries", type=int, default=2,
                   help="times a disturbed run is run again (default 2; the last try is kept)")
    p.add_argument("--keep-spikes", action="store_true", help="keep the runs' spikes.h5")
    p.add_argument("--stream-threads", default="1,2", help="triad thread counts (default 1,2)")
    p.add_argument("--stream-mb", type=float, default=80.0, help="MB per triad array (default 80)")
    p.add_argument("--stream-runs", type=int, default=3,
                   help="triad runs per thread count, best kept (default 3, each best of 20 sweeps)")
    p.add_argument("--no-stream", action="store_true", help="skip the bandwidth measurement")
    p.add_argument("--layout", action="append", metavar="KEY=VALUE",
                   help="override a field of the limit model's data layout (repeatable); "
                        "delivery=runs (the engine since 7b11c2e), queue (b93267b..d4c2829) or "
                        "ring (before b93267b); runs_per_row=0 computes the runs from the delay "
                        "fields. Defaults: "
                        + ", ".join(f"{k}={v}" for k, v in DEFAULT_LAYOUT.items()))
    p.add_argument("--no-plots", action="store_true")
    p.add_argument("--plan", action="store_true", help="print the runs and exit")
    p.add_argument("--from-json", metavar="RESULTS", action="append",
                   help="do not run: reuse a results.json (recompute tables, plots, comparison); "
                        "repeat to merge several campaigns (each keeps its own bandwidth)")
    p.add_argument("--compare", metavar="BASELINE",
                   help="report ratios against a baseline (implies --quick unless --from-json)")
    p.add_argument("--threshold", type=float, default=0.5,
                   help="relative change flagged in --compare for times and events/s (default 0.5: "
                        "quick runs of one engine differ by up to 1.5x on a shared 2-core VM)")
    p.add_argument("--memory-threshold", type=float, default=0.10,
                   help="relative change flagged in --compare for memory (default 0.10)")
    p.add_argument("--strict", action="store_true",
                   help="with --compare: exit 1 if a regression is flagged (default exit 0)")
    p.add_argument("--save-baseline", metavar="PATH", help="write the results as a baseline file")
    return p


def plan(args):
    if args.compare and not args.from_json and not args.quick:
        args.quick = True
    points = parse_points(args.scales or (QUICK_POINTS if args.quick else DEFAULT_POINTS))
    layouts = parse_layouts(args.layouts or DEFAULT_LAYOUTS)
    repeats = args.repeats or 3
    records = ["off", "on"] if args.record == "both" else [args.record]
    pts = [(s, d, r, t, rec) for rec in records for (s, d) in points for (r, t) in layouts]
    return pts, repeats


def parse_layout_overrides(items):
    out = {}
    for item in items or ():
        k, _, v = item.partition("=")
        if k not in DEFAULT_LAYOUT:
            raise SystemExit(f"--layout: unknown field {k!r}")
        if k == "delivery":
            out[k] = v
            continue
        try:
            out[k] = int(v)
        except ValueError:
            try:
                out[k] = float(v)
            except ValueError:
                raise SystemExit(f"--layout: {k} must be a number, not {v!r}")
    try:
        _layout(out)
    except ValueError as e:
        raise SystemExit(f"--layout: {e}")
    return out


def derive(rows, bandwidth, llc, layout):
    """spikes_sim, events and limit-model columns of the successful rows."""
    fill_spikes_sim([r for r in rows if r.get("rtf") is not None])
    for r in rows:
        if r.get("rtf") is not None:
            add_derived(r, bandwidth, llc, layout)
    return rows


def load_results(paths, layout):
    """Rows of one or more results.json files, each re-derived with its own
    bandwidth measurement; returns (rows, bandwidth and meta of the first)."""
    rows, first = [], None
    for path in paths:
        with open(path) as f:
            old = json.load(f)
        part = old["runs"]
        for r in part:  # recompute the derived columns from scratch
            if r.get("spikes_sim_source") != "file":
                r.pop("spikes_sim", None)
                r.pop("spikes_sim_source", None)
        derive(part, old.get("bandwidth") or {},
               old.get("meta", {}).get("machine", {}).get("llc_bytes", 0), layout)
        for r in part:
            r.setdefault("source", os.path.abspath(path))
        rows += part
        if first is None:
            first = old
    meta = dict(first.get("meta", {}))
    if len(paths) > 1:
        meta["merged_from"] = [os.path.abspath(p) for p in paths]
    return rows, first.get("bandwidth") or {}, meta


def finish(rows, bandwidth, meta, layout, outdir, args, log=print, derived=False):
    """Derived columns (unless derived), aggregation, outputs, table,
    comparison. Returns the exit status."""
    if not derived:
        derive(rows, bandwidth, meta.get("machine", {}).get("llc_bytes", 0), layout)
    summary = aggregate(rows)
    scal = scaling(summary)
    os.makedirs(outdir, exist_ok=True)
    write_csv(rows, os.path.join(outdir, "runs.csv"), RUN_COLUMNS + ["command"])
    write_csv(summary, os.path.join(outdir, "summary.csv"), summary_columns(summary))
    lay = dict(DEFAULT_LAYOUT)
    lay.update(layout)
    results = {
        "meta": meta,
        "bandwidth": bandwidth,
        "limit_model": {"layout": lay, "assumptions": LIMIT_ASSUMPTIONS,
                        "bytes_per_neuron_update_dc": neuron_update_bytes(lay, False),
                        "bytes_per_neuron_update_poisson": neuron_update_bytes(lay, True),
                        "bytes_per_neuron_update_dc_separate_inhibitory":
                            neuron_update_bytes(lay, False, True)},
        "nest_reference": NEST_REFERENCE,
        "targets": TARGETS,
        "runs": rows,
        "summary": summary,
        "scaling": scal,
    }
    table = format_tables(summary, scal, bandwidth, merged=bool(meta.get("merged_from")))
    status = 0
    if args.compare:
        with open(args.compare) as f:
            base = json.load(f)
        entries, regressions = compare(summary, base["summary"], args.threshold, args.memory_threshold)
        text = format_compare(entries, bandwidth, base.get("bandwidth"))
        base_commit = base.get("meta", {}).get("engine_commit", "?")
        text += (f"\n  baseline: {args.compare} (engine {base_commit}); current engine "
                 f"{meta.get('engine_commit', '?')}; {regressions} regression(s) flagged "
                 f"(threshold {args.threshold:g}, memory {args.memory_threshold:g})")
        bm = base.get("meta", {})
        if (bm.get("t_sim_ms"), bm.get("t_presim_ms")) != (meta.get("t_sim_ms"), meta.get("t_presim_ms")):
            text += "\n  WARNING: baseline used other t_presim/t_sim: times are not comparable"
        results["comparison"] = {"baseline": args.compare, "entries": entries, "regressions": regressions}
        table += "\n\n" + text
        if regressions and args.strict:
            status = 1
    with open(os.path.join(outdir, "table.txt"), "w") as f:
        f.write(table + "\n")
    with open(os.path.join(outdir, "table.md"), "w") as f:
        f.write(format_markdown(summary, scal, bandwidth) + "\n")
    if not args.no_plots and summary:
        try:
            results["plots"] = make_plots(summary, os.path.join(outdir, "plots"))
        except ImportError as e:
            log(f"no plots: {e}")
    with open(os.path.join(outdir, "results.json"), "w") as f:
        json.dump(results, f, indent=1, default=str)
    if args.save_baseline:
        baseline = {"meta": meta, "bandwidth": bandwidth, "summary": summary, "scaling": scal,
                    "note": "quick-mode baseline for tools/benchmark.py --compare"}
        with open(args.save_baseline, "w") as f:
            json.dump(baseline, f, indent=1, default=str)
            f.write("\n")
        log(f"baseline written: {args.save_baseline}")
    log("")
    log(table)
    log("")
    log(f"written: {outdir}/runs.csv, summary.csv, results.json, table.txt, table.md"
        + ("" if args.no_plots else ", plots/"))
    return status


def main(argv=None):
    args = build_parser().parse_args(argv)
    layout = parse_layout_overrides(args.layout)
    if args.from_json:
        rows, bandwidth, meta = load_results(args.from_json, layout)
        outdir = args.out or os.path.dirname(os.path.abspath(args.from_json[0]))
        return finish(rows, bandwidth, meta, layout, outdir, args, derived=True)

    points, repeats = plan(args)
    if args.plan:
        for p in points:
            print(key_name(p), "x", repeats)
        print(f"{len(points) * repeats} runs + {args.warmup_runs} warm-up run(s)")
        return 0
    binary = find_binary(args.binary)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    outdir = os.path.abspath(args.out or os.path.join(tempfile.gettempdir(), f"microcircuit-benchmark-{stamp}"))
    os.makedirs(outdir, exist_ok=True)
    meta = {"harness_version": HARNESS_VERSION, "date": datetime.datetime.now().isoformat(timespec="seconds"),
            "command": " ".join([os.path.relpath(sys.argv[0], REPO) if sys.argv[0] else "tools/benchmark.py"]
                                + (argv if argv is not None else sys.argv[1:])),
            "binary": binary, "machine": machine_info(), "quick": args.quick, "repeats": repeats,
            "t_presim_ms": args.t_presim, "t_sim_ms": args.t_sim, "loadavg_start": os.getloadavg()}
    print(f"microcircuit benchmark -> {outdir}")
    print(f"binary {binary}; {len(points)} points x {repeats} repeats; t_presim {args.t_presim:g} ms "
          f"(discarded), t_sim {args.t_sim:g} ms")
    bandwidth = {}
    if not args.no_stream:
        with tempfile.TemporaryDirectory(prefix="stream_triad-") as tmp:
            counts = [int(t) for t in args.stream_threads.split(",")]
            bandwidth = measure_bandwidth(counts, tmp, mb=args.stream_mb, runs=args.stream_runs,
                                          wait_idle_s=args.wait_idle,
                                          idle_threshold=args.idle_threshold,
                                          probe_neurons=probe_sizes(points, counts),
                                          max_slowdown=args.max_core_slowdown)
    for w in range(args.warmup_runs):
        print(f"warm-up run {w + 1} (discarded)")
        p = points[0]
        run_one(binary, p, f"warmup{w}", os.path.join(outdir, "warmup"), args)
    rows = []
    for rep in range(repeats):  # round robin: noise spreads over all points
        print(f"repeat {rep + 1}/{repeats}")
        for p in points:
            for attempt in range(args.retries + 1):
                row = run_one(binary, p, rep if attempt == 0 else f"{rep}retry{attempt}", outdir, args)
                row["repeat"] = rep
                reason = disturbance(row, args.max_others, args.max_core_slowdown)
                if reason and attempt < args.retries and row.get("rtf") is not None:
                    row["discarded"] = "disturbed"
                    rows.append(row)
                    print(f"    discarded: {reason}; running it again")
                    continue
                rows.append(row)
                break
    meta["loadavg_end"] = os.getloadavg()
    meta["engine_commit"] = next((r.get("git_commit") for r in rows if r.get("git_commit")), "")
    return finish(rows, bandwidth, meta, layout, outdir, args)


if __name__ == "__main__":
    sys.exit(main())
