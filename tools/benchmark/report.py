"""The tables of a campaign: printed (table.txt) and in Markdown (table.md),
beside NEST's numbers."""
from .reference import NEST_REFERENCE, middle, ours_beside_nest


def sci(v):
    """A number in scientific notation, "-" for none."""
    return "-" if v is None else f"{v:.2e}"


def fmt(v, digits=4):
    """A number for a table cell: scientific when very large or small, "-" for none."""
    if v is None or v == "":
        return "-"
    if isinstance(v, str):
        return v
    if v != 0 and (abs(v) >= 1e5 or abs(v) < 1e-3):
        return f"{v:.3e}"
    return f"{v:.{digits}g}"


def _rng(rng, digits=3):
    """A NEST range as low-high, or its one value."""
    return (
        f"{rng[0]:.{digits}g}" if rng[0] == rng[1] else f"{rng[0]:.{digits}g}-{rng[1]:.{digits}g}"
    )


def _spread(s, col, digits=3):
    """A summary column as median [min-max] over the repeats."""
    med, lo, hi = s.get(col + "_median"), s.get(col + "_min"), s.get(col + "_max")
    if med is None:
        return "-"
    if lo is None or hi is None or lo == hi:
        return f"{med:.{digits}g}"
    return f"{med:.{digits}g} [{lo:.{digits}g}-{hi:.{digits}g}]"


def _against_nest(nest, ours):
    """Our best construction time and RTF and our median peak memory of all
    ranks; NEST's range middle over the first two, ours over NEST's memory."""
    c, r, m = ours["construct_s_min"], ours["rtf_min"], ours["peak_rss_mb_sum_median"]
    return (
        c,
        r,
        m,
        middle(nest["construct_s"]) / c if c else None,
        middle(nest["rtf"]) / r if r else None,
        m / nest["peak_memory_mb"] if m else None,
    )


def format_markdown(summary, scal, bandwidth):
    """The tables of format_tables as Markdown (for docs and the README)."""
    md = [
        "| scale, drive | ranks x threads | recording | runs | construct s | sim RTF | "
        "peak MB per rank | bytes/synapse | synaptic events/s | RTF limit best / estimate / worst "
        "| RTF / best limit | RTF limit cores (events + updates) | RTF / cores limit "
        "| others' load, cores |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in summary:
        md.append(
            f"| {s['scale']:g} {s['drive']} | {s['ranks']}x{s['threads']} | {s['record']} | "
            f"{s['n_ok']} | {_spread(s, 'construct_s')} | {_spread(s, 'rtf')} | "
            f"{fmt(s['peak_rss_mb_max_median'], 4)} | "
            f"{fmt(s['bytes_per_synapse'], 3)} | {sci(s['syn_events_per_wall_s_max'])} | "
            f"{fmt(s['rtf_limit_best'], 3)} / {fmt(s['rtf_limit_estimate'], 3)} / "
            f"{fmt(s['rtf_limit_worst'], 3)} | {fmt(s['rtf_over_limit_best_min'], 3)} | "
            f"{fmt(s.get('rtf_limit_cores'), 3)} | {fmt(s.get('rtf_over_limit_cores_min'), 3)} | "
            f"{fmt(s.get('others_cores_during_median'), 2)} "
            f"[max {fmt(s.get('others_cores_during_max'), 2)}] |"
        )
    if bandwidth:
        md += [
            "",
            "| triad threads | GB/s (STREAM counting) | random int64 RMW, M updates/s "
            "| streamed scatter, M events/s (320 KB of sums) "
            "| neuron update, M updates/s (38,600 neurons) |",
            "|---|---|---|---|---|",
        ]
        for k in sorted(bandwidth, key=int):
            md.append(
                f"| {k} | {bandwidth[k]['triad_gbs']:.1f} | {bandwidth[k]['random_mups']:.0f} "
                f"| {fmt(bandwidth[k].get('scatter_meps'), 4)} "
                f"| {fmt(bandwidth[k].get('update_mups'), 4)} |"
            )
    if scal:
        md += [
            "",
            "| scale, drive | recording | rtf(1x1) / rtf(1x2) (target >= 1.8) | "
            "the same of the cores bound | rtf(2x1) / rtf(1x2) (target <= 1.1) |",
            "|---|---|---|---|---|",
        ]
        for e in scal:
            md.append(
                f"| {e['scale']:g} {e['drive']} | {e['record']} | "
                f"{fmt(e['speedup_2_threads'], 3)} | "
                f"{fmt(e.get('cores_bound_speedup_2_threads'), 3)} | "
                f"{fmt(e['ranks_over_threads'], 3)} |"
            )
    md += [
        "",
        "| scale, drive | construct s: ours (median) | NEST 3.6* | NEST / ours | "
        "RTF: ours (median) | NEST 3.6* | NEST / ours | peak MB: ours | NEST 3.6* | ours / NEST |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for nest, ours in ours_beside_nest(summary):
        name = f"{nest['scale']:g} {nest['drive']}"
        nm = f"{nest['peak_memory_mb']:.0f}"
        if ours is None:
            md.append(
                f"| {name} | to be measured | {_rng(nest['construct_s'])} | | to be measured | "
                f"{_rng(nest['rtf'])} | | to be measured | {nm} | |"
            )
            continue
        c, r, m, faster_construct, faster_rtf, memory_fraction = _against_nest(nest, ours)
        md.append(
            f"| {name} | {fmt(c, 3)} ({fmt(ours['construct_s_median'], 3)}) | "
            f"{_rng(nest['construct_s'])} | "
            f"{fmt(faster_construct, 3)} | {fmt(r, 3)} "
            f"({fmt(ours['rtf_median'], 3)}) | {_rng(nest['rtf'])} | "
            f"{fmt(faster_rtf, 3)} | {fmt(m, 4)} | {nm} | "
            f"{fmt(memory_fraction, 3)} |"
        )
    md.append("")
    md.append(
        "\\* NEST 3.6 numbers quoted in the performance requirements, not measured here ("
        + NEST_REFERENCE["source"]
        + ")."
    )
    return "\n".join(md)


def format_tables(summary, scal, bandwidth, merged=False):
    """The tables printed at the end of a campaign (table.txt)."""
    lines = []
    lines.append(
        "All points (median [min-max] over the repeats; RTF = sim wall / t_sim; "
        "construct = create + connect; memory = peak RSS per rank, max over ranks;"
    )
    lines.append(
        "events/s = synaptic events per wall second of the sim phase, best repeat; limit = RTF "
        "the triad bandwidth allows; RTF/limit = best RTF / best-case limit; cores = RTF "
        "the measured scatter and neuron-update rates allow, RTF/cores = best RTF / it; "
        "others = cores "
        "busy with other processes during the runs, median)"
    )
    hdr = (
        f"{'scale':>5} {'drive':<7} {'RxT':<4} {'rec':<3} {'n':>2} {'construct s':>20} "
        f"{'sim RTF':>22} {'peak MB/rank':>12} {'B/syn':>6} {'events/s':>9} "
        f"{'limit best':>10} {'est':>7} {'worst':>7} {'RTF/limit':>9} {'cores':>7} "
        f"{'RTF/cores':>9} {'others':>6}"
    )
    lines.append(hdr)
    for s in summary:
        lines.append(
            f"{s['scale']:>5g} {s['drive']:<7} {s['ranks']}x{s['threads']:<2} {s['record']:<3} "
            f"{s['n_ok']:>2} {_spread(s, 'construct_s'):>20} {_spread(s, 'rtf'):>22} "
            f"{fmt(s['peak_rss_mb_max_median'], 4):>12} {fmt(s['bytes_per_synapse'], 3):>6} "
            f"{sci(s['syn_events_per_wall_s_max']):>9} {fmt(s['rtf_limit_best'], 3):>10} "
            f"{fmt(s['rtf_limit_estimate'], 3):>7} {fmt(s['rtf_limit_worst'], 3):>7} "
            f"{fmt(s['rtf_over_limit_best_min'], 3):>9} {fmt(s.get('rtf_limit_cores'), 3):>7} "
            f"{fmt(s.get('rtf_over_limit_cores_min'), 3):>9} "
            f"{fmt(s.get('others_cores_during_median'), 2):>6}"
        )
    if bandwidth:
        lines.append("")
        if merged:
            lines.append(
                "(several campaigns merged: the bandwidth below is the first one's; each run's "
                "limit uses its own campaign's measurement)"
            )
        for k in sorted(bandwidth, key=int):
            b = bandwidth[k]
            lines.append(
                f"Memory bandwidth, STREAM-style triad, {k} thread(s): {b['triad_gbs']:.1f} GB/s "
                f"(best of {b.get('runs', 1)} x {b['reps']} sweeps); random int64 "
                f"read-modify-write: {b['random_mups']:.0f} M updates/s; streamed scatter "
                f"(the innermost loop alone): {fmt(b.get('scatter_meps'), 4)} M events/s; "
                f"neuron update: {fmt(b.get('update_mups'), 4)} M updates/s; "
                f"split barrier: {fmt(b.get('barrier_ns'), 3)} ns per pass"
            )
    if scal:
        lines.append("")
        lines.append(
            "Scaling, from the best RTF of the repeats (targets: 2 threads >= 1.8x faster "
            "than 1; 2 ranks x 1 thread within 10% of 1 rank x 2 threads; 'cores bound' = "
            "the same ratio of the cores bound: the inner loops alone on each thread's share)"
        )
        for e in scal:
            sp = fmt(e["speedup_2_threads"], 3)
            cb = fmt(e.get("cores_bound_speedup_2_threads"), 3)
            ro = fmt(e["ranks_over_threads"], 3)
            lines.append(
                f"  scale {e['scale']:g} {e['drive']:<7} rec {e['record']:<3}: "
                f"rtf(1x1)/rtf(1x2) = {sp:>6} (cores bound {cb:>6})   "
                f"rtf(2x1)/rtf(1x2) = {ro:>6}"
            )
    lines.append("")
    lines.append(
        "Beside NEST 3.6 (quoted numbers, NOT measured here: " + NEST_REFERENCE["source"] + ")."
    )
    lines.append(
        "Ours: 1 rank x 2 threads, spikes recorded (the NEST setting; recording off if no "
        "recorded run), best of the repeats (median in parentheses). Ratios: middle of NEST's "
        "range / our best."
    )
    lines.append(
        f"{'scale':>5} {'drive':<7} {'rec':<3} | {'construct s':>15} {'NEST':>9} {'x faster':>8} | "
        f"{'RTF':>15} {'NEST':>9} {'x faster':>8} | {'peak MB':>8} {'NEST':>7} {'fraction':>8}"
    )
    for nest, ours in ours_beside_nest(summary):
        if ours is None:
            lines.append(
                f"{nest['scale']:>5g} {nest['drive']:<7} {'':<3} | {'(not run)':>15} "
                f"{_rng(nest['construct_s']):>9} {'':>8} | {'':>15} {_rng(nest['rtf']):>9} "
                f"{'':>8} | {'':>8} {nest['peak_memory_mb']:>7.0f}"
            )
            continue
        c, r, m, faster_construct, faster_rtf, memory_fraction = _against_nest(nest, ours)
        c_text = f"{fmt(c, 3)} ({fmt(ours['construct_s_median'], 3)})"
        r_text = f"{fmt(r, 3)} ({fmt(ours['rtf_median'], 3)})"
        lines.append(
            f"{ours['scale']:>5g} {ours['drive']:<7} {ours['record']:<3} | {c_text:>15} "
            f"{_rng(nest['construct_s']):>9} {fmt(faster_construct, 3):>8} | "
            f"{r_text:>15} {_rng(nest['rtf']):>9} {fmt(faster_rtf, 3):>8} | "
            f"{fmt(m, 4):>8} {nest['peak_memory_mb']:>7.0f} "
            f"{fmt(memory_fraction, 3):>8}"
        )
    lines.append(
        "Targets: RTF >= 5x lower than NEST at 0.5 and 1.0 DC, full scale RTF <= 5 on 2 "
        "threads, 0.1 Poisson RTF <= 0.5; construction >= 10x faster; memory <= 1/4 of NEST, "
        "full scale < 3.5 GB on one rank; within 3x of the bandwidth limit."
    )
    return "\n".join(lines)
