#!/bin/bash
# End-to-end test of jobs/ and tools/scaling_study.py on a real SLURM (ctest label slurm).
#
#   bash tests/slurm/run_slurm_test.sh /path/to/microcircuit_mpi
#
# As root on Debian 12: installs slurm-wlm and munge with apt-get if they are missing,
# writes a one-node slurm.conf for this host into a fresh temporary directory, starts
# a private munged, slurmctld and slurmd there (own socket, ports, state and spool:
# nothing of a system SLURM or munge is touched), submits
#   - jobs/full_scale.sbatch with a small-scale override (2 ranks), with mpirun and
#     again with --launcher srun (PMIx),
#   - a strong-scaling study with 1 and 2 ranks, 2 repetitions each (job arrays) and
#     its dependent collection job,
#   - a two-point weak-scaling study,
#   - an ensemble of three seeds (jobs/ensemble.sh: job array and summary job),
#   - three jobs of jobs/full_scale.sbatch at scale 0.05 with a checkpoint every
#     1000 ms: one uninterrupted, one sent `scancel --signal=USR1 --batch` and one
#     `scontrol requeue`d while simulating (each requeued, and continued from its
#     checkpoint),
# waits for them, checks the outputs, the CSV tables and plots, that the spikes
# of 1 and 2 ranks (and of mpirun and srun) are identical, and that the interrupted
# jobs were interrupted, continued and wrote the spikes of the uninterrupted one;
# then stops everything it started and removes the temporary directory (also on
# failure or interruption).
#
# Exit status: 0 passed, 1 failed, 77 skipped (not root / SLURM cannot be installed).
# Environment: MC_SLURM_TEST_TIMEOUT (s, default 600) for the jobs,
# MC_SLURM_TEST_KEEP=1 keeps the temporary directory.
set -euo pipefail

if [[ $# -lt 1 || $1 == -h || $1 == --help ]]; then
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
    [[ $# -ge 1 ]] && exit 0 || exit 2
fi
BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
[[ -x $BIN ]] || { echo "FAIL: not an executable: $1" >&2; exit 1; }
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TIMEOUT=${MC_SLURM_TEST_TIMEOUT:-600}
PY=/usr/bin/python3
T0=$(date +%s)

say() { echo "[slurm-test +$(($(date +%s) - T0))s] $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

if [[ $(id -u) != 0 ]]; then
    echo "SKIP: the SLURM test starts munged, slurmctld and slurmd as root; run it as root"
    exit 77
fi

# --- packages ------------------------------------------------------------------------
apt_install() {
    export DEBIAN_FRONTEND=noninteractive
    say "apt-get install $*"
    local log=/tmp/mc-slurm-test-apt.log policy=/usr/sbin/policy-rc.d own_policy=0 rc=0
    # The packages' maintainer scripts must not start system daemons (munge, slurmd):
    # only the private ones below run, and they are stopped at the end.
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && own_policy=1
    fi
    if ! apt-get install -y -q --no-install-recommends "$@" >"$log" 2>&1; then
        apt-get update -q >>"$log" 2>&1 || true
        apt-get install -y -q --no-install-recommends "$@" >>"$log" 2>&1 || rc=1
    fi
    ((own_policy)) && rm -f "$policy"
    ((rc == 0)) || tail -n 20 "$log"
    return "$rc"
}
missing=0
for c in slurmctld slurmd sbatch squeue sinfo scontrol scancel munged munge unmunge; do
    command -v "$c" >/dev/null 2>&1 || missing=1
done
if ((missing)); then
    apt_install slurm-wlm munge || { echo "SKIP: cannot install slurm-wlm and munge with apt-get"; exit 77; }
fi
if ! "$PY" -c 'import numpy, matplotlib, h5py' 2>/dev/null; then
    apt_install python3-numpy python3-matplotlib python3-h5py || fail "cannot install numpy, matplotlib, h5py for $PY"
fi
command -v mpirun >/dev/null 2>&1 || fail "mpirun not found"

# --- private SLURM in a temporary directory ---------------------------------------------
TMP=$(mktemp -d /tmp/mc-slurm-test.XXXXXX)
# munged wants its socket directory (and the path to it) executable for everyone.
chmod 755 "$TMP"
mkdir -p "$TMP"/{etc,munge,state,spool,log,pids,out}
chmod 755 "$TMP/munge"
# Every process started here carries this marker in its environment (daemons, job steps,
# the jobs' processes): the cleanup finds what is left by it, and only that.
MARK="MC_SLURM_TEST_MARK=$TMP"
STATUS=1

stop_pid() { # pidfile
    local pid
    [[ -f $1 ]] || return 0
    pid=$(cat "$1" 2>/dev/null) || return 0
    [[ $pid =~ ^[0-9]+$ ]] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.2
    done
    kill -KILL "$pid" 2>/dev/null || true
}

marked_pids() {
    local p
    for p in /proc/[0-9]*; do
        p=${p#/proc/}
        [[ $p == "$$" || $p == "$BASHPID" ]] && continue
        { tr '\0' '\n' <"/proc/$p/environ"; } 2>/dev/null | grep -qxF "$MARK" && echo "$p"
    done
    return 0
}

show_logs() {
    local f
    echo "===== logs (tail) ====="
    for f in "$TMP"/log/*.out "$TMP"/out/*/logs/*.out "$TMP"/out/full/*/job.log "$TMP"/out/ckpt/*/job.log; do
        [[ -f $f ]] || continue
        echo "----- $f"
        tail -n 40 "$f"
    done
    for f in "$TMP"/log/slurmctld.log "$TMP"/log/slurmd.log "$TMP"/log/munged.log; do
        [[ -f $f ]] || continue
        echo "----- $f"
        tail -n 25 "$f"
    done
    if [[ -n ${SLURM_CONF:-} ]]; then
        echo "----- sinfo -R / squeue"
        timeout 10 sinfo -R 2>&1 || true
        timeout 10 squeue 2>&1 || true
    fi
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    ((rc == 0)) && rc=$STATUS
    if ((rc != 0 && rc != 77)); then show_logs || true; fi
    say "stopping the private SLURM and munge"
    if [[ -f $TMP/pids/slurmctld ]]; then
        timeout 10 scancel --quiet --full -u root 2>/dev/null || true
        for _ in $(seq 25); do
            [[ -z $(timeout 5 squeue -h -o %A 2>/dev/null) ]] && break
            sleep 0.4
        done
    fi
    stop_pid "$TMP/pids/slurmd"
    stop_pid "$TMP/pids/slurmctld"
    stop_pid "$TMP/pids/munged"
    # Job steps or job processes that outlived their daemons.
    local -a left
    mapfile -t left < <(marked_pids)
    if ((${#left[@]})); then
        say "stopping leftover processes: ${left[*]}"
        kill -TERM "${left[@]}" 2>/dev/null || true
        sleep 1
        mapfile -t left < <(marked_pids)
        if ((${#left[@]})); then
            kill -KILL "${left[@]}" 2>/dev/null || true
            sleep 0.5
            mapfile -t left < <(marked_pids)
        fi
        if ((${#left[@]})); then
            echo "FAIL: processes of the private SLURM still running: ${left[*]}" >&2
            ((rc != 0)) || rc=1
        fi
    fi
    if [[ ${MC_SLURM_TEST_KEEP:-0} == 1 ]]; then
        say "kept $TMP"
    else
        rm -rf "$TMP"
    fi
    if ((rc == 0)); then say "PASSED"; else say "FAILED (exit $rc)"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Two free TCP ports for slurmctld and slurmd.
read -r CTLD_PORT SLURMD_PORT < <("$PY" - <<'EOF'
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])
EOF
)

HOST=$(hostname -s)
CPUS=$(nproc)
MEM_MB=$(free -m | awk '/^Mem:/ { print int($2 * 0.9) }')
EXTRA_CONF=""
if ((CPUS < 2)); then
    # Two ranks need two CPUs in SLURM's view: declare them and trust the declaration.
    CPUS=2
    EXTRA_CONF="SlurmdParameters=config_overrides"
    export MC_BIND=none
fi

cat >"$TMP/etc/slurm.conf" <<EOF
# One-node SLURM for tests/slurm/run_slurm_test.sh (temporary)
ClusterName=mctest
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$TMP/munge/munge.sock,cred_expire=10
CredType=cred/munge
StateSaveLocation=$TMP/state
SlurmdSpoolDir=$TMP/spool
SlurmctldPidFile=$TMP/pids/slurmctld.pid
SlurmdPidFile=$TMP/pids/slurmd.pid
SlurmctldLogFile=$TMP/log/slurmctld.log
SlurmdLogFile=$TMP/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2,bf_interval=2
MpiDefault=none
ReturnToService=2
MinJobAge=600
KillWait=5
SlurmctldTimeout=30
SlurmdTimeout=30
$EXTRA_CONF
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=mctest Nodes=$HOST Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
export SLURM_CONF=$TMP/etc/slurm.conf

# munge: the system key (created if absent), copied for the private munged.
KEY=/etc/munge/munge.key
if [[ ! -s $KEY ]]; then
    say "creating $KEY"
    mkdir -p /etc/munge
    if command -v mungekey >/dev/null 2>&1; then
        mungekey --create --keyfile="$KEY"
    else
        dd if=/dev/urandom of="$KEY" bs=1024 count=1 status=none
    fi
    getent passwd munge >/dev/null && chown munge:munge "$KEY" /etc/munge
    chmod 600 "$KEY"
fi
install -m 600 -o root -g root "$KEY" "$TMP/munge/munge.key"

say "starting munged, slurmctld, slurmd on $HOST ($CPUS CPUs, $MEM_MB MB; ports $CTLD_PORT/$SLURMD_PORT; $TMP)"
env "$MARK" munged -F --key-file="$TMP/munge/munge.key" --socket="$TMP/munge/munge.sock" \
    --pid-file="$TMP/munge/munged.pid" --log-file="$TMP/log/munged.log" \
    --seed-file="$TMP/munge/munged.seed" </dev/null >"$TMP/log/munged.out" 2>&1 &
echo $! >"$TMP/pids/munged"
for _ in $(seq 50); do
    munge -n -S "$TMP/munge/munge.sock" 2>/dev/null | unmunge -S "$TMP/munge/munge.sock" >/dev/null 2>&1 && break
    sleep 0.2
done
munge -n -S "$TMP/munge/munge.sock" | unmunge -S "$TMP/munge/munge.sock" >/dev/null || fail "munged does not answer"

env "$MARK" slurmctld -D -f "$SLURM_CONF" </dev/null >"$TMP/log/slurmctld.out" 2>&1 &
echo $! >"$TMP/pids/slurmctld"
env "$MARK" slurmd -D -f "$SLURM_CONF" </dev/null >"$TMP/log/slurmd.out" 2>&1 &
echo $! >"$TMP/pids/slurmd"

state=""
for _ in $(seq 120); do
    state=$(timeout 5 sinfo -h -N -n "$HOST" -o %T 2>/dev/null || true)
    [[ $state == idle ]] && break
    kill -0 "$(cat "$TMP/pids/slurmctld")" 2>/dev/null || fail "slurmctld exited"
    kill -0 "$(cat "$TMP/pids/slurmd")" 2>/dev/null || fail "slurmd exited"
    sleep 0.5
done
[[ $state == idle ]] || fail "node $HOST not idle after 60 s (state '$state')"
say "node $HOST is idle: $(sinfo -h -o '%P %a %D %T %c CPUs %m MB')"

# --- submit -----------------------------------------------------------------------------
cd "$TMP/out"
# MC_WAIT_IDLE=0: the runs measure the machine's load but do not wait for it to fall.
submit_env=(env "$MARK" MICROCIRCUIT_BIN="$BIN" MC_PYTHON="$PY" MC_WAIT_IDLE=0)
FULL_ID=$("${submit_env[@]}" sbatch --parsable --nodes=1 --ntasks=2 --ntasks-per-node=2 \
    --cpus-per-task=1 --time=00:10:00 --output="$TMP/log/full-%j.out" \
    "$REPO/jobs/full_scale.sbatch" --out "$TMP/out/full" --t-presim 50 --t-sim 100 \
    --set network.N_scaling=0.02 --set network.K_scaling=0.02)
FULL_ID=${FULL_ID%%;*}
say "full-scale job (N_scaling=K_scaling=0.02, 2 ranks): $FULL_ID"
# The same through srun (PMIx) instead of mpirun: the same spikes.
SRUN_ID=$("${submit_env[@]}" sbatch --parsable --nodes=1 --ntasks=2 --ntasks-per-node=2 \
    --cpus-per-task=1 --time=00:10:00 --output="$TMP/log/full-srun-%j.out" \
    "$REPO/jobs/full_scale.sbatch" --launcher srun --out "$TMP/out/full" --t-presim 50 --t-sim 100 \
    --set network.N_scaling=0.02 --set network.K_scaling=0.02)
SRUN_ID=${SRUN_ID%%;*}
say "full-scale job through srun: $SRUN_ID"

"${submit_env[@]}" "$REPO/jobs/strong_scaling.sh" --points "1x1 2x1" --repeats 2 --scale 0.05 \
    --bg poisson --t-presim 50 --t-sim 200 --time 00:10:00 --out "$TMP/out/strong" \
    >"$TMP/log/strong-submit.out" 2>&1 || { cat "$TMP/log/strong-submit.out"; fail "strong_scaling.sh failed"; }
say "strong-scaling study: $(awk '{ printf "%s=%s ", $2, $1 }' "$TMP/out/strong/jobs.txt")"

"${submit_env[@]}" "$REPO/jobs/weak_scaling.sh" --points "1x1 2x1" --repeats 1 --n-per-rank 0.02 \
    --k-scaling 0.05 --bg poisson --t-presim 50 --t-sim 100 --no-exclusive --time 00:10:00 \
    --out "$TMP/out/weak" >"$TMP/log/weak-submit.out" 2>&1 || { cat "$TMP/log/weak-submit.out"; fail "weak_scaling.sh failed"; }
say "weak-scaling study: $(awk '{ printf "%s=%s ", $2, $1 }' "$TMP/out/weak/jobs.txt")"

# An ensemble of three seeds: one array task per seed, then the summary job.
"${submit_env[@]}" "$REPO/jobs/ensemble.sh" --seeds 1-3 --out "$TMP/out/ensemble" --t-sim 200 \
    --set network.N_scaling=0.02 --set network.K_scaling=0.02 \
    --sbatch-args "--cpus-per-task=1 --time=00:10:00" >"$TMP/log/ensemble-submit.out" 2>&1 ||
    { cat "$TMP/log/ensemble-submit.out"; fail "ensemble.sh failed"; }
ENS_IDS="$(cat "$TMP/out/ensemble/array_job_id") $(cat "$TMP/out/ensemble/summary_job_id")"
say "ensemble: array and summary $ENS_IDS"

# Checkpoints and requeueing: the same small network three times, with a checkpoint
# every 1000 ms of 12.1 s; the second job is sent SIGUSR1 (to its batch shell only, as
# `#SBATCH --signal=B:USR1@T` does at the time limit), the third `scontrol requeue`d
# (SIGTERM to every process of the job), both once their first checkpoint is written.
CKPT_ARGS=(--out "$TMP/out/ckpt" --t-presim 100 --t-sim 12000 --checkpoint-interval 1000
    --set network.N_scaling=0.05 --set network.K_scaling=0.05 --set network.bg_input_type=poisson)
declare -A CKPT_ID CKPT_DONE
for kind in ref usr1 requeue; do
    CKPT_ID[$kind]=$("${submit_env[@]}" sbatch --parsable --job-name="pd14-ckpt-$kind" --nodes=1 --ntasks=2 \
        --ntasks-per-node=2 --cpus-per-task=1 --time=00:10:00 --output="$TMP/log/ckpt-$kind-%j.out" \
        "$REPO/jobs/full_scale.sbatch" "${CKPT_ARGS[@]}")
    CKPT_ID[$kind]=${CKPT_ID[$kind]%%;*}
    CKPT_DONE[$kind]=0
done
say "checkpoint jobs: uninterrupted ${CKPT_ID[ref]}, SIGUSR1 ${CKPT_ID[usr1]}, scontrol requeue ${CKPT_ID[requeue]}"

# Called while waiting: interrupts the two jobs once they simulate. (SLURM holds a
# requeued job back for the credentials' lifetime, cred_expire, 10 s here.)
interrupt_checkpoint_jobs() {
    local kind id log
    for kind in usr1 requeue; do
        id=${CKPT_ID[$kind]}
        log=$TMP/out/ckpt/full_scale-$id/run.log
        # The ranks' stdout is mpirun's pty: the message may follow a progress line.
        if [[ ${CKPT_DONE[$kind]} == 0 ]] && grep -q 'Checkpoint at 1000.0 ms' "$log" 2>/dev/null; then
            if [[ $kind == usr1 ]]; then
                scancel --signal=USR1 --batch "$id" || fail "scancel --signal=USR1 --batch $id failed"
            else
                scontrol requeue "$id" || fail "scontrol requeue $id failed"
            fi
            CKPT_DONE[$kind]=1
            say "job $id: $([[ $kind == usr1 ]] && echo 'scancel --signal=USR1 --batch' || echo 'scontrol requeue') while simulating"
        fi
    done
}

ALL_IDS="$FULL_ID $SRUN_ID $ENS_IDS ${CKPT_ID[*]} $(awk '{ print $1 }' "$TMP/out/strong/jobs.txt" "$TMP/out/weak/jobs.txt" | tr '\n' ' ')"

# --- wait ---------------------------------------------------------------------------------
deadline=$(($(date +%s) + TIMEOUT))
while :; do
    interrupt_checkpoint_jobs
    queued=$(timeout 10 squeue -h -o '%i %T %r' 2>/dev/null) || queued="(squeue failed)"
    [[ -z $queued ]] && break
    if (($(date +%s) > deadline)); then
        echo "$queued"
        fail "jobs still queued or running after $TIMEOUT s"
    fi
    if [[ $queued == *DependencyNeverSatisfied* ]]; then
        echo "$queued"
        fail "a dependency can never be satisfied"
    fi
    sleep 0.5
done
say "all jobs have left the queue"

# Every job (and array task) must have COMPLETED with exit code 0.
bad=0
for id in $ALL_IDS; do
    while IFS= read -r line; do
        [[ -n $line ]] || continue
        jid=$(grep -o 'JobId=[0-9]*' <<<"$line" | head -n 1)
        name=$(grep -o 'JobName=[^ ]*' <<<"$line" | head -n 1)
        st=$(grep -o 'JobState=[A-Z_]*' <<<"$line" | head -n 1)
        ec=$(grep -o ' ExitCode=[0-9:]*' <<<"$line" | head -n 1)
        echo "  $jid $name $st$ec"
        [[ $st == JobState=COMPLETED && $ec == " ExitCode=0:0" ]] || bad=1
    done < <(scontrol show job -o "$id" 2>&1)
done
((bad == 0)) || fail "not every job completed with exit code 0"

# --- check the outputs ----------------------------------------------------------------------
FULL_DIR=$TMP/out/full/full_scale-$FULL_ID
[[ -d $FULL_DIR ]] || fail "no job directory full_scale-$FULL_ID in $TMP/out/full"
for f in spikes.h5 report.json job.json job_env.txt dry_run.txt run.log job.log; do
    [[ -s $FULL_DIR/$f ]] || fail "full-scale job: $f missing or empty in $FULL_DIR"
done
grep -q "^SLURM_JOB_ID=$FULL_ID\$" "$FULL_DIR/job_env.txt" || fail "job_env.txt does not record SLURM_JOB_ID=$FULL_ID"
grep -q '^estimated memory per rank' "$FULL_DIR/dry_run.txt" || fail "dry_run.txt has no memory estimate"

for f in scaling_runs.csv scaling_summary.csv; do
    [[ -s $TMP/out/strong/results/$f ]] || fail "strong study: results/$f missing"
    [[ -s $TMP/out/weak/results/$f ]] || fail "weak study: results/$f missing"
done
for name in speedup efficiency rtf phases memory overview; do
    for ext in png svg; do
        [[ -s $TMP/out/strong/results/$name.$ext ]] || fail "strong study: results/$name.$ext missing"
        [[ -s $TMP/out/weak/results/$name.$ext ]] || fail "weak study: results/$name.$ext missing"
    done
done

[[ -s $TMP/out/full/full_scale-$SRUN_ID/spikes.h5 ]] || fail "srun job: no spikes.h5"

for s in 1 2 3; do
    for f in spikes.h5 report.json job.json stats.npz stats.json; do
        [[ -s $TMP/out/ensemble/seed$s/$f ]] || fail "ensemble: seed$s/$f missing"
    done
done
[[ -s $TMP/out/ensemble/ensemble.json ]] || fail "ensemble: no ensemble.json"
for stat in rates cvs ccs; do
    for kind in distributions ks; do
        [[ -s $TMP/out/ensemble/figures/${kind}_$stat.png ]] || fail "ensemble: figures/${kind}_$stat.png missing"
    done
done
"$PY" -c 'import json, sys; e = json.load(open(sys.argv[1])); assert e["seeds"] == ["seed1", "seed2", "seed3"], e["seeds"]; assert e["populations"]["L4E"]["rates"]["ks_among_seeds"]["n_pairs"] == 3' \
    "$TMP/out/ensemble/ensemble.json" || fail "ensemble.json: not the three seeds"

"$PY" - "$TMP" "$FULL_DIR" "$FULL_ID" "$TMP/out/full/full_scale-$SRUN_ID" <<'EOF'
import csv, json, os, sys
import h5py
import numpy as np

tmp, full_dir, full_id, srun_dir = sys.argv[1:5]
errors = []

def check(cond, message):
    if not cond:
        errors.append(message)

report = json.load(open(os.path.join(full_dir, "report.json")))
job = json.load(open(os.path.join(full_dir, "job.json")))
net = report["config"]["network"]
check(report["ranks"] == 2 and report["threads"] == 1, "full-scale job: ranks x threads %sx%s, want 2x1"
      % (report["ranks"], report["threads"]))
check(net["N_scaling"] == 0.02 and net["K_scaling"] == 0.02, "full-scale job: scale override not applied")
check(net["bg_input_type"] == "dc", "full-scale job: drive %s, want dc" % net["bg_input_type"])
check(report["config"]["simulation"]["t_sim"] == 100, "full-scale job: t_sim override not applied")
check(report.get("git_commit"), "full-scale job: report.json has no git_commit")
check(job["slurm_job_id"] == full_id and job["status"] == "completed" and job["exit_code"] == 0,
      "full-scale job.json: %s" % job)
check(job["slurm_env"].get("SLURM_JOB_ID") == full_id, "job.json does not record the SLURM variables")

def read_spikes(path):
    out = {}
    with h5py.File(path, "r") as f:
        for pop in sorted(f["spikes"]):
            ids = f["spikes"][pop]["node_ids"][()]
            ts = f["spikes"][pop]["timestamps"][()]
            order = np.lexsort((ts, ids))
            out[pop] = (ids[order], ts[order])
    return out

srun_job = json.load(open(os.path.join(srun_dir, "job.json")))
check(srun_job["launcher"] == "srun" and srun_job["command"][0] == "srun", "srun job: launcher %s"
      % srun_job["launcher"])
a, b = read_spikes(os.path.join(full_dir, "spikes.h5")), read_spikes(os.path.join(srun_dir, "spikes.h5"))
check(a.keys() == b.keys() and all(np.array_equal(a[p][0], b[p][0]) and np.array_equal(a[p][1], b[p][1])
                                   for p in a), "spikes of the mpirun and srun full-scale jobs differ")

strong = os.path.join(tmp, "out", "strong", "runs")
runs = {}
for label, ranks in (("R1xT1xN1", 1), ("R2xT1xN1", 2)):
    for rep in (1, 2):
        d = os.path.join(strong, label, "rep%d" % rep)
        r = json.load(open(os.path.join(d, "report.json")))
        j = json.load(open(os.path.join(d, "job.json")))
        check(r["ranks"] == ranks, "%s rep%d: %d ranks" % (label, rep, r["ranks"]))
        check(j["slurm_array_task_id"] == str(rep), "%s rep%d: array task id %r" % (label, rep, j["slurm_array_task_id"]))
        check(j["oversubscribed"] is False and j["cpus_available"] >= ranks
              and "busy_cores" in (j["machine_before"] or {})
              and "others_cores" in (j["machine_after"] or {}),
              "%s rep%d: job.json lacks the machine's record: %s" % (label, rep, j))
        runs[(label, rep)] = read_spikes(os.path.join(d, "spikes.h5"))
reference = runs[("R1xT1xN1", 1)]
total = sum(len(v[0]) for v in reference.values())
check(total > 100, "strong study: only %d spikes, too few to compare" % total)
for key, spikes in runs.items():
    same = spikes.keys() == reference.keys() and all(
        np.array_equal(spikes[p][0], reference[p][0]) and np.array_equal(spikes[p][1], reference[p][1])
        for p in reference)
    check(same, "spikes of %s rep%d differ from 1 rank rep1" % key)

rows = list(csv.DictReader(open(os.path.join(tmp, "out", "strong", "results", "scaling_runs.csv"))))
check(len(rows) == 4, "strong scaling_runs.csv has %d rows, want 4" % len(rows))
summary = list(csv.DictReader(open(os.path.join(tmp, "out", "strong", "results", "scaling_summary.csv"))))
check([(s["ranks"], s["repeats"]) for s in summary] == [("1", "2"), ("2", "2")]
      and float(summary[0]["speedup"]) == 1.0 and float(summary[1]["speedup"]) > 0,
      "strong scaling_summary.csv: %s" % summary)
weak = list(csv.DictReader(open(os.path.join(tmp, "out", "weak", "results", "scaling_summary.csv"))))
check([(w["ranks"], float(w["N_scaling"])) for w in weak] == [("1", 0.02), ("2", 0.04)],
      "weak scaling_summary.csv: %s" % [(w["ranks"], w["N_scaling"]) for w in weak])
check(all(w["kind"] == "weak" for w in weak), "weak summary not marked weak")

if errors:
    print("\n".join("FAIL: " + e for e in errors), file=sys.stderr)
    sys.exit(1)
print("spikes of 1 and 2 ranks identical (%d spikes, 2 repetitions each); tables and plots complete" % total)
EOF
# --- checkpoints and requeueing -------------------------------------------------------------
for kind in usr1 requeue; do
    id=${CKPT_ID[$kind]}
    [[ ${CKPT_DONE[$kind]} == 1 ]] || fail "job $id finished before it could be interrupted ($kind)"
    restarts=$(scontrol show job -o "$id" | grep -o 'Restarts=[0-9]*' | cut -d= -f2)
    ((restarts >= 1)) || fail "job $id ($kind) was not requeued: Restarts=$restarts"
    grep -q '^===== attempt 2 ' "$TMP/out/ckpt/full_scale-$id/run.log" || fail "job $id ($kind): run.log has no second attempt"
    grep -q 'attempt 2' "$TMP/log/ckpt-$kind-$id.out" || fail "job $id ($kind): the SLURM log lost the first attempt (--open-mode=append)"
done
"$PY" - "$TMP/out/ckpt" "${CKPT_ID[ref]}" "${CKPT_ID[usr1]}" "${CKPT_ID[requeue]}" <<'EOF'
import json, os, sys
import h5py
import numpy as np

root, ref_id, usr1_id, requeue_id = sys.argv[1:5]
errors = []

def check(cond, message):
    if not cond:
        errors.append(message)

def datasets(path):
    with h5py.File(path, "r") as f:
        return {(pop, d): f["spikes"][pop][d][()] for pop in f["spikes"] for d in ("node_ids", "timestamps")}

ref_dir = os.path.join(root, "full_scale-" + ref_id)
ref = datasets(os.path.join(ref_dir, "spikes.h5"))
ref_job = json.load(open(os.path.join(ref_dir, "job.json")))
n_ref = sum(len(v) for (p, d), v in ref.items() if d == "node_ids")
check(n_ref > 1000, "uninterrupted job: only %d spikes" % n_ref)
check(len(ref_job["attempts"]) == 1 and ref_job["status"] == "completed", "uninterrupted job: %s" % ref_job["attempts"])
summary = ["uninterrupted: %.1f s" % ref_job["wall_s"]]
for kind, job_id in (("usr1", usr1_id), ("requeue", requeue_id)):
    d = os.path.join(root, "full_scale-" + job_id)
    job = json.load(open(os.path.join(d, "job.json")))
    first, last = job["attempts"][0], job["attempts"][-1]
    check(len(job["attempts"]) >= 2, "%s job: %d attempt(s)" % (kind, len(job["attempts"])))
    if kind == "usr1":
        # The job shell forwarded SIGUSR1, the ranks checkpointed and exited 75, the
        # job requeued itself.
        check(first["status"] == "interrupted" and first["exit_code"] == 75 and first["stop_signal"] == "USR1",
              "usr1 job: first attempt %s" % first)
    else:
        # SIGTERM to every process; SLURM's SIGKILL after KillWait may come before
        # mpirun (waiting out --kill-grace) returns: then the next attempt records it.
        check(first["status"] in ("interrupted", "killed"), "requeue job: first attempt %s" % first)
    # Continued from the checkpoint written on the signal, not a periodic one (every
    # 1000 ms): the ranks had the time to write it.
    start = last["continued_from_ms"] or 0
    check(last["mode"] == "restart" and last["status"] == "completed" and last["exit_code"] == 0
          and start > 1000 and start % 1000 != 0, "%s job: last attempt %s" % (kind, last))
    check(job["status"] == "completed" and job["slurm_env"].get("SLURM_RESTART_COUNT") == str(len(job["attempts"]) - 1),
          "%s job: status %s, SLURM_RESTART_COUNT %s" % (kind, job["status"], job["slurm_env"].get("SLURM_RESTART_COUNT")))
    check(not os.path.exists(os.path.join(d, "checkpoint.h5")), "%s job: checkpoint.h5 left after the complete run" % kind)
    got = datasets(os.path.join(d, "spikes.h5"))
    same = got.keys() == ref.keys() and all(got[k].dtype == ref[k].dtype and np.array_equal(got[k], ref[k]) for k in ref)
    check(same, "%s job: spikes.h5 datasets differ from the uninterrupted job's" % kind)
    summary.append("%s: continued from %s ms, attempts %s s" % (
        kind, last["continued_from_ms"], " + ".join("%.1f" % a["wall_s"] if a["wall_s"] is not None else "killed"
                                                    for a in job["attempts"])))
if errors:
    print("\n".join("FAIL: " + e for e in errors), file=sys.stderr)
    sys.exit(1)
print("checkpoint jobs: the same %d spikes after SIGUSR1 + requeue and after scontrol requeue (%s)" % (n_ref, "; ".join(summary)))
EOF
STATUS=0
say "checks passed"
