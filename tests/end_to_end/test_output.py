"""The output files: SONATA spikes with metadata, voltages, report.json, and
the thalamic and DC-transient stimuli visible in the activity."""
import json
import sys

import h5py
import numpy as np
import pytest

from conftest import REPO, simulate

sys.path.insert(0, str(REPO / "python"))
from pd14analysis import POPULATIONS  # noqa: E402


@pytest.fixture(scope="module")
def default_run(binary, tmp_path_factory):
    out = tmp_path_factory.mktemp("default") / "out"
    simulate(
        binary,
        out,
        "simulation.t_sim=1000",
        "simulation.rec_dev=[spike_recorder, voltmeter]",
        "simulation.rec_V_num_neurons=3",
        threads=2,
        config=REPO / "configs" / "default.yaml",
    )
    return out


def test_sonata_layout(default_run):
    with h5py.File(default_run / "spikes.h5", "r") as f:
        assert list(f["spikes"]) == sorted(POPULATIONS)
        for name in POPULATIONS:
            group = f["spikes"][name]
            assert group.attrs["sorting"] == "by_time"
            assert group["timestamps"].attrs["units"] == "ms"
            ids = group["node_ids"][:]
            times = group["timestamps"][:]
            assert len(ids) == len(times) > 0
            assert ids.max() < group.attrs["n_neurons"]
            assert np.all(np.diff(times) >= 0)
            assert times.min() < 500.0, "warm-up spikes are kept"
            assert times.max() <= 1500.0
        metadata = f["metadata"].attrs
        assert "N_scaling: 0.1" in metadata["config_yaml"]
        derived = json.loads(metadata["derived_parameters_json"])
        assert derived["num_neurons_total"] == 7717
        assert metadata["rng_seed"] == 55 and metadata["threads"] == 2 and metadata["ranks"] == 1
        assert metadata["program_version"] and metadata["git_commit"]


def test_voltmeter(default_run):
    with h5py.File(default_run / "spikes.h5", "r") as f:
        times = f["voltages"]["times"][:]
        assert len(times) == 1500 and times[0] == pytest.approx(1.0)
        assert f["voltages"]["times"].attrs["units"] == "ms"
        for name in POPULATIONS:
            assert f["voltages"][name]["data"].attrs["units"] == "mV"
            assert f["spikes"][name]["timestamps"].attrs["units"] == "ms"
            data = f["voltages"][name]["data"][:]
            assert data.shape == (1500, 3)
            assert np.all(data <= -50.0) and np.all(data > -100.0)
            assert np.std(data) > 0.5


def test_report(default_run):
    report = json.loads((default_run / "report.json").read_text())
    assert set(report["phases_s"]) == {"init", "create", "connect", "presim", "sim", "write"}
    assert report["rtf"] > 0 and report["rtf"] == pytest.approx(
        report["phases_s"]["sim"] / 1.0, rel=1e-6
    )
    assert report["peak_rss_mb"]["max"] > 10
    assert report["ranks"] == 1 and report["threads"] == 2
    assert report["synapses"] == 2988807
    assert report["bytes_per_synapse"] < 9.0
    with h5py.File(default_run / "spikes.h5", "r") as f:
        total = sum(len(f["spikes"][p]["node_ids"]) for p in POPULATIONS)
    assert report["spikes"] == total
    assert report["config"]["network"]["N_scaling"] == 0.1


def population_histogram(path, name, bins):
    with h5py.File(path, "r") as f:
        return np.histogram(f["spikes"][name]["timestamps"][:], bins=bins)[0]


def test_thalamic_pulse_drives_layer_4(binary, tmp_path):
    simulate(
        binary,
        tmp_path / "th",
        "simulation.t_presim=600",
        "simulation.t_sim=200",
        config=REPO / "configs" / "thalamic_input.yaml",
    )
    counts = population_histogram(tmp_path / "th" / "spikes.h5", "L4E", np.arange(600, 800, 10))
    # Thalamic spikes stamped 701.2 ... 711.1 ms reach L4E after their delays.
    pulse = population_histogram(tmp_path / "th" / "spikes.h5", "L4E", [702, 712])[0]
    assert pulse > 2 * np.median(counts), (pulse, counts)


def test_dc_transient_raises_activity(binary, tmp_path):
    simulate(
        binary,
        tmp_path / "dc",
        "simulation.t_presim=500",
        "simulation.t_sim=400",
        "simulation.rec_dev=[spike_recorder]",
        config=REPO / "configs" / "dc_transient.yaml",
    )
    counts = population_histogram(tmp_path / "dc" / "spikes.h5", "L4E", [550, 650, 750, 850])
    assert counts[1] > 2 * counts[0] and counts[1] > 2 * counts[2], counts
