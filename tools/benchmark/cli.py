"""The command line of the harness (tools/benchmark): plan a campaign, run
it, or reread earlier results; then derive, aggregate, compare and write."""
import argparse
import datetime
import json
import os
import re
import sys
import tempfile

from pd14analysis.output import write_csv, write_json

from . import REPO
from .aggregate import RUN_COLUMNS, aggregate, key_name, scaling, summary_columns
from .compare import compare, format_compare
from .limits import DEFAULT_LAYOUT, LIMIT_ASSUMPTIONS, full_layout, neuron_update_bytes
from .metrics import add_derived, fill_spikes_sim
from .plots import make_plots
from .probes import find_probe, machine_info, measure_bandwidth, probe_sizes
from .reference import NEST_REFERENCE, TARGETS
from .report import format_markdown, format_tables
from .runs import disturbance, find_binary, run_one

# Version of the output format (runs.csv, summary.csv, results.json).
HARNESS_VERSION = 1
DESCRIPTION = "Benchmark harness of microcircuit_mpi: its performance against NEST and the machine."
DEFAULT_POINTS = "0.1:poisson,0.2:dc,0.5:dc,1.0:dc"
QUICK_POINTS = "0.1:poisson,0.2:dc"
DEFAULT_LAYOUTS = "1x1,1x2,2x1"


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


def build_parser():
    p = argparse.ArgumentParser(
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="See docs/performance.md.",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help=f"quick mode: points {QUICK_POINTS}, layouts {DEFAULT_LAYOUTS}, 3 repeats, "
        "recording both, t_sim 1000 ms (a few minutes on 2 cores)",
    )
    p.add_argument("--binary", help="microcircuit_mpi (default: $MICROCIRCUIT_BIN, build/, PATH)")
    p.add_argument("--out", help="output folder (default: a new folder under the temp dir)")
    p.add_argument(
        "--scales", help=f"SCALE:DRIVE,... (default {DEFAULT_POINTS}; quick {QUICK_POINTS})"
    )
    p.add_argument("--layouts", help=f"RANKSxTHREADS,... (default {DEFAULT_LAYOUTS})")
    p.add_argument("--repeats", type=int, help="runs per point (default 3; quick 3)")
    p.add_argument(
        "--record",
        choices=["both", "on", "off"],
        default="both",
        help="spike recording: off = performance set, on = second set (default both)",
    )
    p.add_argument(
        "--t-presim", type=float, default=500.0, help="warm-up, ms (discarded; default 500)"
    )
    p.add_argument(
        "--t-sim", type=float, default=1000.0, help="timed simulation, ms (default 1000)"
    )
    p.add_argument(
        "--warmup-runs",
        type=int,
        default=1,
        help="untimed runs of the first point before measuring (default 1)",
    )
    p.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="extra engine override for every run (repeatable)",
    )
    p.add_argument("--mpirun", default="mpirun", help="mpirun command (default mpirun)")
    p.add_argument("--timeout", type=float, default=None, help="seconds per run (default none)")
    p.add_argument(
        "--wait-idle",
        type=float,
        default=30.0,
        help="before each run wait up to this many seconds for the machine to be idle "
        "and its cores equally fast (default 30; 0 = do not wait)",
    )
    p.add_argument(
        "--idle-threshold",
        type=float,
        default=0.3,
        help="idle = fewer than this many cores busy with other processes (default 0.3)",
    )
    p.add_argument(
        "--max-others",
        type=float,
        default=0.25,
        help="a run during which other processes used more cores than this is "
        "discarded and run again (default 0.25)",
    )
    p.add_argument(
        "--max-core-slowdown",
        type=float,
        default=1.25,
        help="a run before or after which the slowest core ran a fixed loop more than "
        "this many times slower than the fastest (a virtual machine's host "
        "lending a core away) is discarded and run again (default 1.25)",
    )
    p.add_argument(
        "--retries",
        type=int,
        default=2,
        help="times a disturbed run is run again (default 2; the last try is kept)",
    )
    p.add_argument("--keep-spikes", action="store_true", help="keep the runs' spikes.h5")
    p.add_argument(
        "--stream-binary",
        metavar="PATH",
        help="the machine probes, stream_triad (default: tools/stream_triad of the "
        "engine's build, beside --binary)",
    )
    p.add_argument("--stream-threads", default="1,2", help="triad thread counts (default 1,2)")
    p.add_argument("--stream-mb", type=float, default=80.0, help="MB per triad array (default 80)")
    p.add_argument(
        "--stream-runs",
        type=int,
        default=3,
        help="triad runs per thread count, best kept (default 3, each best of 20 sweeps)",
    )
    p.add_argument("--no-stream", action="store_true", help="skip the bandwidth measurement")
    p.add_argument(
        "--layout",
        action="append",
        metavar="KEY=VALUE",
        help="override a field of the limit model's data layout (repeatable); "
        "delivery=runs (the current engine), queue or ring (earlier engines, "
        "to re-derive their results); runs_per_row=0 computes the runs from the delay "
        "fields. Defaults: " + ", ".join(f"{k}={v}" for k, v in DEFAULT_LAYOUT.items()),
    )
    p.add_argument("--no-plots", action="store_true")
    p.add_argument("--plan", action="store_true", help="print the runs and exit")
    p.add_argument(
        "--from-json",
        metavar="RESULTS",
        action="append",
        help="do not run: reuse a results.json (recompute tables, plots, comparison); "
        "repeat to merge several campaigns (each keeps its own bandwidth)",
    )
    p.add_argument(
        "--compare",
        metavar="BASELINE",
        help="report ratios against a baseline (implies --quick unless --from-json)",
    )
    p.add_argument(
        "--threshold",
        type=float,
        default=0.5,
        help="relative change flagged in --compare for times and events/s (default 0.5: "
        "quick runs of one engine differ by up to 1.5x on a shared machine)",
    )
    p.add_argument(
        "--memory-threshold",
        type=float,
        default=0.10,
        help="relative change flagged in --compare for memory (default 0.10)",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="with --compare: exit 1 if a regression is flagged (default exit 0)",
    )
    p.add_argument("--save-baseline", metavar="PATH", help="write the results as a baseline file")
    return p


def plan(args):
    """The points (scale, drive, ranks, threads, record) and repeats asked for."""
    if args.compare and not args.from_json and not args.quick:
        args.quick = True
    points = parse_points(args.scales or (QUICK_POINTS if args.quick else DEFAULT_POINTS))
    layouts = parse_layouts(args.layouts or DEFAULT_LAYOUTS)
    repeats = args.repeats or 3
    records = ["off", "on"] if args.record == "both" else [args.record]
    pts = [(s, d, r, t, rec) for rec in records for (s, d) in points for (r, t) in layouts]
    return pts, repeats


def parse_layout_overrides(items):
    """--layout KEY=VALUE items as a dict of layout fields (numbers but delivery)."""
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
        full_layout(out)
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
        derive(
            part,
            old.get("bandwidth") or {},
            old.get("meta", {}).get("machine", {}).get("llc_bytes", 0),
            layout,
        )
        for r in part:
            r.setdefault("source", os.path.abspath(path))
        rows += part
        if first is None:
            first = old
    meta = dict(first.get("meta", {}))
    if len(paths) > 1:
        meta["merged_from"] = [os.path.abspath(p) for p in paths]
    return rows, first.get("bandwidth") or {}, meta


def _compare_with_baseline(args, summary, bandwidth, meta):
    """The regression guard's text and its part of results.json, against
    the baseline file of --compare."""
    with open(args.compare) as f:
        base = json.load(f)
    entries, regressions = compare(summary, base["summary"], args.threshold, args.memory_threshold)
    text = format_compare(entries, bandwidth, base.get("bandwidth"))
    base_meta = base.get("meta", {})
    text += (
        f"\n  baseline: {args.compare} (engine {base_meta.get('engine_commit', '?')}); "
        f"current engine "
        f"{meta.get('engine_commit', '?')}; {regressions} regression(s) flagged "
        f"(threshold {args.threshold:g}, memory {args.memory_threshold:g})"
    )
    if (base_meta.get("t_sim_ms"), base_meta.get("t_presim_ms")) != (
        meta.get("t_sim_ms"),
        meta.get("t_presim_ms"),
    ):
        text += "\n  WARNING: baseline used other t_presim/t_sim: times are not comparable"
    return text, {"baseline": args.compare, "entries": entries, "regressions": regressions}


def finish(rows, bandwidth, meta, layout, outdir, args, log=print, derived=False):
    """Derived columns (unless derived), aggregation, outputs, table,
    comparison. Returns the exit status."""
    if not derived:
        derive(rows, bandwidth, meta.get("machine", {}).get("llc_bytes", 0), layout)
    summary = aggregate(rows)
    scal = scaling(summary)
    os.makedirs(outdir, exist_ok=True)
    write_csv(os.path.join(outdir, "runs.csv"), rows, RUN_COLUMNS + ["command"])
    write_csv(os.path.join(outdir, "summary.csv"), summary, summary_columns(summary))
    lay = full_layout(layout)
    results = {
        "meta": meta,
        "bandwidth": bandwidth,
        "limit_model": {
            "layout": lay,
            "assumptions": LIMIT_ASSUMPTIONS,
            "bytes_per_neuron_update_dc": neuron_update_bytes(lay, False),
            "bytes_per_neuron_update_poisson": neuron_update_bytes(lay, True),
            "bytes_per_neuron_update_dc_separate_inhibitory": neuron_update_bytes(lay, False, True),
        },
        "nest_reference": NEST_REFERENCE,
        "targets": TARGETS,
        "runs": rows,
        "summary": summary,
        "scaling": scal,
    }
    table = format_tables(summary, scal, bandwidth, merged=bool(meta.get("merged_from")))
    status = 0
    if args.compare:
        text, results["comparison"] = _compare_with_baseline(args, summary, bandwidth, meta)
        table += "\n\n" + text
        if results["comparison"]["regressions"] and args.strict:
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
    write_json(results, os.path.join(outdir, "results.json"))
    if args.save_baseline:
        write_json(
            {
                "meta": meta,
                "bandwidth": bandwidth,
                "summary": summary,
                "scaling": scal,
                "note": "quick-mode baseline for python3 tools/benchmark --compare",
            },
            args.save_baseline,
        )
        log(f"baseline written: {args.save_baseline}")
    log("")
    log(table)
    log("")
    log(
        f"written: {outdir}/runs.csv, summary.csv, results.json, table.txt, table.md"
        + ("" if args.no_plots else ", plots/")
    )
    return status


def main(argv=None):
    """Run the harness; returns the exit status."""
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
    outdir = os.path.abspath(
        args.out or os.path.join(tempfile.gettempdir(), f"microcircuit-benchmark-{stamp}")
    )
    os.makedirs(outdir, exist_ok=True)
    meta = {
        "harness_version": HARNESS_VERSION,
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "command": " ".join(
            [os.path.relpath(sys.argv[0], REPO) if sys.argv[0] else "tools/benchmark"]
            + (argv if argv is not None else sys.argv[1:])
        ),
        "binary": binary,
        "machine": machine_info(),
        "quick": args.quick,
        "repeats": repeats,
        "t_presim_ms": args.t_presim,
        "t_sim_ms": args.t_sim,
        "loadavg_start": os.getloadavg(),
    }
    print(f"microcircuit benchmark -> {outdir}")
    print(
        f"binary {binary}; {len(points)} points x {repeats} repeats; t_presim {args.t_presim:g} ms "
        f"(discarded), t_sim {args.t_sim:g} ms"
    )
    bandwidth = {}
    if not args.no_stream:
        meta["stream_binary"] = find_probe(args.stream_binary, binary)
        counts = [int(t) for t in args.stream_threads.split(",")]
        bandwidth = measure_bandwidth(
            meta["stream_binary"],
            counts,
            mb=args.stream_mb,
            runs=args.stream_runs,
            wait_idle_s=args.wait_idle,
            idle_threshold=args.idle_threshold,
            probe_neurons=probe_sizes(points, counts),
            max_slowdown=args.max_core_slowdown,
        )
    for w in range(args.warmup_runs):
        print(f"warm-up run {w + 1} (discarded)")
        p = points[0]
        run_one(binary, p, f"warmup{w}", os.path.join(outdir, "warmup"), args)
    rows = []
    for rep in range(repeats):  # round robin: noise spreads over all points
        print(f"repeat {rep + 1}/{repeats}")
        for p in points:
            for attempt in range(args.retries + 1):
                row = run_one(
                    binary, p, rep if attempt == 0 else f"{rep}retry{attempt}", outdir, args
                )
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
