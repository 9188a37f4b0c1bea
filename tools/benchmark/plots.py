"""The plots of a campaign: RTF and memory against scale, the phases, and RTF
against ranks x threads, beside NEST's numbers and the bounds."""
import os

from .reference import NEST_REFERENCE, middle


def make_plots(summary, outdir):
    """The four plots of a campaign in outdir, PNG and SVG; returns the paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    os.makedirs(outdir, exist_ok=True)
    written = []

    def save(fig, name):
        for ext in ("png", "svg"):
            path = os.path.join(outdir, f"{name}.{ext}")
            fig.savefig(path, dpi=120, bbox_inches="tight")
            written.append(path)
        plt.close(fig)

    def series(record, ranks, threads):
        pts = [
            s
            for s in summary
            if s["record"] == record
            and s["ranks"] == ranks
            and s["threads"] == threads
            and s["rtf_median"] is not None
        ]
        return sorted(pts, key=lambda s: s["scale"])

    layouts = sorted({(s["ranks"], s["threads"]) for s in summary})
    records = [r for r in ("off", "on") if any(s["record"] == r for s in summary)]
    perf_record = "off" if "off" in records else records[0]
    nest_x = [r["scale"] for r in NEST_REFERENCE["rows"]]

    # RTF against scale
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for ranks, threads in layouts:
        for record in records:
            pts = series(record, ranks, threads)
            if not pts:
                continue
            x = [s["scale"] for s in pts]
            y = [s["rtf_median"] for s in pts]
            err = [
                [s["rtf_median"] - s["rtf_min"] for s in pts],
                [s["rtf_max"] - s["rtf_median"] for s in pts],
            ]
            ax.errorbar(
                x,
                y,
                yerr=err,
                marker="o",
                capsize=3,
                linestyle="-" if record == "off" else ":",
                label=f"ours {ranks}x{threads}, rec {record}",
            )
    lim = [s for s in series(perf_record, 1, 2) if s["rtf_limit_best"]] or [
        s for s in summary if s["record"] == perf_record and s["rtf_limit_best"]
    ]
    if lim:
        lim = sorted({s["scale"]: s for s in lim}.values(), key=lambda s: s["scale"])
        ax.plot(
            [s["scale"] for s in lim],
            [s["rtf_limit_best"] for s in lim],
            "k--",
            marker="x",
            label=f"bandwidth limit, best case ({lim[0]['ranks']}x{lim[0]['threads']})",
        )
        ax.plot(
            [s["scale"] for s in lim],
            [s["rtf_limit_worst"] for s in lim],
            "k:",
            marker="+",
            label="bandwidth limit, worst case",
        )
        cores = [s for s in lim if s.get("rtf_limit_cores")]
        if cores:
            ax.plot(
                [s["scale"] for s in cores],
                [s["rtf_limit_cores"] for s in cores],
                "r--",
                marker="^",
                label="cores limit (measured inner loops)",
            )
    ax.errorbar(
        nest_x,
        [middle(r["rtf"]) for r in NEST_REFERENCE["rows"]],
        yerr=[
            [middle(r["rtf"]) - r["rtf"][0] for r in NEST_REFERENCE["rows"]],
            [r["rtf"][1] - middle(r["rtf"]) for r in NEST_REFERENCE["rows"]],
        ],
        marker="s",
        color="grey",
        linestyle="none",
        capsize=3,
        label="NEST 3.6 (quoted)",
    )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("scale (N_scaling = K_scaling)")
    ax.set_ylabel("real-time factor (sim wall / t_sim)")
    ax.set_title("RTF against scale (0.1 Poisson, others DC)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    save(fig, "rtf_vs_scale")

    # Memory against scale
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for ranks, threads in layouts:
        pts = series(perf_record, ranks, threads)
        if pts:
            ax.plot(
                [s["scale"] for s in pts],
                [s["peak_rss_mb_max_median"] for s in pts],
                marker="o",
                label=f"peak RSS per rank (max), {ranks}x{threads}",
            )
            if ranks > 1:
                ax.plot(
                    [s["scale"] for s in pts],
                    [s["peak_rss_mb_sum_median"] for s in pts],
                    marker="^",
                    linestyle="--",
                    label=f"peak RSS all ranks, {ranks}x{threads}",
                )
    store = sorted(
        {s["scale"]: s for s in summary if s.get("synapse_store_bytes")}.values(),
        key=lambda s: s["scale"],
    )
    if store:
        ax.plot(
            [s["scale"] for s in store],
            [s["synapse_store_bytes"] / 1048576 for s in store],
            "k--",
            label="synapse store (all ranks)",
        )
    ax.plot(
        nest_x,
        [r["peak_memory_mb"] for r in NEST_REFERENCE["rows"]],
        "s",
        color="grey",
        label="NEST 3.6 (quoted)",
    )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("scale (N_scaling = K_scaling)")
    ax.set_ylabel("MB")
    ax.set_title(f"Memory against scale (recording {perf_record})")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    save(fig, "memory_vs_scale")

    # Phase breakdown against scale
    phases = ["init_s", "create_s", "connect_s", "presim_s", "sim_s", "write_s"]
    pts = [s for s in summary if s["record"] == perf_record and s["rtf_median"] is not None]
    pts.sort(key=lambda s: (s["scale"], s["ranks"], s["threads"]))
    if pts:
        fig, ax = plt.subplots(figsize=(max(6, 0.7 * len(pts) + 2), 4.5))
        bottom = [0.0] * len(pts)
        for ph in phases:
            vals = [s[ph + "_median"] or 0.0 for s in pts]
            ax.bar(range(len(pts)), vals, bottom=bottom, label=ph[:-2])
            bottom = [b + v for b, v in zip(bottom, vals)]
        ax.set_xticks(range(len(pts)))
        ax.set_xticklabels(
            [f"{s['scale']:g} {s['drive']}\n{s['ranks']}x{s['threads']}" for s in pts], fontsize=7
        )
        ax.set_ylabel("wall time, s (median)")
        ax.set_title(
            f"Phase breakdown (recording {perf_record}; t_presim {pts[0]['t_presim_ms']:g} ms, "
            f"t_sim {pts[0]['t_sim_ms']:g} ms)"
        )
        ax.legend(fontsize=7)
        save(fig, "phases_vs_scale")

    # RTF against threads / ranks
    fig, ax = plt.subplots(figsize=(7, 4.5))
    scales = sorted({(s["scale"], s["drive"]) for s in summary})
    labels = [f"{r}x{t}" for r, t in layouts]
    width = 0.8 / max(1, len(scales))
    for i, (scale, drive) in enumerate(scales):
        vals, lo, hi = [], [], []
        for ranks, threads in layouts:
            s = next(
                (
                    s
                    for s in summary
                    if (s["scale"], s["drive"], s["ranks"], s["threads"], s["record"])
                    == (scale, drive, ranks, threads, perf_record)
                ),
                None,
            )
            v = s["rtf_median"] if s and s["rtf_median"] is not None else float("nan")
            vals.append(v)
            lo.append(v - s["rtf_min"] if s and s["rtf_min"] is not None else 0.0)
            hi.append(s["rtf_max"] - v if s and s["rtf_max"] is not None else 0.0)
        ax.bar(
            [j + i * width for j in range(len(layouts))],
            vals,
            width,
            yerr=[lo, hi],
            capsize=2,
            label=f"scale {scale:g} {drive}",
        )
    ax.set_xticks([j + width * (len(scales) - 1) / 2 for j in range(len(layouts))])
    ax.set_xticklabels(labels)
    ax.set_xlabel("ranks x threads")
    ax.set_ylabel("real-time factor")
    ax.set_title(f"RTF against threads and ranks (recording {perf_record})")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=7)
    save(fig, "rtf_vs_layout")
    return written
