"""Tests of tools/scaling_study.py on synthetic report.json files (no simulator, no SLURM),
and of the local study drivers' refusal and flagging of oversubscribed points (one of them
runs the simulator, $MICROCIRCUIT_BIN, at a tiny scale).

Run: /usr/bin/python3 -B -m pytest -q -p no:cacheprovider tests/slurm/test_scaling_study.py
"""
import csv
import importlib.util
import json
import os
import subprocess
import sys

import pytest

sys.dont_write_bytecode = True

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.path.join(REPO, "tools", "scaling_study.py")
PLOTS = ["speedup", "efficiency", "rtf", "phases", "memory", "overview"]


def load_tool():
    spec = importlib.util.spec_from_file_location("scaling_study", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_run(
    directory,
    ranks,
    threads,
    sim_s,
    n_scaling=0.1,
    k_scaling=0.1,
    spikes=1000,
    repeat=1,
    kind=None,
    nodes=1,
    bg="dc",
    rss_max=100.0,
    with_job=True,
):
    os.makedirs(directory, exist_ok=True)
    report = {
        "program": "microcircuit_mpi",
        "version": "0.1.0",
        "git_commit": "abcdef123456",
        "phases_s": {
            "init": 0.2,
            "create": 0.01,
            "connect": 1.0 / (ranks * threads),
            "presim": sim_s / 2,
            "sim": sim_s,
            "write": 0.05,
        },
        "rtf": sim_s / 1.0,
        "t_sim_ms": 1000,
        "peak_rss_mb": {"max": rss_max, "sum": rss_max * ranks * 0.9},
        "ranks": ranks,
        "threads": threads,
        "neurons": int(77169 * n_scaling),
        "synapses": 1000000,
        "synapse_store_bytes": 8000000,
        "bytes_per_synapse": 8.0,
        "spikes": spikes,
        "config": {
            "simulation": {"t_sim": 1000.0, "t_presim": 500.0},
            "network": {"N_scaling": n_scaling, "K_scaling": k_scaling, "bg_input_type": bg},
        },
    }
    with open(os.path.join(directory, "report.json"), "w") as f:
        json.dump(report, f)
    if with_job:
        job = {
            "kind": kind or "run",
            "label": "R%dxT%dxN%d" % (ranks, threads, nodes),
            "repeat": repeat,
            "nodes": nodes,
            "ranks": ranks,
            "threads": threads,
            "slurm_job_id": "42",
            "hosts": ["node%d" % i for i in range(nodes)],
        }
        with open(os.path.join(directory, "job.json"), "w") as f:
            json.dump(job, f)


def run_tool(*args):
    return subprocess.run(
        [sys.executable, "-B", TOOL] + [str(a) for a in args], capture_output=True, text=True
    )


def read_csv(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def make_strong(root, kind="strong", with_job=True):
    # Ideal scaling of the sim phase: T = 8 s / cores, repetitions 5 % apart.
    for ranks, threads in [(1, 1), (2, 1), (4, 1), (2, 2)]:
        for rep in (1, 2):
            sim = 8.0 / (ranks * threads) * (1.0 if rep == 1 else 1.05)
            write_run(
                os.path.join(root, "runs", "R%dxT%dxN1" % (ranks, threads), "rep%d" % rep),
                ranks,
                threads,
                sim,
                repeat=rep,
                kind=kind,
                with_job=with_job,
            )


def check_plots(out):
    for name in PLOTS:
        png = os.path.join(out, name + ".png")
        svg = os.path.join(out, name + ".svg")
        with open(png, "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n", png
        with open(svg) as f:
            assert "<svg" in f.read(2000), svg


def test_strong_scaling_tables_and_plots(tmp_path):
    make_strong(tmp_path)
    out = tmp_path / "results"
    result = run_tool(tmp_path / "runs", "--out", out)
    assert result.returncode == 0, result.stderr
    assert "strong scaling: 8 run(s), 4 point(s) in 1 curve(s)" in result.stdout
    runs = read_csv(out / "scaling_runs.csv")
    assert len(runs) == 8
    assert {r["kind"] for r in runs} == {"strong"}
    assert {r["slurm_job_id"] for r in runs} == {"42"}
    summary = read_csv(out / "scaling_summary.csv")
    assert [(s["ranks"], s["threads"]) for s in summary] == [
        ("1", "1"),
        ("2", "1"),
        ("2", "2"),
        ("4", "1"),
    ]
    for s in summary:
        cores = int(s["cores"])
        assert float(s["speedup"]) == pytest.approx(cores, rel=1e-4)
        assert float(s["efficiency"]) == pytest.approx(1.0, rel=1e-4)
        assert int(s["repeats"]) == 2
        assert float(s["time_s"]) == pytest.approx(8.0 / cores * 1.025, rel=1e-4)
        assert float(s["peak_rss_mean_mb_mean"]) == pytest.approx(90.0)
    check_plots(out)


def test_weak_scaling_efficiency(tmp_path):
    # N_scaling grows with the ranks; the sim phase slows down by 25 % per doubling.
    for i, ranks in enumerate([1, 2, 4]):
        write_run(
            tmp_path / ("R%d" % ranks),
            ranks,
            2,
            1.0 * 1.25**i,
            n_scaling=0.1 * ranks,
            k_scaling=1.0,
            kind="weak",
        )
    out = tmp_path / "weak_results"
    result = run_tool(tmp_path, "--out", out)
    assert result.returncode == 0, result.stderr
    summary = read_csv(out / "scaling_summary.csv")
    assert [s["kind"] for s in summary] == ["weak"] * 3
    assert [float(s["N_scaling"]) for s in summary] == pytest.approx([0.1, 0.2, 0.4])
    assert [float(s["efficiency"]) for s in summary] == pytest.approx([1.0, 0.8, 0.64], rel=1e-4)
    assert [float(s["speedup"]) for s in summary] == pytest.approx([1.0, 1.6, 2.56], rel=1e-4)
    check_plots(out)


def test_kind_is_guessed_without_job_json(tmp_path):
    tool = load_tool()
    make_strong(tmp_path / "strong", with_job=False)
    runs = [tool.read_run(p) for p in tool.find_reports([str(tmp_path / "strong")])]
    assert tool.guess_kind(runs) == "strong"
    assert {r["nodes"] for r in runs} == {1}
    for ranks in (1, 2, 4):
        write_run(
            tmp_path / "weak" / str(ranks), ranks, 1, 1.0, n_scaling=0.05 * ranks, with_job=False
        )
    runs = [tool.read_run(p) for p in tool.find_reports([str(tmp_path / "weak")])]
    assert tool.guess_kind(runs) == "weak"


def test_two_networks_give_two_curves_and_phase_total(tmp_path):
    for n in (0.1, 0.2):
        for ranks in (1, 2):
            write_run(
                tmp_path / ("N%g" % n) / str(ranks),
                ranks,
                1,
                n * 10 / ranks,
                n_scaling=n,
                k_scaling=n,
                kind="strong",
            )
    out = tmp_path / "out"
    result = run_tool(tmp_path, "--out", out, "--phase", "total", "--no-plots")
    assert result.returncode == 0, result.stderr
    summary = read_csv(out / "scaling_summary.csv")
    assert len({s["curve"] for s in summary}) == 2
    assert not (out / "speedup.png").exists()
    for s in summary:
        assert float(s["time_s"]) == pytest.approx(float(s["total_s_mean"]))
        if s["ranks"] == "1":
            assert float(s["speedup"]) == 1.0


def test_differing_spike_counts_are_reported(tmp_path):
    write_run(tmp_path / "a", 1, 1, 2.0, spikes=1000, kind="strong")
    write_run(tmp_path / "b", 2, 1, 1.0, spikes=999, kind="strong")
    result = run_tool(tmp_path, "--out", tmp_path / "out", "--no-plots")
    assert result.returncode == 0, result.stderr
    assert "spike counts differ" in result.stderr


def test_errors(tmp_path):
    result = run_tool(tmp_path, "--out", tmp_path / "out")
    assert result.returncode == 1
    assert "no report.json found" in result.stderr
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "report.json").write_text('{"something": 1}')
    result = run_tool(tmp_path / "x")
    assert result.returncode == 1
    assert "not a microcircuit_mpi report" in result.stderr
    result = run_tool(tmp_path / "missing")
    assert result.returncode == 1
    assert "no such file or directory" in result.stderr


def test_help():
    result = run_tool("--help")
    assert result.returncode == 0
    assert "speed-up" in result.stdout


def write_machine(directory, cpus, busy_before=0.0, others=0.0, slowdown=1.0, ranks_per_node=None):
    """The job scripts' record of the machine around a run (job.json of tools/pd14jobs)."""
    path = os.path.join(directory, "job.json")
    with open(path) as f:
        job = json.load(f)
    job.update(
        cpus_available=cpus,
        ranks_per_node=ranks_per_node or job["ranks"],
        machine_before={
            "busy_cores": busy_before,
            "threshold_cores": 0.3,
            "core_slowdown": slowdown,
        },
        machine_after={"others_cores": others, "core_slowdown": 1.0},
    )
    with open(path, "w") as f:
        json.dump(job, f)


def test_runs_that_measure_no_scaling_are_flagged(tmp_path):
    make_strong(tmp_path)
    runs = tmp_path / "runs"
    for point in ("R1xT1xN1", "R2xT1xN1", "R2xT2xN1", "R4xT1xN1"):
        for rep in (1, 2):
            write_machine(runs / point / ("rep%d" % rep), cpus=2)
    # 4 ranks and 2 x 2 on 2 CPUs; one repetition of 2x1 with a busy machine,
    # one of 1x1 on unequal cores
    write_machine(runs / "R2xT1xN1" / "rep2", cpus=2, others=0.9)
    write_machine(runs / "R1xT1xN1" / "rep1", cpus=2, slowdown=1.6)
    out = tmp_path / "results"
    result = run_tool(runs, "--out", out)
    assert result.returncode == 0, result.stderr
    flags = {s["label"]: s["flags"] for s in read_csv(out / "scaling_summary.csv")}
    assert flags["R4xT1xN1"] == "oversubscribed: 4 x 1 on 2 CPUs (2/2 runs)"
    assert flags["R2xT2xN1"].startswith("oversubscribed: 2 x 2 on 2 CPUs")
    assert flags["R2xT1xN1"] == "busy: others used 0.90 cores (1/2 runs)"
    assert flags["R1xT1xN1"] == "unequal cores: 1.60x (1/2 runs)"
    per_run = read_csv(out / "scaling_runs.csv")
    assert sum(1 for r in per_run if r["flags"]) == 2 + 2 + 1 + 1
    assert "WARNING: 4 of 4 point(s) marked ! do not measure scaling" in result.stdout
    assert "point R4xT1xN1" in result.stderr and "do not measure strong scaling" in result.stderr
    check_plots(out)
    # a run without job.json is not judged, and says so
    make_strong(tmp_path / "bare", with_job=False)
    result = run_tool(tmp_path / "bare", "--out", tmp_path / "bare_out", "--no-plots")
    assert "note: 8 run(s) without job.json" in result.stdout
    assert "WARNING" not in result.stdout


def test_idle_command_line():
    env = dict(os.environ, PYTHONPATH=os.path.join(REPO, "tools"))
    res = subprocess.run(
        [sys.executable, "-B", "-m", "benchmark.idle", "wait", "--max-wait", "0"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    state = json.loads(res.stdout)
    assert {"busy_cores", "waited_s", "core_slowdown", "cpus"} <= set(state)
    res = subprocess.run(
        [
            sys.executable,
            "-B",
            "-m",
            "benchmark.idle",
            "after",
            "--busy-cpu-s",
            "5",
            "--own-cpu-s",
            "3",
            "--wall-s",
            "4",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert json.loads(res.stdout)["others_cores"] == pytest.approx(0.5)


def _two_cpus():
    """Run a command on two CPUs (taskset), whatever the machine has."""
    if not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2:
        pytest.skip("needs two CPUs")
    cpus = sorted(os.sched_getaffinity(0))[:2]
    return ["taskset", "-c", "%d,%d" % tuple(cpus)]


def test_local_study_refuses_oversubscription(tmp_path):
    fake = tmp_path / "microcircuit_mpi"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    env = dict(os.environ, MICROCIRCUIT_BIN=str(fake))
    res = subprocess.run(
        _two_cpus()
        + [
            os.path.join(REPO, "jobs", "strong_scaling.sh"),
            "--local",
            "--points",
            "1x1 2x1 4x1",
            "--out",
            str(tmp_path / "study"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert res.returncode == 2
    assert "point(s) 4x1: more ranks x threads than the 2 CPU(s)" in res.stderr
    assert "--oversubscribe" in res.stderr
    assert not (tmp_path / "study").exists()


def test_local_study_flags_oversubscription(tmp_path):
    binary = os.environ.get("MICROCIRCUIT_BIN") or os.path.join(REPO, "build", "microcircuit_mpi")
    if not os.access(binary, os.X_OK):
        pytest.skip("microcircuit_mpi not built (set MICROCIRCUIT_BIN)")
    env = {k: v for k, v in os.environ.items() if k != "MICROCIRCUIT_BIN"}
    env["MICROCIRCUIT_MPI"] = binary  # the older name still works, with a warning
    study = tmp_path / "study"
    res = subprocess.run(
        _two_cpus()
        + [
            os.path.join(REPO, "jobs", "strong_scaling.sh"),
            "--local",
            "--points",
            "1x1 4x1",
            "--oversubscribe",
            "--repeats",
            "1",
            "--scale",
            "0.02",
            "--bg",
            "poisson",
            "--t-presim",
            "20",
            "--t-sim",
            "50",
            "--wait-idle",
            "0",
            "--out",
            str(study),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert "MICROCIRCUIT_MPI is deprecated, set MICROCIRCUIT_BIN" in res.stderr
    assert "WARNING: point(s) 4x1 oversubscribe the 2 CPU(s)" in res.stderr
    assert "WARNING: oversubscribed: 4 rank(s) x 1 thread(s) per node on 2 CPU(s)" in res.stdout
    with open(study / "runs" / "R4xT1xN1" / "rep1" / "job.json") as f:
        job = json.load(f)
    assert job["oversubscribed"] is True and job["cpus_available"] == 2
    assert job["cpus_used_per_node"] == 4 and job["wait_idle_s"] == 0
    assert {"busy_cores", "core_slowdown"} <= set(job["machine_before"])
    assert "others_cores" in job["machine_after"]
    with open(study / "runs" / "R1xT1xN1" / "rep1" / "job.json") as f:
        assert json.load(f)["oversubscribed"] is False
    flags = {s["label"]: s["flags"] for s in read_csv(study / "results" / "scaling_summary.csv")}
    assert flags["R4xT1xN1"].startswith("oversubscribed: 4 x 1 on 2 CPUs")
    assert "R4xT1xN1" in res.stdout and "do not measure scaling" in res.stdout
