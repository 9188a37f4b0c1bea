"""The model's facts are the engine's: the package reads them from _engine,
and the one Python copy (pd14analysis, which works without the engine)
equals them; no other copy of the population names is written in python/ or
tools/."""
import re

import numpy as np
import pytest

import pd14analysis
from microcircuit import _engine, helpers
from microcircuit.network_params import (
    POPULATIONS,
    default_net_dict,
    get_mean_delays,
    get_mean_PSP_matrix,
)
from microcircuit.sim_params import default_sim_dict
from microcircuit.stimulus_params import default_stim_dict

from conftest import REPO

ENGINE = _engine.default_parameters()


def test_the_analysis_packages_copy_equals_the_engines_facts():
    assert list(pd14analysis.POPULATIONS) == _engine.population_names()
    assert list(pd14analysis.N_FULL) == ENGINE["network"]["full_num_neurons"]
    assert list(pd14analysis.RATES_FULL) == ENGINE["network"]["full_mean_rates"]


def test_the_dictionaries_hold_the_engines_defaults():
    net = ENGINE["network"]
    assert POPULATIONS == default_net_dict["populations"] == _engine.population_names()
    for key in ("full_num_neurons", "full_mean_rates", "conn_probs", "K_ext"):
        assert np.array_equal(default_net_dict[key], net[key]), key
    for key in (
        "PSP_exc_mean",
        "g",
        "weight_rel_std",
        "delay_exc_mean",
        "delay_inh_mean",
        "delay_rel_std",
        "bg_rate",
        "delay_poisson",
        "V0_type",
    ):
        assert default_net_dict[key] == net[key], key
    neuron = default_net_dict["neuron_params"]
    assert neuron["tau_syn"] == net["tau_syn_ex"] and neuron["C_m"] == net["C_m"]
    assert neuron["V0_mean"]["optimized"] == net["V0_mean_optimized"]
    assert default_sim_dict["rng_seed"] == ENGINE["simulation"]["rng_seed"]
    assert all(
        np.array_equal(default_stim_dict[k], ENGINE["stimulus"][k]) for k in default_stim_dict
    )


def test_the_default_matrices_follow_the_engines_parameters():
    factor = ENGINE["network"]["PSP_L4E_to_L23E_factor"]
    psp = get_mean_PSP_matrix(0.2, -5.0)
    assert psp[0, 2] == factor * 0.2 and psp[1, 2] == 0.2 and psp[4, 5] == -1.0
    assert np.array_equal(
        _engine.default_psp_matrix(0.2, -5.0, 3.0)[0],
        [0.2, -1.0, 0.6000000000000001, -1.0, 0.2, -1.0, 0.2, -1.0],
    )
    delays = get_mean_delays(2.0, 1.0)
    assert np.array_equal(delays[3], [2.0, 1.0] * 4)
    with pytest.raises(ValueError, match="num_pops: 4"):
        get_mean_PSP_matrix(0.15, -4.0, 4)


def test_the_reference_helpers_compute_the_engines_numbers(tmp_path):
    """The reference's formulas, through the engine, give the numbers the
    engine derives for a network (weights, DC, rheobase) at K_scaling 0.5."""
    net = default_net_dict
    neuron = net["neuron_params"]
    psc = helpers.postsynaptic_potential_to_current(
        neuron["C_m"], neuron["tau_m"], neuron["tau_syn"]
    )
    assert psc == pytest.approx(585.3899568613896, rel=1e-15)
    assert (
        helpers.compute_rheo_base_current(
            neuron["V_th"], neuron["E_L"], neuron["C_m"], neuron["tau_m"]
        )
        == 375.0
    )
    full = helpers.num_synapses_from_conn_probs(
        net["conn_probs"], net["full_num_neurons"], net["full_num_neurons"]
    )
    assert full[0, 0] == pytest.approx(45499804.88825537, rel=1e-12) and full[0, 5] == 0.0

    k = 0.5
    dc = helpers.dc_input_compensating_poisson(
        net["bg_rate"], net["K_ext"], neuron["tau_syn"], psc * net["PSP_exc_mean"]
    )
    weights, w_ext, dc = helpers.adjust_weights_and_input_to_synapse_scaling(
        net["full_num_neurons"],
        full,
        k,
        net["PSP_matrix_mean"] * psc,
        psc * net["PSP_exc_mean"],
        neuron["tau_syn"],
        net["full_mean_rates"],
        dc,
        False,
        net["bg_rate"],
        net["K_ext"],
    )
    config = _engine.load_config(
        "",
        [
            f"network.K_scaling={k}",
            "network.N_scaling=0.01",
            "network.bg_input_type=dc",
            f"simulation.data_path={tmp_path}",
        ],
    )
    derived = _engine.Session(config, False).derived()
    assert np.allclose(weights, derived["weight_mean"], rtol=1e-14)
    assert w_ext == pytest.approx(derived["weight_ext"], rel=1e-14)
    assert np.allclose(dc, derived["dc_amplitude"], rtol=1e-12)


# The eight names in their order, however quoted and separated.
NAME_LIST = re.compile(r"L23E\W+L23I\W+L4E\W+L4I\W+L5E\W+L5I\W+L6E\W+L6I")
# The full-scale sizes, as a list.
SIZE_LIST = re.compile(r"20683\W+5834\W+21915\W+5479\W+4850\W+1065\W+14395\W+2948")


def python_sources():
    for folder in ("python", "tools", "tests"):
        for path in sorted((REPO / folder).rglob("*")):
            if path.is_file() and (
                path.suffix == ".py" or path.read_bytes()[:20].startswith(b"#!/usr/bin/python3")
            ):
                yield path


def test_the_population_names_and_sizes_are_written_once_in_python():
    names = [p.relative_to(REPO) for p in python_sources() if NAME_LIST.search(p.read_text())]
    sizes = [p.relative_to(REPO) for p in python_sources() if SIZE_LIST.search(p.read_text())]
    one = [REPO / "python" / "pd14analysis" / "__init__.py"]
    assert names == [p.relative_to(REPO) for p in one]
    assert sizes == [p.relative_to(REPO) for p in one]
