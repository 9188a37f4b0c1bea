"""PD14 with the microcircuit package: the reference example's steps (create,
connect, warm-up, simulation, metadata, evaluation), timed, with the memory
each rank used.

    python3 examples/run_microcircuit.py
    mpirun -n 2 python3 examples/run_microcircuit.py

Raster plot, box plot and the rates are written to data_path.
"""
import time

import numpy as np
import psutil

import microcircuit
from microcircuit import network
from microcircuit.network_params import default_net_dict as net_dict
from microcircuit.sim_params import default_sim_dict as sim_dict
from microcircuit.stimulus_params import default_stim_dict as stim_dict

time_start = time.time()

# A scale at which the DC drive keeps every population active (see
# docs/model.md); scale 1 is the full model.
net_dict["N_scaling"] = net_dict["K_scaling"] = 0.2
sim_dict["data_path"] = "data_scale_0.20/"

net = network.Network(sim_dict, net_dict, stim_dict)
time_network = time.time()

net.create()
time_create = time.time()

net.connect()
time_connect = time.time()

net.simulate(sim_dict["t_presim"])
time_presimulate = time.time()

net.simulate(sim_dict["t_sim"])
time_simulate = time.time()

net.store_metadata()

# A raster of the spikes 100 ms before to 100 ms after the (optional) thalamic
# stimulus, and a box plot of the populations' rates after the warm-up.
raster_plot_interval = np.array([stim_dict["th_start"] - 100.0, stim_dict["th_start"] + 100.0])
firing_rates_interval = np.array([sim_dict["t_presim"], sim_dict["t_presim"] + sim_dict["t_sim"]])
net.evaluate(raster_plot_interval, firing_rates_interval)
time_evaluate = time.time()

memory = psutil.Process().memory_info().rss / 1024**2
print(
    "\nTimes of Rank {}:\n".format(microcircuit.rank())
    + "  Total time:          {:.3f} s\n".format(time_evaluate - time_start)
    + "  Time to initialize:  {:.3f} s\n".format(time_network - time_start)
    + "  Time to create:      {:.3f} s\n".format(time_create - time_network)
    + "  Time to connect:     {:.3f} s\n".format(time_connect - time_create)
    + "  Time to presimulate: {:.3f} s\n".format(time_presimulate - time_connect)
    + "  Time to simulate:    {:.3f} s\n".format(time_simulate - time_presimulate)
    + "  Time to evaluate:    {:.3f} s\n".format(time_evaluate - time_simulate)
    + "  Memory:              {:.0f} MB\n".format(memory)
)
