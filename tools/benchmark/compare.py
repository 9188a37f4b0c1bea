"""The regression guard: a campaign's summary against a committed baseline."""
from .aggregate import key_name, point_key
from .report import fmt

# Metric of the summary -> True if lower is better. Times are compared best of
# the repeats (min; events/s: max): other processes on a shared machine only
# ever slow a run down, so the best repeat is the steadiest estimate of the
# engine's own speed.
COMPARE_METRICS = {
    "rtf_min": True,
    "construct_s_min": True,
    "peak_rss_mb_max_median": True,
    "bytes_per_synapse": True,
    "syn_events_per_wall_s_max": False,
}
MEMORY_METRICS = {"peak_rss_mb_max_median", "bytes_per_synapse"}


def compare(current, baseline, threshold=0.5, memory_threshold=0.10):
    """Ratios current / baseline of COMPARE_METRICS for every point of the
    baseline. A ratio is flagged 'regression' when it is worse than
    1 + threshold (or its inverse for higher-is-better metrics; memory metrics
    use memory_threshold), 'improvement' when better by the same margin,
    else 'ok'; a point missing from current is 'missing'. Returns
    (entries, number of regressions)."""
    cur = {point_key(s): s for s in current}
    entries = []
    regressions = 0
    for b in baseline:
        key = point_key(b)
        c = cur.get(key)
        for metric, lower_better in COMPARE_METRICS.items():
            e = {
                "point": key_name(key),
                "metric": metric,
                "baseline": b.get(metric),
                "current": c.get(metric) if c else None,
                "ratio": None,
            }
            if c is None:
                e["status"] = "missing"
            elif not e["baseline"] or e["current"] is None:
                e["status"] = "n/a"
            else:
                ratio = float(e["current"]) / float(e["baseline"])
                e["ratio"] = ratio
                thr = memory_threshold if metric in MEMORY_METRICS else threshold
                worse = ratio > 1 + thr if lower_better else ratio < 1 / (1 + thr)
                better = ratio < 1 / (1 + thr) if lower_better else ratio > 1 + thr
                e["status"] = "regression" if worse else "improvement" if better else "ok"
                regressions += worse
            entries.append(e)
    return entries, regressions


def format_compare(entries, current_bw=None, baseline_bw=None):
    """The ratios of compare() as printed, with the triad of both machines."""
    lines = [
        "Regression guard: current / baseline, times best of the repeats (rtf, construct, "
        "memory: > 1 is worse; events/s: < 1 is worse)"
    ]
    if current_bw and baseline_bw:
        for k in sorted(set(current_bw) & set(baseline_bw)):
            cb, bb = current_bw[k].get("triad_gbs"), baseline_bw[k].get("triad_gbs")
            if cb and bb:
                lines.append(
                    f"  machine: triad {k} thread(s) {cb:.1f} GB/s vs {bb:.1f} GB/s "
                    f"(ratio {cb / bb:.2f})"
                )
    lines.append(
        f"  {'point':<28} {'metric':<30} {'baseline':>12} {'current':>12} " f"{'ratio':>7}  status"
    )
    for e in entries:
        ratio = f"{e['ratio']:.3f}" if e["ratio"] is not None else "-"
        lines.append(
            f"  {e['point']:<28} {e['metric']:<30} {fmt(e['baseline']):>12} "
            f"{fmt(e['current']):>12} {ratio:>7}  {e['status']}"
        )
    return "\n".join(lines)
