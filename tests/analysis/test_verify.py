"""Verification against the real reference data in data/reference."""
import json
import os

import numpy as np

from conftest import copy_sonata
from pd14analysis import cli, readers
from pd14analysis import statistics as st
from pd14analysis import verification as vf


def _verify(capsys, *argv):
    code = cli.main(["verify", *argv])
    out = capsys.readouterr().out
    return code, out


def test_reference_seed_passes_against_the_others(poisson_set, reference_dir, tmp_path, capsys):
    out_json = tmp_path / "verdict.json"
    code, out = _verify(
        capsys,
        os.path.join(poisson_set, "seed1.h5"),
        "--reference-dir",
        reference_dir,
        "--json",
        str(out_json),
    )
    assert code == 0, out
    result = json.loads(out_json.read_text())
    assert result["verdict"] == "pass"
    assert result["reference"]["set"] == "scale0.1_poisson"
    assert result["reference"]["excluded_seeds"] == ["seed1.h5"]
    # Every other seed of the set, in the order of their numbers.
    others = [os.path.basename(f) for f in vf.ReferenceSet(poisson_set).seed_files]
    others.remove("seed1.h5")
    assert result["reference"]["compared_seeds"] == others
    # 8 populations x 3 statistics x (KS distance, population mean)
    assert result["n_compared"] == 48 and result["n_failed"] == 0
    assert result["rule"]["family"]["method"] == "holm"
    assert "PASSED" in out


def test_copy_with_rates_shifted_by_20_percent_fails(poisson_set, reference_dir, tmp_path, capsys):
    rng = np.random.default_rng(1)

    def thin(pop, ids, ts):  # drop each spike with probability 0.2
        keep = rng.random(len(ts)) >= 0.2
        return ids[keep], ts[keep]

    shifted = copy_sonata(os.path.join(poisson_set, "seed1.h5"), tmp_path / "shifted.h5", thin)
    out_json = tmp_path / "verdict.json"
    code, out = _verify(
        capsys, str(shifted), "--reference-dir", reference_dir, "--json", str(out_json)
    )
    assert code == 1, out
    result = json.loads(out_json.read_text())
    assert result["verdict"] == "fail"
    # the copy is not a reference file: every seed of the set is compared
    assert len(result["reference"]["compared_seeds"]) == len(
        vf.ReferenceSet(poisson_set).seed_files
    )
    failed_rates = {f["population"] for f in result["failures"] if f["statistic"] == "rates"}
    assert len(failed_rates) >= 6, failed_rates
    assert "FAILED" in out
    for f in result["failures"]:  # the table names every failure
        assert any(
            line.split()[:3] == [f["population"], f["statistic"], f["test"]]
            and line.endswith("FAIL")
            for line in out.splitlines()
        ), f


def test_run_without_matching_reference_set_is_not_passed(
    poisson_set, reference_dir, tmp_path, capsys
):
    out_json = tmp_path / "v.json"
    code, out = _verify(
        capsys,
        os.path.join(poisson_set, "seed1.h5"),
        "--reference-dir",
        reference_dir,
        "--drive",
        "dc",
        "--json",
        str(out_json),
    )
    assert code == 3
    result = json.loads(out_json.read_text())
    assert result["verdict"] == "no_reference"
    assert "scale 0.1 with dc drive" in result["reason"]
    assert "NO REFERENCE" in out and "not a pass" in out
    code, _ = _verify(
        capsys,
        os.path.join(poisson_set, "seed2.h5"),
        "--reference-dir",
        reference_dir,
        "--scale",
        "0.3",
    )
    assert code == 3


def test_among_seed_distances_reproduce_summary_json(poisson_set):
    """Same statistics as the reference's summary.json: the rate and CV
    distances are reproduced exactly; the correlations (same subsample, default
    seed) up to the reference's floating-point tie-breaking (< 2e-3: the sparse
    L23E trains give few distinct correlation values, so many ties)."""
    ref = vf.ReferenceSet(poisson_set)
    stats = [st.compute_statistics(readers.read_sonata(f), 500.0, 10500.0) for f in ref.seed_files]
    # the verdict's own KS code, on the sorted distributions
    dists = vf.reference_statistics(ref.seed_files, (500.0, 10500.0), 200, 2.0, 12345)
    iu = np.triu_indices(len(dists), 1)
    assert st.ks_distance(stats[0]["L4E"].rates, stats[1]["L4E"].rates) == vf.ks_sorted(
        dists[0][1]["L4E", "rates"], dists[1][1]["L4E", "rates"]
    )
    for pop in stats[0]:
        for stat in st.STATISTICS:
            ds = vf.ks_matrix([d[1][pop, stat] for d in dists])[iu]
            entry = ref.summary["populations"][pop][f"ks_among_seeds_{stat}"]
            tol = 1e-12 if stat != "ccs" else 2e-3
            assert abs(np.mean(ds) - entry["mean"]) < tol, (pop, stat)
            assert abs(np.std(ds) - entry["sd"]) < tol, (pop, stat)
        for stat, key in (("rates", "mean_rate_Hz"), ("cvs", "mean_cv"), ("ccs", "mean_cc")):
            means = [float(np.mean(s[pop].distribution(stat))) for s in stats]
            assert np.allclose(
                means, ref.summary["populations"][pop][key], rtol=1e-9, atol=1e-15
            ), (pop, stat)


def test_shorter_window_cuts_the_reference(poisson_set):
    data = readers.read_sonata(os.path.join(poisson_set, "seed2.h5"))
    result = vf.verify(data, vf.ReferenceSet(poisson_set), 500.0, 3500.0)
    assert result["reference"]["analysis_window_ms"] == [500.0, 3500.0]
    assert result["verdict"] == "pass", vf.format_table(result)


def test_reference_seed_in_text_format_verifies_like_sonata(
    poisson_set, reference_dir, tmp_path, capsys
):
    """A run in the PyNEST reference's text format is analysed by the same
    code: convert seed 1 to spike_recorder-*.dat files and verify it."""
    data = readers.read_sonata(os.path.join(poisson_set, "seed1.h5"))
    first, ranges = 1, []
    senders, times = [], []
    for pop in data.populations:
        ranges.append((first, first + data.n_neurons[pop] - 1))
        senders.append(data.node_ids[pop] + first)
        times.append(data.times[pop])
        first += data.n_neurons[pop]
    senders, times = np.concatenate(senders), np.concatenate(times)
    half = len(senders) // 2  # two "threads"
    for thread, sl in enumerate((slice(0, half), slice(half, None))):
        with open(tmp_path / f"spike_recorder-77170-{thread}.dat", "w") as f:
            f.write(
                "# NEST version: 3.6.0\n# RecordingBackendASCII version: 2\n" "sender\ttime_ms\n"
            )
            np.savetxt(f, np.column_stack([senders[sl], times[sl]]), fmt="%d\t%.3f")
    np.savetxt(tmp_path / "population_nodeids.dat", np.array(ranges), fmt="%d")

    text = readers.read_spikes(str(tmp_path))
    assert text.meta["format"] == "nest-text"
    assert text.default_window()[:2] == (500.0, 10500.0)
    a = st.compute_statistics(text, 500.0, 10500.0)
    b = st.compute_statistics(data, 500.0, 10500.0)
    for pop in data.populations:
        assert np.array_equal(a[pop].rates, b[pop].rates)
        assert np.allclose(a[pop].cvs, b[pop].cvs, atol=1e-9)
        assert np.allclose(a[pop].ccs, b[pop].ccs, atol=1e-9)

    # no metadata in text output: without --scale/--drive there is no verdict
    code, out = _verify(capsys, str(tmp_path), "--reference-dir", reference_dir)
    assert code == 3 and "scale is unknown" in out
    code, out = _verify(
        capsys,
        str(tmp_path),
        "--reference-dir",
        reference_dir,
        "--scale",
        "0.1",
        "--drive",
        "poisson",
        "--exclude-seed",
        "1",
    )
    assert code == 0, out
    assert "excluded from the comparison" in out
