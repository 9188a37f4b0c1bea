"""Whether the machine is the harness's alone: the load of other processes,
and the speed of each core (a virtual machine's host can lend a core away
without /proc/stat showing it). The harness waits for a quiet machine before
each run and probe, and discards runs that were disturbed.
"""
import os
import statistics
import time


def _cpu_jiffies():
    """(all, idle) CPU time since boot in clock ticks, from /proc/stat."""
    with open("/proc/stat") as f:
        vals = [int(v) for v in f.readline().split()[1:9]]
    return sum(vals), vals[3] + vals[4]  # idle + iowait


def busy_cores(interval=0.5):
    """CPU cores kept busy by all processes over `interval` seconds (the
    harness itself sleeps meanwhile, so this is other processes' load). None
    where /proc/stat is missing."""
    try:
        t1, i1 = _cpu_jiffies()
        time.sleep(interval)
        t2, i2 = _cpu_jiffies()
    except (OSError, ValueError, IndexError):
        return None
    total = t2 - t1
    return (os.cpu_count() or 1) * (1.0 - (i2 - i1) / total) if total > 0 else 0.0


def busy_cpu_seconds():
    """CPU seconds all processes have spent busy since boot."""
    try:
        total, idle = _cpu_jiffies()
    except (OSError, ValueError, IndexError):
        return None
    return (total - idle) / os.sysconf("SC_CLK_TCK")


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
    while (
        (busy is not None and busy > threshold_cores) or slowed
    ) and time.monotonic() - t0 < max_wait_s:
        time.sleep(2.0)
        busy = busy_cores()
        slowed = unequal()
    waited = time.monotonic() - t0
    if busy is not None and busy > threshold_cores and max_wait_s > 0:
        log(
            f"  (machine still busy: {busy:.2f} cores in use by others after {waited:.0f} s; "
            "running anyway)"
        )
    if slowed and max_wait_s > 0:
        log(
            f"  (a core still runs {slowed:.2f}x slower than another after {waited:.0f} s; "
            "running anyway)"
        )
    return busy, waited


def core_slowdown(loop=200_000, tries=5):
    """How much slower the slowest core runs a fixed loop than the fastest:
    the harness pins itself to each core in turn (median of `tries`). A core
    lent away by a virtual machine's host is invisible to /proc/stat, yet a
    two-thread run on it measures the host. None where pinning is not
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


def main(argv=None):
    """The waits and measurements above for the job scripts (jobs/lib.sh),
    so that a scaling study's runs wait and are judged as the harness's
    are. Prints one JSON object; messages go to stderr."""
    import argparse
    import json
    import sys

    parser = argparse.ArgumentParser(
        prog="python3 -m benchmark.idle",
        description="Wait for a quiet machine before a run; "
        "measure the load of other processes during it.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser(
        "wait",
        help="wait until other processes are idle and the cores "
        "equally fast, then print the machine's state",
    )
    p.add_argument(
        "--max-wait",
        type=float,
        default=60.0,
        help="seconds to wait at most (0: one sample, no waiting; default 60)",
    )
    p.add_argument(
        "--threshold",
        type=float,
        default=0.3,
        help="idle = fewer than this many cores busy with others (default 0.3)",
    )
    p.add_argument(
        "--max-slowdown",
        type=float,
        default=1.25,
        help="cores equal = the slowest at most this many times slower "
        "(default 1.25; 0: not checked)",
    )
    p = sub.add_parser("after", help="after a run: the cores other processes used during it")
    p.add_argument(
        "--busy-cpu-s",
        type=float,
        required=True,
        help="CPU seconds all processes were busy during the run (/proc/stat)",
    )
    p.add_argument("--wall-s", type=float, required=True, help="the run's wall time")
    p.add_argument(
        "--own-cpu-s", type=float, help="CPU seconds of the run itself (without it: others unknown)"
    )
    args = parser.parse_args(argv)

    def log(message):
        print(message.strip(), file=sys.stderr)

    if args.command == "wait":
        slowdown_limit = args.max_slowdown if args.max_slowdown > 0 else None
        busy, waited = wait_until_idle(args.max_wait, args.threshold, log, slowdown_limit)
        out = {
            "busy_cores": busy,
            "waited_s": round(waited, 1),
            "threshold_cores": args.threshold,
            "core_slowdown": core_slowdown(),
            "max_core_slowdown": slowdown_limit,
            "cpus": len(os.sched_getaffinity(0))
            if hasattr(os, "sched_getaffinity")
            else os.cpu_count(),
        }
    else:
        others = None
        if args.own_cpu_s is not None and args.wall_s > 0:
            others = max(0.0, (args.busy_cpu_s - args.own_cpu_s) / args.wall_s)
        out = {"others_cores": others, "core_slowdown": core_slowdown()}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
