#!/usr/bin/python3
"""Prints a digest of every dataset of spikes.h5 files (names and bytes, not
the metadata, which names the program version and the decomposition): equal
digests mean the same spikes and voltages, bit for bit.

    tools/spike_digest.py data/spikes.h5 [more.h5 ...]
"""
import hashlib
import sys

import h5py


def digest(path):
    hasher = hashlib.sha256()
    with h5py.File(path, "r") as f:

        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                hasher.update(name.encode())
                hasher.update(obj[()].tobytes())

        f.visititems(visit)
    return hasher.hexdigest()[:16]


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for path in sys.argv[1:]:
        print(digest(path), path)
