"""The logic of the job scripts in jobs/: their options, the plan of a run (binary,
nodes, ranks, threads, launcher and binding), the record of its attempts (job.json),
the decision to requeue, and the scaling-study drivers. The scripts keep the SLURM
glue (directives, signals, launching, the environment) and call this package as
``python3 -m pd14jobs SUBCOMMAND`` (see cli.py)."""
