#!/usr/bin/python3
"""Calibration and power of `microcircuit-analysis verify` (docs/analysis.md).

usage: tools/verification_study.py loo SET [--k K] [--max-subsets N] [--alpha A] [--json FILE]
       tools/verification_study.py runs DIR [DIR ...] [--k K] [--max-ensembles N]
                                   [--reference-dir DIR] [--json FILE]

`loo` judges every k-subset of the seeds of a reference set (a directory such
as data/reference/network/scale0.1_poisson) against the remaining seeds, with
exactly the rule of `verify`: the pass rate is the chance that runs of the
reference simulator itself pass (the calibration).

`runs` judges the runs in each DIR (an ensemble directory of tools/ensemble.py:
DIR/seed<S>/spikes.h5) against their reference set: every run alone, and
ensembles of k runs (all k-subsets, or --max-ensembles random ones) with the
permutation test. For the engine's default runs the pass rate should match the
calibration; for mutants (a changed parameter) the failure rate is the power.
"""

import argparse
import itertools
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(
    0, os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(__file__))), "python")
)

import numpy as np  # noqa: E402

from pd14analysis import readers  # noqa: E402
from pd14analysis import verification as vf  # noqa: E402
from pd14analysis.ensemble import seed_dirs  # noqa: E402
from pd14analysis.output import write_json  # noqa: E402


def cmd_loo(args):
    if args.dof_cap is not None:
        # the tails' model under study: 'none' judges every test with n - 1
        cap = None if args.dof_cap == "none" else float(args.dof_cap)
        vf.HEAVY_TAIL_DOF = cap if cap is not None else np.inf
        from pd14analysis import evoked

        evoked.EVOKED_DOF = cap if cap is not None else np.inf
    sets = (
        vf.list_reference_sets(args.set)
        if not os.path.isdir(os.path.join(args.set, "network"))
        else []
    )
    if args.prefix is not None:
        sets = [s for s in sets if s.prefix.rstrip("_") == args.prefix]
    if len(sets) != 1:
        raise SystemExit(
            "give one set directory, e.g. data/reference/network/scale0.1_poisson"
            " (and --prefix for a directory of several sets: "
            + ", ".join(s.name for s in sets)
            + ")"
        )
    ref = sets[0]
    if ref.stimulus != "none":
        from pd14analysis import evoked

        res = evoked.leave_out_study(ref, k=args.k, alpha=args.alpha)
    else:
        res = vf.leave_out_study(ref, k=args.k, alpha=args.alpha, max_subsets=args.max_subsets)
    print(
        f"{res['set']}: {res['n_seeds']} seeds, k = {args.k}: {res['n_passed']} of "
        f"{res['n_subsets']} held-out {'seeds' if args.k == 1 else 'ensembles'} pass "
        f"({100 * res['pass_rate']:.1f} %) at family-wise alpha {args.alpha:g}"
    )
    for o in res["outcomes"]:
        if o["verdict"] != "pass":
            names = [f"{p} {s} ({k})" for p, s, k in o["failures"]]
            print(
                f"  seeds {o['seeds']}: fail: "
                + ", ".join(names[:6])
                + (f" and {len(names) - 6} more" if len(names) > 6 else "")
            )
    if args.json:
        write_json(res, args.json)
    return 0


def _verdict(runs, ref_set, alpha):
    t0, t1, _ = runs[0].default_window()
    return vf.verify(runs, ref_set, t0, t1, alpha=alpha)


def cmd_runs(args):
    ref_dir = args.reference_dir or vf.default_reference_dir()
    sets = vf.list_reference_sets(ref_dir)
    report = {}
    for d in args.dirs:
        rng = np.random.default_rng(7)  # the same ensembles whatever the order of DIRs
        files = [
            os.path.join(s, "spikes.h5")
            for s in seed_dirs(d)
            if os.path.isfile(os.path.join(s, "spikes.h5"))
        ]
        if not files:
            print(f"{d}: no runs")
            continue
        runs = [readers.read_sonata(f) for f in files]
        m = runs[0].meta
        ref, reason = vf.select_reference_set(
            sets, m.get("N_scaling"), m.get("K_scaling"), m.get("drive")
        )
        if ref is None:
            print(f"{d}: {reason}")
            continue
        singles = []
        for r in runs:
            res = _verdict([r], ref, args.alpha)
            singles.append(
                {"seed": r.meta.get("seed"), "verdict": res["verdict"], "failures": res["failures"]}
            )
        entry = {
            "n_runs": len(runs),
            "single": singles,
            "single_fail_rate": float(np.mean([s["verdict"] == "fail" for s in singles])),
        }
        if args.k >= 2 and len(runs) >= args.k:
            combos = list(itertools.combinations(range(len(runs)), args.k))
            if args.max_ensembles and len(combos) > args.max_ensembles:
                combos = [
                    combos[i]
                    for i in sorted(rng.choice(len(combos), args.max_ensembles, replace=False))
                ]
            ens = []
            for c in combos:
                res = _verdict([runs[i] for i in c], ref, args.alpha)
                ens.append(
                    {
                        "seeds": [runs[i].meta.get("seed") for i in c],
                        "verdict": res["verdict"],
                        "failures": res["failures"],
                    }
                )
            entry.update(
                ensembles=ens,
                k=args.k,
                ensemble_fail_rate=float(np.mean([e["verdict"] == "fail" for e in ens])),
            )
        report[d] = entry
        line = (
            f"{d}: {len(runs)} runs vs {ref.name}: single runs fail "
            f"{sum(s['verdict'] == 'fail' for s in singles)}/{len(singles)}"
        )
        if "ensembles" in entry:
            line += (
                f"; {args.k}-run ensembles fail "
                f"{sum(e['verdict'] == 'fail' for e in entry['ensembles'])}/"
                f"{len(entry['ensembles'])}"
            )
        print(line, flush=True)
        if args.verbose:
            for s in singles:
                if s["failures"]:
                    print(
                        f"   seed {s['seed']}: "
                        + ", ".join(
                            f"{f['population']} {f['statistic']} ({f['test']}) t={f['t']:.1f}"
                            for f in s["failures"]
                        )
                    )
    if args.json:
        write_json(report, args.json)
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(
        prog="verification_study.py",
        description="Calibration (leave-out over the reference "
        "seeds) and power (runs of mutants) of the verdict.",
    )
    sub = p.add_subparsers(dest="command", metavar="{loo,runs}")
    sub.required = True
    q = sub.add_parser("loo", help="leave-k-out over a reference set")
    q.add_argument("set", help="a reference set directory")
    q.add_argument(
        "--prefix",
        help="the set's file prefix in a directory of several " "(thalamic: N1_K0.2 or full_scale)",
    )
    q.add_argument("--k", type=int, default=1, help="runs per held-out ensemble (1)")
    q.add_argument("--max-subsets", type=int, help="random subsets at most")
    q.add_argument("--alpha", type=float, default=vf.ALPHA_DEFAULT)
    q.add_argument(
        "--dof-cap",
        metavar="N|none",
        help="degrees of freedom of the heavy-tailed tests instead of 3 (evoked: "
        "2); 'none': n_seeds - 1 for every test (what the calibration replaced)",
    )
    q.add_argument("--json", metavar="FILE")
    q = sub.add_parser("runs", help="verdicts of runs and of k-run ensembles of them")
    q.add_argument("dirs", nargs="+", help="ensemble directories (seed<S>/spikes.h5)")
    q.add_argument("--k", type=int, default=3, help="runs per ensemble (3)")
    q.add_argument(
        "--max-ensembles", type=int, default=20, help="random k-subsets per directory at most (20)"
    )
    q.add_argument("--alpha", type=float, default=vf.ALPHA_DEFAULT)
    q.add_argument("--reference-dir", metavar="DIR")
    q.add_argument("--json", metavar="FILE")
    q.add_argument("-v", "--verbose", action="store_true", help="list the failures")
    args = p.parse_args(argv)
    return {"loo": cmd_loo, "runs": cmd_runs}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
