"""The engine's layers and what each may include.

The pieces run config -> random -> model -> parallel -> connectivity -> recording -> simulation
-> memory -> output -> api -> cli, python (src/<layer>/): a layer includes only its own headers,
lower layers' and the public API (include/microcircuit/). The public headers include nothing
internal; MPI is called only in parallel/, HDF5 is known only to output/, and time is converted
between milliseconds and steps only by the time grid (include/microcircuit/time_grid.hpp)."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = [
    "config",
    "random",
    "model",
    "parallel",
    "connectivity",
    "recording",
    "simulation",
    "memory",
    "output",
    "api",
    "cli",
    "python",
]
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
            assert (
                used is None or used in allowed
            ), f"{path.relative_to(ROOT)} includes {include}: {used} is above {layer}"


def test_the_public_api_includes_nothing_internal():
    for path in sources("include/microcircuit"):
        for include in includes(path):
            assert layer_of(include) is None, f"{path.relative_to(ROOT)} includes {include}"
            assert include not in (
                "mpi.h",
                "hdf5.h",
                "omp.h",
            ), f"{path.relative_to(ROOT)} exposes {include}"


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


# The time grid's files: the only ones that convert between ms and steps.
TIME_GRID = {"include/microcircuit/time_grid.hpp", "src/config/time_grid.cpp"}
# The resolution, however it is reached: h, resolution, sim_resolution,
# derived.resolution, grid.resolution(), resolution_.
RESOLUTION = r"(?:[A-Za-z_]\w*(?:\.|->))*\b(?:h|resolution_?|sim_resolution)\b(?:\s*\(\s*\))?"
TIME_CONVERSIONS = {
    # ms -> steps (and steps per ms, and remainders on the grid)
    "a division by the resolution": re.compile(r"/\s*" + RESOLUTION),
    "a remainder by the resolution": re.compile(r"\b(?:fmod|remainder)\s*\([^;]*" + RESOLUTION),
    # steps -> ms: a count (a cast, or a name with "step") times the resolution
    "a step count times the resolution": re.compile(
        r"(?:static_cast<double>\([^;{}]*?\)|\w*step\w*(?:\[[^\]]*\])?\)*)\s*\*\s*" + RESOLUTION
    ),
    "the resolution times a step count": re.compile(
        RESOLUTION + r"\s*\*\s*(?:static_cast|\(*\s*[\w.>-]*step)"
    ),
    # NEST's ld_round, and rounding anything named as a time in ms
    "floor(x + 0.5)": re.compile(r"\bfloor\s*\([^;]*\+\s*0\.5\s*\)"),
    "a rounded time": re.compile(
        r"\b(?:l?lround|l?lrint|round|nearbyint|rint|ceil|floor|trunc)\s*\("
        r"[^;]*\b(?:t_ref|\w+_ms|ms)\b"
    ),
}
CODE_ONLY = re.compile(r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\])*"|^\s*#\s*include[^\n]*', re.S | re.M)


def time_conversions(path):
    """The time conversions in a source (comments, strings and includes left out)."""
    code = CODE_ONLY.sub(" ", path.read_text())
    return [
        f"{what}: {match.group(0).strip()}"
        for what, pattern in TIME_CONVERSIONS.items()
        for match in pattern.finditer(code)
    ]


def test_time_is_converted_only_by_the_time_grid():
    """ms <-> steps only through TimeGrid: no division by the resolution, no
    step count times it, no floor(x + 0.5) and no rounding of a time in ms
    anywhere else in src/ or include/."""
    found = {}
    for path in sources("src") + sources("include"):
        name = str(path.relative_to(ROOT))
        if name not in TIME_GRID and time_conversions(path):
            found[name] = time_conversions(path)
    assert not found, "convert with TimeGrid (include/microcircuit/time_grid.hpp): " + "; ".join(
        f"{name}: {', '.join(items)}" for name, items in sorted(found.items())
    )


@pytest.mark.parametrize(
    "line",
    [
        "const auto steps = std::llround(time_ms / derived.resolution);",
        "const double t = static_cast<double>(s.step) * s.derived.resolution;",
        "const double t = (next - step) * h;",
        "out = derived.resolution * static_cast<double>(n);",
        "const double steps = std::floor(d / grid.resolution() + 0.5);",
        "const double k = std::floor(delay * steps_per_ms + 0.5);",
        "p.refractory_steps = std::lround(n.t_ref * steps_per_ms);",
        "if (std::fmod(t, p.simulation.sim_resolution) != 0.0) {}",
        "const double per_ms = 1.0 / resolution_;",
    ],
)
def test_the_time_check_sees_a_conversion(tmp_path, monkeypatch, line):
    fake = tmp_path / "src" / "output"
    fake.mkdir(parents=True)
    (fake / "bad.cpp").write_text("void f() {\n    " + line + "\n}\n")
    monkeypatch.setattr(__import__(__name__), "ROOT", tmp_path)
    with pytest.raises(AssertionError):
        test_time_is_converted_only_by_the_time_grid()


def test_the_time_check_passes_the_grid_comments_and_physics(tmp_path, monkeypatch):
    """The grid's own files, comments, messages and the neuron's use of h as a
    duration (exp(-h / tau), h * rate) are not conversions."""
    (tmp_path / "src" / "config").mkdir(parents=True)
    (tmp_path / "src" / "model").mkdir(parents=True)
    (tmp_path / "src" / "config" / "time_grid.cpp").write_text(
        "double f(double ms) { return std::llround(ms / resolution_); }\n"
    )
    (tmp_path / "src" / "model" / "neuron.cpp").write_text(
        "// step s ends at s * h\n"
        'const char* m = "t_sim / h is not whole";\n'
        "const double p = std::exp(-h / tau_m) * std::expm1(h * (1.0 / a - 1.0 / b));\n"
        "const auto n = std::llround(current_pA * fixed_point_per_pA);\n"
        "const double size = std::nearbyint(full_num_neurons[i] * N_scaling);\n"
    )
    monkeypatch.setattr(__import__(__name__), "ROOT", tmp_path)
    test_time_is_converted_only_by_the_time_grid()


# Where the parameters are derived: a run derives them once, in the Run,
# which hands them to the memory check, the simulator and the output; the
# Simulator's constructor without them, the dry run (which builds nothing)
# and the Python package's model facts derive on their own.
DERIVERS = {
    "src/api/run.cpp",
    "src/api/simulator.cpp",
    "src/cli/dry_run.cpp",
    "src/python/model_facts.cpp",
}
DERIVE = re.compile(r"\bderive_parameters\s*\(")


def test_a_run_derives_its_parameters_once():
    calls = {}
    for path in sources("src"):
        code = re.sub(r"//[^\n]*", "", path.read_text())
        if path.parent.name != "model" and DERIVE.search(code):
            calls[str(path.relative_to(ROOT))] = len(DERIVE.findall(code))
    assert set(calls) <= DERIVERS, f"derive_parameters called in {sorted(set(calls) - DERIVERS)}"
    assert all(n == 1 for n in calls.values()), calls


def test_the_derivation_check_sees_a_second_derivation(tmp_path, monkeypatch):
    (tmp_path / "src" / "api").mkdir(parents=True)
    (tmp_path / "src" / "api" / "run.cpp").write_text(
        "auto d = derive_parameters(p);\nauto e = derive_parameters(p);\n"
    )
    monkeypatch.setattr(__import__(__name__), "ROOT", tmp_path)
    with pytest.raises(AssertionError):
        test_a_run_derives_its_parameters_once()


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
