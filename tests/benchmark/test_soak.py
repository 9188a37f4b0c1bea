"""tools/soak.py: it samples a running simulation's memory and reads its growing
spike journal, and its journal reader notices records out of order."""
import importlib.util
import json
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SPEC = importlib.util.spec_from_file_location("soak", REPO / "tools" / "soak.py")
soak = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(soak)


def append_block(path, first, records):
    with open(path, "ab") as f:
        f.write(soak.spike_block(first, records))


def test_the_journal_reader_follows_a_growing_file(tmp_path):
    path = tmp_path / ".spikes.journal"
    reader = soak.JournalReader(path)
    assert reader.read() == 0  # not there yet
    append_block(path, 0, [(10, 3), (10, 7), (12, 1)])
    block = soak.spike_block(3, [(15, 2)])
    with open(path, "ab") as f:
        f.write(block[:40])  # half a block: not counted yet
    assert reader.read() == 3
    with open(path, "ab") as f:
        f.write(block[40:])
    assert reader.read() == 4 and not reader.problems


def test_the_journal_reader_notices_records_out_of_order(tmp_path):
    path = tmp_path / ".spikes.journal"
    reader = soak.JournalReader(path)
    append_block(path, 0, [(10, 3), (12, 1)])
    reader.read()
    append_block(path, 2, [(11, 5)])
    reader.read()
    assert reader.problems and "order" in reader.problems[0]


def test_the_journal_reader_notices_damage(tmp_path):
    path = tmp_path / ".spikes.journal"
    reader = soak.JournalReader(path)
    block = bytearray(soak.spike_block(0, [(10, 3), (12, 1)]))
    block[40] ^= 0x10  # the first record's step: 10 -> 26, still in order
    path.write_bytes(bytes(block))
    reader.read()
    assert reader.problems and "digest" in reader.problems[0]


def test_a_short_soak_of_a_small_network(tmp_path):
    binary = os.environ.get("MICROCIRCUIT_BIN")
    if not binary:
        pytest.skip("MICROCIRCUIT_BIN is not set (ctest sets it)")
    out = tmp_path / "soak"
    result = subprocess.run(
        [
            "/usr/bin/python3",
            str(REPO / "tools" / "soak.py"),
            "--binary",
            binary,
            "--config",
            str(REPO / "configs" / "default.yaml"),
            "--t-sim",
            "20000",
            "--set",
            "network.N_scaling=0.05",
            "--set",
            "network.K_scaling=0.05",
            "--set",
            "simulation.spike_buffer=2000",
            "--threads",
            "1",
            "--every",
            "0.2",
            "--early-ms",
            "2000",
            "--tolerance",
            "0.5",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    found = json.loads((out / "soak.json").read_text())
    assert found["samples"] >= 3 and not found["journal_problems"]
    assert 0 < found["spikes_in_journal_last_read"] <= found["spikes_in_report"]
    assert found["peak_mb_early"] > 10 and found["early_ms"] >= 2000
    assert (out / "samples.csv").read_text().startswith("wall_s,simulated_ms,rss_mb,peak_mb")
