"""Simulation parameters, as the reference's ``sim_params.py`` names them.

Times, resolution and seed are the engine's defaults; threads, output folder
and overwriting are the reference's."""
import os

from . import _engine

_simulation = _engine.default_parameters()["simulation"]

default_sim_dict = {
    # simulated time of the warm-up and of the measured simulation (ms)
    "t_presim": _simulation["t_presim"],
    "t_sim": _simulation["t_sim"],
    # time step (ms)
    "sim_resolution": _simulation["sim_resolution"],
    # recording devices: "spike_recorder", "voltmeter"
    "rec_dev": ["spike_recorder"],
    # folder of the output (spikes.h5, report.json, metadata, plots)
    "data_path": os.path.join(os.getcwd(), "data/"),
    # seed of every random number of the run
    "rng_seed": _simulation["rng_seed"],
    # threads per MPI rank
    "local_num_threads": 4,
    # voltmeter interval (ms)
    "rec_V_int": _simulation["rec_V_int"],
    # replace the output of an earlier run in data_path
    "overwrite_files": True,
    # print the simulated time and real-time factor while simulating
    "print_time": _simulation["print_time"],
    # let store_metadata() write the dictionaries and node ids
    "store_metadata": True,
}
