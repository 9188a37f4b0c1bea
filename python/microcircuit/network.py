"""The reference's ``Network`` class over the microcircuit_mpi engine."""
import atexit
import itertools
import json
import os
import time
import warnings
import weakref

import numpy as np

from . import _engine, helpers
from ._translate import overrides_of
from .network_params import POPULATIONS
from .stimulus_params import default_stim_dict


# Every rank finishes its runs at exit (collectively, in the order they were
# made): the journals removed, the final report written.
_unfinished = weakref.WeakValueDictionary()
_made = itertools.count()


@atexit.register
def _finish_all():
    for key in sorted(_unfinished.keys()):
        network = _unfinished.get(key)
        if network is not None:
            network.finish()


class Network:
    """PD14 as the reference's ``network.Network``: ``create``, ``connect``,
    ``simulate`` (repeatable: the warm-up, then the simulation),
    ``store_metadata`` and ``evaluate``; and beyond it, the recorded spikes
    and voltages as numpy arrays straight from memory (``spikes``,
    ``voltages``) and the recipe's statistics and verification of them.

    ``simulate`` advances by any time, as often as wanted (``t_presim`` and
    ``t_sim`` of ``sim_dict`` are what the reference's script runs, not a
    limit). After each ``simulate`` the spikes and voltages so far are in
    memory and in ``data_path``: ``spikes.h5`` (SONATA) complete up to the
    time reached, and ``report.json``. ``finish`` (or the end of the program)
    ends the run.
    """

    def __init__(self, sim_dict, net_dict, stim_dict=None):
        self.sim_dict = sim_dict
        self.net_dict = net_dict
        self.stim_dict = default_stim_dict if stim_dict is None else stim_dict
        self.data_path = sim_dict["data_path"]
        if not isinstance(self.data_path, (str, os.PathLike)):
            raise TypeError(
                "sim_dict['data_path']: expected a path (str), got "
                f"{type(self.data_path).__name__} {self.data_path!r}"
            )
        self._timers = {"start": time.time()}
        self.config = _engine.load_config("", overrides_of(sim_dict, net_dict, self.stim_dict))
        self.rank = _engine.rank()
        for warning in self.config.warnings:
            warnings.warn(warning)
        existed = os.path.isdir(self.data_path)
        self._session = _engine.Session(self.config, True)
        self._key = next(_made)
        _unfinished[self._key] = self
        if self.rank == 0:
            message = "  Directory already existed." if existed else "  Directory has been created."
            if existed and sim_dict.get("overwrite_files", False):
                message += " Old data will be overwritten."
            print(f"Data will be written to: {self.data_path}\n{message}\n")
            derived = self._session.derived()
            for p in derived["below_rheobase"]:
                print(
                    f"Warning: the DC input of {POPULATIONS[p]} "
                    f"({derived['dc_amplitude'][p]:.3f} pA) is below the rheobase; it can fire "
                    "only through recurrent input"
                )
            if net_dict["N_scaling"] != 1:
                print(f"Neuron numbers are scaled by a factor of {net_dict['N_scaling']:.3f}.")
            if net_dict["K_scaling"] != 1:
                print(
                    f"Indegrees are scaled by a factor of {net_dict['K_scaling']:.3f}.\n"
                    "  Weights and DC input are adjusted to compensate."
                )
            print(f"RNG seed: {sim_dict['rng_seed']}")
            print(
                f"Total number of virtual processes: "
                f"{_engine.num_ranks() * self._session.threads()}"
            )

    # -- the reference's steps ------------------------------------------------

    def create(self):
        """Creates the neurons and their initial state."""
        if self.rank == 0:
            print("Creating neuronal populations.")
        self._session.create()

    def connect(self):
        """Connects the network: every rank builds the synapses onto its neurons."""
        if self.rank == 0:
            print("Connecting neuronal populations.")
        self._session.connect()

    def simulate(self, t_sim):
        """Advances the network by ``t_sim`` ms."""
        if self.rank == 0:
            print(f"Simulating {t_sim} ms.")
        self._session.simulate(float(t_sim))

    def finish(self):
        """Ends the run: the final report written, the journals the run kept
        while it could go on removed. Called at the end of the program if
        not before; ``simulate`` may not follow it."""
        _unfinished.pop(self._key, None)
        self._session.finish()

    def store_metadata(self):
        """Writes the three dictionaries and the node ids of the populations
        (``sim_dict.json``, ``net_dict.json``, ``stim_dict.json``,
        ``nodes.json``) into ``data_path``, as the reference does."""
        if not self.sim_dict.get("store_metadata", True) or self.rank != 0:
            return
        for name, dictionary in (
            ("sim_dict", self.sim_dict),
            ("net_dict", self.net_dict),
            ("stim_dict", self.stim_dict),
        ):
            helpers.dict2json(dictionary, os.path.join(self.data_path, name + ".json"))
        derived = self._session.derived()
        nodes = {
            "populations": [
                {"name": pop, "first_id": int(first) + 1, "last_id": int(first + n)}
                for pop, first, n in zip(POPULATIONS, derived["first_gid"], derived["num_neurons"])
            ]
        }
        nodes.update(
            t_presim=self.sim_dict["t_presim"],
            t_sim=self.sim_dict["t_sim"],
            N_scaling=self.net_dict["N_scaling"],
            K_scaling=self.net_dict["K_scaling"],
            bg_input_type=self.net_dict["bg_input_type"],
        )
        with open(os.path.join(self.data_path, "nodes.json"), "w") as f:
            json.dump(nodes, f, indent=2)

    def evaluate(self, raster_plot_interval, firing_rates_interval):
        """Draws the raster plot (``raster_plot.png``), writes the per-neuron
        rates of population i as ``rate<i>.dat``, prints the populations' mean
        rates and draws them as a box plot (``box_plot.png``), in ``data_path``."""
        if self.rank != 0:
            return
        print(f"Interval to plot spikes: {list(raster_plot_interval)} ms")
        helpers.plot_raster(
            self.data_path,
            "spike_recorder",
            raster_plot_interval[0],
            raster_plot_interval[1],
            self.net_dict["N_scaling"],
        )
        print(f"Interval to compute firing rates: {list(firing_rates_interval)} ms")
        helpers.firing_rates(
            self.data_path, "spike_recorder", firing_rates_interval[0], firing_rates_interval[1]
        )
        helpers.boxplot(self.data_path, self.net_dict["populations"])

    # -- beyond the reference -------------------------------------------------

    def spikes(self):
        """The spikes so far, from memory: ``{population: (node_ids, times)}``
        with node ids 0-based within the population and times in ms, each
        population in (time, node id) order."""
        gids, times = self._session.spikes()
        derived = self._session.derived()
        result = {}
        for pop, first, n in zip(POPULATIONS, derived["first_gid"], derived["num_neurons"]):
            mine = (gids >= first) & (gids < first + n)
            result[pop] = ((gids[mine] - first).astype(np.int64), times[mine])
        return result

    def voltages(self):
        """The recorded membrane potentials: ``(times, {population: (node_ids,
        V_m)})`` with V_m in mV, samples x neurons."""
        derived = self._session.derived()
        samples = self._session.voltages()
        times = (np.arange(samples.shape[0]) + 1) * derived["voltage_interval_ms"]
        result, column = {}, 0
        for pop, n in zip(POPULATIONS, derived["voltage_neurons"]):
            result[pop] = (np.arange(n), samples[:, column : column + n])
            column += n
        return times, result

    def spike_data(self):
        """The spikes as the analysis tools' ``SpikeData`` (pd14analysis)."""
        from pd14analysis.readers import SpikeData

        spikes = self.spikes()
        derived = self._session.derived()
        meta = {
            "N_scaling": self.net_dict["N_scaling"],
            "K_scaling": self.net_dict["K_scaling"],
            "bg_input_type": self.net_dict["bg_input_type"],
            "t_presim_ms": float(self.sim_dict["t_presim"]),
            "t_sim_ms": float(self.sim_dict["t_sim"]),
        }
        return SpikeData(
            POPULATIONS,
            dict(zip(POPULATIONS, map(int, derived["num_neurons"]))),
            {p: s[0] for p, s in spikes.items()},
            {p: s[1] for p, s in spikes.items()},
            meta,
        )

    def statistics(self, t_start=None, t_stop=None):
        """The recipe's per-neuron statistics (rates, ISI CVs, correlations)
        of each population over [t_start, t_stop) ms (default: after the warm-up)."""
        from pd14analysis.statistics import compute_statistics

        t_start = float(self.sim_dict["t_presim"]) if t_start is None else t_start
        t_stop = self._session.time_ms() if t_stop is None else t_stop
        return compute_statistics(self.spike_data(), t_start, t_stop)

    def verify(self, reference_dir=None):
        """Judges the run against the reference simulator's runs of the same
        scale and drive (pd14analysis.verification); returns its verdict."""
        from pd14analysis import verification

        data = self.spike_data()
        sets = verification.list_reference_sets(
            reference_dir or verification.default_reference_dir()
        )
        chosen, reason = verification.select_reference_set(
            sets,
            self.net_dict["N_scaling"],
            self.net_dict["K_scaling"],
            self.net_dict["bg_input_type"],
        )
        if chosen is None:
            raise LookupError(reason)
        t_start = float(self.sim_dict["t_presim"])
        return verification.verify(data, chosen, t_start, self._session.time_ms())

    def derived_parameters(self):
        """What the engine derived from the dictionaries: neurons, synapses,
        weights (pA), delays (ms), DC amplitudes, Poisson rates per population."""
        return self._session.derived()

    def real_time_factor(self):
        """Wall-clock time of the simulation phase over simulated time (after the run)."""
        return json.loads(self._session.report_json())["rtf"]
