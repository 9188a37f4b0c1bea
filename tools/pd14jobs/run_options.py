"""The options every run script shares (full_scale.sbatch, run_point.sbatch,
ensemble.sbatch): where the simulator is and how the run is laid out. Each sets the
MC_ variable that `pd14jobs plan` reads (jobs/lib.sh, mc_plan_run)."""
from pd14jobs import options as opt
from pd14jobs import shell

# option word -> the variable it sets
VARIABLES = {
    "--nodes": "MC_NODES",
    "--ranks": "MC_RANKS",
    "--ranks-per-node": "MC_RANKS_PER_NODE",
    "--threads": "MC_THREADS",
    "--launcher": "MC_LAUNCHER",
    "--bind": "MC_BIND",
    "--bin": "MICROCIRCUIT_BIN",
    "--wait-idle": "MC_WAIT_IDLE",
}


def options(*words):
    """The Options of WORDS (all of VARIABLES when none are named)."""
    return [opt.Option(w, VARIABLES[w]) for w in (words or VARIABLES)]


def given(values):
    """Shell statements for the variables the options set (the others keep the
    environment's value)."""
    return [
        shell.assign(name, values[name])
        for name in VARIABLES.values()
        if values.get(name) is not None
    ]


def help_statements(text):
    """Statements that print TEXT and end the script."""
    return ["printf '%%s' %s" % shell.quote(text), "exit 0"]
