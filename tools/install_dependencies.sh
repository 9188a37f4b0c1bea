#!/bin/sh
# Installs, from Debian's packages, whatever microcircuit_mpi needs to build,
# run and test and is not yet on this machine. Run as root (or with sudo).
set -eu

packages="build-essential cmake git pkg-config
libopenmpi-dev openmpi-bin libhdf5-openmpi-dev hdf5-tools libyaml-cpp-dev
libboost-test-dev librandom123-dev clang-format clang-tidy mount strace
python3 python3-numpy python3-scipy python3-h5py python3-matplotlib python3-pytest"

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
    sudo_if_needed="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
$sudo_if_needed apt-get install -y -q $missing || {
    $sudo_if_needed apt-get update -q
    # shellcheck disable=SC2086
    $sudo_if_needed apt-get install -y -q $missing
}
