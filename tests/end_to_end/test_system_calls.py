"""The per-step loop makes no system calls.

A step lasts microseconds at small scales, and on a virtual machine a system
call costs about as much: one futex call per step (libgomp's `omp barrier`
makes one every time, even in a team of one thread) would slow small runs
markedly. strace counts the futex calls of every thread of every rank; the
run has 11,000 steps, so a call per step would be 11,000 per rank; start-up
alone (threads, MPI, HDF5) makes a few hundred, whatever the run's length.
"""
import re
import shutil

import pytest

from conftest import simulate

SMALL = [
    "network.N_scaling=0.02",
    "network.K_scaling=0.02",
    "simulation.t_presim=100",
    "simulation.t_sim=1000",
    "network.bg_input_type=poisson",
]
STEPS = 11000
# Start-up, the parallel regions of construction and of the two run phases,
# HDF5 and MPI make some futex calls of their own, however long the run;
# far fewer than the steps.
MOST_CALLS = STEPS // 10


def futex_calls(summary):
    """Calls of futex in an `strace -c` summary (0 if it made none)."""
    match = re.search(
        r"^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?futex$", summary, re.MULTILINE
    )
    return int(match.group(1)) if match else 0


@pytest.mark.parametrize("ranks, threads", [(2, 1), (1, 2)])
def test_steps_make_no_futex_calls(binary, mpiexec, tmp_path, ranks, threads):
    strace = shutil.which("strace")
    assert strace, "strace is installed by tools/install_dependencies.sh"
    # One summary per rank, named by the rank (mpiexec sets it; 0 without);
    # the shell passes the binary and its arguments on as "$0" "$@".
    tracer = [
        "sh",
        "-c",
        f"exec {strace} -f -c -e trace=futex "
        f'-o {tmp_path}/strace.${{OMPI_COMM_WORLD_RANK:-0}} "$0" "$@"',
    ]
    simulate(
        binary,
        tmp_path / "out",
        *SMALL,
        ranks=ranks,
        threads=threads,
        mpiexec=mpiexec,
        wrapper=tracer,
    )
    for rank in range(ranks):
        summary = (tmp_path / f"strace.{rank}").read_text()
        calls = futex_calls(summary)
        assert calls < MOST_CALLS, f"rank {rank}: {calls} futex calls in {STEPS} steps\n{summary}"
