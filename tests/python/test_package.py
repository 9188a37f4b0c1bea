"""The package `microcircuit`: the reference's dictionaries and Network
interface, numpy access, refusals, and spikes identical to the binary's."""
import json
import subprocess
import sys
import textwrap
import time
import warnings

import h5py
import numpy as np
import pytest

import microcircuit
from microcircuit import helpers, network
from microcircuit.network_params import default_net_dict, get_mean_PSP_matrix
from microcircuit.sim_params import default_sim_dict
from microcircuit.stimulus_params import default_stim_dict

from conftest import BIN, MPIEXEC, REPO, environment, run_python

sys.path.insert(0, str(REPO / "tools"))
from spike_digest import digest  # noqa: E402

REFERENCE_SIM_KEYS = {
    "t_presim",
    "t_sim",
    "sim_resolution",
    "rec_dev",
    "data_path",
    "rng_seed",
    "local_num_threads",
    "rec_V_int",
    "overwrite_files",
    "print_time",
    "store_metadata",
}
REFERENCE_NET_KEYS = {
    "N_scaling",
    "K_scaling",
    "neuron_model",
    "populations",
    "full_num_neurons",
    "full_mean_rates",
    "conn_probs",
    "PSP_exc_mean",
    "weight_rel_std",
    "g",
    "delay_exc_mean",
    "delay_inh_mean",
    "delay_rel_std",
    "bg_input_type",
    "K_ext",
    "bg_rate",
    "delay_poisson",
    "V0_type",
    "neuron_params",
    "PSP_matrix_mean",
    "delay_matrix_mean",
}
REFERENCE_STIM_KEYS = {
    "thalamic_input",
    "th_start",
    "th_duration",
    "th_rate",
    "num_th_neurons",
    "conn_probs_th",
    "PSP_th",
    "delay_th_mean",
    "delay_th_rel_std",
    "dc_transient",
    "dc_transient_start",
    "dc_transient_dur",
    "dc_transient_amp",
}


def test_the_references_matrix_helpers_agree():
    from microcircuit.network_params import get_exc_inh_matrix

    matrix = get_exc_inh_matrix(0.15, -0.6, 8)
    assert matrix.shape == (8, 8) and matrix[3, 0] == 0.15 and matrix[3, 1] == -0.6
    psp = get_mean_PSP_matrix(0.15, -4.0)
    expected = get_exc_inh_matrix(0.15, -0.6, 8)
    expected[0, 2] = 0.3
    assert np.allclose(psp, expected, rtol=1e-12)


def test_the_default_dictionaries_hold_the_references_keys_and_values():
    assert set(default_sim_dict) == REFERENCE_SIM_KEYS
    assert set(default_net_dict) == REFERENCE_NET_KEYS
    assert set(default_stim_dict) == REFERENCE_STIM_KEYS
    assert default_sim_dict["local_num_threads"] == 4 and default_sim_dict["overwrite_files"]
    assert default_net_dict["bg_input_type"] == "dc" and default_net_dict["g"] == -4
    assert set(default_net_dict["neuron_params"]) == {
        "V0_mean",
        "V0_std",
        "E_L",
        "V_th",
        "V_reset",
        "C_m",
        "tau_m",
        "tau_syn",
        "t_ref",
    }
    psp = default_net_dict["PSP_matrix_mean"]
    assert psp.shape == (8, 8) and psp[0, 2] == 0.3 and psp[3, 1] == pytest.approx(-0.6)
    assert default_net_dict["delay_matrix_mean"][5, 7] == 0.75


def test_a_network_runs_in_the_references_steps_and_its_spikes_are_numpy(tmp_path, small_dicts):
    sim, net_dict, stim = small_dicts
    sim["data_path"] = str(tmp_path / "run") + "/"
    sim["rec_dev"] = ["spike_recorder", "voltmeter"]
    net = network.Network(sim, net_dict, stim)
    net.create()
    net.connect()
    net.simulate(sim["t_presim"])
    net.simulate(sim["t_sim"])
    net.store_metadata()
    interval = np.array([sim["t_presim"], sim["t_presim"] + sim["t_sim"]])
    net.evaluate(interval, interval)
    for name in (
        "spikes.h5",
        "report.json",
        "raster_plot.png",
        "box_plot.png",
        "rate0.dat",
        "rate7.dat",
        "sim_dict.json",
        "net_dict.json",
        "stim_dict.json",
        "nodes.json",
    ):
        assert (tmp_path / "run" / name).exists(), name
    spikes = net.spikes()
    assert list(spikes) == list(default_net_dict["populations"])
    total = 0
    with h5py.File(tmp_path / "run" / "spikes.h5", "r") as f:
        for pop, (ids, times) in spikes.items():
            assert ids.dtype == np.int64 and times.dtype == np.float64
            assert np.array_equal(ids, f["spikes"][pop]["node_ids"][()])
            assert np.array_equal(times, f["spikes"][pop]["timestamps"][()])
            assert np.all(np.diff(times) >= 0)
            total += len(ids)
    assert total > 200
    times, voltages = net.voltages()
    assert len(times) == 300 and times[0] == 1.0
    ids, vm = voltages["L4E"]
    assert vm.shape == (300, 10) and np.all(vm < -40) and np.all(vm > -90)
    stats = net.statistics()
    assert stats["L4E"].rates.shape == (net.derived_parameters()["num_neurons"][2],)
    assert json.loads((tmp_path / "run" / "report.json").read_text())["spikes"] == total


def test_simulate_in_pieces_gives_the_same_spikes(tmp_path, small_dicts):
    def spikes_of(pieces, folder):
        sim, net_dict, stim = small_dicts
        sim["data_path"] = str(tmp_path / folder)
        net = network.Network(sim, net_dict, stim)
        net.create()
        net.connect()
        for piece in pieces:
            net.simulate(piece)
        return net.spikes()

    one, pieces = spikes_of([300.0], "one"), spikes_of([100.0, 0.5, 99.5, 100.0], "pieces")
    for pop in one:
        assert np.array_equal(one[pop][1], pieces[pop][1])
        assert np.array_equal(one[pop][0], pieces[pop][0])


def file_spikes(path):
    with h5py.File(path, "r") as f:
        return {
            pop: (f["spikes"][pop]["node_ids"][()], f["spikes"][pop]["timestamps"][()])
            for pop in f["spikes"]
        }


def test_everything_simulated_so_far_is_readable_after_every_simulate(tmp_path, small_dicts):
    sim, net_dict, stim = small_dicts
    sim["data_path"] = str(tmp_path / "run")
    net = network.Network(sim, net_dict, stim)
    net.create()
    net.connect()
    configured = sim["t_presim"] + sim["t_sim"]
    seen, reached = [], 0.0
    # Up to 200 ms, to the configured end, and well past it.
    for until in (200.0, configured, configured + 450.0):
        net.simulate(until - reached)
        reached = until
        spikes = net.spikes()
        on_disk = file_spikes(tmp_path / "run" / "spikes.h5")
        assert sorted(on_disk) == sorted(spikes)
        for pop, (ids, times) in spikes.items():
            assert np.array_equal(ids, on_disk[pop][0])
            assert np.array_equal(times, on_disk[pop][1])
            assert len(times) == 0 or times.max() <= until
        assert json.loads((tmp_path / "run" / "report.json").read_text())["time_ms"] == until
        seen.append(spikes)
    # What was there at 200 ms is the start of what is there at the end.
    for pop, (ids, times) in seen[0].items():
        later = seen[-1][pop][1] <= 200.0
        assert np.array_equal(ids, seen[-1][pop][0][later])
        assert np.array_equal(times, seen[-1][pop][1][later])
        assert seen[-1][pop][1].max() > configured
    # The reference's analysis of the files works at any moment, not only at the end.
    net.evaluate([100.0, 200.0], [100.0, 200.0])
    net.finish()
    assert sorted(p.name for p in (tmp_path / "run").iterdir() if p.name.startswith(".")) == []
    with pytest.raises(RuntimeError, match="finished"):
        net.simulate(1.0)


def test_the_references_test_pattern_leaves_valid_output(tmp_path, small_dicts):
    """create, connect and one simulate(t_sim), as the reference's own test does."""
    sim, net_dict, stim = small_dicts
    sim["data_path"] = str(tmp_path / "run")
    # Dedented before the dictionaries go in: their numpy arrays span lines.
    script = (
        textwrap.dedent(
            """
        from microcircuit import network
        sim, net, stim = {}, {}, {}
        net_ = network.Network(sim, net, stim)
        net_.create()
        net_.connect()
        net_.simulate(sim["t_sim"])
        """
        )
        .format(repr(sim), repr(net_dict), repr(stim))
        .replace("array(", "np.array(")
    )
    done = run_python("import numpy as np\n" + script, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    spikes = file_spikes(tmp_path / "run" / "spikes.h5")
    times = np.concatenate([t for _, t in spikes.values()])
    assert len(times) > 100 and times.max() <= sim["t_sim"]
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    assert report["time_ms"] == sim["t_sim"] and report["spikes"] == len(times)
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["report.json", "spikes.h5"]


def test_unknown_keys_and_unsupported_models_are_refused_by_name(tmp_path, small_dicts):
    sim, net_dict, stim = small_dicts
    sim["data_path"] = str(tmp_path)
    with pytest.raises(KeyError, match="sim_dict: unknown key.*'t_simm'"):
        network.Network(dict(sim, t_simm=1.0), net_dict, stim)
    with pytest.raises(KeyError, match="net_dict: unknown key.*'poisson_input'"):
        network.Network(sim, dict(net_dict, poisson_input=True), stim)
    with pytest.raises(KeyError, match=r"neuron_params'\]: unknown key.*'tau_syn_ex'"):
        network.Network(
            sim, dict(net_dict, neuron_params=dict(net_dict["neuron_params"], tau_syn_ex=0.5)), stim
        )
    with pytest.raises(ValueError, match="iaf_psc_exp only"):
        network.Network(sim, dict(net_dict, neuron_model="iaf_psc_alpha"), stim)
    with pytest.raises(ValueError, match="bg_input_type"):
        network.Network(sim, dict(net_dict, bg_input_type="dcc"), stim)
    with pytest.raises(TypeError, match=r"sim_dict\['data_path'\]: expected a path"):
        network.Network(dict(sim, data_path=0.0), net_dict, stim)
    with pytest.raises(ValueError, match="N_scaling: must be > 0"):
        network.Network(sim, dict(net_dict, N_scaling=-1.0), stim)
    net = network.Network(sim, net_dict, stim)
    net.create()
    net.connect()
    with pytest.raises(ValueError, match="multiple of the resolution"):
        net.simulate(0.05)


def test_a_network_too_large_for_the_memory_is_refused_before_it_is_built(tmp_path, small_dicts):
    sim, net_dict, stim = small_dicts
    sim["data_path"] = str(tmp_path / "huge")
    start = time.monotonic()
    with pytest.raises(
        ValueError,
        match=r"not enough memory: .* GB per rank, x 1 rank .* are "
        r"available .*--set simulation.memory_check=false",
    ):
        network.Network(sim, dict(net_dict, N_scaling=20.0, K_scaling=1.0), stim)
    assert time.monotonic() - start < 15
    assert not (tmp_path / "huge").exists()
    sim["data_path"] = str(tmp_path / "small")
    assert (
        network.Network(dict(sim, memory_check=False), net_dict, stim).config.effective_yaml.count(
            "memory_check: false"
        )
        == 1
    )


def test_old_stimulus_names_are_read_with_a_warning(tmp_path, small_dicts):
    sim, net_dict, stim = small_dicts
    sim["data_path"] = str(tmp_path)
    old = {k: v for k, v in stim.items() if not k.startswith("dc_transient_")}
    old.update(dc_start=600.0, dc_dur=50.0, dc_amp=0.2)
    with pytest.warns(DeprecationWarning, match="'dc_start' is now called 'dc_transient_start'"):
        net = network.Network(sim, net_dict, old)
    assert "dc_transient_start: 600.0" in net.config.effective_yaml


def test_a_changed_value_changes_the_model_as_in_the_reference(tmp_path, small_dicts):
    sim, net_dict, stim = small_dicts
    sim["data_path"] = str(tmp_path)
    plain = network.Network(sim, net_dict, stim).derived_parameters()
    # g after import changes nothing: the network uses PSP_matrix_mean.
    g_only = network.Network(sim, dict(net_dict, g=-5.0), stim).derived_parameters()
    assert np.array_equal(g_only["weight_mean"], plain["weight_mean"])
    matrix = get_mean_PSP_matrix(net_dict["PSP_exc_mean"], -5.0)
    with_matrix = network.Network(
        sim, dict(net_dict, PSP_matrix_mean=matrix), stim
    ).derived_parameters()
    weights, before = np.array(with_matrix["weight_mean"]), np.array(plain["weight_mean"])
    assert np.allclose(weights[:, 1], before[:, 1] * 1.25) and np.array_equal(
        weights[:, 0], before[:, 0]
    )
    delays = np.array(net_dict["delay_matrix_mean"])
    delays[2, 3] = 2.0
    assert (
        network.Network(sim, dict(net_dict, delay_matrix_mean=delays), stim).derived_parameters()[
            "delay_mean"
        ][2][3]
        == 2.0
    )
    thalamic = network.Network(sim, net_dict, dict(stim, thalamic_input=True, th_start=150.0))
    assert "th_start: 150.0" in thalamic.config.effective_yaml
    assert sum(thalamic.derived_parameters()["num_thalamic_synapses"]) > 0


def test_the_reference_helpers_read_the_output(tmp_path, small_dicts):
    sim, net_dict, stim = small_dicts
    sim["data_path"] = str(tmp_path)
    net = network.Network(sim, net_dict, stim)
    net.create()
    net.connect()
    net.simulate(300.0)
    data = helpers.load_spike_data(str(tmp_path), "spike_recorder", [100.0, 300.0])
    assert len(data) == 8 and all(d.shape[1] == 2 for d in data)
    first_l4e = 1 + sum(net.derived_parameters()["num_neurons"][:2])
    assert data[2][:, 0].min() >= first_l4e
    spikes = {"senders": data[2][:, 0], "times": data[2][:, 1]}
    pop = np.arange(first_l4e, first_l4e + net.derived_parameters()["num_neurons"][2])
    rates = helpers.time_averaged_single_neuron_firing_rates(spikes, pop, (100.0, 300.0))
    from_memory = net.statistics(100.0, 300.0)["L4E"].rates
    assert rates.shape == from_memory.shape
    assert np.isclose(rates.mean(), from_memory.mean(), rtol=0.02)
    assert (
        helpers.pairwise_spike_count_correlations(spikes, pop[:40], (100.0, 300.0), 2.0).ndim == 1
    )
    full = helpers.num_synapses_from_conn_probs(
        default_net_dict["conn_probs"],
        default_net_dict["full_num_neurons"],
        default_net_dict["full_num_neurons"],
    )
    assert round(full[0, 0]) == 45499805 or abs(full[0, 0] - 4.55e7) < 1e5


BINARY_VS_PACKAGE = """
    import copy, sys
    from microcircuit import network
    from microcircuit.network_params import default_net_dict
    from microcircuit.sim_params import default_sim_dict
    from microcircuit.stimulus_params import default_stim_dict
    sim, net, stim = (copy.deepcopy(d)
                      for d in (default_sim_dict, default_net_dict, default_stim_dict))
    net["N_scaling"] = net["K_scaling"] = 0.05
    net["bg_input_type"] = "poisson"
    stim["thalamic_input"] = True
    stim["th_start"] = 200.0
    sim.update(t_presim=100.0, t_sim=200.0, local_num_threads=1, print_time=False,
               data_path=sys.argv[1], rec_dev=["spike_recorder", "voltmeter"])
    n = network.Network(sim, net, stim)
    n.create(); n.connect(); n.simulate(100.0); n.simulate(200.0)
    open(sys.argv[2], "w").write(n.config.effective_yaml)
"""


@pytest.mark.parametrize("ranks", [1, 2])
def test_the_spikes_are_byte_identical_to_the_binarys(tmp_path, ranks):
    result = run_python(
        textwrap.dedent(BINARY_VS_PACKAGE),
        tmp_path,
        ranks=ranks,
        extra_args=[str(tmp_path / "py"), str(tmp_path / "effective.yaml")],
    )
    assert result.returncode == 0, result.stderr
    config = tmp_path / "effective.yaml"
    command = [BIN, "--config", str(config), "--set", f"simulation.data_path={tmp_path / 'bin'}"]
    if ranks > 1:
        command = [MPIEXEC, "--oversubscribe", "-n", str(ranks), *command]
    binary = subprocess.run(command, env=environment(), capture_output=True, text=True, timeout=600)
    assert binary.returncode == 0, binary.stderr
    assert digest(tmp_path / "py" / "spikes.h5") == digest(tmp_path / "bin" / "spikes.h5")
    with h5py.File(tmp_path / "py" / "spikes.h5", "r") as f:
        assert f["metadata"].attrs["ranks"] == ranks
        assert sum(len(f["spikes"][p]["node_ids"]) for p in f["spikes"]) > 500


def test_mpi_is_initialised_by_the_engine_without_mpi4py(tmp_path):
    script = "import sys\nsys.modules['mpi4py'] = None\n" + textwrap.dedent(BINARY_VS_PACKAGE)
    result = run_python(
        script,
        tmp_path,
        ranks=2,
        extra_args=[str(tmp_path / "py"), str(tmp_path / "effective.yaml")],
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "py" / "spikes.h5").exists()


def test_the_example_runs_and_draws(tmp_path):
    example = (REPO / "examples" / "run_microcircuit.py").read_text()
    # Shorter than the example's 1 s, with the machine's cores; nothing else changed.
    example = example.replace(
        'sim_dict["data_path"] = "data_scale_0.20/"',
        'sim_dict["data_path"] = "data_scale_0.20/"\n'
        "sim_dict.update(t_presim=100.0, t_sim=300.0, local_num_threads=2)",
    )
    result = run_python(example, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Mean rates:" in result.stdout and "Times of Rank 0" in result.stdout
    for name in ("raster_plot.png", "box_plot.png", "spikes.h5"):
        assert (tmp_path / "data_scale_0.20" / name).exists()
    rates = [float(x) for x in result.stdout.split("Mean rates: [")[1].split("]")[0].split()]
    assert len(rates) == 8 and min(rates) > 0


def test_rank_and_version():
    assert microcircuit.rank() == 0 and microcircuit.num_ranks() == 1
    assert microcircuit.Rank() == 0 and microcircuit.NumProcesses() == 1
    assert microcircuit.__version__


def test_no_warning_for_the_default_dictionaries(tmp_path, small_dicts):
    sim, net_dict, stim = small_dicts
    sim["data_path"] = str(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        network.Network(sim, net_dict, stim)
