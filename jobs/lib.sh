# shellcheck shell=bash
# The SLURM glue of the job scripts in jobs/ (sourced, not run): the environment, the
# launch and its signals, requeueing. Their logic (the options of the studies, the plan
# of a run, job.json and the attempts, whether to requeue) is tools/pd14jobs, called
# through mc_jobs and tested by tests/slurm/test_pd14jobs.py.
#
#   mc_plan_run [ARGS]        MC_BIN, MC_NODES, MC_RANKS, MC_RANKS_PER_NODE, MC_THREADS,
#                             MC_LAUNCH (command prefix, binding included), the OpenMP and
#                             MPI variables (python3 -m pd14jobs plan: options, else the
#                             SLURM allocation, else this machine)
#   mc_record_environment DIR job_env.txt: host, SLURM_*, OMP_*, modules, MPI, binary
#   mc_run_simulation DIR ... dry run + run into DIR (or, with MC_RESTART=1, the
#                             continuation of DIR's checkpoint), job.json with exit code,
#                             times, oversubscription and the machine's load around the run
#   mc_trap_stop_signals      SIGUSR1/SIGTERM to this shell: forwarded to the running
#                             simulator as SIGUSR1 (checkpoint and exit 75)
#   mc_requeue_or_advise DIR  after exit 75: scontrol requeue, or how to continue
#   mc_study_main KIND ...    the strong- and weak-scaling drivers (python3 -m pd14jobs study)
#
# Settings are shell variables with the prefix MC_ (see each script's --help);
# everything here runs under `set -euo pipefail`.

# microcircuit_mpi's exit status for "checkpointed on SIGTERM/SIGUSR1, not finished"
# (EX_TEMPFAIL); the job scripts exit with it too.
MC_EXIT_CHECKPOINTED=75

mc_die() {
    echo "${MC_PROG:-jobs}: error: $*" >&2
    exit 2
}

mc_log() {
    echo "[$(date '+%Y-%m-%d %H:%M:%S')] $*"
}

mc_under_slurm() {
    [[ -n ${SLURM_JOB_ID:-} ]]
}

mc_repo_dir() {
    (cd "$MC_JOBS_DIR/.." && pwd)
}

# The python with numpy/matplotlib/h5py (Debian's); the pyenv one on PATH may lack them.
mc_python() {
    if [[ -n ${MC_PYTHON:-} ]]; then
        echo "$MC_PYTHON"
    elif [[ -x /usr/bin/python3 ]]; then
        echo /usr/bin/python3
    else
        command -v python3
    fi
}

# python3 -m MODULE (a package of tools/) with the arguments.
mc_python_module() {
    PYTHONPATH="$(mc_repo_dir)/tools" PYTHONDONTWRITEBYTECODE=1 "$(mc_python)" -B -m "$@"
}

# python3 -m pd14jobs (tools/pd14jobs) with the arguments.
mc_jobs() {
    mc_python_module pd14jobs --prog "${MC_PROG:-jobs}" "$@"
}

# Runs mc_jobs and executes the shell statements it prints; its error ends the script.
mc_eval_jobs() {
    local out
    out=$(mc_jobs "$@") || exit $?
    eval "$out"
}

# Runs benchmark.idle (tools/benchmark/idle.py, the benchmark harness's waits) with the
# arguments; prints its JSON, or null where it cannot run.
mc_machine() {
    local out
    if out=$(mc_python_module benchmark.idle "$@") && [[ $out == "{"* ]]; then
        echo "$out"
    else
        echo null
    fi
}

# The run's plan (see the head of this file) from the MC_ settings; ARGS go to
# `pd14jobs plan` as well (full_scale.sbatch: --kill-grace, --kill-wait).
# shellcheck disable=SC2120 # the ARGS are optional
mc_plan_run() {
    mc_eval_jobs plan --repo="$(mc_repo_dir)" --bin="${MC_BIN:-${MICROCIRCUIT_BIN:-}}" \
        --nodes="${MC_NODES:-}" --ranks="${MC_RANKS:-}" --ranks-per-node="${MC_RANKS_PER_NODE:-}" \
        --threads="${MC_THREADS:-}" --launcher="${MC_LAUNCHER:-}" --bind="${MC_BIND:-}" \
        --mpirun-args="${MC_MPIRUN_ARGS:-}" --srun-args="${MC_SRUN_ARGS:-}" \
        --srun-mpi="${MC_SRUN_MPI:-}" --report-bindings="${MC_REPORT_BINDINGS:-1}" "$@"
}

mc_hosts() {
    if mc_under_slurm && command -v scontrol >/dev/null 2>&1 && [[ -n ${SLURM_JOB_NODELIST:-} ]]; then
        scontrol show hostnames "$SLURM_JOB_NODELIST" 2>/dev/null | paste -sd ' ' -
    else
        hostname
    fi
}

# Human-readable record of where and how the job ran: DIR/job_env.txt.
mc_record_environment() {
    local dir=$1 file=$1/job_env.txt
    {
        echo "# microcircuit_mpi job environment, written by jobs/ $(date --iso-8601=seconds)"
        echo "hostname: $(hostname)"
        echo "hosts: $(mc_hosts)"
        echo "user: $(id -un) ($(id -u))"
        echo "kernel: $(uname -srm)"
        echo "working directory: $PWD"
        echo "allocation: nodes=$MC_NODES ranks=$MC_RANKS ranks_per_node=$MC_RANKS_PER_NODE threads_per_rank=$MC_THREADS"
        echo "launcher: $MC_LAUNCHER_USED, binding: $MC_BIND_USED"
        echo "binary: $MC_BIN"
        echo "binary version: $("$MC_BIN" --version 2>&1 | head -n 1)"
        echo
        echo "## SLURM variables"
        env | grep -E '^SLURM_' | sort || echo "(not a SLURM job)"
        echo
        echo "## OpenMP, MPI and job-script variables"
        env | grep -E '^(OMP_|OMPI_|PMIX_RANK|I_MPI_|MC_|MICROCIRCUIT_|HOSTNAME=|PATH=|LD_LIBRARY_PATH=|MODULEPATH=|LOADEDMODULES=)' | sort || true
        echo
        echo "## modules"
        if type module >/dev/null 2>&1; then
            module list 2>&1 || true
        else
            echo "(no module command)"
        fi
        echo
        echo "## MPI"
        if command -v mpirun >/dev/null 2>&1; then mpirun --version 2>&1 | head -n 2; else echo "(no mpirun)"; fi
        echo
        echo "## CPU and memory of $(hostname)"
        if command -v lscpu >/dev/null 2>&1; then
            lscpu | grep -E '^(Architecture|CPU\(s\)|Model name|Thread|Core|Socket|NUMA node\(s\))' || true
        fi
        echo "nproc: $(nproc)"
        free -m 2>/dev/null | head -n 2 || true
        echo "ulimit -v: $(ulimit -v), ulimit -s: $(ulimit -s)"
        if mc_under_slurm && command -v scontrol >/dev/null 2>&1; then
            echo
            echo "## scontrol show job $SLURM_JOB_ID"
            scontrol show job "$SLURM_JOB_ID" 2>&1 || true
        fi
    } >"$file"
}

# DIR/job.json with STATUS, EXIT_CODE and WALL (seconds) of the run (pd14jobs job-json).
mc_write_job_json() {
    mc_jobs job-json "$1" --status="$2" --exit-code="$3" --wall="$4" --kind="${MC_KIND:-run}" \
        --label="${MC_LABEL:-}" --repeat="${MC_REPEAT:-1}" --nodes="$MC_NODES" --ranks="$MC_RANKS" \
        --ranks-per-node="$MC_RANKS_PER_NODE" --threads="$MC_THREADS" \
        --launcher="$MC_LAUNCHER_USED" --bind="$MC_BIND_USED" --binary="$MC_BIN" \
        --hostname="$(hostname)" --hosts="$(mc_hosts)" --started="${MC_STARTED:-}" \
        --cpus-available="$MC_CPUS_AVAILABLE" --wait-idle="${MC_WAIT_IDLE:-0}" \
        --machine-before="${MC_MACHINE_BEFORE:-}" --machine-after="${MC_MACHINE_AFTER:-}" \
        --attempt="${MC_ATTEMPT:-1}" --restarted="${MC_RESTART:-0}" \
        --stop-signal="${MC_STOP_SIGNAL:-}" --command "${MC_COMMAND[@]}"
}

# One line of DIR/job_attempts.jsonl for the attempt that just ended (STATUS,
# EXIT_CODE, WALL); job.json lists them all as "attempts".
mc_record_attempt() {
    mc_jobs attempt-ended "$1" --status="$2" --exit-code="$3" --wall="$4" \
        --attempt="${MC_ATTEMPT:-1}" --restarted="${MC_RESTART:-0}" --started="${MC_STARTED:-}" \
        --stop-signal="${MC_STOP_SIGNAL:-}"
}

# MC_ATTEMPT: the number of the attempt about to start in DIR; the attempts whose job
# shell was killed are recorded first (pd14jobs attempt-number).
mc_number_attempt() {
    mc_eval_jobs attempt-number "$1"
}

# Runs the simulator into DIR with the overrides in MC_SETS (array of section.key=value)
# and the config file MC_CONFIG (optional): a dry run first (estimates, to
# DIR/dry_run.txt), then the run (log in DIR/run.log). Before the run it waits up to
# MC_WAIT_IDLE seconds for other processes to be idle and the cores equally fast, and
# it records whether ranks x threads oversubscribe the node's CPUs and how busy the
# others were (job.json; tools/scaling_study.py flags such runs). Returns the run's
# exit code.
mc_run_simulation() {
    local dir=$1
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    local -a args=()
    if [[ ${MC_RESTART:-0} == 1 ]]; then
        # The configuration, seed and output directory come from the checkpoint.
        args=(--restart "$dir" --set "simulation.local_num_threads=$MC_THREADS")
    else
        [[ -n ${MC_CONFIG:-} ]] && args+=(--config "$MC_CONFIG")
        local s
        # shellcheck disable=SC2153 # MC_SETS: filled by the calling script
        for s in "${MC_SETS[@]}"; do args+=(--set "$s"); done
        args+=(--set "simulation.local_num_threads=$MC_THREADS" --set "simulation.data_path=$dir")
    fi
    MC_STARTED=$(date --iso-8601=seconds)
    mc_record_environment "$dir"
    MC_COMMAND=("${MC_LAUNCH[@]}" "$MC_BIN" "${args[@]}")
    if [[ ${MC_DRY_RUN_FIRST:-1} == 1 && ${MC_RESTART:-0} != 1 ]]; then
        mc_log "estimates: ${MC_COMMAND[*]} --dry-run"
        if ! "${MC_COMMAND[@]}" --dry-run >"$dir/dry_run.txt" 2>&1; then
            cat "$dir/dry_run.txt" >&2
            mc_record_attempt "$dir" failed 1 0
            mc_write_job_json "$dir" failed 1 0
            mc_log "the dry run failed (configuration error?)"
            return 1
        fi
        grep -E '^(ranks x threads|estimated memory|available memory|[0-9]+ rank\(s\) on this node)' "$dir/dry_run.txt" || true
    fi
    if [[ $MC_OVERSUBSCRIBED == true ]]; then
        mc_log "WARNING: oversubscribed: $MC_RANKS_PER_NODE rank(s) x $MC_THREADS thread(s) per node on $MC_CPUS_AVAILABLE CPU(s); the times measure ranks and threads taking turns on the CPUs, not the scaling"
    fi
    mc_log "waiting up to ${MC_WAIT_IDLE:-0} s for an idle machine (MC_WAIT_IDLE)"
    MC_MACHINE_BEFORE=$(mc_machine wait --max-wait "${MC_WAIT_IDLE:-0}")
    mc_log "machine before the run: $MC_MACHINE_BEFORE"
    mc_write_job_json "$dir" running 0 0
    mc_log "run: ${MC_COMMAND[*]}"
    # The readings right around the run, taken without starting a process: the
    # builtin times (CPU of this shell's children), /proc/stat (of all), the clock.
    local t0 t1 rc=0 stat0 stat1 times0 times1
    times0=$(mktemp)
    times1=$(mktemp)
    times >"$times0"
    read -r stat0 </proc/stat
    t0=$(date +%s.%N)
    echo "===== attempt ${MC_ATTEMPT:-1} $(date --iso-8601=seconds): ${MC_COMMAND[*]}" >>"$dir/run.log"
    if [[ -n ${MC_STOP_SIGNAL:-} ]]; then
        mc_log "SIG$MC_STOP_SIGNAL before the start: not starting the run"
        rc=$MC_EXIT_CHECKPOINTED
        MC_ATTEMPT_RAN=0
    else
        MC_ATTEMPT_RAN=1
        mc_run_launcher "$dir/run.log"
        rc=$MC_RUN_RC
    fi
    t1=$(date +%s.%N)
    read -r stat1 </proc/stat
    times >"$times1"
    mc_eval_jobs run-times --t0="$t0" --t1="$t1" --stat0="$stat0" --stat1="$stat1" \
        --times0="$times0" --times1="$times1"
    rm -f "$times0" "$times1"
    local -a own=()
    # srun's tasks are not this shell's children: their CPU time is not known here.
    [[ $MC_LAUNCHER_USED != srun ]] && own=(--own-cpu-s "$MC_OWN_CPU_S")
    MC_MACHINE_AFTER=$(mc_machine after --busy-cpu-s "$MC_BUSY_S" --wall-s "$MC_WALL" ${own[@]+"${own[@]}"})
    mc_log "machine during the run: $MC_MACHINE_AFTER"
    mc_eval_jobs outcome "$dir" --exit-code="$rc" --stop-signal="${MC_STOP_SIGNAL:-}" --wall="$MC_WALL"
    mc_log "$MC_OUTCOME"
    mc_record_attempt "$dir" "$MC_STATUS" "$MC_RC" "$MC_WALL"
    mc_write_job_json "$dir" "$MC_STATUS" "$MC_RC" "$MC_WALL"
    return "$MC_RC"
}

# After a stop with a checkpoint (exit 75) of the run in DIR: under SLURM the job
# requeues itself and continues from the checkpoint when it runs again, unless
# pd14jobs requeue advises against it (SLURM itself ending the job, no progress, too
# many requeues). Without SLURM: how to continue.
mc_requeue_or_advise() {
    local dir=$1 state="" advice
    if mc_under_slurm; then
        state=$(scontrol show job -o "$SLURM_JOB_ID" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | head -n 1 | cut -d= -f2 || true)
    fi
    advice=$(mc_jobs requeue "$dir" --script="${MC_JOBS_DIR:-jobs}/full_scale.sbatch" \
        --state="$state" --stop-signal="${MC_STOP_SIGNAL:-}" --attempt-ran="${MC_ATTEMPT_RAN:-1}" \
        --max-requeues="${MC_MAX_REQUEUES:-50}") || exit $?
    if [[ $advice != "requeue "* ]]; then
        mc_log "${advice#advise }"
    elif scontrol requeue "$SLURM_JOB_ID"; then
        mc_log "${advice#requeue }"
    else
        mc_log "scontrol requeue $SLURM_JOB_ID failed; continue with: sbatch [options] ${MC_JOBS_DIR:-jobs}/full_scale.sbatch --job-dir $dir"
    fi
}

# The strong- and weak-scaling drivers: KIND strong or weak, then their options.
mc_study_main() {
    local kind=$1
    shift
    MC_PROG=${kind}_scaling.sh
    mc_jobs study "$MC_JOBS_DIR" "$kind" "$@"
}

# SIGUSR1 and SIGTERM to this shell ask the simulator to stop: every rank checkpoints
# at the next interval boundary and exits with 75. `#SBATCH --signal=B:USR1@T` and
# `scancel --signal=USR1 --batch` reach this shell only, so it passes the request on to
# the launcher as SIGUSR1 (Open MPI's mpirun and srun forward SIGUSR1 to every rank;
# SIGTERM would make mpirun kill the ranks). A signal before the launch skips the run.
# MC_STOP_SIGNAL holds the first signal received.
mc_trap_stop_signals() {
    MC_STOP_SIGNAL=${MC_STOP_SIGNAL:-}
    MC_LAUNCHED_PID=""
    MC_SIGNALS_SEEN=0
    trap 'mc_on_stop_signal USR1' USR1
    trap 'mc_on_stop_signal TERM' TERM
}

mc_on_stop_signal() {
    MC_SIGNALS_SEEN=$((MC_SIGNALS_SEEN + 1))
    [[ -n $MC_STOP_SIGNAL ]] || MC_STOP_SIGNAL=$1
    mc_log "received SIG$1"
    [[ -n $MC_LAUNCHED_PID ]] && mc_forward_stop
    return 0
}

# Sends SIGUSR1 to the launcher, once the simulator has started (its first line in
# run.log: the ranks handle the signal from then on; before, it would end them).
mc_forward_stop() {
    local pid=$MC_LAUNCHED_PID i
    for ((i = 0; i < 300; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        grep -q '^microcircuit_mpi .* neurons, ' "$MC_RUN_LOG" 2>/dev/null && break
        sleep 0.2
    done
    mc_log "asking the simulator to checkpoint and stop: SIGUSR1 to $MC_LAUNCHER_USED (pid $pid)"
    kill -USR1 "$pid" 2>/dev/null || true
}

# Runs MC_COMMAND in the background with its output appended to the terminal and
# FILE, forwarding stop requests to it (mc_trap_stop_signals); MC_RUN_RC gets its exit
# status. (A command in the foreground would hold off the traps until it ends.)
mc_run_launcher() {
    MC_RUN_LOG=$1
    local fd tee_pid seen
    # tee ignores SIGTERM and SIGUSR1: SLURM sends them to every process of the job
    # (scontrol requeue, preemption; scancel --signal=USR1 --full), and without
    # tee the launcher and this shell would die of SIGPIPE at their next line of
    # output, the ranks (orphaned) writing their checkpoint on.
    exec {fd}> >(trap '' TERM USR1; exec tee -a "$MC_RUN_LOG")
    tee_pid=$!
    "${MC_COMMAND[@]}" >&"$fd" 2>&1 &
    MC_LAUNCHED_PID=$!
    [[ -n ${MC_STOP_SIGNAL:-} ]] && mc_forward_stop
    while :; do
        seen=${MC_SIGNALS_SEEN:-0}
        MC_RUN_RC=0
        wait "$MC_LAUNCHED_PID" || MC_RUN_RC=$?
        # wait returns early when a trapped signal arrives: wait again then.
        ((seen == ${MC_SIGNALS_SEEN:-0})) && break
    done
    MC_LAUNCHED_PID=""
    exec {fd}>&-
    wait "$tee_pid" 2>/dev/null || true
}

