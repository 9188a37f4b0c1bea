#!/usr/bin/python3
"""Soak benchmark: a long run (by default full scale, 300 s of simulated time) watched while it
runs. Every few seconds it samples every rank's resident memory (VmRSS) and peak (VmHWM) and
reads the growing spike journal (<data_path>/.spikes.journal: blocks of records of two little-
endian uint64, the step and the gid, each block behind a header of its kind, first record, count
and digest) as a user's script would: every complete block must match its digest, and its
records be in (time, gid) order. At the end it compares the peak memory (VmHWM) once 10 s of
simulated time are reached with the peak once the whole simulated time is reached (before the
final writing of spikes.h5, whose peak report.json holds).

    tools/soak.py --out /tmp/soak                     # full scale, 300 s, 1 rank
    tools/soak.py --t-sim 20000 --set network.N_scaling=0.1 --set network.K_scaling=0.1 \\
        --out /tmp/soak-small                           # a quick look

Writes OUT/samples.csv and OUT/soak.json and prints the verdict; exit status 1 if memory grew by
more than --tolerance (2 %) or the journal was ever unreadable."""
import argparse
import csv
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
PROGRESS = re.compile(r"simulated\s+([0-9.]+) /")
RECORD = np.dtype([("step", "<u8"), ("gid", "<u8")])


def memory_mb(pid):
    """VmRSS and VmHWM of a process, MB (0 if it is gone)."""
    values = {"VmRSS": 0.0, "VmHWM": 0.0}
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                key = line.split(":")[0]
                if key in values:
                    values[key] = int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return values["VmRSS"], values["VmHWM"]


def rank_pids(launcher, binary_name):
    """The launcher itself (one rank) or its descendants that run the binary."""
    children, names = {}, {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    text = stat.read()
            except OSError:
                continue
            name = text[text.index("(") + 1 : text.rindex(")")]
            parent = int(text.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry))
            names[int(entry)] = name
    found, todo = [], [launcher]
    while todo:
        pid = todo.pop()
        if names.get(pid, "").startswith(binary_name[:15]):
            found.append(pid)
        todo.extend(children.get(pid, []))
    return sorted(found)


SPIKE_JOURNAL = 0x31534B4950534A4D  # "MJSPIKS1", src/output/journal_block.hpp
HEADER = np.dtype([("kind", "<u8"), ("first", "<u8"), ("records", "<u8"), ("digest", "<u8")])


def mix64(x):
    """SplitMix64's finaliser (src/random/digest.hpp), on uint64 arrays."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def block_digest(kind, first, words):
    """The digest of a journal block (journal_block_digest): words mixed with
    their positions, summed mod 2^64."""
    words = np.concatenate(
        [
            np.array([kind, first, len(words) // 2], dtype=np.uint64),
            np.asarray(words, dtype=np.uint64).ravel(),
        ]
    )
    with np.errstate(over="ignore"):
        return int(
            np.sum(mix64(mix64(np.arange(len(words), dtype=np.uint64)) ^ words), dtype=np.uint64)
        )


def spike_block(first, records):
    """The bytes of a spike journal block of `records` ((step, gid) pairs)."""
    words = np.array(records, dtype=RECORD).view("<u8")
    header = np.array(
        [(SPIKE_JOURNAL, first, len(records), block_digest(SPIKE_JOURNAL, first, words))],
        dtype=HEADER,
    )
    return header.tobytes() + words.tobytes()


class JournalReader:
    """Reads the complete blocks a growing spike journal holds, as they arrive."""

    def __init__(self, path):
        self.path = Path(path)
        self.records, self.offset, self.last = 0, 0, (0, 0)
        self.problems = []

    def read(self):
        if not self.path.exists():
            return self.records
        size = self.path.stat().st_size
        while size - self.offset >= HEADER.itemsize:
            header = np.fromfile(self.path, dtype=HEADER, count=1, offset=self.offset)[0]
            end = self.offset + HEADER.itemsize + int(header["records"]) * RECORD.itemsize
            if header["kind"] != SPIKE_JOURNAL or header["first"] != self.records:
                self.problems.append(f"no block of record {self.records} at byte {self.offset}")
                return self.records
            if end > size:
                break  # still being written
            new = np.fromfile(
                self.path,
                dtype=RECORD,
                count=int(header["records"]),
                offset=self.offset + HEADER.itemsize,
            )
            if block_digest(SPIKE_JOURNAL, self.records, new.view("<u8")) != header["digest"]:
                self.problems.append(f"records {self.records}.. do not match their digest")
            keys = np.stack([new["step"], new["gid"]], axis=1)
            previous = np.array([self.last], dtype=np.uint64)
            ordered = np.concatenate([previous, keys])
            if np.any(
                (ordered[1:, 0] < ordered[:-1, 0])
                | ((ordered[1:, 0] == ordered[:-1, 0]) & (ordered[1:, 1] <= ordered[:-1, 1]))
            ):
                self.problems.append(f"records {self.records}.. not in (time, gid) order")
            self.last = (int(new["step"][-1]), int(new["gid"][-1]))
            self.records += len(new)
            self.offset = end
        return self.records


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=str(REPO / "build" / "microcircuit_mpi"))
    parser.add_argument("--config", default=str(REPO / "configs" / "full_scale.yaml"))
    parser.add_argument("--t-sim", type=float, default=300000.0, help="ms (default 300000)")
    parser.add_argument("--ranks", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--set", action="append", default=[], help="further override")
    parser.add_argument(
        "--early-ms",
        type=float,
        default=10000.0,
        help="simulated time of the early peak (default 10000)",
    )
    parser.add_argument("--tolerance", type=float, default=0.02)
    parser.add_argument("--every", type=float, default=5.0, help="seconds between samples")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    data = out / "run"
    command = [
        args.binary,
        "--config",
        args.config,
        "--set",
        f"simulation.t_sim={args.t_sim}",
        "--set",
        f"simulation.data_path={data}",
        "--set",
        f"simulation.local_num_threads={args.threads}",
        "--set",
        "simulation.print_time=true",
    ]
    for setting in args.set:
        command += ["--set", setting]
    if args.ranks > 1:
        command = [
            "mpirun",
            "--oversubscribe",
            "--bind-to",
            "none",
            "-n",
            str(args.ranks),
        ] + command
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    shown = subprocess.run(command + ["--print-config"], capture_output=True, text=True, env=env)

    def setting(key):
        return float(re.search(key + r":\s*([0-9.eE+-]+)", shown.stdout).group(1))

    resolution = setting("sim_resolution")
    total_ms = setting("t_presim") + setting("t_sim")
    journal = JournalReader(data / ".spikes.journal")
    samples = []
    began = time.monotonic()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    log, reached = [], [0.0]

    def follow():
        for line in process.stdout:
            log.append(line)
            match = PROGRESS.search(line)
            if match:
                reached[0] = float(match.group(1))

    reader = threading.Thread(target=follow, daemon=True)
    reader.start()
    while process.poll() is None:
        time.sleep(args.every)
        pids = rank_pids(process.pid, Path(args.binary).name)
        memory = [memory_mb(pid) for pid in pids]
        if not pids or not all(m[0] > 0 for m in memory):
            continue  # not started yet, or a rank has just ended
        records = journal.read()
        # The simulated time reached: the last progress line's, or the
        # latest spike written, whichever is later.
        simulated = max(reached[0], journal.last[0] * resolution)
        if simulated == 0.0:
            continue
        samples.append(
            {
                "wall_s": round(time.monotonic() - began, 1),
                "simulated_ms": round(simulated, 1),
                "rss_mb": round(sum(m[0] for m in memory), 1),
                "peak_mb": round(sum(m[1] for m in memory), 1),
                "journal_spikes": records,
                # The last progress line comes when the simulation is
                # done and spikes.h5 is being written.
                "writing": reached[0] >= total_ms,
            }
        )
        print(f"  {samples[-1]}", flush=True)
    reader.join()
    process.wait()
    (out / "run.log").write_text("".join(log))
    if process.returncode != 0:
        sys.exit(f"soak: the run failed (exit {process.returncode}); see {out / 'run.log'}")

    with open(out / "samples.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(samples[0]))
        writer.writeheader()
        writer.writerows(samples)
    report = json.loads((data / "report.json").read_text())
    # The first sample at or after the early time, and the last one.
    early = next((s for s in samples if s["simulated_ms"] >= args.early_ms), None)
    simulating = [s for s in samples if not s["writing"]]
    end = simulating[-1] if simulating else samples[-1]
    growth = (end["peak_mb"] - early["peak_mb"]) / early["peak_mb"] if early else None
    result = {
        "command": command,
        "samples": len(samples),
        "t_sim_ms": args.t_sim,
        "early_ms": early["simulated_ms"] if early else None,
        "peak_mb_early": early["peak_mb"] if early else None,
        "end_ms": end["simulated_ms"],
        "peak_mb_end": end["peak_mb"],
        "growth": growth,
        "peak_mb_with_final_writing": report["peak_rss_mb"]["sum"],
        "journal_problems": journal.problems,
        "spikes_in_report": report.get("spikes"),
        "spikes_in_journal_last_read": journal.records,
        "real_time_factor": report.get("rtf"),
    }
    (out / "soak.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "command"}, indent=2))
    ok = early is not None and abs(growth) <= args.tolerance and not journal.problems
    print("soak:", "flat memory, journal readable throughout" if ok else "FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
