# shellcheck shell=bash
# Shared helpers of the job scripts in jobs/ (sourced, not run).
#
#   mc_locate_binary          find microcircuit_mpi (MICROCIRCUIT_BIN, PATH, build dirs)
#   mc_resolve_allocation     nodes, ranks, ranks per node, threads: options, else the
#                             SLURM allocation, else this machine
#   mc_build_launcher         the mpirun / srun / direct command line (binding included)
#   mc_record_environment DIR job_env.txt: host, SLURM_*, OMP_*, modules, MPI, binary
#   mc_cpus_available         CPUs this job may use on this node
#   mc_run_simulation DIR ... dry run + run into DIR (or, with MC_RESTART=1, the
#                             continuation of DIR's checkpoint), job.json with exit code,
#                             times, oversubscription and the machine's load around the run
#   mc_trap_stop_signals      SIGUSR1/SIGTERM to this shell: forwarded to the running
#                             simulator as SIGUSR1 (checkpoint and exit 75)
#   mc_study_main KIND ...    the strong- and weak-scaling drivers
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

# JSON string literal of $1.
mc_json_str() {
    local s
    s=$(printf '%s' "$1" | tr -d '\000-\010\013\014\016-\037')
    s=${s//\\/\\\\}
    s=${s//\"/\\\"}
    s=${s//$'\n'/\\n}
    s=${s//$'\t'/\\t}
    s=${s//$'\r'/\\r}
    printf '"%s"' "$s"
}

# JSON array of strings from the arguments.
mc_json_array() {
    local first=1 item
    printf '['
    for item in "$@"; do
        [[ $first == 1 ]] || printf ', '
        first=0
        mc_json_str "$item"
    done
    printf ']'
}

mc_is_uint() {
    [[ $1 =~ ^[0-9]+$ ]] && (($1 > 0))
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

# Sets MC_BIN to the simulator: $MICROCIRCUIT_BIN or $MC_BIN, else microcircuit_mpi on
# PATH, else <repo>/build/microcircuit_mpi. MICROCIRCUIT_MPI (the benchmark harness's
# earlier name) is still read, with a warning, so that one variable serves everything.
mc_locate_binary() {
    local candidate repo
    candidate=${MC_BIN:-${MICROCIRCUIT_BIN:-}}
    if [[ -z $candidate && -n ${MICROCIRCUIT_MPI:-} ]]; then
        echo "${MC_PROG:-jobs}: warning: MICROCIRCUIT_MPI is deprecated, set MICROCIRCUIT_BIN instead" >&2
        candidate=$MICROCIRCUIT_MPI
    fi
    if [[ -z $candidate ]]; then
        repo=$(mc_repo_dir)
        if command -v microcircuit_mpi >/dev/null 2>&1; then
            candidate=$(command -v microcircuit_mpi)
        elif [[ -x $repo/build/microcircuit_mpi ]]; then
            candidate=$repo/build/microcircuit_mpi
        else
            mc_die "microcircuit_mpi not found: build it (cmake -S . -B build && make -C build) or set MICROCIRCUIT_BIN / --bin"
        fi
    fi
    [[ -x $candidate ]] || mc_die "not an executable: $candidate"
    MC_BIN=$(cd "$(dirname "$candidate")" && pwd)/$(basename "$candidate")
}

# First number of a SLURM tasks-per-node string such as "4(x2),3".
mc_first_count() {
    local text=${1%%[(,]*}
    echo "${text:-1}"
}

# CPUs of this machine that this process may use. nproc alone would answer
# OMP_NUM_THREADS, which the scripts themselves set.
mc_cpus_here() {
    env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc
}

# CPUs of the allocation on this node: SLURM's count in a job, else this machine's.
mc_cpus_available() {
    if mc_under_slurm && [[ -n ${SLURM_CPUS_ON_NODE:-} ]]; then
        echo "$SLURM_CPUS_ON_NODE"
    else
        mc_cpus_here
    fi
}

# Runs benchmark.idle (tools/benchmark/idle.py, the benchmark harness's waits) with the
# arguments; prints its JSON, or null where it cannot run.
mc_machine() {
    local out
    if out=$(PYTHONPATH="$(mc_repo_dir)/tools" PYTHONDONTWRITEBYTECODE=1 "$(mc_python)" -B \
        -m benchmark.idle "$@") && [[ $out == "{"* ]]; then
        echo "$out"
    else
        echo null
    fi
}

# Busy CPU time of all processes since boot, in clock ticks (/proc/stat, as
# tools/benchmark/idle.py counts it; read here, without a process, right at the run).
mc_busy_ticks() {
    local user nice system irq softirq steal rest
    read -r _ user nice system _ _ irq softirq steal rest </proc/stat
    echo $((user + nice + system + irq + softirq + steal))
}

# CPU seconds (user + system) of the children this shell has waited for; FILE holds
# the output of the builtin `times`, run in this shell (a subshell would count its own).
mc_children_cpu_s() {
    awk 'NR == 2 { t = 0; for (i = 1; i <= 2; i++) { split($i, a, "m"); sub("s", "", a[2]); t += a[1] * 60 + a[2] } printf "%.3f", t }' "$1"
}

# Fills MC_NODES, MC_RANKS, MC_RANKS_PER_NODE, MC_THREADS. Explicit settings win; under
# SLURM the rest comes from the allocation (--nodes, --ntasks[-per-node],
# --cpus-per-task); without SLURM: one node, one rank, all cores of this machine.
mc_resolve_allocation() {
    local nodes=${MC_NODES:-} ranks=${MC_RANKS:-} rpn=${MC_RANKS_PER_NODE:-}
    local threads=${MC_THREADS:-} cpus
    if mc_under_slurm; then
        nodes=${nodes:-${SLURM_JOB_NUM_NODES:-${SLURM_NNODES:-1}}}
        if [[ -z $rpn ]]; then
            if [[ -n ${SLURM_NTASKS_PER_NODE:-} ]]; then
                rpn=$SLURM_NTASKS_PER_NODE
            elif [[ -n $ranks ]]; then
                rpn=$(((ranks + nodes - 1) / nodes))
            elif [[ -n ${SLURM_NTASKS:-} ]]; then
                rpn=$(((SLURM_NTASKS + nodes - 1) / nodes))
            else
                rpn=$(mc_first_count "${SLURM_TASKS_PER_NODE:-1}")
            fi
        fi
        ranks=${ranks:-${SLURM_NTASKS:-$((nodes * rpn))}}
        if [[ -z $threads ]]; then
            if [[ -n ${SLURM_CPUS_PER_TASK:-} ]]; then
                threads=$SLURM_CPUS_PER_TASK
            else
                cpus=$(mc_first_count "${SLURM_JOB_CPUS_PER_NODE:-${SLURM_CPUS_ON_NODE:-1}}")
                threads=$((cpus / rpn))
                ((threads >= 1)) || threads=1
            fi
        fi
    else
        nodes=${nodes:-1}
        if [[ -z $rpn ]]; then
            if [[ -n $ranks ]]; then rpn=$(((ranks + nodes - 1) / nodes)); else rpn=1; fi
        fi
        ranks=${ranks:-$((nodes * rpn))}
        if [[ -z $threads ]]; then
            threads=$(($(nproc) / rpn))
            ((threads >= 1)) || threads=1
        fi
    fi
    local name
    for name in nodes ranks rpn threads; do
        mc_is_uint "${!name}" || mc_die "$name must be a positive integer, got '${!name}'"
    done
    ((ranks <= nodes * rpn)) || mc_die "$ranks ranks do not fit on $nodes node(s) x $rpn ranks per node"
    MC_NODES=$nodes MC_RANKS=$ranks MC_RANKS_PER_NODE=$rpn MC_THREADS=$threads
}

# Fills the array MC_LAUNCH (command prefix) and MC_BIND_USED. MC_LAUNCHER: mpirun
# (default), srun (SLURM only; MC_SRUN_MPI, default pmix), none (one rank, no launcher).
# MC_BIND: auto (default: cores, unless more ranks x threads than cores outside SLURM),
# core, hwthread, none. MC_MPIRUN_ARGS / MC_SRUN_ARGS: extra words for the launcher.
mc_build_launcher() {
    local launcher=${MC_LAUNCHER:-mpirun} bind=${MC_BIND:-auto} oversubscribe=0
    if [[ $bind == auto ]]; then
        bind=core
        if ! mc_under_slurm && ((MC_RANKS * MC_THREADS > $(nproc))); then
            bind=none
            oversubscribe=1
        fi
    fi
    case $bind in core | hwthread | none) ;; *) mc_die "MC_BIND must be auto, core, hwthread or none, got '$bind'" ;; esac
    export OMP_NUM_THREADS=$MC_THREADS
    if [[ $bind != none ]]; then
        # Each rank is bound to its own MC_THREADS cores; its threads stay on them.
        export OMP_PROC_BIND=${OMP_PROC_BIND:-close}
        if [[ $bind == core ]]; then export OMP_PLACES=${OMP_PLACES:-cores}; else export OMP_PLACES=${OMP_PLACES:-threads}; fi
    fi
    if [[ $(id -u) == 0 ]]; then
        # Open MPI refuses to run as root without these (containers, test machines).
        export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    fi
    local -a extra=()
    case $launcher in
    mpirun)
        command -v mpirun >/dev/null 2>&1 || mc_die "mpirun not found (set MC_LAUNCHER=srun or none)"
        read -r -a extra <<<"${MC_MPIRUN_ARGS:-}"
        if mpirun --version 2>&1 | grep -q 'Open MPI'; then
            MC_LAUNCH=(mpirun -n "$MC_RANKS")
            if [[ $bind == none ]]; then
                MC_LAUNCH+=(--map-by "ppr:$MC_RANKS_PER_NODE:node" --bind-to none)
            else
                MC_LAUNCH+=(--map-by "ppr:$MC_RANKS_PER_NODE:node:PE=$MC_THREADS" --bind-to "$bind")
                [[ $bind == hwthread ]] && MC_LAUNCH+=(--use-hwthread-cpus)
            fi
            ((oversubscribe)) && MC_LAUNCH+=(--oversubscribe)
            MC_LAUNCH+=(-x OMP_NUM_THREADS)
            [[ -n ${OMP_PROC_BIND:-} ]] && MC_LAUNCH+=(-x OMP_PROC_BIND)
            [[ -n ${OMP_PLACES:-} ]] && MC_LAUNCH+=(-x OMP_PLACES)
            [[ ${MC_REPORT_BINDINGS:-1} == 1 && $bind != none ]] && MC_LAUNCH+=(--report-bindings)
        else
            # MPICH / Intel MPI (Hydra): binding through their environment variables.
            MC_LAUNCH=(mpirun -n "$MC_RANKS" -ppn "$MC_RANKS_PER_NODE")
            export I_MPI_PIN_DOMAIN=${I_MPI_PIN_DOMAIN:-omp}
        fi
        MC_LAUNCH+=("${extra[@]}")
        ;;
    srun)
        mc_under_slurm || mc_die "MC_LAUNCHER=srun needs a SLURM allocation"
        read -r -a extra <<<"${MC_SRUN_ARGS:-}"
        local cpu_bind=cores
        [[ $bind == hwthread ]] && cpu_bind=threads
        [[ $bind == none ]] && cpu_bind=none
        MC_LAUNCH=(srun --nodes="$MC_NODES" --ntasks="$MC_RANKS" --ntasks-per-node="$MC_RANKS_PER_NODE"
            --cpus-per-task="$MC_THREADS" --cpu-bind="$cpu_bind" --mpi="${MC_SRUN_MPI:-pmix}" "${extra[@]}")
        ;;
    none)
        ((MC_RANKS == 1)) || mc_die "MC_LAUNCHER=none runs one rank, not $MC_RANKS"
        MC_LAUNCH=()
        ;;
    *) mc_die "MC_LAUNCHER must be mpirun, srun or none, got '$launcher'" ;;
    esac
    MC_BIND_USED=$bind
    MC_LAUNCHER_USED=$launcher
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

# DIR/job.json: machine-readable allocation and outcome (read by tools/scaling_study.py).
mc_write_job_json() {
    local dir=$1 status=$2 exit_code=$3 wall=$4
    local -a hosts
    read -r -a hosts <<<"$(mc_hosts)"
    {
        echo "{"
        echo "  \"kind\": $(mc_json_str "${MC_KIND:-run}"),"
        echo "  \"label\": $(mc_json_str "${MC_LABEL:-}"),"
        echo "  \"repeat\": ${MC_REPEAT:-1},"
        echo "  \"nodes\": $MC_NODES,"
        echo "  \"ranks\": $MC_RANKS,"
        echo "  \"ranks_per_node\": $MC_RANKS_PER_NODE,"
        echo "  \"threads\": $MC_THREADS,"
        echo "  \"launcher\": $(mc_json_str "$MC_LAUNCHER_USED"),"
        echo "  \"bind\": $(mc_json_str "$MC_BIND_USED"),"
        echo "  \"command\": $(mc_json_array "${MC_COMMAND[@]}"),"
        echo "  \"binary\": $(mc_json_str "$MC_BIN"),"
        echo "  \"hostname\": $(mc_json_str "$(hostname)"),"
        echo "  \"hosts\": $(mc_json_array "${hosts[@]}"),"
        echo "  \"slurm_job_id\": $(mc_json_str "${SLURM_JOB_ID:-}"),"
        echo "  \"slurm_array_job_id\": $(mc_json_str "${SLURM_ARRAY_JOB_ID:-}"),"
        echo "  \"slurm_array_task_id\": $(mc_json_str "${SLURM_ARRAY_TASK_ID:-}"),"
        echo "  \"slurm_env\": {"
        local first=1 name
        while IFS= read -r name; do
            [[ -n $name ]] || continue
            [[ $first == 1 ]] || echo ","
            first=0
            printf '    %s: %s' "$(mc_json_str "$name")" "$(mc_json_str "${!name}")"
        done < <(compgen -e | grep -E '^SLURM_' | sort)
        [[ $first == 1 ]] || echo
        echo "  },"
        echo "  \"started\": $(mc_json_str "${MC_STARTED:-}"),"
        echo "  \"finished\": $(mc_json_str "$(date --iso-8601=seconds)"),"
        echo "  \"status\": $(mc_json_str "$status"),"
        echo "  \"exit_code\": $exit_code,"
        echo "  \"wall_s\": $wall,"
        echo "  \"cpus_available\": ${MC_CPUS_AVAILABLE:-null},"
        echo "  \"cpus_used_per_node\": $((MC_RANKS_PER_NODE * MC_THREADS)),"
        echo "  \"oversubscribed\": ${MC_OVERSUBSCRIBED:-null},"
        echo "  \"wait_idle_s\": ${MC_WAIT_IDLE:-0},"
        echo "  \"machine_before\": ${MC_MACHINE_BEFORE:-null},"
        echo "  \"machine_after\": ${MC_MACHINE_AFTER:-null},"
        echo "  \"attempt\": ${MC_ATTEMPT:-1},"
        echo "  \"restarted\": $([[ ${MC_RESTART:-0} == 1 ]] && echo true || echo false),"
        echo "  \"stop_signal\": $(mc_json_str "${MC_STOP_SIGNAL:-}"),"
        local attempts=""
        [[ -s $dir/job_attempts.jsonl ]] && attempts=$(paste -sd, "$dir/job_attempts.jsonl")
        echo "  \"attempts\": [$attempts]"
        echo "}"
    } >"$dir/job.json"
}

# One line of DIR/job_attempts.jsonl for the attempt that just ended (job.json lists
# them all as "attempts"): number, SLURM restart count, new run or restart, the
# simulated time it continued from and stopped at, times, status and exit code.
mc_record_attempt() {
    local dir=$1 status=$2 exit_code=$3 wall=$4 log=$1/run.log from="null" to="null" line
    if [[ -f $log ]]; then
        line=$(awk -v n="${MC_ATTEMPT:-1}" '/^===== attempt / { k++ } k == n' "$log")
        from=$(awk '/Continuing from the checkpoint at [0-9.]+ ms/ { v = $(NF - 1) } END { print v }' <<<"$line")
        to=$(awk 'match($0, /stopped by signal [0-9]+ at [0-9.]+ ms/) { split(substr($0, RSTART, RLENGTH), w, " "); v = w[6] } END { print v }' <<<"$line")
    fi
    printf '{"attempt": %s, "slurm_restart_count": %s, "mode": %s, "continued_from_ms": %s, "stopped_at_ms": %s, "started": %s, "finished": %s, "status": %s, "exit_code": %s, "wall_s": %s, "stop_signal": %s}\n' \
        "${MC_ATTEMPT:-1}" "$(mc_json_str "${SLURM_RESTART_COUNT:-}")" \
        "$(mc_json_str "$([[ ${MC_RESTART:-0} == 1 ]] && echo restart || echo new)")" "${from:-null}" "${to:-null}" \
        "$(mc_json_str "${MC_STARTED:-}")" "$(mc_json_str "$(date --iso-8601=seconds)")" \
        "$(mc_json_str "$status")" "$exit_code" "$wall" "$(mc_json_str "${MC_STOP_SIGNAL:-}")" >>"$dir/job_attempts.jsonl"
}

# Numbers the attempt about to start in DIR (MC_ATTEMPT: one more than the attempts
# run.log has seen) and records the attempts that ended without a record in
# job_attempts.jsonl: their job shell was killed, by SLURM's SIGKILL KillWait seconds
# after its SIGTERM (scontrol requeue, preemption, time limit, scancel).
mc_number_attempt() {
    local dir=$1 seen=0 recorded=0 a section started from to
    [[ -f $dir/run.log ]] && seen=$(grep -c '^===== attempt ' "$dir/run.log" || true)
    [[ -f $dir/job_attempts.jsonl ]] && recorded=$(wc -l <"$dir/job_attempts.jsonl")
    for ((a = recorded + 1; a <= seen; a++)); do
        section=$(awk -v n="$a" '/^===== attempt / { k++ } k == n' "$dir/run.log")
        started=$(head -n 1 <<<"$section" | awk '{ sub(/:$/, "", $4); print $4 }')
        from=$(awk '/Continuing from the checkpoint at [0-9.]+ ms/ { v = $(NF - 1) } END { print v }' <<<"$section")
        to=$(awk 'match($0, /stopped by signal [0-9]+ at [0-9.]+ ms/) { split(substr($0, RSTART, RLENGTH), w, " "); v = w[6] } END { print v }' <<<"$section")
        printf '{"attempt": %s, "slurm_restart_count": null, "mode": %s, "continued_from_ms": %s, "stopped_at_ms": %s, "started": %s, "finished": null, "status": "killed", "exit_code": null, "wall_s": null, "stop_signal": null}\n' \
            "$a" "$(mc_json_str "$([[ -n $from ]] && echo restart || echo new)")" "${from:-null}" "${to:-null}" \
            "$(mc_json_str "$started")" >>"$dir/job_attempts.jsonl"
    done
    MC_ATTEMPT=$((seen + 1))
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
    MC_CPUS_AVAILABLE=$(mc_cpus_available)
    MC_OVERSUBSCRIBED=false
    if ((MC_RANKS_PER_NODE * MC_THREADS > MC_CPUS_AVAILABLE)); then
        MC_OVERSUBSCRIBED=true
        mc_log "WARNING: oversubscribed: $MC_RANKS_PER_NODE rank(s) x $MC_THREADS thread(s) per node on $MC_CPUS_AVAILABLE CPU(s); the times measure ranks and threads taking turns on the CPUs, not the scaling"
    fi
    mc_log "waiting up to ${MC_WAIT_IDLE:-0} s for an idle machine (MC_WAIT_IDLE)"
    MC_MACHINE_BEFORE=$(mc_machine wait --max-wait "${MC_WAIT_IDLE:-0}")
    mc_log "machine before the run: $MC_MACHINE_BEFORE"
    mc_write_job_json "$dir" running 0 0
    mc_log "run: ${MC_COMMAND[*]}"
    local t0 t1 rc=0 cpu0 cpu1 busy0 busy1 times_file
    times_file=$(mktemp)
    times >"$times_file"
    cpu0=$(mc_children_cpu_s "$times_file")
    busy0=$(mc_busy_ticks)
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
    busy1=$(mc_busy_ticks)
    times >"$times_file"
    cpu1=$(mc_children_cpu_s "$times_file")
    rm -f "$times_file"
    local wall busy_s
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
    busy_s=$(awk -v a="$busy0" -v b="$busy1" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.3f", (b - a) / hz }')
    local -a own=()
    # srun's tasks are not this shell's children: their CPU time is not known here.
    [[ $MC_LAUNCHER_USED != srun ]] && own=(--own-cpu-s "$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { printf "%.3f", b - a }')")
    MC_MACHINE_AFTER=$(mc_machine after --busy-cpu-s "$busy_s" --wall-s "$wall" ${own[@]+"${own[@]}"})
    mc_log "machine during the run: $MC_MACHINE_AFTER"
    local status
    if ((rc == 0)) && [[ -f $dir/report.json ]]; then
        status=completed
        mc_log "done in $wall s: $dir"
    elif [[ ! -f $dir/spikes.h5 ]] && { ((rc == MC_EXIT_CHECKPOINTED)) || [[ -n ${MC_STOP_SIGNAL:-} ]]; }; then
        # Stopped on request (exit 75), or stopped by SLURM's SIGTERM to every process
        # of the job (requeue, preemption, time limit, scancel): mpirun then reports 1.
        status=interrupted
        rc=$MC_EXIT_CHECKPOINTED
        if [[ -f $dir/checkpoint.h5 ]]; then
            mc_log "interrupted after $wall s (SIG${MC_STOP_SIGNAL:-USR1 to the ranks}): checkpoint $dir/checkpoint.h5"
        else
            mc_log "interrupted after $wall s (SIG${MC_STOP_SIGNAL:-USR1 to the ranks}) before any checkpoint: the next attempt starts from the beginning"
        fi
    else
        ((rc != 0)) || rc=1
        status=failed
        mc_log "FAILED (exit $rc) after $wall s: $dir"
    fi
    mc_record_attempt "$dir" "$status" "$rc" "$wall"
    mc_write_job_json "$dir" "$status" "$rc" "$wall"
    return "$rc"
}

# After a stop with a checkpoint (exit 75) of the run in DIR: under SLURM the job
# requeues itself and continues from the checkpoint when it runs again; not when
# SLURM itself is ending the job (its SIGTERM to every process: scontrol requeue and
# preemption requeue the job anyway, scancel and the time limit end it). Without
# SLURM: how to continue.
mc_requeue_or_advise() {
    local dir=$1 state script=${MC_JOBS_DIR:-jobs}/full_scale.sbatch
    if ! mc_under_slurm; then
        mc_log "not finished (exit $MC_EXIT_CHECKPOINTED); continue with: bash $script --job-dir $dir [--ranks R --threads T]"
        return 0
    fi
    state=$(scontrol show job -o "$SLURM_JOB_ID" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | head -n 1 | cut -d= -f2)
    if [[ ${MC_STOP_SIGNAL:-} == TERM && $state != RUNNING ]]; then
        mc_log "SLURM is ending job $SLURM_JOB_ID (state ${state:-unknown}): requeued or preempted, it continues from the checkpoint when it runs again; cancelled or out of time, continue with: sbatch [options] $script --job-dir $dir"
        return 0
    fi
    # No requeue without progress: a time limit shorter than the start-up plus the
    # signal's lead time would stop every attempt before or at its first step.
    if [[ ${MC_ATTEMPT_RAN:-1} == 0 ]]; then
        mc_log "not requeued: stopped before the run started; the time limit leaves no time to simulate (longer --time, or a later --signal); continue with: sbatch [options] $script --job-dir $dir"
        return 0
    fi
    local last from to
    last=$(tail -n 1 "$dir/job_attempts.jsonl" 2>/dev/null || true)
    from=$(sed -n 's/.*"continued_from_ms": \([0-9.]*\),.*/\1/p' <<<"$last")
    to=$(sed -n 's/.*"stopped_at_ms": \([0-9.]*\),.*/\1/p' <<<"$last")
    if [[ -n $from && -n $to ]] && awk -v a="$from" -v b="$to" 'BEGIN { exit !(b - a < 1) }'; then
        mc_log "not requeued: this attempt stopped at $to ms, $from ms when it started; the time limit leaves no time to simulate (longer --time, or a later --signal); continue with: sbatch [options] $script --job-dir $dir"
        return 0
    fi
    if ((${SLURM_RESTART_COUNT:-0} >= ${MC_MAX_REQUEUES:-50})); then
        mc_log "not requeued: requeued ${SLURM_RESTART_COUNT} times already (MC_MAX_REQUEUES=${MC_MAX_REQUEUES:-50}); continue with: sbatch [options] $script --job-dir $dir"
        return 0
    fi
    if scontrol requeue "$SLURM_JOB_ID"; then
        mc_log "requeued job $SLURM_JOB_ID: it continues from $dir/checkpoint.h5 when it runs again"
    else
        mc_log "scontrol requeue $SLURM_JOB_ID failed; continue with: sbatch [options] $script --job-dir $dir"
    fi
}

# ---------------------------------------------------------------------------------------
# Scaling studies (strong_scaling.sh, weak_scaling.sh)

mc_study_usage() {
    local kind=$1
    if [[ $kind == strong ]]; then
        cat <<'EOF'
usage: jobs/strong_scaling.sh [options] [--set section.key=value ...]

Strong scaling: the same network (N_scaling, K_scaling fixed) simulated on a series
of ranks x threads, each point repeated. Under SLURM every point is one job array
(one array task per repetition) and a last job, dependent on all of them, collects
the report.json files into CSV and plots with tools/scaling_study.py. With --local
the points run one after the other here with mpirun.

options (environment variable in brackets, default after the colon):
  --points "P ..."      points RANKSxTHREADS[@NODES] [MC_POINTS: "1x4 2x4 4x4 8x4"]
  --repeats N           repetitions of each point [MC_REPEATS: 3]
  --scale S             N_scaling = K_scaling = S [MC_SCALE: 1]
  --k-scaling K         K_scaling if it differs from --scale [MC_K_SCALING]
EOF
    else
        cat <<'EOF'
usage: jobs/weak_scaling.sh [options] [--set section.key=value ...]

Weak scaling: neurons per rank held constant: N_scaling = (N_scaling per rank) x
ranks, K_scaling fixed, over a series of ranks x threads, each point repeated.
Under SLURM every point is one job array (one array task per repetition) and a
last job, dependent on all of them, collects the report.json files into CSV and
plots with tools/scaling_study.py. With --local the points run one after the other
here with mpirun.

options (environment variable in brackets, default after the colon):
  --points "P ..."      points RANKSxTHREADS[@NODES] [MC_POINTS: "1x4 2x4 4x4 8x4"]
  --repeats N           repetitions of each point [MC_REPEATS: 3]
  --n-per-rank S        N_scaling per rank [MC_N_PER_RANK: 0.1]
  --k-scaling K         K_scaling, fixed [MC_K_SCALING: 1]
EOF
    fi
    cat <<'EOF'
  --t-sim MS            simulated time after the warm-up [MC_T_SIM: 1000]
  --t-presim MS         warm-up [MC_T_PRESIM: 500]
  --bg dc|poisson       background drive [MC_BG: dc]
  --record spikes|none  record spikes (spikes.h5) or nothing [MC_RECORD: spikes]
  --wait-idle S         before each run wait up to S seconds until other processes
                        are idle and the cores equally fast (tools/benchmark/idle.py,
                        as the benchmark harness does; 0: only measure) [MC_WAIT_IDLE: 60]
  --oversubscribe       with --local: run points whose ranks x threads exceed this
                        machine's CPUs instead of refusing them; they are flagged in
                        the tables and plots [MC_OVERSUBSCRIBE=1]
  --config FILE         base configuration [MC_CONFIG: none, built-in defaults]
  --set k=v             further override, repeatable [MC_SET: space-separated k=v]
  --out DIR             study directory [MC_STUDY_DIR:
                        $MC_OUTPUT_ROOT/<kind>-<date>-<time>, MC_OUTPUT_ROOT: ./runs]
  --bin PATH            microcircuit_mpi [MICROCIRCUIT_BIN: PATH, else build/]
  --launcher L          mpirun, srun or none [MC_LAUNCHER: mpirun]
  --bind B              auto, core, hwthread, none [MC_BIND: auto]
  --local               run here with mpirun instead of submitting [MC_LOCAL=1]
  --sbatch-args "..."   extra sbatch options, e.g. "-p batch -A proj" [MC_SBATCH_ARGS]
  --time HH:MM:SS       time limit of each run job [MC_TIME: 01:00:00]
  --no-exclusive        share nodes with other jobs (default: --exclusive) [MC_EXCLUSIVE=0]
  --chain               start each point only after the previous one ended [MC_CHAIN=1]
  --no-collect          do not submit/run the collection step [MC_COLLECT=0]
  --print-only          print the sbatch commands, submit nothing [MC_PRINT_ONLY=1]
  -h, --help            this text

A point RxT@N runs R ranks with T OpenMP threads each on N nodes (R/N ranks per
node; @N defaults to @1). Output (see jobs/README.md):
  <study>/study.json, jobs.txt            settings, job ids
  <study>/logs/                           SLURM logs
  <study>/runs/R<r>xT<t>xN<n>/rep<k>/     spikes.h5, report.json, job.json, job_env.txt,
                                          dry_run.txt, run.log
  <study>/results/                        scaling_runs.csv, scaling_summary.csv and
                                          speedup/efficiency/rtf/phases/memory PNG+SVG
EOF
}

# Parses "RxT[@N]" into POINT_R POINT_T POINT_N.
mc_parse_point() {
    local spec=$1
    [[ $spec =~ ^([0-9]+)x([0-9]+)(@([0-9]+))?$ ]] || mc_die "bad point '$spec' (want RANKSxTHREADS[@NODES], e.g. 4x8@2)"
    POINT_R=${BASH_REMATCH[1]} POINT_T=${BASH_REMATCH[2]} POINT_N=${BASH_REMATCH[4]:-1}
    if ! mc_is_uint "$POINT_R" || ! mc_is_uint "$POINT_T" || ! mc_is_uint "$POINT_N"; then
        mc_die "bad point '$spec': counts must be positive"
    fi
    ((POINT_R % POINT_N == 0)) || mc_die "point '$spec': $POINT_R ranks do not divide evenly over $POINT_N nodes"
}

mc_study_main() {
    local kind=$1
    shift
    MC_PROG=${kind}_scaling.sh
    local points=${MC_POINTS:-"1x4 2x4 4x4 8x4"} repeats=${MC_REPEATS:-3}
    local scale=${MC_SCALE:-1} k_scaling=${MC_K_SCALING:-} n_per_rank=${MC_N_PER_RANK:-0.1}
    local t_sim=${MC_T_SIM:-1000} t_presim=${MC_T_PRESIM:-500} bg=${MC_BG:-dc} record=${MC_RECORD:-spikes}
    local study=${MC_STUDY_DIR:-} local_mode=${MC_LOCAL:-0} sbatch_args=${MC_SBATCH_ARGS:-}
    local time_limit=${MC_TIME:-01:00:00} exclusive=${MC_EXCLUSIVE:-1} chain=${MC_CHAIN:-0}
    local collect=${MC_COLLECT:-1} print_only=${MC_PRINT_ONLY:-0}
    local wait_idle=${MC_WAIT_IDLE:-60} oversubscribe=${MC_OVERSUBSCRIBE:-0}
    local -a sets=()
    [[ -n ${MC_SET:-} ]] && read -r -a sets <<<"$MC_SET"
    while (($#)); do
        case $1 in
        -h | --help) mc_study_usage "$kind"; exit 0 ;;
        --points) points=${2:?}; shift ;;
        --repeats) repeats=${2:?}; shift ;;
        --scale) scale=${2:?}; shift ;;
        --k-scaling) k_scaling=${2:?}; shift ;;
        --n-per-rank) n_per_rank=${2:?}; shift ;;
        --t-sim) t_sim=${2:?}; shift ;;
        --t-presim) t_presim=${2:?}; shift ;;
        --bg) bg=${2:?}; shift ;;
        --record) record=${2:?}; shift ;;
        --wait-idle) wait_idle=${2:?}; shift ;;
        --oversubscribe) oversubscribe=1 ;;
        --config) MC_CONFIG=${2:?}; shift ;;
        --set) sets+=("${2:?}"); shift ;;
        --set=*) sets+=("${1#--set=}") ;;
        --out) study=${2:?}; shift ;;
        --bin) MICROCIRCUIT_BIN=${2:?}; shift ;;
        --launcher) MC_LAUNCHER=${2:?}; shift ;;
        --bind) MC_BIND=${2:?}; shift ;;
        --local) local_mode=1 ;;
        --sbatch-args) sbatch_args=${2?}; shift ;;
        --time) time_limit=${2:?}; shift ;;
        --no-exclusive) exclusive=0 ;;
        --chain) chain=1 ;;
        --no-collect) collect=0 ;;
        --print-only) print_only=1 ;;
        *) mc_die "unknown option '$1' (see --help)" ;;
        esac
        shift
    done
    mc_is_uint "$repeats" || mc_die "--repeats must be a positive integer"
    case $bg in dc | poisson) ;; *) mc_die "--bg must be dc or poisson" ;; esac
    case $record in spikes) ;; none) ;; *) mc_die "--record must be spikes or none" ;; esac
    [[ -z ${MC_CONFIG:-} ]] || [[ -f $MC_CONFIG ]] || mc_die "no such config: $MC_CONFIG"
    [[ -z ${MC_CONFIG:-} ]] || MC_CONFIG=$(cd "$(dirname "$MC_CONFIG")" && pwd)/$(basename "$MC_CONFIG")
    if [[ $kind == strong ]]; then k_scaling=${k_scaling:-$scale}; else k_scaling=${k_scaling:-1}; fi
    local -a specs
    read -r -a specs <<<"$points"
    ((${#specs[@]})) || mc_die "no points given"
    [[ $wait_idle =~ ^[0-9]+([.][0-9]*)?$ ]] || mc_die "--wait-idle must be a number of seconds, got '$wait_idle'"
    local spec
    for spec in "${specs[@]}"; do mc_parse_point "$spec"; done
    if [[ $local_mode == 1 ]]; then
        # Here every rank and thread shares this machine: more of them than CPUs time
        # the CPUs taking turns, not the scaling.
        local cpus over=()
        cpus=$(mc_cpus_here)
        for spec in "${specs[@]}"; do
            mc_parse_point "$spec"
            ((POINT_R * POINT_T > cpus)) && over+=("$spec")
        done
        if ((${#over[@]})); then
            if [[ $oversubscribe != 1 ]]; then
                mc_die "point(s) ${over[*]}: more ranks x threads than the $cpus CPU(s) of this machine; their times would measure oversubscription, not scaling. Leave them out, or give --oversubscribe to run them anyway (flagged in the tables and plots)"
            fi
            echo "$MC_PROG: WARNING: point(s) ${over[*]} oversubscribe the $cpus CPU(s) of this machine (--oversubscribe): they are run, and flagged in the tables and plots as not measuring scaling" >&2
        fi
    fi

    mc_locate_binary
    [[ -z $study ]] && study=${MC_OUTPUT_ROOT:-$PWD/runs}/$kind-$(date +%Y%m%d-%H%M%S)
    [[ $study == /* ]] || study=$PWD/$study
    if [[ $print_only != 1 ]]; then
        mkdir -p "$study/logs" "$study/runs"
        study=$(cd "$study" && pwd)
        : >"$study/jobs.txt"
    fi
    local rec_dev="[spike_recorder]"
    [[ $record == none ]] && rec_dev="[]"
    local -a common=(--set "simulation.t_sim=$t_sim" --set "simulation.t_presim=$t_presim"
        --set "network.bg_input_type=$bg" --set "network.K_scaling=$k_scaling"
        --set "simulation.rec_dev=$rec_dev" --set "simulation.print_time=false")
    for s in "${sets[@]}"; do common+=(--set "$s"); done

    local python tool
    python=$(mc_python)
    tool=$(mc_repo_dir)/tools/scaling_study.py
    local -a collect_cmd=("$python" "$tool" --kind "$kind" --out "$study/results" "$study/runs")

    local -a ids=() labels=()
    local prev="" n_scaling label
    for spec in "${specs[@]}"; do
        mc_parse_point "$spec"
        if [[ $kind == strong ]]; then
            n_scaling=$scale
        else
            n_scaling=$(awk -v a="$n_per_rank" -v r="$POINT_R" 'BEGIN { printf "%.10g", a * r }')
        fi
        label=R${POINT_R}xT${POINT_T}xN${POINT_N}
        labels+=("$label")
        local -a point_args=(--kind "$kind" --label "$label" --run-dir "$study/runs/$label"
            --set "network.N_scaling=$n_scaling" "${common[@]}")
        [[ -n ${MC_CONFIG:-} ]] && point_args+=(--config "$MC_CONFIG")
        if [[ $local_mode == 1 ]]; then
            local rep
            for ((rep = 1; rep <= repeats; rep++)); do
                local -a cmd=(env MC_NODES="$POINT_N" MC_RANKS="$POINT_R" MC_RANKS_PER_NODE=$((POINT_R / POINT_N))
                    MC_THREADS="$POINT_T" MC_REPEAT="$rep" MICROCIRCUIT_BIN="$MC_BIN" MC_WAIT_IDLE="$wait_idle"
                    bash "$MC_JOBS_DIR/run_point.sbatch" "${point_args[@]}")
                if [[ $print_only == 1 ]]; then
                    printf '%q ' "${cmd[@]}"
                    echo
                else
                    mc_log "point $label repetition $rep/$repeats"
                    "${cmd[@]}" 2>&1 | tee "$study/logs/$label-rep$rep.out" || mc_log "point $label repetition $rep failed (see $study/logs)"
                fi
            done
        else
            local -a sb=(sbatch --parsable --job-name="pd14-$kind-$label" --nodes="$POINT_N"
                --ntasks="$POINT_R" --ntasks-per-node=$((POINT_R / POINT_N)) --cpus-per-task="$POINT_T"
                --array="1-$repeats" --time="$time_limit" --output="$study/logs/%x-%A_%a.out"
                --export="ALL,MC_JOBS_DIR=$MC_JOBS_DIR,MICROCIRCUIT_BIN=$MC_BIN,MC_WAIT_IDLE=$wait_idle")
            ((exclusive)) && sb+=(--exclusive)
            [[ $chain == 1 && -n $prev ]] && sb+=(--dependency="afterany:$prev")
            local -a user_args=()
            read -r -a user_args <<<"$sbatch_args"
            sb+=("${user_args[@]}" "$MC_JOBS_DIR/run_point.sbatch" "${point_args[@]}")
            if [[ $print_only == 1 ]]; then
                printf '%q ' "${sb[@]}"
                echo
                prev=PREVIOUS_JOB_ID
            else
                local id
                id=$(command "${sb[@]}") || mc_die "sbatch failed for point $label"
                id=${id%%;*}
                ids+=("$id")
                prev=$id
                echo "$id $label" >>"$study/jobs.txt"
                mc_log "submitted point $label ($POINT_R ranks x $POINT_T threads on $POINT_N node(s), $repeats repetition(s)): job array $id"
            fi
        fi
    done

    local collect_id=""
    if [[ $collect == 1 ]]; then
        if [[ $local_mode == 1 ]]; then
            if [[ $print_only == 1 ]]; then
                printf '%q ' "${collect_cmd[@]}"
                echo
            else
                mc_log "collecting: ${collect_cmd[*]}"
                "${collect_cmd[@]}" 2>&1 | tee "$study/logs/collect.out"
            fi
        else
            local dep
            dep=$(IFS=:; echo "${ids[*]:-PREVIOUS_JOB_IDS}")
            local -a user_args=()
            read -r -a user_args <<<"$sbatch_args"
            local -a sb=(sbatch --parsable --job-name="pd14-$kind-collect" --ntasks=1 --cpus-per-task=1
                --time=00:30:00 --output="$study/logs/%x-%j.out" --dependency="afterany:$dep"
                "${user_args[@]}" --wrap="$(printf '%q ' "${collect_cmd[@]}")")
            if [[ $print_only == 1 ]]; then
                printf '%q ' "${sb[@]}"
                echo
            else
                collect_id=$(command "${sb[@]}") || mc_die "sbatch failed for the collection job"
                collect_id=${collect_id%%;*}
                echo "$collect_id collect" >>"$study/jobs.txt"
                mc_log "submitted the collection job $collect_id (after $dep)"
            fi
        fi
    fi

    [[ $print_only == 1 ]] && return 0
    {
        echo "{"
        echo "  \"kind\": $(mc_json_str "$kind"),"
        echo "  \"created\": $(mc_json_str "$(date --iso-8601=seconds)"),"
        echo "  \"host\": $(mc_json_str "$(hostname)"),"
        echo "  \"mode\": $(mc_json_str "$([[ $local_mode == 1 ]] && echo local || echo slurm)"),"
        echo "  \"points\": $(mc_json_array "${specs[@]}"),"
        echo "  \"labels\": $(mc_json_array "${labels[@]}"),"
        echo "  \"repeats\": $repeats,"
        if [[ $kind == strong ]]; then
            echo "  \"N_scaling\": $scale,"
        else
            echo "  \"N_scaling_per_rank\": $n_per_rank,"
        fi
        echo "  \"K_scaling\": $k_scaling,"
        echo "  \"t_sim_ms\": $t_sim,"
        echo "  \"t_presim_ms\": $t_presim,"
        echo "  \"bg_input_type\": $(mc_json_str "$bg"),"
        echo "  \"wait_idle_s\": $wait_idle,"
        echo "  \"overrides\": $(mc_json_array "${sets[@]}"),"
        echo "  \"config\": $(mc_json_str "${MC_CONFIG:-}"),"
        echo "  \"binary\": $(mc_json_str "$MC_BIN"),"
        echo "  \"job_ids\": $(mc_json_array "${ids[@]}"),"
        echo "  \"collect_job_id\": $(mc_json_str "$collect_id")"
        echo "}"
    } >"$study/study.json"
    echo "study directory: $study"
    if [[ $local_mode != 1 ]]; then
        echo "jobs: ${ids[*]}${collect_id:+ (collection: $collect_id)}"
        echo "watch: squeue -j $(IFS=,; echo "${ids[*]}${collect_id:+,$collect_id}")"
    fi
    echo "results (after the jobs): $study/results"
}
