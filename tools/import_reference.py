#!/usr/bin/python3
"""Import (or refresh) the reference data in data/reference from its upstream copy.

usage: tools/import_reference.py [--dest DIR] [--check] SOURCE

SOURCE is a reference directory as the reference team delivers it
(derived_parameters.json, stimulus_timing.json, single_neuron/*.json,
network/<set>/*.h5 and summary.json). The JSON files are copied unchanged; every
HDF5 spike file is rewritten with h5repack, each dataset in one chunk with the
shuffle and deflate (level 9) filters, and then read back and compared with its
source: the same groups and datasets, the same dtype, shape and bytes of every
dataset and the same attributes everywhere. The destination's README.md is left
alone. With --check nothing is written; the destination is only compared with
SOURCE. Exit status 0 when everything is identical.
"""
import argparse
import filecmp
import os
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True

import h5py  # noqa: E402
import numpy as np  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DEST = os.path.join(REPO, "data", "reference")


def source_files(source):
    """Paths relative to SOURCE of everything to import (not its README)."""
    found = []
    for root, _, files in os.walk(source):
        for name in files:
            rel = os.path.relpath(os.path.join(root, name), source)
            if rel != "README.md" and (name.endswith(".json") or name.endswith(".h5")):
                found.append(rel)
    return sorted(found)


def repack(src, dst):
    """h5repack with shuffle + deflate 9, one chunk per (non-empty) dataset:
    one chunk compresses better than the many small chunks of the source.
    The filters are given per dataset: h5repack drops global filters from an
    object that has a layout option of its own."""
    options = []
    with h5py.File(src, "r") as f:

        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and obj.ndim == 1 and obj.shape[0] > 0:
                options.extend(
                    [
                        "-f",
                        f"/{name}:SHUF",
                        "-f",
                        f"/{name}:GZIP=9",
                        "-l",
                        f"/{name}:CHUNK={obj.shape[0]}",
                    ]
                )

        f.visititems(visit)
    subprocess.run(["h5repack", *options, src, dst], check=True)


def attributes(obj):
    """{name: (dtype, shape, value)} of an object's attributes."""
    out = {}
    for name in obj.attrs:
        attr_id = obj.attrs.get_id(name)
        value = obj.attrs[name]
        out[name] = (attr_id.dtype, attr_id.shape, value)
    return out


def same_value(a, b):
    if isinstance(a, (str, bytes)) or isinstance(b, (str, bytes)):
        return type(a) is type(b) and a == b
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def compare_hdf5(original, copy):
    """Differences between two HDF5 files (an empty list when identical)."""
    problems = []
    with h5py.File(original, "r") as a, h5py.File(copy, "r") as b:
        objects = {}

        def collect(which):
            def visit(name, obj):
                objects.setdefault(name, [None, None])[which] = obj

            return visit

        a.visititems(collect(0))
        b.visititems(collect(1))
        objects["/"] = [a, b]
        for name, (x, y) in sorted(objects.items()):
            if x is None or y is None:
                problems.append(f"{name}: only in {'the copy' if x is None else 'the original'}")
                continue
            if type(x) is not type(y):
                problems.append(f"{name}: a group in one file, a dataset in the other")
                continue
            if isinstance(x, h5py.Dataset):
                if x.dtype != y.dtype or x.shape != y.shape:
                    problems.append(f"{name}: dtype/shape {x.dtype}{x.shape} != {y.dtype}{y.shape}")
                elif x[()].tobytes() != y[()].tobytes():
                    problems.append(f"{name}: the data differ")
            ax, ay = attributes(x), attributes(y)
            if set(ax) != set(ay):
                problems.append(f"{name}: attributes {sorted(ax)} != {sorted(ay)}")
                continue
            for key in ax:
                (dx, sx, vx), (dy, sy, vy) = ax[key], ay[key]
                if dx != dy or sx != sy or not same_value(vx, vy):
                    problems.append(f"{name}: attribute {key} differs")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", help="upstream reference directory")
    parser.add_argument("--dest", default=DEFAULT_DEST, help="default: %(default)s")
    parser.add_argument(
        "--check", action="store_true", help="only compare the destination with the source"
    )
    args = parser.parse_args()

    files = source_files(args.source)
    if not files:
        parser.error(f"no reference files under {args.source}")
    size_before = size_after = 0
    failures = 0
    for rel in files:
        src = os.path.join(args.source, rel)
        dst = os.path.join(args.dest, rel)
        if not args.check:
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            if rel.endswith(".h5"):
                # Written beside the destination and renamed: an interrupted
                # refresh leaves no half-written file under its final name.
                fd, tmp = tempfile.mkstemp(suffix=".h5", dir=os.path.dirname(dst))
                os.close(fd)
                os.unlink(tmp)
                repack(src, tmp)
                os.replace(tmp, dst)
            else:
                shutil.copyfile(src, dst)
        if not os.path.exists(dst):
            print(f"{rel}: missing")
            failures += 1
            continue
        if rel.endswith(".h5"):
            problems = compare_hdf5(src, dst)
            size_before += os.path.getsize(src)
            size_after += os.path.getsize(dst)
        else:
            problems = [] if filecmp.cmp(src, dst, shallow=False) else ["the contents differ"]
        for problem in problems:
            print(f"{rel}: {problem}")
        failures += bool(problems)
    n_h5 = sum(rel.endswith(".h5") for rel in files)
    print(
        f"{len(files)} files ({n_h5} HDF5), {failures} differ; "
        f"HDF5 bytes: source {size_before}, {args.dest} {size_after}"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
