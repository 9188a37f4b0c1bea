"""What ``microcircuit-analysis plot`` draws for a run, and what its figures
say about it.

Every figure names the run (file, seed, scale, drive, stimuli). The
reference is drawn over the histograms only where a reference set matches
the run, and never over a stimulated run (the reference sets are of
unstimulated networks); where it is left out, the command and the figure say
why. Runs with a stimulus get the population rates (PSTH) with the stimulus
shaded, runs with a voltmeter the membrane potentials.
"""

import filecmp
import math
import os

import numpy as np

from . import plots
from . import readers
from . import recordings
from . import statistics as st

_DRIVES = {"poisson": "Poisson drive", "dc": "DC drive"}


def run_label(data):
    """``<directory>/<file>`` of the run, and its seed where known."""
    path = data.meta.get("path") or "?"
    parent = os.path.basename(os.path.dirname(path))
    label = f"{parent}/{os.path.basename(path)}" if parent else os.path.basename(path)
    seed = data.meta.get("seed")
    return f"{label} (seed {seed})" if seed is not None else label


def run_title(data, stimuli):
    """One line: the run, its scale, drive and stimuli."""
    m = data.meta
    n, k = m.get("N_scaling"), m.get("K_scaling")
    if n is None:
        scale = "scale unknown"
    elif k is None or math.isclose(n, k, rel_tol=1e-9):
        scale = f"scale {n:g}"
    else:
        scale = f"N_scaling {n:g}, K_scaling {k:g}"
    drive = m.get("drive")
    drive = _DRIVES.get(str(drive).lower(), f"drive {drive}") if drive else "drive unknown"
    return ", ".join([f"{run_label(data)}: {scale}", drive] + [s.label for s in stimuli])


def default_raster_interval(t_start, t_stop, stimuli, length=plots.DEFAULT_RASTER_MS):
    """The first ``length`` ms of the analysis window; around the first
    stimulus (from 50 ms before it) where the run has one."""
    if stimuli:
        s = stimuli[0]
        begin = max(0.0, s.start_ms - 50.0)
        return begin, begin + max(length, s.stop_ms - s.start_ms + 100.0)
    return t_start, min(t_stop, t_start + length)


def _same_content(a, b):
    try:
        return os.path.getsize(a) == os.path.getsize(b) and filecmp.cmp(a, b, shallow=False)
    except OSError:
        return False


def reference_distributions(
    ref_set,
    length_ms,
    n_sample=st.DEFAULT_N_SAMPLE,
    bin_ms=st.DEFAULT_BIN_MS,
    seed=st.DEFAULT_SEED,
    exclude_path=None,
):
    """The set's distributions pooled over its seeds, each seed analysed over
    the first ``length_ms`` of its window (at most all of it); a seed file
    with the run's own content is left out. Returns (dict pop -> stat ->
    array, seeds used, window length in ms)."""
    r0, r1 = ref_set.window
    stop = min(r1, r0 + length_ms)
    pooled, used = {}, 0
    for fn in ref_set.seed_files:
        if exclude_path and os.path.isfile(exclude_path) and _same_content(exclude_path, fn):
            continue
        used += 1
        stats = st.compute_statistics(
            readers.read_sonata(fn), r0, stop, n_sample=n_sample, bin_ms=bin_ms, seed=seed
        )
        for pop, ps in stats.items():
            for stat in st.STATISTICS:
                pooled.setdefault(pop, {}).setdefault(stat, []).append(ps.distribution(stat))
    return (
        {p: {s: np.concatenate(v) for s, v in d.items()} for p, d in pooled.items()},
        used,
        stop - r0,
    )


def reference_overlay(data, t_start, t_stop, stimuli, args, match_reference):
    """What to draw over the histograms: (distributions or None, seeds,
    label, rate step of the reference window in spikes/s, note)."""
    if args.no_reference:
        return None, 0, None, None, "no reference drawn (--no-reference)"
    if stimuli:
        return (
            None,
            0,
            None,
            None,
            (
                "no reference drawn: the run has a stimulus ("
                + "; ".join(s.label for s in stimuli)
                + "), the reference sets are unstimulated"
            ),
        )
    ref, reason, _ = match_reference(args, data)
    if ref is None:
        return None, 0, None, None, f"no reference drawn: {reason}"
    dists, seeds, length = reference_distributions(
        ref,
        t_stop - t_start,
        n_sample=args.n_sample,
        bin_ms=args.bin_ms,
        seed=args.seed,
        exclude_path=data.meta.get("path"),
    )
    if not seeds:
        return (
            None,
            0,
            None,
            None,
            (f"no reference drawn: every seed of {ref.name} " "is the run itself"),
        )
    label = f"reference {ref.name}"
    return (
        dists,
        seeds,
        label,
        1000.0 / length,
        (f"black line: {label}, mean count of {seeds} seeds over {length:g} ms of each"),
    )


def plot_run(data, t_start, t_stop, args, match_reference):
    """Every figure of the run; returns the paths written."""
    formats = [f.strip().lower() for f in args.formats.split(",") if f.strip()]
    out = args.output_dir
    config = recordings.run_config(data)
    stims = recordings.stimuli(config)
    title = run_title(data, stims)
    stats = st.compute_statistics(
        data, t_start, t_stop, n_sample=args.n_sample, bin_ms=args.bin_ms, seed=args.seed
    )
    dists, seeds, label, ref_step, note = reference_overlay(
        data, t_start, t_stop, stims, args, match_reference
    )
    print(note)

    r0, r1 = args.raster_interval or default_raster_interval(t_start, t_stop, stims)
    paths = plots.raster(
        data, r0, r1, out, formats, step=args.raster_step, title=title, stimuli=stims
    )
    paths += plots.rate_boxplot(stats, out, formats, title=title)
    steps = [1000.0 / (t_stop - t_start)] + ([ref_step] if dists else [])
    paths += plots.histograms(
        stats,
        out,
        reference=dists,
        formats=formats,
        reference_label=label,
        reference_seeds=seeds,
        rate_steps=steps,
        title=title,
        note=note,
    )

    v0, v1 = args.trace_interval or (t_start, t_stop)
    if stims or args.psth:
        zoom = None
        if stims and not args.trace_interval:
            zoom = (max(v0, stims[0].start_ms - 50.0), min(v1, stims[-1].stop_ms + 100.0))
            zoom = zoom if zoom[1] - zoom[0] >= 2 * args.psth_bin else None
        paths += plots.psth(
            data, v0, v1, args.psth_bin, out, formats, stimuli=stims, title=title, zoom=zoom
        )
    else:
        print("no population-rate plot: the run has no stimulus (--psth draws it anyway)")
    voltages = recordings.read_voltages(data)
    if voltages is not None:
        net = config.get("network") or {}
        v_th, v_reset = (recordings.config_number(net, key) for key in ("V_th", "V_reset"))
        paths += plots.voltage_traces(
            voltages, v0, v1, out, formats, stimuli=stims, title=title, v_th=v_th, v_reset=v_reset
        )
    return paths
