"""The spike-file readers under malformed input (hypothesis): a damaged or
oddly built SONATA file, NEST text of any content. Each either reads or is
refused with a ValueError naming the file; never a traceback from h5py or
numpy."""
import os
import shutil

import h5py
import numpy as np
import pytest

from conftest import DATA, write_sonata
from pd14analysis import readers

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

QUICK = settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def read_or_refuse(path, fmt):
    try:
        readers.read_spikes(str(path), fmt=fmt)
    except ValueError as error:
        assert str(path) in str(error) or os.path.basename(str(path)) in str(error), str(error)


@QUICK
@given(
    damage=st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(1, 255)), max_size=12),
    cut=st.none() | st.integers(0, 1 << 20),
)
def test_a_damaged_sonata_file_is_read_or_refused(tmp_path_factory, damage, cut):
    path = tmp_path_factory.mktemp("sonata") / "spikes.h5"
    rng = np.random.default_rng(1)
    write_sonata(
        path,
        {
            "L23E": (rng.integers(0, 20, 50), np.sort(rng.uniform(0, 100, 50))),
            "L4I": (rng.integers(0, 5, 9), np.sort(rng.uniform(0, 100, 9))),
        },
        {"L23E": 20, "L4I": 5},
    )
    data = bytearray(path.read_bytes())
    for offset, mask in damage:
        data[offset % len(data)] ^= mask
    path.write_bytes(bytes(data[:cut]) if cut is not None else bytes(data))
    read_or_refuse(path, "sonata")


ARRAYS = st.sampled_from(["int64", "float64", "uint8", "S4", "bool"]).flatmap(
    lambda dtype: st.lists(st.integers(-5, 300), max_size=8).map(
        lambda values: np.array(values).astype(dtype)
    )
)


@QUICK
@given(
    ids=ARRAYS | st.none(),
    times=ARRAYS | st.none(),
    n_neurons=st.none()
    | st.integers(-(1 << 63), (1 << 63) - 1)
    | st.floats()
    | st.text(max_size=4),
    flat=st.booleans(),
    two_d=st.booleans(),
)
def test_an_oddly_built_sonata_file_is_read_or_refused(
    tmp_path_factory, ids, times, n_neurons, flat, two_d
):
    path = tmp_path_factory.mktemp("sonata") / "spikes.h5"
    with h5py.File(path, "w") as f:
        group = f.create_group("spikes")
        population = group if flat else group.create_group("L5E")
        for name, values in (("node_ids", ids), ("timestamps", times)):
            if values is not None:
                population[name] = values.reshape(1, -1) if two_d and values.size else values
        if n_neurons is not None:
            population.attrs["n_neurons"] = n_neurons
    read_or_refuse(path, "sonata")


@QUICK
@given(text=st.text(max_size=300) | st.binary(max_size=300), nodes=st.none() | st.text(max_size=80))
def test_nest_text_of_any_content_is_read_or_refused(tmp_path_factory, text, nodes):
    directory = tmp_path_factory.mktemp("nest")
    shutil.copy(os.path.join(DATA, "nest_text", "population_nodeids.dat"), directory)
    if nodes is not None:
        (directory / "population_nodeids.dat").write_text(nodes)
    path = directory / "spike_recorder-22-0.dat"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    try:
        readers.read_spikes(str(directory), fmt="nest-text")
    except ValueError as error:
        assert str(directory) in str(error), str(error)
