"""Stimulus parameters, as the reference's ``stimulus_params.py`` names them."""
import numpy as np

default_stim_dict = {
    # thalamic pulse: Poisson spikes of num_th_neurons neurons at th_rate
    # from th_start for th_duration (ms)
    "thalamic_input": False,
    "th_start": 700.0,
    "th_duration": 10.0,
    "th_rate": 120.0,
    "num_th_neurons": 902,
    # connection probabilities thalamus -> populations
    "conn_probs_th": np.array([0.0, 0.0, 0.0983, 0.0619, 0.0, 0.0, 0.0512, 0.0196]),
    # mean PSP (mV) and delay (ms, with its relative SD) of thalamic synapses
    "PSP_th": 0.15,
    "delay_th_mean": 1.5,
    "delay_th_rel_std": 0.5,
    # DC transient of dc_transient_amp pA per external in-degree (K_ext)
    "dc_transient": False,
    "dc_transient_start": 650.0,
    "dc_transient_dur": 100.0,
    "dc_transient_amp": 0.3,
}
