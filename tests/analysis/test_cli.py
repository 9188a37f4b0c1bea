"""The command line: help, stats JSON, plots."""
import json
import os
import subprocess

import numpy as np
import pytest

from conftest import DATA, TOOL, write_sonata
from pd14analysis import POPULATIONS, cli


def test_entry_point_help():
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    for sub in ([], ["stats"], ["plot"], ["verify"]):
        res = subprocess.run(
            [TOOL, *sub, "--help"], capture_output=True, text=True, env=env, timeout=60
        )
        assert res.returncode == 0, res.stderr
        assert "usage: microcircuit-analysis" in res.stdout


def _synthetic_run(path, rng, t_presim=100.0, t_sim=1000.0, scale=0.05):
    spikes, n = {}, {}
    for i, pop in enumerate(POPULATIONS):
        n[pop] = 30 + 5 * i
        k = rng.poisson(3.0 * n[pop] * (t_presim + t_sim) * 1e-3)
        spikes[pop] = (rng.integers(0, n[pop], k), rng.uniform(0, t_presim + t_sim, k))
    return write_sonata(
        path,
        spikes,
        n,
        attrs={
            "t_presim_ms": t_presim,
            "t_sim_ms": t_sim,
            "N_scaling": scale,
            "K_scaling": scale,
            "bg_input_type": "poisson",
        },
    )


def test_stats_json(tmp_path, capsys):
    path = _synthetic_run(tmp_path / "spikes.h5", np.random.default_rng(5))
    out = tmp_path / "stats.json"
    npz = tmp_path / "dist.npz"
    assert cli.main(["stats", str(path), "--json", str(out), "--npz", str(npz)]) == 0
    text = capsys.readouterr().out
    assert "L23E" in text and "window [100, 1100)" in text
    doc = json.loads(out.read_text())
    assert doc["window_ms"] == [100.0, 1100.0]
    assert list(doc["populations"]) == list(POPULATIONS)
    l23e = doc["populations"]["L23E"]
    assert l23e["n_neurons"] == 30
    assert l23e["mean_rate_Hz"] == pytest.approx(3.0, rel=0.25)
    assert l23e["n_pairs"] <= 30 * 29 // 2
    arrays = np.load(npz)
    assert arrays["L23E_rates"].shape == (30,)
    # --t-start/--t-stop override the metadata
    assert (
        cli.main(["stats", str(path), "--t-start", "600", "--t-stop", "1100", "--json", str(out)])
        == 0
    )
    assert json.loads(out.read_text())["window_ms"] == [600.0, 1100.0]


def test_stats_on_text_fixture(tmp_path, capsys):
    out = tmp_path / "s.json"
    assert cli.main(["stats", os.path.join(DATA, "nest_text"), "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["populations"]["L23E"]["mean_rate_Hz"] == pytest.approx(7.0 / 4.0)


def test_bad_input_is_an_error(tmp_path, capsys):
    assert cli.main(["stats", str(tmp_path / "missing.h5")]) == 2
    assert "error" in capsys.readouterr().err


def test_plot_writes_png_and_svg(tmp_path, capsys, reference_dir):
    path = os.path.join(reference_dir, "network", "scale0.1_poisson", "seed3.h5")
    out_dir = tmp_path / "plots"
    assert (
        cli.main(
            ["plot", path, "-o", str(out_dir), "--reference-dir", reference_dir, "--t-stop", "2500"]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "no reference distributions" not in text
    for name in ("raster", "box_rates", "hist_rates", "hist_cvs", "hist_ccs"):
        for ext in ("png", "svg"):
            f = out_dir / f"{name}.{ext}"
            assert f.exists() and f.stat().st_size > 1000, f
    assert (out_dir / "raster.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
