"""Whether a run stopped with a checkpoint (exit 75) requeues its SLURM job, to continue
from the checkpoint when it runs again; otherwise how to continue it by hand."""

MIN_PROGRESS_MS = 1.0


def decide(
    job_dir,
    script,
    in_slurm,
    job_id,
    state,
    stop_signal,
    attempt_ran,
    last_attempt,
    restart_count,
    max_requeues,
):
    """(requeue?, message). STATE: the job's state (scontrol), LAST_ATTEMPT: the last
    record of job_attempts.jsonl (or None)."""
    later = "continue with: sbatch [options] %s --job-dir %s" % (script, job_dir)
    if not in_slurm:
        return False, (
            "not finished (exit 75); continue with: bash %s --job-dir %s "
            "[--ranks R --threads T]" % (script, job_dir)
        )
    if stop_signal == "TERM" and state != "RUNNING":
        # SLURM's SIGTERM to every process: scontrol requeue and preemption requeue
        # the job anyway, scancel and the time limit end it.
        return False, (
            "SLURM is ending job %s (state %s): requeued or preempted, it continues "
            "from the checkpoint when it runs again; cancelled or out of time, %s"
            % (job_id, state or "unknown", later)
        )
    # No requeue without progress: a time limit shorter than the start-up plus the
    # signal's lead time would stop every attempt before or at its first step.
    if not attempt_ran:
        return False, (
            "not requeued: stopped before the run started; the time limit leaves no "
            "time to simulate (longer --time, or a later --signal); " + later
        )
    start = (last_attempt or {}).get("continued_from_ms")
    stop = (last_attempt or {}).get("stopped_at_ms")
    if start is not None and stop is not None and stop - start < MIN_PROGRESS_MS:
        return False, (
            "not requeued: this attempt stopped at %s ms, %s ms when it started; the "
            "time limit leaves no time to simulate (longer --time, or a later "
            "--signal); %s" % (stop, start, later)
        )
    if restart_count >= max_requeues:
        return False, (
            "not requeued: requeued %d times already (MC_MAX_REQUEUES=%d); %s"
            % (restart_count, max_requeues, later)
        )
    return True, (
        "requeued job %s: it continues from %s/checkpoint.h5 when it runs again" % (job_id, job_dir)
    )
