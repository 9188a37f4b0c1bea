"""Network parameters, as the reference's ``network_params.py`` names them.

The values are the engine's defaults (``_engine.default_parameters()``),
except where the reference's dictionaries differ from the engine's
configuration: full scale and DC drive. As in the reference, the matrices
``PSP_matrix_mean`` and ``delay_matrix_mean`` are derived once, when this
module is imported, and the network uses the matrices: changing ``g`` or
``delay_exc_mean`` afterwards changes nothing unless the matrices are derived
again (:func:`get_mean_PSP_matrix`, :func:`get_mean_delays`).
"""
import numpy as np

from . import _engine

POPULATIONS = _engine.population_names()


def get_exc_inh_matrix(val_exc, val_inh, num_pops):
    """The reference's helper: a num_pops x num_pops matrix with val_exc in
    the columns of excitatory sources (even indices), val_inh in those of
    inhibitory ones."""
    matrix = np.zeros((num_pops, num_pops))
    matrix[:, 0:num_pops:2] = val_exc
    matrix[:, 1:num_pops:2] = val_inh
    return matrix


def get_mean_PSP_matrix(PSP_exc_mean, g, num_pops=len(POPULATIONS)):
    """Mean PSPs (mV) [target][source]; the connection L4E -> L2/3E stronger
    by the engine's ``network.PSP_L4E_to_L23E_factor``."""
    _check_num_pops(num_pops)
    return np.array(_engine.default_psp_matrix(PSP_exc_mean, g))


def get_mean_delays(delay_exc_mean, delay_inh_mean, num_pops=len(POPULATIONS)):
    """Mean delays (ms) [target][source] by the source's type."""
    _check_num_pops(num_pops)
    return np.array(_engine.default_delay_matrix(delay_exc_mean, delay_inh_mean))


def _check_num_pops(num_pops):
    if num_pops != len(POPULATIONS):
        raise ValueError(
            f"num_pops: {num_pops}: the engine simulates the {len(POPULATIONS)} "
            f"populations {POPULATIONS}"
        )


def _reference_net_dict():
    net = _engine.default_parameters()["network"]
    return {
        # scaling of the number of neurons and of the in-degrees: full scale
        "N_scaling": 1.0,
        "K_scaling": 1.0,
        "neuron_model": "iaf_psc_exp",
        "populations": list(POPULATIONS),
        # full-scale population sizes
        "full_num_neurons": np.array(net["full_num_neurons"]),
        # full-scale rates (spikes/s) for the compensation of K_scaling
        "full_mean_rates": np.array(net["full_mean_rates"]),
        # connection probabilities [target][source]
        "conn_probs": np.array(net["conn_probs"]),
        # mean excitatory PSP (mV), relative SD of the weights, relative inhibition
        "PSP_exc_mean": net["PSP_exc_mean"],
        "weight_rel_std": net["weight_rel_std"],
        "g": net["g"],
        # mean delays (ms) and their relative SD
        "delay_exc_mean": net["delay_exc_mean"],
        "delay_inh_mean": net["delay_inh_mean"],
        "delay_rel_std": net["delay_rel_std"],
        # background drive: "dc" (the reference's default) or "poisson"
        "bg_input_type": "dc",
        # external in-degrees and the background rate (spikes/s)
        "K_ext": np.array(net["K_ext"]),
        "bg_rate": net["bg_rate"],
        # delay of the Poisson background (ms)
        "delay_poisson": net["delay_poisson"],
        # initial potentials: "optimized" (per population) or "original"
        "V0_type": net["V0_type"],
        "neuron_params": {
            "V0_mean": {"original": net["V0_mean_original"], "optimized": net["V0_mean_optimized"]},
            "V0_std": {"original": net["V0_sd_original"], "optimized": net["V0_sd_optimized"]},
            "E_L": net["E_L"],
            "V_th": net["V_th"],
            "V_reset": net["V_reset"],
            "C_m": net["C_m"],
            "tau_m": net["tau_m"],
            "tau_syn": net["tau_syn_ex"],
            "t_ref": net["t_ref"],
        },
    }


default_net_dict = _reference_net_dict()
default_net_dict["PSP_matrix_mean"] = get_mean_PSP_matrix(
    default_net_dict["PSP_exc_mean"], default_net_dict["g"]
)
default_net_dict["delay_matrix_mean"] = get_mean_delays(
    default_net_dict["delay_exc_mean"], default_net_dict["delay_inh_mean"]
)
