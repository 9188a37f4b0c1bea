#!/bin/bash
# Weak scaling study of microcircuit_mpi: submits one SLURM job array per point
# (one task per repetition) and a collection job, or runs everything here with
# --local. See `jobs/weak_scaling.sh --help` and jobs/README.md.
set -euo pipefail
MC_JOBS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=jobs/lib.sh
source "$MC_JOBS_DIR/lib.sh"
mc_study_main weak "$@"
