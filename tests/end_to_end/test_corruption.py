"""A corruption campaign: random damage (truncation, flipped bits, zeroed
blocks, appended garbage, swapped files) of the checkpoint, the journals,
spikes.h5 and a configuration file, hundreds of cases at a tiny scale. Every
case must end in a clear refusal or in the undamaged result: never a crash
(a signal, a sanitizer's report, a Python traceback), a hang, or exit 0 with
other data. A configuration is text without a digest: a flip that leaves a
valid, different configuration is counted apart ("another configuration")."""
import os
import random
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from conftest import run
from test_checkpoint import assert_same_recordings, recordings

REPO = Path(__file__).resolve().parents[2]
ANALYSIS = REPO / "tools" / "microcircuit-analysis"
SEED = 2026
CASES = 6  # random cases per file and damage kind (a configuration, eight times as many: quick)
RUN = [
    "network.N_scaling=0.02",
    "simulation.t_presim=50",
    "simulation.local_num_threads=1",
    "simulation.rec_dev=[spike_recorder, voltmeter]",
    "simulation.spike_buffer=50",
    "simulation.print_time=false",
]
TIMEOUT = 60


def settings(*extra):
    words = []
    for setting in (*RUN, *extra):
        words += ["--set", setting]
    return words


def truncate(data, rng):
    return data[: rng.randrange(len(data))]


def flip(data, rng):
    data = bytearray(data)
    for _ in range(rng.choice([1, 1, 3, 10])):
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8) if rng.random() < 0.5 else 0x5A
    return bytes(data)


def zero(data, rng):
    start = rng.randrange(len(data))
    length = rng.choice([8, 64, 512, 4096, 65536])
    return data[:start] + bytes(min(length, len(data) - start)) + data[start + length :]


def append(data, rng):
    return data + bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200)))


DAMAGE = {
    "truncated": truncate,
    "bits flipped": flip,
    "block zeroed": zero,
    "garbage appended": append,
}
# Each file swapped for another of the same directory.
SWAPS = {
    "checkpoint.h5": "spikes.h5",
    ".spikes.journal": ".voltages.journal",
    ".voltages.journal": ".spikes.journal",
    "spikes.h5": "checkpoint.h5",
    "config.yaml": "report.json",
}


def crashed(result):
    return (
        result.returncode < 0
        or result.returncode > 125
        or "Sanitizer" in result.stderr
        or "Traceback" in result.stderr
    )


def judge(tally, file, kind, result, same):
    """Counts the case; returns a complaint or None. `same()` tells whether
    an accepted result is the undamaged one."""
    if result is None:
        outcome = "hang"
    elif crashed(result):
        outcome = "crash"
    elif result.returncode != 0:
        outcome = "refused" if "error" in result.stderr else "refused silently"
    else:
        outcome = same()
    tally[(file, kind, outcome)] += 1
    if outcome in ("refused", "same result", "another configuration"):
        return None
    detail = "" if result is None else f" (exit {result.returncode}): {result.stderr[-600:]}"
    return f"{file}, {kind}: {outcome}{detail}"


def attempt(command, cwd):
    """The finished process (its output decoded leniently: a message may quote
    damaged bytes), or None if it hung."""
    env = dict(
        os.environ,
        OMPI_ALLOW_RUN_AS_ROOT="1",
        OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
        OMP_WAIT_POLICY="passive",
    )
    try:
        return subprocess.run(
            [str(c) for c in command],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        return None


@pytest.fixture(scope="module")
def campaign(binary, tmp_path_factory):
    """The undamaged run kept at its end (t_sim 100 ms), the uninterrupted
    run it extends to (150 ms), and the analysis of its spikes.h5."""
    base = tmp_path_factory.mktemp("corruption")
    kept, whole = base / "kept", base / "whole"
    config = base / "config.yaml"
    shutil.copy(REPO / "configs" / "default.yaml", config)
    for out, t_sim, extra in ((kept, 100, ["simulation.checkpoint_at_end=true"]), (whole, 150, [])):
        result = run(
            [
                binary,
                "--config",
                config,
                *settings(f"simulation.t_sim={t_sim}", f"simulation.data_path={out}", *extra),
            ],
            cwd=REPO,
        )
        assert result.returncode == 0, result.stdout + result.stderr
    # The analysis prints the file's path: the damaged copies are read at this one.
    (base / "analysis").mkdir()
    shutil.copy(kept / "spikes.h5", base / "analysis" / "spikes.h5")
    stats = run(["/usr/bin/python3", ANALYSIS, "stats", base / "analysis" / "spikes.h5"], cwd=base)
    assert stats.returncode == 0, stats.stderr
    shown = run([binary, "--config", config, "--print-config"], cwd=base)
    assert shown.returncode == 0, shown.stderr
    return {
        "base": base,
        "kept": kept,
        "config": config,
        "stats": stats.stdout,
        "reference": recordings(whole / "spikes.h5"),
        "print_config": shown.stdout,
    }


def cases(files, count=CASES):
    rng = random.Random(SEED)
    for file in files:
        for kind in (*DAMAGE, "swapped"):
            for number in range(count if kind != "swapped" else 1):
                yield file, kind, number, random.Random(rng.random())


def damaged(source_dir, target_dir, file, kind, rng):
    shutil.copytree(source_dir, target_dir)
    path = target_dir / file
    if kind == "swapped":
        other = target_dir / SWAPS[file]
        if not other.exists():
            other = source_dir.parent / "kept" / SWAPS[file]
        path.write_bytes(other.read_bytes())
    else:
        path.write_bytes(DAMAGE[kind](path.read_bytes(), rng))
    return target_dir


def test_damage_is_refused_or_harmless(binary, campaign, tmp_path, capsys):
    tally, complaints = Counter(), []
    kept = campaign["kept"]

    # What a restart reads: the checkpoint and the journals.
    for file, kind, number, rng in cases(["checkpoint.h5", ".spikes.journal", ".voltages.journal"]):
        out = damaged(
            kept, tmp_path / f"restart{file}{kind}{number}".replace(" ", ""), file, kind, rng
        )
        result = attempt([binary, "--restart", out, "--set", "simulation.t_sim=150"], REPO)

        def same():
            try:
                assert_same_recordings(campaign["reference"], out / "spikes.h5")
                return "same result"
            except (AssertionError, OSError, KeyError) as error:
                return f"other data ({error})"

        complaints.append(judge(tally, file, kind, result, same))
        shutil.rmtree(out)

    # What the analysis reads: spikes.h5.
    for file, kind, number, rng in cases(["spikes.h5"]):
        if kind == "swapped":
            continue  # the checkpoint in its place: below
        out = campaign["base"] / "analysis"
        (out / "spikes.h5").write_bytes(DAMAGE[kind]((kept / "spikes.h5").read_bytes(), rng))
        result = attempt(["/usr/bin/python3", ANALYSIS, "stats", out / "spikes.h5"], out)
        complaints.append(
            judge(
                tally,
                file,
                kind,
                result,
                lambda: "same result" if result.stdout == campaign["stats"] else "other data",
            )
        )
    shutil.copy(kept / "checkpoint.h5", out / "spikes.h5")
    result = attempt(["/usr/bin/python3", ANALYSIS, "stats", out / "spikes.h5"], out)
    complaints.append(judge(tally, "spikes.h5", "swapped", result, lambda: "other data"))

    # A configuration file.
    text = campaign["config"].read_bytes()
    for file, kind, number, rng in cases(["config.yaml"], 8 * CASES):
        path = tmp_path / "config.yaml"
        path.write_bytes(
            (kept / "report.json").read_bytes() if kind == "swapped" else DAMAGE[kind](text, rng)
        )
        result = attempt([binary, "--config", path, "--print-config"], tmp_path)
        complaints.append(
            judge(
                tally,
                file,
                kind,
                result,
                lambda: "same result"
                if result.stdout == campaign["print_config"]
                else "another configuration",
            )
        )

    outcomes = sorted({outcome for _, _, outcome in tally})
    lines = [f"{'file':<18} {'damage':<17} " + " ".join(f"{o[:14]:>14}" for o in outcomes)]
    for file, kind in sorted({(f, k) for f, k, _ in tally}):
        lines.append(
            f"{file:<18} {kind:<17} " + " ".join(f"{tally[(file, kind, o)]:>14}" for o in outcomes)
        )
    lines.append(f"{sum(tally.values())} cases")
    with capsys.disabled():
        print("\ncorruption campaign:\n" + "\n".join(lines))
    complaints = [c for c in complaints if c]
    assert not complaints, "\n".join(lines + complaints)
    assert sum(tally.values()) >= 200
