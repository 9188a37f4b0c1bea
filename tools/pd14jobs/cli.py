"""python3 -m pd14jobs [--prog NAME] SUBCOMMAND ...: the job scripts' calls (jobs/lib.sh).
Subcommands that fill shell variables print bash statements for `eval`; a bad setting
ends with `NAME: error: ...` on stderr and exit status 2."""
import argparse
import json
import os
import shutil
import subprocess
import sys

from pd14jobs import (
    allocation,
    attempts,
    job_record,
    launcher,
    outcome,
    requeue,
    run_times,
    shell,
)
from pd14jobs import ensemble_jobs, full_scale, run_point, study_run
from pd14jobs import binary as simulator
from pd14jobs.errors import JobError
from pd14jobs.log import now_iso


def mpi_flavour():
    """OPEN_MPI or HYDRA after what `mpirun --version` says; None without mpirun."""
    if not shutil.which("mpirun"):
        return None
    result = subprocess.run(
        ["mpirun", "--version"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return launcher.OPEN_MPI if "Open MPI" in result.stdout else launcher.HYDRA


def plan(args):
    """The simulator, the allocation and the launch of a run, as shell variables."""
    env, prog = os.environ, args.prog
    warn = lambda m: print("%s: warning: %s" % (prog, m), file=sys.stderr)  # noqa: E731
    binary = simulator.locate(args.bin, env, args.repo, warn)
    here = allocation.cpus_here()
    alloc = allocation.resolve(args.nodes, args.ranks, args.ranks_per_node, args.threads, env, here)
    in_slurm = allocation.under_slurm(env)
    settings = launcher.Settings(
        launcher=args.launcher or "mpirun",
        bind=args.bind or "auto",
        mpirun_args=args.mpirun_args,
        srun_args=args.srun_args,
        srun_mpi=args.srun_mpi or "pmix",
        report_bindings=args.report_bindings != "0",
        kill_grace=args.kill_grace,
        kill_wait=args.kill_wait,
    )
    if settings.launcher == "mpirun":
        settings.mpi = mpi_flavour()
    launch = launcher.build(alloc, settings, env, in_slurm, here, os.geteuid() == 0)
    cpus = allocation.cpus_available(env, here)
    lines = [
        shell.assign("MC_BIN", binary),
        shell.assign("MC_NODES", alloc.nodes),
        shell.assign("MC_RANKS", alloc.ranks),
        shell.assign("MC_RANKS_PER_NODE", alloc.ranks_per_node),
        shell.assign("MC_THREADS", alloc.threads),
        shell.array("MC_LAUNCH", launch.command),
        shell.assign("MC_LAUNCHER_USED", launch.launcher),
        shell.assign("MC_BIND_USED", launch.bind),
        shell.assign("MC_CPUS_AVAILABLE", cpus),
        shell.assign("MC_OVERSUBSCRIBED", "true" if alloc.oversubscribes(cpus) else "false"),
    ]
    lines += [shell.export(k, v) for k, v in launch.exports.items()]
    print("\n".join(lines))


def attempt_number(args):
    print(shell.assign("MC_ATTEMPT", attempts.number_next(args.dir)))


def attempt_ended(args):
    record = attempts.ended_record(
        args.dir,
        args.attempt,
        args.restarted == "1",
        os.environ.get("SLURM_RESTART_COUNT", ""),
        args.started,
        now_iso(),
        args.status,
        args.exit_code,
        args.wall,
        args.stop_signal,
    )
    attempts.append_record(args.dir, record)


def _json_or_none(text):
    return json.loads(text) if text else None


def job_json(args):
    run = {
        "directory": args.dir,
        "kind": args.kind or "run",
        "label": args.label,
        "repeat": args.repeat,
        "nodes": args.nodes,
        "ranks": args.ranks,
        "ranks_per_node": args.ranks_per_node,
        "threads": args.threads,
        "launcher": args.launcher,
        "bind": args.bind,
        "command": args.command,
        "binary": args.binary,
        "hostname": args.hostname,
        "hosts": args.hosts.split(),
        "started": args.started,
        "finished": now_iso(),
        "status": args.status,
        "exit_code": args.exit_code,
        "wall_s": args.wall,
        "cpus_available": args.cpus_available,
        "wait_idle_s": args.wait_idle,
        "machine_before": _json_or_none(args.machine_before),
        "machine_after": _json_or_none(args.machine_after),
        "attempt": args.attempt,
        "restarted": args.restarted == "1",
        "stop_signal": args.stop_signal,
    }
    job_record.write(run, os.environ)


def requeue_advice(args):
    env = os.environ
    records = attempts.read_records(args.dir)
    again, message = requeue.decide(
        args.dir,
        args.script,
        allocation.under_slurm(env),
        env.get("SLURM_JOB_ID", ""),
        args.state,
        args.stop_signal,
        args.attempt_ran != "0",
        records[-1] if records else None,
        int(env.get("SLURM_RESTART_COUNT") or 0),
        args.max_requeues,
    )
    print(("requeue " if again else "advise ") + message)


def times(args):
    def read(path):
        with open(path) as f:
            return f.read()

    wall, busy, own = run_times.measure(
        args.t0,
        args.t1,
        args.stat0,
        args.stat1,
        os.sysconf("SC_CLK_TCK"),
        read(args.times0),
        read(args.times1),
    )
    print(
        "\n".join(
            [
                shell.assign("MC_WALL", "%.3f" % wall),
                shell.assign("MC_BUSY_S", "%.3f" % busy),
                shell.assign("MC_OWN_CPU_S", "%.3f" % own),
            ]
        )
    )


def ended(args):
    status, code, message = outcome.classify(args.dir, args.exit_code, args.stop_signal, args.wall)
    print(
        "\n".join(
            [
                shell.assign("MC_STATUS", status),
                shell.assign("MC_RC", code),
                shell.assign("MC_OUTCOME", message),
            ]
        )
    )


def parser():
    p = argparse.ArgumentParser(prog="python3 -m pd14jobs", description=__doc__.split("\n")[0])
    p.add_argument("--prog", default="jobs", help="the script's name in messages")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("plan", help="simulator, allocation and launch command of a run")
    s.add_argument("--repo", required=True)
    for name in (
        "bin",
        "nodes",
        "ranks",
        "ranks-per-node",
        "threads",
        "launcher",
        "bind",
        "mpirun-args",
        "srun-args",
        "srun-mpi",
        "report-bindings",
        "kill-grace",
        "kill-wait",
    ):
        s.add_argument("--" + name, default="")
    s.set_defaults(run=plan)

    s = sub.add_parser("attempt-number", help="number the attempt about to start in DIR")
    s.add_argument("dir")
    s.set_defaults(run=attempt_number)

    s = sub.add_parser("attempt-ended", help="record the attempt that just ended in DIR")
    s.add_argument("dir")
    s.add_argument("--attempt", type=int, required=True)
    s.add_argument("--restarted", default="0")
    s.add_argument("--started", default="")
    s.add_argument("--status", required=True)
    s.add_argument("--exit-code", type=int, required=True)
    s.add_argument("--wall", type=float, required=True)
    s.add_argument("--stop-signal", default="")
    s.set_defaults(run=attempt_ended)

    s = sub.add_parser("job-json", help="write DIR/job.json")
    s.add_argument("dir")
    for name in (
        "kind",
        "label",
        "launcher",
        "bind",
        "binary",
        "hostname",
        "hosts",
        "started",
        "status",
        "machine-before",
        "machine-after",
        "stop-signal",
        "restarted",
    ):
        s.add_argument("--" + name, default="")
    for name in (
        "repeat",
        "nodes",
        "ranks",
        "ranks-per-node",
        "threads",
        "exit-code",
        "attempt",
    ):
        s.add_argument("--" + name, type=int, required=True)
    s.add_argument("--cpus-available", type=int)
    s.add_argument("--wall", type=float, required=True)
    s.add_argument("--wait-idle", type=float, default=0)
    s.add_argument("--command", nargs=argparse.REMAINDER, default=[])
    s.set_defaults(run=job_json)

    s = sub.add_parser("requeue", help="requeue a checkpointed run's job, or how to continue it")
    s.add_argument("dir")
    s.add_argument("--script", required=True)
    s.add_argument("--state", default="")
    s.add_argument("--stop-signal", default="")
    s.add_argument("--attempt-ran", default="1")
    s.add_argument("--max-requeues", type=int, default=50)
    s.set_defaults(run=requeue_advice)

    s = sub.add_parser("run-times", help="wall, busy and own CPU seconds of a run")
    for name in ("t0", "t1"):
        s.add_argument("--" + name, type=float, required=True)
    for name in ("stat0", "stat1", "times0", "times1"):
        s.add_argument("--" + name, required=True)
    s.set_defaults(run=times)

    s = sub.add_parser("outcome", help="status, exit status and log line of a run that ended")
    s.add_argument("dir")
    s.add_argument("--exit-code", type=int, required=True)
    s.add_argument("--stop-signal", default="")
    s.add_argument("--wall", required=True)
    s.set_defaults(run=ended)

    sub.add_parser("study", help="JOBS_DIR strong|weak [options]: a scaling study (its --help)")
    sub.add_parser("ensemble", help="JOBS_DIR [options]: jobs/ensemble.sh (its --help)")
    sub.add_parser(
        "options",
        help="SCRIPT JOBS_DIR [options]: the options of a job script "
        "(full_scale, run_point, ensemble_task) as shell statements",
    )
    return p


def scripts(prog, argv):
    """The subcommands whose own options follow (theirs, not argparse's):
    study JOBS_DIR KIND ..., ensemble JOBS_DIR ..., options SCRIPT JOBS_DIR ...
    (SCRIPT: full_scale, run_point or ensemble_task; MC_SCRIPT_PID: the script's pid).
    None for the others."""
    command, rest = argv[0], argv[1:]
    env, cwd = os.environ, os.getcwd()
    if command == "study" and len(rest) >= 2:
        return study_run.main(rest[1], rest[2:], env, rest[0], sys.executable)
    if command == "ensemble" and rest:
        return ensemble_jobs.submit(rest[1:], env, rest[0], sys.executable)
    if command == "options" and len(rest) >= 2:
        script, repo, args = rest[0], os.path.dirname(rest[1]), rest[2:]
        if script == "full_scale":
            lines = full_scale.statements(
                args,
                env,
                cwd,
                repo,
                int(env.get("MC_SCRIPT_PID") or os.getppid()),
                prog,
            )
        elif script == "run_point":
            lines = run_point.statements(args, env)
        elif script == "ensemble_task":
            lines = ensemble_jobs.task_statements(args, env, cwd, repo)
        else:
            raise JobError("no options of a script '%s'" % script)
        print("\n".join(lines))
        return 0
    return None


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    prog = "jobs"
    if argv[:1] == ["--prog"] and len(argv) > 1:
        prog, argv = argv[1], argv[2:]
    if argv[:1] == ["study"] and len(argv) > 2:
        prog = "%s_scaling.sh" % argv[2]
    try:
        if argv:
            status = scripts(prog, argv)
            if status is not None:
                return status
        args = parser().parse_args(["--prog", prog] + argv)
        return args.run(args) or 0
    except JobError as error:
        print("%s: error: %s" % (prog, error), file=sys.stderr)
        return 2
