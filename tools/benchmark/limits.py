"""The limit model: the real-time factor the memory bandwidth allows.

Bytes moved per simulated second, counted from the engine's data layout
(DEFAULT_LAYOUT; --layout KEY=VALUE changes a field when the engine
changes), over the measured triad bandwidth; LIMIT_ASSUMPTIONS says what is
counted and travels with the results. docs/performance.md explains the
cases (best, estimate, worst, random) and the separate cores bound.
"""
import math

from pd14analysis import N_FULL, POPULATIONS, RATES_FULL


def _inhibitory_spike_fraction():
    """Share of the network's spikes emitted by inhibitory populations, from
    the PD14 sizes and mean rates; two digits are all the model can use."""
    spikes = [n * rate for n, rate in zip(N_FULL, RATES_FULL)]
    inhibitory = sum(s for pop, s in zip(POPULATIONS, spikes) if pop.endswith("I"))
    return round(inhibitory / sum(spikes), 2)


# The layout the engine's headers describe (synapse_store.hpp,
# input_buffer.hpp, neuron.hpp, network.hpp). delivery selects the scheme:
#   "runs"   each row sorted by delay and cut into delay runs; every step each
#            thread scans its pending spikes and adds the synapses of the runs
#            arriving then into one cache-resident int64 sum per neuron;
#   "queue"  an earlier engine: events appended to per-step queues, summed at
#            the start of the step into one int64 per neuron;
#   "ring"   the earliest engine: each event a read-modify-write of
#            ring[slot][neuron], two rings.
# The older schemes stay so that results of those engines can be re-derived.
DEFAULT_LAYOUT = {
    "delivery": "runs",  # "runs", "queue" or "ring"
    "synapse_bytes": 8,  # uint32 target | delay << 20, float weight
    "row_offset_bytes": 8,  # CSR row offsets per presynaptic gid, per thread
    "run_offset_bytes": 8,  # runs: run_begin per presynaptic gid, per thread
    "run_header_bytes": 4,  # runs: a delay run, uint32 delay << 20 | length
    "pending_entry_bytes": 40,  # runs: PendingSpike, 2 pointers + 2 uint64 + bool, padded
    "runs_per_row": 0,  # runs: runs per row and thread; 0 = computed from the delays
    # runs: the delay distribution (network.delay_exc_mean, delay_inh_mean,
    # delay_rel_sd): normal, redrawn below h / 2, rounded to the step (connectivity.cpp)
    "delay_exc_mean_ms": 1.5,
    "delay_inh_mean_ms": 0.75,
    "delay_rel_sd": 0.5,
    # runs: spikes from inhibitory sources
    "inhibitory_spike_fraction": _inhibitory_spike_fraction(),
    "event_bytes": 8,  # queue entry: uint32 target, float weight
    "sum_bytes": 8,  # int64 fixed-point input sum (per neuron, or ring entry)
    "state_bytes": 3 * 8 + 4,  # y, i_ex, i_in (double), refractory (int32): read + written
    "state_bytes_merged": 2 * 8 + 4,  # y, i_ex, refractory when tau_syn_ex == tau_syn_in
    "poisson_count_bytes": 8,  # packed uint64 of four 16-bit counts, read every step
    "poisson_refresh_steps": 4,  # ... and rewritten every 4 steps
    "spike_flag_bytes": 1,  # runs: uint8 spike flag per neuron, written by the
    #   update, read by the scan for spikes
    "mean_delay_ms": 1.5,  # queue: events wait this long in the queues (excitatory mean)
    "cache_line_bytes": 64,
}
DELIVERIES = ("runs", "queue", "ring")

LIMIT_ASSUMPTIONS = [
    "Bytes are counted as STREAM counts them: each byte read or written once counts "
    "once (no write-allocate traffic), so they compare with the triad's GB/s.",
    "A synaptic event = one synapse of a spiking neuron delivered once. It reads the "
    "8-byte synapse from its thread's source-major row and adds its weight into the "
    "target's input sum. runs delivery (the current engine): rows are sorted by "
    "delay and cut into delay runs (4-byte headers, one per distinct delay in the row); "
    "each synapse is read once, in the step its run arrives, and added into the target's "
    "int64 sum (one per neuron and input, a small array); nothing else is written. "
    "queue delivery (an earlier engine): it also appends an 8-byte (target, weight) event "
    "to the queue of its arrival step, read back when that step starts. ring delivery "
    "(the earliest engine): it adds into ring[(t + delay) % slots][target] (int64; two rings of "
    "slots x neurons).",
    "Per spike and thread: runs delivery reads run_begin[gid], run_begin[gid + 1], "
    "row_begin[gid] and the row's run headers, and its 40-byte pending entry is appended, "
    "then read by the scan of every step until its last run has arrived and written back "
    "while runs remain: 2 x 40 bytes per step pending (steps = the row's expected largest "
    "delay - (min delay - 1) / 2); queue and ring delivery read "
    "row_begin[gid], row_begin[gid + 1].",
    "Runs per row and thread (runs_per_row = 0): the expected number of distinct delays "
    "among a row's synapses on one thread, a Poisson number with mean out-degree / "
    "threads, delays drawn as the engine draws them (normal, mean 1.5 ms excitatory, "
    "0.75 ms inhibitory, SD 0.5 x mean, redrawn below h / 2, rounded to the step), mixed "
    "by the share of spikes from inhibitory sources (inhibitory_spike_fraction 0.33, from "
    "the PD14 population rates); the same distribution gives the row's expected largest "
    "delay. A runs_per_row > 0 is taken as given.",
    "A neuron update (each neuron, each step) reads and writes y, i_ex (double), "
    "refractory (int32) and, with separate inhibitory input (tau_syn_ex != tau_syn_in, "
    "or ring delivery), i_in; it reads and zeroes its input sum(s); with Poisson drive it "
    "reads its packed uint64 count word (rewritten every 4th step); the engine of runs "
    "delivery also writes a one-byte spike flag per neuron, read back by the scan for spikes.",
    "best: streaming synapse reads (and per spike and thread the row and run offsets and "
    "the run headers) only; everything else stays in cache. The lowest RTF the bandwidth "
    "allows.",
    "worst: nothing stays cached: every event costs its synapse, its queue entry written "
    "and read back (queue delivery) and one whole 64-byte cache line of its input sum read "
    "and written back (128 bytes); every spike and thread two cache lines for the offsets "
    "(queue, ring: the row offsets and the row start; runs: row_begin and run_begin), and "
    "with runs delivery also one line per run header read (runs + 1: at delivery and at each "
    "arrival), its pending entry read and written in every step it waits, and for every "
    "run the rest of the cache lines it touches (a run of L synapses at a random 8-byte "
    "offset touches (L + 7) / 8 lines on average: 56 bytes more than its 8 L); every "
    "neuron update its full bytes.",
    "estimate: the last-level cache holds, in this order, the neuron state, the input "
    "sums (runs, queue: neurons x 8 bytes per input; ring: 2 x slots x neurons x 8 bytes), "
    "then for queue delivery the events waiting in the queues (events per step x mean "
    "delay x 8 bytes), for runs delivery the pending spikes of all threads (entries x "
    "(40 bytes + the 64-byte synapse line their next run starts in)) and the run headers "
    "(neurons x threads x runs per row x 4 bytes); an access to a structure that does not "
    "fit misses with probability 1 - (cache left) / (its size) (uniform access; the synapse "
    "stream is assumed not to evict) and then costs what it costs in the worst case. Rough.",
    "random: as worst, but each event's input-sum update priced at the measured rate of "
    "random int64 read-modify-writes in a table far beyond the cache (latency-bound) "
    "instead of at the triad bandwidth.",
    "Computation (the neuron's arithmetic, Poisson random numbers, the scan of the "
    "pending list), synchronisation, MPI and address translation (TLB misses of the "
    "scattered runs) are not modelled: the limit is a bound from memory traffic alone.",
    "cores (a second, separate bound, measured rather than modelled): the events at the "
    "measured rate of the engine's innermost loop with perfect streaming (scatter: each "
    "thread streams 8-byte synapses and adds each weight into a cache-resident int64 sum "
    "at a random target) plus the neuron updates at the measured rate of the engine's own "
    "update loop with its state in cache (update), both by all threads together "
    "(tools/stream_triad.cpp); no spike bookkeeping, no synchronisation. What the "
    "machine's cores allow, where the best case above is what its memory bandwidth allows.",
]


def full_layout(layout):
    """DEFAULT_LAYOUT with the fields of layout (a dict or None) replaced; checked."""
    lay = dict(DEFAULT_LAYOUT)
    lay.update(layout or {})
    if lay["delivery"] not in DELIVERIES:
        raise ValueError(
            "layout delivery must be " + ", ".join(DELIVERIES[:-1]) + " or " + DELIVERIES[-1]
        )
    if not 0.0 <= lay["inhibitory_spike_fraction"] <= 1.0:
        raise ValueError("layout inhibitory_spike_fraction must be in [0, 1]")
    if lay["runs_per_row"] < 0:
        raise ValueError("layout runs_per_row must be >= 0 (0 = computed)")
    if lay["delay_exc_mean_ms"] <= 0 or lay["delay_inh_mean_ms"] <= 0 or lay["delay_rel_sd"] < 0:
        raise ValueError("layout delays must be positive (relative SD >= 0)")
    return lay


def neuron_update_bytes(layout, poisson, separate_inhibitory=False):
    """Bytes one neuron update moves (STREAM accounting)."""
    lay = full_layout(layout)
    inputs = 2 if (separate_inhibitory or lay["delivery"] == "ring") else 1
    state = lay["state_bytes"] if inputs == 2 else lay["state_bytes_merged"]
    b = 2 * state + inputs * 2 * lay["sum_bytes"]
    if lay["delivery"] == "runs":
        b += 2 * lay["spike_flag_bytes"]
    if poisson:
        b += lay["poisson_count_bytes"] * (1.0 + 1.0 / lay["poisson_refresh_steps"])
    return float(b)


def delay_pmf(mean_ms, rel_sd, h_ms):
    """[P(delay = k steps) for k = 0, 1, ...] as the engine draws delays
    (src/connectivity.cpp): normal(mean, rel_sd x mean) ms, redrawn below h / 2,
    rounded half up to the step (so k >= 1)."""
    sd = mean_ms * rel_sd
    nearest = max(1, int(math.floor(mean_ms / h_ms + 0.5)))
    if sd <= 0:
        return [0.0] * nearest + [1.0]

    def above(x):  # P(normal > x)
        return 0.5 * math.erfc((x - mean_ms) / (sd * math.sqrt(2.0)))

    kept = above(0.5 * h_ms)
    if kept < 1e-300:
        return [0.0, 1.0]
    top = int(math.ceil((mean_ms + 12.0 * sd) / h_ms)) + 1
    return [0.0] + [
        (above((k - 0.5) * h_ms) - above((k + 0.5) * h_ms)) / kept for k in range(1, top + 1)
    ]


def _row_runs_and_reach(n, pmf):
    """A row of Poisson(n) synapses with delays ~ pmf: (expected number of
    distinct delays, expected largest delay in steps, 0 for an empty row)."""
    runs = sum(-math.expm1(-n * p) for p in pmf if p > 0)
    reach, tail = 0.0, 0.0
    for k in range(len(pmf) - 1, 0, -1):  # tail = P(delay >= k)
        tail += pmf[k]
        reach += -math.expm1(-n * tail)  # P(largest >= k)
    return runs, reach


def delay_runs(synapses_per_row, h_ms, layout=None):
    """Delay runs of one row on one thread (runs delivery): a dict with
    runs_per_row (expected distinct delays among Poisson(synapses_per_row)
    synapses, excitatory and inhibitory rows mixed by
    inhibitory_spike_fraction; or the layout's runs_per_row if > 0),
    reach_steps (the expected largest delay of the row, 0 if empty) and
    nonempty (the fraction of rows with a synapse on the thread)."""
    lay = full_layout(layout)
    q = lay["inhibitory_spike_fraction"]
    runs = reach = 0.0
    for mean, weight in ((lay["delay_exc_mean_ms"], 1.0 - q), (lay["delay_inh_mean_ms"], q)):
        if weight > 0:
            r, m = _row_runs_and_reach(synapses_per_row, delay_pmf(mean, lay["delay_rel_sd"], h_ms))
            runs += weight * r
            reach += weight * m
    if lay["runs_per_row"] > 0:
        runs = float(lay["runs_per_row"])
    return {"runs_per_row": runs, "reach_steps": reach, "nonempty": -math.expm1(-synapses_per_row)}


def limit_model(
    neurons,
    synapses,
    spikes_sim,
    t_sim_ms,
    h_ms,
    vps,
    slots,
    poisson,
    bandwidth_gbs,
    llc_bytes=0,
    random_mups=None,
    layout=None,
    separate_inhibitory=False,
    min_delay_steps=1,
    scatter_meps=None,
    update_mups=None,
):
    """Bytes moved per simulated second and the RTF the bandwidth allows.

    neurons, synapses: network size; spikes_sim: spikes in t_sim_ms of
    simulated time; vps: ranks x threads (each thread owns one synapse store
    and reads the row of every spike); slots: ring slots (max + min delay in
    steps; ring delivery); bandwidth_gbs: STREAM triad GB/s for the threads
    used; llc_bytes: last-level cache size (for the estimate); random_mups:
    measured random read-modify-writes per second in millions (for the random
    case); separate_inhibitory: tau_syn_ex != tau_syn_in; min_delay_steps:
    the engine's min delay (runs delivery: spikes are delivered once per
    min-delay interval); scatter_meps, update_mups: measured rates of the
    threads used, millions of streamed-scatter events and of neuron updates
    per second (rtf_limit_scatter = events per simulated second / the first,
    rtf_limit_update = neuron updates per simulated second / the second,
    rtf_limit_cores = their sum; None without them). Returns a dict (bytes
    per event, per neuron update, per spike and thread, per simulated second
    for each case, rtf_limit_* = those bytes / bandwidth, and the cores bound).
    """
    lay = full_layout(layout)
    delivery = lay["delivery"]
    queue = delivery == "queue"
    runs = delivery == "runs"
    line = lay["cache_line_bytes"]
    syn = lay["synapse_bytes"]
    t_s = t_sim_ms / 1000.0
    out_degree = synapses / neurons if neurons else 0.0
    spikes_per_s = spikes_sim / t_s if t_s > 0 else 0.0
    events_per_s = spikes_per_s * out_degree
    updates_per_s = neurons * 1000.0 / h_ms
    inputs = 2 if (separate_inhibitory or delivery == "ring") else 1
    upd = neuron_update_bytes(lay, poisson, separate_inhibitory)
    sum_update_bytes = inputs * 2 * lay["sum_bytes"]
    queue_bytes = 2 * lay["event_bytes"] if queue else 0
    # Sizes of the structures competing for the cache.
    sums_size = (
        2 * slots * neurons * lay["sum_bytes"]
        if delivery == "ring"
        else inputs * neurons * lay["sum_bytes"]
    )
    state_size = neurons * (
        (lay["state_bytes"] if inputs == 2 else lay["state_bytes_merged"])
        + (lay["poisson_count_bytes"] if poisson else 0)
    )
    queued_size = (
        events_per_s * lay["mean_delay_ms"] / 1000.0 * lay["event_bytes"] if queue else 0.0
    )

    ev_best = float(syn)
    ev_worst = float(syn + queue_bytes + 2 * line)
    if runs:
        rr = delay_runs(out_degree / vps if vps else 0.0, h_ms, lay)
        runs_per_row = rr["runs_per_row"]
        # Steps a spike stays on a thread's pending list (scans that read and
        # write its entry): from the first step of the interval after its
        # emission to its row's largest delay.
        pending_steps = max(
            0.0, rr["reach_steps"] - rr["nonempty"] * (max(1, min_delay_steps or 1) - 1) / 2.0
        )
        entries = spikes_per_s * h_ms / 1000.0 * pending_steps  # per thread
        pending_size = vps * entries * (lay["pending_entry_bytes"] + line)
        headers_size = neurons * vps * runs_per_row * lay["run_header_bytes"]
        # The entry appended, read in every scan, written back but in the last.
        pending_traffic = 2.0 * pending_steps * lay["pending_entry_bytes"]
        partial_lines = runs_per_row * (line - syn)
        header_bytes = runs_per_row * lay["run_header_bytes"]
        header_lines = (runs_per_row + 1.0) * line
        spike_vp_best = lay["row_offset_bytes"] + 2.0 * lay["run_offset_bytes"] + header_bytes
        spike_vp_worst = 2.0 * line + header_lines + pending_traffic + partial_lines
    else:
        runs_per_row = None
        pending_steps = entries = pending_size = headers_size = 0.0
        spike_vp_best = 2.0 * lay["row_offset_bytes"]
        spike_vp_worst = 2.0 * line

    def fit(size, left):
        """(miss fraction, cache left) of a structure given the cache left."""
        if size <= 0:
            return 0.0, left
        miss = max(0.0, 1.0 - left / size)
        return miss, max(0.0, left - size)

    state_miss = 0.0 if state_size <= llc_bytes else 1.0
    left = llc_bytes - state_size if state_miss == 0.0 else 0.0
    sums_miss, left = fit(sums_size, left)
    queue_miss, left = fit(queued_size, left)
    pending_miss, left = fit(pending_size, left)
    headers_miss, left = fit(headers_size, left)
    ev_est = syn + queue_miss * queue_bytes + sums_miss * 2 * line
    upd_est = state_miss * (upd - sum_update_bytes) + sums_miss * sum_update_bytes
    spike_vp_est = spike_vp_best
    if runs:
        spike_vp_est += pending_miss * (pending_traffic + partial_lines) + headers_miss * (
            header_lines - header_bytes
        )

    per_s = {
        "best": events_per_s * ev_best + spikes_per_s * vps * spike_vp_best,
        "estimate": events_per_s * ev_est
        + spikes_per_s * vps * spike_vp_est
        + updates_per_s * upd_est,
        "worst": events_per_s * ev_worst
        + spikes_per_s * vps * spike_vp_worst
        + updates_per_s * upd,
    }
    bw = bandwidth_gbs * 1e9 if bandwidth_gbs else 0.0
    result = {
        "delivery": delivery,
        "out_degree": out_degree,
        "spikes_per_sim_s": spikes_per_s,
        "events_per_sim_s": events_per_s,
        "neuron_updates_per_sim_s": updates_per_s,
        "bytes_per_event_best": ev_best,
        "bytes_per_event_estimate": ev_est,
        "bytes_per_event_worst": ev_worst,
        "bytes_per_neuron_update": upd,
        "bytes_per_spike_per_thread_best": spike_vp_best,
        "bytes_per_spike_per_thread_estimate": spike_vp_est,
        "bytes_per_spike_per_thread_worst": spike_vp_worst,
        "runs_per_row": runs_per_row,
        "pending_steps": pending_steps,
        "pending_entries_per_thread": entries,
        "input_sums_bytes": float(sums_size),
        "state_bytes": float(state_size),
        "queued_events_bytes": float(queued_size),
        "pending_bytes": float(pending_size),
        "run_headers_bytes": float(headers_size),
        "llc_bytes": float(llc_bytes),
        "sums_miss_fraction": sums_miss,
        "queue_miss_fraction": queue_miss,
        "pending_miss_fraction": pending_miss,
        "run_headers_miss_fraction": headers_miss,
        "bandwidth_gbs": bandwidth_gbs,
    }
    for case, b in per_s.items():
        result["bytes_per_sim_s_" + case] = b
        result["rtf_limit_" + case] = b / bw if bw > 0 else None
    if random_mups and bw > 0:
        result["rtf_limit_random"] = (
            events_per_s / (random_mups * 1e6)
            + (
                events_per_s * (syn + queue_bytes)
                + spikes_per_s * vps * spike_vp_worst
                + updates_per_s * upd
            )
            / bw
        )
    else:
        result["rtf_limit_random"] = None
    result["rtf_limit_scatter"] = events_per_s / (scatter_meps * 1e6) if scatter_meps else None
    result["rtf_limit_update"] = updates_per_s / (update_mups * 1e6) if update_mups else None
    result["rtf_limit_cores"] = (
        result["rtf_limit_scatter"] + result["rtf_limit_update"]
        if scatter_meps and update_mups
        else None
    )
    return result
