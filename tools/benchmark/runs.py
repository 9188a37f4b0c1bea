"""One run of the simulator: its command line, the run itself with the
machine's load around it, and its row of measurements."""
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time

from . import REPO
from .aggregate import key_name
from .idle import busy_cpu_seconds, core_slowdown, wait_until_idle
from .metrics import count_sim_spikes, row_from_report


def find_binary(explicit=None):
    """microcircuit_mpi: the one given, $MICROCIRCUIT_BIN, build/ or the PATH.
    $MICROCIRCUIT_MPI, the harness's earlier name, is still read, with a
    warning: the job scripts and tests know only MICROCIRCUIT_BIN."""
    from_env = os.environ.get("MICROCIRCUIT_BIN")
    if not from_env and os.environ.get("MICROCIRCUIT_MPI"):
        from_env = os.environ["MICROCIRCUIT_MPI"]
        print(
            "warning: MICROCIRCUIT_MPI is deprecated, set MICROCIRCUIT_BIN instead", file=sys.stderr
        )
    candidates = [
        explicit,
        from_env,
        os.path.join(REPO, "build", "microcircuit_mpi"),
        shutil.which("microcircuit_mpi"),
    ]
    for c in candidates:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return os.path.abspath(c)
    raise SystemExit(
        "microcircuit_mpi not found: pass --binary PATH (or set MICROCIRCUIT_BIN), "
        "e.g. build it with cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && "
        "make -C build microcircuit_mpi"
    )


def run_command(
    binary,
    scale,
    drive,
    ranks,
    threads,
    record,
    t_presim,
    t_sim,
    data_path,
    extra_sets=(),
    mpirun="mpirun",
):
    """The command line of one run: R = 1 runs the binary itself, more ranks
    run under mpirun, unbound so that the ranks share the cores as threads do."""
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


def run_one(binary, point, repeat, outdir, args, log=print):
    """Run one point (waiting for a quiet machine first) in OUT/runs/<name>;
    returns its row, with the load of other processes and the cores' speeds
    around it."""
    scale, drive, ranks, threads, record = point
    name = f"{key_name(point)}-r{repeat}"
    data_path = os.path.join(outdir, "runs", name)
    os.makedirs(data_path, exist_ok=True)
    cmd = run_command(
        binary,
        scale,
        drive,
        ranks,
        threads,
        record,
        args.t_presim,
        args.t_sim,
        data_path,
        args.set or (),
        args.mpirun,
    )
    env = dict(os.environ)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    env["OMP_NUM_THREADS"] = str(threads)
    busy, waited = wait_until_idle(
        args.wait_idle, args.idle_threshold, log, max_slowdown=args.max_core_slowdown
    )
    slowdown_before = core_slowdown()
    load_before = os.getloadavg()[0]
    cpu_all0 = busy_cpu_seconds()
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    with open(os.path.join(data_path, "stdout.txt"), "w") as out, open(
        os.path.join(data_path, "stderr.txt"), "w"
    ) as err:
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
    others = (
        max(0.0, (cpu_all1 - cpu_all0 - own_cpu) / wall)
        if cpu_all0 is not None and cpu_all1 is not None and wall > 0
        else None
    )
    row = {
        "scale": scale,
        "drive": drive,
        "ranks": ranks,
        "threads": threads,
        "vps": ranks * threads,
        "record": record,
        "t_presim_ms": args.t_presim,
        "t_sim_ms": args.t_sim,
        "h_ms": 0.1,
        "k_scaling": scale,
        "returncode": rc,
        "error": "",
    }
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
    row.update(
        {
            "repeat": repeat,
            "wall_s": wall,
            "loadavg_before": load_before,
            "busy_cores_before": busy,
            "waited_idle_s": waited,
            "cpu_s": own_cpu,
            "others_cores_during": others,
            "core_slowdown": max(
                (x for x in (slowdown_before, slowdown_after) if x is not None), default=None
            ),
            "loadavg_after": os.getloadavg()[0],
            "command": " ".join(cmd),
        }
    )
    status = (
        f"RTF {row['rtf']:.3f}, construct {row['construct_s']:.2f} s, "
        f"peak {row['peak_rss_mb_max']:.0f} MB/rank"
        if row.get("rtf") is not None
        else f"FAILED ({rc}): {row['error'][-200:]}"
    )
    busy_text = f"{busy:.2f}" if busy is not None else "?"
    others_text = f"{others:.2f}" if others is not None else "?"
    slowdown_text = f"{row['core_slowdown']:.2f}" if row["core_slowdown"] is not None else "?"
    log(
        f"  {name}: {status} (wall {wall:.1f} s; cores used by others: {busy_text} before, "
        f"{others_text} during; slowest core {slowdown_text}x the fastest)"
    )
    return row


def disturbance(row, max_others, max_core_slowdown):
    """Why a run did not have the machine to itself, or "" if it did."""
    others = row.get("others_cores_during")
    if others is not None and others > max_others:
        return f"other processes used {others:.2f} cores (> {max_others:g})"
    slowdown = row.get("core_slowdown")
    if slowdown is not None and slowdown > max_core_slowdown:
        return (
            f"the slowest core ran {slowdown:.2f}x slower than the fastest "
            f"(> {max_core_slowdown:g})"
        )
    return ""
