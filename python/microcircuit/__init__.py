"""PD14, the cortical microcircuit of Potjans & Diesmann (2014), simulated by
the microcircuit_mpi engine behind the PyNEST reference's Python interface.

    from microcircuit import network
    from microcircuit.network_params import default_net_dict as net_dict
    from microcircuit.sim_params import default_sim_dict as sim_dict
    from microcircuit.stimulus_params import default_stim_dict as stim_dict

    net = network.Network(sim_dict, net_dict, stim_dict)
    net.create(); net.connect()
    net.simulate(sim_dict["t_presim"]); net.simulate(sim_dict["t_sim"])

Under ``mpirun -n R python3 script.py`` the network is distributed over the
ranks exactly as the ``microcircuit_mpi`` program distributes it.
"""
import os
import sys

try:  # MPI initialised by mpi4py where it is installed, else by the engine
    from mpi4py import MPI as _MPI  # noqa: F401
except ImportError:
    pass

# OpenMPI loads its components with dlopen and needs the MPI library's
# symbols global, which a Python extension's dependencies are not by default.
_flags = sys.getdlopenflags()
sys.setdlopenflags(_flags | os.RTLD_GLOBAL)
try:
    from . import _engine  # noqa: E402
finally:
    sys.setdlopenflags(_flags)

from . import helpers, network, network_params, sim_params, stimulus_params  # noqa: E402
from .network import Network  # noqa: E402

__version__ = _engine.program_version()
__all__ = [
    "Network",
    "network",
    "sim_params",
    "network_params",
    "stimulus_params",
    "helpers",
    "rank",
    "num_ranks",
    "Rank",
    "NumProcesses",
]


def rank():
    """This process's MPI rank (as the reference's ``nest.Rank()``)."""
    return _engine.rank()


def num_ranks():
    """The number of MPI ranks (as ``nest.NumProcesses()``)."""
    return _engine.num_ranks()


# NEST's names, for scripts that print them.
Rank = rank
NumProcesses = num_ranks
