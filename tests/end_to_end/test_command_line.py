"""The command line: bad input fails clearly before any output is touched,
existing output is refused, --print-config and --dry-run."""

import pytest

from conftest import REPO, run, simulate


def write(path, text):
    path.write_text(text)
    return path


BAD_FILES = [
    # (file content, expected fragments of the message)
    (
        "simulation:\n  t_sim: 100\n  bogus_key: 1\n",
        ["bad.yaml:3", "simulation.bogus_key", "unknown key"],
    ),
    ("network:\n  N_scaling: -0.1\n", ["bad.yaml:2", "network.N_scaling", "must be > 0"]),
    ("network:\n  N_scaling: abc\n", ["bad.yaml:2", "network.N_scaling", "expected a number"]),
    (
        "simulation:\n  sim_resolution: 0\n",
        ["bad.yaml:2", "simulation.sim_resolution", "must be > 0"],
    ),
    (
        "simulation:\n  print_time: maybe\n",
        ["bad.yaml:2", "simulation.print_time", "true or false"],
    ),
    ("network:\n  bg_input_type: noise\n", ["bad.yaml:2", "network.bg_input_type", "dc, poisson"]),
    ("network:\n  K_ext: [1, 2, 3]\n", ["bad.yaml:2", "network.K_ext", "8 numbers"]),
    ("network:\n  N_scaling: 0.0001\n", ["network.N_scaling", "would be empty"]),
    ("simulation:\n  t_sim: [1\n", ["bad.yaml:", "YAML syntax error"]),
    ("networks:\n  N_scaling: 1\n", ["bad.yaml:1", "networks", "unknown section"]),
    ("simulation:\n  t_sim: 100.05\n", ["simulation.t_sim", "not a multiple"]),
    ("simulation:\n  local_num_threads: 0\n", ["bad.yaml:2", "simulation.local_num_threads"]),
]


@pytest.mark.parametrize("content,fragments", BAD_FILES)
def test_bad_config_file(binary, tmp_path, content, fragments):
    config = write(tmp_path / "bad.yaml", content)
    out = tmp_path / "out"
    result = run([binary, "--config", config, "--set", f"simulation.data_path={out}"])
    assert result.returncode != 0
    message = result.stderr
    assert len(message.strip().splitlines()) == 1, message
    for fragment in fragments:
        assert fragment in message, message
    assert not out.exists(), "no output may be created on bad input"


@pytest.mark.parametrize(
    "setting,fragments",
    [
        ("network.no_such_key=1", ["--set network.no_such_key=1", "unknown key"]),
        ("nosection.key=1", ["unknown section"]),
        ("network.N_scaling", ["expected section.key=value"]),
        ("network.K_scaling=-2", ["network.K_scaling", "must be > 0"]),
        ("simulation.t_simm=3", ["unknown key (did you mean t_sim?)"]),
        ("stimulis.th_start=3", ["unknown section (did you mean stimulus?)"]),
        ("simulation.local_num_threads=many", ["expected an integer or auto, got 'many'"]),
    ],
)
def test_bad_override(binary, tmp_path, setting, fragments):
    out = tmp_path / "out"
    result = run([binary, "--set", f"simulation.data_path={out}", "--set", setting])
    assert result.returncode != 0
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr
    assert not out.exists()


def test_missing_config_file(binary, tmp_path):
    result = run([binary, "--config", tmp_path / "nope.yaml"])
    assert result.returncode != 0
    assert "nope.yaml" in result.stderr and "cannot open" in result.stderr


def test_unknown_option(binary):
    result = run([binary, "--frobnicate"])
    assert result.returncode != 0
    assert "--frobnicate" in result.stderr


def test_existing_output_is_refused_and_untouched(binary, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "spikes.h5").write_bytes(b"precious")
    result = run([binary, "--set", f"simulation.data_path={out}", "--set", "simulation.t_sim=10"])
    assert result.returncode != 0
    assert "refusing to overwrite" in result.stderr
    assert "overwrite_files" in result.stderr and "data_path" in result.stderr
    assert (out / "spikes.h5").read_bytes() == b"precious"
    assert sorted(p.name for p in out.iterdir()) == ["spikes.h5"]


def test_overwrite_files_replaces_output(binary, tmp_path):
    out = tmp_path / "out"
    settings = [
        "network.N_scaling=0.02",
        "network.K_scaling=0.02",
        "simulation.t_presim=10",
        "simulation.t_sim=20",
    ]
    simulate(binary, out, *settings)
    first = (out / "report.json").read_text()
    simulate(binary, out, *settings, "simulation.overwrite_files=true")
    assert (out / "report.json").read_text() != first  # a new report (other timings)
    assert sorted(p.name for p in out.iterdir()) == ["report.json", "spikes.h5"]


def test_print_config_round_trips(binary, tmp_path):
    result = run(
        [
            binary,
            "--config",
            REPO / "configs" / "default.yaml",
            "--print-config",
            "--set",
            "network.N_scaling=0.3",
        ]
    )
    assert result.returncode == 0, result.stderr
    printed = write(tmp_path / "effective.yaml", result.stdout)
    for section in ("simulation:", "network:", "stimulus:"):
        assert section in result.stdout
    assert "N_scaling: 0.3" in result.stdout
    again = run([binary, "--config", printed, "--print-config"])
    assert again.returncode == 0, again.stderr
    assert again.stdout == result.stdout


def test_dry_run(binary, tmp_path):
    out = tmp_path / "out"
    result = run(
        [
            binary,
            "--config",
            REPO / "configs" / "full_scale.yaml",
            "--dry-run",
            "--set",
            f"simulation.data_path={out}",
        ]
    )
    assert result.returncode == 0, result.stderr
    assert "77169" in result.stdout and "298880968" in result.stdout
    assert "45499805" in result.stdout  # L23E <- L23E at full scale
    assert "estimated memory per rank" in result.stdout
    assert not out.exists()


@pytest.mark.parametrize("config", sorted((REPO / "configs").glob("*.yaml")))
def test_shipped_configs_are_valid(binary, config):
    result = run([binary, "--config", config, "--print-config"])
    assert result.returncode == 0, result.stderr


def test_shipped_configs_warn_about_nothing(binary):
    for config in sorted((REPO / "configs").glob("*.yaml")):
        result = run([binary, "--config", config, "--print-config"])
        assert "warning" not in result.stderr, (config, result.stderr)


def test_settings_that_do_nothing_are_warned_about(binary, tmp_path):
    result = run(
        [
            binary,
            "--dry-run",
            "--set",
            "stimulus.thalamic_input=true",
            "--set",
            "stimulus.th_start=5000",
            "--set",
            "simulation.rec_dev=[voltmeter]",
            "--set",
            "simulation.rec_V_num_neurons=100000",
            "--set",
            "network.weight_rel_sd=0.1",
        ]
    )
    assert result.returncode == 0, result.stderr
    assert "the thalamic pulse starts at 5000 ms, after the run ends" in result.stderr
    assert "rec_V_num_neurons: 100000 is more than the" in result.stderr
    assert "network.weight_rel_sd is now called network.weight_rel_std" in result.stderr


def test_dry_run_for_another_decomposition_without_mpirun(binary, tmp_path):
    one = run(
        [
            binary,
            "--config",
            REPO / "configs" / "full_scale.yaml",
            "--dry-run",
            "--ranks",
            "1",
            "--threads",
            "1",
        ]
    )
    many = run(
        [
            binary,
            "--config",
            REPO / "configs" / "full_scale.yaml",
            "--dry-run",
            "--ranks",
            "64",
            "--threads",
            "4",
        ]
    )
    assert "ranks x threads: 64 x 4" in many.stdout, many.stdout
    per_rank = [
        float(r.stdout.split("estimated memory per rank: ")[1].split()[0]) for r in (one, many)
    ]
    assert per_rank[1] < per_rank[0] / 20
    refused = run([binary, "--ranks", "4"])
    assert refused.returncode != 0 and "--ranks and --threads go with --dry-run" in refused.stderr
    bad = run([binary, "--dry-run", "--threads", "0"])
    assert bad.returncode != 0 and "expects a positive integer" in bad.stderr


def test_progress_into_a_pipe_is_printed_as_lines(binary, tmp_path):
    result = simulate(
        binary, tmp_path / "out", "simulation.print_time=true", "simulation.t_sim=200"
    )
    assert "\r" not in result.stdout
    lines = [line for line in result.stdout.splitlines() if "simulated" in line]
    assert lines[0].strip().startswith("simulated") and lines[0].endswith("(warm-up done)")
    assert "700.0 / 700.0 ms" in lines[-1]
