"""The engine's layers and what each may include.

The pieces run config -> random -> model -> parallel -> connectivity ->
recording -> simulation -> memory -> output -> api -> cli, python (src/<layer>/): a layer includes only its
own headers, lower layers' and the public API (include/microcircuit/). The
public headers include nothing internal; MPI is called only in parallel/, and
HDF5 is known only to output/.
"""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ["config", "random", "model", "parallel", "connectivity", "recording", "simulation",
          "memory", "output", "api", "cli", "python"]
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^">]+)[">]', re.M)


def sources(folder):
    return sorted(p for p in (ROOT / folder).rglob("*") if p.suffix in (".hpp", ".cpp", ".in"))


def includes(path):
    return INCLUDE.findall(path.read_text())


def layer_of(include):
    head = include.split("/")[0]
    return head if head in LAYERS and "/" in include else None


def test_every_source_lies_in_a_layer():
    for path in sources("src"):
        assert path.parent.name in LAYERS, f"{path.relative_to(ROOT)} is in no layer"


@pytest.mark.parametrize("layer", LAYERS)
def test_a_layer_includes_only_itself_lower_layers_and_the_public_api(layer):
    allowed = set(LAYERS[: LAYERS.index(layer) + 1])
    for path in sources(f"src/{layer}"):
        for include in includes(path):
            used = layer_of(include)
            assert used is None or used in allowed, (
                f"{path.relative_to(ROOT)} includes {include}: {used} is above {layer}")


def test_the_public_api_includes_nothing_internal():
    for path in sources("include/microcircuit"):
        for include in includes(path):
            assert layer_of(include) is None, f"{path.relative_to(ROOT)} includes {include}"
            assert include not in ("mpi.h", "hdf5.h", "omp.h"), (
                f"{path.relative_to(ROOT)} exposes {include}")


def test_mpi_is_called_only_behind_the_communicator():
    call = re.compile(r"\bMPI_[A-Z][a-z_]+\s*\(")
    for path in sources("src") + sources("include"):
        if path.parent.name == "parallel":
            continue
        found = call.findall(path.read_text())
        assert not found, f"{path.relative_to(ROOT)} calls {found}"


def test_hdf5_is_known_only_to_the_output_layer():
    for path in sources("src") + sources("include"):
        if path.parent.name == "output":
            continue
        text = path.read_text()
        assert "hdf5" not in " ".join(includes(path)).lower(), f"{path.relative_to(ROOT)}"
        assert not re.search(r"\bH5[A-Z]", text), f"{path.relative_to(ROOT)} calls HDF5"


def test_the_checks_see_a_violation(tmp_path, monkeypatch):
    """A simulation header that includes an output header is caught."""
    fake = tmp_path / "src" / "simulation"
    fake.mkdir(parents=True)
    (fake / "bad.hpp").write_text('#include "output/hdf5_file.hpp"\n')
    monkeypatch.setattr(__import__(__name__), "ROOT", tmp_path)
    with pytest.raises(AssertionError):
        test_a_layer_includes_only_itself_lower_layers_and_the_public_api("simulation")
    with pytest.raises(AssertionError):
        test_hdf5_is_known_only_to_the_output_layer()
