"""Evoked responses (thalamic pulse, DC transient) on synthetic data with a
known timing, and against the real reference ensembles."""
import json
import os

import numpy as np
import pytest

from conftest import write_sonata
from pd14analysis import cli, evoked, readers
from pd14analysis import verification as vf

POPS = {"L4E": (600, 40.0, 2.0, 6.0), "L4I": (300, 30.0, 3.0, 8.0)}  # n, rate, from, to


def _pulse_run(path, rng, shift_ms, base_rate=5.0):
    """500 ms after a 500 ms warm-up: Poisson background, plus a response
    to the thalamic pulse at 700 ms that starts `from` ms after it (+ a
    seed-to-seed jitter of SD 0.3 ms, + shift_ms) and lasts to `to`."""
    jitter = rng.normal(0.0, 0.3)
    spikes, n = {}, {}
    for pop, (size, rate, t_from, t_to) in POPS.items():
        k = rng.poisson(base_rate * size * 0.5)
        ts = [rng.uniform(500.0, 1000.0, k)]
        ids = [rng.integers(0, size, k)]
        a, b = 700.0 + t_from + jitter + shift_ms, 700.0 + t_to + jitter + shift_ms
        k = rng.poisson(rate * size * (b - a) * 1e-3)
        ts.append(rng.uniform(a, b, k))
        ids.append(rng.integers(0, size, k))
        # stamps on the 0.1 ms grid, the end of the step that produced them
        spikes[pop] = (np.concatenate(ids), np.ceil(np.concatenate(ts) * 10.0) / 10.0)
        n[pop] = size
    return write_sonata(
        path,
        spikes,
        n,
        attrs={
            "N_scaling": 1.0,
            "K_scaling": 0.2,
            "scale": 1.0,
            "bg": "dc",
            "t_presim": 500.0,
            "t_sim": 500.0,
            "thalamic_input": 1,
            "dc_transient": 0,
        },
    )


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    root = tmp_path_factory.mktemp("evoked")
    ref_dir = root / "reference" / "network" / "thalamic"
    ref_dir.mkdir(parents=True)
    rng = np.random.default_rng(2024)
    for s in range(6):
        _pulse_run(ref_dir / f"N1_K0.2_seed{s + 1}.h5", rng, 0.0)
    same = [str(_pulse_run(root / f"same{i}.h5", rng, 0.0)) for i in range(4)]
    early = [str(_pulse_run(root / f"early{i}.h5", rng, -1.0)) for i in range(4)]
    return root / "reference", same, early


def test_latency_of_a_step_response():
    """A rate step from 0 to r at t0 + d: half of the excess by d + (w - d) / 2."""
    ts = np.arange(703.05, 710.0, 0.1)  # one spike per 0.1 ms from 703 ms
    assert evoked.excess_latency(ts, 1, 700.0, 10.0, 0.0) == pytest.approx(6.45, abs=0.06)
    # the same spikes 1 ms earlier (all still in the window): 1 ms earlier
    assert evoked.excess_latency(ts - 1.0, 1, 700.0, 10.0, 0.0) == pytest.approx(5.45, abs=0.06)
    # nothing above the background: no latency
    assert np.isnan(evoked.excess_latency(np.array([701.0]), 1, 700.0, 10.0, 500.0))


def test_offset_latency_of_a_drop():
    """Regular spikes at 10 per ms stopping at t0 + 2: half of the missing
    spikes of [t0, t0 + 10) are missing at 2 + 8 / 2 = 6 ms."""
    ts = np.arange(740.05, 752.0, 0.1)
    assert evoked.deficit_latency(ts, 1, 750.0, 10.0, 10000.0) == pytest.approx(6.0, abs=0.06)


def test_peak_of_a_pulse():
    ts = np.concatenate([np.full(50, 705.0), np.full(10, 706.0)])
    rate, at = evoked.peak(ts, 10, 700.0, 30.0, 0.0)
    assert at == pytest.approx(5.0, abs=0.5)
    assert rate == pytest.approx(50 / 10 / 1e-3)


def test_one_ms_earlier_response_fails_as_an_ensemble(synthetic, tmp_path, capsys):
    ref_root, same, early = synthetic
    out = tmp_path / "v.json"
    code = cli.main(["verify", *same, "--reference-dir", str(ref_root), "--json", str(out)])
    text = capsys.readouterr().out
    assert code == 0, text
    result = json.loads(out.read_text())
    assert result["reference"]["set"] == "thalamic/N1_K0.2"
    assert result["rule"]["family"]["method"] == "permutation"
    assert result["rule"]["family"]["n_splits"] == 210  # 10 runs, 4 candidates
    code = cli.main(["verify", *early, "--reference-dir", str(ref_root), "--json", str(out)])
    text = capsys.readouterr().out
    assert code == 1, text
    failed = {(f["population"], f["statistic"]) for f in json.loads(out.read_text())["failures"]}
    assert {("L4E", "latency"), ("L4I", "latency")} <= failed, failed
    assert "FAILED" in text and "L4E latency" in text
    rows = {
        (c["population"], c["statistic"]): c for c in json.loads(out.read_text())["comparisons"]
    }
    assert rows["L4E", "latency"]["difference"] == pytest.approx(-1.0, abs=0.35)


def test_evoked_run_without_its_reference(synthetic, tmp_path):
    ref_root, same, _ = synthetic
    code = cli.main(["verify", same[0], "--reference-dir", str(ref_root), "--scale", "0.5"])
    assert code == 3


@pytest.mark.parametrize("name", ["scale0.2_dc_transient", "thalamic"])
def test_held_out_reference_responses_pass(reference_dir, name):
    path = os.path.join(reference_dir, "network", name)
    sets = [s for s in vf.list_reference_sets(path) if len(s.seed_files) >= 5]
    if not sets:
        pytest.skip(f"{path}: no evoked reference set")
    for ref in sets:
        res = evoked.leave_out_study(ref, k=1)
        assert res["pass_rate"] == 1.0, res["outcomes"]


def test_too_few_reference_seeds_is_not_a_verdict(reference_dir, capsys):
    """thalamic/full_scale has 2 seeds: one is left to compare a seed with."""
    path = os.path.join(reference_dir, "network", "thalamic", "full_scale_seed12.h5")
    if not os.path.exists(path):
        pytest.skip("thalamic reference not found")
    assert cli.main(["verify", path, "--reference-dir", reference_dir]) == 3
    assert "NOT JUDGED" in capsys.readouterr().out


def test_reference_file_is_read_with_its_stimulus(reference_dir):
    path = os.path.join(reference_dir, "network", "thalamic", "N1_K0.2_seed21.h5")
    if not os.path.exists(path):
        pytest.skip("thalamic reference not found")
    data = readers.read_sonata(path)
    assert data.meta["thalamic_input"] is True and data.meta["dc_transient"] is False
    assert evoked.stimulus_times(data.meta, "thalamic") == (700.0, 10.0)
