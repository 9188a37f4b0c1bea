"""Tests of the job scripts' logic, tools/pd14jobs (no SLURM, no simulator): the plan of
a run (allocation, launcher and binding), the options and commands of the scaling
studies (with a stand-in sbatch), the attempts and job.json, the outcome of a run and
the decision to requeue.

Run: /usr/bin/python3 -B -m pytest -q -p no:cacheprovider tests/slurm/test_pd14jobs.py
"""
import json
import os
import shlex
import subprocess
import sys

import pytest

sys.dont_write_bytecode = True
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOLS = os.path.join(REPO, "tools")
JOBS = os.path.join(REPO, "jobs")
sys.path.insert(0, TOOLS)

from pd14jobs import allocation, attempts, job_record, launcher  # noqa: E402
from pd14jobs import options, outcome, points, requeue, run_times, study  # noqa: E402
from pd14jobs.allocation import Allocation  # noqa: E402
from pd14jobs.errors import JobError  # noqa: E402

SLURM = {"SLURM_JOB_ID": "7"}


def executable(path, text):
    path.write_text(text)
    path.chmod(0o755)
    return str(path)


# --- allocation ------------------------------------------------------------------------


def test_without_slurm_one_node_one_rank_all_cpus():
    assert allocation.resolve(None, None, None, None, {}, 8) == Allocation(1, 1, 1, 8)
    assert allocation.resolve("", "4", "", "", {}, 8) == Allocation(1, 4, 4, 2)
    assert allocation.resolve("2", "3", None, None, {}, 8) == Allocation(2, 3, 2, 4)
    assert allocation.resolve(None, "16", None, None, {}, 8) == Allocation(1, 16, 16, 1)


def test_under_slurm_the_allocation_decides():
    env = dict(
        SLURM,
        SLURM_JOB_NUM_NODES="2",
        SLURM_NTASKS="8",
        SLURM_NTASKS_PER_NODE="4",
        SLURM_CPUS_PER_TASK="16",
    )
    assert allocation.resolve(None, None, None, None, env, 2) == Allocation(2, 8, 4, 16)
    # explicit settings win over it
    assert allocation.resolve(None, "4", "2", "8", env, 2) == Allocation(2, 4, 2, 8)
    # no --ntasks-per-node, no --cpus-per-task: tasks spread, CPUs shared out
    env = dict(SLURM, SLURM_NNODES="2", SLURM_NTASKS="6", SLURM_JOB_CPUS_PER_NODE="12(x2)")
    assert allocation.resolve(None, None, None, None, env, 2) == Allocation(2, 6, 3, 4)
    env = dict(SLURM, SLURM_TASKS_PER_NODE="4(x2),3", SLURM_CPUS_ON_NODE="2")
    assert allocation.resolve(None, None, None, None, env, 64) == Allocation(1, 4, 4, 1)


def test_allocation_errors():
    with pytest.raises(JobError, match="8 ranks do not fit on 1 node.s. x 4 ranks per node"):
        allocation.resolve(None, "8", "4", None, {}, 8)
    with pytest.raises(JobError, match="threads must be a positive integer, got 'x'"):
        allocation.resolve(None, None, None, "x", {}, 8)
    with pytest.raises(JobError, match="ranks must be a positive integer, got '0'"):
        allocation.resolve(None, "0", None, None, {}, 8)


def test_cpus_available_and_oversubscription():
    assert allocation.cpus_available(dict(SLURM, SLURM_CPUS_ON_NODE="32"), 2) == 32
    assert allocation.cpus_available({"SLURM_CPUS_ON_NODE": "32"}, 2) == 2
    assert Allocation(1, 2, 2, 2).oversubscribes(3)
    assert not Allocation(2, 4, 2, 2).oversubscribes(4)
    assert allocation.first_count("4(x2),3") == "4" and allocation.first_count("") == "1"


# --- launcher --------------------------------------------------------------------------


def open_mpi(**kw):
    return launcher.Settings(mpi=launcher.OPEN_MPI, **kw)


def test_open_mpi_binds_each_rank_to_its_cores():
    launch = launcher.build(Allocation(2, 4, 2, 8), open_mpi(), {}, True, 2, False)
    assert launch.bind == "core" and launch.launcher == "mpirun"
    assert launch.command == [
        "mpirun",
        "-n",
        "4",
        "--map-by",
        "ppr:2:node:PE=8",
        "--bind-to",
        "core",
        "-x",
        "OMP_NUM_THREADS",
        "-x",
        "OMP_PROC_BIND",
        "-x",
        "OMP_PLACES",
        "--report-bindings",
    ]
    assert launch.exports == {
        "OMP_NUM_THREADS": "8",
        "OMP_PROC_BIND": "close",
        "OMP_PLACES": "cores",
    }


def test_more_ranks_x_threads_than_cpus_outside_slurm_run_unbound():
    launch = launcher.build(
        Allocation(1, 4, 4, 1), open_mpi(report_bindings=False), {}, False, 2, True
    )
    assert launch.bind == "none"
    assert launch.command == [
        "mpirun",
        "-n",
        "4",
        "--map-by",
        "ppr:4:node",
        "--bind-to",
        "none",
        "--oversubscribe",
        "-x",
        "OMP_NUM_THREADS",
    ]
    assert launch.exports["OMPI_ALLOW_RUN_AS_ROOT"] == "1"
    assert "OMP_PLACES" not in launch.exports
    # the same under SLURM: the allocation is trusted
    assert launcher.build(Allocation(1, 4, 4, 1), open_mpi(), {}, True, 2, False).bind == "core"


def test_hwthreads_user_places_extra_words_and_kill_grace():
    settings = open_mpi(bind="hwthread", mpirun_args="--mca btl self,vader", kill_wait="5")
    launch = launcher.build(
        Allocation(1, 2, 2, 2), settings, {"OMP_PLACES": "{0,1},{2,3}"}, True, 4, False
    )
    assert launch.command[5:8] == ["--bind-to", "hwthread", "--use-hwthread-cpus"]
    assert launch.exports["OMP_PLACES"] == "{0,1},{2,3}"
    assert launch.command[-7:] == [
        "--report-bindings",
        "--mca",
        "btl",
        "self,vader",
        "--mca",
        "odls_base_sigkill_timeout",
        "3",
    ]
    assert launcher.kill_grace(open_mpi(kill_grace="9", kill_wait="5")) == 9
    assert launcher.kill_grace(open_mpi()) is None
    with pytest.raises(JobError, match="--kill-grace must be a positive integer"):
        launcher.build(Allocation(1, 1, 1, 1), open_mpi(kill_grace="soon"), {}, True, 4, False)


def test_hydra_srun_and_none():
    hydra = launcher.build(
        Allocation(1, 2, 2, 4),
        launcher.Settings(mpi=launcher.HYDRA),
        {},
        True,
        8,
        False,
    )
    assert hydra.command == ["mpirun", "-n", "2", "-ppn", "2"]
    assert hydra.exports["I_MPI_PIN_DOMAIN"] == "omp"
    srun = launcher.build(
        Allocation(2, 4, 2, 8),
        launcher.Settings(launcher="srun", srun_args="--exact"),
        {},
        True,
        8,
        False,
    )
    assert srun.command == [
        "srun",
        "--nodes=2",
        "--ntasks=4",
        "--ntasks-per-node=2",
        "--cpus-per-task=8",
        "--cpu-bind=cores",
        "--mpi=pmix",
        "--exact",
    ]
    assert (
        launcher.build(
            Allocation(1, 1, 1, 4),
            launcher.Settings(launcher="none"),
            {},
            False,
            8,
            False,
        ).command
        == []
    )


@pytest.mark.parametrize(
    "settings, in_slurm, message",
    [
        (
            launcher.Settings(launcher="qsub"),
            True,
            "MC_LAUNCHER must be mpirun, srun or none",
        ),
        (
            launcher.Settings(bind="socket"),
            True,
            "MC_BIND must be auto, core, hwthread or none",
        ),
        (
            launcher.Settings(launcher="srun"),
            False,
            "MC_LAUNCHER=srun needs a SLURM allocation",
        ),
        (
            launcher.Settings(launcher="none"),
            False,
            "MC_LAUNCHER=none runs one rank, not 2",
        ),
        (launcher.Settings(), True, "mpirun not found"),
    ],
)
def test_launcher_errors(settings, in_slurm, message):
    with pytest.raises(JobError, match=message):
        launcher.build(Allocation(1, 2, 2, 1), settings, {}, in_slurm, 8, False)


def plan_in_bash(tmp_path, flavour, *args, env=None):
    """`pd14jobs plan` evaluated by bash, as jobs/lib.sh does: the variables it sets."""
    fakes = tmp_path / "bin"
    fakes.mkdir(exist_ok=True)
    executable(fakes / "mpirun", "#!/bin/sh\necho '%s'\n" % flavour)
    binary = executable(tmp_path / "microcircuit_mpi", "#!/bin/sh\n")
    script = (
        'out=$("$PY" -B -m pd14jobs --prog test.sh plan --repo="$REPO" --bin="$BIN" "$@") '
        '|| exit $?; eval "$out"; '
        'printf "%s\\n" "$MC_BIN" "$MC_NODES $MC_RANKS $MC_RANKS_PER_NODE $MC_THREADS" '
        '"$MC_LAUNCHER_USED $MC_BIND_USED $MC_CPUS_AVAILABLE $MC_OVERSUBSCRIBED" '
        '"$OMP_NUM_THREADS"; printf "<%s>" "${MC_LAUNCH[@]}"'
    )
    run_env = dict(
        env or {},
        PATH="%s:/usr/bin:/bin" % fakes,
        PYTHONPATH=TOOLS,
        PY=sys.executable,
        REPO=REPO,
        BIN=binary,
    )
    return binary, subprocess.run(
        ["bash", "-c", script, "plan"] + list(args),
        capture_output=True,
        text=True,
        env=run_env,
    )


def test_plan_as_the_scripts_read_it(tmp_path):
    binary, res = plan_in_bash(
        tmp_path,
        "mpirun (Open MPI) 4.1.4",
        "--ranks=2",
        "--threads=1",
        "--mpirun-args=-x FOO --tag-output",
        env=dict(SLURM, SLURM_CPUS_ON_NODE="2"),
    )
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[:4] == [binary, "1 2 2 1", "mpirun core 2 false", "1"]
    assert lines[4] == (
        "<mpirun><-n><2><--map-by><ppr:2:node:PE=1><--bind-to><core><-x>"
        "<OMP_NUM_THREADS><-x><OMP_PROC_BIND><-x><OMP_PLACES><--report-bindings>"
        "<-x><FOO><--tag-output>"
    )


def test_plan_errors_name_the_script(tmp_path):
    _, res = plan_in_bash(tmp_path, "HYDRA build details", "--ranks=3", "--ranks-per-node=1")
    assert res.returncode == 2
    assert (
        res.stderr.strip() == "test.sh: error: 3 ranks do not fit on 1 node(s) x 1 ranks per node"
    )
    assert res.stdout == ""


# --- studies ---------------------------------------------------------------------------


def test_points():
    p = points.parse("16x8@4")
    assert (p.label, p.allocation) == ("R16xT8xN4", Allocation(4, 16, 4, 8))
    assert points.parse("2x1").allocation == Allocation(1, 2, 2, 1)
    for bad, message in (
        ("2x", "bad point '2x'"),
        ("0x4", "counts must be positive"),
        ("3x2@2", "3 ranks do not divide evenly over 2 nodes"),
    ):
        with pytest.raises(JobError, match=message):
            points.parse(bad)
    with pytest.raises(JobError, match="no points given"):
        points.parse_all("  ")


def test_options_parse():
    table = [
        options.Option("--out", "out"),
        options.Option("--set", "sets", options.REPEATED),
        options.Option("--local", "local", options.SWITCH, "1"),
        options.Option("--args", "args", empty_ok=True),
    ]
    values = {"out": "a", "sets": ["x=1"], "local": "0", "args": "y"}
    assert not options.parse(
        ["--out", "b", "--set", "y=2", "--set=z=3", "--local", "--args", ""],
        table,
        values,
    )
    assert values == {
        "out": "b",
        "sets": ["x=1", "y=2", "z=3"],
        "local": "1",
        "args": "",
    }
    assert options.parse(["--help", "--bogus"], table, values)
    for argv, message in (
        (["--bogus"], "unknown option '--bogus'"),
        (["--out=c"], "unknown option '--out=c'"),
        (["--out"], "option --out needs a value"),
        (["--out", ""], "option --out needs a value, got an empty one"),
    ):
        with pytest.raises(JobError, match=message):
            options.parse(argv, table, dict(values))
    assert options.number("0.05", "--scale") == 0.05 and options.number("3", "--t") == 3
    with pytest.raises(JobError, match="--wait-idle must be a number of seconds, got '1m'"):
        options.number("1m", "--wait-idle", " of seconds")


def configure(kind, argv, env=None, cwd="/"):
    return study.configure(kind, argv, env or {}, cwd)


def test_study_settings_options_over_variables_over_defaults():
    s = configure("strong", [])
    assert (
        [p.spec for p in s.points],
        s.repeats,
        s.scale,
        s.k_scaling,
        s.wait_idle,
    ) == (["1x4", "2x4", "4x4", "8x4"], 3, 1, 1, 60)
    env = {
        "MC_POINTS": "1x1 2x1",
        "MC_REPEATS": "5",
        "MC_SCALE": "0.5",
        "MC_SET": "a.b=1 c.d=2",
        "MC_LOCAL": "1",
    }
    s = configure("strong", ["--repeats", "2", "--set", "e.f=3"], env)
    assert [p.spec for p in s.points] == ["1x1", "2x1"]
    assert (s.repeats, s.scale, s.k_scaling, s.local) == (2, 0.5, 0.5, True)
    assert s.sets == ["a.b=1", "c.d=2", "e.f=3"]
    assert configure("weak", ["--scale", "0.5"]).k_scaling == 1
    assert configure("strong", ["-h", "--nonsense"]) is None


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--repeats", "0"], "--repeats must be a positive integer"),
        (["--bg", "ac"], "--bg must be dc or poisson"),
        (["--record", "all"], "--record must be spikes or none"),
        (["--config", "/no/such.yaml"], "no such config: /no/such.yaml"),
        (["--wait-idle", "soon"], "--wait-idle must be a number of seconds"),
        (["--scale", "big"], "--scale must be a number"),
        (["--points", "4"], "bad point '4'"),
        (["--nodes", "2"], "unknown option '--nodes'"),
    ],
)
def test_study_errors(argv, message):
    with pytest.raises(JobError, match=message):
        configure("strong", argv)


def test_weak_study_commands():
    s = configure(
        "weak",
        [
            "--points",
            "1x2 4x2@2",
            "--n-per-rank",
            "0.03",
            "--k-scaling",
            "0.5",
            "--record",
            "none",
            "--chain",
            "--no-exclusive",
            "--sbatch-args",
            "-p batch",
            "--launcher",
            "srun",
            "--wait-idle",
            "0",
        ],
    )
    assert [s.n_scaling(p) for p in s.points] == ["0.03", "0.12"]
    first = s.point_sbatch(s.points[0], None, "/st", "/repo/jobs", "/b/mc")
    second = s.point_sbatch(s.points[1], "41", "/st", "/repo/jobs", "/b/mc")
    assert first[:11] == [
        "sbatch",
        "--parsable",
        "--job-name=pd14-weak-R1xT2xN1",
        "--nodes=1",
        "--ntasks=1",
        "--ntasks-per-node=1",
        "--cpus-per-task=2",
        "--array=1-3",
        "--time=01:00:00",
        "--output=/st/logs/%x-%A_%a.out",
        "--export=ALL,MC_JOBS_DIR=/repo/jobs,MICROCIRCUIT_BIN=/b/mc," "MC_WAIT_IDLE=0",
    ]
    assert "--exclusive" not in first and not any(w.startswith("--dependency") for w in first)
    assert "--dependency=afterany:41" in second and "--nodes=2" in second
    assert "--ntasks-per-node=2" in second
    i = second.index("/repo/jobs/run_point.sbatch")
    assert second[i - 2 : i] == ["-p", "batch"]
    assert second[i + 1 : i + 7] == [
        "--kind",
        "weak",
        "--label",
        "R4xT2xN2",
        "--run-dir",
        "/st/runs/R4xT2xN2",
    ]
    assert "network.N_scaling=0.12" in second and "simulation.rec_dev=[]" in second
    assert "network.K_scaling=0.5" in second and second[-2:] == ["--launcher", "srun"]
    collect = s.collect_sbatch(["41", "42"], "/st", "/usr/bin/python3", "/repo")
    assert "--dependency=afterany:41:42" in collect
    assert shlex.split(collect[-1][len("--wrap=") :]) == [
        "/usr/bin/python3",
        "/repo/tools/scaling_study.py",
        "--kind",
        "weak",
        "--out",
        "/st/results",
        "/st/runs",
    ]


def test_local_command_and_study_record():
    s = configure(
        "strong",
        [
            "--points",
            "2x1",
            "--scale",
            "0.05",
            "--t-sim",
            "200",
            "--bg",
            "poisson",
            "--local",
        ],
    )
    command = s.local_command(s.points[0], 2, "/st", "/repo/jobs", "/b/mc")
    assert command[:10] == [
        "env",
        "MC_NODES=1",
        "MC_RANKS=2",
        "MC_RANKS_PER_NODE=2",
        "MC_THREADS=1",
        "MC_REPEAT=2",
        "MICROCIRCUIT_BIN=/b/mc",
        "MC_WAIT_IDLE=60",
        "bash",
        "/repo/jobs/run_point.sbatch",
    ]
    assert "network.N_scaling=0.05" in command and "simulation.t_sim=200" in command
    record = s.record(["R2xT1xN1"], [], "", "now", "host", "/b/mc")
    assert record["mode"] == "local" and record["N_scaling"] == 0.05
    assert record["K_scaling"] == 0.05 and record["t_sim_ms"] == 200
    assert record["points"] == ["2x1"] and record["bg_input_type"] == "poisson"
    assert "N_scaling_per_rank" not in record


def run_driver(kind, tmp_path, *args):
    """A study driver with a stand-in sbatch that logs its arguments and answers job ids."""
    fakes = tmp_path / "bin"
    fakes.mkdir(exist_ok=True)
    executable(
        fakes / "sbatch",
        '#!/bin/sh\nn=$(( $(cat "$0.n" 2>/dev/null || echo 40) + 1 ))\n'
        'echo $n >"$0.n"\nfor a in "$@"; do printf "%s\\n" "$a"; done >>"$0.log"\n'
        'echo ---- >>"$0.log"\necho "$n;cluster"\n',
    )
    binary = executable(tmp_path / "microcircuit_mpi", "#!/bin/sh\n")
    env = dict(os.environ, PATH="%s:%s" % (fakes, os.environ["PATH"]), MICROCIRCUIT_BIN=binary)
    res = subprocess.run(
        [os.path.join(JOBS, "%s_scaling.sh" % kind)] + list(args),
        capture_output=True,
        text=True,
        env=env,
        cwd=str(tmp_path),
        timeout=60,
    )
    calls = []
    if (fakes / "sbatch.log").exists():
        calls = [
            c.strip("\n").split("\n")
            for c in (fakes / "sbatch.log").read_text().split("----\n")
            if c.strip()
        ]
    return res, calls


def test_study_submits_arrays_then_the_collection(tmp_path):
    res, calls = run_driver(
        "strong",
        tmp_path,
        "--points",
        "1x1 2x1",
        "--repeats",
        "2",
        "--chain",
        "--out",
        "study",
    )
    assert res.returncode == 0, res.stderr
    study_dir = str(tmp_path / "study")
    assert len(calls) == 3
    assert "--array=1-2" in calls[0] and "--job-name=pd14-strong-R1xT1xN1" in calls[0]
    assert "--dependency=afterany:41" in calls[1]
    assert "--dependency=afterany:41:42" in calls[2]
    assert (tmp_path / "study" / "jobs.txt").read_text() == "41 R1xT1xN1\n42 R2xT1xN1\n43 collect\n"
    record = json.loads((tmp_path / "study" / "study.json").read_text())
    assert record["job_ids"] == ["41", "42"] and record["collect_job_id"] == "43"
    assert record["labels"] == ["R1xT1xN1", "R2xT1xN1"] and record["mode"] == "slurm"
    assert "watch: squeue -j 41,42,43" in res.stdout
    assert "study directory: %s" % study_dir in res.stdout


def test_study_print_only_submits_nothing(tmp_path):
    res, calls = run_driver(
        "weak",
        tmp_path,
        "--points",
        "1x1 2x1",
        "--print-only",
        "--chain",
        "--out",
        "study",
    )
    assert res.returncode == 0, res.stderr
    assert calls == [] and not (tmp_path / "study").exists()
    lines = [shlex.split(line) for line in res.stdout.splitlines()]
    assert [w[0] for w in lines] == ["sbatch"] * 3
    assert "--dependency=afterany:PREVIOUS_JOB_ID" in lines[1]
    assert "--dependency=afterany:PREVIOUS_JOB_IDS" in lines[2]
    assert "network.N_scaling=0.2" in lines[1]


def test_study_help_and_errors(tmp_path):
    res, _ = run_driver("weak", tmp_path, "--help")
    assert res.returncode == 0 and "--n-per-rank S" in res.stdout and "--scale" not in res.stdout
    res, _ = run_driver("strong", tmp_path, "--points", "3x1@2")
    assert res.returncode == 2
    assert res.stderr.strip() == (
        "strong_scaling.sh: error: point '3x1@2': 3 ranks do not " "divide evenly over 2 nodes"
    )


# --- attempts, job.json, outcome, requeue ----------------------------------------------

RUN_LOG = """\
===== attempt 1 2026-01-01T10:00:00+00:00: mpirun -n 2 microcircuit_mpi
Checkpoint at 1000.0 ms
microcircuit_mpi: stopped by signal 10 at 1234.5 ms of simulated time; continue with: ...
===== attempt 2 2026-01-01T10:05:00+00:00: mpirun -n 2 microcircuit_mpi --restart d
Continuing from the checkpoint at 1234.5 ms
===== attempt 3 2026-01-01T10:09:00+00:00: mpirun -n 2 microcircuit_mpi --restart d
Continuing from the checkpoint at 2000.0 ms
microcircuit_mpi: stopped by signal 15 at 2000.4 ms of simulated time; continue with: ...
"""


def test_attempts_killed_ones_are_recorded_by_the_next(tmp_path):
    (tmp_path / "run.log").write_text(RUN_LOG)
    attempts.append_record(str(tmp_path), {"attempt": 1, "status": "interrupted"})
    assert attempts.number_next(str(tmp_path)) == 4
    records = attempts.read_records(str(tmp_path))
    assert [r["attempt"] for r in records] == [1, 2, 3]
    assert records[1] == {
        "attempt": 2,
        "slurm_restart_count": None,
        "mode": "restart",
        "continued_from_ms": 1234.5,
        "stopped_at_ms": None,
        "started": "2026-01-01T10:05:00+00:00",
        "finished": None,
        "status": "killed",
        "exit_code": None,
        "wall_s": None,
        "stop_signal": None,
    }
    assert records[2]["stopped_at_ms"] == 2000.4
    # numbering again records nothing twice
    assert (
        attempts.number_next(str(tmp_path)) == 4 and len(attempts.read_records(str(tmp_path))) == 3
    )
    assert attempts.number_next(str(tmp_path / "new")) == 1


def test_ended_attempt_and_job_json(tmp_path):
    (tmp_path / "run.log").write_text(RUN_LOG)
    record = attempts.ended_record(
        str(tmp_path), 1, False, "", "t0", "t1", "interrupted", 75, 12.5, "USR1"
    )
    assert (record["mode"], record["continued_from_ms"], record["stopped_at_ms"]) == (
        "new",
        None,
        1234.5,
    )
    attempts.append_record(str(tmp_path), record)
    run = {
        "directory": str(tmp_path),
        "kind": "full_scale",
        "label": "R2xT1xN1",
        "repeat": 1,
        "nodes": 1,
        "ranks": 2,
        "ranks_per_node": 2,
        "threads": 3,
        "launcher": "mpirun",
        "bind": "core",
        "command": ["mpirun", "x"],
        "binary": "/b",
        "hostname": "h",
        "hosts": ["h"],
        "started": "t0",
        "finished": "t1",
        "status": "interrupted",
        "exit_code": 75,
        "wall_s": 12.5,
        "cpus_available": 4,
        "wait_idle_s": 0,
        "machine_before": {"busy_cores": 0.1},
        "machine_after": None,
        "attempt": 1,
        "restarted": False,
        "stop_signal": "USR1",
    }
    env = {
        "SLURM_JOB_ID": "9",
        "SLURM_ARRAY_TASK_ID": "2",
        "SLURM_NTASKS": "2",
        "HOME": "/root",
    }
    path = job_record.write(run, env)
    job = json.load(open(path))
    assert job["slurm_job_id"] == "9" and job["slurm_array_task_id"] == "2"
    assert job["slurm_array_job_id"] == ""
    assert job["slurm_env"] == {
        "SLURM_ARRAY_TASK_ID": "2",
        "SLURM_JOB_ID": "9",
        "SLURM_NTASKS": "2",
    }
    assert job["cpus_used_per_node"] == 6 and job["oversubscribed"] is True
    assert job["attempts"] == [record] and job["machine_before"] == {"busy_cores": 0.1}


def test_outcome(tmp_path):
    d = str(tmp_path)
    assert outcome.classify(d, 0, "", "1.5")[:2] == (
        "failed",
        1,
    )  # exit 0 without report.json
    assert outcome.classify(d, 75, "", "2.0") == (
        "interrupted",
        75,
        "interrupted after 2.0 s (SIGUSR1 to the ranks) before any checkpoint: "
        "the next attempt starts from the beginning",
    )
    (tmp_path / "checkpoint.h5").write_text("")
    assert outcome.classify(d, 1, "TERM", "3.0") == (
        "interrupted",
        75,
        "interrupted after 3.0 s (SIGTERM): checkpoint %s/checkpoint.h5" % d,
    )
    assert outcome.classify(d, 3, "", "4.0") == (
        "failed",
        3,
        "FAILED (exit 3) after 4.0 s: " + d,
    )
    (tmp_path / "report.json").write_text("{}")
    (tmp_path / "spikes.h5").write_text("")
    assert outcome.classify(d, 0, "USR1", "5.0") == (
        "completed",
        0,
        "done in 5.0 s: " + d,
    )
    assert outcome.classify(d, 75, "USR1", "5.0")[0] == "failed"  # stopped after writing spikes


def decide(**kw):
    args = dict(
        job_dir="/r/d",
        script="jobs/full_scale.sbatch",
        in_slurm=True,
        job_id="9",
        state="RUNNING",
        stop_signal="USR1",
        attempt_ran=True,
        last_attempt={"continued_from_ms": 1000.0, "stopped_at_ms": 2000.0},
        restart_count=0,
        max_requeues=50,
    )
    args.update(kw)
    return requeue.decide(**args)


def test_requeue_decision():
    assert decide() == (
        True,
        "requeued job 9: it continues from /r/d/checkpoint.h5 when it runs again",
    )
    assert decide(last_attempt={"continued_from_ms": None, "stopped_at_ms": 0.5})[0]
    again, message = decide(in_slurm=False)
    assert not again and message.startswith(
        "not finished (exit 75); continue with: bash " "jobs/full_scale.sbatch --job-dir /r/d"
    )
    again, message = decide(stop_signal="TERM", state="COMPLETING")
    assert not again and "SLURM is ending job 9 (state COMPLETING)" in message
    assert decide(stop_signal="TERM")[0]  # SIGTERM by hand, the job still running
    again, message = decide(attempt_ran=False)
    assert not again and "stopped before the run started" in message
    again, message = decide(last_attempt={"continued_from_ms": 2000.0, "stopped_at_ms": 2000.4})
    assert not again and "stopped at 2000.4 ms, 2000.0 ms when it started" in message
    again, message = decide(restart_count=50)
    assert not again and "requeued 50 times already (MC_MAX_REQUEUES=50)" in message


def test_run_times():
    stat0 = "cpu  100 10 50 1000 20 5 5 10 0 0"
    stat1 = "cpu  300 10 150 1200 40 5 5 10 0 0"
    times0 = "0m0.010s 0m0.005s\n0m1.000s 0m0.500s\n"
    times1 = "0m0.020s 0m0.006s\n1m2.000s 0m1.750s\n"
    assert run_times.busy_ticks(stat0) == 180
    assert run_times.children_cpu_s(times1) == pytest.approx(63.75)
    assert run_times.measure(10.0, 12.5, stat0, stat1, 100, times0, times1) == (
        2.5,
        3.0,
        62.25,
    )
    with pytest.raises(JobError, match="not the cpu line"):
        run_times.busy_ticks("cpu0 1 2 3")
    with pytest.raises(JobError, match="not a time of the builtin times"):
        run_times.children_cpu_s("x\n1.5 2\n")


# --- the run scripts' options ----------------------------------------------------------


def bash_reads(lines, *names):
    """The values bash gets for NAMES (arrays as lists) from the statements LINES."""
    script = (
        "\n".join(lines)
        + "\n"
        + "\n".join('printf "%%s\\0" "${%s[@]}"; printf "\\1"' % n for n in names)
    )
    res = subprocess.run(["bash", "-c", script], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    return [v.split("\0")[:-1] for v in res.stdout.split("\1")[:-1]]


def test_full_scale_options(tmp_path):
    from pd14jobs import full_scale

    env = {
        "MC_T_SIM": "500",
        "MC_SET": "a.b=1",
        "SLURM_JOB_ID": "77",
        "SLURM_SUBMIT_DIR": str(tmp_path),
    }
    lines = full_scale.statements(
        [
            "--t-presim",
            "50",
            "--set",
            "c.d=[x y]",
            "--ranks",
            "2",
            "--checkpoint-interval",
            "1000",
            "--no-dry-run",
            "--bin",
            "/b",
        ],
        env,
        "/",
        REPO,
        1,
        "full_scale.sbatch",
    )
    sets, job_dir, restart, ranks, dry, binary, config = bash_reads(
        lines,
        "MC_SETS",
        "job_dir",
        "MC_RESTART",
        "MC_RANKS",
        "MC_DRY_RUN_FIRST",
        "MICROCIRCUIT_BIN",
        "MC_CONFIG",
    )
    assert sets == [
        "simulation.t_sim=500",
        "simulation.checkpoint_interval=1000",
        "simulation.t_presim=50",
        "a.b=1",
        "c.d=[x y]",
    ]
    assert job_dir == [str(tmp_path / "runs" / "full_scale-77")]
    assert (restart, ranks, dry, binary) == (["0"], ["2"], ["0"], ["/b"])
    assert config == [os.path.join(REPO, "configs", "full_scale.yaml")]
    # a checkpoint is continued, also beside the files of a run killed while finishing;
    # a finished run (no checkpoint) is left alone when requeued, else refused
    job = tmp_path / "job"
    job.mkdir()
    (job / "checkpoint.h5").write_text("")
    lines = full_scale.statements(["--job-dir", str(job)], {}, "/", REPO, 1, "fs")
    assert bash_reads(lines, "MC_RESTART") == [["1"]]
    (job / "spikes.h5").write_text("")
    (job / "report.json").write_text("")
    lines = full_scale.statements(["--job-dir", str(job)], {}, "/", REPO, 1, "fs")
    assert bash_reads(lines, "MC_RESTART") == [["1"]]
    (job / "checkpoint.h5").unlink()
    lines = full_scale.statements(
        ["--job-dir", str(job)], {"SLURM_RESTART_COUNT": "1"}, "/", REPO, 1, "fs"
    )
    assert lines == [
        "echo 'fs: %s holds the finished run; nothing left to do'" % job,
        "exit 0",
    ]
    with pytest.raises(JobError, match="already holds a run; give another --job-dir"):
        full_scale.statements(["--job-dir", str(job)], {}, "/", REPO, 1, "fs")
    local = full_scale.statements(["--out", "o"], {}, str(tmp_path), REPO, 4242, "fs")
    assert bash_reads(local, "job_dir")[0][0].startswith(str(tmp_path / "o" / "full_scale-local-"))
    assert bash_reads(local, "job_dir")[0][0].endswith("-4242")
    for argv, message in (
        (
            ["--checkpoint-interval", "often"],
            "--checkpoint-interval must be a " "number of ms",
        ),
        (["--config", "/no.yaml"], "no such config: /no.yaml"),
        (["--threads"], "option --threads needs a value"),
    ):
        with pytest.raises(JobError, match=message):
            full_scale.statements(argv, {}, "/", REPO, 1, "fs")
    assert full_scale.statements(["--help"], {}, "/", REPO, 1, "fs")[-1] == "exit 0"


def test_run_point_options():
    from pd14jobs import run_point

    lines = run_point.statements(
        [
            "--run-dir",
            "/st/runs/R2xT1xN1/",
            "--kind",
            "strong",
            "--set",
            "x.y=1",
            "--threads",
            "3",
        ],
        {"SLURM_ARRAY_TASK_ID": "2"},
    )
    assert bash_reads(
        lines, "MC_REPEAT", "MC_KIND", "MC_LABEL", "MC_SETS", "run_dir", "MC_THREADS"
    ) == [["2"], ["strong"], ["R2xT1xN1"], ["x.y=1"], ["/st/runs/R2xT1xN1/rep2"], ["3"]]
    lines = run_point.statements(["--run-dir", "d", "--repeat", "4"], {"MC_LABEL": "L"})
    assert bash_reads(lines, "MC_REPEAT", "MC_KIND", "MC_LABEL") == [
        ["4"],
        ["run"],
        ["L"],
    ]
    with pytest.raises(JobError, match="--run-dir is required"):
        run_point.statements([], {})
    with pytest.raises(JobError, match="the repetition must be a positive integer"):
        run_point.statements(["--run-dir", "d", "--repeat", "x"], {})


def test_ensemble_task_options(tmp_path):
    from pd14jobs import ensemble_jobs

    lines = ensemble_jobs.task_statements(
        ["--out", "ens", "--set", "a.b=2", "--threads", "2"],
        {"SLURM_ARRAY_TASK_ID": "3", "MC_T_SIM": "200"},
        str(tmp_path),
        REPO,
    )
    assert (tmp_path / "ens").is_dir()
    assert bash_reads(lines, "ens", "seed", "summarize", "MC_SETS", "MC_THREADS") == [
        [str(tmp_path / "ens")],
        ["3"],
        ["0"],
        [
            "simulation.t_sim=200",
            "simulation.rng_seed=3",
            "simulation.print_time=false",
            "a.b=2",
        ],
        ["2"],
    ]
    lines = ensemble_jobs.task_statements(
        ["--out", "ens", "--summarize", "--title", "T"], {}, str(tmp_path), REPO
    )
    assert bash_reads(lines, "summarize", "title") == [["1"], ["T"]]
    with pytest.raises(JobError, match="no seed: run as an array task"):
        ensemble_jobs.task_statements(["--out", "ens"], {}, str(tmp_path), REPO)
    with pytest.raises(JobError, match="give the ensemble directory with --out"):
        ensemble_jobs.task_statements(["--seed", "1"], {}, str(tmp_path), REPO)


def test_ensemble_submission(tmp_path):
    fakes = tmp_path / "bin"
    fakes.mkdir()
    executable(
        fakes / "sbatch",
        '#!/bin/sh\nn=$(( $(cat "$0.n" 2>/dev/null || echo 40) + 1 ))\n'
        'echo $n >"$0.n"\nfor a in "$@"; do printf "%s\\n" "$a"; done >>"$0.log"\n'
        'echo ---- >>"$0.log"\necho "$n"\n',
    )
    env = dict(os.environ, PATH="%s:%s" % (fakes, os.environ["PATH"]))
    command = [
        os.path.join(JOBS, "ensemble.sh"),
        "--seeds",
        "1-3",
        "--out",
        "ens",
        "--set",
        "network.N_scaling=0.02",
        "--sbatch-args",
        "-p batch",
    ]
    res = subprocess.run(
        command + ["--print-only"],
        capture_output=True,
        text=True,
        env=env,
        cwd=str(tmp_path),
    )
    assert res.returncode == 0, res.stderr
    array, summary = [shlex.split(line) for line in res.stdout.splitlines()]
    assert array[:5] == [
        "sbatch",
        "--parsable",
        "--array=1-3",
        "--output=%s/ens/slurm-%%A_%%a.out" % tmp_path,
        "-p",
    ]
    assert "--dependency=afterok:<array id>" in summary and "--summarize" in summary
    assert not (fakes / "sbatch.log").exists()
    res = subprocess.run(command, capture_output=True, text=True, env=env, cwd=str(tmp_path))
    assert res.returncode == 0, res.stderr
    calls = (fakes / "sbatch.log").read_text().split("----\n")
    assert "--dependency=afterok:41" in calls[1].split("\n")
    assert (tmp_path / "ens" / "array_job_id").read_text() == "41\n"
    assert (tmp_path / "ens" / "summary_job_id").read_text() == "42\n"
    res = subprocess.run(
        command[:3] + ["--local", "--print-only", "--out", "e", "--threads", "2"],
        capture_output=True,
        text=True,
        env=env,
        cwd=str(tmp_path),
    )
    words = shlex.split(res.stdout)
    assert words[1:4] == [os.path.join(REPO, "tools", "ensemble.py"), "all", "--out"]
    assert words[-2:] == ["--threads", "2"] or "--threads" in words
    res = subprocess.run(
        command[:1] + ["--seeds", "1..3", "--out", "e"],
        capture_output=True,
        text=True,
        env=env,
        cwd=str(tmp_path),
    )
    assert res.returncode == 2
    assert res.stderr.strip() == "ensemble.sh: error: --seeds: a list like 1-5 or 1,3,7, got '1..3'"
