#!/usr/bin/python3
"""Collect the report.json files of a microcircuit_mpi scaling study into CSV and plots.

usage: tools/scaling_study.py [--kind auto|strong|weak] [--out DIR] [--phase PHASE]
                              [--formats png,svg] [--title TEXT] PATH [PATH ...]

Every PATH is a report.json or a directory searched recursively for report.json
files (the study directories of jobs/strong_scaling.sh and jobs/weak_scaling.sh, or
any set of runs). A job.json next to a report.json (written by the job scripts)
adds nodes, the point label, the repetition and the SLURM job id.

Output in --out (default: ./scaling_results):
  scaling_runs.csv      one row per run
  scaling_summary.csv   one row per point (network x ranks x threads x nodes):
                        mean/std/min over the repetitions, speed-up, efficiency
  speedup, efficiency, rtf, phases, memory, overview  as PNG and SVG

Runs that do not measure scaling are flagged (column "flags" of both tables, a
red ring in the plots, a warning): ranks x threads above the CPUs of the node
(oversubscribed), other processes busy before or during the run, or one core
running slower than another (a virtual machine's host lending it away). The
job scripts record these in job.json (tools/pd14jobs; tools/benchmark/idle.py
measures the load as the benchmark harness does); without job.json a run is
not judged.

Resources are counted in cores = ranks x threads. Runs of one network (same
N_scaling, K_scaling, drive, t_sim) form one curve; speed-up and efficiency are
relative to that curve's point with the fewest cores. Strong scaling:
speed-up S = T(base) / T(p), efficiency E = S x cores(base) / cores(p). Weak
scaling: efficiency E = T(base) / T(p) (ideal 1), scaled speed-up E x
cores(p) / cores(base). T is the wall time of --phase (default sim: the
state-propagation phase after the warm-up).
"""

import argparse
import json
import math
import os
import sys
from collections import OrderedDict

sys.dont_write_bytecode = True
sys.path.insert(
    0, os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(__file__))), "python")
)

from pd14analysis.output import write_csv  # noqa: E402

PHASES = ["init", "create", "connect", "presim", "sim", "write"]

RUN_COLUMNS = (
    [
        "kind",
        "group",
        "label",
        "nodes",
        "ranks",
        "threads",
        "cores",
        "repeat",
        "N_scaling",
        "K_scaling",
        "bg_input_type",
        "t_sim_ms",
        "neurons",
        "synapses",
        "spikes",
    ]
    + ["phase_%s_s" % p for p in PHASES]
    + [
        "total_s",
        "rtf",
        "peak_rss_max_mb",
        "peak_rss_mean_mb",
        "peak_rss_sum_mb",
        "synapse_store_bytes",
        "bytes_per_synapse",
        "cpus_per_node",
        "busy_cores_before",
        "others_cores",
        "core_slowdown",
        "flags",
        "version",
        "git_commit",
        "slurm_job_id",
        "hosts",
        "path",
    ]
)

# What makes a run not a measurement of scaling (the benchmark harness's limits).
MAX_OTHERS_CORES = 0.25
MAX_CORE_SLOWDOWN = 1.25


class StudyError(Exception):
    pass


def find_reports(paths):
    found = []
    for path in paths:
        if os.path.isfile(path):
            found.append(os.path.abspath(path))
        elif os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs.sort()
                if "report.json" in files:
                    found.append(os.path.abspath(os.path.join(root, "report.json")))
        else:
            raise StudyError("no such file or directory: %s" % path)
    return sorted(set(found))


def _number(value, default=float("nan")):
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def read_run(report_path):
    try:
        with open(report_path) as f:
            report = json.load(f)
    except (OSError, ValueError) as error:
        raise StudyError("cannot read %s: %s" % (report_path, error))
    for key in ("phases_s", "ranks", "threads"):
        if key not in report:
            raise StudyError("%s: not a microcircuit_mpi report (no '%s')" % (report_path, key))
    job = {}
    job_path = os.path.join(os.path.dirname(report_path), "job.json")
    if os.path.isfile(job_path):
        try:
            with open(job_path) as f:
                job = json.load(f)
        except (OSError, ValueError):
            job = {}
    config = report.get("config") or {}
    network = config.get("network") or {}
    simulation = config.get("simulation") or {}
    ranks = int(report["ranks"])
    threads = int(report["threads"])
    phases = report.get("phases_s") or {}
    rss = report.get("peak_rss_mb") or {}
    rss_sum = _number(rss.get("sum"))
    row = OrderedDict()
    row["kind"] = job.get("kind", "")
    row["N_scaling"] = _number(network.get("N_scaling"))
    row["K_scaling"] = _number(network.get("K_scaling"))
    row["bg_input_type"] = network.get("bg_input_type", "")
    row["t_sim_ms"] = _number(report.get("t_sim_ms", simulation.get("t_sim")))
    row["group"] = "N%g K%g %s %gms" % (
        row["N_scaling"],
        row["K_scaling"],
        row["bg_input_type"],
        row["t_sim_ms"],
    )
    row["nodes"] = int(job.get("nodes") or 1)
    row["ranks"] = ranks
    row["threads"] = threads
    row["cores"] = ranks * threads
    row["label"] = job.get("label") or "R%dxT%dxN%d" % (ranks, threads, row["nodes"])
    row["repeat"] = int(job.get("repeat") or 1)
    row["neurons"] = int(report.get("neurons", 0))
    row["synapses"] = int(report.get("synapses", 0))
    row["spikes"] = int(report.get("spikes", 0))
    total = 0.0
    for p in PHASES:
        value = _number(phases.get(p), 0.0)
        row["phase_%s_s" % p] = value
        total += value
    row["total_s"] = total
    row["rtf"] = _number(report.get("rtf"))
    row["peak_rss_max_mb"] = _number(rss.get("max"))
    row["peak_rss_mean_mb"] = rss_sum / ranks if ranks else float("nan")
    row["peak_rss_sum_mb"] = rss_sum
    row["synapse_store_bytes"] = int(report.get("synapse_store_bytes", 0))
    row["bytes_per_synapse"] = _number(report.get("bytes_per_synapse"))
    row["version"] = report.get("version", "")
    row["git_commit"] = report.get("git_commit", "")
    row["slurm_job_id"] = job.get("slurm_job_id", "")
    row["hosts"] = " ".join(job.get("hosts") or [])
    row["path"] = os.path.dirname(report_path)
    before = job.get("machine_before") or {}
    after = job.get("machine_after") or {}
    row["cpus_per_node"] = job.get("cpus_available") or ""
    row["busy_cores_before"] = _number(before.get("busy_cores"))
    row["others_cores"] = _number(after.get("others_cores"))
    row["core_slowdown"] = max(
        _number(before.get("core_slowdown"), 0.0), _number(after.get("core_slowdown"), 0.0)
    ) or float("nan")
    rpn = job.get("ranks_per_node") or -(-ranks // row["nodes"])
    row["flags"] = "; ".join(run_flags(row, rpn, threads, before.get("threshold_cores")))
    return OrderedDict((c, row[c]) for c in RUN_COLUMNS)


def run_flags(row, ranks_per_node, threads, idle_threshold=None):
    """Why a run does not measure scaling (empty: nothing known against it)."""
    flags = []
    cpus = row["cpus_per_node"]
    if cpus and ranks_per_node * threads > int(cpus):
        flags.append("oversubscribed: %d x %d on %d CPUs" % (ranks_per_node, threads, int(cpus)))
    # before the run the wait's own limit applies, during it the harness's
    before, during = row["busy_cores_before"], row["others_cores"]
    limit_before = MAX_OTHERS_CORES if idle_threshold is None else idle_threshold
    busy = [
        v
        for v, limit in ((before, limit_before), (during, MAX_OTHERS_CORES))
        if not math.isnan(v) and v > limit
    ]
    if busy:
        flags.append("busy: others used %.2f cores" % max(busy))
    if not math.isnan(row["core_slowdown"]) and row["core_slowdown"] > MAX_CORE_SLOWDOWN:
        flags.append("unequal cores: %.2fx" % row["core_slowdown"])
    return flags


def guess_kind(runs):
    kinds = {r["kind"] for r in runs if r["kind"] in ("strong", "weak")}
    if len(kinds) == 1:
        return kinds.pop()
    # Same network everywhere: strong; the network grows with the resources: weak.
    if len({r["group"] for r in runs}) == 1:
        return "strong"
    by_cores = {}
    for r in runs:
        by_cores.setdefault(r["N_scaling"], set()).add(r["cores"])
    if len(by_cores) > 1 and all(len(c) == 1 for c in by_cores.values()):
        return "weak"
    return "strong"


def _stats(values):
    values = [v for v in values if not math.isnan(v)]
    if not values:
        return float("nan"), float("nan"), float("nan")
    mean = sum(values) / len(values)
    var = sum((v - mean) ** 2 for v in values) / (len(values) - 1) if len(values) > 1 else 0.0
    return mean, math.sqrt(var), min(values)


def summarize(runs, kind, phase):
    """One row per point; speed-up and efficiency within each curve."""
    time_column = "total_s" if phase == "total" else "phase_%s_s" % phase
    curves = OrderedDict()
    for r in runs:
        # Weak scaling: one curve per (K_scaling, drive, t_sim); N grows along it.
        curve = (
            r["group"]
            if kind == "strong"
            else "K%g %s %gms" % (r["K_scaling"], r["bg_input_type"], r["t_sim_ms"])
        )
        point = (r["nodes"], r["ranks"], r["threads"], r["N_scaling"])
        curves.setdefault(curve, OrderedDict()).setdefault(point, []).append(r)
    summary = []
    warnings = []
    for curve, points in curves.items():
        rows = []
        for (nodes, ranks, threads, n_scaling), members in sorted(
            points.items(), key=lambda item: (item[0][1] * item[0][2], item[0][1], item[0][0])
        ):
            row = OrderedDict()
            row["kind"] = kind
            row["curve"] = curve
            row["label"] = members[0]["label"]
            row["nodes"] = nodes
            row["ranks"] = ranks
            row["threads"] = threads
            row["cores"] = ranks * threads
            row["N_scaling"] = n_scaling
            row["K_scaling"] = members[0]["K_scaling"]
            row["neurons"] = members[0]["neurons"]
            row["synapses"] = members[0]["synapses"]
            row["neurons_per_rank"] = members[0]["neurons"] / ranks
            row["repeats"] = len(members)
            spikes = sorted({m["spikes"] for m in members})
            row["spikes"] = spikes[0] if len(spikes) == 1 else "/".join(str(s) for s in spikes)
            for column in ["phase_%s_s" % p for p in PHASES] + [
                "total_s",
                "rtf",
                "peak_rss_max_mb",
                "peak_rss_mean_mb",
            ]:
                mean, std, low = _stats([m[column] for m in members])
                row[column + "_mean"] = mean
                row[column + "_std"] = std
                if column in (time_column, "rtf"):
                    row[column + "_min"] = low
            row["time_s"] = row[time_column + "_mean"]
            row["time_std_s"] = row[time_column + "_std"]
            row["cpus_per_node"] = members[0]["cpus_per_node"]
            kinds = OrderedDict()
            for m in members:
                for flag in filter(None, m["flags"].split("; ")):
                    kinds.setdefault(flag.split(":")[0], []).append(flag)
            row["flags"] = "; ".join(
                "%s (%d/%d runs)" % (v[0], len(v), len(members)) for v in kinds.values()
            )
            rows.append(row)
        base = rows[0]
        for row in rows:
            ratio = base["time_s"] / row["time_s"] if row["time_s"] > 0 else float("nan")
            core_ratio = row["cores"] / base["cores"]
            if kind == "strong":
                row["speedup"] = ratio
                row["efficiency"] = ratio / core_ratio
            else:
                row["efficiency"] = ratio
                row["speedup"] = ratio * core_ratio
            row["ideal_speedup"] = core_ratio
            # Relative error of the ratio of two means from the repetitions' spread.
            rel = 0.0
            for r in (base, row):
                if r["time_s"] > 0 and not math.isnan(r["time_std_s"]):
                    rel += (r["time_std_s"] / r["time_s"]) ** 2
            row["speedup_std"] = row["speedup"] * math.sqrt(rel)
            row["efficiency_std"] = row["efficiency"] * math.sqrt(rel)
        for row in rows:
            if row["flags"]:
                warnings.append(
                    "point %s (%s): %s; its times do not measure %s scaling"
                    % (row["label"], curve, row["flags"], kind)
                )
        if kind == "strong":
            counts = {row["spikes"] for row in rows}
            if len(counts) > 1:
                warnings.append(
                    "curve %s: spike counts differ between points (%s); the same "
                    "network should give the same spikes on any ranks x threads"
                    % (curve, ", ".join(str(c) for c in sorted(counts, key=str)))
                )
        summary.extend(rows)
    return summary, warnings


def plot(summary, runs, kind, phase, out, formats, title):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curves = OrderedDict()
    for row in summary:
        curves.setdefault(row["curve"], []).append(row)
    # One line per curve; where a curve has several decompositions of the same number of
    # cores (1x2 and 2x1), one line per number of threads per rank.
    lines = OrderedDict()
    for curve, rows in curves.items():
        cores = [r["cores"] for r in rows]
        if len(set(cores)) == len(cores):
            lines[curve] = rows
        else:
            for t in sorted({r["threads"] for r in rows}):
                lines["%s, %d thread(s)/rank" % (curve, t)] = [r for r in rows if r["threads"] == t]
    phase_name = "total (all phases)" if phase == "total" else phase
    prefix = (title + ": ") if title else ""
    written = []

    def save(fig, name):
        fig.tight_layout()
        for fmt in formats:
            path = os.path.join(out, "%s.%s" % (name, fmt))
            fig.savefig(path, dpi=120)
            written.append(path)
        plt.close(fig)

    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    flagged = [r for r in summary if r["flags"]]
    cpus = {r["cpus_per_node"] for r in summary}
    single_node = all(r["nodes"] == 1 for r in summary) and len(cpus) == 1 and "" not in cpus

    def mark_flagged(ax, key):
        """A red ring on every point that does not measure scaling."""
        points = [(r["cores"], r[key]) for r in flagged if not math.isnan(r[key])]
        if points:
            ax.plot(
                [p[0] for p in points],
                [p[1] for p in points],
                ls="",
                marker="o",
                ms=13,
                mfc="none",
                mec="red",
                mew=1.5,
                label="not a measurement: oversubscribed, busy or unequal cores",
            )
        if single_node:
            n = int(next(iter(cpus)))
            ax.axvline(n, color="red", ls=":", lw=1, label="CPUs of the node: %d" % n)

    def resource_axis(ax, rows_list):
        cores = sorted({r["cores"] for rows in rows_list for r in rows})
        ax.set_xscale("log", base=2)
        ax.set_xticks(cores)
        ax.set_xticklabels([str(c) for c in cores])
        ax.xaxis.set_minor_formatter(NullFormatter())
        if len(cores) == 1:
            ax.set_xlim(cores[0] / 1.5, cores[0] * 1.5)
        ax.set_xlabel("ranks x threads")
        ax.grid(True, which="major", alpha=0.3)

    def plain_log_y(ax, base=10):
        ax.set_yscale("log", base=base)
        ax.yaxis.set_major_locator(
            LogLocator(base=base, subs=(1.0, 2.0, 5.0) if base == 10 else (1.0,))
        )
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: "%g" % v))
        ax.yaxis.set_minor_formatter(NullFormatter())

    def curves_with_errors(ax, key, std_key):
        """One error-bar line per curve: `key` against cores, `std_key` as error."""
        for curve, rows in lines.items():
            ax.errorbar(
                [r["cores"] for r in rows],
                [r[key] for r in rows],
                yerr=[r[std_key] for r in rows],
                marker="o",
                capsize=3,
                label=curve,
            )

    def finish(ax, ylabel, title, key):
        mark_flagged(ax, key)
        ax.set_ylabel(ylabel)
        ax.set_title(prefix + title)
        resource_axis(ax, curves.values())
        ax.legend(fontsize="small")

    def draw_speedup(ax):
        curves_with_errors(ax, "speedup", "speedup_std")
        all_x = sorted({r["cores"] for rows in curves.values() for r in rows})
        base = min(all_x)
        ax.plot(all_x, [c / base for c in all_x], "k--", lw=1, label="ideal")
        plain_log_y(ax, 2)
        finish(
            ax,
            "scaled speed-up" if kind == "weak" else "speed-up (%s)" % phase_name,
            "scaled speed-up" if kind == "weak" else "speed-up",
            "speedup",
        )

    def draw_efficiency(ax):
        curves_with_errors(ax, "efficiency", "efficiency_std")
        ax.axhline(1.0, color="k", ls="--", lw=1, label="ideal")
        ax.set_ylim(bottom=0)
        finish(
            ax,
            "parallel efficiency (%s)" % phase_name,
            "%s-scaling efficiency" % kind,
            "efficiency",
        )

    def draw_rtf(ax):
        curves_with_errors(ax, "rtf_mean", "rtf_std")
        ax.axhline(1.0, color="k", ls=":", lw=1, label="real time")
        plain_log_y(ax)
        finish(ax, "real-time factor (wall / simulated)", "real-time factor", "rtf_mean")

    def draw_memory(ax):
        for curve, rows in lines.items():
            x = [r["cores"] for r in rows]
            line = ax.errorbar(
                x,
                [r["peak_rss_max_mb_mean"] for r in rows],
                yerr=[r["peak_rss_max_mb_std"] for r in rows],
                marker="o",
                capsize=3,
                label="%s, max over ranks" % curve,
            )
            ax.plot(
                x,
                [r["peak_rss_mean_mb_mean"] for r in rows],
                marker="s",
                ls=":",
                color=line[0].get_color(),
                label="%s, mean over ranks" % curve,
            )
        ax.set_ylim(bottom=0)
        mark_flagged(ax, "peak_rss_max_mb_mean")
        ax.set_ylabel("peak memory per rank (MB, RSS)")
        ax.set_title(prefix + "memory per rank")
        resource_axis(ax, curves.values())
        ax.legend(fontsize="small")

    def draw_phases(ax):
        rows = [r for rows in curves.values() for r in rows]
        labels = []
        for r in rows:
            text = "%dx%d" % (r["ranks"], r["threads"])
            if r["nodes"] > 1:
                text += "@%d" % r["nodes"]
            if len(curves) > 1:
                text += "\n" + r["curve"]
            elif kind == "weak":
                text += "\nN=%g" % r["N_scaling"]
            if r["flags"]:
                text += "\n(flagged)"
            labels.append(text)
        bottom = [0.0] * len(rows)
        positions = list(range(len(rows)))
        for p in PHASES:
            heights = [r["phase_%s_s_mean" % p] for r in rows]
            ax.bar(positions, heights, bottom=bottom, label=p)
            bottom = [b + h for b, h in zip(bottom, heights)]
        ax.set_xticks(positions)
        ax.set_xticklabels(labels, fontsize="small")
        for tick, r in zip(ax.get_xticklabels(), rows):
            if r["flags"]:
                tick.set_color("red")
        ax.set_xlabel("ranks x threads[@nodes]")
        ax.set_ylabel("wall time (s), mean over repetitions")
        ax.set_title(prefix + "phase breakdown")
        ax.legend(fontsize="small")
        ax.grid(True, axis="y", alpha=0.3)

    drawers = OrderedDict(
        [
            ("speedup", draw_speedup),
            ("efficiency", draw_efficiency),
            ("rtf", draw_rtf),
            ("phases", draw_phases),
            ("memory", draw_memory),
        ]
    )
    for name, draw in drawers.items():
        fig, ax = plt.subplots(figsize=(6.4, 4.6))
        draw(ax)
        save(fig, name)
    fig, axes = plt.subplots(2, 3, figsize=(17, 9.5))
    for ax, draw in zip(axes.flat, drawers.values()):
        draw(ax)
    table = axes.flat[5]
    table.axis("off")
    text = ["%s scaling, %d run(s); T = wall time of phase %s" % (kind, len(runs), phase)]
    for curve, rows in curves.items():
        text += [
            "",
            curve,
            "%-14s %9s %8s %6s %9s" % ("point", "T/s", "speed-up", "effic.", "MB/rank"),
        ]
        for row in rows:
            text.append(
                "%-14s %9.4f %8.2f %6.2f %9.1f%s"
                % (
                    row["label"],
                    row["time_s"],
                    row["speedup"],
                    row["efficiency"],
                    row["peak_rss_max_mb_mean"],
                    "  !" if row["flags"] else "",
                )
            )
    if flagged:
        text += ["", "! not a measurement of scaling:"]
        text += ["  %s: %s" % (r["label"], r["flags"]) for r in flagged]
    commits = sorted({r["git_commit"] for r in runs})
    text += ["", "git commit: " + ", ".join(commits)]
    table.text(0.0, 1.0, "\n".join(text[:45]), va="top", family="monospace", fontsize=8)
    save(fig, "overview")
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="scaling_study.py",
        description="Collect microcircuit_mpi report.json files into CSV tables and scaling "
        "plots (speed-up, efficiency, real-time factor, phases, memory per rank).",
        epilog="Example: tools/scaling_study.py runs/strong-20250101-120000 --out results",
    )
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="report.json files or directories searched recursively for them",
    )
    parser.add_argument(
        "--kind",
        choices=["auto", "strong", "weak"],
        default="auto",
        help="scaling kind (default: from job.json, else guessed)",
    )
    parser.add_argument("--out", default="scaling_results", help="output directory")
    parser.add_argument(
        "--phase",
        default="sim",
        choices=PHASES + ["total"],
        help="phase whose wall time defines speed-up and efficiency (default sim)",
    )
    parser.add_argument("--formats", default="png,svg", help="plot formats, comma-separated")
    parser.add_argument("--title", default="", help="title prefix of the plots")
    parser.add_argument("--no-plots", action="store_true", help="write the CSV files only")
    args = parser.parse_args(argv)

    try:
        reports = find_reports(args.paths)
        if not reports:
            raise StudyError("no report.json found under %s" % " ".join(args.paths))
        runs = [read_run(p) for p in reports]
    except StudyError as error:
        print("scaling_study.py: error: %s" % error, file=sys.stderr)
        return 1
    kind = guess_kind(runs) if args.kind == "auto" else args.kind
    for r in runs:
        r["kind"] = r["kind"] or kind
    runs.sort(
        key=lambda r: (r["group"], r["cores"], r["ranks"], r["nodes"], r["repeat"], r["path"])
    )
    summary, warnings = summarize(runs, kind, args.phase)
    os.makedirs(args.out, exist_ok=True)
    write_csv(os.path.join(args.out, "scaling_runs.csv"), runs)
    write_csv(os.path.join(args.out, "scaling_summary.csv"), summary)
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    written = (
        []
        if args.no_plots
        else plot(summary, runs, kind, args.phase, args.out, formats, args.title)
    )
    for w in warnings:
        print("scaling_study.py: warning: %s" % w, file=sys.stderr)
    print(
        "%s scaling: %d run(s), %d point(s) in %d curve(s)"
        % (kind, len(runs), len(summary), len({s["curve"] for s in summary}))
    )
    print(
        "%-14s %5s %7s %6s %10s %9s %9s %8s %10s"
        % (
            "point",
            "cores",
            "N",
            "reps",
            "T_%s/s" % args.phase,
            "speed-up",
            "effic.",
            "RTF",
            "MB/rank",
        )
    )
    for s in summary:
        print(
            "%-14s %5d %7g %6d %10.4f %9.2f %9.2f %8.3f %10.1f%s"
            % (
                s["label"],
                s["cores"],
                s["N_scaling"],
                s["repeats"],
                s["time_s"],
                s["speedup"],
                s["efficiency"],
                s["rtf_mean"],
                s["peak_rss_max_mb_mean"],
                "  ! " + s["flags"] if s["flags"] else "",
            )
        )
    flagged = [s for s in summary if s["flags"]]
    if flagged:
        print(
            "WARNING: %d of %d point(s) marked ! do not measure scaling (see the flags "
            "column of scaling_summary.csv)" % (len(flagged), len(summary))
        )
    unjudged = sum(1 for r in runs if r["cpus_per_node"] == "")
    if unjudged:
        print("note: %d run(s) without job.json: oversubscription and load unknown" % unjudged)
    print(
        "wrote %s, %s%s"
        % (
            os.path.join(args.out, "scaling_runs.csv"),
            os.path.join(args.out, "scaling_summary.csv"),
            (" and %d plot file(s)" % len(written)) if written else "",
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
