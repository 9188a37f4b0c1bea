"""Where the simulator is: --bin / MC_BIN / MICROCIRCUIT_BIN, else microcircuit_mpi on
PATH, else <repo>/build/microcircuit_mpi. MICROCIRCUIT_MPI (the benchmark harness's
earlier name) is still read, with a warning, so that one variable serves everything."""
import os
import shutil

from pd14jobs.errors import JobError

NAME = "microcircuit_mpi"


def locate(given, env, repo, warn):
    """The absolute path of the simulator; GIVEN: the option's value or ""."""
    candidate = given or env.get("MC_BIN") or env.get("MICROCIRCUIT_BIN")
    if not candidate and env.get("MICROCIRCUIT_MPI"):
        warn("MICROCIRCUIT_MPI is deprecated, set MICROCIRCUIT_BIN instead")
        candidate = env["MICROCIRCUIT_MPI"]
    if not candidate:
        candidate = shutil.which(NAME, path=env.get("PATH", os.defpath))
    if not candidate:
        built = os.path.join(repo, "build", NAME)
        if not os.access(built, os.X_OK):
            raise JobError(
                "%s not found: build it (cmake -S . -B build && make -C build) or set "
                "MICROCIRCUIT_BIN / --bin" % NAME
            )
        candidate = built
    if not (os.path.isfile(candidate) and os.access(candidate, os.X_OK)):
        raise JobError("not an executable: %s" % candidate)
    return os.path.abspath(candidate)
