"""PEP 517 and PEP 660 hooks that drive the cffi-wheel binary.

The wheel is built for the interpreter running the hook (``-i sys.executable``), and the C
is generated with that interpreter's cffi (``--codegen-python``): the build environment
gets cffi from ``get_requires_for_build_wheel``. ``config_settings`` understood:

* ``config``: a recipe build option ``NAME=VALUE``, or a list of them (``--config``);
* ``compatibility``: ``auto`` (default) or ``linux`` (``--compatibility``);
* ``offline``: any value, to forbid installing anything (``--offline``).

For example ``pip install . -C config=system_sodium=true``.
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig

# The cffi runtime the generated modules need on CPython (see the README).
_CFFI = "cffi>=1.17.1"


def find_binary():
    """The cffi-wheel executable: $CFFI_WHEEL_BINARY, the one installed beside this
    package, or the first on PATH."""
    explicit = os.environ.get("CFFI_WHEEL_BINARY")
    if explicit:
        return explicit
    name = "cffi-wheel.exe" if os.name == "nt" else "cffi-wheel"
    candidates = []
    # First the binary installed with this very package (pip's isolated build environments
    # install into a prefix of their own): PREFIX/lib/pythonX.Y/site-packages/cffi_wheel →
    # PREFIX/bin, or PREFIX/Lib/site-packages/cffi_wheel → PREFIX/Scripts on Windows.
    here = os.path.dirname(os.path.abspath(__file__))
    for up in (4, 3):
        prefix = here
        for _ in range(up):
            prefix = os.path.dirname(prefix)
        candidates.append(os.path.join(prefix, "Scripts" if os.name == "nt" else "bin", name))
    for scheme in (None, "posix_user", "nt_user", "osx_framework_user"):
        try:
            paths = sysconfig.get_paths(scheme) if scheme else sysconfig.get_paths()
        except KeyError:
            continue
        candidates.append(os.path.join(paths["scripts"], name))
    for candidate in candidates:
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which(name)
    if found:
        return found
    raise RuntimeError(
        "cannot find the cffi-wheel executable; reinstall cffi-wheel or set CFFI_WHEEL_BINARY"
    )


def _settings_args(config_settings):
    args = []
    settings = config_settings or {}
    config = settings.get("config")
    if isinstance(config, str):
        config = [config]
    for item in config or []:
        args += ["--config", item]
    if settings.get("compatibility"):
        args += ["--compatibility", settings["compatibility"]]
    if "offline" in settings:
        args.append("--offline")
    return args


def _run_json(args):
    command = [find_binary()] + args + ["--json"]
    result = subprocess.run(command, stdout=subprocess.PIPE)
    if result.returncode != 0:
        raise SystemExit(
            "cffi-wheel failed (exit %d): %s" % (result.returncode, " ".join(command))
        )
    return json.loads(result.stdout.decode("utf-8"))


def _build(wheel_directory, config_settings, editable):
    args = [
        "build",
        os.getcwd(),
        "-o",
        os.path.abspath(wheel_directory),
        "-i",
        sys.executable,
        "--codegen-python",
        sys.executable,
    ]
    if editable:
        args.append("--editable")
    report = _run_json(args + _settings_args(config_settings))
    wheels = [w["wheel"]["file_name"] for w in report["wheels"]]
    if len(wheels) != 1:
        raise SystemExit("cffi-wheel built %d wheels for %s, expected one" % (len(wheels), sys.executable))
    return wheels[0]


def _uses_build_scripts():
    """Whether the recipe has `script:` modules (old build scripts may import distutils,
    which Python 3.12+ only has through setuptools)."""
    import re

    pattern = re.compile(r"^\s*(-\s*)?script\s*[:=]", re.MULTILINE)
    for name in ("cffi-wheel.yaml", "pyproject.toml"):
        try:
            with open(name) as f:
                if pattern.search(f.read()):
                    return True
        except OSError:
            pass
    return False


def _needs_cffi():
    # PyPy has cffi built in; CPython's build environment needs it for code generation.
    requires = [] if sys.implementation.name == "pypy" else [_CFFI]
    if _uses_build_scripts():
        requires.append("setuptools")
    return requires


def get_requires_for_build_wheel(config_settings=None):
    return _needs_cffi()


def get_requires_for_build_editable(config_settings=None):
    return _needs_cffi()


def get_requires_for_build_sdist(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    report = _run_json(["metadata", os.getcwd(), "-o", os.path.abspath(metadata_directory)])
    return report["dist_info"]


prepare_metadata_for_build_editable = prepare_metadata_for_build_wheel


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return _build(wheel_directory, config_settings, editable=False)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    return _build(wheel_directory, config_settings, editable=True)


def build_sdist(sdist_directory, config_settings=None):
    report = _run_json(["sdist", os.getcwd(), "-o", os.path.abspath(sdist_directory)])
    return report["file_name"]
