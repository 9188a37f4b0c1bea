"""The columns of one run: read from its report.json and spike file, and
derived from them (synaptic events, the limit model's bounds).

- RTF = wall time of the sim phase / t_sim; the engine times its warm-up
  (t_presim) as a phase of its own, left out.
- construct_s = create + connect (the delivery structures are built in
  connect).
- spikes_sim: spikes emitted in the sim phase. Counted in the spike file when
  the run recorded; else taken from a recorded twin (same scale, drive, times
  and seed, and the same total: the engine gives the same spikes on any
  ranks x threads); else estimated as spikes x t_sim / (t_presim + t_sim).
- synaptic events = spikes_sim x mean out-degree (synapses / neurons), per
  simulated second (a property of the network) and per wall second of the
  sim phase (the engine's throughput).
"""
from .limits import limit_model
from .probes import bandwidth_for, cores_rates

# Ring slots (max + min delay in steps) of the PD14 delays at h = 0.1 ms, for
# the ring layout when a run's output did not state them.
DEFAULT_RING_SLOTS = 55


def events_per_second(spikes_sim, synapses, neurons, t_sim_ms, sim_wall_s=None):
    """Synaptic events (spikes_sim x synapses / neurons) per simulated second
    and, given the sim phase's wall time, per wall-clock second."""
    events = spikes_sim * (synapses / neurons) if neurons else 0.0
    per_sim_s = events / (t_sim_ms / 1000.0) if t_sim_ms > 0 else None
    per_wall_s = events / sim_wall_s if sim_wall_s else None
    return events, per_sim_s, per_wall_s


def row_from_report(report, point=None):
    """Flatten a report.json (dict) into one run row (without the derived
    spike and limit columns)."""
    ph = report.get("phases_s", {})
    cfg = report.get("config", {})
    sim_cfg = cfg.get("simulation", {})
    net_cfg = cfg.get("network", {})
    ranks = int(report.get("ranks", 1))
    threads = int(report.get("threads", 1))
    rss = report.get("peak_rss_mb", {})
    rec_dev = sim_cfg.get("rec_dev", [])
    row = {
        "scale": float(net_cfg.get("N_scaling", float("nan"))),
        "k_scaling": float(net_cfg.get("K_scaling", float("nan"))),
        "drive": net_cfg.get("bg_input_type", ""),
        "ranks": ranks,
        "threads": threads,
        "vps": ranks * threads,
        "record": "on" if "spike_recorder" in (rec_dev or []) else "off",
        "t_presim_ms": float(sim_cfg.get("t_presim", 0.0)),
        "t_sim_ms": float(report.get("t_sim_ms", sim_cfg.get("t_sim", 0.0))),
        "h_ms": float(sim_cfg.get("sim_resolution", 0.1)),
        "rng_seed": sim_cfg.get("rng_seed"),
        "separate_inhibitory": (
            net_cfg.get("tau_syn_ex") is not None
            and net_cfg.get("tau_syn_ex") != net_cfg.get("tau_syn_in")
        ),
        "init_s": ph.get("init"),
        "create_s": ph.get("create"),
        "connect_s": ph.get("connect"),
        "construct_s": (ph.get("create") or 0.0) + (ph.get("connect") or 0.0),
        "presim_s": ph.get("presim"),
        "sim_s": ph.get("sim"),
        "write_s": ph.get("write"),
        "rtf": report.get("rtf"),
        "peak_rss_mb_max": rss.get("max"),
        "peak_rss_mb_per_rank": (rss.get("sum") / ranks) if rss.get("sum") is not None else None,
        "peak_rss_mb_sum": rss.get("sum"),
        "neurons": report.get("neurons"),
        "synapses": report.get("synapses"),
        "synapse_store_bytes": report.get("synapse_store_bytes"),
        "bytes_per_synapse": report.get("bytes_per_synapse"),
        "min_delay_steps": report.get("min_delay_steps"),
        "spikes_total": report.get("spikes"),
        "git_commit": report.get("git_commit", ""),
    }
    if point:
        row.update(point)
    return row


def fill_spikes_sim(rows):
    """Set spikes_sim and spikes_sim_source of every row: 'file' rows keep
    their count; the others take the count of a recorded twin with the same
    total spike count (bitwise reproducible engine), else an estimate."""
    twins = {}
    for r in rows:
        if r.get("spikes_sim_source") == "file" and r.get("spikes_sim") is not None:
            twins.setdefault(_twin_key(r), []).append(r)
    for r in rows:
        if r.get("spikes_sim_source") == "file" or r.get("spikes_total") is None:
            continue
        match = [t for t in twins.get(_twin_key(r), []) if t["spikes_total"] == r["spikes_total"]]
        if match:
            r["spikes_sim"] = match[0]["spikes_sim"]
            r["spikes_sim_source"] = "twin"
        else:
            total_ms = r["t_presim_ms"] + r["t_sim_ms"]
            r["spikes_sim"] = r["spikes_total"] * r["t_sim_ms"] / total_ms if total_ms > 0 else 0.0
            r["spikes_sim_source"] = "estimate"
    return rows


def _twin_key(r):
    return (
        r["scale"],
        r["k_scaling"],
        r["drive"],
        r["t_presim_ms"],
        r["t_sim_ms"],
        r["h_ms"],
        r.get("rng_seed"),
    )


def add_derived(row, bandwidth=None, llc_bytes=0, layout=None):
    """Add the events and limit-model columns to a row with spikes_sim set."""
    if row.get("rtf") is None or not row.get("neurons"):
        return row
    events, per_sim_s, per_wall_s = events_per_second(
        row["spikes_sim"], row["synapses"], row["neurons"], row["t_sim_ms"], row["sim_s"]
    )
    row["mean_out_degree"] = row["synapses"] / row["neurons"]
    row["mean_rate_hz"] = (
        row["spikes_sim"] / row["neurons"] / (row["t_sim_ms"] / 1000.0)
        if row["t_sim_ms"] > 0
        else None
    )
    row["syn_events_sim"] = events
    row["syn_events_per_sim_s"] = per_sim_s
    row["syn_events_per_wall_s"] = per_wall_s
    bw = bandwidth_for(bandwidth, row["vps"]) if bandwidth else None
    slots = row.get("ring_slots") or DEFAULT_RING_SLOTS
    lim = limit_model(
        row["neurons"],
        row["synapses"],
        row["spikes_sim"],
        row["t_sim_ms"],
        row["h_ms"],
        row["vps"],
        slots,
        row["drive"] == "poisson",
        bw["triad_gbs"] if bw else None,
        llc_bytes,
        bw.get("random_mups") if bw else None,
        layout,
        bool(row.get("separate_inhibitory")),
        row.get("min_delay_steps") or 1,
        *cores_rates(bw, row["neurons"] / row["vps"] if row.get("vps") else None),
    )
    row["bandwidth_gbs"] = lim["bandwidth_gbs"]
    row["bytes_per_event_best"] = lim["bytes_per_event_best"]
    row["bytes_per_event_estimate"] = lim["bytes_per_event_estimate"]
    row["bytes_per_event_worst"] = lim["bytes_per_event_worst"]
    row["bytes_per_neuron_update"] = lim["bytes_per_neuron_update"]
    row["sums_miss_fraction"] = lim["sums_miss_fraction"]
    row["queue_miss_fraction"] = lim["queue_miss_fraction"]
    row["pending_miss_fraction"] = lim["pending_miss_fraction"]
    row["run_headers_miss_fraction"] = lim["run_headers_miss_fraction"]
    row["runs_per_row"] = lim["runs_per_row"]
    row["limit_delivery"] = lim["delivery"]
    for case in ("best", "estimate", "worst", "random", "scatter", "update", "cores"):
        row["rtf_limit_" + case] = lim["rtf_limit_" + case]
    row["rtf_over_limit_best"] = (
        row["rtf"] / lim["rtf_limit_best"] if lim["rtf_limit_best"] else None
    )
    row["rtf_over_limit_cores"] = (
        row["rtf"] / lim["rtf_limit_cores"] if lim["rtf_limit_cores"] else None
    )
    return row


def count_sim_spikes(path, t_presim_ms, h_ms=0.1):
    """Spikes emitted in the sim phase in a run's SONATA spike file: time
    stamps after t_presim (a spike of step u is stamped (u + 1) h). None if
    the file cannot be read."""
    try:
        from pd14analysis.readers import read_sonata

        data = read_sonata(path)
    except (ImportError, OSError, KeyError, ValueError):
        return None
    return sum(int((data.times[pop] > t_presim_ms + 0.5 * h_ms).sum()) for pop in data.populations)
