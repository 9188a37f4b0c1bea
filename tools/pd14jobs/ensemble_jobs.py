"""An ensemble of seeds under SLURM: jobs/ensemble.sh submits one job array of
jobs/ensemble.sbatch (one seed per task: simulate, analyse) and the summary job after
it, or with --local runs tools/ensemble.py here; jobs/ensemble.sbatch's options."""
import os
import re
import subprocess

from pd14jobs import options as opt
from pd14jobs import run_options, shell
from pd14jobs.errors import JobError
from pd14jobs.log import log

SUBMIT_USAGE = """\
usage: jobs/ensemble.sh --seeds LIST --out DIR [options] [--set section.key=value ...]

options:
  --seeds LIST        seeds, e.g. 1-5 or 1,3,7 (the array indices) [required]
  --out DIR           the ensemble directory [required]
  --t-sim MS          simulated time after the warm-up (default 100000)
  --config FILE       configuration (default configs/full_scale.yaml)
  --set k=v           further override, repeatable
  --sbatch-args "..." extra sbatch options for both jobs, e.g. "-p batch --cpus-per-task=16"
  --title TEXT        prefix of the figure titles
  --local             no SLURM: run the seeds one after the other here
  --threads T         threads (--local; under SLURM --cpus-per-task)
  --print-only        print the sbatch commands, submit nothing
"""

SUBMIT_OPTIONS = [
    opt.Option("--seeds", "seeds"),
    opt.Option("--out", "out"),
    opt.Option("--t-sim", "t_sim"),
    opt.Option("--config", "config"),
    opt.Option("--set", "sets", opt.REPEATED),
    opt.Option("--sbatch-args", "sbatch_args", empty_ok=True),
    opt.Option("--title", "title", empty_ok=True),
    opt.Option("--local", "local", opt.SWITCH, "1"),
    opt.Option("--threads", "threads"),
    opt.Option("--print-only", "print_only", opt.SWITCH, "1"),
]

SUBMIT_SETTINGS = [
    opt.Setting("seeds", None, ""),
    opt.Setting("out", None, ""),
    opt.Setting("t_sim", None, "100000"),
    opt.Setting("config", None, ""),
    opt.Setting("sets", None, []),
    opt.Setting("sbatch_args", None, ""),
    opt.Setting("title", None, ""),
    opt.Setting("local", None, "0"),
    opt.Setting("threads", None, ""),
    opt.Setting("print_only", None, "0"),
]

SEEDS = re.compile(r"^[0-9,-]+$")


def submit_commands(values, out, jobs_dir):
    """The sbatch commands of the seeds' job array and of the summary job (after ARRAY_ID)."""
    extra = values["sbatch_args"].split()
    task = ["--out", out, "--t-sim", values["t_sim"], "--config", values["config"]]
    task += [w for s in values["sets"] for w in ("--set", s)]
    script = os.path.join(jobs_dir, "ensemble.sbatch")
    array = (
        [
            "sbatch",
            "--parsable",
            "--array=" + values["seeds"],
            "--output=" + os.path.join(out, "slurm-%A_%a.out"),
        ]
        + extra
        + [script]
        + task
    )

    def summary(array_id):
        return (
            [
                "sbatch",
                "--parsable",
                "--dependency=afterok:" + array_id,
                "--ntasks=1",
                "--cpus-per-task=1",
                "--output=" + os.path.join(out, "slurm-summary-%j.out"),
            ]
            + extra
            + [script, "--summarize", "--out", out, "--title", values["title"]]
        )

    return array, summary


def local_command(values, python, repo, env):
    command = [
        python,
        os.path.join(repo, "tools", "ensemble.py"),
        "all",
        "--out",
        values["out"],
        "--seeds",
        values["seeds"],
        "--config",
        values["config"],
        "--t-sim",
        values["t_sim"],
        "--title",
        values["title"],
    ]
    if values["threads"]:
        command += ["--threads", values["threads"]]
    command += [w for s in values["sets"] for w in ("--set", s)]
    if env.get("MICROCIRCUIT_BIN"):
        command += ["--bin", env["MICROCIRCUIT_BIN"]]
    return command


def submit_values(argv, env, repo):
    """The settings of ensemble.sh, or None when help was asked for."""
    values = opt.defaults(SUBMIT_SETTINGS, env)
    if opt.parse(argv, SUBMIT_OPTIONS, values):
        return None
    if not values["seeds"] or not values["out"]:
        raise JobError("give --seeds and --out (see --help)")
    if not SEEDS.match(values["seeds"]):
        raise JobError("--seeds: a list like 1-5 or 1,3,7, got '%s'" % values["seeds"])
    values["config"] = values["config"] or os.path.join(repo, "configs", "full_scale.yaml")
    return values


def _job_id(command):
    result = subprocess.run(command, stdout=subprocess.PIPE, text=True)
    if result.returncode != 0:
        raise JobError("sbatch failed: " + shell.command_line(command[:3]))
    return result.stdout.strip().split(";")[0]


def submit(argv, env, jobs_dir, python):
    """jobs/ensemble.sh; its exit status."""
    repo = os.path.dirname(jobs_dir)
    values = submit_values(argv, env, repo)
    if values is None:
        print(SUBMIT_USAGE, end="")
        return 0
    if values["local"] == "1":
        command = local_command(values, python, repo, env)
        if values["print_only"] == "1":
            print(shell.command_line(command))
            return 0
        os.execv(command[0], command)
    os.makedirs(values["out"], exist_ok=True)
    out = os.path.abspath(values["out"])
    array, summary = submit_commands(values, out, jobs_dir)
    if values["print_only"] == "1":
        print(shell.command_line(array))
        print(shell.command_line(summary("<array id>")))
        return 0
    array_id = _job_id(array)
    summary_id = _job_id(summary(array_id))
    for name, job_id in (("array_job_id", array_id), ("summary_job_id", summary_id)):
        with open(os.path.join(out, name), "w") as f:
            f.write(job_id + "\n")
    log(
        "submitted the seeds %s as job array %s and the summary as job %s (after the array); "
        "output in %s" % (values["seeds"], array_id, summary_id, out)
    )
    return 0


TASK_USAGE = """\
usage: sbatch --array=SEEDS [sbatch options] jobs/ensemble.sbatch --out DIR [options]
       sbatch --dependency=afterok:ID jobs/ensemble.sbatch --summarize --out DIR
       bash jobs/ensemble.sbatch --seed S --out DIR [options]        (one seed, no SLURM)

Array task: simulates the seed given by SLURM_ARRAY_TASK_ID (or --seed) into
DIR/seed<S>/ (spikes.h5, report.json, job.json, job_env.txt, run.log) and analyses it
(stats.npz, stats.json). With --summarize: tools/ensemble.py summarize DIR
(ensemble.json, figures/). A seed directory that already holds a finished run is
analysed, not simulated again.

options (environment variable in brackets, default after the colon):
  --out DIR         the ensemble directory [MC_ENSEMBLE_DIR: required]
  --seed S          the seed (default: SLURM_ARRAY_TASK_ID)
  --t-sim MS        simulated time after the warm-up [MC_T_SIM: 100000]
  --config FILE     configuration [MC_CONFIG: <repo>/configs/full_scale.yaml]
  --set k=v         further override, repeatable [MC_SET: space-separated k=v]
  --ranks R, --threads T, --launcher L, --bind B, --bin PATH   as jobs/full_scale.sbatch
  --summarize       compare the analysed seeds of DIR instead of running one
  --title TEXT      prefix of the figure titles (--summarize)
  -h, --help        this text
"""

TASK_OPTIONS = [
    opt.Option("--out", "ens"),
    opt.Option("--seed", "seed"),
    opt.Option("--t-sim", "t_sim"),
    opt.Option("--config", "config"),
    opt.Option("--set", "sets", opt.REPEATED),
    opt.Option("--summarize", "summarize", opt.SWITCH, "1"),
    opt.Option("--title", "title", empty_ok=True),
] + run_options.options("--ranks", "--threads", "--launcher", "--bind", "--bin")

TASK_SETTINGS = [
    opt.Setting("ens", "MC_ENSEMBLE_DIR", ""),
    opt.Setting("seed", "SLURM_ARRAY_TASK_ID", ""),
    opt.Setting("t_sim", "MC_T_SIM", "100000"),
    opt.Setting("config", "MC_CONFIG", ""),
    opt.Setting("sets", "MC_SET", []),
    opt.Setting("summarize", None, "0"),
    opt.Setting("title", None, ""),
]


def task_statements(argv, env, cwd, repo):
    """jobs/ensemble.sbatch's settings: the ensemble directory (made), and the summary or
    the seed to run with its overrides."""
    values = opt.defaults(TASK_SETTINGS, env)
    if opt.parse(argv, TASK_OPTIONS, values):
        return run_options.help_statements(TASK_USAGE)
    if not values["ens"]:
        raise JobError("give the ensemble directory with --out")
    ens = os.path.normpath(os.path.join(cwd, values["ens"]))
    os.makedirs(ens, exist_ok=True)
    lines = [
        shell.assign("ens", ens),
        shell.assign("summarize", values["summarize"]),
        shell.assign("title", values["title"]),
    ]
    if values["summarize"] == "1":
        return lines
    seed = values["seed"]
    if not seed.isdigit():
        raise JobError("no seed: run as an array task (sbatch --array=...) or give --seed")
    config = values["config"] or os.path.join(repo, "configs", "full_scale.yaml")
    if not os.path.isfile(os.path.join(cwd, config)):
        raise JobError("no such config: %s" % config)
    # The seed and length first, the user's --set after them.
    sets = [
        "simulation.t_sim=" + values["t_sim"],
        "simulation.rng_seed=" + seed,
        "simulation.print_time=false",
    ] + values["sets"]
    return (
        lines
        + [
            shell.assign("seed", seed),
            shell.assign("MC_CONFIG", config),
            shell.array("MC_SETS", sets),
        ]
        + run_options.given(values)
    )
