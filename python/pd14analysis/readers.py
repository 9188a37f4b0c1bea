"""Reading spike data and run metadata.

Two input formats are understood, both turned into a :class:`SpikeData`:

* SONATA spike files (HDF5): ``/spikes/<population>/node_ids`` (0-based within
  the population) and ``/spikes/<population>/timestamps`` (ms), with the
  attribute ``n_neurons`` on each population group. This is what
  ``microcircuit_mpi`` writes (``<data_path>/spikes.h5``) and what the
  reference data in ``data/reference/network`` uses.
* The PyNEST reference's text output: ``spike_recorder-<id>-<thread>.dat``
  files (columns ``sender`` = NEST global id, 1-based, and ``time_ms``) plus
  the population id ranges, either from ``population_nodeids.dat`` (one line
  ``first_id last_id`` per population, in PD14 order) or from ``nodes.json``
  (see :func:`read_nodes_json`).
"""

import glob
import json
import math
import os
import re

import numpy as np

from . import POPULATIONS, N_FULL

# PD14 defaults of the PyNEST reference (docs/model.md), used when a text-format
# run carries no metadata.
DEFAULT_T_PRESIM_MS = 500.0

# Stimulus timing keys of the engine's configuration (ms), kept in the metadata
# so that evoked responses can be analysed around the stimulus the run had.
STIMULUS_TIMES = ("th_start", "th_duration", "dc_transient_start", "dc_transient_dur")


class SpikeData:
    """Spikes of a run, per population, plus what is known about the run.

    Attributes
    ----------
    populations : list of str
        Population names in display order (PD14 order when the names match).
    n_neurons : dict name -> int
    node_ids : dict name -> int64 array (0-based within the population)
    times : dict name -> float64 array (ms)
    meta : dict
        Keys (all optional, None when unknown): ``t_presim`` and ``t_sim``
        (ms), ``recorded_from_ms``, ``recorded_until_ms``, ``N_scaling``,
        ``K_scaling``, ``drive`` (``"poisson"`` or ``"dc"``), ``seed``,
        ``thalamic_input`` and ``dc_transient`` (bool), the stimulus times
        ``th_start``, ``th_duration``, ``dc_transient_start``,
        ``dc_transient_dur`` (ms, engine files), ``path``, ``format``,
        ``n_neurons_source``.
    """

    def __init__(self, populations, n_neurons, node_ids, times, meta=None):
        self.populations = list(populations)
        self.n_neurons = dict(n_neurons)
        self.node_ids = dict(node_ids)
        self.times = dict(times)
        self.meta = dict(meta or {})

    @property
    def n_spikes(self):
        return int(sum(len(self.times[p]) for p in self.populations))

    @property
    def scale(self):
        """The single scale factor, or None if N_scaling != K_scaling."""
        n, k = self.meta.get("N_scaling"), self.meta.get("K_scaling")
        if n is None or k is None or not math.isclose(n, k, rel_tol=1e-9):
            return None
        return float(n)

    def default_window(self):
        """Analysis window [t_start, t_stop) in ms and where it came from.

        t_start is the end of the warm-up (t_presim; else the start of the
        recording); t_stop the end of the simulation (t_presim + t_sim; else
        the end of the recording; else inferred from the last spike).
        """
        m = self.meta
        t_start = m.get("t_presim")
        source = "metadata"
        if t_start is None:
            t_start = m.get("recorded_from_ms")
        if t_start is None:
            t_start = DEFAULT_T_PRESIM_MS
            source = "default t_presim"
        t_stop = None
        if m.get("t_presim") is not None and m.get("t_sim") is not None:
            t_stop = m["t_presim"] + m["t_sim"]
        elif m.get("recorded_until_ms") is not None:
            t_stop = m["recorded_until_ms"]
        if t_stop is None:
            last = max((float(t.max()) for t in self.times.values() if len(t)), default=t_start)
            # simulations run for whole multiples of 100 ms in practice; the
            # last step's spikes are stamped with the end time itself
            t_stop = max(t_start, math.ceil(last / 100.0 - 1e-9) * 100.0)
            source = (
                "inferred from the last spike"
                if source == "metadata"
                else source + ", t_stop inferred from the last spike"
            )
        return float(t_start), float(t_stop), source


# --------------------------------------------------------------------------
# metadata helpers


def _as_str(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace").rstrip("\x00")
    if isinstance(value, np.ndarray) and value.shape == ():
        return _as_str(value[()])
    return str(value).rstrip("\x00")


def _as_float(value):
    try:
        return float(np.asarray(value).ravel()[0])
    except (TypeError, ValueError, IndexError):
        return None


def load_config_yaml(text):
    """The engine's effective configuration (``/metadata`` attribute
    ``config_yaml``) as a dict of sections; values are strings where PyYAML
    is missing."""
    try:
        import yaml

        cfg = yaml.safe_load(text) or {}
    except Exception:  # PyYAML missing or odd text: minimal parser
        cfg = {}
        section = None
        for line in text.splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            m = re.match(r"^(\s*)([A-Za-z_][\w]*)\s*:\s*(.*?)\s*(#.*)?$", line)
            if not m:
                continue
            indent, key, value = len(m.group(1)), m.group(2), m.group(3)
            if indent == 0:
                section = key
                cfg.setdefault(key, {} if value == "" else value)
            elif section is not None and isinstance(cfg.get(section), dict):
                cfg[section][key] = value.strip("'\"")
    return cfg if isinstance(cfg, dict) else {}


def _parse_config_yaml(text):
    """The few run parameters we need from the engine's effective config."""
    cfg = load_config_yaml(text)
    out = {}
    sim = cfg.get("simulation") or {}
    net = cfg.get("network") or {}
    if isinstance(sim, dict):
        for k in ("t_presim", "t_sim"):
            if k in sim:
                out[k] = _as_float(sim[k])
        if "rng_seed" in sim:
            out["seed"] = sim["rng_seed"]
    if isinstance(net, dict):
        for k in ("N_scaling", "K_scaling"):
            if k in net:
                out[k] = _as_float(net[k])
        if "bg_input_type" in net:
            out["drive"] = str(net["bg_input_type"])
    stim = cfg.get("stimulus") or {}
    if isinstance(stim, dict):
        for k in ("thalamic_input", "dc_transient"):
            if k in stim:
                out[k] = str(stim[k]).strip().lower() in ("true", "1", "yes", "on")
        for k in STIMULUS_TIMES:
            if k in stim:
                out[k] = _as_float(stim[k])
    return out


def _meta_from_attrs(attrs):
    """Map root attributes of either layout onto our metadata keys."""
    a = {k: attrs[k] for k in attrs.keys()}
    meta = {}

    def first(*names):
        for n in names:
            if n in a:
                return a[n]
        return None

    for key, names in (
        ("t_presim", ("t_presim_ms", "t_presim")),
        ("t_sim", ("t_sim_ms", "t_sim")),
        ("recorded_from_ms", ("recorded_from_ms",)),
        ("recorded_until_ms", ("recorded_until_ms",)),
        ("N_scaling", ("N_scaling",)),
        ("K_scaling", ("K_scaling",)),
    ):
        v = first(*names)
        if v is not None:
            meta[key] = _as_float(v)
    if "scale" in a:
        s = _as_float(a["scale"])
        meta.setdefault("N_scaling", s)
        meta.setdefault("K_scaling", s)
    for key in ("thalamic_input", "dc_transient"):
        if key in a:
            meta[key] = bool(_as_float(a[key]))
    drive = first("bg_input_type", "bg", "drive")
    if drive is not None:
        meta["drive"] = _as_str(drive)
    seed = first("seed", "rng_seed")
    if seed is not None:
        try:
            meta["seed"] = int(np.asarray(seed).ravel()[0])
        except (TypeError, ValueError):
            meta["seed"] = _as_str(seed)
    return meta


def _ordered(names):
    """PD14 populations first, in PD14 order, then the rest as given."""
    names = list(names)
    known = [p for p in POPULATIONS if p in names]
    return known + [n for n in names if n not in known]


def _fallback_n_neurons(name, ids, meta):
    """Population size when the file does not state it."""
    scale = meta.get("N_scaling")
    if name in POPULATIONS and scale is not None:
        return int(round(N_FULL[POPULATIONS.index(name)] * scale)), "N_scaling"
    return (int(ids.max()) + 1 if len(ids) else 0), "max node id"


# --------------------------------------------------------------------------
# SONATA

SEAL_MARK = 0x44454C4145534D43  # "MCSEALED", src/output/file_seal.hpp


def _check_seal(path):
    """microcircuit_mpi ends its files in a seal (a digest of every byte before
    it): a file that carries one must match it. Files of other tools have none."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        if size < 16:
            return
        f.seek(size - 16)
        mark, digest = np.frombuffer(f.read(16), dtype="<u8")
        if mark != SEAL_MARK:
            return
        f.seek(0)
        body = f.read(size - 16)
    words = np.frombuffer(body + bytes(-len(body) % 8), dtype="<u8")

    def mix64(x):
        x = x ^ (x >> np.uint64(30))
        x = x * np.uint64(0xBF58476D1CE4E5B9)
        x = x ^ (x >> np.uint64(27))
        x = x * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))

    with np.errstate(over="ignore"):
        found = mix64(np.array([size - 16], dtype=np.uint64))[0] + np.sum(
            mix64(mix64(np.arange(len(words), dtype=np.uint64)) ^ words), dtype=np.uint64
        )
    if found != digest:
        raise ValueError(f"{path}: damaged: its bytes do not match the seal they were written with")


def read_sonata(path):
    """Read a SONATA spike file (HDF5) into a :class:`SpikeData`."""
    _check_seal(path)
    try:
        return _read_sonata(path)
    except (
        ValueError,
        OSError,
        KeyError,
        RuntimeError,
        TypeError,
        AttributeError,
        IndexError,
        ArithmeticError,
        MemoryError,
    ) as error:
        if str(path) in str(error):
            raise
        raise ValueError(f"{path}: not a readable SONATA spike file ({error})") from None


def _read_sonata(path):
    import h5py

    node_ids, times, n_neurons, n_source = {}, {}, {}, {}
    with h5py.File(path, "r") as f:
        meta = _meta_from_attrs(f.attrs)
        if "metadata" in f:
            md = f["metadata"].attrs
            if "config_yaml" in md:
                for k, v in _parse_config_yaml(_as_str(md["config_yaml"])).items():
                    if v is not None:
                        meta.setdefault(k, v)
            for k, v in _meta_from_attrs(md).items():
                meta.setdefault(k, v)
        if "spikes" not in f:
            raise ValueError(f"{path}: no /spikes group, not a SONATA spike file")
        spikes = f["spikes"]
        if "node_ids" in spikes and "timestamps" in spikes:
            # flat layout (one population directly under /spikes)
            groups = {_as_str(spikes.attrs.get("population", "all")): spikes}
        else:
            groups = {
                name: g
                for name, g in spikes.items()
                if hasattr(g, "keys") and "timestamps" in g and "node_ids" in g
            }
        if not groups:
            raise ValueError(f"{path}: no populations under /spikes")
        for name, g in groups.items():
            ids = np.asarray(g["node_ids"][()], dtype=np.int64)
            ts = np.asarray(g["timestamps"][()], dtype=np.float64)
            if ids.shape != ts.shape:
                raise ValueError(
                    f"{path}: /spikes/{name}: node_ids and " "timestamps differ in length"
                )
            node_ids[name], times[name] = ids, ts
            if "n_neurons" in g.attrs:
                n_neurons[name] = int(np.asarray(g.attrs["n_neurons"]).ravel()[0])
                n_source[name] = "file"
    for name in node_ids:
        if name not in n_neurons:
            n_neurons[name], n_source[name] = _fallback_n_neurons(name, node_ids[name], meta)
    meta.update(path=os.path.abspath(path), format="sonata", n_neurons_source=n_source)
    return SpikeData(_ordered(node_ids), n_neurons, node_ids, times, meta)


# --------------------------------------------------------------------------
# PyNEST text output


def read_population_nodeids(path):
    """Parse ``population_nodeids.dat``: one ``first last`` line per population.

    Returns (ranges, metadata): a list of (name, first_id, last_id) -- the
    PD14 names when there are eight lines, else ``pop0``, ``pop1``, ... --
    and an empty metadata dict (the file carries none).
    """
    ranges = []
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                first, last = line.split()[:2]
                ranges.append((int(float(first)), int(float(last))))
    names = (
        POPULATIONS if len(ranges) == len(POPULATIONS) else [f"pop{i}" for i in range(len(ranges))]
    )
    return [(n, a, b) for n, (a, b) in zip(names, ranges)], {}


def read_nodes_json(path):
    """Parse ``nodes.json``, the JSON alternative to population_nodeids.dat.

    Returns (ranges, metadata) like :func:`read_population_nodeids`.
    Format (the metadata keys are optional)::

        {
          "populations": [
            {"name": "L23E", "first_id": 1, "last_id": 2068},
            ...
          ],
          "t_presim": 500.0, "t_sim": 10000.0,
          "N_scaling": 0.1, "K_scaling": 0.1, "bg_input_type": "poisson",
          "seed": 1
        }

    ``"populations"`` may also be an object ``{"L23E": [1, 2068], ...}``
    (insertion order is kept). Ids are NEST global ids, inclusive ranges.
    """
    with open(path) as f:
        doc = json.load(f)
    pops = doc.get("populations", doc if isinstance(doc, dict) else None)
    ranges = []
    if isinstance(pops, list):
        for p in pops:
            ranges.append((str(p["name"]), int(p["first_id"]), int(p["last_id"])))
    elif isinstance(pops, dict):
        for name, v in pops.items():
            if isinstance(v, dict):
                ranges.append((str(name), int(v["first_id"]), int(v["last_id"])))
            elif isinstance(v, (list, tuple)) and len(v) == 2:
                ranges.append((str(name), int(v[0]), int(v[1])))
    if not ranges:
        raise ValueError(f"{path}: no populations found")
    meta = _meta_from_attrs(
        {k: v for k, v in doc.items() if k != "populations" and not isinstance(v, (dict, list))}
    )
    return ranges, meta


def _read_dat(path):
    """Return (senders int64, times float64) of one recorder file.

    Leading lines that start with '#' and a header line of column names
    (``sender\ttime_ms``) are skipped; without a header the columns are
    sender, time_ms.
    """
    with open(path) as f:
        text = f.read()
    col_sender, col_time = 0, 1
    pos = 0
    while pos < len(text):
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end
        line = text[pos:end].strip()
        if line and not line.startswith("#"):
            if re.match(r"^[-+0-9.]", line):
                break
            names = line.split()  # header line with column names
            if "sender" in names:
                col_sender = names.index("sender")
            for cand in ("time_ms", "time"):
                if cand in names:
                    col_time = names.index(cand)
                    break
        pos = end + 1
    body = text[pos:]
    first = body.strip().split("\n", 1)[0]
    if not first:
        return np.empty(0, np.int64), np.empty(0, np.float64)
    n_cols = len(first.split())
    values = np.array(body.split(), dtype=np.float64)
    if values.size % n_cols:
        raise ValueError(f"{path}: ragged data (expected {n_cols} columns)")
    values = values.reshape(-1, n_cols)
    return values[:, col_sender].astype(np.int64), values[:, col_time].copy()


def read_nest_text(path, nodes_file=None, label="spike_recorder"):
    """Read the PyNEST reference's text output into a :class:`SpikeData`.

    ``path`` is the data directory (or one of its ``.dat`` files).
    ``nodes_file`` overrides where the population ranges come from; by
    default ``nodes.json`` or ``population_nodeids.dat`` in that directory.
    """
    try:
        return _read_nest_text(path, nodes_file, label)
    except (ValueError, IndexError, KeyError, TypeError, OSError, ArithmeticError) as error:
        if str(path) in str(error):
            raise
        raise ValueError(f"{path}: not readable NEST text output ({error})") from None


def _read_nest_text(path, nodes_file, label):
    directory = path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        files = sorted(glob.glob(os.path.join(directory, f"{label}-*.dat")))
    else:
        files = [path]
    if not files:
        raise ValueError(f"{path}: no {label}-*.dat files")
    if nodes_file is None:
        for cand in ("nodes.json", "population_nodeids.dat"):
            if os.path.exists(os.path.join(directory, cand)):
                nodes_file = os.path.join(directory, cand)
                break
    if nodes_file is None:
        raise ValueError(
            f"{directory}: neither nodes.json nor " "population_nodeids.dat found (use --nodes)"
        )
    if nodes_file.endswith(".json"):
        ranges, meta = read_nodes_json(nodes_file)
    else:
        ranges, meta = read_population_nodeids(nodes_file)

    parts = [_read_dat(fn) for fn in files]
    senders = np.concatenate([p[0] for p in parts]) if parts else np.empty(0, np.int64)
    times = np.concatenate([p[1] for p in parts]) if parts else np.empty(0)

    firsts = np.array([a for _, a, _ in ranges], dtype=np.int64)
    order = np.argsort(firsts, kind="stable")
    which = np.searchsorted(firsts[order], senders, side="right") - 1
    node_ids, ts, n_neurons = {}, {}, {}
    for rank, idx in enumerate(order):
        name, first, last = ranges[idx]
        sel = (which == rank) & (senders <= last)
        node_ids[name] = senders[sel] - first
        ts[name] = times[sel]
        n_neurons[name] = int(last - first + 1)
    assigned = sum(len(v) for v in ts.values())
    if assigned != len(senders):
        raise ValueError(
            f"{path}: {len(senders) - assigned} spikes from senders "
            "outside all population ranges"
        )
    meta.update(
        path=os.path.abspath(path),
        format="nest-text",
        n_neurons_source={n: "node ranges" for n in n_neurons},
        files=[os.path.basename(fn) for fn in files],
    )
    names = [r[0] for r in ranges]
    return SpikeData(_ordered(names), n_neurons, node_ids, ts, meta)


# --------------------------------------------------------------------------


def detect_format(path):
    """'sonata' or 'nest-text' for a file or directory, or raise ValueError."""
    if os.path.isdir(path):
        for cand in ("spikes.h5", "spikes.hdf5"):
            if os.path.exists(os.path.join(path, cand)):
                return "sonata"
        if glob.glob(os.path.join(path, "*.dat")):
            return "nest-text"
        raise ValueError(f"{path}: no spikes.h5 and no .dat files")
    if not os.path.exists(path):
        raise ValueError(f"{path}: no such file or directory")
    with open(path, "rb") as f:
        if f.read(8) == b"\x89HDF\r\n\x1a\n":
            return "sonata"
    if path.endswith(".dat"):
        return "nest-text"
    raise ValueError(f"{path}: neither HDF5 nor a .dat file")


def read_spikes(path, fmt="auto", nodes_file=None, overrides=None):
    """Read spikes from a file or data directory.

    ``overrides`` (dict) replaces metadata, e.g. ``{"N_scaling": 0.1,
    "K_scaling": 0.1, "drive": "poisson"}`` from command-line options.
    """
    if fmt == "auto":
        fmt = detect_format(path)
    if fmt == "sonata":
        if os.path.isdir(path):
            for cand in ("spikes.h5", "spikes.hdf5"):
                if os.path.exists(os.path.join(path, cand)):
                    path = os.path.join(path, cand)
                    break
        data = read_sonata(path)
    elif fmt == "nest-text":
        data = read_nest_text(path, nodes_file=nodes_file)
    else:
        raise ValueError(f"unknown format {fmt!r}")
    for k, v in (overrides or {}).items():
        if v is not None:
            data.meta[k] = v
    return data
