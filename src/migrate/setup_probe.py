"""Reads what a setuptools project's setup.py / setup.cfg say, for `cffi-wheel import`.

Runs setup.py with setup() replaced by a function that records its keyword arguments
(nothing is built), reads setup.cfg's [metadata] and [options], and prints one JSON object.
Input (stdin, JSON): {"root": "/path/to/project"}. The answer is {"result": "ok", ...} or
{"result": "error", "kind": KIND, "message": ...} with KIND one of setup_py (with the
traceback), setup_cfg, internal (with the traceback). Kept Python-3.8-compatible.
"""
import configparser
import contextlib
import json
import os
import sys
import traceback

CAPTURED = {}


def fake_setup(**kwargs):
    CAPTURED.update(kwargs)


def run_setup_py(root):
    path = os.path.join(root, "setup.py")
    if not os.path.isfile(path):
        return
    try:
        import setuptools

        setuptools.setup = fake_setup
    except ImportError:
        pass
    try:
        import distutils.core

        distutils.core.setup = fake_setup
    except ImportError:
        pass
    sys.path.insert(0, root)
    sys.argv = [path, "--version"]
    with open(path) as f:
        code = compile(f.read(), path, "exec")
    with contextlib.redirect_stdout(sys.stderr):
        exec(code, {"__name__": "__main__", "__file__": path})


def read_setup_cfg(root):
    path = os.path.join(root, "setup.cfg")
    result = {}
    if not os.path.isfile(path):
        return result
    parser = configparser.ConfigParser()
    parser.read(path)

    def lines(value, separator):
        # As setuptools' _parse_list: a multi-line value has one item a line (so a `;` in a
        # requirement's environment marker stays); a one-line value is split on `separator`.
        items = value.splitlines() if "\n" in value.strip() else value.split(separator)
        return [item.strip() for item in items if item.strip()]

    if parser.has_section("metadata"):
        meta = parser["metadata"]
        for key, ours in (("name", "name"), ("version", "version"), ("description", "description"),
                          ("license", "license"), ("author", "author"), ("author_email", "author_email")):
            if key in meta:
                result[ours] = meta[key].strip()
    if parser.has_section("options"):
        opts = parser["options"]
        if "python_requires" in opts:
            result["python_requires"] = opts["python_requires"].strip()
        if "install_requires" in opts:
            result["install_requires"] = lines(opts["install_requires"], ";")
        if "packages" in opts and not opts["packages"].strip().startswith("find"):
            result["packages"] = lines(opts["packages"], ",")
        if "ext_package" in opts:
            result["ext_package"] = opts["ext_package"].strip()
        if "cffi_modules" in opts:
            result["cffi_modules"] = lines(opts["cffi_modules"], ",")
    return result


def plain(value):
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def fail(kind, message, **extra):
    result = {"result": "error", "kind": kind, "message": message}
    result.update(extra)
    sys.stdout.write(json.dumps(result))


def main():
    request = json.loads(sys.stdin.read())
    root = request["root"]
    os.chdir(root)
    try:
        result = read_setup_cfg(root)
    except configparser.Error as exc:
        fail("setup_cfg", str(exc).strip())
        return
    try:
        run_setup_py(root)
    except SystemExit:
        pass
    except Exception as exc:
        fail("setup_py", "%s: %s" % (type(exc).__name__, exc), traceback=traceback.format_exc())
        return
    keys = ("name", "version", "description", "license", "author", "author_email",
            "python_requires", "install_requires", "packages", "package_dir", "ext_package",
            "cffi_modules")
    for key in keys:
        if key in CAPTURED and CAPTURED[key] is not None:
            result[key] = plain(CAPTURED[key])
    result["result"] = "ok"
    sys.stdout.write(json.dumps(result))


if __name__ == "__main__":
    # The answer goes to the original stdout; anything else written to file descriptor 1
    # (setup.py's prints, its subprocesses' output) goes to stderr.
    sys.stdout = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    try:
        main()
    except Exception as exc:
        fail("internal", "%s: %s" % (type(exc).__name__, exc), traceback=traceback.format_exc())
    sys.stdout.flush()
