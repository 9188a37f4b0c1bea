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

usage() {
    cat <<'EOF'
usage: jobs/ensemble.sh --seeds LIST --out DIR [options] [--set section.key=value ...]

options:
  --seeds LIST        seeds, e.g. 1-5 or 1,3,7 (the array indices) [required]
  --out DIR           the ensemble directory [required]
  --t-sim MS          simulated time after the warm-up (default 100000)
  --config FILE       configuration (default configs/full_scale.yaml)
  --set k=v           further override, repeatable
  --sbatch-args "..." extra sbatch options for both jobs, e.g. "-p batch --cpus-per-task=16"
  --title TEXT        prefix of the figure titles
  --local             no SLURM: run the seeds one after the other here
  --threads T         threads (--local; under SLURM --cpus-per-task)
  --print-only        print the sbatch commands, submit nothing
EOF
}

seeds="" out="" t_sim=100000 config="" sbatch_args="" title="" local=0 threads="" print_only=0
sets=()
while (($#)); do
    case $1 in
    -h | --help) usage; exit 0 ;;
    --seeds) seeds=${2:?}; shift ;;
    --out) out=${2:?}; shift ;;
    --t-sim) t_sim=${2:?}; shift ;;
    --config) config=${2:?}; shift ;;
    --set) sets+=("${2:?}"); shift ;;
    --sbatch-args) sbatch_args=${2?}; shift ;;
    --title) title=${2?}; shift ;;
    --local) local=1 ;;
    --threads) threads=${2:?}; shift ;;
    --print-only) print_only=1 ;;
    *) mc_die "unknown option '$1' (see --help)" ;;
    esac
    shift
done
[[ -n $seeds && -n $out ]] || mc_die "give --seeds and --out (see --help)"
[[ $seeds =~ ^[0-9,-]+$ ]] || mc_die "--seeds: a list like 1-5 or 1,3,7, got '$seeds'"
config=${config:-$(mc_repo_dir)/configs/full_scale.yaml}

if ((local)); then
    args=(all --out "$out" --seeds "$seeds" --config "$config" --t-sim "$t_sim" --title "$title")
    [[ -n $threads ]] && args+=(--threads "$threads")
    for s in "${sets[@]}"; do args+=(--set "$s"); done
    [[ -n ${MICROCIRCUIT_BIN:-} ]] && args+=(--bin "$MICROCIRCUIT_BIN")
    ((print_only)) && { echo "$(mc_python) $(mc_repo_dir)/tools/ensemble.py ${args[*]}"; exit 0; }
    exec "$(mc_python)" "$(mc_repo_dir)/tools/ensemble.py" "${args[@]}"
fi

mkdir -p "$out"
out=$(cd "$out" && pwd)
read -r -a extra <<<"$sbatch_args"
task=(--out "$out" --t-sim "$t_sim" --config "$config")
for s in "${sets[@]}"; do task+=(--set "$s"); done
run_cmd=(sbatch --parsable --array="$seeds" --output="$out/slurm-%A_%a.out" "${extra[@]}"
    "$MC_JOBS_DIR/ensemble.sbatch" "${task[@]}")
if ((print_only)); then
    echo "${run_cmd[*]}"
    echo "sbatch --parsable --dependency=afterok:<array id> --ntasks=1 --cpus-per-task=1 --output=$out/slurm-summary-%j.out ${extra[*]} $MC_JOBS_DIR/ensemble.sbatch --summarize --out $out"
    exit 0
fi
array_id=$("${run_cmd[@]}")
array_id=${array_id%%;*}
summary_id=$(sbatch --parsable --dependency="afterok:$array_id" --ntasks=1 --cpus-per-task=1 \
    --output="$out/slurm-summary-%j.out" "${extra[@]}" "$MC_JOBS_DIR/ensemble.sbatch" \
    --summarize --out "$out" --title "$title")
summary_id=${summary_id%%;*}
echo "$array_id" >"$out/array_job_id"
echo "$summary_id" >"$out/summary_job_id"
mc_log "submitted the seeds $seeds as job array $array_id and the summary as job $summary_id (after the array); output in $out"
