"""The Python package as its users use it: PYTHONPATH=<build>/python (ctest sets it)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = os.environ.get("MICROCIRCUIT_BIN", str(REPO / "build" / "microcircuit_mpi"))
MPIEXEC = os.environ.get("MICROCIRCUIT_MPIEXEC", "mpiexec")


def environment():
    env = dict(os.environ)
    env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
    env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    env.setdefault("OMP_WAIT_POLICY", "passive")
    return env


def run_python(script, cwd, ranks=None, extra_args=()):
    """Runs a Python script (text) in `cwd`, under mpiexec with `ranks` if given."""
    path = Path(cwd) / "script.py"
    path.write_text(script)
    command = [sys.executable, str(path), *extra_args]
    if ranks is not None:
        command = [MPIEXEC, "--oversubscribe", "-n", str(ranks), *command]
    return subprocess.run(
        command, cwd=cwd, env=environment(), capture_output=True, text=True, timeout=600
    )


@pytest.fixture
def small_dicts():
    """Fresh copies of the default dictionaries for a small, active network."""
    import copy

    from microcircuit.network_params import default_net_dict
    from microcircuit.sim_params import default_sim_dict
    from microcircuit.stimulus_params import default_stim_dict

    sim, net, stim = (
        copy.deepcopy(d) for d in (default_sim_dict, default_net_dict, default_stim_dict)
    )
    net["N_scaling"] = net["K_scaling"] = 0.02
    net["bg_input_type"] = "poisson"
    sim.update(t_presim=100.0, t_sim=200.0, local_num_threads=2, print_time=False)
    return sim, net, stim
