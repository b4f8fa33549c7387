#!/usr/bin/env python3
"""Fault and concurrency figures for docs/reliability.md, on the release binary.

    bench/faults.py [--rounds N] [--fixture DIR]

- concurrency: N rounds each of 2 and of 4 builds of one project copy started at once (one
  shared build dir, one output dir); counts failed builds and distinct wheel sets;
- signals: SIGINT, SIGTERM and SIGKILL at several moments of a build; counts runs that
  stopped, partial files left, and whether the next build gives the clean build's bytes.

Prints a Markdown table. Needs a release build (built here) and the interpreters a build of
the fixture finds (CPython from pyenv, pypy3).
"""

import argparse
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def hashes(out):
    if not out.is_dir():
        return {}
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.iterdir())}


def build_cmd(binary, project, out):
    return [str(binary), "build", "-q", str(project), "-o", str(out)]


def clean_build(binary, project, out):
    shutil.rmtree(project / "build", ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run(build_cmd(binary, project, out), check=True, stdout=subprocess.DEVNULL)
    return hashes(out)


def concurrency(binary, project, work, reference, width, rounds):
    failed = 0
    mismatched = 0
    for n in range(rounds):
        out = work / f"conc-{width}-{n}"
        shutil.rmtree(project / "build", ignore_errors=True)
        procs = [
            subprocess.Popen(
                build_cmd(binary, project, out), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )
            for _ in range(width)
        ]
        for proc in procs:
            _, err = proc.communicate()
            if proc.returncode != 0:
                failed += 1
                sys.stderr.write(err.decode(errors="replace"))
        if hashes(out) != reference:
            mismatched += 1
    return failed, mismatched


def signals(binary, project, work, reference, moments):
    rows = []
    for name in ("SIGINT", "SIGTERM", "SIGKILL"):
        sig = getattr(signal, name)
        stopped = partial = wrong_final = next_differs = 0
        for delay in moments:
            out = work / f"sig-{name}-{delay}"
            proc = subprocess.Popen(
                build_cmd(binary, project, out),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(delay / 1000)
            proc.send_signal(sig)
            proc.wait()
            if proc.returncode != 0:
                stopped += 1
            left = hashes(out)
            partial += sum(1 for f in left if f.endswith(".part"))
            wrong_final += sum(
                1 for f, h in left.items() if not f.endswith(".part") and reference.get(f) != h
            )
            subprocess.run(build_cmd(binary, project, out), check=True, stdout=subprocess.DEVNULL)
            if hashes(out) != reference:
                next_differs += 1
        rows.append((name, len(moments), stopped, partial, wrong_final, next_differs))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--fixture", default=str(ROOT / "fixtures" / "libm"))
    args = parser.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    binary = ROOT / "target" / "release" / "cffi-wheel"
    with tempfile.TemporaryDirectory(prefix="cffi-wheel-faults-") as tmp:
        work = Path(tmp)
        project = work / "project"
        shutil.copytree(args.fixture, project, ignore=shutil.ignore_patterns("build", "out", "dist"))
        reference = clean_build(binary, project, work / "reference")
        start = time.monotonic()
        clean_build(binary, project, work / "timing")
        clean_seconds = time.monotonic() - start
        print(f"fixture {Path(args.fixture).name}: a clean build takes {clean_seconds:.1f} s\n")
        print("| builds at once | rounds | builds | failed | rounds whose wheels differ |")
        print("|---|---|---|---|---|")
        for width in (2, 4):
            failed, mismatched = concurrency(binary, project, work, reference, width, args.rounds)
            print(f"| {width} | {args.rounds} | {width * args.rounds} | {failed} | {mismatched} |")
        moments = [int(clean_seconds * 1000 * f) for f in (0.02, 0.1, 0.25, 0.5, 0.75, 0.9)]
        print(f"\nsignal moments (ms after start): {moments}\n")
        print("| signal | runs | stopped before finishing | partial files left | "
              "final-name files differing | next build differs from clean |")
        print("|---|---|---|---|---|---|")
        for row in signals(binary, project, work, reference, moments):
            print("| " + " | ".join(str(x) for x in row) + " |")


if __name__ == "__main__":
    main()
