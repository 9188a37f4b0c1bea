"""How a run ended: completed, interrupted (stopped with or before a checkpoint, to be
continued) or failed; its exit status (75 for interrupted) and the log line."""
import os

EXIT_CHECKPOINTED = 75  # microcircuit_mpi's "checkpointed on a signal, not finished" (EX_TEMPFAIL)


def classify(directory, exit_code, stop_signal, wall):
    """(status, exit status, message) of the run into DIRECTORY that exited with
    EXIT_CODE; STOP_SIGNAL: the first signal the job shell received, or ""."""
    has = lambda name: os.path.isfile(os.path.join(directory, name))  # noqa: E731
    if exit_code == 0 and has("report.json"):
        return "completed", 0, "done in %s s: %s" % (wall, directory)
    if not has("spikes.h5") and (exit_code == EXIT_CHECKPOINTED or stop_signal):
        # Stopped on request (exit 75), or stopped by SLURM's SIGTERM to every process
        # of the job (requeue, preemption, time limit, scancel): mpirun then reports 1.
        how = "SIG" + stop_signal if stop_signal else "SIGUSR1 to the ranks"
        if has("checkpoint.h5"):
            where = "checkpoint %s" % os.path.join(directory, "checkpoint.h5")
        else:
            where = "before any checkpoint: the next attempt starts from the beginning"
        return (
            "interrupted",
            EXIT_CHECKPOINTED,
            "interrupted after %s s (%s)%s %s"
            % (wall, how, ":" if has("checkpoint.h5") else "", where),
        )
    code = exit_code if exit_code != 0 else 1
    return "failed", code, "FAILED (exit %d) after %s s: %s" % (code, wall, directory)
