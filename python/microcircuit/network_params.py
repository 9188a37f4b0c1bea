"""Network parameters, as the reference's ``network_params.py`` names them.

As in the reference, the matrices ``PSP_matrix_mean`` and
``delay_matrix_mean`` are derived once, when this module is imported, and the
network uses the matrices: changing ``g`` or ``delay_exc_mean`` afterwards
changes nothing unless the matrices are derived again
(:func:`get_mean_PSP_matrix`, :func:`get_mean_delays`).
"""
import numpy as np

POPULATIONS = ["L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"]


def get_exc_inh_matrix(val_exc, val_inh, num_pops):
    """A num_pops x num_pops matrix: val_exc in the columns of excitatory
    sources (even indices), val_inh in those of inhibitory ones."""
    matrix = np.zeros((num_pops, num_pops))
    matrix[:, 0:num_pops:2] = val_exc
    matrix[:, 1:num_pops:2] = val_inh
    return matrix


def get_mean_PSP_matrix(PSP_exc_mean, g, num_pops=8):
    """Mean PSPs (mV) [target][source]; the connection L4E -> L2/3E twice as strong."""
    matrix = get_exc_inh_matrix(PSP_exc_mean, g * PSP_exc_mean, num_pops)
    matrix[0, 2] = 2.0 * PSP_exc_mean
    return matrix


def get_mean_delays(delay_exc_mean, delay_inh_mean, num_pops=8):
    """Mean delays (ms) [target][source] by the source's type."""
    return get_exc_inh_matrix(delay_exc_mean, delay_inh_mean, num_pops)


default_net_dict = {
    # scaling of the number of neurons and of the in-degrees
    "N_scaling": 1.0,
    "K_scaling": 1.0,
    "neuron_model": "iaf_psc_exp",
    "populations": list(POPULATIONS),
    # full-scale population sizes
    "full_num_neurons": np.array([20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948]),
    # full-scale rates (spikes/s) for the compensation of K_scaling
    "full_mean_rates": np.array([0.903, 2.965, 4.414, 5.876, 7.569, 8.633, 1.105, 7.829]),
    # connection probabilities [target][source]
    "conn_probs": np.array(
        [[0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0],
         [0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0],
         [0.0077, 0.0059, 0.0497, 0.135, 0.0067, 0.0003, 0.0453, 0.0],
         [0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0],
         [0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0],
         [0.0548, 0.0269, 0.0257, 0.0022, 0.06, 0.3158, 0.0086, 0.0],
         [0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252],
         [0.0364, 0.001, 0.0034, 0.0005, 0.0277, 0.008, 0.0658, 0.1443]]),
    # mean excitatory PSP (mV), relative SD of the weights, relative inhibition
    "PSP_exc_mean": 0.15,
    "weight_rel_std": 0.1,
    "g": -4,
    # mean delays (ms) and their relative SD
    "delay_exc_mean": 1.5,
    "delay_inh_mean": 0.75,
    "delay_rel_std": 0.5,
    # background drive: "dc" or "poisson"
    "bg_input_type": "dc",
    # external in-degrees and the background rate (spikes/s)
    "K_ext": np.array([1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100]),
    "bg_rate": 8.0,
    # delay of the Poisson background (ms)
    "delay_poisson": 1.5,
    # initial potentials: "optimized" (per population) or "original"
    "V0_type": "optimized",
    "neuron_params": {
        "V0_mean": {"original": -58.0,
                    "optimized": [-68.28, -63.16, -63.33, -63.45, -63.11, -61.66, -66.72, -61.43]},
        "V0_std": {"original": 10.0,
                   "optimized": [5.36, 4.57, 4.74, 4.94, 4.94, 4.55, 5.46, 4.48]},
        "E_L": -65.0,
        "V_th": -50.0,
        "V_reset": -65.0,
        "C_m": 250.0,
        "tau_m": 10.0,
        "tau_syn": 0.5,
        "t_ref": 2.0,
    },
}

default_net_dict["PSP_matrix_mean"] = get_mean_PSP_matrix(
    default_net_dict["PSP_exc_mean"], default_net_dict["g"], len(POPULATIONS))
default_net_dict["delay_matrix_mean"] = get_mean_delays(
    default_net_dict["delay_exc_mean"], default_net_dict["delay_inh_mean"], len(POPULATIONS))
