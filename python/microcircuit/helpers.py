"""The reference's helper functions, reading this engine's output.

Spikes are read from ``<path>/spikes.h5`` (the SONATA file the engine
writes). Node ids are global and 1-based, as NEST numbers its neurons, with
the populations one after the other.
"""
import glob
import json
import os

import numpy as np

from . import _engine
from .network_params import POPULATIONS

SPIKE_FILE = "spikes.h5"


# -- the model's formulas (the engine's, with the reference's arguments) -------


def num_synapses_from_conn_probs(conn_probs, popsize1, popsize2):
    """Synapses of fixed-total-number projections that give the connection
    probabilities between populations of sizes popsize1 (targets) x popsize2."""
    conn_probs = np.asarray(conn_probs, float)
    return np.array(
        [
            [
                _engine.full_scale_synapses(conn_probs[y, x], target, source)
                for x, source in enumerate(popsize2)
            ]
            for y, target in enumerate(popsize1)
        ]
    )


def postsynaptic_potential_to_current(C_m, tau_m, tau_syn):
    """The PSC amplitude (pA) that makes a PSP of 1 mV."""
    return _engine.psc_per_psp(C_m, tau_m, tau_syn)


def dc_input_compensating_poisson(bg_rate, K_ext, tau_syn, PSC_ext):
    """The DC (pA) with the mean of K_ext Poisson inputs at bg_rate."""
    return np.array(
        [
            _engine.dc_of_poisson_input(bg_rate, k, PSC_ext, tau_syn)
            for k in np.asarray(K_ext, float)
        ]
    )


def adjust_weights_and_input_to_synapse_scaling(
    full_num_neurons,
    full_num_synapses,
    K_scaling,
    mean_PSC_matrix,
    PSC_ext,
    tau_syn,
    full_mean_rates,
    DC_amp,
    poisson_input,
    bg_rate,
    K_ext,
):
    """Weights scaled by 1 / sqrt(K_scaling) and the DC that keeps each
    population's mean input; ``poisson_input`` is whether the drive is Poisson.
    Returns (PSC_matrix_new, PSC_ext_new, DC_amp_new)."""
    PSC_matrix_new = mean_PSC_matrix / np.sqrt(K_scaling)
    PSC_ext_new = PSC_ext / np.sqrt(K_scaling)
    per_input = _engine.k_scaling_dc_per_input(tau_syn, K_scaling)
    input_rec = np.array(
        [
            _engine.mean_recurrent_input(weights, synapses, size, full_mean_rates)
            for weights, synapses, size in zip(
                np.asarray(mean_PSC_matrix, float),
                np.asarray(full_num_synapses, float),
                np.asarray(full_num_neurons, float),
            )
        ]
    )
    DC_amp_new = DC_amp + per_input * input_rec
    if poisson_input:
        DC_amp_new += per_input * PSC_ext * np.asarray(K_ext) * bg_rate
    return PSC_matrix_new, PSC_ext_new, DC_amp_new


def compute_rheo_base_current(V_th, E_L, C_m, tau_m):
    """The smallest constant current (pA) that makes the neuron fire."""
    return _engine.rheobase_current(V_th, E_L, C_m, tau_m)


# -- reading the output ---------------------------------------------------------


def get_data_file_list(path, label):
    """The files holding the spikes in ``path`` (the engine writes one,
    spikes.h5, whatever the label)."""
    return sorted(glob.glob(os.path.join(path, SPIKE_FILE)))


def _read_populations(path):
    import h5py

    with h5py.File(os.path.join(path, SPIKE_FILE), "r") as f:
        first, result = 1, []
        for pop in POPULATIONS:
            group = f["spikes"][pop]
            senders = group["node_ids"][()].astype(np.int64) + first
            result.append((first, senders, group["timestamps"][()]))
            first += int(group.attrs["n_neurons"])
        return result


def load_spike_data(path, label="spike_recorder", time_interval=None, pop=None, skip_rows=3):
    """The spikes in ``path`` per population: a list of arrays with one row
    (sender, time in ms) per spike, or the array of population index ``pop``;
    only spikes in [time_interval[0], time_interval[1]] where given."""
    data = []
    for _, senders, times in _read_populations(path):
        keep = (
            np.ones(len(times), bool)
            if time_interval is None
            else (times >= time_interval[0]) & (times <= time_interval[1])
        )
        data.append(np.column_stack([senders[keep], times[keep]]))
    return data if pop is None else data[pop]


def dict2json(dictionary, filename):
    """Writes a dictionary (numpy values included) as JSON."""

    def plain(value):
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        if isinstance(value, np.ndarray):
            return value.tolist()
        if isinstance(value, np.generic):
            return value.item()
        return value

    with open(filename, "w") as f:
        json.dump(plain(dictionary), f, indent=4)


def json2dict(filename):
    with open(filename) as f:
        return json.load(f)


# -- what evaluate() draws -------------------------------------------------------


def plot_raster(path, name, begin, end, N_scaling):
    """Raster plot of the spikes in [begin, end] ms, every k-th neuron drawn
    (k = 20 at full scale, fewer at smaller scales), saved as raster_plot.png."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    step = max(1, int(round(20 * N_scaling)))
    fig, ax = plt.subplots(figsize=(9, 6))
    ticks = []
    colors = ["#595289", "#af143c"]  # excitatory, inhibitory
    sizes = _population_sizes(path)
    for i, (first, senders, times) in enumerate(_read_populations(path)):
        keep = (times >= begin) & (times <= end) & ((senders - first) % step == 0)
        ax.plot(times[keep], -senders[keep], ".", markersize=1, color=colors[i % 2])
        ticks.append(-(first + sizes[i] / 2.0))
    ax.set_yticks(ticks)
    ax.set_yticklabels([p.replace("L23", "L2/3") for p in POPULATIONS])
    ax.set_xlabel("time (ms)")
    ax.set_title(f"spikes of one neuron in {step}, {begin:g}-{end:g} ms")
    fig.savefig(os.path.join(path, "raster_plot.png"), dpi=300)
    plt.close(fig)


def firing_rates(path, name, begin, end):
    """Per-neuron rates (spikes/s) in [begin, end] ms of each population,
    saved as rate<i>.dat; prints the populations' means and SDs."""
    means, sds = [], []
    for i, (first, senders, times) in enumerate(_read_populations(path)):
        n = _population_sizes(path)[i]
        keep = (times >= begin) & (times <= end)
        counts = np.bincount((senders[keep] - first).astype(int), minlength=n)
        rates = counts / ((end - begin) / 1000.0)
        np.savetxt(os.path.join(path, f"rate{i}.dat"), rates)
        means.append(np.mean(rates))
        sds.append(np.std(rates))
    print("Mean rates: {} spikes/s".format(np.around(means, decimals=3)))
    print("Standard deviation of rates: {} spikes/s".format(np.around(sds, decimals=3)))


def _population_sizes(path):
    import h5py

    with h5py.File(os.path.join(path, SPIKE_FILE), "r") as f:
        return [int(f["spikes"][p].attrs["n_neurons"]) for p in POPULATIONS]


def boxplot(path, populations):
    """Box plot of the per-neuron rates of rate<i>.dat, saved as box_plot.png."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rates = [np.loadtxt(os.path.join(path, f"rate{i}.dat")) for i in range(len(populations))]
    fig, ax = plt.subplots(figsize=(6, 5))
    ax.boxplot(rates[::-1], vert=False, showmeans=True, sym="")
    ax.set_yticklabels([p.replace("L23", "L2/3") for p in populations][::-1])
    ax.set_xlabel("firing rate (spikes/s)")
    fig.savefig(os.path.join(path, "box_plot.png"), dpi=300)
    plt.close(fig)


# -- statistics of spike trains ---------------------------------------------------
# `spikes` is a dictionary of equal-length arrays "senders" and "times" (ms),
# `pop` the ids of the neurons observed, `interval` (begin, end) in ms.


def truncate_spike_data(spikes, interval):
    """The spikes with begin <= time <= end."""
    keep = (spikes["times"] >= interval[0]) & (spikes["times"] <= interval[1])
    return {
        "senders": np.asarray(spikes["senders"])[keep],
        "times": np.asarray(spikes["times"])[keep],
    }


def time_averaged_single_neuron_firing_rates(spikes, pop, interval):
    """Each neuron's number of spikes in the interval over its length (spikes/s)."""
    spikes = truncate_spike_data(spikes, interval)
    duration_s = (interval[1] - interval[0]) / 1000.0
    return np.array([np.count_nonzero(spikes["senders"] == n) for n in pop]) / duration_s


def single_neuron_isi_cvs(spikes, pop, interval):
    """The coefficient of variation of the inter-spike intervals of each
    neuron with at least three spikes in the interval."""
    spikes = truncate_spike_data(spikes, interval)
    cvs = []
    for n in pop:
        isis = np.diff(np.sort(spikes["times"][spikes["senders"] == n]))
        if len(isis) >= 2:
            cvs.append(np.std(isis) / np.mean(isis))
    return np.array(cvs)


def generate_spike_counts(spikes, pop, interval, binsize):
    """Spike counts of each neuron (rows) in bins of `binsize` ms (columns)."""
    spikes = truncate_spike_data(spikes, interval)
    edges = np.arange(interval[0], interval[1] + binsize, binsize)
    return np.array([np.histogram(spikes["times"][spikes["senders"] == n], edges)[0] for n in pop])


def pairwise_spike_count_correlations(spikes, pop, interval, binsize):
    """Pearson correlation coefficients of the spike counts of all pairs of
    neurons in `pop` that spiked (each pair once)."""
    counts = generate_spike_counts(spikes, pop, interval, binsize)
    counts = counts[counts.std(axis=1) > 0]
    if len(counts) < 2:
        return np.array([])
    matrix = np.corrcoef(counts)
    return matrix[np.triu_indices(len(counts), k=1)]


def data_distribution(data, label, unit="", hist_bin=None):
    """Histogram of `data` (bins: `hist_bin` or an automatic choice) and its
    summary: returns (counts, bin_edges, {"mean", "sd", "min", "max", "n"})."""
    data = np.asarray(data, float)
    counts, edges = np.histogram(data, bins="auto" if hist_bin is None else hist_bin)
    summary = {
        "label": label,
        "unit": unit,
        "n": int(data.size),
        "mean": float(np.mean(data)) if data.size else float("nan"),
        "sd": float(np.std(data)) if data.size else float("nan"),
        "min": float(np.min(data)) if data.size else float("nan"),
        "max": float(np.max(data)) if data.size else float("nan"),
    }
    return counts, edges, summary
