"""The machine probes: what the machine is, its memory bandwidth and the rates
of the engine's inner loops (tools/stream_triad.cpp, built by CMake with the
engine's flags as <build>/tools/stream_triad), and which measurement stands
for a run of a given size.
"""
import json
import os
import platform
import re
import subprocess
import sys

from pd14analysis import N_FULL

from .idle import wait_until_idle


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


# The probes of the inner loops are sized by a run's share of the network,
# N_scaling x the full-scale neurons / (ranks x threads).
FULL_SCALE_NEURONS = sum(N_FULL)
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
    candidates = [
        (int(n), r["scatter_meps"], r["update_mups"])
        for n, r in (bw.get("cores_by_neurons") or {}).items()
    ]
    if bw.get("update_neurons") and bw.get("scatter_meps") and bw.get("update_mups"):
        candidates.append((bw["update_neurons"], bw["scatter_meps"], bw["update_mups"]))
    if not candidates:
        return None, None
    n, scatter, update = min(candidates, key=lambda c: abs(c[0] / neurons_per_thread - 1.0))
    if abs(n / neurons_per_thread - 1.0) > PROBE_SIZE_TOLERANCE:
        return None, None
    return scatter, update


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
    """What results.json records of the machine: host, CPU, memory, cache."""
    info = {
        "hostname": platform.node(),
        "cpus": os.cpu_count(),
        "llc_bytes": llc_bytes(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }
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
    (
        "triad_gbs",
        True,
        (
            "triad_best_s",
            "triad_mean_s",
            "triad_worst_s",
            "triad_gbs",
            "triad_gbs_mean",
            "busy_cores_before",
        ),
    ),
    ("random_mups", True, ("random_best_s", "random_mups", "random_line_gbs")),
    ("scatter_meps", True, ("scatter_best_s", "scatter_meps")),
    ("update_mups", True, ("update_best_s", "update_mups")),
    ("barrier_ns", False, ("barrier_best_s", "barrier_ns")),
)


def find_probe(explicit, engine_binary):
    """The stream_triad binary: the one given, else the one the engine's
    build made beside it (<build>/tools/stream_triad)."""
    path = explicit or os.path.join(os.path.dirname(engine_binary), "tools", "stream_triad")
    if os.path.isfile(path) and os.access(path, os.X_OK):
        return os.path.abspath(path)
    raise SystemExit(
        f"stream_triad not found at {path}: build it with the engine "
        "(cmake --build BUILD --target stream_triad), pass --stream-binary PATH, "
        "or skip the probes with --no-stream"
    )


def compile_command(probe):
    """The command CMake compiled stream_triad.cpp with, from the build's
    compile_commands.json ("" where there is none): the flags the probes ran with."""
    path = os.path.join(os.path.dirname(os.path.dirname(probe)), "compile_commands.json")
    try:
        with open(path) as f:
            entries = json.load(f)
    except (OSError, ValueError):
        return ""
    for entry in entries:
        if entry.get("file", "").endswith(os.path.join("tools", "stream_triad.cpp")):
            return entry.get("command") or " ".join(entry.get("arguments", []))
    return ""


def _run_probe(exe, threads, *args):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OMP_PROC_BIND="spread")
    proc = subprocess.run(
        [exe, "--threads", str(threads), *args], capture_output=True, text=True, env=env, check=True
    )
    return json.loads(proc.stdout)


def measure_bandwidth(
    exe,
    thread_counts,
    mb=80.0,
    reps=20,
    runs=3,
    wait_idle_s=0.0,
    idle_threshold=0.3,
    log=print,
    probe_neurons=None,
    max_slowdown=None,
):
    """Run the probes of stream_triad (exe) `runs` times for each thread count
    (interleaved, so that a disturbance does not hit one count; each run's
    triad is the best of `reps` sweeps), keeping each probe's best run; then,
    for probe_neurons = {threads: [neurons per thread]}, the scatter and update
    probes sized for each share (best of `runs`), as "cores_by_neurons"
    {str(neurons): {...}}. Returns {str(threads): result dict}."""
    command = compile_command(exe)
    log(f"probes: {exe}" + (f" (compiled: {command})" if command else ""))
    results = {}
    for run in range(runs):
        for t in thread_counts:
            busy, _ = wait_until_idle(wait_idle_s, idle_threshold, log, max_slowdown=max_slowdown)
            res = _run_probe(exe, t, "--mb", str(mb), "--reps", str(reps))
            res["busy_cores_before"] = busy
            prev = results.get(str(t))
            if prev is None:
                res["runs"] = 1
                for metric, _, _ in PROBE_BEST:
                    res[metric + "_all"] = [res[metric]]
                res["compile_command"] = command
                results[str(t)] = res
                continue
            prev["runs"] += 1
            for metric, higher_is_better, fields in PROBE_BEST:
                prev[metric + "_all"].append(res[metric])
                if (
                    (res[metric] > prev[metric])
                    if higher_is_better
                    else (res[metric] < prev[metric])
                ):
                    for k in fields:
                        prev[k] = res[k]
    for t, sizes in sorted((probe_neurons or {}).items()):
        if str(t) not in results:
            continue
        by_size = results[str(t)].setdefault("cores_by_neurons", {})
        for n in sizes:
            best = {}
            for _ in range(runs):
                wait_until_idle(wait_idle_s, idle_threshold, log, max_slowdown=max_slowdown)
                res = _run_probe(
                    exe,
                    t,
                    "--probes",
                    "scatter,update",
                    "--update-neurons",
                    str(n),
                    "--scatter-kb",
                    f"{n * 8 / 1000:g}",
                )
                for k, keys in (
                    ("scatter_meps", ("scatter_meps", "scatter_table_kb")),
                    ("update_mups", ("update_mups", "update_neurons")),
                ):
                    if res[k] > best.get(k, 0.0):
                        best.update({key: res[key] for key in keys})
            by_size[str(n)] = best
            log(
                f"inner loops, {t} thread(s) x {n} neurons: streamed scatter "
                f"{best['scatter_meps']:.0f} M events/s, "
                f"neuron update {best['update_mups']:.0f} M updates/s"
            )
    for t in thread_counts:
        res = results[str(t)]
        log(
            f"triad {t} thread(s): {res['triad_gbs']:.1f} GB/s (best of {runs} x {reps} sweeps, "
            f"3 x {mb:g} MB; all runs {', '.join(f'{g:.1f}' for g in res['triad_gbs_all'])}); "
            f"random RMW {res['random_mups']:.0f} M updates/s; "
            f"streamed scatter {res['scatter_meps']:.0f} M events/s; "
            f"neuron update {res['update_mups']:.0f} M updates/s; "
            f"split barrier {res['barrier_ns']:.0f} ns per pass"
        )
    return results
