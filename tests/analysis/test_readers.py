"""Readers: the reference's text format (hand-made fixtures) and SONATA."""
import os

import numpy as np
import pytest

from conftest import DATA, write_sonata
from pd14analysis import POPULATIONS, readers
from pd14analysis import statistics as st


def test_text_reader_reads_hand_made_reference_output():
    data = readers.read_spikes(os.path.join(DATA, "nest_text"))
    assert data.meta["format"] == "nest-text"
    assert data.populations == list(POPULATIONS)
    assert [data.n_neurons[p] for p in POPULATIONS] == [4, 2, 4, 2, 3, 1, 3, 2]
    assert data.n_spikes == 15
    # ids are 0-based within the population
    order = np.argsort(data.times["L23E"])
    assert list(data.node_ids["L23E"][order]) == [3, 0, 2, 0, 0, 0, 2, 3]
    assert list(data.times["L23E"][order]) == [
        499.9,
        510.0,
        530.2,
        610.0,
        710.0,
        810.0,
        900.7,
        1499.9,
    ]
    assert list(data.node_ids["L5E"]) == [0]
    t0, t1, source = data.default_window()
    assert (t0, t1) == (500.0, 1500.0)
    stats = st.compute_statistics(data, t0, t1)
    assert list(stats["L23E"].rates) == [4.0, 0.0, 2.0, 1.0]
    assert list(stats["L23E"].cvs) == [0.0]
    assert list(stats["L23I"].rates) == [3.0, 0.0]
    assert list(stats["L5E"].rates) == [1.0, 0.0, 0.0]
    assert list(stats["L6I"].rates) == [0.0, 3.0]
    assert stats["L6I"].cvs[0] == pytest.approx(1.0 / 3.0)
    assert len(stats["L4E"].cvs) == 0


def test_text_reader_with_nodes_json_and_metadata():
    data = readers.read_spikes(os.path.join(DATA, "nest_text_json"))
    assert data.populations == ["E", "I"]
    assert data.n_neurons == {"E": 3, "I": 2}
    assert data.meta["drive"] == "poisson" and data.scale == 0.1
    t0, t1, source = data.default_window()
    assert (t0, t1, source) == (100.0, 300.0, "metadata")
    stats = st.compute_statistics(data, t0, t1)
    assert list(stats["E"].rates) == [15.0, 0.0, 0.0]
    assert list(stats["I"].rates) == [5.0, 0.0]
    assert stats["E"].cvs[0] == pytest.approx(1.0 / 24.5)


def test_single_dat_file_and_explicit_nodes_file():
    path = os.path.join(DATA, "nest_text", "spike_recorder-22-1.dat")
    data = readers.read_spikes(
        path, nodes_file=os.path.join(DATA, "nest_text", "population_nodeids.dat")
    )
    assert data.n_spikes == 8
    assert sorted(data.times["L6I"]) == [1001.0, 1003.0]


def test_sonata_engine_layout_root_attributes(tmp_path):
    write_sonata(
        tmp_path / "spikes.h5",
        {"L23E": ([0, 1, 1], [600.0, 700.0, 800.0]), "L4E": ([2], [650.0])},
        {"L23E": 3, "L4E": 4},
        attrs={
            "t_presim_ms": 500.0,
            "t_sim_ms": 1000.0,
            "N_scaling": 0.1,
            "K_scaling": 0.1,
            "bg_input_type": "poisson",
        },
    )
    data = readers.read_spikes(str(tmp_path))  # the data directory
    assert data.meta["format"] == "sonata"
    assert data.populations == ["L23E", "L4E"]
    assert data.n_neurons == {"L23E": 3, "L4E": 4}
    assert data.scale == 0.1 and data.meta["drive"] == "poisson"
    assert data.default_window() == (500.0, 1500.0, "metadata")
    assert data.node_ids["L23E"].dtype == np.int64


def test_sonata_config_yaml_fallback_and_overrides(tmp_path):
    yaml_text = (
        "simulation:\n  t_presim: 200.0\n  t_sim: 300.0\n"
        "network:\n  N_scaling: 0.2\n  K_scaling: 0.1\n  bg_input_type: dc\n"
    )
    path = write_sonata(
        tmp_path / "s.h5", {"L6I": ([0], [250.0])}, {"L6I": 5}, config_yaml=yaml_text
    )
    data = readers.read_spikes(str(path))
    assert data.default_window()[:2] == (200.0, 500.0)
    assert data.meta["N_scaling"] == 0.2 and data.meta["K_scaling"] == 0.1
    assert data.scale is None  # N_scaling != K_scaling
    assert data.meta["drive"] == "dc"
    data = readers.read_spikes(
        str(path), overrides={"N_scaling": 0.1, "K_scaling": 0.1, "drive": "poisson"}
    )
    assert data.scale == 0.1 and data.meta["drive"] == "poisson"


def test_reference_file_attributes(poisson_set):
    data = readers.read_spikes(os.path.join(poisson_set, "seed1.h5"))
    assert data.populations == list(POPULATIONS)
    assert data.n_neurons["L23E"] == 2068 and data.n_neurons["L5I"] == 106
    assert data.scale == 0.1 and data.meta["drive"] == "poisson"
    assert data.default_window()[:2] == (500.0, 10500.0)
