"""Nodes, ranks, ranks per node and threads per rank of a run. Explicit settings win;
under SLURM the rest comes from the allocation (--nodes, --ntasks[-per-node],
--cpus-per-task); without SLURM: one node, one rank, all CPUs of this machine."""
import os
from dataclasses import dataclass

from pd14jobs.errors import JobError
from pd14jobs.options import positive_int


@dataclass
class Allocation:
    nodes: int
    ranks: int
    ranks_per_node: int
    threads: int

    @property
    def label(self):
        return "R%dxT%dxN%d" % (self.ranks, self.threads, self.nodes)

    def oversubscribes(self, cpus):
        """More ranks x threads on a node than its CPUs: they take turns."""
        return self.ranks_per_node * self.threads > cpus


def under_slurm(env):
    return bool(env.get("SLURM_JOB_ID"))


def cpus_here():
    """CPUs this process may use (its affinity; not OMP_NUM_THREADS, which the scripts
    set themselves, as nproc would)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def cpus_available(env, here):
    """CPUs of the allocation on this node: SLURM's count in a job, else HERE."""
    if under_slurm(env) and env.get("SLURM_CPUS_ON_NODE"):
        return positive_int(env["SLURM_CPUS_ON_NODE"], "SLURM_CPUS_ON_NODE")
    return here


def first_count(text):
    """The first number of a SLURM per-node list such as "4(x2),3"."""
    head = text.split("(")[0].split(",")[0]
    return head or "1"


def _given(value, what):
    return positive_int(value, what) if value not in (None, "") else None


def _from_env(env, name, what=None):
    return positive_int(env[name], what or name)


def resolve(nodes, ranks, ranks_per_node, threads, env, here):
    """The allocation from the explicit settings (None or "": not given), the SLURM
    variables in ENV and HERE, the CPUs of this machine."""
    nodes = _given(nodes, "nodes")
    ranks = _given(ranks, "ranks")
    rpn = _given(ranks_per_node, "ranks per node")
    threads = _given(threads, "threads")
    if under_slurm(env):
        if nodes is None:
            key = "SLURM_JOB_NUM_NODES" if env.get("SLURM_JOB_NUM_NODES") else "SLURM_NNODES"
            nodes = _from_env(env, key) if env.get(key) else 1
        if rpn is None:
            if env.get("SLURM_NTASKS_PER_NODE"):
                rpn = _from_env(env, "SLURM_NTASKS_PER_NODE")
            elif ranks is not None:
                rpn = -(-ranks // nodes)
            elif env.get("SLURM_NTASKS"):
                rpn = -(-_from_env(env, "SLURM_NTASKS") // nodes)
            else:
                rpn = positive_int(
                    first_count(env.get("SLURM_TASKS_PER_NODE", "")),
                    "SLURM_TASKS_PER_NODE",
                )
        if ranks is None:
            ranks = _from_env(env, "SLURM_NTASKS") if env.get("SLURM_NTASKS") else nodes * rpn
        if threads is None:
            if env.get("SLURM_CPUS_PER_TASK"):
                threads = _from_env(env, "SLURM_CPUS_PER_TASK")
            else:
                cpus = env.get("SLURM_JOB_CPUS_PER_NODE") or env.get("SLURM_CPUS_ON_NODE") or ""
                threads = max(1, positive_int(first_count(cpus), "SLURM_JOB_CPUS_PER_NODE") // rpn)
    else:
        nodes = nodes or 1
        if rpn is None:
            rpn = -(-ranks // nodes) if ranks is not None else 1
        if ranks is None:
            ranks = nodes * rpn
        if threads is None:
            threads = max(1, here // rpn)
    if ranks > nodes * rpn:
        raise JobError(
            "%d ranks do not fit on %d node(s) x %d ranks per node" % (ranks, nodes, rpn)
        )
    return Allocation(nodes, ranks, rpn, threads)
