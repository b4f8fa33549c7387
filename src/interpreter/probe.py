"""Introspects the running interpreter for cffi-wheel; prints one JSON object.

The answer is {"result": "ok", ...} or {"result": "error", "kind": "internal", "message": ...}.

Kept compatible with old Pythons (no f-strings) so that an unsupported interpreter still
reports its version instead of failing with a syntax error.
"""
import json
import os
import platform
import struct
import sys
import sysconfig


def config(name):
    value = sysconfig.get_config_var(name)
    return value if value is None else str(value)


def cffi_version():
    try:
        import cffi
    except Exception:
        return None
    return cffi.__version__


def site_dirs():
    """Where installed packages live: a change there may change cffi_version."""
    paths = sysconfig.get_paths()
    found = []
    for key in ("purelib", "platlib"):
        path = paths.get(key)
        if path and path not in found:
            found.append(path)
    return found


def main():
    impl = sys.implementation.name
    pypy_version = None
    if impl == "pypy":
        pypy_version = ".".join(str(x) for x in sys.pypy_version_info[:3])
    include = sysconfig.get_paths().get("include")
    result = {
        "result": "ok",
        "implementation": impl,
        "version": list(sys.version_info[:3]),
        "pypy_version": pypy_version,
        "executable": os.path.realpath(sys.executable),
        "prefix": sys.prefix,
        "base_prefix": getattr(sys, "base_prefix", sys.prefix),
        "soabi": config("SOABI"),
        "ext_suffix": config("EXT_SUFFIX"),
        "include_dir": include,
        "has_headers": bool(include) and os.path.isfile(os.path.join(include, "Python.h")),
        "gil_disabled": config("Py_GIL_DISABLED") == "1",
        "debug": config("Py_DEBUG") == "1" or hasattr(sys, "gettotalrefcount"),
        "pointer_size": struct.calcsize("P") * 8,
        "platform": sysconfig.get_platform(),
        "machine": platform.machine(),
        "cffi_version": cffi_version(),
        "site_dirs": site_dirs(),
    }
    sys.stdout.write(json.dumps(result))


if __name__ == "__main__":
    try:
        main()
    except Exception as exc:  # reported as data, never as a traceback to parse
        sys.stdout.write(json.dumps({
            "result": "error",
            "kind": "internal",
            "message": "%s: %s" % (type(exc).__name__, exc),
        }))
