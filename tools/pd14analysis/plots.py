"""Figures: raster plot, box plot of rates, histograms with the reference.

All functions write each figure in every requested format (PNG, SVG) and
return the paths written. Matplotlib runs with the Agg backend.
"""

import os

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from . import LAYER_LABELS  # noqa: E402
from .statistics import STATISTICS, STAT_LABELS  # noqa: E402

COLOR_E = "#595289"
COLOR_I = "#af143c"
COLOR_REF = "#222222"
DEFAULT_FORMATS = ("png", "svg")
DEFAULT_RASTER_MS = 200.0


def _color(pop):
    return COLOR_I if pop.endswith("I") else COLOR_E


def _label(pop):
    layer, kind = pop[:-1], pop[-1]
    return LAYER_LABELS.get(layer, layer) + kind if kind in "EI" else pop


def _save(fig, out_dir, name, formats):
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


def raster(data, t_begin, t_end, out_dir, formats=DEFAULT_FORMATS, step=None,
           name="raster"):
    """Raster plot of [t_begin, t_end): every ``step``-th neuron of each
    population, populations stacked with L2/3E at the top."""
    step = default_raster_step(data) if step is None else max(1, int(step))
    fig, ax = plt.subplots(figsize=(8, 6))
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
    ticks = [(np.mean([max(v), min(v)]), LAYER_LABELS.get(k, k))
             for k, v in layer_pos.items()]
    ax.set_yticks([t for t, _ in ticks])
    ax.set_yticklabels([lab for _, lab in ticks])
    ax.set_xlim(t_begin, t_end)
    ax.set_ylim(y_top, 1)
    ax.set_xlabel("time (ms)")
    ax.set_title(f"spikes of every {step}. neuron" if step > 1 else "spikes")
    return _save(fig, out_dir, name, formats)


def rate_boxplot(stats, out_dir, formats=DEFAULT_FORMATS, name="box_rates"):
    """Box plot of per-neuron rates per population, L2/3E at the top."""
    pops = list(stats)
    fig, ax = plt.subplots(figsize=(6, 5))
    data = [stats[p].rates for p in reversed(pops)]
    bp = ax.boxplot(data, vert=False, showmeans=True, whis=[5, 95], showfliers=False,
                    meanprops={"marker": "x", "markeredgecolor": "k"},
                    medianprops={"color": "k"}, patch_artist=True)
    for patch, pop in zip(bp["boxes"], reversed(pops)):
        patch.set_facecolor(_color(pop))
        patch.set_alpha(0.8)
    ax.set_yticks(np.arange(1, len(pops) + 1))
    ax.set_yticklabels([_label(p) for p in reversed(pops)])
    ax.set_xlabel("firing rate (spikes/s)")
    ax.set_title("per-neuron rates (box: quartiles, whiskers: 5-95 %, x: mean)")
    return _save(fig, out_dir, name, formats)


def _bins(arrays, stat):
    vals = np.concatenate([a for a in arrays if a is not None and len(a)]) \
        if any(a is not None and len(a) for a in arrays) else np.empty(0)
    if len(vals) == 0:
        return np.linspace(0, 1, 21)
    # correlations have long sparse tails: show the central 98 %
    lo, hi = np.percentile(vals, [1, 99]) if stat == "ccs" else (vals.min(), vals.max())
    if stat == "rates":
        lo = 0.0
    if hi <= lo:
        hi = lo + 1.0
    return np.linspace(lo, hi, 41)


def histograms(stats, out_dir, reference=None, formats=DEFAULT_FORMATS,
               reference_label="reference"):
    """One figure per statistic with a panel per population.

    ``reference``: optional dict pop -> dict stat -> array (e.g. pooled over
    the reference seeds), drawn over the run's histogram as a line.
    """
    paths = []
    pops = list(stats)
    ncols = 2
    nrows = (len(pops) + 1) // 2
    for stat in STATISTICS:
        fig, axes = plt.subplots(nrows, ncols, figsize=(8, 2.0 * nrows + 0.6),
                                 squeeze=False)
        for ax, pop in zip(axes.ravel(), pops):
            run = stats[pop].distribution(stat)
            ref = reference.get(pop, {}).get(stat) if reference else None
            bins = _bins([run, ref], stat)
            if run is not None and len(run):
                ax.hist(run, bins=bins, density=True, color=_color(pop), alpha=0.6,
                        label=f"run (n={len(run)})")
            if ref is not None and len(ref):
                ax.hist(ref, bins=bins, density=True, histtype="step", color=COLOR_REF,
                        lw=1.2, label=f"{reference_label} (n={len(ref)})")
            if stat == "ccs":  # a narrow bulk and a long tail: log density
                ax.set_yscale("log")
            ax.set_title(_label(pop), fontsize=9, loc="left")
            ax.tick_params(labelsize=7)
            ax.legend(fontsize=6, frameon=False)
        for ax in axes.ravel()[len(pops):]:
            ax.set_visible(False)
        for ax in axes[-1]:
            ax.set_xlabel(STAT_LABELS[stat], fontsize=8)
        fig.suptitle(f"distribution of {STAT_LABELS[stat]} per population")
        fig.tight_layout()
        paths += _save(fig, out_dir, f"hist_{stat}", formats)
    return paths
