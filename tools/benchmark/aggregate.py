"""From runs to points: the columns of runs.csv and summary.csv, the summary
of each point over its repeats, and the scaling ratios."""
import statistics

RUN_COLUMNS = [
    "scale",
    "drive",
    "ranks",
    "threads",
    "vps",
    "record",
    "repeat",
    "t_presim_ms",
    "t_sim_ms",
    "init_s",
    "create_s",
    "connect_s",
    "construct_s",
    "presim_s",
    "sim_s",
    "write_s",
    "wall_s",
    "rtf",
    "peak_rss_mb_max",
    "peak_rss_mb_per_rank",
    "peak_rss_mb_sum",
    "neurons",
    "synapses",
    "synapse_store_bytes",
    "bytes_per_synapse",
    "min_delay_steps",
    "ring_slots",
    "spikes_total",
    "spikes_sim",
    "spikes_sim_source",
    "mean_rate_hz",
    "mean_out_degree",
    "syn_events_sim",
    "syn_events_per_sim_s",
    "syn_events_per_wall_s",
    "bandwidth_gbs",
    "bytes_per_event_best",
    "bytes_per_event_estimate",
    "bytes_per_event_worst",
    "bytes_per_neuron_update",
    "sums_miss_fraction",
    "queue_miss_fraction",
    "pending_miss_fraction",
    "run_headers_miss_fraction",
    "runs_per_row",
    "limit_delivery",
    "rtf_limit_best",
    "rtf_limit_estimate",
    "rtf_limit_worst",
    "rtf_limit_random",
    "rtf_limit_scatter",
    "rtf_limit_update",
    "rtf_limit_cores",
    "rtf_over_limit_best",
    "rtf_over_limit_cores",
    "cpu_s",
    "busy_cores_before",
    "waited_idle_s",
    "others_cores_during",
    "core_slowdown",
    "loadavg_before",
    "loadavg_after",
    "returncode",
    "discarded",
    "error",
    "git_commit",
    "k_scaling",
    "h_ms",
    "rng_seed",
    "separate_inhibitory",
]

# Columns summarised as median, min and max over the repeats.
SPREAD_COLUMNS = [
    "rtf",
    "sim_s",
    "construct_s",
    "create_s",
    "connect_s",
    "init_s",
    "presim_s",
    "write_s",
    "wall_s",
    "peak_rss_mb_max",
    "peak_rss_mb_per_rank",
    "peak_rss_mb_sum",
    "syn_events_per_wall_s",
    "rtf_over_limit_best",
    "rtf_over_limit_cores",
    "busy_cores_before",
    "others_cores_during",
]
# Columns equal (or nearly) over the repeats: their first value is kept.
CONSTANT_COLUMNS = [
    "t_presim_ms",
    "t_sim_ms",
    "neurons",
    "synapses",
    "synapse_store_bytes",
    "bytes_per_synapse",
    "min_delay_steps",
    "ring_slots",
    "spikes_sim",
    "spikes_sim_source",
    "mean_rate_hz",
    "mean_out_degree",
    "syn_events_per_sim_s",
    "bandwidth_gbs",
    "bytes_per_event_best",
    "bytes_per_event_estimate",
    "bytes_per_event_worst",
    "bytes_per_neuron_update",
    "sums_miss_fraction",
    "queue_miss_fraction",
    "pending_miss_fraction",
    "run_headers_miss_fraction",
    "runs_per_row",
    "limit_delivery",
    "rtf_limit_best",
    "rtf_limit_estimate",
    "rtf_limit_worst",
    "rtf_limit_random",
    "rtf_limit_scatter",
    "rtf_limit_update",
    "rtf_limit_cores",
    "git_commit",
]
KEY_COLUMNS = ["scale", "drive", "ranks", "threads", "record"]


def point_key(row):
    """(scale, drive, ranks, threads, record): what makes runs repeats of one point."""
    return (
        float(row["scale"]),
        row["drive"],
        int(row["ranks"]),
        int(row["threads"]),
        row["record"],
    )


def key_name(key):
    """A point's name in file names and tables, e.g. 0.2-dc-1x2-recoff."""
    scale, drive, ranks, threads, record = key
    return f"{scale:g}-{drive}-{ranks}x{threads}-rec{record}"


def aggregate(rows):
    """Summary rows: one per point (scale, drive, ranks, threads, record), in
    first-seen order, with <col>_median/_min/_max of SPREAD_COLUMNS over the
    successful runs, n_ok and n_failed."""
    groups = {}
    for r in rows:
        groups.setdefault(point_key(r), []).append(r)
    summary = []
    for key, runs in groups.items():
        kept = [r for r in runs if not r.get("discarded")]
        ok = [r for r in kept if r.get("returncode", 0) == 0 and r.get("rtf") is not None]
        s = dict(zip(KEY_COLUMNS, key))
        s["vps"] = key[2] * key[3]
        s["n_ok"] = len(ok)
        s["n_failed"] = len(kept) - len(ok)
        s["n_discarded"] = len(runs) - len(kept)
        for col in SPREAD_COLUMNS:
            vals = [r[col] for r in ok if r.get(col) is not None]
            s[col + "_median"] = statistics.median(vals) if vals else None
            s[col + "_min"] = min(vals) if vals else None
            s[col + "_max"] = max(vals) if vals else None
        for col in CONSTANT_COLUMNS:
            s[col] = next((r.get(col) for r in ok if r.get(col) is not None), None)
        summary.append(s)
    return summary


def summary_columns(summary):
    """The columns of summary.csv."""
    cols = KEY_COLUMNS + ["vps", "n_ok", "n_failed", "n_discarded"]
    for col in SPREAD_COLUMNS:
        cols += [col + "_median", col + "_min", col + "_max"]
    return cols + CONSTANT_COLUMNS


def scaling(summary, stat="min"):
    """Per scale, drive and record: 2-thread speedup rtf(1x1) / rtf(1x2)
    (target >= 1.8) and ranks vs threads rtf(2x1) / rtf(1x2) (target <= 1.1),
    from the best (stat="min") or the median RTF of the repeats; beside them
    the speedup of the cores bound itself, rtf_limit_cores(1x1) /
    rtf_limit_cores(1x2): what the machine gives the two inner loops alone,
    each thread on its share, when nothing is shared, duplicated or waited for."""
    col = "rtf_" + stat
    by = {point_key(s): s for s in summary}
    out = []
    for s in summary:
        if (s["ranks"], s["threads"]) != (1, 2):
            continue
        base = (s["scale"], s["drive"])
        one = by.get(base + (1, 1, s["record"]))
        two_ranks = by.get(base + (2, 1, s["record"]))
        entry = {
            "scale": s["scale"],
            "drive": s["drive"],
            "record": s["record"],
            "from": col,
            "speedup_2_threads": None,
            "ranks_over_threads": None,
            "cores_bound_speedup_2_threads": None,
        }
        if one and one.get(col) and s.get(col):
            entry["speedup_2_threads"] = one[col] / s[col]
        if one and one.get("rtf_limit_cores") and s.get("rtf_limit_cores"):
            entry["cores_bound_speedup_2_threads"] = one["rtf_limit_cores"] / s["rtf_limit_cores"]
        if two_ranks and two_ranks.get(col) and s.get(col):
            entry["ranks_over_threads"] = two_ranks[col] / s[col]
        out.append(entry)
    return out
