"""Nothing is lost, whenever a run is killed: runs are killed with SIGKILL (every process, as a
node failure would) at random moments, during construction, simulation, spike flushes,
checkpoint writing and the final writing, on 1x1, 1x2 and 2x1, and restarts are killed again;
and at each named point of writing a checkpoint and of finishing, whose windows are too short to
be hit at random. After every kill no file under a final name is damaged and the last complete
checkpoint restores; continued until complete (on other decompositions too), every run's spikes
and voltages equal those of a run that was never interrupted."""
import json
import os
import random
import subprocess
import time

import h5py
import pytest

from test_checkpoint import (
    assert_same_recordings,
    environment,
    kill_session,
    new_run,
    recordings,
    restart,
)

# A shorter run than test_checkpoint's, with frequent flushes of the spike
# buffer and frequent checkpoints, so that random moments fall into both.
KILLED = [
    "simulation.t_sim=600",
    "simulation.spike_buffer=200",
    "simulation.checkpoint_interval=47.9",
]
CHECKPOINTS = 14  # at 47.9 ms ... 670.6 ms of the 700 ms
LAYOUTS = ["1x1", "1x2", "2x1"]
RESTART_LAYOUTS = ["1x2", "2x1", "1x1", "3x1"]
KILLS = 20


def start(command_line, repo, log):
    with open(log, "w") as out:
        return subprocess.Popen(
            command_line,
            cwd=repo,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=environment(),
            start_new_session=True,
        )


def kill_at(process, seconds):
    """SIGKILL to every process of the run after `seconds`, unless it ended."""
    try:
        process.wait(timeout=seconds)
        return False
    except subprocess.TimeoutExpired:
        kill_session(process.pid)
        process.wait(timeout=60)
        return True


def kill_when(process, log, rng, moment, timing):
    """Kills the run at a random moment of its construction, or a random time
    (up to a checkpoint interval's wall time) after a random checkpoint: then
    during the simulation, a spike flush, the next checkpoint or, after the
    last one, the final writing. Moments found from what the run prints, so
    that they fall into the phases on a slow machine too."""
    if moment == "construction":
        return kill_at(process, rng.uniform(0.0, timing["construction"]))
    wanted = rng.randint(1, CHECKPOINTS)
    while process.poll() is None:
        if log.read_text().count("Checkpoint at") >= wanted:
            return kill_at(process, rng.uniform(0.0, timing["between_checkpoints"]))
        time.sleep(0.01)
    return False


def phase(log):
    """Where a killed run was, from what it printed."""
    text = log.read_text()
    if "Connected" not in text:
        return "construction"
    if "Time to simulate" in text:
        return "final writing"
    return "simulation" if "Checkpoint at" not in text else "simulation after a checkpoint"


def files_in(out):
    return sorted(p.name for p in out.iterdir()) if out.exists() else []


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


@pytest.fixture(scope="module")
def uninterrupted(binary, mpiexec, repo, tmp_path_factory):
    """The recordings and wall times of the run that the killed ones repeat."""
    out = tmp_path_factory.mktemp("uninterrupted") / "out"
    done = subprocess.run(
        new_run(binary, mpiexec, "1x1", out, *KILLED),
        cwd=repo,
        capture_output=True,
        text=True,
        env=environment(),
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return recordings(out / "spikes.h5"), json.loads((out / "report.json").read_text())


# The moments between the steps of writing a checkpoint and of finishing
# (src/output/kill_point.hpp): before the third checkpoint's rename, before and after
# spikes.h5's rename, after the report, between removing the checkpoint and
# removing the journals.
KILL_POINTS = [
    "checkpoint_written#3",
    "spikes_written",
    "spikes_published",
    "report_written",
    "checkpoint_removed",
]


@pytest.mark.skipif(
    os.environ.get("MICROCIRCUIT_SANITIZED") == "1", reason="run in the plain build only"
)
@pytest.mark.parametrize("point", KILL_POINTS)
@pytest.mark.parametrize("layout", ["1x2", "2x1"])
def test_a_kill_at_each_point_of_finishing_leaves_a_run_that_restart_completes(
    binary, mpiexec, repo, tmp_path, uninterrupted, point, layout
):
    reference, _ = uninterrupted
    out = tmp_path / "out"
    killed = subprocess.run(
        new_run(binary, mpiexec, layout, out, *KILLED),
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=600,
        env=dict(environment(), MICROCIRCUIT_TEST_KILL_POINT=point),
    )
    assert killed.returncode != 0, killed.stdout + killed.stderr
    check_files(out, reference)
    resumable = (out / "checkpoint.h5").exists()
    complete = (out / "report.json").exists() and not resumable
    assert resumable or complete, files_in(out)
    again = subprocess.run(
        restart(binary, mpiexec, "1x1", out),
        cwd=repo,
        capture_output=True,
        text=True,
        env=environment(),
        timeout=600,
    )
    assert again.returncode == 0, again.stdout + again.stderr
    if complete:
        assert "is complete" in again.stdout
    assert_same_recordings(reference, out / "spikes.h5")
    assert files_in(out) == ["report.json", "spikes.h5"]


# Killing processes tests the files and the restarts, not memory errors: the
# sanitizer build (CI runs it after the plain one) leaves it out, and runs
# test_checkpoint.py's restarts instead.
@pytest.mark.skipif(
    os.environ.get("MICROCIRCUIT_SANITIZED") == "1", reason="run in the plain build only"
)
def test_kills_at_random_moments_lose_nothing(binary, mpiexec, repo, tmp_path, uninterrupted):
    reference, report = uninterrupted
    wall = report["phases_s"]
    timing = {
        "construction": wall["init"] + wall["create"] + wall["connect"],
        "between_checkpoints": (wall["presim"] + wall["sim"]) / CHECKPOINTS,
    }

    rng = random.Random(16)
    phases = []
    for k in range(KILLS):
        out = tmp_path / f"run{k}"
        log = tmp_path / f"run{k}.log"
        process = start(new_run(binary, mpiexec, LAYOUTS[k % 3], out, *KILLED), repo, log)
        moment = "construction" if k % 3 == 0 else "simulation"
        if kill_when(process, log, rng, moment, timing):
            phases.append(phase(log))
        check_files(out, reference)
        attempt = 0
        # Until only the finished run's files are left: a restart continues
        # from the checkpoint, or finds the run finished and tidies up.
        while files_in(out) != ["report.json", "spikes.h5"]:
            attempt += 1
            assert attempt < 10, f"run {k} did not complete"
            layout = RESTART_LAYOUTS[(k + attempt) % len(RESTART_LAYOUTS)]
            command_line = (
                restart(binary, mpiexec, layout, out)
                if (out / "checkpoint.h5").exists() or (out / "report.json").exists()
                else new_run(
                    binary, mpiexec, layout, out, *KILLED, "simulation.overwrite_files=true"
                )
            )
            log = tmp_path / f"run{k}.{attempt}.log"
            process = start(command_line, repo, log)
            # Every other run's first continuation is killed again.
            if attempt == 1 and k % 2 == 1:
                if kill_when(process, log, rng, "simulation", timing):
                    phases.append(phase(log))
            else:
                process.wait(timeout=600)
                assert process.returncode == 0, log.read_text()
            check_files(out, reference)
        assert_same_recordings(reference, out / "spikes.h5")
    print("kills by phase:", {p: phases.count(p) for p in sorted(set(phases))})
    assert len(phases) >= KILLS
    assert phases.count("construction") >= 2
    assert phases.count("simulation after a checkpoint") >= 5
