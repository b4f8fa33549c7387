#!/usr/bin/env python3
"""Fetches the corpus of published cffi projects (corpus/projects.toml) into a cache.

Each sdist is downloaded from the package index with pip (by name and version), checked
against the sha256 pinned in projects.toml, kept in the cache and unpacked there. Nothing of
it is committed: the cache is outside the repository.

    corpus/fetch.py [--only NAME[,NAME...]] [--ci] [--apt] [--json]

--only   these projects (default: all)
--ci     the projects marked `ci = true` (the ones ci/test checks)
--apt    print the Debian packages the selected projects need, one a line, and stop
--json   print one JSON object a line: name, version, sdist, dir, smoke, apt, covers, …

Cache: $CFFI_WHEEL_CORPUS_DIR, else ${XDG_CACHE_HOME:-~/.cache}/cffi-wheel/corpus.
Needs Python 3.11+ (tomllib) and pip.
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile

try:
    import tomllib
except ImportError:  # Python < 3.11
    sys.exit("corpus/fetch.py needs Python 3.11 or newer (tomllib); run it with python3.11+")

HERE = os.path.dirname(os.path.abspath(__file__))


def cache_dir():
    explicit = os.environ.get("CFFI_WHEEL_CORPUS_DIR")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "cffi-wheel", "corpus")


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download(project, sdists):
    """The verified sdist of `project` in `sdists`, downloaded when missing."""
    final = os.path.join(sdists, project["sdist"])
    if os.path.isfile(final) and sha256_of(final) == project["sha256"]:
        return final
    os.makedirs(sdists, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=sdists, prefix=".download-") as tmp:
        command = [
            # --no-binary for this project only: `:all:` would also build every one of its
            # build requirements from source while pip prepares its metadata.
            sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", project["name"],
            "--disable-pip-version-check", "--quiet", "-d", tmp,
            "%s==%s" % (project["name"], project["version"]),
        ]
        result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if result.returncode != 0:
            sys.exit("corpus/fetch.py: pip download %s==%s failed:\n%s"
                     % (project["name"], project["version"], result.stdout.decode(errors="replace")))
        got = os.path.join(tmp, project["sdist"])
        if not os.path.isfile(got):
            sys.exit("corpus/fetch.py: pip download %s==%s gave %s, not %s"
                     % (project["name"], project["version"], os.listdir(tmp), project["sdist"]))
        actual = sha256_of(got)
        if actual != project["sha256"]:
            sys.exit("corpus/fetch.py: %s has sha256 %s, but projects.toml pins %s"
                     % (project["sdist"], actual, project["sha256"]))
        os.replace(got, final)
    return final


def safe_members(names, dest):
    for name in names:
        target = os.path.realpath(os.path.join(dest, name))
        if not target.startswith(os.path.realpath(dest) + os.sep):
            sys.exit("corpus/fetch.py: archive member %r leaves the directory" % name)


def unpack(sdist, dest):
    """Unpacks `sdist` into `dest` (made fresh), returning the project directory in it."""
    if os.path.isdir(dest):
        entries = os.listdir(dest)
        if len(entries) == 1:
            return os.path.join(dest, entries[0])
        shutil.rmtree(dest)
    tmp = dest + ".partial"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    if sdist.endswith(".zip"):
        with zipfile.ZipFile(sdist) as archive:
            safe_members(archive.namelist(), tmp)
            archive.extractall(tmp)
    else:
        with tarfile.open(sdist) as archive:
            members = [m for m in archive.getmembers() if m.isfile() or m.isdir()]
            safe_members([m.name for m in members], tmp)
            archive.extractall(tmp, members=members)
    entries = os.listdir(tmp)
    if len(entries) != 1:
        sys.exit("corpus/fetch.py: %s holds %s, not one project directory" % (sdist, entries))
    os.replace(tmp, dest)
    return os.path.join(dest, entries[0])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="")
    parser.add_argument("--ci", action="store_true")
    parser.add_argument("--apt", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with open(os.path.join(HERE, "projects.toml"), "rb") as f:
        projects = tomllib.load(f)["project"]
    if args.only:
        wanted = set(name for name in args.only.split(",") if name)
        unknown = wanted - {p["name"] for p in projects}
        if unknown:
            sys.exit("corpus/fetch.py: not in projects.toml: %s" % ", ".join(sorted(unknown)))
        projects = [p for p in projects if p["name"] in wanted]
    if args.ci:
        projects = [p for p in projects if p.get("ci")]
    if args.apt:
        for package in sorted({a for p in projects for a in p.get("apt", [])}):
            print(package)
        return
    root = cache_dir()
    for project in projects:
        sdist = download(project, os.path.join(root, "sdists"))
        stem = "%s-%s" % (project["name"], project["version"])
        directory = unpack(sdist, os.path.join(root, "src", stem))
        if args.json:
            print(json.dumps({
                "name": project["name"],
                "version": project["version"],
                "sdist": sdist,
                "dir": directory,
                "smoke": project["smoke"],
                "apt": project.get("apt", []),
                "covers": project.get("covers", []),
                "requires_python": project.get("requires_python", ""),
                "smoke_extra_pip": project.get("smoke_extra_pip", []),
                "not_served": project.get("not_served", {}),
                "build_args": project.get("build_args", []),
                "import": project.get("import", False),
            }))
        else:
            print(directory)


if __name__ == "__main__":
    main()
