#!/bin/sh
# Installs, from Debian's packages, whatever microcircuit_mpi needs to build,
# run and test and is not yet on this machine. Run as root (or with sudo).
set -eu

# libomp-dev: clang-tidy reads the sources with clang, which needs clang's own
# omp.h. procps: the SLURM test sizes its node with `free`; a minimal Debian
# root (debootstrap --variant=minbase) has neither. clang, libfuzzer-14-dev:
# the fuzz harnesses (tools/fuzz.sh); python3-hypothesis: the property tests.
packages="build-essential cmake git pkg-config
libopenmpi-dev openmpi-bin libhdf5-openmpi-dev hdf5-tools libyaml-cpp-dev
libboost-test-dev librandom123-dev clang-format clang-tidy libomp-dev mount procps strace
python3 python3-numpy python3-scipy python3-h5py python3-matplotlib python3-pytest black python3-flake8
pybind11-dev python3-pybind11 python3-venv python3-setuptools python3-wheel python3-psutil python3-mpi4py
clang libfuzzer-14-dev python3-hypothesis"

missing=""
for package in $packages; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $package"
    fi
done
if [ -z "$missing" ]; then
    exit 0
fi
echo "installing:$missing"
sudo_if_needed=""
if [ "$(id -u)" != "0" ]; then
    if ! command -v sudo >/dev/null 2>&1; then
        echo "install_dependencies: not root and no sudo: run this script as root" >&2
        exit 1
    fi
    sudo_if_needed="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
$sudo_if_needed apt-get install -y -q $missing || {
    $sudo_if_needed apt-get update -q
    # shellcheck disable=SC2086
    $sudo_if_needed apt-get install -y -q $missing
}
