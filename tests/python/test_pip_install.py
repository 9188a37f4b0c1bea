"""The reference's way of installing: a virtual environment with the system's
packages and `pip install --no-build-isolation .` (no package index needed)."""
import shutil
import subprocess
import sys

from conftest import REPO, environment


def test_pip_install_into_a_virtual_environment(tmp_path):
    source = tmp_path / "source"
    files = subprocess.run(
        ["git", "-C", str(REPO), "ls-files", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        text=True,
        check=True,
    )
    for name in files.stdout.split():
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    install = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--no-build-isolation", "--no-index", str(source)],
        capture_output=True,
        text=True,
        env=environment(),
        timeout=1200,
    )
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    env = environment()
    env.pop("PYTHONPATH", None)
    check = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import microcircuit, pd14analysis\n"
            "from microcircuit import _engine\n"
            "print(microcircuit.__file__)\n"
            "c = _engine.load_config('', ['network.N_scaling=0.02', 'network.K_scaling=0.02',"
            " 'simulation.t_presim=0', 'simulation.t_sim=50', 'simulation.print_time=false',"
            " 'simulation.data_path=" + str(tmp_path / "out") + "'])\n"
            "s = _engine.Session(c, True); s.create(); s.connect(); s.simulate(50.0)\n"
            "print(s.num_spikes())",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert check.returncode == 0, check.stderr
    assert str(venv) in check.stdout.splitlines()[0]
    assert (tmp_path / "out" / "spikes.h5").exists()
