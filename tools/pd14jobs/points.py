"""A point of a scaling study: RANKSxTHREADS[@NODES], e.g. 4x8@2 (@1 when left out),
the ranks spread evenly over the nodes."""
import re
from dataclasses import dataclass

from pd14jobs.allocation import Allocation
from pd14jobs.errors import JobError

SPEC = re.compile(r"^([0-9]+)x([0-9]+)(@([0-9]+))?$")


@dataclass
class Point:
    spec: str
    allocation: Allocation

    @property
    def label(self):
        return self.allocation.label


def parse(spec):
    match = SPEC.match(spec)
    if not match:
        raise JobError("bad point '%s' (want RANKSxTHREADS[@NODES], e.g. 4x8@2)" % spec)
    ranks, threads, nodes = (
        int(match.group(1)),
        int(match.group(2)),
        int(match.group(4) or 1),
    )
    if min(ranks, threads, nodes) == 0:
        raise JobError("bad point '%s': counts must be positive" % spec)
    if ranks % nodes:
        raise JobError(
            "point '%s': %d ranks do not divide evenly over %d nodes" % (spec, ranks, nodes)
        )
    return Point(spec, Allocation(nodes, ranks, ranks // nodes, threads))


def parse_all(text):
    specs = text.split()
    if not specs:
        raise JobError("no points given")
    return [parse(s) for s in specs]
