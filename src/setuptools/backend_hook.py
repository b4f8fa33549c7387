"""Runs one PEP 517 hook of a project's own build backend, for cffi-wheel.

cffi-wheel runs this file (by path, like pyproject_hooks' _in_process.py) in the project
directory, under the interpreter of one build target, inside a build environment that
satisfies the project's [build-system] requires. Kept Python-3.8-compatible.

    python -s -B backend_hook.py REQUEST.json RESULT.json

REQUEST: {"hook": "requires" | "metadata" | "build",
          "backend": "setuptools.build_meta", "backend_path": [],
          "out_dir": "...",        # metadata and build: where the hook writes
          "build_base": "..."}     # build: setuptools' build directory for this target
RESULT: {"result": "ok", "hook": ..., ...} or
        {"result": "error", "kind": "backend" | "hook" | "internal", "message": ..., "traceback": ...}

The "build" hook calls the backend's build_wheel with every compiling step of setuptools'
build_ext replaced by a recorder: the project's own commands run (build_py, build_clib, a
custom build_ext's preparation such as CMake or cffi's C generation), and each Extension is
recorded with its final arguments at the moment setuptools would have compiled it. The wheel
that comes out holds everything but the extensions; cffi-wheel compiles those itself.
"""
import json
import os
import sys
import traceback

RESULT_PATH = None


def write_result(result):
    with open(RESULT_PATH, "w") as f:
        json.dump(result, f)


def error(kind, message, tb=None):
    write_result({"result": "error", "kind": kind, "message": message, "traceback": tb or ""})


def load_backend(spec, backend_path):
    for entry in reversed(backend_path):
        sys.path.insert(0, os.path.abspath(entry))
    module_name, _, attrs = spec.partition(":")
    module = __import__(module_name, fromlist=["__name__"])
    obj = module
    for attr in filter(None, attrs.split(".")):
        obj = getattr(obj, attr)
    return obj


def text_list(values):
    return [str(v) for v in (values or [])]


def abs_list(values):
    return [os.path.abspath(str(v)) for v in (values or [])]


def macro_list(macros):
    defined, undefined = [], []
    for macro in macros or []:
        if len(macro) == 1:
            undefined.append(str(macro[0]))
        else:
            defined.append([str(macro[0]), None if macro[1] is None else str(macro[1])])
    return defined, undefined


def added_flags(current, default):
    """Flags a project's build_ext added to the compiler's command (e.g. -std=c++11)."""
    default = list(default or [])
    return [flag for flag in (current or [])[1:] if flag not in default]


def default_compiler():
    from distutils.ccompiler import new_compiler
    from distutils.sysconfig import customize_compiler

    compiler = new_compiler()
    customize_compiler(compiler)
    return compiler


def install_recorder(records):
    """Replaces build_ext.build_extension (setuptools' and distutils') with a recorder."""
    import setuptools.command.build_ext as st_build_ext
    import distutils.command.build_ext as du_build_ext

    reference = {}

    def record(self, ext):
        fullname = self.get_ext_fullname(ext.name)
        if fullname in records:
            return
        if "compiler" not in reference:
            reference["compiler"] = default_compiler()
        base = reference["compiler"]
        compiler = self.compiler
        sources = list(ext.sources)
        if hasattr(self, "swig_sources"):
            sources = self.swig_sources(sources, ext)
        language = ext.language or compiler.detect_language(sources) or "c"
        defined, undefined = macro_list(list(getattr(compiler, "macros", [])) + list(ext.define_macros or []))
        undefined += text_list(ext.undef_macros)
        records[fullname] = {
            "name": fullname,
            "sources": abs_list(sources),
            "include_dirs": abs_list(list(ext.include_dirs or []) + list(compiler.include_dirs or [])),
            "define_macros": defined,
            "undef_macros": undefined,
            "libraries": text_list(list(self.get_libraries(ext)) + list(compiler.libraries or [])),
            "library_dirs": abs_list(list(ext.library_dirs or []) + list(compiler.library_dirs or [])),
            "runtime_library_dirs": text_list(
                list(ext.runtime_library_dirs or []) + list(compiler.runtime_library_dirs or [])
            ),
            "extra_objects": abs_list(list(ext.extra_objects or []) + list(compiler.objects or [])),
            "extra_compile_args": added_flags(compiler.compiler_so, base.compiler_so)
            + text_list(ext.extra_compile_args),
            "extra_link_args": added_flags(compiler.linker_so, base.linker_so)
            + text_list(ext.extra_link_args),
            "language": language,
            "py_limited_api": bool(getattr(ext, "py_limited_api", False)),
        }

    st_build_ext.build_ext.build_extension = record
    du_build_ext.build_ext.build_extension = record


def redirect_build_base(build_base):
    """setuptools' build directory for this target: ours, not the project's build/."""
    import distutils.command.build as du_build

    original = du_build.build.initialize_options

    def initialize_options(self):
        original(self)
        self.build_base = build_base

    du_build.build.initialize_options = initialize_options


def main():
    global RESULT_PATH
    with open(sys.argv[1]) as f:
        request = json.load(f)
    RESULT_PATH = sys.argv[2]
    hook = request["hook"]
    try:
        backend = load_backend(request["backend"], request.get("backend_path") or [])
    except Exception as exc:
        error("backend", "cannot import the build backend %r: %s: %s"
              % (request["backend"], type(exc).__name__, exc), traceback.format_exc())
        return
    records = {}
    try:
        if hook == "requires":
            get = getattr(backend, "get_requires_for_build_wheel", None)
            requires = list(get(None)) if get is not None else []
            write_result({"result": "ok", "hook": hook, "requires": text_list(requires)})
            return
        if hook == "metadata":
            prepare = getattr(backend, "prepare_metadata_for_build_wheel", None)
            if prepare is None:
                error("hook", "the backend has no prepare_metadata_for_build_wheel hook")
                return
            name = prepare(request["out_dir"], None)
            write_result({"result": "ok", "hook": hook, "dist_info": name})
            return
        import setuptools  # noqa: F401  (before distutils: its shim is the one patched)

        install_recorder(records)
        redirect_build_base(request["build_base"])
        name = backend.build_wheel(request["out_dir"], None, None)
    except SystemExit as exc:
        if exc.code in (None, 0):
            error("hook", "the build backend exited early (SystemExit %r) in %s" % (exc.code, hook))
        else:
            error("hook", "the build backend exited with %r in %s" % (exc.code, hook),
                  traceback.format_exc())
        return
    except BaseException as exc:  # a project's setup.py can raise anything
        error("hook", "%s: %s" % (type(exc).__name__, exc), traceback.format_exc())
        return
    write_result({
        "result": "ok",
        "hook": hook,
        "wheel": name,
        "extensions": [records[key] for key in sorted(records)],
    })


if __name__ == "__main__":
    try:
        main()
    except BaseException as exc:
        if RESULT_PATH is not None:
            error("internal", "%s: %s" % (type(exc).__name__, exc), traceback.format_exc())
        raise
