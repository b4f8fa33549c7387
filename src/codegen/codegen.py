"""Emits the API-mode C source of one cffi module; prints one JSON object.

Input (stdin, JSON): {"module": "pkg._mod", "cdef": "...", "source": "...", "output": "path.c"}.
The C comes from cffi's own recompiler (ffi.emit_c_code), so it is exactly what
`ffibuilder.compile()` would have compiled. Kept Python-3.8-compatible.
"""
import contextlib
import json
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
    result = {"ok": False, "kind": kind, "message": message}
    result.update(extra)
    sys.stdout.write(json.dumps(result))


def main():
    request = json.loads(sys.stdin.read())
    try:
        import cffi
    except ImportError as exc:
        fail("no_cffi", str(exc))
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
    sys.stdout.write(json.dumps({"ok": True, "cffi_version": cffi.__version__}))


if __name__ == "__main__":
    try:
        main()
    except Exception as exc:
        fail("internal", "%s: %s" % (type(exc).__name__, exc), traceback=traceback.format_exc())
