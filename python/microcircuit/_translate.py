"""The reference's three dictionaries as the engine's configuration.

Every key of the reference's dictionaries is either translated into the
engine's ``section.key=value`` settings or refused by name; a value the user
changed in a dictionary changes the simulated model as it would in the
reference.
"""
import json
import numbers
import warnings

import numpy as np

from .network_params import POPULATIONS

# sim_dict key -> engine key; None: used by the Python layer only.
SIM_KEYS = {
    "t_presim": "simulation.t_presim",
    "t_sim": "simulation.t_sim",
    "sim_resolution": "simulation.sim_resolution",
    "rec_dev": "simulation.rec_dev",
    "data_path": "simulation.data_path",
    "rng_seed": "simulation.rng_seed",
    "local_num_threads": "simulation.local_num_threads",
    "rec_V_int": "simulation.rec_V_int",
    "overwrite_files": "simulation.overwrite_files",
    "print_time": "simulation.print_time",
    "store_metadata": None,
    # the engine's own, beyond the reference
    "rec_V_num_neurons": "simulation.rec_V_num_neurons",
    "spike_buffer": "simulation.spike_buffer",
    "memory_check": "simulation.memory_check",
}

NET_KEYS = {
    "N_scaling": "network.N_scaling",
    "K_scaling": "network.K_scaling",
    "neuron_model": None,
    "populations": None,
    "full_num_neurons": "network.full_num_neurons",
    "full_mean_rates": "network.full_mean_rates",
    "conn_probs": "network.conn_probs",
    "PSP_exc_mean": "network.PSP_exc_mean",
    "PSP_matrix_mean": "network.PSP_matrix_mean",
    "weight_rel_std": "network.weight_rel_std",
    "g": "network.g",
    "delay_exc_mean": "network.delay_exc_mean",
    "delay_inh_mean": "network.delay_inh_mean",
    "delay_matrix_mean": "network.delay_matrix_mean",
    "delay_rel_std": "network.delay_rel_std",
    "bg_input_type": "network.bg_input_type",
    "K_ext": "network.K_ext",
    "bg_rate": "network.bg_rate",
    "delay_poisson": "network.delay_poisson",
    "V0_type": "network.V0_type",
    "neuron_params": None,
}

NEURON_KEYS = {
    "E_L": ["network.E_L"],
    "V_th": ["network.V_th"],
    "V_reset": ["network.V_reset"],
    "C_m": ["network.C_m"],
    "tau_m": ["network.tau_m"],
    "tau_syn": ["network.tau_syn_ex", "network.tau_syn_in"],
    "t_ref": ["network.t_ref"],
    "V0_mean": None,
    "V0_std": None,
}

STIM_KEYS = {
    "thalamic_input": "stimulus.thalamic_input",
    "th_start": "stimulus.th_start",
    "th_duration": "stimulus.th_duration",
    "th_rate": "stimulus.th_rate",
    "num_th_neurons": "stimulus.num_th_neurons",
    "conn_probs_th": "stimulus.conn_probs_th",
    "PSP_th": "stimulus.PSP_th",
    "delay_th_mean": "stimulus.delay_th_mean",
    "delay_th_rel_std": "stimulus.delay_th_rel_std",
    "dc_transient": "stimulus.dc_transient",
    "dc_transient_start": "stimulus.dc_transient_start",
    "dc_transient_dur": "stimulus.dc_transient_dur",
    "dc_transient_amp": "stimulus.dc_transient_amp",
    # the engine's own: "in_degree" (default) or "reference" thalamic synapse counts
    "th_synapse_scaling": "stimulus.th_synapse_scaling",
}

# Names of older versions of the reference.
RENAMED_STIM_KEYS = {
    "dc_start": "dc_transient_start",
    "dc_dur": "dc_transient_dur",
    "dc_amp": "dc_transient_amp",
}


def yaml_value(value):
    """A Python or numpy value as YAML flow text that reads back exactly."""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return repr(float(value))
    if isinstance(value, str):
        return json.dumps(value)  # a double-quoted YAML scalar
    if isinstance(value, (list, tuple, np.ndarray)):
        return "[" + ", ".join(yaml_value(v) for v in value) + "]"
    raise TypeError(f"cannot express {value!r} ({type(value).__name__}) in the configuration")


def _setting(where, key, target, value):
    """``target=value``; a value the configuration cannot hold is refused by its key."""
    try:
        return f"{target}={yaml_value(value)}"
    except TypeError as error:
        raise TypeError(f"{where}[{key!r}]: {error}") from None


def _refuse_unknown(name, dictionary, known):
    if not isinstance(dictionary, dict):
        raise TypeError(f"{name}: expected a dictionary, got {dictionary!r}")
    unknown = sorted(set(dictionary) - set(known))
    if unknown:
        raise KeyError(
            f"{name}: unknown key(s) {', '.join(map(repr, unknown))}; "
            f"known: {', '.join(sorted(known))}"
        )


def overrides_of(sim_dict, net_dict, stim_dict):
    """The engine's settings (``section.key=value``) for the three dictionaries."""
    stim_dict = dict(stim_dict)
    for old, new in RENAMED_STIM_KEYS.items():
        if old in stim_dict:
            warnings.warn(
                f"stim_dict: {old!r} is now called {new!r}", DeprecationWarning, stacklevel=3
            )
            stim_dict.setdefault(new, stim_dict.pop(old))
    _refuse_unknown("sim_dict", sim_dict, SIM_KEYS)
    _refuse_unknown("net_dict", net_dict, NET_KEYS)
    _refuse_unknown("stim_dict", stim_dict, STIM_KEYS)

    settings = []
    for where, dictionary, keys in (
        ("sim_dict", sim_dict, SIM_KEYS),
        ("net_dict", net_dict, NET_KEYS),
        ("stim_dict", stim_dict, STIM_KEYS),
    ):
        for key, value in dictionary.items():
            target = keys[key]
            if target is not None:
                settings.append(_setting(where, key, target, value))

    if net_dict.get("neuron_model", "iaf_psc_exp") != "iaf_psc_exp":
        raise ValueError(
            f"net_dict: neuron_model {net_dict['neuron_model']!r}: the engine "
            "simulates iaf_psc_exp only"
        )
    populations = net_dict.get("populations", POPULATIONS)
    if not isinstance(populations, (list, tuple, np.ndarray)) or list(populations) != list(
        POPULATIONS
    ):
        raise ValueError(
            f"net_dict: populations {populations!r}: the engine "
            f"simulates the eight populations {POPULATIONS}"
        )
    neuron = net_dict.get("neuron_params", {})
    _refuse_unknown("net_dict['neuron_params']", neuron, NEURON_KEYS)
    for key, value in neuron.items():
        for target in NEURON_KEYS[key] or ():
            settings.append(_setting("net_dict['neuron_params']", key, target, value))
    for key, prefix in (("V0_mean", "network.V0_mean"), ("V0_std", "network.V0_sd")):
        if key in neuron:
            _refuse_unknown(
                f"net_dict['neuron_params'][{key!r}]", neuron[key], ("original", "optimized")
            )
            for kind, value in neuron[key].items():
                settings.append(
                    _setting(f"net_dict['neuron_params'][{key!r}]", kind, f"{prefix}_{kind}", value)
                )
    # The reference draws thalamic weights with the recurrent weights' relative SD.
    if "weight_rel_std" in net_dict:
        settings.append(
            _setting(
                "net_dict", "weight_rel_std", "stimulus.PSP_th_rel_std", net_dict["weight_rel_std"]
            )
        )
    return settings
