"""job.json: the machine-readable allocation and outcome of a run, written by the job
scripts before and after it (read by tools/scaling_study.py)."""
import json
import os

from pd14jobs.attempts import read_records


def slurm_env(env):
    return {name: env[name] for name in sorted(env) if name.startswith("SLURM_")}


def record(run, env):
    """job.json's content. RUN: a dict of what the script knows (see cli.py's job-json);
    ENV: the job's environment (the SLURM variables)."""
    rpn, threads = run["ranks_per_node"], run["threads"]
    cpus = run.get("cpus_available")
    return {
        "kind": run["kind"],
        "label": run["label"],
        "repeat": run["repeat"],
        "nodes": run["nodes"],
        "ranks": run["ranks"],
        "ranks_per_node": rpn,
        "threads": threads,
        "launcher": run["launcher"],
        "bind": run["bind"],
        "command": run["command"],
        "binary": run["binary"],
        "hostname": run["hostname"],
        "hosts": run["hosts"],
        "slurm_job_id": env.get("SLURM_JOB_ID", ""),
        "slurm_array_job_id": env.get("SLURM_ARRAY_JOB_ID", ""),
        "slurm_array_task_id": env.get("SLURM_ARRAY_TASK_ID", ""),
        "slurm_env": slurm_env(env),
        "started": run["started"],
        "finished": run["finished"],
        "status": run["status"],
        "exit_code": run["exit_code"],
        "wall_s": run["wall_s"],
        "cpus_available": cpus,
        "cpus_used_per_node": rpn * threads,
        "oversubscribed": None if cpus is None else rpn * threads > cpus,
        "wait_idle_s": run["wait_idle_s"],
        "machine_before": run.get("machine_before"),
        "machine_after": run.get("machine_after"),
        "attempt": run["attempt"],
        "restarted": run["restarted"],
        "stop_signal": run["stop_signal"],
        "attempts": read_records(run["directory"]),
    }


def write(run, env):
    path = os.path.join(run["directory"], "job.json")
    with open(path, "w") as f:
        json.dump(record(run, env), f, indent=2)
        f.write("\n")
    return path
