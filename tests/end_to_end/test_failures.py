"""A failure on any rank ends every rank within seconds, with exit status
non-zero, one message naming the rank and the cause, and no file under a final
name (spikes.h5, report.json): a failed allocation while connecting (one rank
of two under a low `ulimit -v`), a failed allocation in a worker thread during
the simulation, and a rank killed with SIGKILL. The full disk is in
test_write_failure.py. The memory limits do not work under AddressSanitizer
(it reserves terabytes of address space): skipped there."""
import os
import resource
import signal
import subprocess
import time

import pytest

from conftest import process_table, run

SANITIZED = os.environ.get("MICROCIRCUIT_SANITIZED") == "1"
needs_plain_build = pytest.mark.skipif(
    SANITIZED, reason="address-space limits and AddressSanitizer"
)

# Every rank must be gone this long after the failure (docs/cluster.md).
BOUND_S = 30.0
# OpenMPI as root; no spinning of idle OpenMP threads on the shared cores.
ENV = {
    "OMPI_ALLOW_RUN_AS_ROOT": "1",
    "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
    "OMP_WAIT_POLICY": "passive",
}


def settings(data_path, *extra, threads=1):
    command = []
    for setting in (
        f"simulation.data_path={data_path}",
        f"simulation.local_num_threads={threads}",
        *extra,
    ):
        command += ["--set", setting]
    return command


def error_lines(stderr):
    return [line for line in stderr.splitlines() if "microcircuit_mpi: error" in line]


def assert_ended_cleanly(result_stderr, data_path):
    assert "terminate called" not in result_stderr and "Segmentation" not in result_stderr
    assert not (data_path / "spikes.h5").exists() and not (data_path / "report.json").exists()


def children_of(pid):
    return [child for child, _, parent, _ in process_table() if parent == pid]


def rank_of(pid):
    with open(f"/proc/{pid}/environ", "rb") as environ:
        for item in environ.read().split(b"\0"):
            if item.startswith(b"OMPI_COMM_WORLD_RANK="):
                return int(item.split(b"=", 1)[1])
    return None


def read_until(stream, text, timeout):
    """Reads the unbuffered `stream` until `text` appeared; returns what was read."""
    seen = b""
    deadline = time.monotonic() + timeout
    while text.encode() not in seen:
        assert time.monotonic() < deadline, seen.decode(errors="replace")
        chunk = os.read(stream.fileno(), 4096)
        assert chunk, "the run ended early: " + seen.decode(errors="replace")
        seen += chunk
    return seen.decode(errors="replace")


@needs_plain_build
def test_failed_allocation_on_one_rank_ends_every_rank(binary, mpiexec, tmp_path):
    # Rank 1 may map 300 MB: enough to start MPI and two threads, not enough
    # for its half of the synapses of a full-size network at 10 % in-degree.
    limit = 'if [ "$OMPI_COMM_WORLD_RANK" = 1 ]; then ulimit -v 300000; fi; ' 'exec "$0" "$@"'
    out = tmp_path / "out"
    command = [
        mpiexec,
        "--oversubscribe",
        "--bind-to",
        "none",
        "-n",
        "2",
        "sh",
        "-c",
        limit,
        binary,
        *settings(
            out,
            "network.N_scaling=1",
            "network.K_scaling=0.1",
            "simulation.t_presim=0",
            "simulation.t_sim=100",
            "simulation.print_time=false",
            threads=2,
        ),
    ]
    start = time.monotonic()
    result = run(command, timeout=300)
    elapsed = time.monotonic() - start
    assert result.returncode != 0, result.stdout + result.stderr
    errors = error_lines(result.stderr)
    assert len(errors) == 1, result.stderr
    assert "error on rank 1: out of memory" in errors[0], errors
    assert "while connecting the network" in errors[0], errors
    assert elapsed < BOUND_S, elapsed
    assert_ended_cleanly(result.stderr, out)


@needs_plain_build
@pytest.mark.parametrize("ranks", [1, 2])
def test_failed_allocation_in_a_worker_thread_ends_the_run(binary, mpiexec, tmp_path, ranks):
    # Once the warm-up is done the last rank's address space is frozen at its
    # size; the thalamic burst makes the pending-spike lists of the threads grow.
    out = tmp_path / "out"
    command = [
        binary,
        *settings(
            out,
            "simulation.t_presim=10",
            "simulation.t_sim=2000",
            "simulation.print_time=true",
            "stimulus.thalamic_input=true",
            "stimulus.th_start=1000",
            "stimulus.th_duration=100",
            "stimulus.th_rate=10000",
            threads=2,
        ),
    ]
    if ranks > 1:
        command = [mpiexec, "--oversubscribe", "--bind-to", "none", "-n", str(ranks), *command]
    process = subprocess.Popen(
        [str(c) for c in command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **ENV},
    )
    try:
        read_until(process.stdout, "warm-up done", timeout=120)
        pid = process.pid
        if ranks > 1:
            pid = {rank_of(child): child for child in children_of(process.pid)}[ranks - 1]
        with open(f"/proc/{pid}/status") as status:
            size = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize"))
        resource.prlimit(pid, resource.RLIMIT_AS, (size, size))
        _, stderr = process.communicate(timeout=300)
    finally:
        process.kill()
    stderr = stderr.decode(errors="replace")
    assert process.returncode == 1, stderr
    errors = error_lines(stderr)
    assert len(errors) == 1, stderr
    assert f"error on rank {ranks - 1}: out of memory" in errors[0], errors
    assert "while simulating, in thread" in errors[0], errors
    assert "ms of simulated time; the simulation stopped there" in errors[0], errors
    assert_ended_cleanly(stderr, out)


def alive(pid):
    """Whether a process exists and is not a zombie."""
    return any(other == pid and state != "Z" for other, state, _, _ in process_table())


def test_a_killed_rank_ends_every_rank(binary, mpiexec, tmp_path):
    out = tmp_path / "out"
    # A run far longer than the test; the forced progress line at the end of
    # the warm-up says that the simulation runs.
    command = [
        mpiexec,
        "--oversubscribe",
        "--bind-to",
        "none",
        "-n",
        "2",
        binary,
        *settings(
            out, "simulation.t_presim=10", "simulation.t_sim=600000", "simulation.print_time=true"
        ),
    ]
    process = subprocess.Popen(
        [str(c) for c in command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **ENV},
    )
    try:
        read_until(process.stdout, "warm-up done", timeout=300)
        ranks = {rank_of(pid): pid for pid in children_of(process.pid)}
        assert set(ranks) == {0, 1}, ranks
        start = time.monotonic()
        os.kill(ranks[1], signal.SIGKILL)
        _, stderr = process.communicate(timeout=120)
        elapsed = time.monotonic() - start
    finally:
        process.kill()
    stderr = stderr.decode(errors="replace")
    assert process.returncode != 0, stderr
    assert "rank 1" in stderr and "signal 9" in stderr, stderr
    assert elapsed < BOUND_S, elapsed
    # mpirun sends the other ranks SIGTERM (to which they answer by stopping
    # at the next interval boundary with a checkpoint, which needs the dead
    # rank), then SIGKILL a second later, and may end before they are gone.
    while any(alive(pid) for pid in ranks.values()) and time.monotonic() - start < BOUND_S:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in ranks.values()), time.monotonic() - start
    assert_ended_cleanly(stderr, out)
