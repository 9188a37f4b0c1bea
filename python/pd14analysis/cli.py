"""The ``microcircuit-analysis`` command line: stats, plot, verify.

Exit status: 0 success / verification passed, 1 verification failed,
2 usage or input error, 3 no matching reference set (not verified).
"""

import argparse
import math
import sys

import numpy as np

from . import __version__
from . import readers
from .output import write_json
from . import statistics as st

EXIT_OK, EXIT_FAIL, EXIT_ERROR, EXIT_NO_REFERENCE = 0, 1, 2, 3


def _common_parser():
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("input")
    g.add_argument(
        "spikes",
        help="SONATA spike file (spikes.h5), a data directory "
        "holding spikes.h5, or a directory of the PyNEST reference's "
        "spike_recorder-*.dat files",
    )
    g.add_argument(
        "--format",
        choices=("auto", "sonata", "nest-text"),
        default="auto",
        help="input format (default: detected)",
    )
    g.add_argument(
        "--nodes",
        metavar="FILE",
        help="population id ranges for text input: population_nodeids.dat "
        "or nodes.json (default: found beside the .dat files)",
    )
    g = p.add_argument_group("run parameters (override the file's metadata)")
    g.add_argument(
        "--t-start",
        type=float,
        metavar="MS",
        help="start of the analysis window (default: end of the warm-up, t_presim)",
    )
    g.add_argument(
        "--t-stop",
        type=float,
        metavar="MS",
        help="end of the analysis window, exclusive (default: t_presim + t_sim)",
    )
    g.add_argument("--scale", type=float, help="N_scaling = K_scaling of the run")
    g.add_argument("--drive", choices=("poisson", "dc"), help="background drive of the run")
    g = p.add_argument_group("statistics")
    g.add_argument(
        "--n-sample",
        type=int,
        default=st.DEFAULT_N_SAMPLE,
        metavar="N",
        help="neurons per population sampled for correlations (default %(default)s)",
    )
    g.add_argument(
        "--bin-ms",
        type=float,
        default=st.DEFAULT_BIN_MS,
        metavar="MS",
        help="bin width of the spike counts for correlations (default %(default)s)",
    )
    g.add_argument(
        "--seed",
        type=int,
        default=st.DEFAULT_SEED,
        help="seed of the correlation subsample (default %(default)s, "
        "as the reference's summary.json)",
    )
    return p


def build_parser():
    common = _common_parser()
    parser = argparse.ArgumentParser(
        prog="microcircuit-analysis",
        description="Spike statistics, plots and verification against the reference "
        "simulator for PD14 microcircuit runs (SONATA or PyNEST text output).",
        epilog="Exit status: 0 ok/passed, 1 verification failed, 2 error, "
        "3 no matching reference set. Documentation: docs/analysis.md",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="{stats,plot,verify}")
    sub.required = True

    p = sub.add_parser(
        "stats",
        parents=[common],
        help="per-population statistics",
        description="Per-population firing rates (silent neurons "
        "included), ISI CVs (neurons with >= 3 spikes) and spike-count "
        "correlations over the analysis window.",
    )
    p.add_argument("--json", metavar="FILE", help="write the summary as JSON ('-': stdout)")
    p.add_argument(
        "--npz", metavar="FILE", help="write the per-neuron / per-pair distributions as .npz"
    )

    p = sub.add_parser(
        "plot",
        parents=[common],
        help="raster, box, histogram, PSTH and " "voltage plots",
        description="Raster plot, box plot of per-neuron rates, "
        "histograms of rates, CVs and correlations (with the matching "
        "reference distributions drawn over them), and, where the run "
        "has them, population rates around its stimulus and the "
        "recorded membrane potentials, as PNG and SVG.",
    )
    p.add_argument(
        "-o",
        "--output-dir",
        default="analysis_plots",
        help="directory for the figures (default: ./%(default)s)",
    )
    p.add_argument("--formats", default="png,svg", help="comma-separated (default %(default)s)")
    p.add_argument(
        "--raster-interval",
        nargs=2,
        type=float,
        metavar=("BEGIN", "END"),
        help="time interval of the raster plot in ms (default: the first "
        "200 ms of the analysis window)",
    )
    p.add_argument(
        "--raster-step",
        type=int,
        metavar="K",
        help="plot every K-th neuron (default: 10 * N_scaling, at least 1)",
    )
    p.add_argument(
        "--reference-dir",
        metavar="DIR",
        help="reference data (default: $PD14_REFERENCE_DIR, else the "
        "repository's data/reference)",
    )
    p.add_argument(
        "--no-reference", action="store_true", help="do not draw reference distributions"
    )
    p.add_argument(
        "--psth",
        action="store_true",
        help="draw the population rates also for a run without a stimulus",
    )
    p.add_argument(
        "--psth-bin",
        type=float,
        default=st.DEFAULT_PSTH_BIN_MS,
        metavar="MS",
        help="bin of the population rates (default %(default)s ms)",
    )
    p.add_argument(
        "--trace-interval",
        nargs=2,
        type=float,
        metavar=("BEGIN", "END"),
        help="time interval of the population rates and membrane potentials "
        "in ms (default: the analysis window)",
    )

    p = sub.add_parser(
        "verify",
        parents=[common],
        help="verdict against the reference seeds",
        description="Judge a run, or an ensemble of runs of one "
        "configuration, against the reference seeds of the same scale, "
        "drive and stimulus: for every population and statistic (rates, "
        "ISI CVs, correlations) the KS distance to the seeds and the "
        "population mean, each against the seeds' own seed-to-seed "
        "variation, all tests together at a family-wise level alpha "
        "(Bonferroni-Holm for one run, a permutation test between the "
        "ensembles for several). Runs with the thalamic pulse or the DC "
        "transient are judged by their evoked responses. See "
        "docs/analysis.md.",
    )
    p.add_argument(
        "more",
        nargs="*",
        metavar="SPIKES",
        help="further runs of the same configuration (other seeds): judged "
        "together as an ensemble",
    )
    p.add_argument(
        "--reference-dir",
        metavar="DIR",
        help="reference root, its network/ directory or one set directory "
        "(default: $PD14_REFERENCE_DIR, else the repository's data/reference)",
    )
    p.add_argument("--json", metavar="FILE", help="write the result as JSON ('-': stdout)")
    p.add_argument(
        "--alpha",
        type=float,
        default=0.05,
        help="family-wise level: the chance that a run of the reference "
        "simulator itself fails (default %(default)s)",
    )
    p.add_argument(
        "--exclude-seed",
        type=int,
        action="append",
        default=[],
        metavar="N",
        help="leave reference seed N out of the comparison (repeatable); a run "
        "that is itself a reference seed file is left out automatically",
    )
    return parser


# --------------------------------------------------------------------------


def _load(args):
    overrides = {}
    if args.scale is not None:
        overrides["N_scaling"] = overrides["K_scaling"] = args.scale
    if args.drive is not None:
        overrides["drive"] = args.drive
    data = readers.read_spikes(
        args.spikes, fmt=args.format, nodes_file=args.nodes, overrides=overrides
    )
    t_start, t_stop, source = data.default_window()
    if args.t_start is not None or args.t_stop is not None:
        source = (
            "command line"
            if (args.t_start is not None and args.t_stop is not None)
            else f"command line + {source}"
        )
    t_start = args.t_start if args.t_start is not None else t_start
    t_stop = args.t_stop if args.t_stop is not None else t_stop
    if not t_stop > t_start:
        raise ValueError(f"empty analysis window [{t_start:g}, {t_stop:g}) ms")
    return data, t_start, t_stop, source


def _describe_run(data, t_start, t_stop, source):
    m = data.meta
    n, k = m.get("N_scaling"), m.get("K_scaling")
    if n is None:
        scale = "scale unknown"
    elif k is not None and math.isclose(n, k, rel_tol=1e-9):
        scale = f"scale {n:g}"
    else:
        scale = f"N_scaling {n:g}, K_scaling {k}"
    return (
        f"{m.get('path')} ({m.get('format')}): {len(data.populations)} populations, "
        f"{data.n_spikes} spikes\nwindow [{t_start:g}, {t_stop:g}) ms ({source}); "
        f"{scale}; drive {m.get('drive') or 'unknown'}"
    )


def cmd_stats(args):
    data, t_start, t_stop, source = _load(args)
    stats = st.compute_statistics(
        data, t_start, t_stop, n_sample=args.n_sample, bin_ms=args.bin_ms, seed=args.seed
    )
    summaries = {p: s.summary() for p, s in stats.items()}
    if args.json != "-":
        print(_describe_run(data, t_start, t_stop, source))
        hdr = (
            f"{'pop':<6}{'neurons':>8}{'spikes':>10}{'rate':>9}{'sd':>8}{'silent':>8}"
            f"{'n_cv':>7}{'CV':>7}{'pairs':>7}{'CC':>10}"
        )
        print(hdr)
        print("-" * len(hdr))

        def f(x, spec):
            return "-" if x is None else format(x, spec)

        for p, s in summaries.items():
            print(
                f"{p:<6}{s['n_neurons']:>8}{s['n_spikes']:>10}"
                f"{f(s['mean_rate_Hz'], '.3f'):>9}{f(s['sd_rate_Hz'], '.3f'):>8}"
                f"{f(s['silent_fraction'], '.3f'):>8}{s['n_cv']:>7}"
                f"{f(s['mean_cv'], '.3f'):>7}{s['n_pairs']:>7}{f(s['mean_cc'], '.5f'):>10}"
            )
        print(
            "rate: mean/SD over neurons (spikes/s); silent: fraction without spikes; "
            "CV: mean ISI CV (>= 3 spikes); CC: mean correlation of "
            f"{args.bin_ms:g} ms counts"
        )
    if args.json:
        m = data.meta
        write_json(
            {
                "tool": "microcircuit-analysis stats",
                "version": __version__,
                "input": {
                    "path": m.get("path"),
                    "format": m.get("format"),
                    "n_spikes": data.n_spikes,
                },
                "window_ms": [t_start, t_stop],
                "window_source": source,
                "N_scaling": m.get("N_scaling"),
                "K_scaling": m.get("K_scaling"),
                "drive": m.get("drive"),
                "seed": m.get("seed"),
                "settings": {
                    "n_sample": args.n_sample,
                    "bin_ms": args.bin_ms,
                    "seed": args.seed,
                    "min_spikes_cv": st.MIN_SPIKES_CV,
                },
                "populations": summaries,
            },
            args.json,
        )
    if args.npz:
        arrays = {}
        for p, s in stats.items():
            for stat in st.STATISTICS:
                arrays[f"{p}_{stat}"] = s.distribution(stat)
        np.savez_compressed(args.npz, **arrays)
    return EXIT_OK


def _matching_reference(args, data):
    from . import verification as vf

    ref_dir = args.reference_dir or vf.default_reference_dir()
    sets = vf.list_reference_sets(ref_dir) if ref_dir else []
    m = data.meta
    ref, reason = vf.select_reference_set(
        sets, m.get("N_scaling"), m.get("K_scaling"), m.get("drive")
    )
    return ref, reason, sets


def cmd_plot(args):
    from . import figures

    data, t_start, t_stop, source = _load(args)
    print(_describe_run(data, t_start, t_stop, source))
    if not args.psth_bin > 0:
        raise ValueError("--psth-bin must be > 0")
    for p in figures.plot_run(data, t_start, t_stop, args, _matching_reference):
        print("wrote", p)
    return EXIT_OK


def _load_more(args, first):
    """The further runs of an ensemble, read like the first; they must share
    its scale, drive, stimulus and analysis window."""
    runs = []
    for path in args.more:
        sub = argparse.Namespace(**vars(args))
        sub.spikes = path
        data, t0, t1, _ = _load(sub)
        for key in ("N_scaling", "K_scaling", "drive", "thalamic_input", "dc_transient"):
            if data.meta.get(key) != first[0].meta.get(key):
                raise ValueError(
                    f"{path}: {key} {data.meta.get(key)} differs from "
                    f"{first[0].meta.get(key)} of {args.spikes}"
                )
        if abs(t0 - first[1]) > 1e-6 or abs(t1 - first[2]) > 1e-6:
            raise ValueError(
                f"{path}: window [{t0:g}, {t1:g}) ms differs from "
                f"[{first[1]:g}, {first[2]:g}) ms of {args.spikes}"
            )
        runs.append(data)
    return runs


def cmd_verify(args):
    from . import verification as vf

    data, t_start, t_stop, source = _load(args)
    runs = [data] + _load_more(args, (data, t_start, t_stop))
    if not 0 < args.alpha < 1:
        raise ValueError("--alpha must lie in (0, 1)")
    m = data.meta
    ref_dir = args.reference_dir or vf.default_reference_dir()
    sets = vf.list_reference_sets(ref_dir) if ref_dir else []
    stimulus = vf.stimulus_kind(m.get("thalamic_input"), m.get("dc_transient"))
    if stimulus != "none":
        from . import evoked

        ref, reason = vf.select_reference_set(
            sets,
            m.get("N_scaling"),
            m.get("K_scaling"),
            m.get("drive"),
            stimulus,
            require_equal_scaling=False,
        )
        if ref is None:
            result = vf.no_reference_result(data, t_start, t_stop, reason, sets)
            code = EXIT_NO_REFERENCE
        else:
            result = evoked.verify_evoked(
                runs, ref, alpha=args.alpha, exclude_seeds=args.exclude_seed
            )
            code = {"pass": EXIT_OK, "no_reference": EXIT_NO_REFERENCE}.get(
                result["verdict"], EXIT_FAIL
            )
        if args.json != "-":
            print(evoked.format_table(result) if ref is not None else vf.format_table(result))
        if args.json:
            write_json(result, args.json)
        return code
    ref, reason = vf.select_reference_set(
        sets, m.get("N_scaling"), m.get("K_scaling"), m.get("drive")
    )
    if ref is None:
        result = vf.no_reference_result(data, t_start, t_stop, reason, sets)
        code = EXIT_NO_REFERENCE
    else:
        result = vf.verify(
            runs,
            ref,
            t_start,
            t_stop,
            alpha=args.alpha,
            n_sample=args.n_sample,
            bin_ms=args.bin_ms,
            seed=args.seed,
            exclude_seeds=args.exclude_seed,
        )
        code = EXIT_OK if result["verdict"] == "pass" else EXIT_FAIL
    result["candidate"]["window_source"] = source
    if args.json != "-":
        print(vf.format_table(result))
    if args.json:
        write_json(result, args.json)
    return code


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = {"stats": cmd_stats, "plot": cmd_plot, "verify": cmd_verify}[args.command]
    try:
        return handler(args)
    except (ValueError, OSError, KeyError) as e:
        print(f"microcircuit-analysis {args.command}: error: {e}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
