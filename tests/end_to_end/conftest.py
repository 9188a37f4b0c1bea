"""Fixtures for the end-to-end tests of the microcircuit_mpi binary.

ctest passes the binary as MICROCIRCUIT_BIN and mpiexec as MICROCIRCUIT_MPIEXEC.
"""
import os
import shutil
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]


def _binary():
    path = os.environ.get("MICROCIRCUIT_BIN")
    if not path or not Path(path).exists():
        pytest.skip("MICROCIRCUIT_BIN is not set to the built microcircuit_mpi binary")
    return path


@pytest.fixture(scope="session")
def binary():
    return _binary()


@pytest.fixture(scope="session")
def mpiexec():
    return os.environ.get("MICROCIRCUIT_MPIEXEC") or shutil.which("mpiexec") or "mpiexec"


@pytest.fixture(scope="session")
def reference_dir():
    path = Path(os.environ.get("PD14_REFERENCE_DIR", REPO / "data" / "reference"))
    if not path.exists():
        pytest.skip(f"reference data not found at {path}")
    return path


def run(command, **kwargs):
    """Runs a command, returns the CompletedProcess (text output)."""
    env = dict(os.environ)
    env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
    env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    env.setdefault("OMP_WAIT_POLICY", "passive")  # robust on shared, oversubscribed cores
    return subprocess.run(
        [str(c) for c in command],
        capture_output=True,
        text=True,
        env=env,
        timeout=kwargs.pop("timeout", 600),
        **kwargs,
    )


def simulate(
    binary, data_path, *settings, ranks=1, threads=1, mpiexec=None, config=None, wrapper=()
):
    """Runs the simulator and returns the CompletedProcess; fails the test on error.
    `wrapper` goes before the binary in every rank (a tracer, say)."""
    command = []
    if ranks > 1:
        command += [mpiexec, "--oversubscribe", "--bind-to", "none", "-n", str(ranks)]
    command += [*wrapper, binary]
    if config:
        command += ["--config", config]
    for setting in (
        f"simulation.data_path={data_path}",
        f"simulation.local_num_threads={threads}",
        "simulation.print_time=false",
        *settings,
    ):
        command += ["--set", setting]
    result = run(command)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def sorted_spikes(path):
    """All spikes of a SONATA file as one array of (population, node id, time), sorted."""
    rows = []
    with h5py.File(path, "r") as f:
        for index, name in enumerate(f["spikes"]):
            group = f["spikes"][name]
            ids = group["node_ids"][:]
            times = group["timestamps"][:]
            rows.append(
                np.stack(
                    [np.full(ids.shape, index, dtype=np.float64), ids.astype(np.float64), times],
                    axis=1,
                )
            )
    spikes = np.concatenate(rows) if rows else np.empty((0, 3))
    return spikes[np.lexsort((spikes[:, 2], spikes[:, 1], spikes[:, 0]))]


def process_table():
    """(pid, state, parent pid, session id) of every process, from /proc."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        yield int(entry), fields[0], int(fields[1]), int(fields[3])
