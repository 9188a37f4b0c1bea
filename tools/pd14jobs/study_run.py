"""Runs a scaling study (see study.py): refuses local points that would oversubscribe
this machine, makes the study directory, submits the job arrays and the collection
job (or runs them here with --local, or prints them with --print-only), and writes
study.json and jobs.txt."""
import json
import os
import socket
import subprocess
import sys
import time

from pd14jobs import binary as simulator
from pd14jobs.allocation import cpus_here
from pd14jobs.errors import JobError
from pd14jobs.log import log, now_iso
from pd14jobs.shell import command_line
from pd14jobs.study import PREVIOUS_JOB_ID, configure, usage


def check_local_points(study, prog, cpus):
    # Here every rank and thread shares this machine: more of them than CPUs time
    # the CPUs taking turns, not the scaling.
    over = " ".join(p.spec for p in study.oversubscribing(cpus))
    if not over:
        return
    if not study.oversubscribe:
        raise JobError(
            "point(s) %s: more ranks x threads than the %d CPU(s) of this machine; "
            "their times would measure oversubscription, not scaling. Leave them out, "
            "or give --oversubscribe to run them anyway (flagged in the tables and "
            "plots)" % (over, cpus)
        )
    print(
        "%s: WARNING: point(s) %s oversubscribe the %d CPU(s) of this machine "
        "(--oversubscribe): they are run, and flagged in the tables and plots as not "
        "measuring scaling" % (prog, over, cpus),
        file=sys.stderr,
    )


def tee(command, path):
    """Runs COMMAND with its output (stdout and stderr) on stdout and in PATH; its exit status."""
    with open(path, "wb") as copy:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for line in process.stdout:
            sys.stdout.buffer.write(line)
            sys.stdout.buffer.flush()
            copy.write(line)
        return process.wait()


def submit(command, what):
    """The job id sbatch --parsable gives for COMMAND."""
    result = subprocess.run(command, stdout=subprocess.PIPE, text=True)
    if result.returncode != 0:
        raise JobError("sbatch failed for " + what)
    return result.stdout.strip().split(";")[0]


def study_directory(study, env, cwd, kind):
    path = study.study_dir or os.path.join(
        env.get("MC_OUTPUT_ROOT") or os.path.join(cwd, "runs"),
        "%s-%s" % (kind, time.strftime("%Y%m%d-%H%M%S")),
    )
    return os.path.normpath(os.path.join(cwd, path))


def main(kind, argv, env, jobs_dir, python):
    prog = "%s_scaling.sh" % kind
    cwd = os.getcwd()
    study = configure(kind, argv, env, cwd)
    if study is None:
        sys.stdout.write(usage(kind))
        return 0
    if study.local:
        check_local_points(study, prog, cpus_here())
    repo = os.path.dirname(jobs_dir)
    binary = simulator.locate(
        study.bin,
        env,
        repo,
        lambda m: print("%s: warning: %s" % (prog, m), file=sys.stderr),
    )
    directory = study_directory(study, env, cwd, kind)
    if not study.print_only:
        os.makedirs(os.path.join(directory, "logs"), exist_ok=True)
        os.makedirs(os.path.join(directory, "runs"), exist_ok=True)
        open(os.path.join(directory, "jobs.txt"), "w").close()

    def note_job(job_id, name):
        with open(os.path.join(directory, "jobs.txt"), "a") as f:
            f.write("%s %s\n" % (job_id, name))

    job_ids, labels, previous = [], [], None
    for point in study.points:
        labels.append(point.label)
        if study.local:
            for repeat in range(1, study.repeats + 1):
                command = study.local_command(point, repeat, directory, jobs_dir, binary)
                if study.print_only:
                    print(command_line(command))
                    continue
                log("point %s repetition %d/%d" % (point.label, repeat, study.repeats))
                out = os.path.join(directory, "logs", "%s-rep%d.out" % (point.label, repeat))
                if tee(command, out) != 0:
                    log(
                        "point %s repetition %d failed (see %s/logs)"
                        % (point.label, repeat, directory)
                    )
            continue
        command = study.point_sbatch(point, previous, directory, jobs_dir, binary)
        if study.print_only:
            print(command_line(command))
            previous = PREVIOUS_JOB_ID
            continue
        job_id = submit(command, "point " + point.label)
        job_ids.append(job_id)
        previous = job_id
        note_job(job_id, point.label)
        a = point.allocation
        log(
            "submitted point %s (%d ranks x %d threads on %d node(s), %d repetition(s)): job "
            "array %s" % (point.label, a.ranks, a.threads, a.nodes, study.repeats, job_id)
        )

    collect_id = ""
    if study.collect:
        if study.local:
            command = study.collect_command(directory, python, repo)
            if study.print_only:
                print(command_line(command))
            else:
                log("collecting: " + " ".join(command))
                status = tee(command, os.path.join(directory, "logs", "collect.out"))
                if status != 0:
                    return status
        else:
            command = study.collect_sbatch(job_ids, directory, python, repo)
            if study.print_only:
                print(command_line(command))
            else:
                collect_id = submit(command, "the collection job")
                note_job(collect_id, "collect")
                log("submitted the collection job %s (after %s)" % (collect_id, ":".join(job_ids)))

    if study.print_only:
        return 0
    record = study.record(labels, job_ids, collect_id, now_iso(), socket.gethostname(), binary)
    with open(os.path.join(directory, "study.json"), "w") as f:
        json.dump(record, f, indent=2)
        f.write("\n")
    print("study directory: " + directory)
    if not study.local:
        print(
            "jobs: %s%s"
            % (
                " ".join(job_ids),
                " (collection: %s)" % collect_id if collect_id else "",
            )
        )
        print("watch: squeue -j " + ",".join(job_ids + ([collect_id] if collect_id else [])))
    print("results (after the jobs): %s" % os.path.join(directory, "results"))
    return 0
