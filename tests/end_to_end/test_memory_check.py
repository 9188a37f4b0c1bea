"""The memory check: a run whose estimated memory exceeds what the node has
free is refused at once, before anything is built or written; inside a cgroup
with a small memory limit the limit is what counts; simulation.memory_check=false
lets such a run go ahead."""
import os
import re
import time
from pathlib import Path

import pytest

from conftest import run

# 1.5 M neurons, 6 billion synapses: about 46 GB for one rank.
IMPOSSIBLE = ["--set", "network.N_scaling=20", "--set", "network.K_scaling=1"]
NUMBER = r"[0-9]+\.[0-9]+ [MG]B"


def refusal_numbers(stderr):
    """The estimate per rank, the need and the available memory of the message, in MB."""
    match = re.search(
        rf"estimated ({NUMBER}) per rank, x (\d+) ranks? on the node of rank \d+ = "
        rf"({NUMBER}), but only ({NUMBER}) are available",
        stderr,
    )
    assert match, stderr

    def mb(text):
        value, unit = text.split()
        return float(value) * (1024 if unit == "GB" else 1)

    return mb(match[1]), int(match[2]), mb(match[3]), mb(match[4])


def test_an_impossible_scale_is_refused_at_once_without_output(binary, tmp_path):
    out = tmp_path / "out"
    start = time.monotonic()
    result = run([binary, *IMPOSSIBLE, "--set", f"simulation.data_path={out}"])
    seconds = time.monotonic() - start
    assert result.returncode == 1, result.stdout + result.stderr
    assert seconds < 15, f"refused only after {seconds:.1f} s"
    per_rank, ranks, need, available = refusal_numbers(result.stderr)
    assert ranks == 1 and per_rank == pytest.approx(need, rel=1e-3)
    assert per_rank > 40 * 1024 and need > available
    assert "--set simulation.memory_check=false" in result.stderr
    assert "Connected" not in result.stdout and "neurons," not in result.stdout
    assert not out.exists()


def test_every_rank_refuses_with_one_message(binary, mpiexec, tmp_path):
    out = tmp_path / "out"
    start = time.monotonic()
    result = run(
        [
            mpiexec,
            "--oversubscribe",
            "-n",
            "2",
            binary,
            *IMPOSSIBLE,
            "--set",
            f"simulation.data_path={out}",
            "--set",
            "simulation.local_num_threads=1",
        ]
    )
    assert time.monotonic() - start < 30
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.count("not enough memory") == 1, result.stderr
    per_rank, ranks, need, _ = refusal_numbers(result.stderr)
    assert ranks == 2 and need == pytest.approx(2 * per_rank, rel=1e-3)
    assert not out.exists()


def test_the_dry_run_says_whether_the_run_fits(binary):
    refused = run([binary, *IMPOSSIBLE, "--dry-run"])
    assert refused.returncode == 0, refused.stderr
    assert "available memory on this node: " in refused.stdout
    assert "the run would be refused (simulation.memory_check)" in refused.stdout
    fits = run([binary, "--dry-run"])
    assert "the run fits" in fits.stdout, fits.stdout


# --- inside a cgroup with a memory limit -------------------------------------


def _mounts():
    """Mount point and root of the cgroup v2 and the v1 memory hierarchies."""
    unified = memory_v1 = None
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split()
        if "-" not in fields:
            continue
        dash = fields.index("-")
        kind, options = fields[dash + 1], fields[dash + 3].split(",")
        if kind == "cgroup2" and unified is None:
            unified = (fields[4], fields[3])
        elif kind == "cgroup" and "memory" in options and memory_v1 is None:
            memory_v1 = (fields[4], fields[3])
    return unified, memory_v1


def _own_cgroup(controller_v1):
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        number, controllers, path = line.split(":", 2)
        if controller_v1 is None and number == "0" and controllers == "":
            return path
        if controller_v1 is not None and controller_v1 in controllers.split(","):
            return path
    return None


@pytest.fixture
def memory_cgroup():
    """A fresh cgroup; the returned function sets its limit and gives the
    command that runs a program inside it. Skips where cgroups cannot be used."""
    if os.geteuid() != 0:
        pytest.skip("making a cgroup needs root")
    unified, memory_v1 = _mounts()
    name = f"microcircuit-memcheck-{os.getpid()}"
    directory = limit_file = None
    try:
        if memory_v1 is not None:
            # A child of this process's own memory cgroup (v1 has no rule against it).
            mount, root = memory_v1
            own = _own_cgroup("memory") or "/"
            relative = own[len(root) :] if root != "/" and own.startswith(root) else own
            directory = Path(mount + relative.rstrip("/")) / name
            limit_file = "memory.limit_in_bytes"
        elif (
            unified is not None
            and "memory" in Path(unified[0], "cgroup.subtree_control").read_text()
        ):
            directory = Path(unified[0]) / name
            limit_file = "memory.max"
        else:
            pytest.skip("no cgroup hierarchy with the memory controller")
        directory.mkdir()
    except OSError as error:
        pytest.skip(f"cannot make a cgroup: {error}")
    probe = run(["sh", "-c", f"echo $$ > {directory}/cgroup.procs && cat /proc/self/cgroup"])
    if probe.returncode != 0 or name not in probe.stdout:
        directory.rmdir()
        pytest.skip(f"cannot move a process into a cgroup: {probe.stderr.strip()}")

    def limited(limit_bytes, command):
        (directory / limit_file).write_text(f"{limit_bytes}\n")
        quoted = " ".join(f"'{c}'" for c in command)
        return ["sh", "-c", f"echo $$ > {directory}/cgroup.procs && exec {quoted}"]

    yield limited
    for _ in range(50):  # the killed processes leave the cgroup shortly after
        try:
            directory.rmdir()
            break
        except OSError:
            time.sleep(0.1)


def test_a_cgroup_limit_refuses_a_run_that_memory_check_false_lets_start(
    binary, memory_cgroup, tmp_path
):
    # Scale 0.2 needs about 140 MB per rank; the cgroup allows 100 MB.
    limit = 100 * 1024 * 1024
    settings = [
        "--set",
        "network.N_scaling=0.2",
        "--set",
        "network.K_scaling=0.2",
        "--set",
        "network.bg_input_type=dc",
        "--set",
        "simulation.t_presim=0",
        "--set",
        "simulation.t_sim=100",
        "--set",
        "simulation.local_num_threads=1",
        "--set",
        "simulation.print_time=false",
    ]
    refused_out = tmp_path / "refused"
    refused = run(
        memory_cgroup(limit, [binary, *settings, "--set", f"simulation.data_path={refused_out}"])
    )
    assert refused.returncode == 1, refused.stdout + refused.stderr
    per_rank, _, need, available = refusal_numbers(refused.stderr)
    assert available < 100 and need > 120, refused.stderr
    assert "free below its limit" in refused.stderr
    assert not refused_out.exists()

    forced_out = tmp_path / "forced"
    forced = run(
        memory_cgroup(
            limit,
            [
                binary,
                *settings,
                "--set",
                "simulation.memory_check=false",
                "--set",
                f"simulation.data_path={forced_out}",
            ],
        )
    )
    # Past the check: the output directory is made; the run then ends killed
    # by the cgroup's limit or, if the estimate was too careful, completes.
    assert "not enough memory" not in forced.stderr
    assert forced_out.exists(), forced.stdout + forced.stderr
    assert forced.returncode in (0, -9, 137, 1), forced.stdout + forced.stderr
