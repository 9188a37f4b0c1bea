"""Checkpoints and restarts: a run continued from a checkpoint, on the same or
another number of ranks and threads, writes the same spikes and voltages, byte
for byte, as a run that was never interrupted; SIGTERM and SIGUSR1 stop a run
with a checkpoint and exit status 75; a checkpoint of other settings, a damaged
one or missing recordings are refused before anything is touched."""
import json
import os
import signal
import subprocess

import h5py
import numpy as np
import pytest

from conftest import process_table, run

# Poisson background, the thalamic pulse and the DC transient: every input
# whose state a restart has to recreate. A checkpoint at 703.3 ms falls
# inside the thalamic pulse (700-710 ms), inside the DC transient and off the
# Poisson input's four-step blocks.
MODEL = [
    "network.N_scaling=0.05",
    "stimulus.thalamic_input=true",
    "stimulus.th_start=700",
    "stimulus.th_duration=10",
    "stimulus.dc_transient=true",
    "stimulus.dc_transient_start=650",
    "stimulus.dc_transient_dur=100",
    "simulation.t_presim=100",
    "simulation.t_sim=1400",
    "simulation.rec_dev=[spike_recorder, voltmeter]",
    "simulation.rec_V_int=0.3",
]
CHECKPOINT_AT = "simulation.checkpoint_interval=703.3"
EXIT_CHECKPOINTED = 75


def command(binary, mpiexec, layout, *arguments):
    """The command line of a run on `layout` ("RxT": ranks x threads)."""
    ranks, threads = (int(n) for n in layout.split("x"))
    words = [mpiexec, "--oversubscribe", "--bind-to", "none", "-n", str(ranks)] if ranks > 1 else []
    words += [
        binary,
        *arguments,
        "--set",
        f"simulation.local_num_threads={threads}",
        "--set",
        "simulation.print_time=false",
    ]
    return [str(word) for word in words]


def new_run(binary, mpiexec, layout, data_path, *settings):
    arguments = ["--config", "configs/default.yaml"]
    for setting in (*MODEL, f"simulation.data_path={data_path}", *settings):
        arguments += ["--set", setting]
    return command(binary, mpiexec, layout, *arguments)


def restart(binary, mpiexec, layout, data_path, *settings):
    arguments = ["--restart", str(data_path)]
    for setting in settings:
        arguments += ["--set", setting]
    return command(binary, mpiexec, layout, *arguments)


def environment():
    env = dict(
        os.environ,
        OMPI_ALLOW_RUN_AS_ROOT="1",
        OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
        OMP_WAIT_POLICY="passive",
    )
    return env


def recordings(path):
    """Every dataset of the spikes and voltages, by name."""
    found = {}
    with h5py.File(path, "r") as f:

        def keep(name, item):
            if isinstance(item, h5py.Dataset) and name.split("/")[0] in ("spikes", "voltages"):
                found[name] = item[()]

        f.visititems(keep)
    return found


def assert_same_recordings(expected, path):
    found = recordings(path)
    assert sorted(found) == sorted(expected)
    for name, values in expected.items():
        assert found[name].dtype == values.dtype and found[name].shape == values.shape, name
        assert found[name].tobytes() == values.tobytes(), f"{name} differs"


def kill_session(session):
    """SIGKILL to every process of a session, as a node failure: mpirun puts
    each rank into a process group of its own, so killing mpirun's group
    would leave the ranks running."""
    for pid, _, _, sid in process_table():
        if sid == session:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def kill_after_first_checkpoint(command_line, repo):
    """Starts a run, kills it (SIGKILL, every process) once it has written a
    checkpoint; returns the lines it printed."""
    process = subprocess.Popen(
        command_line,
        cwd=repo,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=environment(),
        start_new_session=True,
    )
    lines = []
    for line in process.stdout:
        lines.append(line)
        if line.startswith("Checkpoint at"):
            kill_session(process.pid)
            break
    process.wait(timeout=120)
    process.stdout.close()
    return lines


@pytest.fixture(scope="module")
def repo():
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def reference(binary, mpiexec, repo, tmp_path_factory):
    """The spikes and voltages of an uninterrupted run without checkpoints."""
    out = tmp_path_factory.mktemp("reference") / "out"
    result = run(new_run(binary, mpiexec, "1x1", out), cwd=repo)
    assert result.returncode == 0, result.stdout + result.stderr
    return recordings(out / "spikes.h5")


def test_checkpoints_change_nothing(binary, mpiexec, repo, reference, tmp_path):
    out = tmp_path / "out"
    result = run(
        new_run(binary, mpiexec, "1x2", out, "simulation.checkpoint_interval=37.3"), cwd=repo
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("Checkpoint at") == 40  # 1500 ms / 37.3 ms
    assert_same_recordings(reference, out / "spikes.h5")
    # A complete run leaves its final files only.
    assert sorted(p.name for p in out.iterdir()) == ["report.json", "spikes.h5"]
    assert json.loads((out / "report.json").read_text())["spikes"] == sum(
        len(v) for k, v in reference.items() if k.endswith("node_ids") and k.startswith("spikes")
    )


@pytest.mark.parametrize(
    "first, then", [("1x1", "1x1"), ("1x2", "1x2"), ("2x1", "2x1"), ("1x2", "2x1"), ("1x2", "3x1")]
)
def test_restart_after_a_kill_gives_the_same_recordings(
    binary, mpiexec, repo, reference, tmp_path, first, then
):
    out = tmp_path / "out"
    lines = kill_after_first_checkpoint(new_run(binary, mpiexec, first, out, CHECKPOINT_AT), repo)
    assert any(line.startswith("Checkpoint at 703.3 ms") for line in lines), "".join(lines)
    assert (out / "checkpoint.h5").exists() and not (out / "spikes.h5").exists()
    result = run(restart(binary, mpiexec, then, out), cwd=repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Continuing from the checkpoint at 703.3 ms" in result.stdout
    assert_same_recordings(reference, out / "spikes.h5")
    assert not (out / "checkpoint.h5").exists()


@pytest.mark.parametrize(
    "layout, stop", [("1x2", signal.SIGTERM), ("1x1", signal.SIGUSR1), ("2x1", signal.SIGUSR1)]
)
def test_a_signal_stops_the_run_with_a_checkpoint(
    binary, mpiexec, repo, reference, tmp_path, layout, stop
):
    """mpirun passes SIGUSR1 on to the ranks (SIGTERM it answers by killing them)."""
    out = tmp_path / "out"
    process = subprocess.Popen(
        new_run(binary, mpiexec, layout, out),
        cwd=repo,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment(),
    )
    for line in process.stdout:
        if line.startswith("Connected"):
            process.send_signal(stop)
            break
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == EXIT_CHECKPOINTED, stdout + stderr
    assert "stopped by signal" in stderr and "--restart" in stderr
    assert (out / "checkpoint.h5").exists()
    assert not (out / "spikes.h5").exists() and not (out / "report.json").exists()
    result = run(restart(binary, mpiexec, "1x1", out), cwd=repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert_same_recordings(reference, out / "spikes.h5")


def test_a_run_kept_at_its_end_is_extended(binary, mpiexec, repo, reference, tmp_path):
    """checkpoint_at_end keeps the last step's checkpoint and the journals: a
    restart with a longer t_sim extends the run to what one longer run gives."""
    out = tmp_path / "out"
    result = run(
        new_run(
            binary, mpiexec, "1x2", out, "simulation.t_sim=600", "simulation.checkpoint_at_end=true"
        ),
        cwd=repo,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (out / "checkpoint.h5").exists() and (out / "spikes.h5").exists()
    with h5py.File(out / "spikes.h5", "r") as f:
        times = f["spikes/L4E/timestamps"][()]
    assert times.max() <= 700.0
    assert np.array_equal(times, reference["spikes/L4E/timestamps"][: len(times)])
    shorter = run(restart(binary, mpiexec, "1x1", out, "simulation.t_sim=500"), cwd=repo)
    assert shorter.returncode == 1 and "simulation.t_sim: 600.0 vs 500.0" in shorter.stderr
    result = run(restart(binary, mpiexec, "2x1", out, "simulation.t_sim=1400"), cwd=repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Continuing from the checkpoint at 700.0 ms" in result.stdout
    assert_same_recordings(reference, out / "spikes.h5")
    # The configuration is the checkpoint's: the extended run keeps its end too.
    with h5py.File(out / "checkpoint.h5", "r") as f:
        assert f.attrs["time_ms"] == 1500.0


@pytest.fixture
def interrupted(binary, mpiexec, repo, tmp_path):
    """The directory of a run killed after its checkpoint at 703.3 ms."""
    out = tmp_path / "out"
    kill_after_first_checkpoint(new_run(binary, mpiexec, "1x1", out, CHECKPOINT_AT), repo)
    assert (out / "checkpoint.h5").exists()
    return out


def contents(directory):
    return {p.name: p.read_bytes() for p in directory.iterdir()}


def test_a_restart_with_other_settings_is_refused(binary, mpiexec, repo, interrupted):
    before = contents(interrupted)
    result = run(
        restart(binary, mpiexec, "1x1", interrupted, "network.g=-5", "simulation.rng_seed=7"),
        cwd=repo,
    )
    assert result.returncode == 1
    assert (
        "network.g: -4.0 vs -5.0" in result.stderr
        and "simulation.rng_seed: 55 vs 7" in result.stderr
    )
    assert contents(interrupted) == before


def test_a_new_run_does_not_replace_an_interrupted_one(binary, mpiexec, repo, interrupted):
    before = contents(interrupted)
    result = run(new_run(binary, mpiexec, "1x1", interrupted), cwd=repo)
    assert result.returncode == 1
    assert "--restart" in result.stderr
    assert contents(interrupted) == before


def test_a_damaged_checkpoint_is_refused(binary, mpiexec, repo, interrupted):
    with h5py.File(interrupted / "checkpoint.h5", "r") as f:
        offset = f["neurons/y"].id.get_offset()
    with open(interrupted / "checkpoint.h5", "r+b") as f:
        f.seek(offset + 8 * 17)
        f.write(b"\x01\x02\x03\x04")
    result = run(restart(binary, mpiexec, "1x1", interrupted), cwd=repo)
    assert result.returncode == 1
    assert "damaged" in result.stderr, result.stderr
    assert not (interrupted / "spikes.h5").exists()


def test_a_truncated_checkpoint_is_refused(binary, mpiexec, repo, interrupted):
    path = interrupted / "checkpoint.h5"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])
    result = run(restart(binary, mpiexec, "1x1", interrupted), cwd=repo)
    assert result.returncode == 1
    assert "checkpoint" in result.stderr, result.stderr


def test_missing_recordings_are_refused(binary, mpiexec, repo, interrupted):
    journal = interrupted / ".spikes.journal"
    journal.write_bytes(journal.read_bytes()[:160])
    result = run(restart(binary, mpiexec, "1x1", interrupted), cwd=repo)
    assert result.returncode == 1
    assert "incomplete" in result.stderr, result.stderr


def flip(path, offsets, mask=0x5A):
    data = bytearray(path.read_bytes())
    for offset in offsets:
        data[offset] ^= mask
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "name, damage",
    [
        # Ten bytes XOR 0x5A in the first half, as a copy gone wrong would.
        (".spikes.journal", lambda size: [size // 7 + 13 * i for i in range(10)]),
        # One bit of a spike's time step: still in range and maybe in order;
        # only the digest sees it.
        (".spikes.journal", lambda size: [32 + 16 * 5]),
        (".voltages.journal", lambda size: [size // 3]),
    ],
)
def test_damaged_recordings_are_refused(binary, mpiexec, repo, interrupted, name, damage):
    path = interrupted / name
    mask = 0x5A if len(damage(path.stat().st_size)) > 1 else 0x01
    flip(path, damage(path.stat().st_size), mask)
    result = run(restart(binary, mpiexec, "1x1", interrupted), cwd=repo)
    assert result.returncode == 1, result.stdout + result.stderr
    assert (
        name in result.stderr and "damaged" in result.stderr and "record" in result.stderr
    ), result.stderr
    assert not (interrupted / "spikes.h5").exists()


def test_a_torn_tail_is_cut_off(binary, mpiexec, repo, reference, interrupted):
    """What a killed run wrote after its checkpoint is not needed: a torn or
    damaged block there is cut off, and the run goes on from the checkpoint."""
    for name in (".spikes.journal", ".voltages.journal"):
        with open(interrupted / name, "ab") as f:
            f.write(bytes(range(7, 107)))
    result = run(restart(binary, mpiexec, "1x1", interrupted), cwd=repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr.count("cut off") == 2, result.stderr
    assert_same_recordings(reference, interrupted / "spikes.h5")


def test_no_checkpoint_no_restart(binary, mpiexec, repo, tmp_path):
    result = run(restart(binary, mpiexec, "1x1", tmp_path), cwd=repo)
    assert result.returncode == 1
    assert "no checkpoint" in result.stderr
