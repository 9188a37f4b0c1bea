"""The attempts of one run: run.log holds a section per attempt (from its line
"===== attempt N <started>: <command>" on), job_attempts.jsonl one record per attempt
that ended (job.json lists them as "attempts"). An attempt whose job shell was killed
(SLURM's SIGKILL KillWait seconds after its SIGTERM: requeue, preemption, time limit,
scancel) left no record; the next attempt writes it, as "killed"."""
import json
import os
import re

HEADER = "===== attempt "
CONTINUED = re.compile(r"Continuing from the checkpoint at ([0-9.]+) ms")
STOPPED = re.compile(r"stopped by signal [0-9]+ at ([0-9.]+) ms")
RUN_LOG, RECORDS = "run.log", "job_attempts.jsonl"


def sections(log_text):
    """The lines of each attempt's section of run.log, in order."""
    found = []
    for line in log_text.splitlines():
        if line.startswith(HEADER):
            found.append([])
        if found:
            found[-1].append(line)
    return found


def _last_ms(pattern, lines):
    value = None
    for line in lines:
        for match in pattern.finditer(line):
            value = float(match.group(1))
    return value


def continued_from_ms(lines):
    """The simulated time the attempt continued from (a restart), else None."""
    return _last_ms(CONTINUED, lines)


def stopped_at_ms(lines):
    """The simulated time the attempt stopped at on a signal, else None."""
    return _last_ms(STOPPED, lines)


def _read(directory, name):
    path = os.path.join(directory, name)
    if not os.path.isfile(path):
        return ""
    with open(path) as f:
        return f.read()


def read_records(directory):
    return [json.loads(line) for line in _read(directory, RECORDS).splitlines() if line.strip()]


def append_record(directory, record):
    with open(os.path.join(directory, RECORDS), "a") as f:
        f.write(json.dumps(record) + "\n")


def killed_record(number, lines):
    """The record of attempt NUMBER (section LINES of run.log) that its shell did not write."""
    header = lines[0].split()
    started = header[3].rstrip(":") if len(header) > 3 else ""
    continued = continued_from_ms(lines)
    return {
        "attempt": number,
        "slurm_restart_count": None,
        "mode": "restart" if continued is not None else "new",
        "continued_from_ms": continued,
        "stopped_at_ms": stopped_at_ms(lines),
        "started": started,
        "finished": None,
        "status": "killed",
        "exit_code": None,
        "wall_s": None,
        "stop_signal": None,
    }


def number_next(directory):
    """Records the attempts that ended without a record and returns the number of the
    attempt about to start: one more than run.log has seen."""
    seen = sections(_read(directory, RUN_LOG))
    recorded = len(read_records(directory))
    for number in range(recorded + 1, len(seen) + 1):
        append_record(directory, killed_record(number, seen[number - 1]))
    return len(seen) + 1


def ended_record(
    directory,
    number,
    restarted,
    restart_count,
    started,
    finished,
    status,
    exit_code,
    wall_s,
    stop_signal,
):
    """The record of attempt NUMBER, which just ended (its section of run.log gives the
    simulated times)."""
    seen = sections(_read(directory, RUN_LOG))
    lines = seen[number - 1] if number <= len(seen) else []
    return {
        "attempt": number,
        "slurm_restart_count": restart_count,
        "mode": "restart" if restarted else "new",
        "continued_from_ms": continued_from_ms(lines),
        "stopped_at_ms": stopped_at_ms(lines),
        "started": started,
        "finished": finished,
        "status": status,
        "exit_code": exit_code,
        "wall_s": wall_s,
        "stop_signal": stop_signal,
    }
