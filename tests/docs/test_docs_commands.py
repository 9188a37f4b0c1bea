"""The documented commands run, and the networks they simulate are active.

The commands come from the documents themselves: every fenced block that an
HTML comment ``<!-- docs-test: run -->`` precedes, in README.md,
docs/*.md and jobs/README.md, is run command by
command in a scratch copy of the repository's layout (``jobs``, ``tools``,
``python``, ``configs``, ``data/reference`` linked; ``build/microcircuit_mpi`` and
``microcircuit_mpi`` on the PATH are a stand-in for the binary). Blocks that
cannot run here say why (``<!-- docs-test: skip (reason) -->``); a command
that starts a simulation in any other code block fails the test, so that no
example escapes it.

The stand-ins (tests/docs/standins): ``sbatch`` runs the job at once without
SLURM (one task of an array), ``mpirun`` runs the program as one rank, and
the binary's stand-in cuts t_sim to $DOCS_TEST_T_SIM ms (100) and the
threads to the CPUs there are, and simulates each distinct network once
(the engine's spikes depend only on the configuration, not on ranks and
threads, so the output of an identical configuration is copied). Every
simulation must then show every population firing: a mean rate of at least
MIN_RATE spikes/s over the analysis window.

Run: MICROCIRCUIT_BIN=build/microcircuit_mpi /usr/bin/python3 -m pytest -q tests/docs
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys

import pytest

sys.dont_write_bytecode = True
h5py = pytest.importorskip("h5py")
pytest.importorskip("yaml")  # the binary's stand-in reads the configuration

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
STANDINS = os.path.join(HERE, "standins")
sys.path.insert(0, os.path.join(REPO, "python"))
from pd14analysis import POPULATIONS  # noqa: E402

DOCS = (
    ["README.md"]
    + sorted(os.path.relpath(p, REPO) for p in glob.glob(os.path.join(REPO, "docs", "*.md")))
    + ["jobs/README.md"]
)
# The documents whose examples simulate: each must keep a block that runs.
RUNNABLE = ("README.md", "docs/usage.md", "docs/cluster.md", "docs/analysis.md", "jobs/README.md")
MIN_RATE = 0.1  # spikes/s; a network below rheobase leaves seven populations at 0

MARK = re.compile(r"^<!--\s*docs-test:\s*(run|skip)\b(.*?)-->\s*$")
# A command that simulates (or submits a simulation); in README.md only the
# cluster-related ones are held to this.
SIMULATES = re.compile(
    r"(^|[\s;&|(])(sbatch|srun|mpirun|mpiexec)\s|jobs/\w+\.(sh|sbatch)\b"
    r"|(^|[\s/])microcircuit_mpi(\s|$)"
)
CLUSTER = re.compile(r"(^|[\s;&|(])(sbatch|srun|mpirun|mpiexec)\s|jobs/\w+\.(sh|sbatch)\b")
NO_SIMULATION = ("--print-only", "--dry-run", "--help", "--print-config")


def code_blocks(text):
    """(marker, reason, lines, first line number) of every fenced block and
    every indented block of a Markdown text; marker is run, skip or None."""
    lines = text.split("\n")
    out, i, previous = [], 0, ""
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            m = MARK.match(previous.strip())
            out.append(
                (
                    m.group(1) if m else None,
                    m.group(2).strip() if m else "",
                    lines[i + 1 : j],
                    i + 2,
                )
            )
            previous, i = "", j + 1
            continue
        if (line.startswith("    ") or line.startswith("\t")) and not previous.strip():
            j = i
            while j < len(lines) and (
                lines[j].startswith("    ") or lines[j].startswith("\t") or not lines[j].strip()
            ):
                j += 1
            out.append((None, "indented", [x[4:] for x in lines[i:j]], i + 1))
            previous, i = lines[j - 1] if j > i else "", j
            continue
        previous, i = line, i + 1
    return out


def _code(line):
    """A command line without its trailing comment."""
    return re.split(r"\s#", " " + line, maxsplit=1)[0].strip()


def commands(lines):
    """The commands of a block: continuation lines joined, a loop or `if`
    kept whole, comment lines dropped."""
    out, buf, depth = [], [], 0
    for line in lines:
        if not buf and (not line.strip() or line.strip().startswith("#")):
            continue
        buf.append(line)
        if line.rstrip().endswith("\\"):
            continue
        words = re.findall(r"\b(for|while|until|if|done|fi)\b", _code(line))
        depth += sum(w in ("for", "while", "until", "if") for w in words)
        depth -= sum(w in ("done", "fi") for w in words)
        if depth <= 0:
            out.append("\n".join(buf))
            buf, depth = [], 0
    assert not buf, f"unterminated command: {buf}"
    return out


def simulates(command, doc):
    code = " ".join(_code(x) for x in command.split("\n"))
    pattern = CLUSTER if doc == "README.md" else SIMULATES
    return bool(pattern.search(code)) and not any(w in code for w in NO_SIMULATION)


def read(doc):
    with open(os.path.join(REPO, doc)) as f:
        return f.read()


def silent_populations(path):
    """Populations whose mean rate over the analysis window is below MIN_RATE."""
    silent = []
    with h5py.File(path, "r") as f:
        t0 = float(f.attrs["t_presim_ms"])
        t1 = t0 + float(f.attrs["t_sim_ms"])
        for pop in POPULATIONS:
            if pop not in f["spikes"]:
                silent.append(f"{pop} (missing)")
                continue
            g = f["spikes"][pop]
            ts = g["timestamps"][()]
            rate = ((ts >= t0) & (ts < t1)).sum() / int(g.attrs["n_neurons"]) / ((t1 - t0) / 1e3)
            if rate < MIN_RATE:
                silent.append(f"{pop} ({rate:.3f} spikes/s)")
    return silent


@pytest.mark.parametrize("doc", DOCS)
def test_every_simulation_command_is_in_a_marked_block(doc):
    blocks = code_blocks(read(doc))
    if doc in RUNNABLE:
        assert any(marker == "run" for marker, _, _, _ in blocks), f"{doc}: no block to run"
    unmarked = []
    for marker, reason, lines, line_no in blocks:
        if marker == "skip":
            assert reason, f"{doc}:{line_no}: a skipped block must say why"
        if marker is None:
            pattern = CLUSTER if doc == "README.md" else SIMULATES
            unmarked += [
                f"{doc}:{line_no + k}: {line}"
                for k, line in enumerate(lines)
                if pattern.search(_code(line))
            ]
    assert not unmarked, (
        "simulation commands outside a block marked <!-- docs-test: run --> "
        "or <!-- docs-test: skip (reason) -->:\n" + "\n".join(unmarked)
    )


def test_commands_are_split_as_the_shell_runs_them():
    block = [
        "# a comment",
        "sbatch a.sbatch \\",
        "    --t-sim 1   # note",
        "",
        "for s in 1 2; do",
        "  jobs/x.sh --scale $s",
        "done",
        "tools/y --out z",
    ]
    assert commands(block) == [
        "sbatch a.sbatch \\\n    --t-sim 1   # note",
        "for s in 1 2; do\n  jobs/x.sh --scale $s\ndone",
        "tools/y --out z",
    ]
    assert simulates("jobs/strong_scaling.sh --local", "docs/cluster.md")
    assert not simulates("jobs/strong_scaling.sh --print-only --points 1x8", "docs/cluster.md")
    assert not simulates("build/microcircuit_mpi --config x", "README.md")
    assert simulates("mpirun -n 4 build/microcircuit_mpi --config x", "README.md")


@pytest.fixture(scope="session")
def binary():
    path = os.environ.get("MICROCIRCUIT_BIN") or os.path.join(REPO, "build", "microcircuit_mpi")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.skip("microcircuit_mpi not built (set MICROCIRCUIT_BIN)")
    return os.path.abspath(path)


@pytest.fixture(scope="session")
def cache(tmp_path_factory):
    """Outputs of the networks simulated so far, shared by all documents."""
    return str(tmp_path_factory.mktemp("networks"))


def test_the_check_catches_a_silent_network(binary, tmp_path):
    """The documented examples used to run DC drive at scale 0.1: the check fails it."""
    res = subprocess.run(
        [
            binary,
            "--set",
            "network.bg_input_type=dc",
            "--set",
            "simulation.t_sim=200",
            "--set",
            f"simulation.data_path={tmp_path}",
            "--set",
            "simulation.print_time=false",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr
    silent = silent_populations(os.path.join(tmp_path, "spikes.h5"))
    assert [s.split()[0] for s in silent] == list(POPULATIONS[:-1])


def _mirror(root):
    """The repository's layout for the documents' relative paths; outputs stay in it."""
    for name in ("jobs", "tools", "python", "configs"):
        os.symlink(os.path.join(REPO, name), os.path.join(root, name))
    os.makedirs(os.path.join(root, "data"))
    os.symlink(os.path.join(REPO, "data", "reference"), os.path.join(root, "data", "reference"))
    os.makedirs(os.path.join(root, "build"))
    os.symlink(
        os.path.join(STANDINS, "microcircuit_mpi"), os.path.join(root, "build", "microcircuit_mpi")
    )


def test_every_runnable_document_is_checked():
    assert set(RUNNABLE) <= set(DOCS)


@pytest.mark.parametrize(
    "doc", [d for d in DOCS if any(m == "run" for m, _, _, _ in code_blocks(read(d)))]
)
def test_documented_commands_simulate_active_networks(doc, binary, cache, tmp_path):
    root = tmp_path / "repo"
    state = tmp_path / "state"
    root.mkdir()
    state.mkdir()
    _mirror(str(root))
    log = state / "runs.jsonl"
    log.touch()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SLURM_") and k not in ("MICROCIRCUIT_BIN", "MICROCIRCUIT_MPI")
    }
    env.update(
        PATH=STANDINS + os.pathsep + env.get("PATH", "/usr/bin:/bin"),
        DOCS_TEST_REAL_BIN=binary,
        DOCS_TEST_REAL_MPIRUN=shutil.which("mpirun") or "mpirun",
        DOCS_TEST_LOG=str(log),
        DOCS_TEST_CACHE=cache,
        DOCS_TEST_DIR=str(state),
        DOCS_TEST_T_SIM=env.get("DOCS_TEST_T_SIM", "100"),
        MC_WAIT_IDLE="0",
        MC_PYTHON="/usr/bin/python3",
        PYTHONDONTWRITEBYTECODE="1",
        OMPI_ALLOW_RUN_AS_ROOT="1",
        OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
    )
    failures, simulated = [], 0
    for marker, _, lines, line_no in code_blocks(read(doc)):
        if marker != "run":
            continue
        for command in commands(lines):
            where = f"{doc}:{line_no}: {command.splitlines()[0]}"
            before = len(log.read_text().splitlines())
            res = subprocess.run(
                ["bash", "-c", command],
                cwd=str(root),
                env=env,
                capture_output=True,
                text=True,
                timeout=1800,
            )
            runs = [json.loads(x) for x in log.read_text().splitlines()[before:]]
            # verify's verdicts (1 failed, 3 no reference) are answers, not errors
            allowed = (0, 1, 3) if "microcircuit-analysis verify" in command else (0,)
            if res.returncode not in allowed:
                failures.append(
                    f"{where}\n  exit status {res.returncode}\n"
                    f"  {res.stdout[-1500:]}\n  {res.stderr[-1500:]}"
                )
                continue
            if simulates(command, doc) and not runs:
                failures.append(f"{where}\n  simulated nothing")
            for run in runs:
                simulated += 1
                print(
                    f"{where}: N_scaling {run['N_scaling']}, K_scaling {run['K_scaling']}, "
                    f"{run['drive']} -> {run['data_path']}"
                    + (" (same network as before)" if run["cached"] else "")
                )
                path = os.path.join(run["data_path"], "spikes.h5")
                if run["rc"] != 0 or not os.path.exists(path):
                    failures.append(f"{where}\n  run into {run['data_path']} failed")
                    continue
                silent = silent_populations(path)
                if silent:
                    failures.append(
                        f"{where}\n  network N_scaling {run['N_scaling']}, K_scaling "
                        f"{run['K_scaling']}, {run['drive']} drive: silent " + ", ".join(silent)
                    )
    assert not failures, "\n".join(failures)
    assert simulated > 0
