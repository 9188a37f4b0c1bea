"""Bitwise reproducibility: the same config and seed give identical spikes for
any number of ranks and threads, and on a rerun."""
import hashlib

import h5py
import numpy as np
import pytest

from conftest import simulate, sorted_spikes

SMALL = [
    "network.N_scaling=0.02",
    "network.K_scaling=0.02",
    "simulation.t_presim=100",
    "simulation.t_sim=200",
    "network.bg_input_type=poisson",
]
DECOMPOSITIONS = [(1, 1), (1, 2), (2, 1), (2, 2), (3, 1)]
SMALL_BUFFERS = [(1, 1, 1), (1, 2, 5), (2, 2, 3), (3, 1, 17)]  # ranks, threads, spike_buffer


def file_digest(path):
    """Digest of every spike dataset, in file order (not only sorted)."""
    digest = hashlib.sha256()
    with h5py.File(path, "r") as f:
        for name in f["spikes"]:
            digest.update(f["spikes"][name]["node_ids"][:].tobytes())
            digest.update(f["spikes"][name]["timestamps"][:].tobytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def runs(binary, mpiexec, tmp_path_factory):
    base = tmp_path_factory.mktemp("reproducibility")
    outputs = {}
    for ranks, threads in DECOMPOSITIONS:
        path = base / f"{ranks}x{threads}"
        simulate(binary, path, *SMALL, ranks=ranks, threads=threads, mpiexec=mpiexec)
        outputs[(ranks, threads)] = path / "spikes.h5"
    rerun = base / "rerun"
    simulate(binary, rerun, *SMALL)
    outputs["rerun"] = rerun / "spikes.h5"
    # Buffers of a few spikes per thread: the file is appended to every few
    # intervals, by every rank together, from every thread's buffer.
    for ranks, threads, buffer in SMALL_BUFFERS:
        path = base / f"{ranks}x{threads}-buffer{buffer}"
        simulate(
            binary,
            path,
            *SMALL,
            f"simulation.spike_buffer={buffer}",
            ranks=ranks,
            threads=threads,
            mpiexec=mpiexec,
        )
        outputs[(ranks, threads, buffer)] = path / "spikes.h5"
    return outputs


def test_network_is_active(runs):
    spikes = sorted_spikes(runs[(1, 1)])
    assert len(spikes) > 100
    # At scale 0.02 (21 L5I neurons) 300 ms is short: most populations fire.
    assert len(np.unique(spikes[:, 0])) >= 6


@pytest.mark.parametrize("decomposition", DECOMPOSITIONS[1:] + ["rerun"] + SMALL_BUFFERS)
def test_identical_spikes(runs, decomposition):
    reference = sorted_spikes(runs[(1, 1)])
    other = sorted_spikes(runs[decomposition])
    assert reference.tobytes() == other.tobytes()
    # The files themselves are identical too: they are written in (time, id) order.
    assert file_digest(runs[(1, 1)]) == file_digest(runs[decomposition])


def test_seed_changes_spikes(binary, tmp_path):
    simulate(binary, tmp_path / "a", *SMALL)
    simulate(binary, tmp_path / "b", *SMALL, "simulation.rng_seed=56")
    assert (
        sorted_spikes(tmp_path / "a" / "spikes.h5").tobytes()
        != sorted_spikes(tmp_path / "b" / "spikes.h5").tobytes()
    )


def test_separate_inhibitory_input_is_reproducible(binary, mpiexec, tmp_path):
    """With tau_syn_in != tau_syn_ex excitatory and inhibitory input are summed
    apart; that path too gives the same spikes for any decomposition, and
    other spikes than the shared path."""
    settings = SMALL + ["network.tau_syn_in=0.8"]
    simulate(binary, tmp_path / "a", *settings)
    simulate(binary, tmp_path / "b", *settings, ranks=2, threads=2, mpiexec=mpiexec)
    separate = sorted_spikes(tmp_path / "a" / "spikes.h5")
    assert len(separate) > 100
    assert separate.tobytes() == sorted_spikes(tmp_path / "b" / "spikes.h5").tobytes()
    simulate(binary, tmp_path / "c", *SMALL)
    assert separate.tobytes() != sorted_spikes(tmp_path / "c" / "spikes.h5").tobytes()
