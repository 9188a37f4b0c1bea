"""The calibrated verdict: runs of the reference simulator pass, known
defects fail, an ensemble of runs is judged together (docs/analysis.md)."""
import json
import os

import numpy as np
import pytest

from conftest import copy_sonata
from pd14analysis import cli, readers
from pd14analysis import verification as vf


@pytest.fixture(scope="module")
def dc_set(reference_dir):
    path = os.path.join(reference_dir, "network", "scale0.2_dc")
    if not os.path.exists(os.path.join(path, "seed1.h5")):
        pytest.skip(f"reference set {path} not found")
    return vf.ReferenceSet(path)


def _thin(pop, frac, seed):
    """Drop each spike of ``pop`` with probability ``frac``: its rate falls
    by that fraction, its distributions keep their shape."""
    rng = np.random.default_rng(seed)

    def transform(p, ids, ts):
        if p != pop:
            return ids, ts
        keep = rng.random(len(ts)) >= frac
        return ids[keep], ts[keep]

    return transform


def test_held_out_reference_seeds_pass(poisson_set, dc_set):
    """Leave-one-out: every seed judged against the others, as verify does."""
    for ref in (vf.ReferenceSet(poisson_set), dc_set):
        res = vf.leave_out_study(ref, k=1)
        assert res["pass_rate"] >= 0.95, (ref.name, res["outcomes"])
        assert res["n_subsets"] == len(ref.seed_files)


def test_permutation_test_of_held_out_ensembles_is_exact(dc_set):
    """Every held-out triple is one split of the same 7 seeds, so exactly
    the most extreme of the 35 splits fails at alpha 0.05 (1/35 <= 0.05 < 2/35)."""
    res = vf.leave_out_study(dc_set, k=3)
    assert res["n_subsets"] == 35 and res["n_passed"] == 34


def test_small_rate_change_fails_by_the_population_mean(poisson_set, tmp_path):
    """L4I rates 3 % low: the KS distance does not see it, the mean does
    (over the seeds L4I's mean rate varies by 0.4 %)."""
    copy = copy_sonata(
        os.path.join(poisson_set, "seed1.h5"), tmp_path / "l4i.h5", _thin("L4I", 0.03, 1)
    )
    result = vf.verify(readers.read_sonata(str(copy)), vf.ReferenceSet(poisson_set), 500.0, 10500.0)
    assert result["verdict"] == "fail"
    failed = {(f["population"], f["statistic"], f["test"]) for f in result["failures"]}
    assert failed == {("L4I", "rates", "mean")}
    ks_row = [
        c
        for c in result["comparisons"]
        if c["population"] == "L4I" and c["statistic"] == "rates" and c["test"] == "ks"
    ][0]
    assert ks_row["status"] == "pass"


def test_ensemble_is_more_sensitive_than_its_runs(poisson_set, reference_dir, tmp_path, capsys):
    """Three seeds with L4I rates 1.2 % low: each passes alone, the three
    together fail (permutation test between the ensembles), naming L4I."""
    files = [
        str(
            copy_sonata(
                os.path.join(poisson_set, f"seed{s}.h5"),
                tmp_path / f"s{s}.h5",
                _thin("L4I", 0.012, s),
            )
        )
        for s in (1, 2, 3)
    ]
    for f in files:
        assert cli.main(["verify", f, "--reference-dir", reference_dir]) == 0
    out_json = tmp_path / "ensemble.json"
    code = cli.main(["verify", *files, "--reference-dir", reference_dir, "--json", str(out_json)])
    out = capsys.readouterr().out
    assert code == 1, out
    result = json.loads(out_json.read_text())
    assert result["rule"]["family"]["method"] == "permutation"
    assert result["rule"]["n_runs"] == 3
    assert [(f["population"], f["statistic"]) for f in result["failures"]] == [("L4I", "rates")]
    assert "FAILED 1 of 48 tests: L4I rates (mean)" in out


def test_ensemble_of_reference_seeds_passes(dc_set, reference_dir, tmp_path):
    """Three seed files as one ensemble: all three are left out of the
    reference, the other four seeds judge them (35 splits)."""
    out_json = tmp_path / "v.json"
    code = cli.main(
        [
            "verify",
            *(os.path.join(dc_set.path, f"seed{s}.h5") for s in (1, 2, 3)),
            "--reference-dir",
            reference_dir,
            "--json",
            str(out_json),
        ]
    )
    result = json.loads(out_json.read_text())
    assert code == 0, result["failures"]
    assert result["reference"]["excluded_seeds"] == ["seed1.h5", "seed2.h5", "seed3.h5"]
    assert len(result["reference"]["compared_seeds"]) == 4
    assert len(result["candidates"]) == 3
    assert result["rule"]["family"]["n_splits"] == 35


def test_ensemble_runs_must_match(poisson_set, reference_dir, capsys):
    """Runs of different configurations are no ensemble."""
    code = cli.main(
        [
            "verify",
            os.path.join(poisson_set, "seed1.h5"),
            os.path.join(reference_dir, "network", "scale0.2_dc", "seed1.h5"),
            "--reference-dir",
            reference_dir,
        ]
    )
    assert code == 2
    assert "differs" in capsys.readouterr().err


def test_holm_adjustment():
    p = np.array([0.01, 0.04, 0.03, 0.005])
    # sorted 0.005, 0.01, 0.03, 0.04 -> 0.02, 0.03, 0.06, 0.06 (monotone)
    assert np.allclose(vf.holm(p, 0.05), [0.03, 0.06, 0.06, 0.02])
