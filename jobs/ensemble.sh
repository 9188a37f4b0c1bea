#!/bin/bash
# Submits an ensemble of seeds: one SLURM job array (jobs/ensemble.sbatch, one seed per
# task) and the summary job that starts when all tasks have succeeded. With --local the
# same runs go one after the other on this machine (tools/ensemble.py all).
#
#   jobs/ensemble.sh --seeds 1-5 --out runs/full_scale_ens                 # 5 x 100 s, full scale
#   jobs/ensemble.sh --seeds 1-10 --t-sim 900000 --out runs/ens15min --sbatch-args "-p batch"
#   jobs/ensemble.sh --local --seeds 1-3 --t-sim 10000 --config configs/default.yaml --out /tmp/ens
set -euo pipefail
MC_JOBS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=jobs/lib.sh
source "$MC_JOBS_DIR/lib.sh"
MC_PROG=ensemble.sh
# Options and submission: tools/pd14jobs/ensemble_jobs.py (--help).
mc_jobs ensemble "$MC_JOBS_DIR" "$@"
