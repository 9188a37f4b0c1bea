"""Figures: raster plot, box plot of rates, histograms with the reference.

All functions write each figure in every requested format (PNG, SVG) and
return the paths written. Matplotlib runs with the Agg backend.
"""

import os
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from . import LAYER_LABELS  # noqa: E402
from .statistics import STATISTICS, STAT_LABELS  # noqa: E402

COLOR_E = "#595289"
COLOR_I = "#af143c"
COLOR_REF = "#222222"
COLOR_STIM = ("#f2a33a", "#3aa8f2")
DEFAULT_FORMATS = ("png", "svg")
DEFAULT_RASTER_MS = 200.0


def _color(pop):
    return COLOR_I if pop.endswith("I") else COLOR_E


def _label(pop):
    layer, kind = pop[:-1], pop[-1]
    return LAYER_LABELS.get(layer, layer) + kind if kind in "EI" else pop


def _wrap(lines, width=100):
    return [part for line in lines for part in textwrap.wrap(line, width)]


def save_figure(fig, out_dir, name, formats):
    """Writes `fig` as out_dir/name.<format> for each format; returns the paths."""
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for fmt in formats:
        path = os.path.join(out_dir, f"{name}.{fmt}")
        fig.savefig(path, dpi=150 if fmt == "png" else None, bbox_inches="tight")
        paths.append(path)
    plt.close(fig)
    return paths


def default_raster_step(data):
    """Plot every k-th neuron: k = 10 * N_scaling (at least 1), i.e. about a
    tenth of the neurons at full scale and all of them at scale 0.1."""
    scale = data.meta.get("N_scaling")
    if scale is None:
        from . import N_FULL

        scale = sum(data.n_neurons.values()) / float(sum(N_FULL))
    return max(1, int(10.0 * scale + 1e-9))


def _shade(ax, stimuli, t_begin, t_end, label=True):
    """Shade the stimuli's windows that reach into [t_begin, t_end)."""
    for k, stim in enumerate(stimuli or ()):
        if stim.stop_ms > t_begin and stim.start_ms < t_end:
            ax.axvspan(
                stim.start_ms,
                stim.stop_ms,
                color=COLOR_STIM[k % len(COLOR_STIM)],
                alpha=0.25,
                lw=0,
                zorder=0,
                label=stim.label if label else None,
            )


def raster(
    data,
    t_begin,
    t_end,
    out_dir,
    formats=DEFAULT_FORMATS,
    step=None,
    name="raster",
    title=None,
    stimuli=(),
):
    """Raster plot of [t_begin, t_end): every ``step``-th neuron of each
    population, populations stacked with L2/3E at the top, stimuli shaded."""
    step = default_raster_step(data) if step is None else max(1, int(step))
    fig, ax = plt.subplots(figsize=(8, 6.4))
    y_top = 0.0
    layer_pos = {}
    for pop in data.populations:
        n_shown = (data.n_neurons[pop] + step - 1) // step
        ids, ts = data.node_ids[pop], data.times[pop]
        m = (ts >= t_begin) & (ts < t_end) & (ids % step == 0)
        y = y_top - ids[m] // step
        ax.plot(ts[m], y, ".", ms=1.5, color=_color(pop), rasterized=True)
        layer_pos.setdefault(pop[:-1], []).extend([y_top, y_top - n_shown])
        y_top -= n_shown
        ax.axhline(y_top + 0.5, color="0.8", lw=0.5, zorder=0)
    ticks = [(np.mean([max(v), min(v)]), LAYER_LABELS.get(k, k)) for k, v in layer_pos.items()]
    ax.set_yticks([t for t, _ in ticks])
    ax.set_yticklabels([lab for _, lab in ticks])
    ax.set_xlim(t_begin, t_end)
    ax.set_ylim(y_top, 1)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("layer (each layer: E above I)")
    _shade(ax, stimuli, t_begin, t_end)
    handles = [
        plt.Line2D([], [], ls="", marker="o", ms=5, color=COLOR_E, label="excitatory (E)"),
        plt.Line2D([], [], ls="", marker="o", ms=5, color=COLOR_I, label="inhibitory (I)"),
    ]
    handles += [h for h in ax.get_legend_handles_labels()[0] if not isinstance(h, plt.Line2D)]
    ax.legend(
        handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False
    )
    shown = "every neuron" if step == 1 else f"every {step}th neuron"
    window = f"{t_begin:g}-{t_end:g} ms, {shown}"
    ax.set_title("\n".join(_wrap([title, window] if title else [f"spikes, {window}"])), fontsize=9)
    return save_figure(fig, out_dir, name, formats)


def rate_boxplot(stats, out_dir, formats=DEFAULT_FORMATS, name="box_rates", title=None):
    """Box plot of per-neuron rates per population, L2/3E at the top."""
    pops = list(stats)
    fig, ax = plt.subplots(figsize=(6, 5))
    data = [stats[p].rates for p in reversed(pops)]
    bp = ax.boxplot(
        data,
        vert=False,
        showmeans=True,
        whis=[5, 95],
        showfliers=False,
        meanprops={"marker": "x", "markeredgecolor": "k"},
        medianprops={"color": "k"},
        patch_artist=True,
    )
    for patch, pop in zip(bp["boxes"], reversed(pops)):
        patch.set_facecolor(_color(pop))
        patch.set_alpha(0.8)
    ax.set_yticks(np.arange(1, len(pops) + 1))
    ax.set_yticklabels([_label(p) for p in reversed(pops)])
    ax.set_xlabel("firing rate (spikes/s)")
    head = "per-neuron rates (box: quartiles, whiskers: 5-95 %, x: mean)"
    ax.set_title("\n".join(_wrap([head] + ([title] if title else []), 80)), fontsize=9)
    return save_figure(fig, out_dir, name, formats)


MAX_BINS = 60
Y_LABELS = {"rates": "neurons", "cvs": "neurons (>= 3 spikes)", "ccs": "neuron pairs"}
UNITS = {"rates": "neurons", "cvs": "neurons", "ccs": "pairs"}


def _top(arrays):
    return max((float(np.max(a)) for a in arrays if a is not None and len(a)), default=0.0)


def rate_bin_width(arrays, steps):
    """Width of the rate bins: a multiple of the coarsest rate step (1/T of
    the shortest window, spikes/s) that spans the largest rate in at most
    MAX_BINS bins."""
    m = max(1, int(np.ceil((_top(arrays) + min(steps)) / (MAX_BINS * max(steps)))))
    return m * max(steps)


def rate_bins(arrays, steps, width=None):
    """Bin edges for firing rates that are counts / window: a neuron's rate is
    a multiple of its window's step 1/T (``steps``, spikes/s; one per array,
    e.g. the run's and the reference's). Each bin holds the same number of
    possible rates -- a multiple of the coarsest step wide, edges half the
    finest step below the multiples -- so that no bin is empty by
    construction (a comb). Every value lies in a bin."""
    fine = min(steps)
    width = rate_bin_width(arrays, steps) if width is None else width
    n = int(np.floor((_top(arrays) + 0.5 * fine) / width)) + 1
    return np.arange(n + 1) * width - 0.5 * fine


def value_bins(arrays, n_bins=None):
    """Equal bins from the smallest to the largest value: every value lies
    in a bin, outliers included. Without ``n_bins``: the square root of the
    run's (first array's) count, 10 to MAX_BINS."""
    vals = [a for a in arrays if len(a)]
    if not vals:
        return np.linspace(0.0, 1.0, 21)
    if n_bins is None:
        n_bins = int(min(MAX_BINS, max(10, np.ceil(np.sqrt(len(arrays[0]))))))
    lo = min(float(np.min(a)) for a in vals)
    hi = max(float(np.max(a)) for a in vals)
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    return np.linspace(lo, hi, n_bins + 1)


def histograms(
    stats,
    out_dir,
    reference=None,
    formats=DEFAULT_FORMATS,
    reference_label="reference",
    reference_seeds=1,
    rate_steps=None,
    title=None,
    note=None,
):
    """One figure per statistic with a panel per population, y = how many
    neurons (pairs) fall into each bin; every value is drawn.

    ``reference``: optional dict pop -> stat -> array pooled over
    ``reference_seeds`` seeds, drawn as the mean count per seed (a line).
    ``rate_steps``: the rate quanta 1/T (spikes/s) of the run and of the
    reference, for bins that respect the discreteness of rates.
    ``title``, ``note``: the run and a line about the reference, in the
    figure's title.
    """
    paths = []
    pops = list(stats)
    ncols = 2
    nrows = (len(pops) + 1) // 2
    for stat in STATISTICS:
        fig, axes = plt.subplots(nrows, ncols, figsize=(8, 2.0 * nrows + 1.0), squeeze=False)
        subtitle = []
        if stat == "rates" and rate_steps:
            # one width for all panels, so that the panels compare
            every = [stats[p].distribution(stat) for p in pops]
            if reference:
                every += [reference.get(p, {}).get(stat) for p in pops]
            width = rate_bin_width(every, rate_steps)
            subtitle.append(
                f"bins {width:.3g} spikes/s wide, centred on the rates a "
                f"{1.0 / min(rate_steps):g} s window allows"
            )
        for i, (ax, pop) in enumerate(zip(axes.ravel(), pops)):
            run = stats[pop].distribution(stat)
            run = np.empty(0) if run is None else np.asarray(run, dtype=np.float64)
            n_odd = int(np.count_nonzero(~np.isfinite(run)))
            run = run[np.isfinite(run)]
            ref = reference.get(pop, {}).get(stat) if reference else None
            ref = None if ref is None else np.asarray(ref)
            arrays = [run] + ([ref] if ref is not None else [])
            if stat == "rates" and rate_steps:
                bins = rate_bins(arrays, rate_steps, width)
            else:
                bins = value_bins(arrays)
            if len(run):
                ax.hist(
                    run,
                    bins=bins,
                    color=_color(pop),
                    alpha=0.6,
                    label=f"run: {len(run)} {UNITS[stat]}",
                )
            else:
                ax.text(
                    0.5,
                    0.5,
                    f"no {UNITS[stat]} in the run",
                    transform=ax.transAxes,
                    ha="center",
                    va="center",
                    fontsize=8,
                )
            if ref is not None and len(ref):
                ax.hist(
                    ref,
                    bins=bins,
                    weights=np.full(len(ref), 1.0 / reference_seeds),
                    histtype="step",
                    color=COLOR_REF,
                    lw=1.2,
                    label=f"{reference_label}, mean of {reference_seeds} seeds",
                )
            if n_odd:
                ax.text(
                    0.99,
                    0.02,
                    f"{n_odd} values not finite, not drawn",
                    transform=ax.transAxes,
                    ha="right",
                    fontsize=7,
                    color="red",
                )
            if stat == "ccs":  # a narrow bulk and a long tail: log counts
                ax.set_yscale("log")
            ax.set_title(_label(pop), fontsize=9, loc="left")
            ax.tick_params(labelsize=7)
            if i % ncols == 0:
                ax.set_ylabel(Y_LABELS[stat] + (" (log)" if stat == "ccs" else ""), fontsize=8)
            ax.legend(fontsize=6, frameon=False, loc="upper right")
        for ax in axes.ravel()[len(pops) :]:
            ax.set_visible(False)
        for ax in axes[-1]:
            ax.set_xlabel(STAT_LABELS[stat], fontsize=8)
        if not (stat == "rates" and rate_steps):
            subtitle.append("bins from the smallest to the largest value")
        head = f"{STAT_LABELS[stat]} per population, all values shown"
        lines = [head] + ([title] if title else []) + ([note] if note else []) + subtitle
        fig.suptitle("\n".join(_wrap(lines)), fontsize=9)
        fig.tight_layout()
        paths += save_figure(fig, out_dir, f"hist_{stat}", formats)
    return paths


def psth(
    data,
    t_begin,
    t_end,
    bin_ms,
    out_dir,
    formats=DEFAULT_FORMATS,
    stimuli=(),
    title=None,
    name="psth",
    zoom=None,
):
    """Population rates (spikes per neuron per second) in bins of ``bin_ms``
    over [t_begin, t_end), one row per population, stimuli shaded; with
    ``zoom`` (begin, end) a second column shows that interval alone (the
    same bins), for a stimulus short against the window."""
    from .statistics import population_rate

    pops = list(data.populations)
    windows = [(t_begin, t_end)] + ([tuple(zoom)] if zoom else [])
    fig, axes = plt.subplots(
        len(pops),
        len(windows),
        figsize=(8, 1.05 * len(pops) + 1.2),
        sharex="col",
        sharey="row",
        squeeze=False,
        gridspec_kw={"width_ratios": [2, 1][: len(windows)]},
    )
    for col, (w0, w1) in enumerate(windows):
        for i, (ax, pop) in enumerate(zip(axes[:, col], pops)):
            edges, rate = population_rate(data.times[pop], data.n_neurons[pop], w0, w1, bin_ms)
            _shade(ax, stimuli, w0, w1, label=(i == 0 and col == 0))
            ax.stairs(rate, edges, color=_color(pop), lw=0.9)
            ax.set_ylim(bottom=0)
            if col == len(windows) - 1:
                ax.text(1.02, 0.5, _label(pop), transform=ax.transAxes, fontsize=8, va="center")
            ax.tick_params(labelsize=7)
            ax.set_xlim(w0, w1)
        axes[-1, col].set_xlabel("time (ms)")
    if stimuli and any(s.stop_ms > t_begin and s.start_ms < t_end for s in stimuli):
        axes[0, 0].legend(fontsize=7, frameon=False, loc="lower left", bbox_to_anchor=(0.0, 1.0))
    fig.supylabel("population rate (spikes/s per neuron)", fontsize=9)
    head = f"population rates, bins of {bin_ms:g} ms"
    if zoom:
        head += f"; right: {zoom[0]:g}-{zoom[1]:g} ms"
    fig.suptitle("\n".join(_wrap([head] + ([title] if title else []))), fontsize=9)
    fig.tight_layout()
    return save_figure(fig, out_dir, name, formats)


def voltage_traces(
    voltages,
    t_begin,
    t_end,
    out_dir,
    formats=DEFAULT_FORMATS,
    stimuli=(),
    title=None,
    v_th=None,
    v_reset=None,
    name="voltages",
):
    """Membrane potentials of the recorded neurons against time, one panel
    per population, threshold and reset drawn where known, stimuli shaded."""
    pops = voltages.populations
    t = voltages.times
    keep = (t >= t_begin) & (t < t_end)
    fig, axes = plt.subplots(
        len(pops), 1, figsize=(8, 1.3 * len(pops) + 1.2), sharex=True, squeeze=False
    )
    for i, (ax, pop) in enumerate(zip(axes[:, 0], pops)):
        v = voltages.data[pop][keep]
        _shade(ax, stimuli, t_begin, t_end, label=(i == 0))
        n = v.shape[1]
        # one hue per population kind, lightness telling the neurons apart
        base = matplotlib.colors.to_rgb(_color(pop))
        for j in range(n):
            mix = 0.55 * j / max(n - 1, 1)
            ax.plot(t[keep], v[:, j], lw=0.6, color=tuple(c + (1.0 - c) * mix for c in base))
        if v_th is not None:
            ax.axhline(v_th, color="k", ls="--", lw=0.7, label="threshold" if i == 0 else None)
        if v_reset is not None:
            ax.axhline(v_reset, color="k", ls=":", lw=0.7, label="reset" if i == 0 else None)
        ax.text(
            1.005,
            0.5,
            f"{_label(pop)}\n{n} neurons",
            transform=ax.transAxes,
            fontsize=7,
            va="center",
        )
        ax.tick_params(labelsize=7)
        ax.set_xlim(t_begin, t_end)
    if axes[0, 0].get_legend_handles_labels()[0]:
        axes[0, 0].legend(
            fontsize=7, frameon=False, loc="lower left", ncol=3, bbox_to_anchor=(0.0, 1.0)
        )
    axes[-1, 0].set_xlabel("time (ms)")
    units = sorted(set(voltages.units[p] for p in pops))
    fig.supylabel(f"membrane potential ({', '.join(units)})", fontsize=9)
    head = "membrane potentials of the recorded neurons"
    fig.suptitle("\n".join(_wrap([head] + ([title] if title else []))), fontsize=9)
    fig.tight_layout()
    return save_figure(fig, out_dir, name, formats)
