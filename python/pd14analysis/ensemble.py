"""Ensembles of network realisations (seeds): run, analyse, summarise, draw.

The workflow of the reference's own verification data (many seeds of one
configuration, each analysed alone, then compared among each other): the
distributions of rates, ISI CVs and correlations of every population, their
means over the seeds, and the KS distances among all pairs of seeds, which
measure how much two correct realisations of the model differ.

Layout of an ensemble directory::

    DIR/seed<S>/spikes.h5, report.json, run.log   (the run)
    DIR/seed<S>/stats.npz, stats.json             (its analysis)
    DIR/ensemble.json, DIR/figures/                (the summary)
"""

import argparse
import glob
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import time

import numpy as np

from . import POPULATIONS, LAYER_LABELS
from . import readers
from . import statistics as st
from .output import write_json
from .plots import save_figure

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def parse_seeds(text):
    """'1-5,8,10-11' -> [1, 2, 3, 4, 5, 8, 10, 11]."""
    seeds = []
    for part in str(text).split(","):
        part = part.strip()
        if not part:
            continue
        m = re.fullmatch(r"(\d+)\s*-\s*(\d+)", part)
        if m:
            a, b = int(m.group(1)), int(m.group(2))
            if b < a:
                raise ValueError(f"empty seed range {part}")
            seeds.extend(range(a, b + 1))
        elif re.fullmatch(r"\d+", part):
            seeds.append(int(part))
        else:
            raise ValueError(f"not a seed or range: {part!r}")
    if not seeds:
        raise ValueError("no seeds given")
    return list(dict.fromkeys(seeds))


def seed_dirs(ens_dir):
    """The seed<S> directories of an ensemble, by seed number."""
    found = []
    for d in glob.glob(os.path.join(ens_dir, "seed*")):
        m = re.fullmatch(r"seed(\d+)", os.path.basename(d))
        if m and os.path.isdir(d):
            found.append((int(m.group(1)), d))
    return [d for _, d in sorted(found)]


def _finished(run_dir):
    return os.path.isfile(os.path.join(run_dir, "spikes.h5")) and os.path.isfile(
        os.path.join(run_dir, "report.json")
    )


def _find_binary(given):
    for cand in (
        given,
        os.environ.get("MICROCIRCUIT_BIN"),
        shutil.which("microcircuit_mpi"),
        os.path.join(REPO, "build", "microcircuit_mpi"),
    ):
        if cand and os.path.isfile(cand) and os.access(cand, os.X_OK):
            return os.path.abspath(cand)
    raise ValueError(
        "microcircuit_mpi not found: give --bin, set MICROCIRCUIT_BIN or "
        "build it into <repo>/build"
    )


def run_command(binary, config, seed, run_dir, t_sim=None, sets=(), threads=None, ranks=1):
    """The command line of one seed's run into ``run_dir``."""
    cmd = []
    if ranks and ranks > 1:
        cmd += ["mpirun", "-n", str(ranks), "--bind-to", "none"]
    cmd += [binary]
    if config:
        cmd += ["--config", config]
    over = list(sets) + [
        f"simulation.rng_seed={seed}",
        f"simulation.data_path={os.path.abspath(run_dir)}",
        "simulation.print_time=false",
    ]
    if t_sim is not None:
        over.append(f"simulation.t_sim={t_sim:g}")
    if threads:
        over.append(f"simulation.local_num_threads={threads}")
    for s in over:
        cmd += ["--set", s]
    return cmd


def run_seed(binary, config, seed, run_dir, t_sim=None, sets=(), threads=None, ranks=1, log=print):
    """Simulate one seed unless ``run_dir`` holds a finished run; True if it ran."""
    if _finished(run_dir):
        log(f"seed {seed}: {run_dir} holds a finished run, skipped")
        return False
    os.makedirs(run_dir, exist_ok=True)
    for stale in ("spikes.h5", "report.json"):  # a half-written earlier attempt
        if os.path.exists(os.path.join(run_dir, stale)):
            os.remove(os.path.join(run_dir, stale))
    cmd = run_command(binary, config, seed, run_dir, t_sim, sets, threads, ranks)
    env = dict(os.environ)
    if os.geteuid() == 0:  # Open MPI refuses root without these
        env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    log(f"seed {seed}: " + " ".join(cmd))
    t0 = time.time()
    with open(os.path.join(run_dir, "run.log"), "w") as f:
        rc = subprocess.call(cmd, stdout=f, stderr=subprocess.STDOUT, env=env)
    if rc != 0 or not _finished(run_dir):
        raise RuntimeError(
            f"seed {seed}: the run failed (exit {rc}); see " f"{os.path.join(run_dir, 'run.log')}"
        )
    log(f"seed {seed}: done in {time.time() - t0:.1f} s")
    return True


# --------------------------------------------------------------------------
# analysis of one run


def _stats_name(length_ms):
    """stats, or stats_T<seconds>s for an analysis of the first length_ms."""
    return "stats" if length_ms is None else f"stats_T{length_ms / 1000.0:g}s"


def analyse_run(
    run_dir,
    n_sample=st.DEFAULT_N_SAMPLE,
    bin_ms=st.DEFAULT_BIN_MS,
    seed=st.DEFAULT_SEED,
    force=False,
    log=print,
    length_ms=None,
):
    """stats.npz and stats.json of one run (skipped when newer than spikes.h5);
    with ``length_ms`` only the first length_ms after the warm-up, into
    stats_T<s>s.npz/json (how the statistics depend on the run length)."""
    spikes = run_dir if run_dir.endswith(".h5") else os.path.join(run_dir, "spikes.h5")
    out_dir = os.path.dirname(os.path.abspath(spikes))
    name = _stats_name(length_ms)
    npz = os.path.join(out_dir, name + ".npz")
    if not force and os.path.isfile(npz) and os.path.getmtime(npz) >= os.path.getmtime(spikes):
        log(f"{npz}: up to date")
        return npz
    t0 = time.time()
    data = readers.read_sonata(spikes)
    t_start, t_stop, _ = data.default_window()
    if length_ms is not None:
        if t_start + length_ms > t_stop + 1e-6:
            raise ValueError(f"{spikes}: shorter than {length_ms:g} ms")
        t_stop = t_start + length_ms
    stats = st.compute_statistics(
        data, t_start, t_stop, n_sample=n_sample, bin_ms=bin_ms, seed=seed
    )
    arrays = {f"{p}_{s}": stats[p].distribution(s) for p in stats for s in st.STATISTICS}
    np.savez_compressed(npz, **arrays)
    m = data.meta
    write_json(
        {
            "path": os.path.abspath(spikes),
            "seed": m.get("seed"),
            "N_scaling": m.get("N_scaling"),
            "K_scaling": m.get("K_scaling"),
            "drive": m.get("drive"),
            "window_ms": [t_start, t_stop],
            "n_spikes": data.n_spikes,
            "settings": {"n_sample": n_sample, "bin_ms": bin_ms, "seed": seed},
            "populations": {p: s.summary() for p, s in stats.items()},
        },
        os.path.join(out_dir, name + ".json"),
    )
    log(f"{npz}: {data.n_spikes} spikes in {time.time() - t0:.1f} s")
    return npz


def load_run_stats(run_dir, length_ms=None):
    """(meta dict, {pop: {stat: array}}) of an analysed run."""
    name = _stats_name(length_ms)
    with open(os.path.join(run_dir, name + ".json")) as f:
        meta = json.load(f)
    arrays = np.load(os.path.join(run_dir, name + ".npz"))
    dists = {}
    for key in arrays.files:
        pop, stat = key.rsplit("_", 1)
        dists.setdefault(pop, {})[stat] = arrays[key]
    order = [p for p in POPULATIONS if p in dists] + [p for p in dists if p not in POPULATIONS]
    return meta, {p: dists[p] for p in order}


# --------------------------------------------------------------------------
# the ensemble


def summarize(runs):
    """Means over seeds and KS distances among pairs of seeds.

    ``runs``: list of (label, {pop: {stat: array}}). Returns a JSON-ready dict.
    """
    labels = [r[0] for r in runs]
    pops = list(runs[0][1])
    out = {"seeds": labels, "n_seeds": len(runs), "populations": {}}
    for pop in pops:
        entry = {}
        for stat in st.STATISTICS:
            dists = [r[1][pop][stat] for r in runs]
            means = [float(np.mean(d)) if len(d) else None for d in dists]
            valid = [m for m in means if m is not None]
            ks = [
                st.ks_distance(a, b)
                for a, b in itertools.combinations(dists, 2)
                if len(a) and len(b)
            ]
            entry[stat] = {
                "per_seed_mean": means,
                "mean": float(np.mean(valid)) if valid else None,
                "sd": float(np.std(valid, ddof=1)) if len(valid) > 1 else None,
                "n_per_seed": [int(len(d)) for d in dists],
                "ks_among_seeds": {
                    "values": ks,
                    "n_pairs": len(ks),
                    "mean": float(np.mean(ks)) if ks else None,
                    "sd": float(np.std(ks)) if ks else None,
                    "max": float(np.max(ks)) if ks else None,
                },
            }
        out["populations"][pop] = entry
    return out


def _label(pop):
    layer, kind = pop[:-1], pop[-1]
    return LAYER_LABELS.get(layer, layer) + kind if kind in "EI" else pop


def _common_bins(arrays, stat):
    vals = (
        np.concatenate([a for a in arrays if len(a)])
        if any(len(a) for a in arrays)
        else np.zeros(1)
    )
    # correlations: a narrow bulk and sparse tails; show the central 99.8 %
    lo, hi = np.percentile(vals, [0.1, 99.9]) if stat == "ccs" else (vals.min(), vals.max())
    if stat == "rates":
        lo = 0.0
    if hi <= lo:
        hi = lo + 1.0
    return np.linspace(lo, hi, 51)


def draw(runs, summary, out_dir, formats=("png", "svg"), title=""):
    """distributions_<stat> and ks_<stat> figures; returns the paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    pops = list(summary["populations"])
    nrows = (len(pops) + 1) // 2
    for stat in st.STATISTICS:
        fig, axes = plt.subplots(nrows, 2, figsize=(8, 1.9 * nrows + 0.7), squeeze=False)
        for ax, pop in zip(axes.ravel(), pops):
            dists = [r[1][pop][stat] for r in runs]
            bins = _common_bins(dists, stat)
            centers = 0.5 * (bins[1:] + bins[:-1])
            hists = np.array([np.histogram(d, bins=bins)[0] / max(len(d), 1) for d in dists])
            for h in hists:
                ax.plot(centers, h, "-", color="0.6", lw=0.8)
            mean, sd = hists.mean(axis=0), hists.std(axis=0)
            ax.fill_between(centers, mean - sd, mean + sd, color="C0", alpha=0.3, lw=0)
            ax.plot(centers, mean, "k--", lw=1.0)
            ks = summary["populations"][pop][stat]["ks_among_seeds"]
            text = _label(pop)
            if ks["mean"] is not None:
                text += f"\n$D_{{KS}}$ = {ks['mean']:.3f}"
            ax.text(0.97, 0.93, text, transform=ax.transAxes, ha="right", va="top", fontsize=8)
            if stat == "ccs":
                ax.set_yscale("log")
            ax.tick_params(labelsize=7)
        for ax in axes.ravel()[len(pops) :]:
            ax.set_visible(False)
        for ax in axes[-1]:
            ax.set_xlabel(st.STAT_LABELS[stat], fontsize=8)
        fig.suptitle(
            f"{title}{st.STAT_LABELS[stat]}: each seed (grey), ensemble mean "
            "(dashed) +- SD (shaded); relative counts",
            fontsize=9,
        )
        fig.tight_layout()
        paths += save_figure(fig, out_dir, f"distributions_{stat}", formats)

        fig, axes = plt.subplots(
            nrows, 2, figsize=(8, 1.9 * nrows + 0.7), squeeze=False, sharex=True
        )
        for ax, pop in zip(axes.ravel(), pops):
            ks = summary["populations"][pop][stat]["ks_among_seeds"]
            if ks["values"]:
                ax.hist(ks["values"], bins=max(5, min(20, len(ks["values"]))), color="0.6")
                ax.axvline(ks["mean"], color="r", ls="--", lw=1.0)
                for x in (ks["mean"] - ks["sd"], ks["mean"] + ks["sd"]):
                    ax.axvline(x, color="b", ls="--", lw=0.8)
                ax.text(
                    0.97,
                    0.93,
                    f"{_label(pop)}\nmean {ks['mean']:.3f}\n" f"SD {ks['sd']:.3f}",
                    transform=ax.transAxes,
                    ha="right",
                    va="top",
                    fontsize=8,
                )
            ax.tick_params(labelsize=7)
        for ax in axes[:, 0]:
            ax.set_ylabel("pairs", fontsize=8)
        for ax in axes.ravel()[len(pops) :]:
            ax.set_visible(False)
        for ax in axes[-1]:
            ax.set_xlabel(f"KS distance between two seeds ({st.STAT_LABELS[stat]})", fontsize=8)
        fig.suptitle(
            f"{title}pairwise KS distances among {summary['n_seeds']} seeds: "
            "mean (red), mean +- SD (blue)",
            fontsize=9,
        )
        fig.tight_layout()
        paths += save_figure(fig, out_dir, f"ks_{stat}", formats)
    return paths


def summarize_dir(
    ens_dir,
    fig_dir=None,
    formats=("png", "svg"),
    json_path=None,
    title="",
    log=print,
    length_ms=None,
):
    runs = []
    meta0 = None
    name = _stats_name(length_ms)
    for d in seed_dirs(ens_dir):
        if not os.path.isfile(os.path.join(d, name + ".npz")):
            log(f"{d}: not analysed, left out")
            continue
        meta, dists = load_run_stats(d, length_ms)
        meta0 = meta0 or meta
        runs.append((os.path.basename(d), dists))
    if len(runs) < 2:
        raise ValueError(f"{ens_dir}: fewer than two analysed seeds")
    summary = summarize(runs)
    summary.update(
        window_ms=meta0.get("window_ms"),
        N_scaling=meta0.get("N_scaling"),
        K_scaling=meta0.get("K_scaling"),
        drive=meta0.get("drive"),
        settings=meta0.get("settings"),
    )
    json_path = json_path or os.path.join(
        ens_dir, "ensemble.json" if length_ms is None else f"ensemble_{name[6:]}.json"
    )
    write_json(summary, json_path)
    log(f"wrote {json_path}")
    paths = draw(
        runs,
        summary,
        fig_dir or os.path.join(ens_dir, "figures" if length_ms is None else f"figures_{name[6:]}"),
        formats,
        title,
    )
    for p in paths:
        log(f"wrote {p}")
    log(format_summary(summary))
    return summary


def format_summary(summary):
    lines = [
        f"{summary['n_seeds']} seeds. Per population and statistic: mean over seeds "
        "(SD over seeds) and the KS distances among pairs of seeds: mean / SD / max"
    ]
    hdr = f"{'pop':<6}{'stat':<6}{'mean (SD) over seeds':>26}{'KS mean / SD / max':>24}"
    lines += [hdr, "-" * len(hdr)]
    for pop, e in summary["populations"].items():
        for s in st.STATISTICS:
            x, k = e[s], e[s]["ks_among_seeds"]
            m = "-" if x["mean"] is None else f"{x['mean']:.5g} ({(x['sd'] or 0):.2g})"
            d = "-" if k["mean"] is None else f"{k['mean']:.4f} / {k['sd']:.4f} / {k['max']:.4f}"
            lines.append(f"{pop:<6}{s:<6}{m:>26}  {d:>22}")
    return "\n".join(lines)


# --------------------------------------------------------------------------
# command line


def build_parser():
    p = argparse.ArgumentParser(
        prog="ensemble.py",
        description="Run N seeds x T seconds of microcircuit_mpi one after the other, "
        "analyse each run and summarise the ensemble (distributions across "
        "seeds, KS distances among seeds). See docs/analysis.md.",
    )
    sub = p.add_subparsers(dest="command", metavar="{run,analyse,summarize,all}")
    sub.required = True

    def run_options(q):
        q.add_argument("--out", required=True, help="ensemble directory (seed<S>/ in it)")
        q.add_argument("--seeds", required=True, help="e.g. 1-5 or 1,3,7")
        q.add_argument(
            "--config",
            default=os.path.join(REPO, "configs", "default.yaml"),
            help="configuration file (default: configs/default.yaml)",
        )
        q.add_argument(
            "--t-sim",
            type=float,
            metavar="MS",
            help="simulated time after the warm-up (default: the config's)",
        )
        q.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="section.key=V",
            help="further override, repeatable",
        )
        q.add_argument("--threads", type=int, help="threads per rank (default: the config's)")
        q.add_argument("--ranks", type=int, default=1, help="MPI ranks (mpirun; default 1)")
        q.add_argument(
            "--bin", help="microcircuit_mpi (default: $MICROCIRCUIT_BIN, PATH, " "<repo>/build)"
        )
        q.add_argument(
            "--no-analyse", action="store_true", help="only simulate; analyse later with `analyse`"
        )

    def summary_options(q):
        q.add_argument(
            "-o", "--figures", metavar="DIR", help="figure directory (default: <ensemble>/figures)"
        )
        q.add_argument("--formats", default="png,svg")
        q.add_argument("--json", metavar="FILE", help="default: <ensemble>/ensemble.json")
        q.add_argument("--title", default="", help="prefix of the figure titles")

    q = sub.add_parser("run", help="simulate and analyse the seeds, one after the other")
    run_options(q)
    q = sub.add_parser("analyse", help="stats.npz/stats.json of runs")
    q.add_argument("dirs", nargs="+", help="seed directories, spikes.h5 files or ensembles")
    q.add_argument("--force", action="store_true", help="analyse again")
    q.add_argument(
        "--length",
        type=float,
        metavar="MS",
        help="analyse only the first MS after the warm-up (into "
        "stats_T<s>s.npz), to see how the statistics depend on the run length",
    )
    q = sub.add_parser("summarize", help="ensemble.json and figures")
    q.add_argument("dir", help="the ensemble directory")
    q.add_argument(
        "--length",
        type=float,
        metavar="MS",
        help="summarise the analyses of `analyse --length MS` (into "
        "ensemble_T<s>s.json, figures_T<s>s/)",
    )
    summary_options(q)
    q = sub.add_parser("all", help="run, then summarize")
    run_options(q)
    summary_options(q)
    return p


def main(argv=None):
    args = build_parser().parse_args(argv)
    log = lambda msg: print(msg, flush=True)  # noqa: E731
    try:
        if args.command in ("run", "all"):
            binary = _find_binary(args.bin)
            config = os.path.abspath(args.config) if args.config else None
            for seed in parse_seeds(args.seeds):
                run_dir = os.path.join(args.out, f"seed{seed}")
                run_seed(
                    binary,
                    config,
                    seed,
                    run_dir,
                    args.t_sim,
                    args.set,
                    args.threads,
                    args.ranks,
                    log,
                )
                if not args.no_analyse:
                    analyse_run(run_dir, log=log)
            if args.command == "all":
                summarize_dir(
                    args.out, args.figures, args.formats.split(","), args.json, args.title, log
                )
        elif args.command == "analyse":
            for d in args.dirs:
                targets = (
                    seed_dirs(d)
                    if os.path.isdir(d) and not os.path.isfile(os.path.join(d, "spikes.h5"))
                    else [d]
                )
                for t in targets:
                    analyse_run(t, force=args.force, log=log, length_ms=args.length)
        else:
            summarize_dir(
                args.dir,
                args.figures,
                args.formats.split(","),
                args.json,
                args.title,
                log,
                args.length,
            )
    except (ValueError, OSError, RuntimeError) as e:
        print(f"ensemble.py {args.command}: error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
