#!/usr/bin/python3
"""Ensembles of network realisations: N seeds x T seconds, analysed and compared.

usage: tools/ensemble.py run       --out DIR --seeds 1-5 [--config FILE] [--t-sim MS]
                                   [--set section.key=value ...] [--threads T] [--ranks R]
                                   [--bin PATH] [--no-analyse]
       tools/ensemble.py analyse   DIR [DIR ...]        (a seed directory or an ensemble)
       tools/ensemble.py summarize DIR [-o FIGDIR] [--formats png,svg] [--json FILE]
       tools/ensemble.py all       --out DIR --seeds 1-5 ... (run, then summarize)

`run` simulates the seeds one after the other (a plain local loop) into
DIR/seed<S>/ (spikes.h5, report.json, run.log) and analyses each run as soon as
it is done (DIR/seed<S>/stats.npz: the per-neuron rates and ISI CVs and the
pairwise correlations of every population; stats.json: their means). Seeds
whose directory already holds a finished run are skipped, so an interrupted
ensemble is resumed by the same command. On a SLURM cluster
jobs/ensemble.sbatch runs one seed per array task and the summary after them.

`summarize` reads the stats.npz of every seed of an ensemble and writes
ensemble.json (per population and statistic: each seed's mean, the mean and SD
over seeds, and the two-sample KS distances among all pairs of seeds with
their mean, SD and maximum) and the figures distributions_<stat> (per
population: every seed's histogram in grey, the ensemble mean dashed, +-1 SD
shaded) and ks_<stat> (per population: the histogram of the pairwise KS
distances, mean and mean +- SD marked). See docs/analysis.md.
"""

import os
import sys

sys.dont_write_bytecode = True  # leave no __pycache__ in the source tree
sys.path.insert(
    0, os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(__file__))), "python")
)

from pd14analysis.ensemble import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
