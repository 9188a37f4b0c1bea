"""A strong- or weak-scaling study (jobs/strong_scaling.sh, jobs/weak_scaling.sh): its
options and settings, and the commands that run it: per point one SLURM job array of
jobs/run_point.sbatch (one task per repetition), or with --local one run after the
other here, then the collection by tools/scaling_study.py."""
import os

from pd14jobs import options as opt
from pd14jobs.errors import JobError
from pd14jobs.points import parse_all
from pd14jobs.shell import command_line

KINDS = ("strong", "weak")

OPTIONS = [
    opt.Option("--points", "points"),
    opt.Option("--repeats", "repeats"),
    opt.Option("--scale", "scale"),
    opt.Option("--k-scaling", "k_scaling"),
    opt.Option("--n-per-rank", "n_per_rank"),
    opt.Option("--t-sim", "t_sim"),
    opt.Option("--t-presim", "t_presim"),
    opt.Option("--bg", "bg"),
    opt.Option("--record", "record"),
    opt.Option("--wait-idle", "wait_idle"),
    opt.Option("--oversubscribe", "oversubscribe", opt.SWITCH, "1"),
    opt.Option("--config", "config"),
    opt.Option("--set", "sets", opt.REPEATED),
    opt.Option("--out", "study"),
    opt.Option("--bin", "bin"),
    opt.Option("--launcher", "launcher"),
    opt.Option("--bind", "bind"),
    opt.Option("--local", "local", opt.SWITCH, "1"),
    opt.Option("--sbatch-args", "sbatch_args", empty_ok=True),
    opt.Option("--time", "time"),
    opt.Option("--no-exclusive", "exclusive", opt.SWITCH, "0"),
    opt.Option("--chain", "chain", opt.SWITCH, "1"),
    opt.Option("--no-collect", "collect", opt.SWITCH, "0"),
    opt.Option("--print-only", "print_only", opt.SWITCH, "1"),
]

SETTINGS = [
    opt.Setting("points", "MC_POINTS", "1x4 2x4 4x4 8x4"),
    opt.Setting("repeats", "MC_REPEATS", "3"),
    opt.Setting("scale", "MC_SCALE", "1"),
    opt.Setting("k_scaling", "MC_K_SCALING", ""),
    opt.Setting("n_per_rank", "MC_N_PER_RANK", "0.1"),
    opt.Setting("t_sim", "MC_T_SIM", "1000"),
    opt.Setting("t_presim", "MC_T_PRESIM", "500"),
    opt.Setting("bg", "MC_BG", "dc"),
    opt.Setting("record", "MC_RECORD", "spikes"),
    opt.Setting("wait_idle", "MC_WAIT_IDLE", "60"),
    opt.Setting("oversubscribe", "MC_OVERSUBSCRIBE", "0"),
    opt.Setting("config", "MC_CONFIG", ""),
    opt.Setting("sets", "MC_SET", []),
    opt.Setting("study", "MC_STUDY_DIR", ""),
    opt.Setting("bin", None, ""),
    opt.Setting("launcher", "MC_LAUNCHER", ""),
    opt.Setting("bind", "MC_BIND", ""),
    opt.Setting("local", "MC_LOCAL", "0"),
    opt.Setting("sbatch_args", "MC_SBATCH_ARGS", ""),
    opt.Setting("time", "MC_TIME", "01:00:00"),
    opt.Setting("exclusive", "MC_EXCLUSIVE", "1"),
    opt.Setting("chain", "MC_CHAIN", "0"),
    opt.Setting("collect", "MC_COLLECT", "1"),
    opt.Setting("print_only", "MC_PRINT_ONLY", "0"),
]

# The job id a chained point waits for, in the printed commands (--print-only).
PREVIOUS_JOB_ID = "PREVIOUS_JOB_ID"


def usage(kind):
    if kind == "strong":
        head = """usage: jobs/strong_scaling.sh [options] [--set section.key=value ...]

Strong scaling: the same network (N_scaling, K_scaling fixed) simulated on a series
of ranks x threads, each point repeated. Under SLURM every point is one job array
(one array task per repetition) and a last job, dependent on all of them, collects
the report.json files into CSV and plots with tools/scaling_study.py. With --local
the points run one after the other here with mpirun.

options (environment variable in brackets, default after the colon):
  --points "P ..."      points RANKSxTHREADS[@NODES] [MC_POINTS: "1x4 2x4 4x4 8x4"]
  --repeats N           repetitions of each point [MC_REPEATS: 3]
  --scale S             N_scaling = K_scaling = S [MC_SCALE: 1]
  --k-scaling K         K_scaling if it differs from --scale [MC_K_SCALING]
"""
    else:
        head = """usage: jobs/weak_scaling.sh [options] [--set section.key=value ...]

Weak scaling: neurons per rank held constant: N_scaling = (N_scaling per rank) x
ranks, K_scaling fixed, over a series of ranks x threads, each point repeated.
Under SLURM every point is one job array (one array task per repetition) and a
last job, dependent on all of them, collects the report.json files into CSV and
plots with tools/scaling_study.py. With --local the points run one after the other
here with mpirun.

options (environment variable in brackets, default after the colon):
  --points "P ..."      points RANKSxTHREADS[@NODES] [MC_POINTS: "1x4 2x4 4x4 8x4"]
  --repeats N           repetitions of each point [MC_REPEATS: 3]
  --n-per-rank S        N_scaling per rank [MC_N_PER_RANK: 0.1]
  --k-scaling K         K_scaling, fixed [MC_K_SCALING: 1]
"""
    return (
        head
        + """  --t-sim MS            simulated time after the warm-up [MC_T_SIM: 1000]
  --t-presim MS         warm-up [MC_T_PRESIM: 500]
  --bg dc|poisson       background drive [MC_BG: dc]
  --record spikes|none  record spikes (spikes.h5) or nothing [MC_RECORD: spikes]
  --wait-idle S         before each run wait up to S seconds until other processes
                        are idle and the cores equally fast (tools/benchmark/idle.py,
                        as the benchmark harness does; 0: only measure) [MC_WAIT_IDLE: 60]
  --oversubscribe       with --local: run points whose ranks x threads exceed this
                        machine's CPUs instead of refusing them; they are flagged in
                        the tables and plots [MC_OVERSUBSCRIBE=1]
  --config FILE         base configuration [MC_CONFIG: none, built-in defaults]
  --set k=v             further override, repeatable [MC_SET: space-separated k=v]
  --out DIR             study directory [MC_STUDY_DIR:
                        $MC_OUTPUT_ROOT/<kind>-<date>-<time>, MC_OUTPUT_ROOT: ./runs]
  --bin PATH            microcircuit_mpi [MICROCIRCUIT_BIN: PATH, else build/]
  --launcher L          mpirun, srun or none [MC_LAUNCHER: mpirun]
  --bind B              auto, core, hwthread, none [MC_BIND: auto]
  --local               run here with mpirun instead of submitting [MC_LOCAL=1]
  --sbatch-args "..."   extra sbatch options, e.g. "-p batch -A proj" [MC_SBATCH_ARGS]
  --time HH:MM:SS       time limit of each run job [MC_TIME: 01:00:00]
  --no-exclusive        share nodes with other jobs (default: --exclusive) [MC_EXCLUSIVE=0]
  --chain               start each point only after the previous one ended [MC_CHAIN=1]
  --no-collect          do not submit/run the collection step [MC_COLLECT=0]
  --print-only          print the sbatch commands, submit nothing [MC_PRINT_ONLY=1]
  -h, --help            this text

A point RxT@N runs R ranks with T OpenMP threads each on N nodes (R/N ranks per
node; @N defaults to @1). Output (see jobs/README.md):
  <study>/study.json, jobs.txt            settings, job ids
  <study>/logs/                           SLURM logs
  <study>/runs/R<r>xT<t>xN<n>/rep<k>/     spikes.h5, report.json, job.json, job_env.txt,
                                          dry_run.txt, run.log
  <study>/results/                        scaling_runs.csv, scaling_summary.csv and
                                          speedup/efficiency/rtf/phases/memory PNG+SVG
"""
    )


def _switch(values, key):
    return values[key] == "1"


class Study:
    """The validated settings of a study of KIND from ARGV and ENV (None when help was
    asked for: see `configure`), and the commands that run it."""

    def __init__(self, kind, values, cwd):
        if kind not in KINDS:
            raise JobError("the kind of a study is strong or weak, not '%s'" % kind)
        self.kind = kind
        self.repeats = opt.positive_int(values["repeats"], "--repeats")
        if values["bg"] not in ("dc", "poisson"):
            raise JobError("--bg must be dc or poisson")
        self.bg = values["bg"]
        if values["record"] not in ("spikes", "none"):
            raise JobError("--record must be spikes or none")
        self.recording = values["record"]
        self.config = values["config"]
        if self.config:
            if not os.path.isfile(os.path.join(cwd, self.config)):
                raise JobError("no such config: %s" % self.config)
            self.config = os.path.abspath(os.path.join(cwd, self.config))
        self.scale = opt.number(values["scale"], "--scale")
        self.n_per_rank = opt.number(values["n_per_rank"], "--n-per-rank")
        default_k = values["scale"] if kind == "strong" else "1"
        self.k_scaling = opt.number(values["k_scaling"] or default_k, "--k-scaling")
        self.t_sim = opt.number(values["t_sim"], "--t-sim", " of ms")
        self.t_presim = opt.number(values["t_presim"], "--t-presim", " of ms")
        self.points = parse_all(values["points"])
        self.wait_idle = opt.number(values["wait_idle"], "--wait-idle", " of seconds")
        self.sets = values["sets"]
        self.local = _switch(values, "local")
        self.oversubscribe = _switch(values, "oversubscribe")
        self.exclusive = _switch(values, "exclusive")
        self.chain = _switch(values, "chain")
        self.collect = _switch(values, "collect")
        self.print_only = _switch(values, "print_only")
        self.sbatch_args = values["sbatch_args"].split()
        self.time = values["time"]
        self.launcher, self.bind, self.bin = (
            values["launcher"],
            values["bind"],
            values["bin"],
        )
        self.study_dir = values["study"]

    def oversubscribing(self, cpus):
        """The points with more ranks x threads than CPUS (all on this machine)."""
        return [p for p in self.points if p.allocation.ranks * p.allocation.threads > cpus]

    def n_scaling(self, point):
        """N_scaling of POINT: fixed (strong), or per rank x ranks (weak)."""
        if self.kind == "strong":
            return values_text(self.scale)
        return "%.10g" % (self.n_per_rank * point.allocation.ranks)

    def common_sets(self):
        rec_dev = "[]" if self.recording == "none" else "[spike_recorder]"
        sets = [
            "simulation.t_sim=%s" % values_text(self.t_sim),
            "simulation.t_presim=%s" % values_text(self.t_presim),
            "network.bg_input_type=" + self.bg,
            "network.K_scaling=%s" % values_text(self.k_scaling),
            "simulation.rec_dev=" + rec_dev,
            "simulation.print_time=false",
        ] + self.sets
        return [w for s in sets for w in ("--set", s)]

    def point_args(self, point, study_dir):
        args = [
            "--kind",
            self.kind,
            "--label",
            point.label,
            "--run-dir",
            os.path.join(study_dir, "runs", point.label),
            "--set",
            "network.N_scaling=" + self.n_scaling(point),
        ] + self.common_sets()
        if self.config:
            args += ["--config", self.config]
        if self.launcher:
            args += ["--launcher", self.launcher]
        if self.bind:
            args += ["--bind", self.bind]
        return args

    def local_command(self, point, repeat, study_dir, jobs_dir, binary):
        a = point.allocation
        return [
            "env",
            "MC_NODES=%d" % a.nodes,
            "MC_RANKS=%d" % a.ranks,
            "MC_RANKS_PER_NODE=%d" % a.ranks_per_node,
            "MC_THREADS=%d" % a.threads,
            "MC_REPEAT=%d" % repeat,
            "MICROCIRCUIT_BIN=" + binary,
            "MC_WAIT_IDLE=%s" % values_text(self.wait_idle),
            "bash",
            os.path.join(jobs_dir, "run_point.sbatch"),
        ] + self.point_args(point, study_dir)

    def point_sbatch(self, point, previous, study_dir, jobs_dir, binary):
        """The sbatch command of POINT's job array; PREVIOUS: the job id it waits for
        (--chain), or None."""
        a = point.allocation
        command = [
            "sbatch",
            "--parsable",
            "--job-name=pd14-%s-%s" % (self.kind, point.label),
            "--nodes=%d" % a.nodes,
            "--ntasks=%d" % a.ranks,
            "--ntasks-per-node=%d" % a.ranks_per_node,
            "--cpus-per-task=%d" % a.threads,
            "--array=1-%d" % self.repeats,
            "--time=" + self.time,
            "--output=" + os.path.join(study_dir, "logs", "%x-%A_%a.out"),
            "--export=ALL,MC_JOBS_DIR=%s,MICROCIRCUIT_BIN=%s,MC_WAIT_IDLE=%s"
            % (jobs_dir, binary, values_text(self.wait_idle)),
        ]
        if self.exclusive:
            command.append("--exclusive")
        if self.chain and previous:
            command.append("--dependency=afterany:" + previous)
        return (
            command
            + self.sbatch_args
            + [os.path.join(jobs_dir, "run_point.sbatch")]
            + self.point_args(point, study_dir)
        )

    def collect_command(self, study_dir, python, repo):
        return [
            python,
            os.path.join(repo, "tools", "scaling_study.py"),
            "--kind",
            self.kind,
            "--out",
            os.path.join(study_dir, "results"),
            os.path.join(study_dir, "runs"),
        ]

    def collect_sbatch(self, job_ids, study_dir, python, repo):
        after = ":".join(job_ids) if job_ids else "PREVIOUS_JOB_IDS"
        return (
            [
                "sbatch",
                "--parsable",
                "--job-name=pd14-%s-collect" % self.kind,
                "--ntasks=1",
                "--cpus-per-task=1",
                "--time=00:30:00",
                "--output=" + os.path.join(study_dir, "logs", "%x-%j.out"),
                "--dependency=afterany:" + after,
            ]
            + self.sbatch_args
            + ["--wrap=" + command_line(self.collect_command(study_dir, python, repo))]
        )

    def record(self, labels, job_ids, collect_id, created, host, binary):
        """study.json's content."""
        out = {
            "kind": self.kind,
            "created": created,
            "host": host,
            "mode": "local" if self.local else "slurm",
            "points": [p.spec for p in self.points],
            "labels": labels,
            "repeats": self.repeats,
        }
        if self.kind == "strong":
            out["N_scaling"] = self.scale
        else:
            out["N_scaling_per_rank"] = self.n_per_rank
        out.update(
            {
                "K_scaling": self.k_scaling,
                "t_sim_ms": self.t_sim,
                "t_presim_ms": self.t_presim,
                "bg_input_type": self.bg,
                "wait_idle_s": self.wait_idle,
                "overrides": self.sets,
                "config": self.config,
                "binary": binary,
                "job_ids": job_ids,
                "collect_job_id": collect_id,
            }
        )
        return out


def values_text(number):
    """A number as the options gave it (1, 0.05)."""
    return repr(number) if isinstance(number, float) else str(number)


def configure(kind, argv, env, cwd):
    """The Study of KIND from ARGV and ENV, or None when help was asked for."""
    values = opt.defaults(SETTINGS, env)
    if opt.parse(argv, OPTIONS, values):
        return None
    return Study(kind, values, cwd)
