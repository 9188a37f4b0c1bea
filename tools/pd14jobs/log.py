"""The job scripts' log line: a timestamp, then the message (as mc_log in jobs/lib.sh)."""
import datetime
import sys
import time


def log(message):
    print(
        "[%s] %s" % (time.strftime("%Y-%m-%d %H:%M:%S"), message),
        file=sys.stdout,
        flush=True,
    )


def now_iso():
    """The time now as `date --iso-8601=seconds` writes it."""
    return datetime.datetime.now().astimezone().isoformat(timespec="seconds")
