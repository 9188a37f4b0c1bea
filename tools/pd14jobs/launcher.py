"""The command prefix that starts the ranks (mpirun, srun or none), the binding of
ranks and threads, and the variables the ranks need.

Launchers: mpirun (Open MPI, or MPICH / Intel MPI's Hydra), srun (SLURM only; --mpi
from MC_SRUN_MPI, default pmix), none (one rank, no launcher). Binding: auto (cores,
unless more ranks x threads than CPUs outside SLURM: then none, oversubscribed),
core, hwthread, none."""
from dataclasses import dataclass, field

from pd14jobs.errors import JobError
from pd14jobs.options import positive_int

LAUNCHERS = ("mpirun", "srun", "none")
BINDINGS = ("auto", "core", "hwthread", "none")
OPEN_MPI, HYDRA = "open-mpi", "hydra"


@dataclass
class Settings:
    """What the user chose (options or MC_... variables); MPI: the flavour of mpirun
    (OPEN_MPI, HYDRA, or None when there is none)."""

    launcher: str = "mpirun"
    bind: str = "auto"
    mpirun_args: str = ""
    srun_args: str = ""
    srun_mpi: str = "pmix"
    report_bindings: bool = True
    kill_grace: str = ""
    kill_wait: str = ""
    mpi: str = None


@dataclass
class Launch:
    command: list
    launcher: str
    bind: str
    exports: dict = field(default_factory=dict)


def kill_grace(settings):
    """Seconds Open MPI's mpirun waits before each of its SIGTERM and SIGKILL to ranks it
    stops: given, else half of SLURM's KillWait (the ranks keep the time SLURM gives
    them to write their checkpoint), else None (mpirun's default)."""
    if settings.kill_grace:
        return positive_int(settings.kill_grace, "--kill-grace")
    if settings.kill_wait.isdigit() and int(settings.kill_wait) > 0:
        return (int(settings.kill_wait) + 1) // 2
    return None


def build(alloc, settings, env, in_slurm, cpus, is_root):
    """The Launch of ALLOC; ENV: the current environment (the user's OMP_ settings are
    kept), CPUS: this machine's, IS_ROOT: Open MPI then needs its consent."""
    if settings.launcher not in LAUNCHERS:
        raise JobError("MC_LAUNCHER must be mpirun, srun or none, got '%s'" % settings.launcher)
    if settings.bind not in BINDINGS:
        raise JobError("MC_BIND must be auto, core, hwthread or none, got '%s'" % settings.bind)
    bind, oversubscribe = settings.bind, False
    if bind == "auto":
        bind = "core"
        if not in_slurm and alloc.ranks * alloc.threads > cpus:
            bind, oversubscribe = "none", True
    exports = {"OMP_NUM_THREADS": str(alloc.threads)}
    if bind != "none":
        # Each rank is bound to its own threads' cores; its threads stay on them.
        exports["OMP_PROC_BIND"] = env.get("OMP_PROC_BIND") or "close"
        exports["OMP_PLACES"] = env.get("OMP_PLACES") or ("cores" if bind == "core" else "threads")
    if is_root:
        # Open MPI refuses to run as root without these (containers, test machines).
        exports["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        exports["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
    launcher = settings.launcher
    if launcher == "mpirun":
        if settings.mpi is None:
            raise JobError("mpirun not found (set MC_LAUNCHER=srun or none)")
        command = ["mpirun", "-n", str(alloc.ranks)]
        if settings.mpi == OPEN_MPI:
            if bind == "none":
                command += [
                    "--map-by",
                    "ppr:%d:node" % alloc.ranks_per_node,
                    "--bind-to",
                    "none",
                ]
            else:
                command += [
                    "--map-by",
                    "ppr:%d:node:PE=%d" % (alloc.ranks_per_node, alloc.threads),
                    "--bind-to",
                    bind,
                ]
                if bind == "hwthread":
                    command.append("--use-hwthread-cpus")
            if oversubscribe:
                command.append("--oversubscribe")
            command += ["-x", "OMP_NUM_THREADS"]
            for name in ("OMP_PROC_BIND", "OMP_PLACES"):
                if exports.get(name) or env.get(name):
                    command += ["-x", name]
            if settings.report_bindings and bind != "none":
                command.append("--report-bindings")
        else:
            # MPICH / Intel MPI (Hydra): binding through their environment variables.
            command += ["-ppn", str(alloc.ranks_per_node)]
            exports["I_MPI_PIN_DOMAIN"] = env.get("I_MPI_PIN_DOMAIN") or "omp"
        command += settings.mpirun_args.split()
        if settings.mpi == OPEN_MPI:
            grace = kill_grace(settings)
            if grace is not None:
                command += ["--mca", "odls_base_sigkill_timeout", str(grace)]
    elif launcher == "srun":
        if not in_slurm:
            raise JobError("MC_LAUNCHER=srun needs a SLURM allocation")
        cpu_bind = {"core": "cores", "hwthread": "threads", "none": "none"}[bind]
        command = [
            "srun",
            "--nodes=%d" % alloc.nodes,
            "--ntasks=%d" % alloc.ranks,
            "--ntasks-per-node=%d" % alloc.ranks_per_node,
            "--cpus-per-task=%d" % alloc.threads,
            "--cpu-bind=" + cpu_bind,
            "--mpi=" + settings.srun_mpi,
        ] + settings.srun_args.split()
    else:
        if alloc.ranks != 1:
            raise JobError("MC_LAUNCHER=none runs one rank, not %d" % alloc.ranks)
        command = []
    return Launch(command, launcher, bind, exports)
