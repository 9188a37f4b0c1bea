"""Simulation parameters, as the reference's ``sim_params.py`` names them."""
import os

default_sim_dict = {
    # simulated time of the warm-up and of the measured simulation (ms)
    "t_presim": 500.0,
    "t_sim": 1000.0,
    # time step (ms)
    "sim_resolution": 0.1,
    # recording devices: "spike_recorder", "voltmeter"
    "rec_dev": ["spike_recorder"],
    # folder of the output (spikes.h5, report.json, metadata, plots)
    "data_path": os.path.join(os.getcwd(), "data/"),
    # seed of every random number of the run
    "rng_seed": 55,
    # threads per MPI rank
    "local_num_threads": 4,
    # voltmeter interval (ms)
    "rec_V_int": 1.0,
    # replace the output of an earlier run in data_path
    "overwrite_files": True,
    # print the simulated time and real-time factor while simulating
    "print_time": True,
    # let store_metadata() write the dictionaries and node ids
    "store_metadata": True,
}
