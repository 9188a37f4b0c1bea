"""What the figures of `plot` show: every value of a histogram (outliers
included) with counts and labelled axes, rate bins without a comb, the
raster's title and E/I legend, the reference only where it matches, and
the population rates and membrane potentials of stimulated runs."""
import os
import shutil
import subprocess

import h5py
import numpy as np
import pytest

from conftest import REPO, write_sonata
from pd14analysis import POPULATIONS, cli, plots, readers, recordings
from pd14analysis import statistics as st

TEST_CONFIG = """simulation:
  t_presim: 100.0
  t_sim: 1000.0
  rng_seed: 7
network:
  N_scaling: 0.05
  K_scaling: 0.05
  bg_input_type: poisson
stimulus:
  thalamic_input: false
  dc_transient: true
  dc_start: 400.0
  dc_dur: 50.0
  dc_amp: 0.3
"""


@pytest.fixture
def figures(monkeypatch):
    """The figures `plot` makes, kept open by name instead of written."""
    import matplotlib.pyplot as plt

    kept = {}

    def keep(fig, out_dir, name, formats):
        kept[name] = fig
        return [os.path.join(str(out_dir), f"{name}.{f}") for f in formats]

    monkeypatch.setattr(plots, "save_figure", keep)
    yield kept
    for fig in kept.values():
        plt.close(fig)


def _panels(fig):
    return [ax for ax in fig.axes if ax.get_visible() and ax.get_title(loc="left")]


def _bar_heights(ax, color=None):
    """(left edge, height) of the filled bars of a panel (the run's)."""
    from matplotlib.patches import Rectangle

    return [
        (p.get_x(), p.get_height()) for p in ax.patches if isinstance(p, Rectangle) and p.get_fill()
    ]


def _outlier_run(path, rng, t_presim=100.0, t_sim=1000.0):
    """Poisson trains of about 3 spikes/s, one neuron of L4E at 300 spikes/s,
    and two L23E neurons with the same train (correlation 1)."""
    spikes, n = {}, {}
    for pop in POPULATIONS:
        n[pop] = 40
        k = rng.poisson(3.0 * n[pop] * (t_presim + t_sim) * 1e-3)
        ids = rng.integers(0, n[pop], k)
        ts = rng.uniform(0, t_presim + t_sim, k)
        if pop == "L4E":
            fast = np.sort(rng.uniform(t_presim, t_presim + t_sim, 300))
            ids, ts = np.r_[ids[ids != 0], np.zeros(300, int)], np.r_[ts[ids != 0], fast]
        if pop == "L23E":
            keep = (ids != 0) & (ids != 1)
            twin = np.sort(rng.uniform(t_presim, t_presim + t_sim, 25))
            ids = np.r_[ids[keep], np.zeros(25, int), np.ones(25, int)]
            ts = np.r_[ts[keep], twin, twin]
        spikes[pop] = (ids, ts)
    return write_sonata(
        path,
        spikes,
        n,
        attrs={
            "t_presim_ms": t_presim,
            "t_sim_ms": t_sim,
            "N_scaling": 0.05,
            "K_scaling": 0.05,
            "bg_input_type": "poisson",
        },
    )


def test_histograms_show_every_value_with_counts(tmp_path, figures, capsys):
    path = _outlier_run(tmp_path / "spikes.h5", np.random.default_rng(3))
    assert (
        cli.main(["plot", str(path), "-o", str(tmp_path), "--no-reference", "--n-sample", "40"])
        == 0
    )
    stats = st.compute_statistics(readers.read_spikes(str(path)), 100.0, 1100.0, n_sample=40)
    for stat in st.STATISTICS:
        fig = figures[f"hist_{stat}"]
        panels = {ax.get_title(loc="left").replace("/", ""): ax for ax in _panels(fig)}
        assert len(panels) == 8
        for pop, ax in panels.items():
            values = stats[pop].distribution(stat)
            bars = _bar_heights(ax)
            # every value is counted in a bar: the counts add up to n
            assert sum(h for _, h in bars) == pytest.approx(len(values)), (stat, pop)
            assert any(f"run: {len(values)} " in t.get_text() for t in ax.get_legend().get_texts())
        left = [ax for ax in fig.axes if ax.get_ylabel()]
        assert left and all(ax.get_ylabel().startswith(plots.Y_LABELS[stat]) for ax in left)
        assert "all values shown" in fig._suptitle.get_text()
    # the outliers: a bar at 300 spikes/s (L4E) and at correlation 1 (L23E)
    l4e = {ax.get_title(loc="left"): ax for ax in _panels(figures["hist_rates"])}["L4E"]
    assert max(x for x, h in _bar_heights(l4e) if h > 0) > 250.0
    l23e = {ax.get_title(loc="left"): ax for ax in _panels(figures["hist_ccs"])}["L2/3E"]
    assert max(x for x, h in _bar_heights(l23e) if h > 0) > 0.9
    assert "no reference drawn (--no-reference)" in capsys.readouterr().out


def test_rate_bins_hold_equally_many_possible_rates():
    # a 1.3 s run against a reference cut to 2.6 s: steps 1/1.3 and 1/2.6 spikes/s
    run_step, ref_step = 1 / 1.3, 1 / 2.6
    run = np.arange(0, 40) * run_step
    ref = np.arange(0, 80) * ref_step
    edges = plots.rate_bins([run, ref], [run_step, ref_step])
    for values in (run, ref):
        counts, _ = np.histogram(values, edges)
        assert counts.sum() == len(values)
        # no comb: every full bin holds the same number of possible rates
        assert len(set(counts[:-1])) == 1, counts
        # and no possible rate lies on an edge
        gap = np.min(np.abs(values[:, None] - edges[None, :]))
        assert gap > 0.2 * min(run_step, ref_step)
    # a large rate widens the bins (to a multiple of the coarse step), it is not dropped
    edges = plots.rate_bins([np.r_[run, 500.0]], [run_step])
    assert len(edges) - 1 <= plots.MAX_BINS and edges[-1] > 500.0
    assert (edges[1] - edges[0]) / run_step == pytest.approx(
        round((edges[1] - edges[0]) / run_step)
    )


def test_raster_names_run_and_tells_e_from_i(tmp_path, figures):
    path = _outlier_run(tmp_path / "spikes.h5", np.random.default_rng(4))
    assert cli.main(["plot", str(path), "-o", str(tmp_path), "--no-reference"]) == 0
    ax = figures["raster"].axes[0]
    title = ax.get_title()
    assert "spikes.h5" in title and "scale 0.05" in title and "Poisson drive" in title
    assert "100-300 ms" in title
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[:2] == ["excitatory (E)", "inhibitory (I)"]
    assert "psth" not in figures and "voltages" not in figures


def test_reference_overlay_is_labelled(tmp_path, figures, capsys, reference_dir):
    path = os.path.join(reference_dir, "network", "scale0.1_poisson", "seed3.h5")
    assert (
        cli.main(
            [
                "plot",
                path,
                "-o",
                str(tmp_path),
                "--reference-dir",
                reference_dir,
                "--t-stop",
                "1500",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    n_seeds = len([f for f in os.listdir(os.path.dirname(path)) if f.startswith("seed")]) - 1
    assert f"reference scale0.1_poisson, mean count of {n_seeds} seeds" in out
    ax = _panels(figures["hist_rates"])[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert f"reference scale0.1_poisson, mean of {n_seeds} seeds" in labels
    # y counts neurons: the run's bars add up to its 2068 L2/3E neurons
    assert sum(h for _, h in _bar_heights(ax)) == 2068


def test_stimuli_from_the_configuration(monkeypatch):
    cfg = readers.load_config_yaml(TEST_CONFIG)
    stims = recordings.stimuli(cfg)
    assert [(s.kind, s.start_ms, s.stop_ms) for s in stims] == [("dc_transient", 400.0, 450.0)]
    assert "0.3 pA x K_ext" in stims[0].label
    # without PyYAML the minimal parser gives the same stimuli
    monkeypatch.setitem(__import__("sys").modules, "yaml", None)
    assert [tuple(s) for s in recordings.stimuli(readers.load_config_yaml(TEST_CONFIG))] == [
        tuple(s) for s in stims
    ]
    both = TEST_CONFIG.replace(
        "thalamic_input: false", "thalamic_input: true\n  th_start: 700" "\n  th_duration: 10"
    )
    assert [s.kind for s in recordings.stimuli(readers.load_config_yaml(both))] == [
        "dc_transient",
        "thalamic",
    ]


def test_voltages_units_and_layout(tmp_path, figures):
    path = _outlier_run(tmp_path / "spikes.h5", np.random.default_rng(5))
    times = np.arange(1.0, 11.0)
    with h5py.File(path, "a") as f:
        g = f.create_group("voltages")
        g.create_dataset("times", data=times)
        for k, pop in enumerate(("L4E", "L23E")):
            p = g.create_group(pop)
            d = p.create_dataset("data", data=np.full((10, 3), -60.0 - k))
            p.create_dataset("node_ids", data=np.array([0, 1, 2], np.uint64))
            if pop == "L4E":
                d.attrs["units"] = "mV"
    v = recordings.read_voltages(readers.read_spikes(str(path)))
    assert v.populations == ["L23E", "L4E"]
    assert v.data["L23E"].shape == (10, 3) and v.units == {"L23E": "mV", "L4E": "mV"}
    assert list(v.node_ids["L4E"]) == [0, 1, 2]
    # drawn without a configuration (no threshold, no stimulus), one panel each
    assert (
        cli.main(
            [
                "plot",
                str(path),
                "-o",
                str(tmp_path),
                "--no-reference",
                "--trace-interval",
                "0",
                "20",
            ]
        )
        == 0
    )
    panels = [ax for ax in figures["voltages"].axes if ax.get_visible()]
    assert len(panels) == 2 and all(len(ax.get_lines()) == 3 for ax in panels)


def _binary():
    path = os.environ.get("MICROCIRCUIT_BIN") or os.path.join(REPO, "build", "microcircuit_mpi")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.skip("microcircuit_mpi not built (set MICROCIRCUIT_BIN)")
    return path


@pytest.fixture(scope="module")
def stimulated_runs(tmp_path_factory):
    """configs/thalamic_input.yaml and configs/dc_transient.yaml, as shipped."""
    binary = _binary()
    out = {}
    for name in ("thalamic_input", "dc_transient"):
        data_path = tmp_path_factory.mktemp(name)
        res = subprocess.run(
            [
                binary,
                "--config",
                os.path.join(REPO, "configs", f"{name}.yaml"),
                "--set",
                f"simulation.data_path={data_path}",
                "--set",
                "simulation.print_time=false",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            env=dict(os.environ, OMP_NUM_THREADS="2"),
        )
        assert res.returncode == 0, res.stderr
        out[name] = os.path.join(str(data_path), "spikes.h5")
    return out


def _shaded(ax):
    from matplotlib.patches import Polygon

    spans = []
    for p in ax.patches:
        if isinstance(p, Polygon):
            x = p.get_xy()[:, 0]
            spans.append((float(x.min()), float(x.max())))
    return spans


@pytest.mark.parametrize(
    "name,window,recorded",
    [("thalamic_input", (700.0, 710.0), False), ("dc_transient", (650.0, 750.0), True)],
)
def test_stimulated_runs_get_psth_and_voltages(
    name, window, recorded, stimulated_runs, tmp_path, figures, capsys, reference_dir
):
    path = stimulated_runs[name]
    assert cli.main(["plot", path, "-o", str(tmp_path), "--reference-dir", reference_dir]) == 0
    out = capsys.readouterr().out
    # scale 0.1 with Poisson drive matches a reference set, but not with a stimulus
    assert "no reference drawn: the run has a stimulus" in out
    assert "the run has a stimulus" in figures["hist_rates"]._suptitle.get_text()
    assert all(len(ax.get_legend().get_texts()) == 1 for ax in _panels(figures["hist_rates"]))
    psth = figures["psth"]
    rows = [ax for ax in psth.axes if ax.get_visible()]
    assert len(rows) == 16  # eight populations, the window and the zoom on the stimulus
    assert all(window in _shaded(ax) for ax in rows)
    assert "spikes/s" in psth._supylabel.get_text()
    # the response: every population the stimulus reaches fires more in its window
    data = readers.read_spikes(path)
    reached = ("L4E", "L4I", "L6E", "L6I") if name == "thalamic_input" else POPULATIONS
    for pop in reached:
        n = data.n_neurons[pop]
        _, during = st.population_rate(
            data.times[pop], n, window[0], window[1], window[1] - window[0]
        )
        _, before = st.population_rate(data.times[pop], n, 500.0, 650.0, 150.0)
        assert during[0] > 1.5 * before[0], (pop, during, before)
    raster_spans = _shaded(figures["raster"].axes[0])
    assert window in raster_spans
    if not recorded:
        assert "voltages" not in figures
        return
    volts = figures["voltages"]
    panels = [ax for ax in volts.axes if ax.get_visible()]
    assert len(panels) == 8
    assert "(mV)" in volts._supylabel.get_text()
    for ax in panels:
        traces = [line for line in ax.get_lines() if len(line.get_xdata()) > 2]
        assert len(traces) == 10
        v = np.concatenate([line.get_ydata() for line in traces])
        assert -120.0 < v.min() and v.max() <= -50.0 + 1e-9
        assert window in _shaded(ax)


def test_plot_files_of_a_stimulated_run(stimulated_runs, tmp_path, capsys):
    """The real files, written as PNG and SVG by the command itself."""
    out_dir = tmp_path / "plots"
    tool = os.path.join(REPO, "tools", "microcircuit-analysis")
    res = subprocess.run(
        [tool, "plot", stimulated_runs["dc_transient"], "-o", str(out_dir), "--psth-bin", "2"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr
    assert "population rates, bins of 2 ms" in (out_dir / "psth.svg").read_text()
    for name in ("raster", "box_rates", "hist_rates", "hist_cvs", "hist_ccs", "psth", "voltages"):
        for ext in ("png", "svg"):
            f = out_dir / f"{name}.{ext}"
            assert f.exists() and f.stat().st_size > 1000, f
    shutil.rmtree(out_dir)
