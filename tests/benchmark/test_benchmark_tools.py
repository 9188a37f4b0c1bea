"""Tests of the benchmark harness (the package tools/benchmark, run as
`python3 tools/benchmark`) on synthetic report.json data: no simulator run, nothing
written outside tmp_path; the machine probes run small.
Run: /usr/bin/python3 -B -m pytest -q tests/benchmark
"""
import csv
import json
import math
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in the work tree
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))
sys.path.insert(1, os.path.join(HERE, "..", "..", "python"))

from pd14analysis.output import write_csv  # noqa: E402
from benchmark import aggregate as agg  # noqa: E402
from benchmark import cli, idle, limits, metrics, plots, probes, report  # noqa: E402
from benchmark import runs as simruns  # noqa: E402
from benchmark import compare as guard  # noqa: E402


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def make_report(
    scale=0.1,
    drive="poisson",
    ranks=1,
    threads=1,
    record=True,
    sim=1.0,
    create=0.1,
    connect=0.4,
    rss_max=50.0,
    rss_sum=None,
    spikes=3000,
    neurons=1000,
    synapses=400000,
    t_presim=500.0,
    t_sim=1000.0,
    seed=55,
):
    """A report.json as microcircuit_mpi writes it."""
    return {
        "program": "microcircuit_mpi",
        "git_commit": "abc123",
        "phases_s": {
            "init": 0.5,
            "create": create,
            "connect": connect,
            "presim": 0.5 * sim,
            "sim": sim,
            "write": 0.01,
        },
        "rtf": sim / (t_sim / 1000.0),
        "t_sim_ms": t_sim,
        "peak_rss_mb": {"max": rss_max, "sum": rss_sum if rss_sum is not None else rss_max * ranks},
        "ranks": ranks,
        "threads": threads,
        "neurons": neurons,
        "synapses": synapses,
        "synapse_store_bytes": synapses * 8 + 8 * (neurons + 1) * ranks * threads,
        "bytes_per_synapse": 8.0 + 8 * (neurons + 1) * ranks * threads / synapses,
        "min_delay_steps": 1,
        "spikes": spikes,
        "config": {
            "simulation": {
                "sim_resolution": 0.1,
                "t_presim": t_presim,
                "t_sim": t_sim,
                "rng_seed": seed,
                "local_num_threads": threads,
                "rec_dev": ["spike_recorder"] if record else [],
            },
            "network": {"N_scaling": scale, "K_scaling": scale, "bg_input_type": drive},
        },
    }


def test_row_from_report_flattens_phases_memory_and_recording():
    r = metrics.row_from_report(
        make_report(ranks=2, threads=1, rss_max=60.0, rss_sum=100.0, record=False)
    )
    assert r["scale"] == 0.1 and r["drive"] == "poisson"
    assert (r["ranks"], r["threads"], r["vps"], r["record"]) == (2, 1, 2, "off")
    assert r["construct_s"] == pytest.approx(0.5)
    assert r["rtf"] == pytest.approx(1.0)
    assert r["peak_rss_mb_max"] == 60.0
    assert r["peak_rss_mb_per_rank"] == pytest.approx(50.0)
    assert r["peak_rss_mb_sum"] == 100.0
    assert r["spikes_total"] == 3000 and r["t_presim_ms"] == 500.0 and r["h_ms"] == 0.1
    assert metrics.row_from_report(make_report(record=True))["record"] == "on"
    assert r["separate_inhibitory"] is False
    rep = make_report()
    rep["config"]["network"].update(tau_syn_ex=0.5, tau_syn_in=2.0)
    assert metrics.row_from_report(rep)["separate_inhibitory"] is True


def test_events_per_second_is_spikes_times_mean_out_degree():
    # The issue's full-scale figure: 245,000 spikes/s x 3,873 synapses per neuron.
    events, per_sim_s, per_wall_s = metrics.events_per_second(
        245000, 298880968, 77169, 1000.0, 80.0
    )
    assert per_sim_s == pytest.approx(245000 * 298880968 / 77169)
    assert per_sim_s == pytest.approx(9.49e8, rel=1e-3)
    assert per_wall_s == pytest.approx(events / 80.0)
    events, per_sim_s, per_wall_s = metrics.events_per_second(100, 400, 10, 2000.0, None)
    assert events == 4000 and per_sim_s == 2000.0 and per_wall_s is None


def test_fill_spikes_sim_file_twin_and_estimate():
    on = metrics.row_from_report(make_report(record=True, spikes=3000))
    on.update(spikes_sim=2200, spikes_sim_source="file")
    twin = metrics.row_from_report(make_report(record=False, threads=2, spikes=3000))
    other = metrics.row_from_report(
        make_report(record=False, spikes=2999)
    )  # not bitwise equal: no twin
    other_scale = metrics.row_from_report(make_report(scale=0.2, record=False, spikes=3000))
    metrics.fill_spikes_sim([on, twin, other, other_scale])
    assert (on["spikes_sim"], on["spikes_sim_source"]) == (2200, "file")
    assert (twin["spikes_sim"], twin["spikes_sim_source"]) == (2200, "twin")
    assert other["spikes_sim_source"] == "estimate"
    assert other["spikes_sim"] == pytest.approx(2999 * 1000.0 / 1500.0)
    assert other_scale["spikes_sim_source"] == "estimate"


def test_neuron_update_bytes_from_layout():
    lay = limits.DEFAULT_LAYOUT
    assert lay["delivery"] == "runs"  # the current engine's scheme
    # Merged input (tau_syn_ex == tau_syn_in): y, i_ex (8 B) + refractory (4 B) read and
    # written; one int64 input sum read and zeroed.
    assert limits.neuron_update_bytes({"delivery": "queue"}, poisson=False) == 2 * 20 + 2 * 8 == 56
    # The current engine also writes a one-byte spike flag and reads it back.
    assert limits.neuron_update_bytes(lay, poisson=False) == 56 + 2
    assert limits.neuron_update_bytes({"spike_flag_bytes": 0}, poisson=False) == 56
    # Separate inhibitory input: + i_in, + a second sum.
    assert (
        limits.neuron_update_bytes(lay, False, separate_inhibitory=True) == 2 * 28 + 2 * 2 * 8 + 2
    )
    # Poisson: + the 8-byte count word read every step, rewritten every 4th.
    assert limits.neuron_update_bytes(lay, poisson=True) == 58 + 8 + 2
    # The ring layout of the earlier engine: always two rings and i_in.
    assert limits.neuron_update_bytes({"delivery": "ring"}, poisson=False) == 88
    assert limits.neuron_update_bytes({"delivery": "ring"}, poisson=True) == 98
    with pytest.raises(ValueError):
        limits.neuron_update_bytes({"delivery": "tree"}, False)


N, SYN, SPIKES, VPS, SLOTS, BW = 1000, 400000, 3000, 2, 50, 10.0
EVENTS = 3000 * 400.0  # per simulated second (t_sim = 1 s)
UPDATES = 1000 * 10000.0  # neurons x steps per second at h = 0.1 ms


def _lim(**kw):
    args = dict(
        neurons=N,
        synapses=SYN,
        spikes_sim=SPIKES,
        t_sim_ms=1000.0,
        h_ms=0.1,
        vps=VPS,
        slots=SLOTS,
        poisson=False,
        bandwidth_gbs=BW,
    )
    args.update(kw)
    return limits.limit_model(**args)


def test_limit_model_ring_layout_by_hand():
    ring = {"delivery": "ring"}
    lim = _lim(llc_bytes=0, layout=ring)
    assert lim["events_per_sim_s"] == pytest.approx(EVENTS)
    assert lim["neuron_updates_per_sim_s"] == pytest.approx(UPDATES)
    assert lim["bytes_per_event_best"] == 8 and lim["bytes_per_event_worst"] == 8 + 128
    best = EVENTS * 8 + SPIKES * VPS * 16
    worst = EVENTS * 136 + SPIKES * VPS * 128 + UPDATES * 88
    assert lim["bytes_per_sim_s_best"] == pytest.approx(best)
    assert lim["bytes_per_sim_s_worst"] == pytest.approx(worst)
    assert lim["rtf_limit_best"] == pytest.approx(best / 10e9)
    assert lim["rtf_limit_worst"] == pytest.approx(worst / 10e9)
    # No cache: the estimate misses every ring access and the state.
    assert lim["sums_miss_fraction"] == 1.0
    assert lim["bytes_per_sim_s_estimate"] == pytest.approx(
        EVENTS * 136 + SPIKES * VPS * 16 + UPDATES * 88
    )
    # A cache holding state and rings: the estimate is the best case.
    big = _lim(llc_bytes=1 << 30, layout=ring)
    assert big["sums_miss_fraction"] == 0.0
    assert big["rtf_limit_estimate"] == pytest.approx(big["rtf_limit_best"])
    # Half the rings fit: half the ring accesses miss.
    state = N * 28
    rings = 2 * SLOTS * N * 8
    half = _lim(llc_bytes=state + rings // 2, layout=ring)
    assert half["sums_miss_fraction"] == pytest.approx(0.5)
    assert half["bytes_per_event_estimate"] == pytest.approx(8 + 64)
    # Random case: each event priced at the measured random-update rate.
    rnd = _lim(random_mups=50.0, layout=ring)
    assert rnd["rtf_limit_random"] == pytest.approx(
        EVENTS / 50e6 + (EVENTS * 8 + SPIKES * VPS * 128 + UPDATES * 88) / 10e9
    )
    # A layout override (e.g. a 6-byte synapse) changes the best case.
    six = _lim(layout={"delivery": "ring", "synapse_bytes": 6})
    assert six["bytes_per_sim_s_best"] == pytest.approx(EVENTS * 6 + SPIKES * VPS * 16)
    # No bandwidth measured: no limit.
    assert _lim(bandwidth_gbs=None)["rtf_limit_best"] is None


def test_limit_model_queue_layout_by_hand():
    queue = {"delivery": "queue"}  # an earlier engine's scheme; merged input
    lim = _lim(llc_bytes=0, layout=queue)
    assert lim["delivery"] == "queue"
    assert lim["bytes_per_event_best"] == 8
    assert lim["bytes_per_event_worst"] == 8 + 16 + 128  # synapse, event written + read, sum line
    assert lim["bytes_per_neuron_update"] == 56
    assert lim["bytes_per_sim_s_worst"] == pytest.approx(
        EVENTS * 152 + SPIKES * VPS * 128 + UPDATES * 56
    )
    assert lim["input_sums_bytes"] == N * 8  # one int64 per neuron
    assert lim["state_bytes"] == N * 20
    # Events wait mean_delay_ms (1.5 ms) in the queues: events/s x 1.5e-3 x 8 bytes.
    assert lim["queued_events_bytes"] == pytest.approx(EVENTS * 1.5e-3 * 8)
    assert (lim["sums_miss_fraction"], lim["queue_miss_fraction"]) == (1.0, 1.0)
    # Cache = state + sums + half the queued events: sums hit, half the queue traffic misses.
    llc = N * 20 + N * 8 + EVENTS * 1.5e-3 * 8 / 2
    half = _lim(llc_bytes=llc, layout=queue)
    assert half["sums_miss_fraction"] == 0.0
    assert half["queue_miss_fraction"] == pytest.approx(0.5)
    assert half["bytes_per_event_estimate"] == pytest.approx(8 + 8)
    assert half["bytes_per_sim_s_estimate"] == pytest.approx(EVENTS * 16 + SPIKES * VPS * 16)
    # Separate inhibitory input: two sums per neuron, 88-byte updates.
    sep = _lim(llc_bytes=0, separate_inhibitory=True, layout=queue)
    assert sep["input_sums_bytes"] == 2 * N * 8 and sep["bytes_per_neuron_update"] == 88
    # Random case adds the queue stream to the bandwidth part.
    rnd = _lim(random_mups=50.0, layout=queue)
    assert rnd["rtf_limit_random"] == pytest.approx(
        EVENTS / 50e6 + (EVENTS * 24 + SPIKES * VPS * 128 + UPDATES * 56) / 10e9
    )


# A runs layout simple enough to count by hand: no delay spread (every
# excitatory synapse 15 steps, every inhibitory one 10), half the spikes
# inhibitory, 4 runs per row and thread given.
RUNS_HAND = {
    "delivery": "runs",
    "runs_per_row": 4,
    "delay_rel_sd": 0.0,
    "delay_exc_mean_ms": 1.5,
    "delay_inh_mean_ms": 1.0,
    "inhibitory_spike_fraction": 0.5,
}


def test_limit_model_runs_layout_by_hand():
    lim = _lim(llc_bytes=0, layout=RUNS_HAND)
    assert lim["delivery"] == "runs" and lim["runs_per_row"] == 4
    # 400 synapses per spike over 2 threads: 200 per row and thread, never empty. A spike
    # stays pending until its row's largest delay: 15 or 10 steps, 12.5 on average; with
    # 0.3 spikes per step (3000 spikes/s, h = 0.1 ms) 3.75 entries per thread.
    assert lim["pending_steps"] == pytest.approx(12.5)
    assert lim["pending_entries_per_thread"] == pytest.approx(0.3 * 12.5)
    # Per event: the synapse; worst + the input sum's line read and written, no queue.
    assert lim["bytes_per_event_best"] == 8 and lim["bytes_per_event_worst"] == 8 + 128
    # 2 x 20 state + 2 x 8 input sum + the spike flag written and read.
    assert lim["bytes_per_neuron_update"] == 58 and lim["queued_events_bytes"] == 0.0
    # Per spike and thread, best: run_begin[gid], run_begin[gid + 1], row_begin[gid]
    # and 4 run headers of 4 bytes.
    assert lim["bytes_per_spike_per_thread_best"] == 3 * 8 + 4 * 4 == 40
    # Worst: 2 offset lines, a header line at delivery and at each of the 4 arrivals, the
    # 40-byte entry read and written in 12.5 steps, 56 bytes of partial lines per run.
    worst_spike = 2 * 64 + 5 * 64 + 2 * 12.5 * 40 + 4 * 56
    assert worst_spike == 1672
    assert lim["bytes_per_spike_per_thread_worst"] == pytest.approx(worst_spike)
    best = EVENTS * 8 + SPIKES * VPS * 40
    worst = EVENTS * 136 + SPIKES * VPS * 1672 + UPDATES * 58
    assert lim["bytes_per_sim_s_best"] == pytest.approx(best)
    assert lim["bytes_per_sim_s_worst"] == pytest.approx(worst)
    assert lim["rtf_limit_best"] == pytest.approx(best / 10e9)
    assert lim["rtf_limit_worst"] == pytest.approx(worst / 10e9)
    # Structures: sums 8 B per neuron, state 20 B per neuron, pending 2 threads x 3.75
    # entries x (40-byte entry + 64-byte synapse line), headers 1000 rows x 2 x 4 x 4 B.
    assert lim["input_sums_bytes"] == N * 8 and lim["state_bytes"] == N * 20
    assert lim["pending_bytes"] == pytest.approx(2 * 3.75 * 104) == 780
    assert lim["run_headers_bytes"] == pytest.approx(N * 2 * 4 * 4)
    # No cache: everything misses; the estimate is the worst case but for the offsets,
    # which it counts at their bytes (24 against 2 lines).
    assert (
        lim["sums_miss_fraction"],
        lim["pending_miss_fraction"],
        lim["run_headers_miss_fraction"],
        lim["queue_miss_fraction"],
    ) == (1.0, 1.0, 1.0, 0.0)
    assert lim["bytes_per_spike_per_thread_estimate"] == pytest.approx(40 + 1000 + 224 + 320 - 16)
    assert lim["bytes_per_sim_s_estimate"] == pytest.approx(worst - SPIKES * VPS * (128 - 24))
    # State and sums fit, half the pending spikes, no header: half the entry traffic and
    # partial lines, every header access a line.
    half = _lim(llc_bytes=N * 20 + N * 8 + 390, layout=RUNS_HAND)
    assert (
        half["sums_miss_fraction"],
        half["pending_miss_fraction"],
        half["run_headers_miss_fraction"],
    ) == (0.0, pytest.approx(0.5), 1.0)
    assert half["bytes_per_event_estimate"] == 8
    assert half["bytes_per_spike_per_thread_estimate"] == pytest.approx(40 + 0.5 * 1224 + 304)
    assert half["bytes_per_sim_s_estimate"] == pytest.approx(EVENTS * 8 + SPIKES * VPS * 956)
    # A quarter of the headers fit: 3/4 of the header accesses miss.
    quarter = _lim(llc_bytes=N * 20 + N * 8 + 780 + 8000, layout=RUNS_HAND)
    assert quarter["pending_miss_fraction"] == 0.0
    assert quarter["run_headers_miss_fraction"] == pytest.approx(0.75)
    assert quarter["bytes_per_spike_per_thread_estimate"] == pytest.approx(40 + 0.75 * 304)
    # All fits: the estimate is the best case.
    big = _lim(llc_bytes=1 << 30, layout=RUNS_HAND)
    assert big["rtf_limit_estimate"] == pytest.approx(big["rtf_limit_best"])
    # A longer min delay: spikes wait (min delay - 1) / 2 steps less on the list.
    assert _lim(layout=RUNS_HAND, min_delay_steps=3)["pending_steps"] == pytest.approx(11.5)
    # Random case: the sum updates at the random rate, the rest of the worst case streamed.
    rnd = _lim(random_mups=50.0, layout=RUNS_HAND)
    assert rnd["rtf_limit_random"] == pytest.approx(
        EVENTS / 50e6 + (EVENTS * 8 + SPIKES * VPS * 1672 + UPDATES * 58) / 10e9
    )
    # Separate inhibitory input: a second sum array, 88-byte updates, as with queues.
    sep = _lim(llc_bytes=0, separate_inhibitory=True, layout=RUNS_HAND)
    assert sep["input_sums_bytes"] == 2 * N * 8 and sep["bytes_per_neuron_update"] == 88 + 2


def test_runs_are_the_default_and_old_layouts_stay_selectable():
    assert limits.DEFAULT_LAYOUT["delivery"] == "runs"
    default = _lim(llc_bytes=32 << 20)
    assert default["delivery"] == "runs"
    # The computed runs per row (runs_per_row = 0) enter the per-spike bytes.
    runs = limits.delay_runs(200.0, 0.1)["runs_per_row"]
    assert default["runs_per_row"] == pytest.approx(runs)
    assert default["bytes_per_spike_per_thread_best"] == pytest.approx(24 + 4 * runs)
    assert default["bytes_per_sim_s_best"] == pytest.approx(
        EVENTS * 8 + SPIKES * VPS * (24 + 4 * runs)
    )
    # The old layouts are as they were: queue and ring columns unchanged, no runs.
    for old in ("queue", "ring"):
        lim = _lim(llc_bytes=0, layout={"delivery": old})
        assert lim["runs_per_row"] is None and lim["pending_bytes"] == 0.0
        assert lim["bytes_per_spike_per_thread_best"] == 16
        assert lim["bytes_per_spike_per_thread_worst"] == 128
        assert lim["pending_miss_fraction"] == 0.0 and lim["run_headers_miss_fraction"] == 0.0
    for bad in (
        {"delivery": "tree"},
        {"delivery": "run"},
        {"inhibitory_spike_fraction": 1.5},
        {"runs_per_row": -1},
    ):
        with pytest.raises(ValueError):
            limits.limit_model(N, SYN, SPIKES, 1000.0, 0.1, VPS, SLOTS, False, BW, layout=bad)
    with pytest.raises(SystemExit):
        cli.parse_layout_overrides(["delivery=runs ", "synapse_bytes=8"])
    assert cli.parse_layout_overrides(
        ["delivery=queue", "runs_per_row=3", "inhibitory_spike_fraction=0.25", "delay_rel_sd=1e-1"]
    ) == {
        "delivery": "queue",
        "runs_per_row": 3,
        "inhibitory_spike_fraction": 0.25,
        "delay_rel_sd": 0.1,
    }
    for bad in (["runs_per_row=many"], ["inhibitory_spike_fraction=2"], ["delay_exc_mean_ms=0"]):
        with pytest.raises(SystemExit):
            cli.parse_layout_overrides(bad)


def test_delay_distribution_and_runs_per_row():
    from statistics import NormalDist

    pmf = limits.delay_pmf(1.5, 0.5, 0.1)
    assert pmf[0] == 0.0 and sum(pmf) == pytest.approx(1.0, abs=1e-12)
    # Normal(1.5, 0.75) ms redrawn below 0.05 ms, rounded to 0.1 ms: 15 steps = [1.45, 1.55).
    d = NormalDist(1.5, 0.75)
    assert pmf[15] == pytest.approx((d.cdf(1.55) - d.cdf(1.45)) / (1 - d.cdf(0.05)), rel=1e-9)
    assert pmf[1] == pytest.approx((d.cdf(0.15) - d.cdf(0.05)) / (1 - d.cdf(0.05)), rel=1e-9)
    assert max(range(len(pmf)), key=pmf.__getitem__) == 15
    assert limits.delay_pmf(1.5, 0.0, 0.1) == [0.0] * 15 + [1.0]  # no spread: one delay, 15 steps
    assert limits.delay_pmf(0.02, 0.0, 0.1) == [0.0, 1.0]  # at least one step
    # Poisson(2) synapses over two equally likely delays (1 and 2 steps): each delay is
    # present with probability 1 - exp(-1); the largest is >= 1 unless the row is empty
    # (exp(-2)) and 2 unless no synapse has delay 2 (exp(-1)).
    runs, reach = limits._row_runs_and_reach(2.0, [0.0, 0.5, 0.5])
    assert runs == pytest.approx(2 * (1 - math.exp(-1)))
    assert reach == pytest.approx((1 - math.exp(-2)) + (1 - math.exp(-1)))
    # Few synapses: each its own run; many: bounded by the delays present.
    assert limits.delay_runs(1e-3, 0.1)["runs_per_row"] == pytest.approx(1e-3, rel=1e-2)
    counts = [limits.delay_runs(n, 0.1)["runs_per_row"] for n in (1, 10, 100, 1000, 1e4)]
    assert counts == sorted(counts) and counts[-1] < len(pmf)
    exc = limits.delay_runs(1936.5, 0.1, {"inhibitory_spike_fraction": 0.0})
    inh = limits.delay_runs(1936.5, 0.1, {"inhibitory_spike_fraction": 1.0})
    mixed = limits.delay_runs(1936.5, 0.1)
    assert mixed["runs_per_row"] == pytest.approx(
        0.67 * exc["runs_per_row"] + 0.33 * inh["runs_per_row"]
    )
    assert limits.delay_runs(1936.5, 0.1, {"runs_per_row": 7})["runs_per_row"] == 7.0
    assert limits.delay_runs(0.0, 0.1)["nonempty"] == 0.0


def test_runs_per_row_against_rows_drawn_as_the_engine_draws_them():
    np = pytest.importorskip("numpy")
    rng = np.random.default_rng(7)
    for n, mean, rows in (
        (1936.5, 1.5, 300),
        (60.5, 1.5, 3000),
        (60.5, 0.75, 3000),
        (3.0, 1.5, 3000),
    ):
        sizes = rng.poisson(n, rows)
        runs, largest = [], []
        for k in sizes:
            d = rng.normal(mean, 0.5 * mean, 2 * k + 20)
            steps = np.floor(d[d >= 0.05][:k] / 0.1 + 0.5)
            runs.append(len(np.unique(steps)))
            largest.append(steps.max() if k else 0)
        model_runs, model_reach = limits._row_runs_and_reach(n, limits.delay_pmf(mean, 0.5, 0.1))
        assert model_runs == pytest.approx(np.mean(runs), rel=0.03)
        assert model_reach == pytest.approx(np.mean(largest), rel=0.03)


def test_full_scale_worked_example_of_the_docs():
    # The worked example of docs/performance.md: 245,000 spikes/s, DC, 2 threads, 34.4 GB/s,
    # 32 MB L3.
    def full(delivery):
        return limits.limit_model(
            77169,
            298880968,
            245000,
            1000.0,
            0.1,
            2,
            55,
            False,
            34.4,
            llc_bytes=32 << 20,
            layout={"delivery": delivery},
        )

    runs = full("runs")
    assert runs["runs_per_row"] == pytest.approx(32.4, abs=0.05)
    assert runs["pending_steps"] == pytest.approx(34.0, abs=0.05)
    assert runs["bytes_per_spike_per_thread_best"] == pytest.approx(154, abs=0.5)
    assert runs["bytes_per_spike_per_thread_worst"] == pytest.approx(6807, abs=0.5)
    assert runs["run_headers_miss_fraction"] == 0.0 and runs["pending_miss_fraction"] == 0.0
    assert [round(runs["rtf_limit_" + c], 3) for c in ("best", "estimate", "worst")] == [
        0.223,
        0.223,
        5.15,
    ]
    queue, ring = full("queue"), full("ring")
    assert [round(queue["rtf_limit_" + c], 3) for c in ("best", "estimate", "worst")] == [
        0.221,
        0.221,
        5.451,
    ]
    assert [round(ring["rtf_limit_" + c], 3) for c in ("best", "estimate", "worst")] == [
        0.221,
        2.505,
        5.727,
    ]


def test_from_json_of_results_derived_before_the_runs_layout(tmp_path):
    # results.json of an older engine, derived with the queue layout, without the new columns.
    rows = _rows()
    bw = {
        "1": {"triad_gbs": 20.0, "random_mups": 60.0, "reps": 10},
        "2": {"triad_gbs": 30.0, "random_mups": 80.0, "reps": 10},
    }
    ok = [r for r in rows if r.get("rtf") is not None]
    metrics.fill_spikes_sim(ok)
    for r in ok:
        metrics.add_derived(r, bw, 32 << 20, {"delivery": "queue"})
    queue_worst = [r.get("rtf_limit_worst") for r in rows]
    for r in rows:
        for k in (
            "pending_miss_fraction",
            "run_headers_miss_fraction",
            "runs_per_row",
            "limit_delivery",
        ):
            r.pop(k, None)
    res = _results_file(tmp_path, rows, agg.aggregate(rows), bw)
    out = tmp_path / "out"
    assert cli.main(["--from-json", str(res), "--out", str(out), "--no-plots"]) == 0
    with open(out / "runs.csv") as f:
        runs = list(csv.DictReader(f))
    assert "pending_miss_fraction" in runs[0] and "queue_miss_fraction" in runs[0]
    assert {r["limit_delivery"] for r in runs if r["rtf"]} == {"runs"}
    assert all(float(r["runs_per_row"]) > 0 for r in runs if r["rtf"])
    # Re-derived with the old engine's layout: the old limits again.
    assert (
        cli.main(
            ["--from-json", str(res), "--out", str(out), "--no-plots", "--layout", "delivery=queue"]
        )
        == 0
    )
    with open(out / "runs.csv") as f:
        runs = list(csv.DictReader(f))
    assert {r["limit_delivery"] for r in runs if r["rtf"]} == {"queue"}
    for r, old in zip(runs, queue_worst):
        if old is not None:
            assert float(r["rtf_limit_worst"]) == pytest.approx(old, rel=1e-5)
    data = json.loads((out / "results.json").read_text())
    assert data["limit_model"]["layout"]["delivery"] == "queue"


def test_full_scale_limit_matches_issue_numbers():
    # 9.5e8 events/s at 8 bytes over 45 GB/s: RTF about 0.17 in the best case.
    for layout in ({"delivery": "ring"}, None):
        lim = limits.limit_model(
            77169,
            298880968,
            245000,
            1000.0,
            0.1,
            2,
            55,
            False,
            45.0,
            llc_bytes=32 << 20,
            layout=layout,
        )
        assert lim["rtf_limit_best"] == pytest.approx(9.49e8 * 8 / 45e9, rel=0.01)
        assert lim["rtf_limit_best"] <= lim["rtf_limit_estimate"] < lim["rtf_limit_worst"]


def test_layout_overrides_from_the_command_line():
    assert cli.parse_layout_overrides(
        ["delivery=ring", "synapse_bytes=6", "mean_delay_ms=1.0"]
    ) == {"delivery": "ring", "synapse_bytes": 6, "mean_delay_ms": 1.0}
    with pytest.raises(SystemExit):
        cli.parse_layout_overrides(["nonsense=1"])
    with pytest.raises(SystemExit):
        cli.parse_layout_overrides(["delivery=tree"])


def test_bandwidth_for_picks_thread_count():
    bw = {"1": {"triad_gbs": 20.0}, "2": {"triad_gbs": 30.0}}
    assert probes.bandwidth_for(bw, 1)["triad_gbs"] == 20.0
    assert probes.bandwidth_for(bw, 2)["triad_gbs"] == 30.0
    assert probes.bandwidth_for(bw, 4)["triad_gbs"] == 30.0
    assert probes.bandwidth_for({}, 2) is None


def _rows():
    rows = []
    for rep, (sim1, sim2, sim3) in enumerate([(1.0, 0.5, 0.55), (1.2, 0.6, 0.6), (0.9, 0.7, 0.5)]):
        for (ranks, threads), sim in (((1, 1), sim1), ((1, 2), sim2), ((2, 1), sim3)):
            r = metrics.row_from_report(
                make_report(ranks=ranks, threads=threads, sim=sim, record=False)
            )
            r.update(repeat=rep, returncode=0, wall_s=sim + 1)
            rows.append(r)
    rec = metrics.row_from_report(make_report(threads=2, sim=0.6, record=True))
    rec.update(repeat=0, returncode=0, spikes_sim=2000, spikes_sim_source="file")
    failed = {
        "scale": 0.1,
        "drive": "poisson",
        "ranks": 1,
        "threads": 1,
        "vps": 1,
        "record": "off",
        "repeat": 3,
        "returncode": 1,
        "rtf": None,
        "error": "boom",
    }
    disturbed = metrics.row_from_report(make_report(ranks=1, threads=1, sim=40.0, record=False))
    disturbed.update(repeat=0, returncode=0, discarded="disturbed", others_cores_during=1.0)
    return rows + [rec, failed, disturbed]


def _finish(rows):
    bw = {
        "1": {"triad_gbs": 20.0, "random_mups": 60.0},
        "2": {"triad_gbs": 30.0, "random_mups": 80.0},
    }
    ok = [r for r in rows if r.get("rtf") is not None]
    metrics.fill_spikes_sim(ok)
    for r in ok:
        metrics.add_derived(r, bw, 32 << 20)
    return agg.aggregate(rows)


def test_aggregate_median_min_max_and_failures():
    summary = _finish(_rows())
    by = {agg.point_key(s): s for s in summary}
    s11 = by[(0.1, "poisson", 1, 1, "off")]
    assert s11["n_ok"] == 3 and s11["n_failed"] == 1 and s11["n_discarded"] == 1
    assert s11["rtf_median"] == pytest.approx(1.0)
    assert (s11["rtf_min"], s11["rtf_max"]) == (pytest.approx(0.9), pytest.approx(1.2))
    assert s11["sim_s_median"] == pytest.approx(1.0)
    assert s11["spikes_sim"] == 2000 and s11["spikes_sim_source"] == "twin"
    assert s11["bandwidth_gbs"] == 20.0
    s12 = by[(0.1, "poisson", 1, 2, "off")]
    assert s12["bandwidth_gbs"] == 30.0
    # Events per wall second: spikes_sim x synapses / neurons / sim phase.
    assert s12["syn_events_per_wall_s_median"] == pytest.approx(2000 * 400.0 / 0.6)
    assert s12["syn_events_per_sim_s"] == pytest.approx(2000 * 400.0)
    assert s12["rtf_over_limit_best_median"] == pytest.approx(0.6 / s12["rtf_limit_best"])
    sc = {(e["record"]): e for e in agg.scaling(summary)}  # best of the repeats
    assert sc["off"]["speedup_2_threads"] == pytest.approx(0.9 / 0.5)
    assert sc["off"]["ranks_over_threads"] == pytest.approx(0.5 / 0.5)
    assert sc["on"]["speedup_2_threads"] is None
    # Without the inner loops' probes there is no cores bound to compare.
    assert sc["off"]["cores_bound_speedup_2_threads"] is None
    bound = [dict(x) for x in summary]
    for x in bound:
        x["rtf_limit_cores"] = {(1, 1): 0.09, (1, 2): 0.05}.get((x["ranks"], x["threads"]))
    (cb,) = [e for e in agg.scaling(bound) if e["record"] == "off"]
    assert cb["cores_bound_speedup_2_threads"] == pytest.approx(0.09 / 0.05)
    assert "(cores bound    1.8)" in report.format_tables(bound, agg.scaling(bound), None)
    med = {(e["record"]): e for e in agg.scaling(summary, "median")}
    assert med["off"]["speedup_2_threads"] == pytest.approx(1.0 / 0.6)
    assert med["off"]["ranks_over_threads"] == pytest.approx(0.55 / 0.6)


def test_csv_and_json_outputs_roundtrip(tmp_path):
    rows = _rows()
    summary = _finish(rows)
    write_csv(str(tmp_path / "runs.csv"), rows, agg.RUN_COLUMNS)
    write_csv(str(tmp_path / "summary.csv"), summary, agg.summary_columns(summary))
    runs = read_csv(str(tmp_path / "runs.csv"))
    assert len(runs) == len(rows)
    assert runs[-2]["returncode"] == "1" and runs[-2]["rtf"] == ""
    assert runs[-1]["discarded"] == "disturbed"
    summ = read_csv(str(tmp_path / "summary.csv"))
    assert [(float(s["scale"]), s["ranks"], s["threads"], s["record"]) for s in summ] == [
        (0.1, "1", "1", "off"),
        (0.1, "1", "2", "off"),
        (0.1, "2", "1", "off"),
        (0.1, "1", "2", "on"),
    ]
    assert float(summ[0]["rtf_median"]) == pytest.approx(1.0)
    text = report.format_tables(
        summary, agg.scaling(summary), {"1": {"triad_gbs": 20.0, "reps": 10, "random_mups": 60.0}}
    )
    assert "NEST 3.6" in text and "3.1-3.8" in text and "499" in text
    md = report.format_markdown(
        summary, agg.scaling(summary), {"1": {"triad_gbs": 20.0, "random_mups": 60.0}}
    )
    assert "| 0.1 poisson | 1x2 | off | 3 |" in md
    assert "| 1 dc | to be measured | 105 |" in md
    json.dumps(summary)


def test_compare_ratios_and_flags():
    base = [
        {
            "scale": 0.1,
            "drive": "poisson",
            "ranks": 1,
            "threads": 2,
            "record": "off",
            "rtf_min": 1.0,
            "construct_s_min": 1.0,
            "peak_rss_mb_max_median": 100.0,
            "bytes_per_synapse": 8.0,
            "syn_events_per_wall_s_max": 1e7,
        },
        {
            "scale": 0.2,
            "drive": "dc",
            "ranks": 1,
            "threads": 1,
            "record": "off",
            "rtf_min": 1.0,
            "construct_s_min": 1.0,
            "peak_rss_mb_max_median": 100.0,
            "bytes_per_synapse": 8.0,
            "syn_events_per_wall_s_max": 1e7,
        },
    ]
    cur = [
        {
            "scale": 0.1,
            "drive": "poisson",
            "ranks": 1,
            "threads": 2,
            "record": "off",
            "rtf_min": 1.3,
            "construct_s_min": 0.5,
            "peak_rss_mb_max_median": 105.0,
            "bytes_per_synapse": 9.0,
            "syn_events_per_wall_s_max": 0.7e7,
        }
    ]
    entries, regressions = guard.compare(cur, base, threshold=0.25, memory_threshold=0.10)
    st = {(e["point"], e["metric"]): (e["ratio"], e["status"]) for e in entries}
    p = "0.1-poisson-1x2-recoff"
    assert st[(p, "rtf_min")] == (pytest.approx(1.3), "regression")
    assert st[(p, "construct_s_min")] == (pytest.approx(0.5), "improvement")
    assert st[(p, "peak_rss_mb_max_median")] == (pytest.approx(1.05), "ok")
    assert st[(p, "bytes_per_synapse")] == (pytest.approx(1.125), "regression")
    assert st[(p, "syn_events_per_wall_s_max")] == (pytest.approx(0.7), "regression")
    assert st[("0.2-dc-1x1-recoff", "rtf_min")] == (None, "missing")
    assert regressions == 3
    assert "regression" in guard.format_compare(entries)


def _results_file(tmp_path, rows, summary, bw):
    results = {
        "meta": {
            "t_sim_ms": 1000.0,
            "t_presim_ms": 500.0,
            "engine_commit": "abc123",
            "machine": {"llc_bytes": 32 << 20},
        },
        "bandwidth": bw,
        "runs": rows,
        "summary": summary,
    }
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results))
    return path


def test_main_from_json_compare_exit_status(tmp_path):
    rows = _rows()
    bw = {
        "1": {"triad_gbs": 20.0, "random_mups": 60.0, "reps": 10},
        "2": {"triad_gbs": 30.0, "random_mups": 80.0, "reps": 10},
    }
    summary = _finish(rows)
    res = _results_file(tmp_path, rows, summary, bw)
    # Baseline twice as fast as the current runs: regressions flagged.
    fast = json.loads(json.dumps(summary))
    for s in fast:
        for k in ("rtf_min", "construct_s_min"):
            if s.get(k):
                s[k] /= 2
    base = tmp_path / "baseline.json"
    base.write_text(
        json.dumps(
            {"meta": {"t_sim_ms": 1000.0, "t_presim_ms": 500.0}, "bandwidth": bw, "summary": fast}
        )
    )
    out = tmp_path / "out"
    args = ["--from-json", str(res), "--out", str(out), "--no-plots", "--compare", str(base)]
    assert cli.main(args) == 0  # noisy machines: report, do not fail
    assert cli.main(args + ["--strict"]) == 1  # unless asked to
    data = json.loads((out / "results.json").read_text())
    assert data["comparison"]["regressions"] > 0
    assert "ratio" in (out / "table.txt").read_text()
    # Against itself: nothing flagged, strict passes; a baseline can be saved.
    saved = tmp_path / "saved_baseline.json"
    assert (
        cli.main(
            [
                "--from-json",
                str(res),
                "--out",
                str(out),
                "--no-plots",
                "--compare",
                str(res),
                "--strict",
                "--save-baseline",
                str(saved),
            ]
        )
        == 0
    )
    assert json.loads(saved.read_text())["summary"][0]["rtf_min"] == pytest.approx(0.9)
    with open(out / "runs.csv") as f:
        assert len(list(csv.DictReader(f))) == len(rows)


def test_plots_are_written(tmp_path):
    summary = _finish(_rows())
    written = plots.make_plots(summary, str(tmp_path / "plots"))
    names = {os.path.basename(p) for p in written}
    for stem in ("rtf_vs_scale", "memory_vs_scale", "phases_vs_scale", "rtf_vs_layout"):
        assert stem + ".png" in names and stem + ".svg" in names
    assert all(os.path.getsize(p) > 0 for p in written)


def test_command_line_of_a_run():
    cmd = simruns.run_command("/bin/mc", 0.2, "dc", 2, 1, "off", 500.0, 1000.0, "/tmp/x", ["a.b=1"])
    assert cmd[:6] == ["mpirun", "--oversubscribe", "--bind-to", "none", "-n", "2"]
    assert "network.N_scaling=0.2" in cmd and "network.K_scaling=0.2" in cmd
    assert "simulation.rec_dev=[]" in cmd and "network.bg_input_type=dc" in cmd
    assert "simulation.local_num_threads=1" in cmd and cmd[-1] == "a.b=1"
    one = simruns.run_command("/bin/mc", 0.1, "poisson", 1, 2, "on", 500.0, 1000.0, "/tmp/x")
    assert one[0] == "/bin/mc" and "simulation.rec_dev=[spike_recorder]" in one
    assert cli.parse_points("0.1:poisson, 0.5") == [(0.1, "poisson"), (0.5, "dc")]
    assert cli.parse_layouts("1x1,2x1") == [(1, 1), (2, 1)]
    with pytest.raises(ValueError):
        cli.parse_layouts("2")


def test_count_sim_spikes_reads_sonata(tmp_path):
    h5py = pytest.importorskip("h5py")
    path = tmp_path / "spikes.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("spikes/L23E/timestamps", data=[100.0, 499.9, 500.0, 500.1, 1400.0])
        f.create_dataset("spikes/L23E/node_ids", data=[0, 1, 2, 3, 4])
        f.create_dataset("spikes/L4I/timestamps", data=[600.0])
        f.create_dataset("spikes/L4I/node_ids", data=[7])
    # Stamps > t_presim: emitted in the sim phase (a spike of step u is stamped (u + 1) h).
    assert metrics.count_sim_spikes(str(path), 500.0, 0.1) == 3
    assert metrics.count_sim_spikes(str(tmp_path / "missing.h5"), 500.0) is None
    assert not math.isnan(limits.neuron_update_bytes(limits.DEFAULT_LAYOUT, True))


def test_cores_bound_is_events_and_updates_at_the_measured_rates():
    lim = _lim(scatter_meps=500.0, update_mups=800.0)
    assert lim["rtf_limit_scatter"] == pytest.approx(EVENTS / 500e6)
    assert lim["rtf_limit_update"] == pytest.approx(UPDATES / 800e6)
    assert lim["rtf_limit_cores"] == pytest.approx(EVENTS / 500e6 + UPDATES / 800e6)
    # Separate from the bandwidth cases, which do not change with it.
    assert lim["rtf_limit_best"] == pytest.approx(_lim()["rtf_limit_best"])
    only_scatter = _lim(scatter_meps=500.0)
    assert only_scatter["rtf_limit_scatter"] == pytest.approx(EVENTS / 500e6)
    assert only_scatter["rtf_limit_cores"] is None
    assert _lim()["rtf_limit_scatter"] is None and _lim()["rtf_limit_cores"] is None


def test_cores_columns_of_a_run_and_of_its_point():
    r = metrics.row_from_report(make_report(threads=2, sim=0.6, record=True))
    r.update(repeat=0, returncode=0, spikes_sim=2000, spikes_sim_source="file")
    # 1000 neurons on 2 threads: the probe of 500 neurons per thread stands
    # for the run, not the (default) one of 38,600.
    metrics.add_derived(
        r,
        {
            "2": {
                "triad_gbs": 30.0,
                "random_mups": 80.0,
                "scatter_meps": 9.0,
                "update_mups": 9.0,
                "update_neurons": 38600,
                "cores_by_neurons": {"500": {"scatter_meps": 400.0, "update_mups": 1000.0}},
            }
        },
    )
    events_per_sim_s = 2000 * (400000 / 1000) / 1.0
    updates_per_sim_s = 1000 * 1000.0 / 0.1
    assert r["rtf_limit_cores"] == pytest.approx(events_per_sim_s / 400e6 + updates_per_sim_s / 1e9)
    assert r["rtf_over_limit_cores"] == pytest.approx(r["rtf"] / r["rtf_limit_cores"])
    (s,) = agg.aggregate([r])
    assert s["rtf_limit_cores"] == pytest.approx(r["rtf_limit_cores"])
    assert s["rtf_over_limit_cores_min"] == pytest.approx(r["rtf_over_limit_cores"])
    # A bandwidth measured before these probes existed: no cores bound.
    old = dict(r)
    metrics.add_derived(old, {"2": {"triad_gbs": 30.0, "random_mups": 80.0}})
    assert old["rtf_limit_cores"] is None and old["rtf_over_limit_cores"] is None
    assert "| - | - |" in report.format_markdown(agg.aggregate([old]), [], None)


@pytest.fixture
def stream_triad():
    """The probes as CMake built them (ctest passes the path)."""
    exe = os.environ.get("MICROCIRCUIT_STREAM_TRIAD")
    if not exe:
        pytest.skip("MICROCIRCUIT_STREAM_TRIAD not set (ctest sets it to the build's stream_triad)")
    return exe


def test_the_probes_are_found_beside_the_engine_with_their_compile_command(tmp_path):
    build = tmp_path / "build"
    (build / "tools").mkdir(parents=True)
    engine = build / "microcircuit_mpi"
    with pytest.raises(SystemExit, match="stream_triad not found"):
        probes.find_probe(None, str(engine))
    probe = build / "tools" / "stream_triad"
    probe.write_text("")
    probe.chmod(0o755)
    assert probes.find_probe(None, str(engine)) == str(probe)
    assert probes.find_probe(str(probe), "/elsewhere/microcircuit_mpi") == str(probe)
    assert probes.compile_command(str(probe)) == ""
    (build / "compile_commands.json").write_text(
        json.dumps(
            [
                {"file": "/src/src/neuron.cpp", "command": "c++ -O3 -c neuron.cpp"},
                {
                    "file": "/src/tools/stream_triad.cpp",
                    "command": "c++ -O3 -march=native -c stream_triad.cpp",
                },
            ]
        )
    )
    assert probes.compile_command(str(probe)) == "c++ -O3 -march=native -c stream_triad.cpp"


def test_stream_triad_probes_the_scatter_and_the_neuron_update(stream_triad):
    exe = stream_triad
    env = dict(os.environ, OMP_NUM_THREADS="2")
    out = subprocess.run(
        [
            exe,
            "--threads",
            "2",
            "--mb",
            "1",
            "--reps",
            "1",
            "--table-mb",
            "1",
            "--updates-per-thread",
            "1000",
            "--scatter-mb",
            "2",
            "--scatter-kb",
            "16",
            "--update-neurons",
            "1000",
            "--update-steps",
            "300",
            "--barrier-passes",
            "5000",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    res = json.loads(out.stdout)
    assert res["scatter_table_kb"] == pytest.approx(16.0)
    assert res["scatter_events"] == 2 * int(2e6 / 8 / 2)
    assert res["scatter_meps"] == pytest.approx(
        res["scatter_events"] / res["scatter_best_s"] / 1e6, rel=1e-3
    )
    assert res["update_neurons"] == 1000 and res["update_steps"] == 300
    assert res["update_mups"] == pytest.approx(
        2 * 1000 * 300 / res["update_best_s"] / 1e6, rel=1e-3
    )
    # 400 pA drives the membrane towards 16 mV above rest: from reset a neuron
    # reaches the threshold (15 mV) after 10 ms x ln 16 = 27.7 ms, and fires
    # every 29.8 ms with the 2 ms refractory time, so each neuron fires about
    # once per 300-step run (the initial potentials are spread below threshold).
    per_run = res["update_spikes"] / 3 / 2
    assert 1000 * 0.95 < per_run < 1000 * 1.05
    assert res["barrier_passes"] == 5000
    assert res["barrier_ns"] == pytest.approx(res["barrier_best_s"] / 5000 * 1e9, rel=1e-3)
    # Two threads must meet: a pass costs at least a cache line's trip between
    # the cores, not the few ns of the code alone (even oversubscribed, a pass
    # waits for the other thread to be scheduled).
    alone = json.loads(
        subprocess.run(
            [exe, "--threads", "1", "--probes", "barrier", "--barrier-passes", "5000"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    assert alone["barrier_ns"] < res["barrier_ns"]
    for bad_args in (["--update-neurons", "0"], ["--barrier-passes", "0"]):
        bad = subprocess.run([exe, *bad_args], capture_output=True, text=True)
        assert bad.returncode == 2 and "bad arguments" in bad.stderr


def test_probes_are_sized_by_each_runs_share_of_the_network():
    points = [
        (0.1, "poisson", 1, 1, "off"),
        (0.1, "poisson", 1, 2, "off"),
        (0.1, "poisson", 2, 1, "on"),
        (1.0, "dc", 1, 2, "off"),
        (1.0, "dc", 2, 2, "off"),
    ]
    # 2 x 2 virtual processes are stood for by the 2-thread measurement.
    assert probes.probe_sizes(points, [1, 2]) == {1: [7717], 2: [3858, 19292, 38584]}
    bw = {
        "cores_by_neurons": {
            "3858": {"scatter_meps": 1.0, "update_mups": 2.0},
            "38584": {"scatter_meps": 3.0, "update_mups": 4.0},
        }
    }
    assert probes.cores_rates(bw, 3900) == (1.0, 2.0)
    assert probes.cores_rates(bw, 32000) == (3.0, 4.0)
    # Nothing measured within 25% of the share: no bound rather than a wrong one.
    assert probes.cores_rates(bw, 10000) == (None, None)
    assert probes.cores_rates(
        {"scatter_meps": 5.0, "update_mups": 6.0, "update_neurons": 38600}, 38000
    ) == (5.0, 6.0)
    assert probes.cores_rates({}, 38000) == (None, None)


def test_a_run_is_disturbed_by_other_processes_or_a_slowed_core():
    quiet = {"others_cores_during": 0.05, "core_slowdown": 1.03}
    assert simruns.disturbance(quiet, 0.25, 1.25) == ""
    busy = dict(quiet, others_cores_during=0.6)
    assert "other processes used 0.60 cores" in simruns.disturbance(busy, 0.25, 1.25)
    lent = dict(quiet, core_slowdown=2.6)
    assert "slowest core ran 2.60x slower" in simruns.disturbance(lent, 0.25, 1.25)
    assert (
        simruns.disturbance({"others_cores_during": None, "core_slowdown": None}, 0.25, 1.25) == ""
    )


def test_core_slowdown_pins_to_every_core_and_restores_the_affinity():
    if not hasattr(os, "sched_getaffinity"):
        pytest.skip("no sched_setaffinity here")
    before = os.sched_getaffinity(0)
    slowdown = idle.core_slowdown(loop=20_000, tries=3)
    assert os.sched_getaffinity(0) == before
    if len(before) < 2:
        assert slowdown is None
    else:
        assert slowdown >= 1.0


def test_waiting_for_the_machine_waits_for_equal_cores_too(monkeypatch):
    slowdowns = iter([2.6, 2.4, 1.02, 1.01])
    monkeypatch.setattr(idle, "busy_cores", lambda interval=0.5: 0.0)
    monkeypatch.setattr(idle, "core_slowdown", lambda: next(slowdowns))
    naps = []
    monkeypatch.setattr(idle.time, "sleep", naps.append)
    busy, _ = idle.wait_until_idle(60.0, 0.3, log=lambda *_: None, max_slowdown=1.25)
    assert busy == 0.0
    assert len(naps) == 2  # until the third probe found the cores equal
    naps.clear()
    idle.wait_until_idle(60.0, 0.3, log=lambda *_: None)  # without max_slowdown: no probe
    assert naps == []


def test_the_command_line_entry_point_plans_a_quick_campaign():
    tool = os.path.join(HERE, "..", "..", "tools", "benchmark")
    out = subprocess.run(
        [sys.executable, tool, "--plan", "--quick"], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out[0] == "0.1-poisson-1x1-recoff x 3"
    assert out[-1] == "36 runs + 1 warm-up run(s)"
