"""jobs/run_point.sbatch: one run of one point of a scaling study, into
<run-dir>/rep<k>; its options."""
import os

from pd14jobs import options as opt
from pd14jobs import run_options, shell
from pd14jobs.errors import JobError

USAGE = """\
usage: run_point.sbatch --run-dir DIR [options] [--set section.key=value ...]

One run of one point of a scaling study, into DIR/rep<k>. Normally submitted by
jobs/strong_scaling.sh or jobs/weak_scaling.sh; runs under sbatch (ranks and threads
from the allocation) or directly with bash (ranks and threads from the options).

  --run-dir DIR     point directory; the run goes to DIR/rep<k>
  --repeat K        repetition number [MC_REPEAT, else SLURM_ARRAY_TASK_ID, else 1]
  --kind K          strong, weak or run, written to job.json [MC_KIND: run]
  --label L         point label, written to job.json [MC_LABEL]
  --config FILE     configuration file [MC_CONFIG]
  --set k=v         configuration override, repeatable
  --nodes N --ranks R --ranks-per-node RPN --threads T
                    [MC_NODES, MC_RANKS, MC_RANKS_PER_NODE, MC_THREADS: from the
                    SLURM allocation, else 1 node, 1 rank, all cores]
  --launcher L      mpirun, srun or none [MC_LAUNCHER: mpirun]
  --bind B          auto, core, hwthread or none [MC_BIND: auto]
  --bin PATH        microcircuit_mpi [MICROCIRCUIT_BIN]
  --wait-idle S     wait up to S seconds for an idle machine before the run
                    [MC_WAIT_IDLE: 0, the drivers pass theirs]
"""

OPTIONS = [
    opt.Option("--run-dir", "run_dir"),
    opt.Option("--repeat", "repeat"),
    opt.Option("--kind", "kind"),
    opt.Option("--label", "label"),
    opt.Option("--config", "config"),
    opt.Option("--set", "sets", opt.REPEATED),
] + run_options.options()

SETTINGS = [
    opt.Setting("run_dir", "MC_RUN_DIR", ""),
    opt.Setting("repeat", "MC_REPEAT", ""),
    opt.Setting("kind", "MC_KIND", "run"),
    opt.Setting("label", "MC_LABEL", ""),
    opt.Setting("config", "MC_CONFIG", ""),
    opt.Setting("sets", None, []),
]


def statements(argv, env):
    values = opt.defaults(SETTINGS, env)
    if opt.parse(argv, OPTIONS, values):
        return run_options.help_statements(USAGE)
    if not values["run_dir"]:
        raise JobError("--run-dir is required (see --help)")
    repeat = opt.positive_int(
        values["repeat"] or env.get("SLURM_ARRAY_TASK_ID") or "1", "the repetition"
    )
    label = values["label"] or os.path.basename(os.path.normpath(values["run_dir"]))
    lines = [
        shell.assign("MC_REPEAT", repeat),
        shell.assign("MC_KIND", values["kind"]),
        shell.assign("MC_LABEL", label),
        shell.array("MC_SETS", values["sets"]),
        shell.assign("run_dir", os.path.join(values["run_dir"], "rep%d" % repeat)),
    ]
    if values["config"]:
        lines.append(shell.assign("MC_CONFIG", values["config"]))
    return lines + run_options.given(values)
