"""Verification of one run, or an ensemble of runs, against the reference seeds.

The statistics are the benchmark recipe's (Dasbach et al. 2021): per-neuron
firing rates, ISI CVs and 2 ms spike-count correlations of every population.
Two kinds of test are made for every population and statistic:

* ``ks``: the distribution. D(run) = mean over the compared reference seeds
  of the two-sample KS distance between the run's distribution and the
  seed's. Its null distribution is learnt from the reference seeds
  themselves by leaving each out: D_j = mean KS distance of seed j to the
  other seeds. Too large a distance fails (one-sided).
* ``mean``: the population mean (mean rate, mean CV, mean correlation) against
  the per-seed means of the reference seeds (two-sided). Over seeds these
  vary by only 0.4-3 % for rates, so the means catch shifts the KS
  distances miss.

Each test gives a prediction t-score (x: the reference values, m of them; y:
the candidate's value, averaged over its k runs; log D for the distances):

    t = (y - mean(x)) / (SD(x) * sqrt(1/k + 1/m))

and a p-value from Student's t: with m - 1 degrees of freedom for the mean
rates (per-seed means of hundreds of neurons, Gaussian over seeds), and with
HEAVY_TAIL_DOF (3) for the distances and the mean CVs and correlations, whose
values over seeds have heavier tails (one seed in 25 lies 3-4 SD out in most
of them; docs/analysis.md).

The family (all populations, both kinds, all statistics) is judged together
at level alpha (0.05):

* one run: Bonferroni-Holm on the p-values;
* several runs (k >= 2), when the runs and the reference seeds can be split
  into at least 1 / alpha groups of k: a permutation test between the
  ensembles. The same p-values are computed for every split of the n + k
  runs into k "candidates" and n "references" (all splits, or
  MAX_PERMUTATIONS random ones); the family threshold is the alpha-quantile
  of the smallest p-value over the splits (single-step min-P). Exact when
  the candidate runs are exchangeable with the reference seeds.

A test fails when its family-adjusted p-value is <= alpha; the verdict is
"pass" only if none fails. The reference set is chosen by scale
(N_scaling == K_scaling), drive and stimulus; a run that matches no set gets
the verdict "no_reference", which is not a pass.
"""

import filecmp
import glob
import itertools
import json
import math
import os
import re

import numpy as np
from scipy import stats as sstats

from . import POPULATIONS
from . import readers
from . import statistics as st

ALPHA_DEFAULT = 0.05
HEAVY_TAIL_DOF = 3
MAX_PERMUTATIONS = 5000
PERMUTATION_SEED = 20251204
KINDS = ("ks", "mean")
_TOL_MS = 1e-6
_D_FLOOR = 1e-9


# --------------------------------------------------------------------------
# reference sets


class ReferenceSet:
    """Seed files of one configuration: ``<dir>/<prefix>seed<N>.h5``.

    The reference directory holds one set per directory (``scale0.1_poisson``)
    or several distinguished by a prefix (``thalamic/N1_K0.2_seed21.h5``).
    """

    def __init__(self, path, files=None, prefix=""):
        self.path = os.path.abspath(path)
        base = os.path.basename(self.path.rstrip(os.sep))
        self.prefix = prefix
        self.name = base + ("/" + prefix.rstrip("_") if prefix else "")
        if files is None:
            files = glob.glob(os.path.join(self.path, f"{prefix}seed*.h5"))

        def seed_no(fn):
            m = re.search(r"seed(\d+)\.h5$", fn)
            return int(m.group(1)) if m else 0

        self.seed_files = sorted(files, key=seed_no)
        self.seed_numbers = [seed_no(f) for f in self.seed_files]
        if not self.seed_files:
            raise ValueError(f"{path}: no {prefix}seed*.h5 files")
        import h5py

        with h5py.File(self.seed_files[0], "r") as f:
            meta = readers._meta_from_attrs(f.attrs)
        m = re.match(r"scale([0-9.]+)_([a-z]+)", base)
        self.scale = meta.get("N_scaling", float(m.group(1)) if m else None)
        self.k_scale = meta.get("K_scaling", self.scale)
        self.drive = meta.get("drive", m.group(2) if m else None)
        self.thalamic_input = bool(meta.get("thalamic_input", False))
        self.dc_transient = bool(meta.get("dc_transient", False))
        self.meta = meta
        start = meta.get("t_presim", meta.get("recorded_from_ms"))
        stop = (
            (meta["t_presim"] + meta["t_sim"])
            if "t_presim" in meta and "t_sim" in meta
            else meta.get("recorded_until_ms")
        )
        self.window = (start, stop)
        summary = os.path.join(self.path, "summary.json")
        self.summary = None
        if not prefix and os.path.exists(summary):
            with open(summary) as f:
                self.summary = json.load(f)

    @property
    def stimulus(self):
        return stimulus_kind(self.thalamic_input, self.dc_transient)

    def describe(self):
        return {
            "set": self.name,
            "path": self.path,
            "scale": self.scale,
            "K_scaling": self.k_scale,
            "drive": self.drive,
            "stimulus": self.stimulus,
            "seeds": [os.path.basename(f) for f in self.seed_files],
            "window_ms": list(self.window),
        }


def stimulus_kind(thalamic_input, dc_transient):
    """'none', 'thalamic', 'dc_transient' or 'thalamic+dc_transient'."""
    kinds = [k for k, on in (("thalamic", thalamic_input), ("dc_transient", dc_transient)) if on]
    return "+".join(kinds) or "none"


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


def _sets_in_dir(d):
    groups = {}
    for fn in glob.glob(os.path.join(d, "*seed*.h5")):
        m = re.match(r"(.*?)seed\d+\.h5$", os.path.basename(fn))
        if m:
            groups.setdefault(m.group(1), []).append(fn)
    return [ReferenceSet(d, files, prefix) for prefix, files in sorted(groups.items())]


def list_reference_sets(ref_dir):
    """All reference sets under ``ref_dir``.

    ``ref_dir`` may be the reference root (with ``network/``), the
    ``network`` directory, or one set directory itself.
    """
    if ref_dir is None or not os.path.isdir(ref_dir):
        return []
    if glob.glob(os.path.join(ref_dir, "*seed*.h5")):
        return _sets_in_dir(ref_dir)
    base = os.path.join(ref_dir, "network")
    base = base if os.path.isdir(base) else ref_dir
    sets = []
    for d in sorted(glob.glob(os.path.join(base, "*"))):
        if os.path.isdir(d):
            sets.extend(_sets_in_dir(d))
    return sets


def select_reference_set(
    sets, n_scaling, k_scaling, drive, stimulus="none", require_equal_scaling=True
):
    """(ReferenceSet, None) for the matching set or (None, reason)."""
    if not sets:
        return None, "no reference data found (use --reference-dir or PD14_REFERENCE_DIR)"
    if n_scaling is None or k_scaling is None:
        return None, "the run's scale is unknown (give --scale)"
    if drive is None:
        return None, "the run's drive is unknown (give --drive)"
    available = ", ".join(
        f"{s.name} (N {s.scale:g}, K {s.k_scale:g}, {s.drive}, " f"stimulus {s.stimulus})"
        for s in sets
    )
    if require_equal_scaling and not math.isclose(n_scaling, k_scaling, rel_tol=1e-9):
        return None, (
            f"N_scaling {n_scaling:g} != K_scaling {k_scaling:g}: no reference "
            f"set has that; available: {available}"
        )
    for s in sets:
        if (
            s.scale is not None
            and math.isclose(s.scale, n_scaling, rel_tol=1e-9)
            and s.k_scale is not None
            and math.isclose(s.k_scale, k_scaling, rel_tol=1e-9)
            and str(s.drive).lower() == str(drive).lower()
            and s.stimulus == stimulus
        ):
            return s, None
    scale = (
        f"scale {n_scaling:g}"
        if math.isclose(n_scaling, k_scaling, rel_tol=1e-9)
        else f"N_scaling {n_scaling:g}, K_scaling {k_scaling:g}"
    )
    return None, (
        f"no reference set for {scale} with {drive} drive"
        + ("" if stimulus == "none" else f" and stimulus {stimulus}")
        + f"; available: {available}"
    )


def _same_file(a, b):
    try:
        if os.path.samefile(a, b):
            return True
        return os.path.getsize(a) == os.path.getsize(b) and filecmp.cmp(a, b, shallow=False)
    except OSError:
        return False


def split_reference(ref_set, candidate_paths, exclude_seeds=()):
    """(compared seed files, excluded seed files): a candidate that is itself a
    seed file, and seeds named in ``exclude_seeds``, are left out."""
    compared, excluded = [], []
    for fn, no in zip(ref_set.seed_files, ref_set.seed_numbers):
        own = any(p and os.path.isfile(p) and _same_file(p, fn) for p in candidate_paths)
        if no in set(exclude_seeds) or own:
            excluded.append(fn)
        else:
            compared.append(fn)
    return compared, excluded


def analysis_windows(ref_window, t_start, t_stop):
    """(candidate window, reference window, notes): compare equal lengths."""
    notes = []
    r0, r1 = ref_window
    length, ref_length = t_stop - t_start, r1 - r0
    if length > ref_length + _TOL_MS:
        t_stop = t_start + ref_length
        notes.append(
            f"run window longer than the reference's; compared over "
            f"[{t_start:g}, {t_stop:g}) ms"
        )
        length = ref_length
    ref_window = (r0, r1)
    if length < ref_length - _TOL_MS:
        ref_window = (r0, r0 + length)
        notes.append(
            f"run window shorter than the reference's; reference seeds "
            f"analysed over [{ref_window[0]:g}, {ref_window[1]:g}) ms"
        )
    return (t_start, t_stop), ref_window, notes


# --------------------------------------------------------------------------
# statistics of the runs

_STATS_CACHE = {}


def _sorted_distributions(stats):
    return {
        (p, s): np.sort(np.asarray(stats[p].distribution(s), dtype=np.float64))
        for p in stats
        for s in st.STATISTICS
    }


def reference_statistics(files, window, n_sample, bin_ms, seed):
    """Sorted distributions of each seed file (memoised within the process)."""
    out = []
    for fn in files:
        key = (os.path.abspath(fn), os.path.getmtime(fn), tuple(window), n_sample, bin_ms, seed)
        if key not in _STATS_CACHE:
            stats = st.compute_statistics(
                readers.read_sonata(fn),
                window[0],
                window[1],
                n_sample=n_sample,
                bin_ms=bin_ms,
                seed=seed,
            )
            _STATS_CACHE[key] = (
                {p: stats[p].n_neurons for p in stats},
                _sorted_distributions(stats),
            )
        out.append(_STATS_CACHE[key])
    return out


def ks_sorted(a, b):
    """Two-sample KS distance of two sorted, non-empty samples."""
    x = np.concatenate([a, b])
    fa = np.searchsorted(a, x, side="right") / len(a)
    fb = np.searchsorted(b, x, side="right") / len(b)
    return float(np.max(np.abs(fa - fb)))


_KS_CACHE = {}


def ks_matrix(samples, n_cached=0, cache_key=None):
    """Symmetric matrix of KS distances; NaN where a sample is empty.

    The block of the first ``n_cached`` samples (the reference seeds) is kept
    under ``cache_key``: judging several runs against one set computes the
    seeds' distances among each other once.
    """
    n = len(samples)
    mat = np.zeros((n, n))
    start = 0
    if cache_key is not None and cache_key in _KS_CACHE:
        mat[:n_cached, :n_cached] = _KS_CACHE[cache_key]
        start = n_cached
    for i, j in itertools.combinations(range(n), 2):
        if j < start:
            continue
        a, b = samples[i], samples[j]
        d = ks_sorted(a, b) if len(a) and len(b) else math.nan
        mat[i, j] = mat[j, i] = d
    if cache_key is not None and cache_key not in _KS_CACHE:
        _KS_CACHE[cache_key] = mat[:n_cached, :n_cached].copy()
    return mat


# --------------------------------------------------------------------------
# the tests


def dof_cap(stat, kind):
    """Degrees of freedom of a test's Student t at most: the mean rates are
    Gaussian over seeds (n_seeds - 1), the others heavier-tailed."""
    return None if (kind == "mean" and stat == "rates") else HEAVY_TAIL_DOF


class TestFamily:
    """The tests of all populations and statistics over runs 0..N-1.

    ``ks[t]`` is the N x N KS matrix of test t, ``means[t]`` the N per-run
    values of a scalar test (a mean or an evoked measure); ``dof_caps[t]``
    caps the degrees of freedom of test t's Student t (None: n_refs - 1).
    """

    def __init__(self, names, ks, means, dof_caps):
        self.names = names  # list of (pop, stat, kind)
        self.ks_index = [i for i, n in enumerate(names) if n[2] == "ks"]
        self.mean_index = [i for i, n in enumerate(names) if n[2] != "ks"]  # means, evoked
        self.ks = np.array(ks) if ks else np.zeros((0, 0, 0))
        self.means = np.array(means) if means else np.zeros((0, 0))
        self.dof_caps = np.array([np.inf if c is None else c for c in dof_caps], dtype=float)

    def scores(self, cand, refs, pooled=False):
        """(t-scores, p-values, values, centers, scales) of candidates vs refs.

        ``pooled``: the SD pooled over the reference and the candidate runs
        (a two-sample t with m + k - 2 degrees of freedom), for ensembles;
        otherwise the references' SD alone (a prediction t, m - 1).
        """
        cand, refs = np.asarray(cand), np.asarray(refs)
        k, m = len(cand), len(refs)
        pooled = pooled and k >= 2
        n_tests = len(self.names)
        t = np.zeros(n_tests)
        y_out, c_out, s_out = np.zeros(n_tests), np.zeros(n_tests), np.zeros(n_tests)
        factor = math.sqrt(1.0 / k + 1.0 / m)
        if self.ks_index:
            sub = self.ks[:, refs][:, :, refs]
            x = np.log(np.maximum(sub.sum(axis=2) / (m - 1), _D_FLOOR))
            y = np.log(np.maximum(self.ks[:, cand][:, :, refs].mean(axis=2), _D_FLOOR))
            self._fill(t, y_out, c_out, s_out, self.ks_index, x, y, factor, pooled)
        if self.mean_index:
            self._fill(
                t,
                y_out,
                c_out,
                s_out,
                self.mean_index,
                self.means[:, refs],
                self.means[:, cand],
                factor,
                pooled,
            )
        dof = np.minimum(self.dof_caps, m + k - 2 if pooled else m - 1)
        p = np.empty(n_tests)
        ks_i, mean_i = np.array(self.ks_index, int), np.array(self.mean_index, int)
        p[ks_i] = sstats.t.sf(t[ks_i], dof[ks_i])
        p[mean_i] = np.minimum(1.0, 2.0 * sstats.t.sf(np.abs(t[mean_i]), dof[mean_i]))
        return t, p, y_out, c_out, s_out

    @staticmethod
    def _fill(t, y_out, c_out, s_out, index, x, ys, factor, pooled):
        """x: tests x refs, ys: tests x candidates."""
        center = x.mean(axis=1)
        y = ys.mean(axis=1)
        if pooled:
            ss = ((x - center[:, None]) ** 2).sum(axis=1) + ((ys - y[:, None]) ** 2).sum(axis=1)
            scale = np.sqrt(ss / (x.shape[1] + ys.shape[1] - 2))
        else:
            scale = x.std(axis=1, ddof=1)
        diff = y - center
        with np.errstate(divide="ignore", invalid="ignore"):
            tt = np.where(
                scale > 0, diff / (scale * factor), np.where(diff == 0, 0.0, np.sign(diff) * np.inf)
            )
        t[index], y_out[index], c_out[index], s_out[index] = tt, y, center, scale


def holm(p, alpha):
    """Holm-adjusted p-values (reject where <= alpha)."""
    p = np.asarray(p, dtype=float)
    order = np.argsort(p, kind="stable")
    n = len(p)
    adj = np.empty(n)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (n - rank) * p[i]))
        adj[i] = running
    return adj


def permutation_splits(n_total, k, observed, max_splits=MAX_PERMUTATIONS, seed=PERMUTATION_SEED):
    """All splits of n_total runs into k candidates (or ``max_splits`` random
    ones plus the observed one); the observed split comes first."""
    observed = tuple(sorted(observed))
    if math.comb(n_total, k) <= max_splits:
        splits = [observed] + [
            c for c in itertools.combinations(range(n_total), k) if c != observed
        ]
        return splits, True
    rng = np.random.default_rng(seed)
    splits = [observed]
    for _ in range(max_splits - 1):
        splits.append(tuple(sorted(rng.choice(n_total, k, replace=False))))
    return splits, False


def family_adjusted(family, cand, refs, alpha):
    """Per-test adjusted p-values and the method: Holm for one run (or too few
    splits), the permutation min-P between ensembles otherwise."""
    t, p, y, c, s = family.scores(cand, refs)
    k, n = len(cand), len(refs)
    info = {}
    if k >= 2 and math.comb(n + k, k) >= math.ceil(1.0 / alpha):
        order = list(refs) + list(cand)  # candidates are the last k runs
        splits, exhaustive = permutation_splits(n + k, k, range(n, n + k))
        min_p = np.empty(len(splits))
        t, p, y, c, s = family.scores(cand, refs, pooled=True)
        for i, split in enumerate(splits):
            g = [order[j] for j in split]
            h = [order[j] for j in range(n + k) if j not in set(split)]
            min_p[i] = family.scores(g, h, pooled=True)[1].min()
        adj = np.array([(min_p <= pi * (1 + 1e-12)).sum() / len(splits) for pi in p])
        info = {
            "method": "permutation",
            "n_splits": len(splits),
            "exhaustive": exhaustive,
            "min_p_threshold": float(np.quantile(min_p, alpha, method="lower")),
        }
    else:
        adj = holm(p, alpha)
        info = {"method": "holm", "n_tests": len(p)}
    return t, p, adj, y, c, s, info


# --------------------------------------------------------------------------
# verification


def _candidate_info(data, t_start, t_stop):
    m = data.meta
    return {
        "path": m.get("path"),
        "format": m.get("format"),
        "N_scaling": m.get("N_scaling"),
        "K_scaling": m.get("K_scaling"),
        "drive": m.get("drive"),
        "seed": m.get("seed"),
        "stimulus": stimulus_kind(m.get("thalamic_input"), m.get("dc_transient")),
        "window_ms": [float(t_start), float(t_stop)],
    }


def verify(
    data,
    ref_set,
    t_start,
    t_stop,
    alpha=ALPHA_DEFAULT,
    n_sample=st.DEFAULT_N_SAMPLE,
    bin_ms=st.DEFAULT_BIN_MS,
    seed=st.DEFAULT_SEED,
    exclude_seeds=(),
    **_ignored,
):
    """Judge ``data`` (a SpikeData, or a list of them: an ensemble of runs of
    one configuration) over [t_start, t_stop) against ``ref_set``.

    Returns the result as a JSON-ready dict (see docs/analysis.md).
    """
    runs = list(data) if isinstance(data, (list, tuple)) else [data]
    (t_start, t_stop), ref_window, notes = analysis_windows(ref_set.window, t_start, t_stop)
    compared, excluded = split_reference(ref_set, [r.meta.get("path") for r in runs], exclude_seeds)
    if excluded:
        notes.append(
            "excluded from the comparison (the run itself or --exclude-seed): "
            + ", ".join(os.path.basename(f) for f in excluded)
        )
    if len(compared) < 3:
        raise ValueError(
            f"{len(compared)} reference seeds left to compare with; " "at least 3 are needed"
        )
    settings = {"n_sample": int(n_sample), "bin_ms": float(bin_ms), "seed": int(seed)}
    ref = reference_statistics(compared, ref_window, n_sample, bin_ms, seed)
    cand = []
    for r in runs:
        stats = st.compute_statistics(
            r, t_start, t_stop, n_sample=n_sample, bin_ms=bin_ms, seed=seed
        )
        cand.append(({p: stats[p].n_neurons for p in stats}, _sorted_distributions(stats)))
    populations = [p for p in POPULATIONS if p in ref[0][0]] + [
        p for p in ref[0][0] if p not in POPULATIONS
    ]
    ref_key = (
        tuple((os.path.abspath(f), os.path.getmtime(f)) for f in compared),
        tuple(ref_window),
        n_sample,
        bin_ms,
        seed,
    )
    result = judge(ref, cand, populations, alpha, notes, ref_key)
    for pop in populations:
        n_ref = ref[0][0][pop]
        sizes = {c[0].get(pop) for c in cand}
        if sizes != {n_ref} and sizes != {None}:
            notes.append(
                f"{pop}: {sorted(s for s in sizes if s is not None)} neurons in "
                f"the run(s), {n_ref} in the reference"
            )
    for pop in cand[0][0]:
        if pop not in populations:
            notes.append(f"{pop}: not in the reference, not compared")
    refd = ref_set.describe()
    refd.update(
        compared_seeds=[os.path.basename(f) for f in compared],
        excluded_seeds=[os.path.basename(f) for f in excluded],
        analysis_window_ms=list(ref_window),
    )
    result.update(
        candidate=_candidate_info(runs[0], t_start, t_stop),
        candidates=[_candidate_info(r, t_start, t_stop) for r in runs],
        reference=refd,
        settings=settings,
        notes=notes,
    )
    return result


def judge(ref, cand, populations, alpha=ALPHA_DEFAULT, notes=None, ref_key=None):
    """The verdict of candidate runs against reference runs.

    ``ref``, ``cand``: lists of (n_neurons dict, {(pop, stat): sorted array});
    ``ref_key`` identifies ``ref`` for the cache of the seeds' KS distances.
    """
    notes = notes if notes is not None else []
    runs = ref + cand
    n, k = len(ref), len(cand)
    refs, cands = list(range(n)), list(range(n, n + k))
    names, ks_mats, means, caps = [], [], [], []
    fixed = []  # tests decided without statistics (missing or empty data)
    for pop in populations:
        for stat in st.STATISTICS:
            dists = [r[1].get((pop, stat)) for r in runs]
            ref_empty = [d is None or len(d) == 0 for d in dists[:n]]
            cand_empty = [d is None or len(d) == 0 for d in dists[n:]]
            missing = any(d is None for d in dists[n:])
            for kind in KINDS:
                name = (pop, stat, kind)
                if missing:
                    fixed.append((name, "fail", "population missing in the run"))
                elif all(ref_empty) and all(cand_empty):
                    fixed.append((name, "n/a", "empty in the run and in the reference"))
                elif all(ref_empty):
                    fixed.append((name, "fail", "empty in the reference but not in the run"))
                elif any(ref_empty):
                    fixed.append((name, "n/a", "empty in some reference seeds: not judged"))
                elif any(cand_empty):
                    fixed.append((name, "fail", "empty in the run but not in the reference"))
                else:
                    names.append(name)
                    caps.append(dof_cap(stat, kind))
                    if kind == "ks":
                        key = None if ref_key is None else (ref_key, pop, stat)
                        ks_mats.append(ks_matrix(dists, n, key))
                    else:
                        means.append([float(np.mean(d)) for d in dists])
    # order the tests: the KS tests first in names order, then the means
    order = [i for i, nm in enumerate(names) if nm[2] == "ks"] + [
        i for i, nm in enumerate(names) if nm[2] == "mean"
    ]
    names = [names[i] for i in order]
    caps = [caps[i] for i in order]
    family = TestFamily(names, ks_mats, means, caps)
    rows = {}
    info = {"method": "none"}
    if names:
        t, p, adj, y, c, s, info = family_adjusted(family, cands, refs, alpha)
        for i, (pop, stat, kind) in enumerate(names):
            row = {
                "population": pop,
                "statistic": stat,
                "test": kind,
                "t": _num(t[i]),
                "p": float(p[i]),
                "p_adjusted": float(adj[i]),
                "dof": int(min(n - 1, family.dof_caps[i])),
                "status": "fail" if adj[i] <= alpha else "pass",
            }
            if kind == "ks":
                ti = family.ks_index.index(i)
                mat = family.ks[ti]
                per_run = mat[np.ix_(cands, refs)].mean(axis=1)
                ref_d = mat[np.ix_(refs, refs)].sum(axis=1) / (n - 1)
                iu = np.triu_indices(n, 1)
                pairs = mat[np.ix_(refs, refs)][iu]
                row.update(
                    ks=float(per_run.mean()),
                    ks_per_run=per_run.tolist(),
                    ks_per_seed=mat[cands[0], refs].tolist(),
                    reference_ks_mean=float(ref_d.mean()),
                    reference_ks_sd=float(ref_d.std(ddof=1)),
                    among_seeds_mean=float(pairs.mean()),
                    among_seeds_sd=float(pairs.std()),
                )
            else:
                mi = family.mean_index.index(i)
                vals = family.means[mi]
                row.update(
                    candidate_mean=float(vals[cands].mean()),
                    candidate_means=vals[cands].tolist(),
                    reference_mean=float(vals[refs].mean()),
                    reference_sd=float(vals[refs].std(ddof=1)),
                    relative_difference=float(vals[cands].mean() / vals[refs].mean() - 1)
                    if vals[refs].mean() != 0
                    else None,
                )
            rows[(pop, stat, kind)] = row
    for (pop, stat, kind), status, note in fixed:
        rows[(pop, stat, kind)] = {
            "population": pop,
            "statistic": stat,
            "test": kind,
            "t": None,
            "p": 0.0 if status == "fail" else None,
            "p_adjusted": 0.0 if status == "fail" else None,
            "status": status,
            "note": note,
        }
    comparisons = [
        rows[(p, s, kd)]
        for p in populations
        for kd in KINDS
        for s in st.STATISTICS
        if (p, s, kd) in rows
    ]
    failures = [
        {
            "population": r["population"],
            "statistic": r["statistic"],
            "test": r["test"],
            "t": r["t"],
            "p_adjusted": r["p_adjusted"],
        }
        for r in comparisons
        if r["status"] == "fail"
    ]
    n_compared = sum(1 for r in comparisons if r["status"] != "n/a")
    rule = {
        "alpha": alpha,
        "family": info,
        "n_runs": k,
        "n_reference_seeds": n,
        "ks": "D = mean KS distance to the reference seeds; t-score of log D against "
        "the reference seeds' own log D (each to the others); one-sided",
        "mean": "t-score of the population mean against the reference seeds' means; " "two-sided",
        "dof": f"Student t with n_seeds - 1 degrees of freedom for the mean rates, "
        f"{HEAVY_TAIL_DOF} for the others (heavier tails)",
        "family_rule": (
            "Bonferroni-Holm over all tests"
            if info["method"] == "holm"
            else "permutation test between the ensembles (single-step "
            "min-P over all splits of runs and seeds)"
        ),
    }
    return {
        "verdict": "fail" if failures else "pass",
        "reason": None,
        "rule": rule,
        "notes": notes,
        "n_compared": n_compared,
        "n_failed": len(failures),
        "failures": failures,
        "comparisons": comparisons,
    }


def _num(x):
    x = float(x)
    return x if math.isfinite(x) else (1e308 if x > 0 else -1e308)


def no_reference_result(data, t_start, t_stop, reason, sets=()):
    """The result for a run that has no matching reference set."""
    return {
        "verdict": "no_reference",
        "reason": reason,
        "candidate": _candidate_info(data, t_start, t_stop),
        "reference": None,
        "available_sets": [s.describe() for s in sets],
        "notes": [],
        "n_compared": 0,
        "n_failed": 0,
        "failures": [],
        "comparisons": [],
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
    lines.append(
        f"Reference set {ref['set']}: {len(ref['compared_seeds'])} seeds "
        f"({', '.join(ref['compared_seeds'])})"
    )
    cands = result.get("candidates") or [result["candidate"]]
    c = cands[0]
    runs = ", ".join(str(x["path"]) for x in cands)
    lines.append(
        f"Run{'s' if len(cands) > 1 else ''}: {runs}  window "
        f"[{c['window_ms'][0]:g}, {c['window_ms'][1]:g}) ms"
    )
    rule = result["rule"]
    fam = rule["family"]
    how = (
        f"Bonferroni-Holm over {fam.get('n_tests')} tests"
        if fam["method"] == "holm"
        else f"permutation test between the ensembles ({fam['n_splits']} splits"
        f"{'' if fam['exhaustive'] else ', random'})"
    )
    lines.append(
        f"Rule: family-wise alpha {rule['alpha']:g}, {how}; KS: mean KS distance "
        "to the seeds (log) vs the seeds' own; mean: population mean vs the "
        "seeds' means"
    )
    for n in result["notes"]:
        lines.append("note: " + n)
    header = (
        f"{'population':<10} {'statistic':<9} {'test':<5} {'run':>10} "
        f"{'reference':>19} {'t':>7} {'p adj':>8}  result"
    )
    lines.append(header)
    lines.append("-" * len(header))
    for r in result["comparisons"]:
        mark = {"pass": "pass", "fail": "FAIL", "n/a": "n/a"}[r["status"]]
        if r.get("note"):
            lines.append(
                f"{r['population']:<10} {r['statistic']:<9} {r['test']:<5} "
                f"{'-':>10} {'-':>19} {'-':>7} {'-':>8}  {mark}  ({r['note']})"
            )
            continue
        if r["test"] == "ks":
            run = _fmt(r["ks"])
            refv = f"{r['reference_ks_mean']:.4f}±{r['reference_ks_sd']:.4f}"
        else:
            run = _fmt(r["candidate_mean"], ".5g")
            refv = f"{r['reference_mean']:.5g}±{r['reference_sd']:.2g}"
        lines.append(
            f"{r['population']:<10} {r['statistic']:<9} {r['test']:<5} {run:>10} "
            f"{refv:>19} {r['t']:>7.2f} {r['p_adjusted']:>8.3g}  {mark}"
        )
    if result["failures"]:
        lines.append(
            f"FAILED {result['n_failed']} of {result['n_compared']} tests: "
            + ", ".join(
                f"{f['population']} {f['statistic']} ({f['test']})" for f in result["failures"]
            )
        )
    else:
        lines.append(
            f"PASSED: all {result['n_compared']} tests within the reference's "
            f"own seed-to-seed variation (family-wise alpha {rule['alpha']:g})"
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------
# calibration: leave-one-out over the reference seeds


def leave_out_study(
    ref_set,
    k=1,
    alpha=ALPHA_DEFAULT,
    max_subsets=None,
    n_sample=st.DEFAULT_N_SAMPLE,
    bin_ms=st.DEFAULT_BIN_MS,
    seed=st.DEFAULT_SEED,
    window=None,
    subset_seed=1,
):
    """Verdicts of every k-subset of the reference seeds (or ``max_subsets``
    random ones) judged against the remaining seeds: the false-failure rate
    of the verdict on runs of the reference simulator itself.

    Returns dict with n, pass_rate, and per subset the seeds and failures.
    """
    window = window or ref_set.window
    ref = reference_statistics(ref_set.seed_files, window, n_sample, bin_ms, seed)
    populations = [p for p in POPULATIONS if p in ref[0][0]] + [
        p for p in ref[0][0] if p not in POPULATIONS
    ]
    n = len(ref)
    subsets = list(itertools.combinations(range(n), k))
    if max_subsets and len(subsets) > max_subsets:
        rng = np.random.default_rng(subset_seed)
        subsets = [subsets[i] for i in sorted(rng.choice(len(subsets), max_subsets, replace=False))]
    # one KS matrix over all seeds; every subset's tests use its rows
    key = (
        tuple((os.path.abspath(f), os.path.getmtime(f)) for f in ref_set.seed_files),
        tuple(window),
        n_sample,
        bin_ms,
        seed,
    )
    full = judge_matrices(ref, populations, key)
    outcomes = []
    exhaustive = k >= 2 and math.ceil(1.0 / alpha) <= math.comb(n, k) <= MAX_PERMUTATIONS
    if exhaustive:
        # Every held-out k-subset is one split of the same n seeds, so all of
        # them share one permutation distribution: compute each split once.
        every = list(itertools.combinations(range(n), k))
        p_of = {
            c: full.scores(list(c), [i for i in range(n) if i not in c], pooled=True)[1]
            for c in every
        }
        min_p = np.array([p.min() for p in p_of.values()])
    for sub in subsets:
        rest = [i for i in range(n) if i not in sub]
        if exhaustive:
            adj = np.array(
                [(min_p <= pi * (1 + 1e-12)).sum() / len(min_p) for pi in p_of[tuple(sub)]]
            )
            failed = [full.names[i] for i in np.flatnonzero(adj <= alpha)]
            res = ("fail" if failed else "pass", failed)
        else:
            res = judge_from_matrices(full, list(sub), rest, alpha)
        outcomes.append(
            {"seeds": [ref_set.seed_numbers[i] for i in sub], "verdict": res[0], "failures": res[1]}
        )
    passed = sum(1 for o in outcomes if o["verdict"] == "pass")
    return {
        "set": ref_set.name,
        "k": k,
        "n_seeds": n,
        "n_subsets": len(outcomes),
        "n_passed": passed,
        "pass_rate": passed / len(outcomes),
        "alpha": alpha,
        "outcomes": outcomes,
    }


def judge_matrices(runs, populations, cache_key=None):
    """The test family over all ``runs`` (list of (sizes, dists)), for
    judging any split of them (see :func:`judge_from_matrices`); the KS
    matrices are kept under ``cache_key`` (see :func:`ks_matrix`)."""
    names, ks_mats, means, caps = [], [], [], []
    for pop in populations:
        for stat in st.STATISTICS:
            dists = [r[1].get((pop, stat)) for r in runs]
            if any(d is None or len(d) == 0 for d in dists):
                continue
            names.append((pop, stat, "ks"))
            key = None if cache_key is None else (cache_key, pop, stat)
            ks_mats.append(ks_matrix(dists, len(dists), key))
            caps.append(dof_cap(stat, "ks"))
    for pop in populations:
        for stat in st.STATISTICS:
            dists = [r[1].get((pop, stat)) for r in runs]
            if any(d is None or len(d) == 0 for d in dists):
                continue
            names.append((pop, stat, "mean"))
            means.append([float(np.mean(d)) for d in dists])
            caps.append(dof_cap(stat, "mean"))
    return TestFamily(names, ks_mats, means, caps)


def judge_from_matrices(family, cand, refs, alpha=ALPHA_DEFAULT):
    """(verdict, failing test names) of runs ``cand`` against runs ``refs``."""
    _, _, adj, _, _, _, _ = family_adjusted(family, cand, refs, alpha)
    failed = [family.names[i] for i in np.flatnonzero(adj <= alpha)]
    return ("fail" if failed else "pass"), failed
