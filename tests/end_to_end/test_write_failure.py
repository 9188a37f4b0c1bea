"""A write that fails in the middle of a run (the disk fills up) ends every rank with one clear
message and exit status 1: no crash, no hang, the partial recordings kept in their journals,
nothing under a final name. The full disk is a 3 MB tmpfs, so the test needs root (it is skipped
otherwise)."""
import os
import re
import subprocess

import pytest

from conftest import run

RUN = [
    "simulation.rec_dev=[spike_recorder, voltmeter]",
    "simulation.rec_V_int=0.1",
    "simulation.rec_V_num_neurons=100",
    "simulation.t_presim=0",
    "simulation.t_sim=300",
    "simulation.print_time=false",
    "simulation.local_num_threads=1",
]


@pytest.fixture
def full_disk(tmp_path):
    mount_point = tmp_path / "small"
    mount_point.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here: " + mounted.stderr.strip())
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=True)


@pytest.mark.parametrize("ranks", [1, 2])
def test_full_disk_mid_run_ends_cleanly(binary, mpiexec, full_disk, ranks):
    out = full_disk / "out"
    command = [binary] if ranks == 1 else [mpiexec, "--oversubscribe", "-n", str(ranks), binary]
    for setting in (f"simulation.data_path={out}", *RUN):
        command += ["--set", setting]
    result = run(command, timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if "microcircuit_mpi: error" in line]
    assert errors, result.stderr
    assert re.search(r"error on rank \d+: ", errors[0]), errors
    assert "cannot write" in errors[0] and "the simulation stopped there" in errors[0], errors
    assert "terminate called" not in result.stderr and "Segmentation" not in result.stderr
    assert "AddressSanitizer" not in result.stderr
    # The voltages' window fills after 131 ms; nothing was renamed into place.
    assert "131.0 ms" in errors[0]
    assert not (out / "spikes.h5").exists() and not (out / "report.json").exists()
    assert (out / ".voltages.journal").exists()
