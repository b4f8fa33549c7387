#!/usr/bin/env python3
"""Benchmark: published cffi projects, cffi-wheel's whole matrix against setuptools for one
interpreter, measured in the same run.

    bench/corpus.py [--only NAME,...] [--ci] [--markdown FILE]

For each project of corpus/projects.toml (fetched by corpus/fetch.py):
  setuptools   `python3.11 -m pip wheel --no-deps` of the unpacked sdist: one wheel, for
               CPython 3.11 alone, in pip's isolated build environment (as a user runs it)
  cffi-wheel   `cffi-wheel build` of the same sdist: every interpreter found (CPython
               3.8-3.13, PyPy 3.9), build environments already cached (a first run made
               them), no build directory
The ratio is setuptools' time / cffi-wheel's time. Needs a release build (made here).
Run as root of nothing special; Python 3.11+ (for corpus/fetch.py).
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def pyenv_python(minor):
    root = subprocess.run(["pyenv", "root"], capture_output=True, text=True).stdout.strip()
    found = sorted(glob.glob(os.path.join(root, "versions", "3.%d.*" % minor, "bin", "python3")))
    if not found:
        sys.exit("bench/corpus.py: no CPython 3.%d under pyenv (pyenv install 3.%d)" % (minor, minor))
    return found[-1]


IDENTIFIERS = ["cp38", "cp39", "cp310", "cp311", "cp312", "cp313", "pp39"]


def build_args(project):
    """The arguments the corpus test builds `project` with: interpreters setuptools cannot
    serve left out, and the project's own `build_args`."""
    args = []
    if project.get("not_served"):
        for identifier in IDENTIFIERS:
            if identifier not in project["not_served"]:
                args += ["-i", identifier]
    return args + project.get("build_args", [])


def timed(command, **kwargs):
    start = time.monotonic()
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kwargs)
    return time.monotonic() - start, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="")
    parser.add_argument("--ci", action="store_true")
    parser.add_argument("--markdown", help="write the table to this file too")
    parser.add_argument("--no-warm-up", action="store_true",
                        help="skip the untimed first build (the build environments are cached)")
    args = parser.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    binary = os.path.join(ROOT, "target", "release", "cffi-wheel")
    python = pyenv_python(11)
    fetch = [python, os.path.join(ROOT, "corpus", "fetch.py"), "--json"]
    if args.only:
        fetch += ["--only", args.only]
    if args.ci:
        fetch.append("--ci")
    projects = [json.loads(line) for line in subprocess.run(
        fetch, check=True, capture_output=True, text=True).stdout.splitlines()]
    rows = []
    for project in projects:
        label = "%s %s" % (project["name"], project["version"])
        with tempfile.TemporaryDirectory(prefix="cffi-wheel-bench-") as tmp:
            ours, theirs = os.path.join(tmp, "ours"), os.path.join(tmp, "theirs")
            shutil.copytree(project["dir"], ours)
            shutil.copytree(project["dir"], theirs)
            if not args.no_warm_up:
                # Makes (or finds) the cached build environments; not timed.
                subprocess.run([binary, "-q", "build", ours, "-o", os.path.join(tmp, "warm")]
                               + build_args(project),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                shutil.rmtree(os.path.join(ours, "build"), ignore_errors=True)
            st_time, st = timed([python, "-m", "pip", "wheel", "--no-deps", "-q",
                                 "--disable-pip-version-check", "-w",
                                 os.path.join(tmp, "st"), theirs])
            cw_time, cw = timed([binary, "-q", "build", ours, "-o", os.path.join(tmp, "cw")]
                                + build_args(project))
            cw_wheels = len(os.listdir(os.path.join(tmp, "cw"))) if cw.returncode == 0 else 0
        row = {
            "project": label,
            "setuptools_s": round(st_time, 1) if st.returncode == 0 else None,
            "cffi_wheel_s": round(cw_time, 1) if cw.returncode == 0 else None,
            "wheels": cw_wheels,
        }
        if row["setuptools_s"] and row["cffi_wheel_s"]:
            row["ratio"] = round(st_time / cw_time, 2)
        if cw.returncode != 0:
            row["error"] = cw.stdout.decode(errors="replace").strip().splitlines()[-1:]
        rows.append(row)
        print(json.dumps(row), flush=True)
    lines = [
        "| project | setuptools, CPython 3.11 only (s) | cffi-wheel, whole matrix (s) | wheels | ratio |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append("| %s | %s | %s | %d | %s |" % (
            row["project"],
            row["setuptools_s"] if row["setuptools_s"] is not None else "failed",
            row["cffi_wheel_s"] if row["cffi_wheel_s"] is not None else "failed",
            row["wheels"],
            "%.2fx" % row["ratio"] if "ratio" in row else "-",
        ))
    table = "\n".join(lines)
    print(table)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(table + "\n")


if __name__ == "__main__":
    main()
