"""Spike statistics of the PD14 benchmark recipe, vectorised with numpy.

Per population, over the window [t_start, t_stop) (ms):

* ``rates``: firing rate of every neuron, spikes / (t_stop - t_start), in
  spikes/s; silent neurons included (rate 0).
* ``cvs``: coefficient of variation of the inter-spike intervals,
  SD(ISI) / mean(ISI) with the population SD (ddof = 0), of every neuron with
  at least 3 spikes in the window.
* ``ccs``: Pearson correlation coefficients of the spike counts in bins of
  ``bin_ms`` (2 ms, bins from t_start; an incomplete last bin is dropped),
  over all pairs of a seeded random subsample of ``n_sample`` (200) neurons
  drawn from the whole population (silent ones included); pairs with a
  neuron silent in the window are left out.

The KS distance is the two-sample Kolmogorov-Smirnov statistic
sup_x |F_a(x) - F_b(x)| of the empirical distribution functions.
"""

import numpy as np
import scipy.sparse

STATISTICS = ("rates", "cvs", "ccs")
STAT_LABELS = {"rates": "rate (spikes/s)", "cvs": "ISI CV", "ccs": "spike-count correlation"}

DEFAULT_N_SAMPLE = 200
DEFAULT_BIN_MS = 2.0
DEFAULT_SEED = 12345
MIN_SPIKES_CV = 3
DEFAULT_PSTH_BIN_MS = 5.0


def window_mask(times, t_start, t_stop):
    return (times >= t_start) & (times < t_stop)


def firing_rates(node_ids, times, n_neurons, t_start, t_stop):
    """Per-neuron rates (spikes/s) over [t_start, t_stop), silent ones included.

    ``node_ids``/``times`` must already be restricted to the window.
    """
    duration_s = (t_stop - t_start) * 1e-3
    if duration_s <= 0:
        raise ValueError("empty analysis window")
    counts = np.bincount(node_ids, minlength=n_neurons)
    if len(counts) > n_neurons:
        raise ValueError(f"node id {len(counts) - 1} >= n_neurons {n_neurons}")
    return counts / duration_s


def _sort_by_neuron(node_ids, times):
    """Spikes ordered by neuron, then time."""
    if len(times) > 1 and np.all(times[1:] >= times[:-1]):
        order = np.argsort(node_ids, kind="stable")  # already time-sorted
    else:
        order = np.lexsort((times, node_ids))
    return node_ids[order], times[order]


def isi_cvs(node_ids, times, n_neurons, min_spikes=MIN_SPIKES_CV):
    """ISI CVs of neurons with >= ``min_spikes`` spikes.

    Returns (cvs, neuron_ids): float array and the neurons they belong to,
    in increasing neuron order. ``node_ids``/``times`` restricted to the
    window already.
    """
    if len(times) < 2:
        return np.empty(0), np.empty(0, np.int64)
    ids, ts = _sort_by_neuron(node_ids, times)
    same = ids[1:] == ids[:-1]
    owner = ids[1:][same]
    isi = (ts[1:] - ts[:-1])[same]
    n_isi = np.bincount(owner, minlength=n_neurons)
    mean = np.bincount(owner, weights=isi, minlength=n_neurons)
    keep = n_isi >= max(min_spikes - 1, 1)
    mean = np.divide(mean, n_isi, out=np.zeros(n_neurons), where=n_isi > 0)
    dev = isi - mean[owner]  # two-pass variance: no cancellation
    var = np.bincount(owner, weights=dev * dev, minlength=n_neurons)
    var = np.divide(var, n_isi, out=np.zeros(n_neurons), where=n_isi > 0)
    keep &= mean > 0
    neurons = np.flatnonzero(keep)
    return np.sqrt(var[neurons]) / mean[neurons], neurons


def draw_samples(sizes, n_sample=DEFAULT_N_SAMPLE, seed=DEFAULT_SEED):
    """Seeded random subsamples of neuron ids, one per population.

    ``sizes`` lists the population sizes in population order. One generator,
    ``numpy.random.default_rng(seed)``, draws ``min(n_sample, n)`` distinct
    ids of each population in turn (``rng.choice(n, k, replace=False)``),
    the same way the reference's summary.json was made (seed 12345), so
    the default reproduces its subsamples exactly. Returns sorted arrays.
    """
    rng = np.random.default_rng(int(seed))
    out = []
    for n in sizes:
        k = min(int(n_sample), int(n))
        out.append(np.sort(rng.choice(int(n), size=k, replace=False)))
    return out


def binned_counts(node_ids, times, neurons, t_start, t_stop, bin_ms):
    """Sparse (len(neurons) x n_bins) matrix of spike counts per bin."""
    n_bins = int(np.floor((t_stop - t_start) / bin_ms + 1e-9))
    row_of = np.full(
        int(max(node_ids.max(initial=-1), neurons.max(initial=-1))) + 1, -1, dtype=np.int64
    )
    row_of[neurons] = np.arange(len(neurons))
    rows = row_of[node_ids]
    cols = np.floor((times - t_start) / bin_ms).astype(np.int64)
    sel = (rows >= 0) & (cols >= 0) & (cols < n_bins)
    data = np.ones(int(sel.sum()), dtype=np.float64)
    mat = scipy.sparse.csr_matrix(
        (data, (rows[sel], cols[sel])), shape=(len(neurons), max(n_bins, 0))
    )
    mat.sum_duplicates()
    return mat, n_bins


def count_correlations(counts, n_bins):
    """Pearson correlations of all row pairs (i < j) of a count matrix.

    Pairs where a row has zero variance (a silent neuron) are left out.
    Uses the exact integer identities nb*Sxy - Sx*Sy on the sparse product.
    """
    k = counts.shape[0]
    if k < 2 or n_bins < 2:
        return np.empty(0)
    gram = (counts @ counts.T).toarray()
    sums = np.asarray(counts.sum(axis=1)).ravel()
    cov = n_bins * gram - np.outer(sums, sums)  # = nb^2 * covariance
    var = np.diag(cov).copy()
    iu, ju = np.triu_indices(k, 1)
    ok = (var[iu] > 0) & (var[ju] > 0)
    iu, ju = iu[ok], ju[ok]
    return cov[iu, ju] / np.sqrt(var[iu] * var[ju])


def spike_count_correlations(node_ids, times, neurons, t_start, t_stop, bin_ms=DEFAULT_BIN_MS):
    """Correlations over all pairs of the given neurons (a subsample)."""
    neurons = np.asarray(neurons, dtype=np.int64)
    if len(neurons) < 2:
        return np.empty(0)
    counts, n_bins = binned_counts(node_ids, times, neurons, t_start, t_stop, bin_ms)
    return count_correlations(counts, n_bins)


class PopulationStats:
    """The distributions and summary numbers of one population."""

    def __init__(self, name, n_neurons, n_spikes, rates, cvs, ccs):
        self.name = name
        self.n_neurons = int(n_neurons)
        self.n_spikes = int(n_spikes)
        self.rates = rates
        self.cvs = cvs
        self.ccs = ccs

    def distribution(self, stat):
        return getattr(self, stat)

    def summary(self):
        def mean(a):
            return float(np.mean(a)) if a is not None and len(a) else None

        def sd(a):
            return float(np.std(a)) if a is not None and len(a) else None

        out = {"n_neurons": self.n_neurons, "n_spikes": self.n_spikes}
        if self.rates is not None:
            out.update(
                mean_rate_Hz=mean(self.rates),
                sd_rate_Hz=sd(self.rates),
                silent_fraction=float(np.mean(self.rates == 0)) if len(self.rates) else None,
            )
        if self.cvs is not None:
            out.update(n_cv=int(len(self.cvs)), mean_cv=mean(self.cvs), sd_cv=sd(self.cvs))
        if self.ccs is not None:
            out.update(n_pairs=int(len(self.ccs)), mean_cc=mean(self.ccs), sd_cc=sd(self.ccs))
        return out


def population_statistics(
    name,
    node_ids,
    times,
    n_neurons,
    t_start,
    t_stop,
    stats=STATISTICS,
    sample=None,
    bin_ms=DEFAULT_BIN_MS,
):
    """All requested statistics of one population over [t_start, t_stop).

    ``sample``: neuron ids for the correlations (see :func:`draw_samples`);
    required when "ccs" is requested.
    """
    m = window_mask(times, t_start, t_stop)
    ids, ts = node_ids[m], times[m]
    if len(ids) and (ids.min() < 0 or ids.max() >= n_neurons):
        raise ValueError(f"{name}: node ids outside [0, {n_neurons})")
    rates = firing_rates(ids, ts, n_neurons, t_start, t_stop) if "rates" in stats else None
    cvs = isi_cvs(ids, ts, n_neurons)[0] if "cvs" in stats else None
    ccs = None
    if "ccs" in stats:
        if sample is None:
            raise ValueError("correlations need a neuron sample")
        ccs = spike_count_correlations(ids, ts, sample, t_start, t_stop, bin_ms)
    return PopulationStats(name, n_neurons, len(ids), rates, cvs, ccs)


def compute_statistics(
    data,
    t_start,
    t_stop,
    stats=STATISTICS,
    n_sample=DEFAULT_N_SAMPLE,
    bin_ms=DEFAULT_BIN_MS,
    seed=DEFAULT_SEED,
    populations=None,
):
    """Statistics of the populations of a :class:`readers.SpikeData`.

    Returns a dict name -> :class:`PopulationStats`, in population order.
    The correlation subsamples are drawn for all populations of ``data`` in
    order (so a subset via ``populations`` gets the same neurons).
    """
    samples = dict(
        zip(
            data.populations,
            draw_samples([data.n_neurons[p] for p in data.populations], n_sample, seed),
        )
    )
    out = {}
    for name in populations or data.populations:
        out[name] = population_statistics(
            name,
            data.node_ids[name],
            data.times[name],
            data.n_neurons[name],
            t_start,
            t_stop,
            stats,
            samples[name],
            bin_ms,
        )
    return out


def population_rate(times, n_neurons, t_start, t_stop, bin_ms):
    """Population rate (PSTH) over [t_start, t_stop): spikes per neuron per
    second in consecutive bins of ``bin_ms`` from t_start (an incomplete last
    bin is dropped). Returns (bin edges in ms, rates in spikes/s)."""
    n_bins = int(np.floor((t_stop - t_start) / bin_ms + 1e-9))
    if n_bins < 1:
        raise ValueError(f"no bin of {bin_ms:g} ms fits into [{t_start:g}, {t_stop:g}) ms")
    edges = t_start + bin_ms * np.arange(n_bins + 1)
    idx = np.floor((np.asarray(times, dtype=np.float64) - t_start) / bin_ms).astype(np.int64)
    counts = np.bincount(idx[(idx >= 0) & (idx < n_bins)], minlength=n_bins)
    return edges, counts / max(int(n_neurons), 1) / (bin_ms * 1e-3)


def ks_distance(a, b):
    """Two-sample Kolmogorov-Smirnov distance sup |F_a - F_b|.

    Equal to ``scipy.stats.ks_2samp(a, b).statistic``; ties are handled by
    evaluating both empirical CDFs (right-continuous) at every data point.
    Returns NaN if either sample is empty.
    """
    a = np.sort(np.asarray(a, dtype=np.float64))
    b = np.sort(np.asarray(b, dtype=np.float64))
    if len(a) == 0 or len(b) == 0:
        return float("nan")
    x = np.concatenate([a, b])
    fa = np.searchsorted(a, x, side="right") / len(a)
    fb = np.searchsorted(b, x, side="right") / len(b)
    return float(np.max(np.abs(fa - fb)))
