"""jobs/full_scale.sbatch: its options, the overrides of the run, and its job directory:
a new run, the continuation of a checkpoint, or a finished run."""
import os
import time

from pd14jobs import options as opt
from pd14jobs import run_options, shell
from pd14jobs.errors import JobError

USAGE = """\
usage: sbatch [sbatch options] jobs/full_scale.sbatch [options] [--set section.key=value ...]
       bash jobs/full_scale.sbatch [options] [--set section.key=value ...]   (no SLURM)

Runs microcircuit_mpi on configs/full_scale.yaml (N_scaling = K_scaling = 1, DC
drive) into a directory of its own, <out>/full_scale-<job id>, with the spikes, the
run report, the job's environment and allocation next to each other.

options (environment variable in brackets, default after the colon):
  --t-sim MS          simulated time after the warm-up [MC_T_SIM: 10000]
  --t-presim MS       warm-up [MC_T_PRESIM: 500, from the config]
  --config FILE       configuration [MC_CONFIG: <repo>/configs/full_scale.yaml]
  --set k=v           further override, repeatable, e.g. --set network.N_scaling=0.5
                      [MC_SET: space-separated k=v]
  --out DIR           parent of the job directory [MC_OUTPUT_ROOT:
                      $SLURM_SUBMIT_DIR/runs, else ./runs]
  --job-dir DIR       the job directory itself [MC_JOB_DIR:
                      <out>/full_scale-<SLURM_JOB_ID, else local-<date>-<pid>>]
  --nodes N           nodes [MC_NODES: SLURM_JOB_NUM_NODES, else 1]
  --ranks R           MPI ranks in all [MC_RANKS: SLURM_NTASKS, else nodes x ranks per node]
  --ranks-per-node R  [MC_RANKS_PER_NODE: SLURM_NTASKS_PER_NODE, else 1]
  --threads T         OpenMP threads per rank [MC_THREADS: SLURM_CPUS_PER_TASK, else
                      cores / ranks per node]
  --launcher L        mpirun, srun or none [MC_LAUNCHER: mpirun]; srun uses
                      --mpi=$MC_SRUN_MPI (default pmix)
  --bind B            auto, core, hwthread, none [MC_BIND: auto = core: each rank on
                      its own T cores, OMP_PROC_BIND=close, OMP_PLACES=cores; none when
                      oversubscribing outside SLURM]
  --bin PATH          microcircuit_mpi [MICROCIRCUIT_BIN: PATH, else <repo>/build/]
  --no-dry-run        skip the estimate (dry_run.txt) before the run [MC_DRY_RUN_FIRST=0]
  --wait-idle S       wait up to S seconds for other processes to be idle before the
                      run [MC_WAIT_IDLE: 0]; the load is recorded in job.json either way
  --checkpoint-interval MS
                      write <job dir>/checkpoint.h5 every MS of simulated time, 0 = only
                      when stopped [MC_CHECKPOINT_INTERVAL: 10000]
  --kill-grace S      with Open MPI's mpirun: seconds it waits before each of its
                      SIGTERM and SIGKILL to ranks it stops (odls_base_sigkill_timeout)
                      [MC_KILL_GRACE: half of SLURM's KillWait; outside SLURM mpirun's 1]
  -h, --help          this text
Extra launcher words: MC_MPIRUN_ARGS, MC_SRUN_ARGS.

Stopping and continuing: SIGUSR1 or SIGTERM to this script (SLURM sends SIGUSR1 180 s
before the time limit, #SBATCH --signal=B:USR1@180) is passed on to every rank as
SIGUSR1: the ranks agree on the next interval boundary, write checkpoint.h5 and exit
75. Under SLURM the job then requeues itself (scontrol requeue), unless the attempt
advanced less than 1 ms of simulated time or the job was requeued MC_MAX_REQUEUES
(50) times; `scontrol requeue` and preemption (SIGTERM to every process of the job)
requeue it anyway. A job directory holding checkpoint.h5 and no spikes.h5 is
continued, not started again: `microcircuit_mpi --restart <job dir>` (the
configuration is the checkpoint's; ranks and threads may differ). Without SLURM,
continue with the same --job-dir. Exit status: 0 complete, 75 checkpointed and not
finished, else failed.

Output in the job directory: spikes.h5, report.json (phases, real-time factor, peak
memory per rank, git commit), dry_run.txt (sizes and memory estimate), run.log (the
simulator's output, all attempts), job_env.txt (host, SLURM_* variables, OpenMP/MPI
settings, modules, CPUs), job.json (allocation, command, exit code, wall time and
every attempt: new run or restart, the simulated time it continued from and stopped
at, exit code), job.log (this script's output, all attempts); checkpoint.h5 while
the run is not finished.
"""

OPTIONS = [
    opt.Option("--t-sim", "t_sim"),
    opt.Option("--t-presim", "t_presim"),
    opt.Option("--config", "MC_CONFIG"),
    opt.Option("--set", "sets", opt.REPEATED),
    opt.Option("--out", "out"),
    opt.Option("--job-dir", "job_dir"),
    opt.Option("--no-dry-run", "MC_DRY_RUN_FIRST", opt.SWITCH, "0"),
    opt.Option("--checkpoint-interval", "checkpoint_interval"),
    opt.Option("--kill-grace", "kill_grace"),
] + run_options.options()

SETTINGS = [
    opt.Setting("t_sim", "MC_T_SIM", "10000"),
    opt.Setting("t_presim", "MC_T_PRESIM", ""),
    opt.Setting("MC_CONFIG", "MC_CONFIG", ""),
    opt.Setting("sets", "MC_SET", []),
    opt.Setting("out", "MC_OUTPUT_ROOT", ""),
    opt.Setting("job_dir", "MC_JOB_DIR", ""),
    opt.Setting("checkpoint_interval", "MC_CHECKPOINT_INTERVAL", "10000"),
    opt.Setting("kill_grace", "MC_KILL_GRACE", ""),
    opt.Setting("MC_DRY_RUN_FIRST", None, None),
]

# What the job directory holds.
NEW, CONTINUE, FINISHED = "new", "continue", "finished"


def job_directory(values, env, cwd, pid):
    """The job directory: --job-dir, else <out>/full_scale-<job id>. SLURM_JOB_ID stays
    the same when the job is requeued: so does the directory."""
    if values["job_dir"]:
        return os.path.join(cwd, values["job_dir"])
    out = values["out"] or os.path.join(env.get("SLURM_SUBMIT_DIR") or cwd, "runs")
    job = env.get("SLURM_JOB_ID") or "local-%s-%d" % (
        time.strftime("%Y%m%d-%H%M%S"),
        pid,
    )
    return os.path.join(cwd, out, "full_scale-" + job)


def state(directory, env):
    """NEW, CONTINUE (a checkpoint: the run continues from it, or, killed while
    finishing, finishes again) or FINISHED (no checkpoint, its output written:
    requeued after the run had finished, e.g. during its last seconds); a
    finished run in a job directory given again is an error."""
    has = lambda name: os.path.exists(os.path.join(directory, name))  # noqa: E731
    if has("checkpoint.h5"):
        return CONTINUE
    if has("report.json") or has("spikes.h5"):
        if int(env.get("SLURM_RESTART_COUNT") or 0) > 0:
            return FINISHED
        raise JobError("%s already holds a run; give another --job-dir" % directory)
    return NEW


def overrides(values):
    """The overrides of the run: the options' first, the user's --set after them (the
    config's own values before both)."""
    interval = opt.number(values["checkpoint_interval"], "--checkpoint-interval", " of ms")
    sets = [
        "simulation.t_sim=%s" % values["t_sim"],
        "simulation.checkpoint_interval=%s" % interval,
    ]
    if values["t_presim"]:
        sets.append("simulation.t_presim=%s" % values["t_presim"])
    return sets + values["sets"]


def statements(argv, env, cwd, repo, pid, prog):
    values = opt.defaults(SETTINGS, env)
    if opt.parse(argv, OPTIONS, values):
        return run_options.help_statements(USAGE)
    config = values["MC_CONFIG"] or os.path.join(repo, "configs", "full_scale.yaml")
    if not os.path.isfile(os.path.join(cwd, config)):
        raise JobError("no such config: %s" % config)
    sets = overrides(values)
    directory = job_directory(values, env, cwd, pid)
    held = state(directory, env)
    if held == FINISHED:
        return [
            "echo %s"
            % shell.quote("%s: %s holds the finished run; nothing left to do" % (prog, directory)),
            "exit 0",
        ]
    lines = [
        shell.assign("MC_CONFIG", config),
        shell.array("MC_SETS", sets),
        shell.assign("job_dir", directory),
        shell.assign("kill_grace", values["kill_grace"]),
        shell.assign("MC_RESTART", 1 if held == CONTINUE else 0),
    ]
    if values["MC_DRY_RUN_FIRST"] is not None:
        lines.append(shell.assign("MC_DRY_RUN_FIRST", values["MC_DRY_RUN_FIRST"]))
    return lines + run_options.given(values)
