"""Shared fixtures of the analysis tests.

Run from the repository root: /usr/bin/python3 -m pytest -q tests/analysis
Nothing is written into the repository: outputs go to pytest's tmp_path.
"""
import os
import sys

sys.dont_write_bytecode = True

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TOOLS = os.path.join(REPO, "tools")
TOOL = os.path.join(TOOLS, "microcircuit-analysis")
DATA = os.path.join(HERE, "data")
PACKAGES = os.path.join(REPO, "python")  # pd14analysis
if PACKAGES not in sys.path:
    sys.path.insert(0, PACKAGES)


def _reference_dir():
    env = os.environ.get("PD14_REFERENCE_DIR")
    if env:
        return env
    return os.path.join(REPO, "data", "reference")


@pytest.fixture(scope="session")
def reference_dir():
    """The reference data ($PD14_REFERENCE_DIR, else the repository's data/reference)."""
    path = _reference_dir()
    if not os.path.isdir(os.path.join(path, "network")):
        pytest.skip(
            f"reference data not found at {path} "
            "(set PD14_REFERENCE_DIR to a reference directory like data/reference)"
        )
    return path


@pytest.fixture(scope="session")
def poisson_set(reference_dir):
    path = os.path.join(reference_dir, "network", "scale0.1_poisson")
    if not os.path.exists(os.path.join(path, "seed1.h5")):
        pytest.skip(f"reference set {path} not found")
    return path


def write_sonata(path, spikes, n_neurons, attrs=None, config_yaml=None):
    """Write a SONATA spike file in the layout microcircuit_mpi writes.

    spikes: dict pop -> (node_ids, timestamps); n_neurons: dict pop -> int.
    """
    with h5py.File(path, "w") as f:
        for k, v in (attrs or {}).items():
            f.attrs[k] = v
        g = f.create_group("spikes")
        g.attrs["sorting"] = "by_time"
        for pop, (ids, ts) in spikes.items():
            order = np.argsort(ts, kind="stable")
            p = g.create_group(pop)
            p.attrs["n_neurons"] = int(n_neurons[pop])
            p.attrs["sorting"] = "by_time"
            p.create_dataset("node_ids", data=np.asarray(ids, dtype=np.uint64)[order])
            p.create_dataset("timestamps", data=np.asarray(ts, dtype=np.float64)[order])
        if config_yaml is not None:
            m = f.create_group("metadata")
            m.attrs["config_yaml"] = config_yaml
    return path


def copy_sonata(src, dst, transform=None):
    """Copy a SONATA file; transform(pop, ids, ts) -> (ids, ts) per population."""
    spikes, n = {}, {}
    with h5py.File(src, "r") as f:
        attrs = {k: f.attrs[k] for k in f.attrs}
        for pop, g in f["spikes"].items():
            ids, ts = g["node_ids"][()], g["timestamps"][()]
            if transform is not None:
                ids, ts = transform(pop, ids, ts)
            spikes[pop] = (ids, ts)
            n[pop] = int(g.attrs["n_neurons"])
    return write_sonata(dst, spikes, n, attrs)
