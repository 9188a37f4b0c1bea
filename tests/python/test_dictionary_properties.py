"""The dictionary interface under any input (hypothesis): whatever type or
value a key of sim_dict, net_dict, stim_dict or net_dict['neuron_params']
holds, Network either accepts it or refuses it with an error that names the
key, never with a traceback from deep inside."""
import copy
import os

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from microcircuit import _translate, network  # noqa: E402
from microcircuit.network_params import default_net_dict  # noqa: E402
from microcircuit.sim_params import default_sim_dict  # noqa: E402
from microcircuit.stimulus_params import default_stim_dict  # noqa: E402

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=12)
    | st.binary(max_size=6)
)
VALUES = (
    SCALARS
    | st.lists(st.integers() | st.floats(), max_size=10)
    | st.lists(st.lists(st.floats(), max_size=9), max_size=9)
    | st.dictionaries(st.text(max_size=6), SCALARS, max_size=3)
)
WHERE = st.sampled_from(
    [("sim_dict", key) for key in default_sim_dict]
    + [("net_dict", key) for key in default_net_dict]
    + [("stim_dict", key) for key in default_stim_dict]
    + [("neuron_params", key) for key in default_net_dict["neuron_params"]]
)


def names_of(where, key):
    """The names an error about this key may use: the dictionary's and the engine's."""
    tables = {
        "sim_dict": _translate.SIM_KEYS,
        "net_dict": _translate.NET_KEYS,
        "stim_dict": _translate.STIM_KEYS,
        "neuron_params": _translate.NEURON_KEYS,
    }
    targets = tables[where].get(key) or ()
    targets = [targets] if isinstance(targets, str) else list(targets)
    return [key] + [t.split(".")[-1] for t in targets]


@settings(
    max_examples=300,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(where=WHERE, value=VALUES)
def test_any_value_is_accepted_or_refused_by_name(tmp_path_factory, where, value):
    sim, net, stim = (
        copy.deepcopy(d) for d in (default_sim_dict, default_net_dict, default_stim_dict)
    )
    net["N_scaling"] = net["K_scaling"] = 0.02
    sim.update(
        t_presim=10.0,
        t_sim=10.0,
        local_num_threads=1,
        print_time=False,
        data_path=str(tmp_path_factory.mktemp("out")),
    )
    place, key = where
    target = {
        "sim_dict": sim,
        "net_dict": net,
        "stim_dict": stim,
        "neuron_params": net["neuron_params"],
    }[place]
    target[key] = value
    # A data_path of any value is relative to the working directory: a scratch one.
    here = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("cwd"))
    try:
        network.Network(sim, net, stim)
    except (KeyError, ValueError, TypeError) as error:
        message = str(error)
        # A network scaled beyond the machine is refused for its memory.
        too_large = key in ("N_scaling", "K_scaling") and message.startswith("not enough memory")
        assert too_large or any(
            name in message for name in names_of(place, key)
        ), f"{place}[{key!r}] = {value!r}: {type(error).__name__}: {message}"
    finally:
        os.chdir(here)
