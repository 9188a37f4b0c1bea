"""Nothing is lost, whenever a run is killed: runs are killed with SIGKILL (every
process, as a node failure would) at random moments, during construction,
simulation, spike flushes, checkpoint writing and the final writing, on 1x1, 1x2
and 2x1, and restarts are killed again. After every kill no file under a final
name is damaged and the last complete checkpoint restores; continued until
complete (on other decompositions too), every run's spikes and voltages equal
those of a run that was never interrupted."""
import json
import os
import random
import subprocess
import time

import h5py
import pytest

from test_checkpoint import (assert_same_recordings, environment, kill_session, new_run,
                             recordings, restart)

# Frequent flushes of the spike buffer and frequent checkpoints, so that
# random moments fall into both often.
KILLED = ["simulation.spike_buffer=200", "simulation.checkpoint_interval=47.9"]
LAYOUTS = ["1x1", "1x2", "2x1"]
RESTART_LAYOUTS = ["1x2", "2x1", "1x1", "3x1"]
KILLS = 20


def start(command_line, repo, log):
    with open(log, "w") as out:
        return subprocess.Popen(command_line, cwd=repo, stdout=out, stderr=subprocess.STDOUT,
                                env=environment(), start_new_session=True)


def kill_at(process, seconds):
    """SIGKILL to every process of the run after `seconds`, unless it ended."""
    try:
        process.wait(timeout=seconds)
        return False
    except subprocess.TimeoutExpired:
        kill_session(process.pid)
        process.wait(timeout=60)
        return True


def phase(log):
    """Where a killed run was, from what it printed."""
    text = log.read_text()
    if "Connected" not in text:
        return "construction"
    if "Time to simulate" in text:
        return "final writing"
    return "simulation" if "Checkpoint at" not in text else "simulation after a checkpoint"


def check_files(out, reference):
    """No file under a final name is damaged, and a checkpoint opens."""
    if (out / "spikes.h5").exists():
        assert_same_recordings(reference, out / "spikes.h5")
    if (out / "report.json").exists():
        json.loads((out / "report.json").read_text())
    if (out / "checkpoint.h5").exists():
        with h5py.File(out / "checkpoint.h5", "r") as f:
            assert f.attrs["step"] >= 0 and "neurons/y" in f


@pytest.fixture(scope="module")
def repo():
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# Killing processes tests the files and the restarts, not memory errors: the
# sanitizer build (CI runs it after the plain one) leaves it out, and runs
# test_checkpoint.py's restarts instead.
@pytest.mark.skipif(os.environ.get("MICROCIRCUIT_SANITIZED") == "1",
                    reason="run in the plain build only")
def test_kills_at_random_moments_lose_nothing(binary, mpiexec, repo, tmp_path):
    reference_out = tmp_path / "reference"
    began = time.monotonic()
    done = subprocess.run(new_run(binary, mpiexec, "1x1", reference_out, *KILLED), cwd=repo,
                          capture_output=True, text=True, env=environment(), timeout=600)
    duration = time.monotonic() - began
    assert done.returncode == 0, done.stdout + done.stderr
    reference = recordings(reference_out / "spikes.h5")

    rng = random.Random(16)
    phases = []
    for k in range(KILLS):
        out = tmp_path / f"run{k}"
        log = tmp_path / f"run{k}.log"
        process = start(new_run(binary, mpiexec, LAYOUTS[k % 3], out, *KILLED), repo, log)
        # Up to 1.3 x a whole run (mpirun starts slower, the machine is shared).
        if kill_at(process, rng.uniform(0.0, 1.3 * duration)):
            phases.append(phase(log))
        check_files(out, reference)
        attempt = 0
        while not (out / "report.json").exists() or (out / "checkpoint.h5").exists():
            attempt += 1
            assert attempt < 10, f"run {k} did not complete"
            layout = RESTART_LAYOUTS[(k + attempt) % len(RESTART_LAYOUTS)]
            command_line = (restart(binary, mpiexec, layout, out)
                            if (out / "checkpoint.h5").exists()
                            else new_run(binary, mpiexec, layout, out, *KILLED,
                                         "simulation.overwrite_files=true"))
            log = tmp_path / f"run{k}.{attempt}.log"
            process = start(command_line, repo, log)
            # Every other run's first continuation is killed again.
            if attempt == 1 and k % 2 == 1:
                if kill_at(process, rng.uniform(0.0, duration)):
                    phases.append(phase(log))
            else:
                process.wait(timeout=600)
                assert process.returncode == 0, log.read_text()
            check_files(out, reference)
        assert_same_recordings(reference, out / "spikes.h5")
        assert sorted(p.name for p in out.iterdir()) == ["report.json", "spikes.h5"]
    print("kills by phase:", {p: phases.count(p) for p in sorted(set(phases))})
    assert len(phases) >= KILLS
    assert phases.count("construction") >= 2
    assert phases.count("simulation after a checkpoint") >= 5
