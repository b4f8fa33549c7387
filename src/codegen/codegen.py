"""Emits the API-mode C source of one cffi module; prints one JSON object.

Input (stdin, JSON), one of:
  {"mode": "module", "module": "pkg._mod", "cdef": "...", "source": "...", "output": "x.c"}
  {"mode": "describe_script", "script": "build.py", "attribute": "ffibuilder", "root": "..."}
  {"mode": "emit_script", "script": ..., "attribute": ..., "root": ..., "output": "x.c"}
The C comes from cffi's own recompiler (ffi.emit_c_code), so it is exactly what
`ffibuilder.compile()` would have compiled. A build script runs as it would under
setuptools: the current directory is the project root, its own directory is on sys.path,
and `__name__` is not "__main__" (so its `ffibuilder.compile()` block does not run).
The answer is {"result": "ok", ...} or {"result": "error", "kind": KIND, "message": ...}
with KIND one of cdef (with line and column when cffi gives them), no_cffi, script (with
the traceback), abi_mode, internal (with the traceback).
Kept Python-3.8-compatible.
"""
import contextlib
import json
import os
import re
import sys
import traceback


# cffi (through pycparser) reports positions as "<cdef source string>:LINE:COL: ...".
POSITION = re.compile(r"<cdef source string>:(\d+)(?::(\d+))?")


def cdef_failure(message):
    match = POSITION.search(message)
    if match is None:
        fail("cdef", message)
        return
    fail("cdef", message, line=int(match.group(1)), column=int(match.group(2) or 1))


def fail(kind, message, **extra):
    result = {"result": "error", "kind": kind, "message": message}
    result.update(extra)
    sys.stdout.write(json.dumps(result))


def load_script(request):
    """Runs the build script and returns its FFI object, or None after reporting why."""
    root = request["root"]
    script = os.path.join(root, request["script"])
    os.chdir(root)
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    try:
        # setuptools first: on 3.12+ it provides the `distutils` that old scripts import.
        import setuptools  # noqa: F401
    except ImportError:
        pass
    namespace = {"__name__": "__cffi_wheel_build__", "__file__": script}
    try:
        with open(script) as f:
            code = compile(f.read(), script, "exec")
        with contextlib.redirect_stdout(sys.stderr):
            exec(code, namespace)
    except Exception as exc:
        fail("script", "%s: %s" % (type(exc).__name__, exc), traceback=traceback.format_exc())
        return None
    ffi = namespace.get(request["attribute"])
    if ffi is None or not hasattr(ffi, "emit_c_code"):
        fail("script", "%s defines no cffi FFI named %r" % (request["script"], request["attribute"]),
             traceback="")
        return None
    if getattr(ffi, "_assigned_source", None) is None:
        fail("script", "%s never calls %s.set_source(...)" % (request["script"], request["attribute"]),
             traceback="")
        return None
    return ffi


def describe(ffi):
    name, source, extension, kwds = ffi._assigned_source
    if source is None:
        fail(
            "abi_mode",
            "set_source(%r, None) makes a pure-Python module that loads the library at run "
            "time, not an extension to compile" % name,
        )
        return
    keys = ("sources", "include_dirs", "libraries", "library_dirs", "define_macros",
            "undef_macros", "extra_compile_args", "extra_link_args", "extra_objects")
    settings = {}
    for key in keys:
        value = kwds.get(key) or []
        if key == "define_macros":
            value = [[m[0], None if len(m) < 2 or m[1] is None else str(m[1])] for m in value]
        else:
            value = [str(v) for v in value]
        settings[key] = value
    unsupported = sorted(set(kwds) - set(keys) - {"depends", "language", "py_limited_api"})
    limited = kwds.get("py_limited_api")
    sys.stdout.write(json.dumps({
        "result": "ok",
        "module": name,
        "source": source,
        "cplusplus": extension in (".cpp", ".cc", ".cxx", ".c++") or kwds.get("language") == "c++",
        "settings": settings,
        "ignored": unsupported,
        # Reported, not applied: the recipe's `limited_api` key decides (the caller warns).
        "py_limited_api": None if limited is None else bool(limited),
        "cdef": "\n".join(getattr(ffi, "_cdefsources", [])),
    }))


def main():
    request = json.loads(sys.stdin.read())
    try:
        import cffi
    except ImportError as exc:
        fail("no_cffi", str(exc))
        return
    mode = request.get("mode", "module")
    if mode != "module":
        ffi = load_script(request)
        if ffi is None:
            return
        if mode == "describe_script":
            describe(ffi)
            return
        with contextlib.redirect_stdout(sys.stderr):
            ffi.emit_c_code(request["output"])
        sys.stdout.write(json.dumps({"result": "ok", "cffi_version": cffi.__version__}))
        return
    ffi = cffi.FFI()
    try:
        ffi.cdef(request["cdef"])
    except cffi.CDefError as exc:
        cdef_failure(str(exc))
        return
    except Exception as exc:  # pycparser errors and friends: a bad cdef, not a crash
        cdef_failure("%s: %s" % (type(exc).__name__, exc))
        return
    ffi.set_source(request["module"], request["source"])
    # cffi reports "generating ..." on stdout, which carries only our JSON.
    with contextlib.redirect_stdout(sys.stderr):
        ffi.emit_c_code(request["output"])
    sys.stdout.write(json.dumps({"result": "ok", "cffi_version": cffi.__version__}))


if __name__ == "__main__":
    # The answer goes to the original stdout; anything else written to file descriptor 1
    # (a build script's subprocesses: python-olm's runs CMake) goes to stderr.
    sys.stdout = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    try:
        main()
    except Exception as exc:
        fail("internal", "%s: %s" % (type(exc).__name__, exc), traceback=traceback.format_exc())
    sys.stdout.flush()
