"""A run's times from the readings the job shell takes right around it (without
starting a process): wall clock, the first line of /proc/stat (CPU time of all
processes) and the builtin `times` (CPU time of its own children)."""
import re

from pd14jobs.errors import JobError

CLOCK = re.compile(r"^(\d+)m([0-9.]+)s$")


def seconds(clock):
    """Seconds of a `times` reading such as 1m2.345s."""
    match = CLOCK.match(clock)
    if not match:
        raise JobError("not a time of the builtin times: '%s'" % clock)
    return int(match.group(1)) * 60 + float(match.group(2))


def children_cpu_s(times_output):
    """User + system CPU seconds of the shell's waited-for children (second line of
    `times`)."""
    lines = times_output.strip().splitlines()
    if len(lines) < 2:
        raise JobError("not the output of the builtin times: %r" % times_output)
    user, system = lines[1].split()[:2]
    return seconds(user) + seconds(system)


def busy_ticks(stat_line):
    """Clock ticks all CPUs were busy since boot, from the "cpu" line of /proc/stat:
    all but idle and iowait (as tools/benchmark/idle.py counts them)."""
    fields = stat_line.split()
    if len(fields) < 9 or fields[0] != "cpu" or not all(f.isdigit() for f in fields[1:9]):
        raise JobError("not the cpu line of /proc/stat: '%s'" % stat_line)
    user, nice, system, _, _, irq, softirq, steal = (int(f) for f in fields[1:9])
    return user + nice + system + irq + softirq + steal


def measure(t0, t1, stat0, stat1, ticks_per_s, times0, times1):
    """(wall s, busy CPU s of all processes, CPU s of the run's own processes)."""
    wall = round(t1 - t0, 3)
    busy = round((busy_ticks(stat1) - busy_ticks(stat0)) / ticks_per_s, 3)
    own = round(children_cpu_s(times1) - children_cpu_s(times0), 3)
    return wall, busy, own
