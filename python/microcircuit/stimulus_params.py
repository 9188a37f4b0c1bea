"""Stimulus parameters, as the reference's ``stimulus_params.py`` names them,
with the engine's defaults."""
import numpy as np

from . import _engine

_stimulus = _engine.default_parameters()["stimulus"]

default_stim_dict = {
    # thalamic pulse: Poisson spikes of num_th_neurons neurons at th_rate
    # from th_start for th_duration (ms)
    "thalamic_input": _stimulus["thalamic_input"],
    "th_start": _stimulus["th_start"],
    "th_duration": _stimulus["th_duration"],
    "th_rate": _stimulus["th_rate"],
    "num_th_neurons": _stimulus["num_th_neurons"],
    # connection probabilities thalamus -> populations
    "conn_probs_th": np.array(_stimulus["conn_probs_th"]),
    # mean PSP (mV) and delay (ms, with its relative SD) of thalamic synapses
    "PSP_th": _stimulus["PSP_th"],
    "delay_th_mean": _stimulus["delay_th_mean"],
    "delay_th_rel_std": _stimulus["delay_th_rel_std"],
    # DC transient of dc_transient_amp pA per external in-degree (K_ext)
    "dc_transient": _stimulus["dc_transient"],
    "dc_transient_start": _stimulus["dc_transient_start"],
    "dc_transient_dur": _stimulus["dc_transient_dur"],
    "dc_transient_amp": _stimulus["dc_transient_amp"],
}
