"""Verification of a run against the reference simulator's seeds.

Rule (the benchmark recipe of PD14: Dasbach et al. 2021, Senk et al. 2026):
for every population and statistic (rates, ISI CVs, correlations),

    D = mean over the reference seeds s of KS(candidate, seed s)

and the run passes that comparison when

    D <= mean + n_sd * SD   (n_sd = 3)

of the KS distances among the reference seeds themselves (all pairs; SD
with ddof = 0, as in summary.json). The verdict is "pass" only if every
comparison passes. The reference set is chosen by scale (N_scaling ==
K_scaling) and drive; a run that matches no set gets the verdict
"no_reference", which is not a pass.

The among-seed distances come from the set's summary.json when the analysis
settings are the ones it was made with (full window, 2 ms bins, 200-neuron
subsamples drawn with seed 12345); otherwise they are recomputed from the
seed files with the candidate's settings.
"""

import filecmp
import glob
import itertools
import json
import math
import os
import re

import numpy as np
import h5py

from . import POPULATIONS
from . import readers
from . import statistics as st

N_SD_DEFAULT = 3.0
SUMMARY_SETTINGS = {"n_sample": 200, "bin_ms": 2.0, "seed": 12345}
_TOL_MS = 1e-6


class ReferenceSet:
    """One directory ``network/<scale>_<drive>/`` of reference seeds."""

    def __init__(self, path):
        self.path = os.path.abspath(path)
        self.name = os.path.basename(self.path.rstrip(os.sep))
        files = glob.glob(os.path.join(self.path, "seed*.h5"))

        def seed_no(fn):
            m = re.search(r"seed(\d+)\.h5$", fn)
            return int(m.group(1)) if m else 0
        self.seed_files = sorted(files, key=seed_no)
        self.seed_numbers = [seed_no(f) for f in self.seed_files]
        if not self.seed_files:
            raise ValueError(f"{path}: no seed*.h5 files")
        with h5py.File(self.seed_files[0], "r") as f:
            meta = readers._meta_from_attrs(f.attrs)
        m = re.match(r"scale([0-9.]+)_(\w+)$", self.name)
        self.scale = meta.get("N_scaling", float(m.group(1)) if m else None)
        self.k_scale = meta.get("K_scaling", self.scale)
        self.drive = meta.get("drive", m.group(2) if m else None)
        start = meta.get("t_presim", meta.get("recorded_from_ms"))
        stop = (meta["t_presim"] + meta["t_sim"]) if "t_presim" in meta and \
            "t_sim" in meta else meta.get("recorded_until_ms")
        self.window = (start, stop)
        summary = os.path.join(self.path, "summary.json")
        self.summary = None
        if os.path.exists(summary):
            with open(summary) as f:
                self.summary = json.load(f)

    def describe(self):
        return {"set": self.name, "path": self.path, "scale": self.scale,
                "drive": self.drive, "seeds": [os.path.basename(f) for f in self.seed_files],
                "window_ms": list(self.window)}


def default_reference_dir():
    """Where the reference data is, or None.

    $PD14_REFERENCE_DIR if set, else ``data/reference`` of the repository
    that holds this tool (found from the tool's own path, so it does not
    depend on the working directory).
    """
    env = os.environ.get("PD14_REFERENCE_DIR")
    if env:
        return env if os.path.isdir(env) else None
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    path = os.path.join(repo, "data", "reference")
    return path if os.path.isdir(path) else None


def list_reference_sets(ref_dir):
    """All reference sets under ``ref_dir``.

    ``ref_dir`` may be the reference root (with ``network/``), the
    ``network`` directory, or one set directory itself.
    """
    if ref_dir is None or not os.path.isdir(ref_dir):
        return []
    if glob.glob(os.path.join(ref_dir, "seed*.h5")):
        return [ReferenceSet(ref_dir)]
    base = os.path.join(ref_dir, "network")
    base = base if os.path.isdir(base) else ref_dir
    sets = []
    for d in sorted(glob.glob(os.path.join(base, "*"))):
        if os.path.isdir(d) and glob.glob(os.path.join(d, "seed*.h5")):
            sets.append(ReferenceSet(d))
    return sets


def select_reference_set(sets, n_scaling, k_scaling, drive):
    """(ReferenceSet, None) for the matching set or (None, reason)."""
    if not sets:
        return None, "no reference data found (use --reference-dir or PD14_REFERENCE_DIR)"
    if n_scaling is None or k_scaling is None:
        return None, "the run's scale is unknown (give --scale)"
    if drive is None:
        return None, "the run's drive is unknown (give --drive)"
    available = ", ".join(f"{s.name} (scale {s.scale:g}, {s.drive})" for s in sets)
    if not math.isclose(n_scaling, k_scaling, rel_tol=1e-9):
        return None, (f"N_scaling {n_scaling:g} != K_scaling {k_scaling:g}: no reference "
                      f"set has that; available: {available}")
    for s in sets:
        if s.scale is not None and math.isclose(s.scale, n_scaling, rel_tol=1e-9) \
                and s.k_scale is not None and math.isclose(s.k_scale, k_scaling, rel_tol=1e-9) \
                and str(s.drive).lower() == str(drive).lower():
            return s, None
    return None, (f"no reference set for scale {n_scaling:g} with {drive} drive; "
                  f"available: {available}")


def _same_file(a, b):
    try:
        if os.path.samefile(a, b):
            return True
        return os.path.getsize(a) == os.path.getsize(b) and filecmp.cmp(a, b, shallow=False)
    except OSError:
        return False


def _ks_or_empty(a, b):
    """KS distance; 0 if both samples are empty, 1 if only one is."""
    if len(a) == 0 and len(b) == 0:
        return None
    if len(a) == 0 or len(b) == 0:
        return 1.0
    return st.ks_distance(a, b)


def _mean(a):
    return float(np.mean(a)) if a is not None and len(a) else None


def verify(data, ref_set, t_start, t_stop, n_sd=N_SD_DEFAULT,
           n_sample=st.DEFAULT_N_SAMPLE, bin_ms=st.DEFAULT_BIN_MS,
           seed=st.DEFAULT_SEED, exclude_seeds=(), recompute=False):
    """Judge ``data`` (a SpikeData) over [t_start, t_stop) against ``ref_set``.

    Returns the result as a JSON-ready dict (see docs/analysis.md).
    """
    notes = []
    r0, r1 = ref_set.window
    length = t_stop - t_start
    ref_length = r1 - r0
    if length > ref_length + _TOL_MS:
        t_stop = t_start + ref_length
        notes.append(f"run window longer than the reference's; compared over "
                     f"[{t_start:g}, {t_stop:g}) ms")
        length = ref_length
    ref_window = (r0, r1)
    if length < ref_length - _TOL_MS:
        ref_window = (r0, r0 + length)
        notes.append(f"run window shorter than the reference's; reference seeds "
                     f"analysed over [{ref_window[0]:g}, {ref_window[1]:g}) ms")

    # the candidate itself may be one of the reference seeds
    compared, excluded = [], []
    cand_path = data.meta.get("path")
    for fn, no in zip(ref_set.seed_files, ref_set.seed_numbers):
        if no in set(exclude_seeds) or (cand_path and os.path.isfile(cand_path)
                                        and _same_file(cand_path, fn)):
            excluded.append(fn)
        else:
            compared.append(fn)
    if excluded:
        notes.append("excluded from the comparison (the run itself): "
                     + ", ".join(os.path.basename(f) for f in excluded))
    if not compared:
        raise ValueError("no reference seed left to compare with")

    settings = {"n_sample": int(n_sample), "bin_ms": float(bin_ms), "seed": int(seed)}
    use_summary = (not recompute and ref_set.summary is not None
                   and ref_window == ref_set.window and settings == SUMMARY_SETTINGS)
    if use_summary:
        pops = ref_set.summary.get("populations", {})
        populations = [p for p in POPULATIONS if p in pops] + \
            [p for p in pops if p not in POPULATIONS]
        use_summary = bool(populations) and all(
            f"ks_among_seeds_{s}" in pops[p] for p in populations for s in st.STATISTICS)

    cand_stats = st.compute_statistics(data, t_start, t_stop, n_sample=n_sample,
                                       bin_ms=bin_ms, seed=seed)
    ref_stats = {}
    for fn in ref_set.seed_files:
        if fn in compared or not use_summary:
            rd = readers.read_sonata(fn)
            ref_stats[fn] = st.compute_statistics(rd, ref_window[0], ref_window[1],
                                                  n_sample=n_sample, bin_ms=bin_ms,
                                                  seed=seed)
    if not use_summary:
        populations = list(ref_stats[compared[0]])

    comparisons = []
    for pop in populations:
        missing = pop not in cand_stats
        if not missing:
            n_ref = ref_stats[compared[0]][pop].n_neurons
            if cand_stats[pop].n_neurons != n_ref:
                notes.append(f"{pop}: {cand_stats[pop].n_neurons} neurons in the run, "
                             f"{n_ref} in the reference")
        for stat in st.STATISTICS:
            row = {"population": pop, "statistic": stat}
            # among-seed distances
            if use_summary:
                entry = ref_set.summary["populations"][pop][f"ks_among_seeds_{stat}"]
                among_mean, among_sd = float(entry["mean"]), float(entry["sd"])
                n_pairs = None
            else:
                ds = []
                for a, b in itertools.combinations(ref_set.seed_files, 2):
                    d = _ks_or_empty(ref_stats[a][pop].distribution(stat),
                                     ref_stats[b][pop].distribution(stat))
                    if d is not None:
                        ds.append(d)
                among_mean = float(np.mean(ds)) if ds else None
                among_sd = float(np.std(ds)) if ds else None
                n_pairs = len(ds)
            threshold = among_mean + n_sd * among_sd if among_mean is not None else None
            ref_dists = [ref_stats[fn][pop].distribution(stat) for fn in compared]
            ref_means = [m for m in (_mean(d) for d in ref_dists) if m is not None]
            row.update(among_seeds_mean=among_mean, among_seeds_sd=among_sd,
                       threshold=threshold,
                       reference_mean=float(np.mean(ref_means)) if ref_means else None)
            if n_pairs is not None:
                row["among_seeds_pairs"] = n_pairs
            if missing:
                row.update(ks=1.0, ks_per_seed=None, candidate_mean=None, n_candidate=0,
                           status="fail", note="population missing in the run")
                comparisons.append(row)
                continue
            cand = cand_stats[pop].distribution(stat)
            per_seed = [_ks_or_empty(cand, d) for d in ref_dists]
            valid = [d for d in per_seed if d is not None]
            ks = float(np.mean(valid)) if valid else None
            row.update(ks=ks, ks_per_seed=per_seed, n_candidate=int(len(cand)),
                       candidate_mean=_mean(cand))
            if ks is None:
                row["status"] = "n/a"
                row["note"] = "empty in the run and in the reference"
            elif threshold is None:
                row["status"] = "fail"
                row["note"] = "empty in the reference but not in the run"
            else:
                row["status"] = "pass" if ks <= threshold + 1e-12 else "fail"
            comparisons.append(row)

    for pop in cand_stats:
        if pop not in populations:
            notes.append(f"{pop}: not in the reference, not compared")

    failures = [{"population": r["population"], "statistic": r["statistic"],
                 "ks": r["ks"], "threshold": r["threshold"]}
                for r in comparisons if r["status"] == "fail"]
    n_compared = sum(1 for r in comparisons if r["status"] != "n/a")
    ref = ref_set.describe()
    ref.update(compared_seeds=[os.path.basename(f) for f in compared],
               excluded_seeds=[os.path.basename(f) for f in excluded],
               analysis_window_ms=list(ref_window),
               thresholds_from="summary.json" if use_summary else "seed files")
    return {
        "verdict": "fail" if failures else "pass",
        "reason": None,
        "candidate": _candidate_info(data, t_start, t_stop),
        "reference": ref,
        "rule": {"distance": "mean over the compared reference seeds of the "
                             "two-sample Kolmogorov-Smirnov distance",
                 "threshold": f"mean + {n_sd:g} SD of the KS distances among the "
                              "reference seeds (all pairs)",
                 "n_sd": float(n_sd)},
        "settings": settings,
        "notes": notes,
        "n_compared": n_compared,
        "n_failed": len(failures),
        "failures": failures,
        "comparisons": comparisons,
    }


def _candidate_info(data, t_start, t_stop):
    m = data.meta
    return {"path": m.get("path"), "format": m.get("format"),
            "N_scaling": m.get("N_scaling"), "K_scaling": m.get("K_scaling"),
            "drive": m.get("drive"), "seed": m.get("seed"),
            "window_ms": [float(t_start), float(t_stop)]}


def no_reference_result(data, t_start, t_stop, reason, sets=()):
    """The result for a run that has no matching reference set."""
    return {
        "verdict": "no_reference",
        "reason": reason,
        "candidate": _candidate_info(data, t_start, t_stop),
        "reference": None,
        "available_sets": [s.describe() for s in sets],
        "notes": [],
        "n_compared": 0, "n_failed": 0, "failures": [], "comparisons": [],
    }


def _fmt(x, spec=".4f"):
    return "-" if x is None else format(x, spec)


def format_table(result):
    """Human-readable report of a verification result."""
    lines = []
    if result["verdict"] == "no_reference":
        lines.append("NO REFERENCE: " + result["reason"])
        lines.append("The run was not verified (this is not a pass).")
        return "\n".join(lines)
    ref = result["reference"]
    lines.append(f"Reference set {ref['set']}: compared with "
                 f"{', '.join(ref['compared_seeds'])}; among-seed distances from "
                 f"{ref['thresholds_from']}")
    c = result["candidate"]
    lines.append(f"Run: {c['path']}  window [{c['window_ms'][0]:g}, "
                 f"{c['window_ms'][1]:g}) ms")
    lines.append(f"Rule: KS = {result['rule']['distance']}; pass if KS <= "
                 f"{result['rule']['threshold']}")
    for n in result["notes"]:
        lines.append("note: " + n)
    header = (f"{'population':<10} {'statistic':<9} {'KS':>7} {'threshold':>9} "
              f"{'run mean':>10} {'ref mean':>10}  result")
    lines.append(header)
    lines.append("-" * len(header))
    for r in result["comparisons"]:
        mark = {"pass": "pass", "fail": "FAIL", "n/a": "n/a"}[r["status"]]
        lines.append(f"{r['population']:<10} {r['statistic']:<9} {_fmt(r['ks']):>7} "
                     f"{_fmt(r['threshold']):>9} {_fmt(r['candidate_mean'], '.5g'):>10} "
                     f"{_fmt(r['reference_mean'], '.5g'):>10}  {mark}"
                     + (f"  ({r['note']})" if r.get("note") else ""))
    if result["failures"]:
        lines.append(f"FAILED {result['n_failed']} of {result['n_compared']} comparisons: "
                     + ", ".join(f"{f['population']} {f['statistic']}"
                                 for f in result["failures"]))
    else:
        lines.append(f"PASSED: all {result['n_compared']} comparisons within the "
                     "reference's own seed-to-seed variation")
    return "\n".join(lines)


def pooled_reference(ref_set, length_ms, n_sample=st.DEFAULT_N_SAMPLE,
                     bin_ms=st.DEFAULT_BIN_MS, seed=st.DEFAULT_SEED, exclude_path=None):
    """Distributions pooled over a set's seeds, for drawing under a run's.

    The seeds are analysed over [start, start + length) of their window (at
    most their whole window); a seed file identical to ``exclude_path`` (the
    run itself) is left out. Returns dict pop -> dict stat -> array.
    """
    r0, r1 = ref_set.window
    stop = min(r1, r0 + length_ms)
    pooled = {}
    for fn in ref_set.seed_files:
        if exclude_path and os.path.isfile(exclude_path) and _same_file(exclude_path, fn):
            continue
        stats = st.compute_statistics(readers.read_sonata(fn), r0, stop,
                                      n_sample=n_sample, bin_ms=bin_ms, seed=seed)
        for pop, ps in stats.items():
            for stat in st.STATISTICS:
                pooled.setdefault(pop, {}).setdefault(stat, []).append(
                    ps.distribution(stat))
    return {p: {s: np.concatenate(v) for s, v in d.items()} for p, d in pooled.items()}
