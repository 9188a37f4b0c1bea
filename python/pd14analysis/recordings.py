"""What a run did besides spiking: the stimuli of its configuration and the
membrane potentials its voltmeter recorded.

Both come from the engine's SONATA file: the effective configuration in the
``/metadata`` attribute ``config_yaml`` (section ``stimulus``: the thalamic
pulse ``thalamic_input``, ``th_start``, ``th_duration``; the DC transient
``dc_transient``, ``dc_transient_start``, ``dc_transient_dur``,
``dc_transient_amp``), and the voltmeter's ``/voltages/<population>/data``
(samples x neurons), ``/voltages/<population>/node_ids`` and
``/voltages/times`` (ms). Stimulus times count from the start of the
simulation, warm-up included, as the configuration's do.
"""

import collections

import numpy as np

from . import POPULATIONS
from . import readers

Stimulus = collections.namedtuple("Stimulus", "kind start_ms stop_ms label")
"""One stimulus: ``kind`` ("thalamic" or "dc_transient"), its window
[start_ms, stop_ms) and a label for legends and titles."""


def run_config(data):
    """The effective configuration of a run read by :func:`readers.read_spikes`
    (dict of sections), or {} where the input carries none (the reference
    seeds, the PyNEST text output)."""
    if data.meta.get("format") != "sonata" or not data.meta.get("path"):
        return {}
    import h5py

    with h5py.File(data.meta["path"], "r") as f:
        if "metadata" not in f or "config_yaml" not in f["metadata"].attrs:
            return {}
        text = readers._as_str(f["metadata"].attrs["config_yaml"])
    return readers.load_config_yaml(text)


def _true(value):
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "on", "1")
    return bool(value)


def config_number(section, *names):
    """The first of ``names`` present in ``section`` as a float (the engine
    writes the current names; earlier files may hold the old ones)."""
    for name in names:
        if name in section:
            try:
                return float(section[name])
            except (TypeError, ValueError):
                return None
    return None


def stimuli(config):
    """The stimuli switched on in a configuration, in time order."""
    stim = config.get("stimulus") or {}
    if not isinstance(stim, dict):
        return []
    out = []
    if _true(stim.get("thalamic_input", False)):
        start, dur = config_number(stim, "th_start"), config_number(stim, "th_duration")
        if start is not None and dur is not None:
            rate, n = config_number(stim, "th_rate"), config_number(stim, "num_th_neurons")
            extra = (
                f", {n:g} neurons at {rate:g} spikes/s"
                if rate is not None and n is not None
                else ""
            )
            out.append(
                Stimulus(
                    "thalamic",
                    start,
                    start + dur,
                    f"thalamic pulse {start:g}-{start + dur:g} ms{extra}",
                )
            )
    if _true(stim.get("dc_transient", False)):
        start = config_number(stim, "dc_transient_start", "dc_start")
        dur = config_number(stim, "dc_transient_dur", "dc_dur")
        amp = config_number(stim, "dc_transient_amp", "dc_amp")
        if start is not None and dur is not None:
            extra = f", {amp:g} pA x K_ext" if amp is not None else ""
            out.append(
                Stimulus(
                    "dc_transient",
                    start,
                    start + dur,
                    f"DC transient {start:g}-{start + dur:g} ms{extra}",
                )
            )
    return sorted(out, key=lambda s: s.start_ms)


class Voltages:
    """Recorded membrane potentials.

    Attributes: ``times`` (ms, one per sample), ``populations`` (PD14 order
    first), and per population ``node_ids`` (0-based within it), ``data``
    (samples x neurons) and ``units`` (the dataset's ``units`` attribute,
    else the group's, else mV).
    """

    def __init__(self, times, populations, node_ids, data, units):
        self.times = times
        self.populations = populations
        self.node_ids = node_ids
        self.data = data
        self.units = units


def read_voltages(data):
    """The voltmeter's recording of a run, or None where it has none."""
    if data.meta.get("format") != "sonata" or not data.meta.get("path"):
        return None
    import h5py

    with h5py.File(data.meta["path"], "r") as f:
        if "voltages" not in f or "times" not in f["voltages"]:
            return None
        group = f["voltages"]
        times = np.asarray(group["times"][()], dtype=np.float64)
        default_units = readers._as_str(group.attrs.get("units", "mV")) or "mV"
        node_ids, values, units = {}, {}, {}
        for name, sub in group.items():
            if not hasattr(sub, "keys") or "data" not in sub:
                continue
            v = np.asarray(sub["data"][()], dtype=np.float64)
            if v.ndim == 1:
                v = v[:, None]
            if v.shape[0] != len(times):
                raise ValueError(
                    f"{data.meta['path']}: /voltages/{name}/data has "
                    f"{v.shape[0]} samples, /voltages/times {len(times)}"
                )
            values[name] = v
            node_ids[name] = (
                np.asarray(sub["node_ids"][()], dtype=np.int64)
                if "node_ids" in sub
                else np.arange(v.shape[1])
            )
            units[name] = (
                readers._as_str(sub["data"].attrs.get("units", default_units)) or default_units
            )
    if not values:
        return None
    order = [p for p in POPULATIONS if p in values] + sorted(
        p for p in values if p not in POPULATIONS
    )
    return Voltages(times, order, node_ids, values, units)
