//! cffi-wheel among Python's tools: its own wheel (built by maturin), pip, `python -m build`
//! and editable installs through the PEP 517/660 backend, setuptools projects run through
//! `script:` and `import`, sdists that rebuild into the same wheels, and `cffi-wheel test`.
//!
//! `cffi-wheel` is not on the package index: pip finds the wheel maturin builds here through
//! `PIP_FIND_LINKS` (cffi and the rest come from the index as usual).

use std::ffi::OsStr;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex, PoisonError, Weak};

use serde_json::Value;
use tempfile::TempDir;

use crate::context::{
    self, Build, Project, Run, Wheel, copy_fixture, describe, install_and_check_everywhere,
    python_command, run_cli, run_cli_env, same_program, wheel_members, wheel_names, wheels_of,
};

/// The setuptools fixtures: (fixture, package directory, `cffi_modules` entry, ext_package).
const LEGACY_FIXTURES: [(&str, &str, &str, Option<&str>); 2] = [
    (
        "legacy_sources",
        "legacyring",
        "cffi_build/ring_build.py:ffibuilder",
        None,
    ),
    (
        "legacy_libraries",
        "legacypkg",
        "native_build.py:ffibuilder",
        Some("legacypkg"),
    ),
];

/// The fixtures whose sdists must rebuild into the same wheels (the legacy ones after
/// `import` wrote their recipe).
const ROUND_TRIP_FIXTURES: [&str; 9] = [
    "libm",
    "factorial",
    "partial",
    "vendored",
    "sodium",
    "prebuild",
    "pyproject_only",
    "legacy_sources",
    "legacy_libraries",
];

/// The round-trip fixture also built for PyPy.
const ROUND_TRIP_PYPY_FIXTURE: &str = "vendored";

/// A fixed `SOURCE_DATE_EPOCH` for builds that are compared byte for byte.
const EPOCH: (&str, &str) = ("SOURCE_DATE_EPOCH", "1700000000");

/// The tool's own wheel, `cffi_wheel-<version>-py3-none-manylinux_*_x86_64.whl`.
struct ToolWheel {
    /// The directory holding only the wheel: what `PIP_FIND_LINKS` names.
    dir: TempDir,
    /// The wheel.
    path: PathBuf,
}

/// The wheel the tests alive in this process share; it is deleted when the last one drops it.
static TOOL_WHEEL: Mutex<Weak<ToolWheel>> = Mutex::new(Weak::new());

/// The tool's wheel, built once per test process with the tools venv's `maturin build` (the
/// debug profile), or `None` (after the skip rule) without maturin.
///
/// maturin gets a target directory of its own, kept under `target/tmp` between runs: in
/// `target/` itself it would move `target/debug/cffi-wheel` (the binary every other test
/// runs) away while packaging it and put back a stripped rebuild. Its first build there
/// compiles every dependency once (minutes); later ones take about a second. A file lock
/// keeps concurrent test processes from staging the binary at the same time.
fn tool_wheel() -> Option<Arc<ToolWheel>> {
    let maturin = context::tool("maturin")?;
    let mut shared = TOOL_WHEEL.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(wheel) = shared.upgrade() {
        return Some(wheel);
    }
    let dir = tempfile::Builder::new()
        .prefix("cffi-wheel-tool-wheel-")
        .tempdir()
        .unwrap();
    let target_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("tool-wheel-target");
    fs_err::create_dir_all(&target_dir).unwrap();
    let lock = fs_err::File::create(target_dir.with_extension("lock")).unwrap();
    lock.lock().unwrap();
    if !target_dir.join("debug").exists() {
        eprintln!(
            "note: the first maturin build in {} compiles every dependency (minutes)",
            target_dir.display()
        );
    }
    let built = Command::new(&maturin)
        .arg("build")
        .arg("-o")
        .arg(dir.path())
        .arg("--target-dir")
        .arg(&target_dir)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    drop(lock);
    assert!(
        built.status.success(),
        "{}",
        describe("maturin build", &built)
    );
    let names = wheel_names(dir.path());
    let prefix = format!(
        "cffi_wheel-{}-py3-none-manylinux_",
        env!("CARGO_PKG_VERSION")
    );
    assert!(
        names.len() == 1 && names[0].starts_with(&prefix) && names[0].ends_with("_x86_64.whl"),
        "maturin build wrote {names:?}, expected one {prefix}*_x86_64.whl"
    );
    let path = dir.path().join(&names[0]);
    let wheel = Arc::new(ToolWheel { dir, path });
    *shared = Arc::downgrade(&wheel);
    Some(wheel)
}

/// Runs `command`, panicking with its output unless it exits 0.
fn run_ok(command: &mut Command, what: &str) -> Output {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    assert!(output.status.success(), "{}", describe(what, &output));
    output
}

/// A fresh virtual environment in a directory of its own.
struct Venv {
    /// Keeps the venv (and the `elsewhere` working directory) alive.
    temp: TempDir,
    /// The venv's `bin/python`.
    python: PathBuf,
    /// What it was made from, for messages.
    base: PathBuf,
}

impl Venv {
    /// `base -m venv <tempdir>/venv`.
    fn new(base: &Path) -> Self {
        let temp = tempfile::Builder::new()
            .prefix("cffi-wheel-venv-")
            .tempdir()
            .unwrap();
        let root = temp.path().join("venv");
        run_ok(
            python_command(base).args([OsStr::new("-m"), OsStr::new("venv"), root.as_os_str()]),
            &format!("{} -m venv", base.display()),
        );
        Self {
            python: root.join("bin").join("python"),
            temp,
            base: base.to_path_buf(),
        }
    }

    /// The venv directory.
    fn root(&self) -> PathBuf {
        self.temp.path().join("venv")
    }

    /// A program in the venv's `bin`.
    fn bin(&self, name: &str) -> PathBuf {
        self.root().join("bin").join(name)
    }

    /// A command running the venv's python with `PIP_FIND_LINKS` naming the tool's wheel and
    /// build isolation on, from a working directory outside every project.
    fn python(&self, tool: &ToolWheel) -> Command {
        let cwd = self.temp.path().join("elsewhere");
        fs_err::create_dir_all(&cwd).unwrap();
        let mut command = python_command(&self.python);
        command
            .env("PIP_FIND_LINKS", tool.dir.path())
            .env_remove("PIP_NO_BUILD_ISOLATION")
            .env_remove("PIP_NO_INDEX")
            .env_remove("CFFI_WHEEL_BINARY")
            .current_dir(cwd);
        command
    }

    /// `pip install -q ARGS`, panicking with pip's output on failure.
    fn pip_install(&self, tool: &ToolWheel, args: &[&OsStr]) {
        let shown: Vec<_> = args.iter().map(|a| a.to_string_lossy()).collect();
        run_ok(
            self.python(tool)
                .args(["-m", "pip", "install", "-q"])
                .args(args),
            &format!("pip install {} ({})", shown.join(" "), self.base.display()),
        );
    }

    /// Runs the fixture's check.py isolated (`-I`) from outside the project; panics unless
    /// it prints `ok <fixture>`.
    fn check(&self, tool: &ToolWheel, check_py: &Path, fixture: &str) {
        let what = format!("check.py of {fixture} ({})", self.base.display());
        let output = run_ok(self.python(tool).arg("-I").arg(check_py), &what);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            stdout.contains(&format!("ok {fixture}")),
            "{}",
            describe(&what, &output)
        );
    }
}

/// CPython 3.`minor` from pyenv, or `None` (after the skip rule).
fn cpython(minor: u32) -> Option<PathBuf> {
    context::pyenv_cpython(minor).or_else(|| context::missing(&format!("CPython 3.{minor}")))
}

/// The canonical form of `path` (tempdirs may sit behind symlinks).
fn canonical(path: &Path) -> PathBuf {
    fs_err::canonicalize(path).unwrap()
}

#[test]
fn the_tools_own_wheel_installs_and_its_binary_and_backend_work() {
    let Some(python) = cpython(12) else {
        return;
    };
    let Some(tool) = tool_wheel() else {
        return;
    };
    let venv = Venv::new(&python);
    venv.pip_install(&tool, &[tool.path.as_os_str()]);

    let binary = venv.bin("cffi-wheel");
    let expected = format!("cffi-wheel {}", env!("CARGO_PKG_VERSION"));
    let version = run_ok(
        Command::new(&binary).arg("--version"),
        "<venv>/bin/cffi-wheel --version",
    );
    assert_eq!(String::from_utf8_lossy(&version.stdout).trim(), expected);
    let module = run_ok(
        venv.python(&tool).args(["-m", "cffi_wheel", "--version"]),
        "python -m cffi_wheel --version",
    );
    assert_eq!(String::from_utf8_lossy(&module.stdout).trim(), expected);

    let found = run_ok(
        venv.python(&tool)
            .args(["-c", "import cffi_wheel; print(cffi_wheel.find_binary())"]),
        "cffi_wheel.find_binary()",
    );
    let found = PathBuf::from(String::from_utf8_lossy(&found.stdout).trim());
    assert!(
        canonical(&found).starts_with(canonical(&venv.root())),
        "find_binary() is {}, outside the venv {}",
        found.display(),
        venv.root().display()
    );
    assert!(same_program(&found, &binary), "{}", found.display());

    let backend = run_ok(
        venv.python(&tool).args([
            "-c",
            "import cffi_wheel as b; \
             print(all(callable(getattr(b, h)) for h in b.__all__))",
        ]),
        "import the backend's hooks",
    );
    assert_eq!(String::from_utf8_lossy(&backend.stdout).trim(), "True");
}

#[test]
fn pyproject_only_project_installs_with_pip_on_38_313_and_pypy() {
    let Some(interpreters) = context::interpreters() else {
        return;
    };
    let Some(tool) = tool_wheel() else {
        return;
    };
    // cpythons follows CPYTHON_MINORS: 3.8 first, 3.13 last.
    let pythons = [
        interpreters.cpythons[0].clone(),
        interpreters.cpythons[5].clone(),
        interpreters.pypy.clone(),
    ];
    std::thread::scope(|scope| {
        let handles: Vec<_> = pythons
            .iter()
            .map(|python| {
                let tool = &tool;
                scope.spawn(move || {
                    // One copy each: pip builds in the tree, in its build/ directory.
                    let project = copy_fixture("pyproject_only");
                    let venv = Venv::new(python);
                    venv.pip_install(tool, &[project.root.as_os_str()]);
                    venv.check(tool, &project.root.join("check.py"), "pyproject_only");
                })
            })
            .collect();
        let failures: Vec<String> = handles
            .into_iter()
            .zip(&pythons)
            .filter_map(|(handle, python)| {
                let message = panic_message(handle.join().err()?);
                Some(format!("{}: {message}", python.display()))
            })
            .collect();
        assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    });
}

/// The text of a caught panic.
fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_string()))
        .unwrap_or_else(|| "panicked".to_string())
}

#[test]
fn python_m_build_makes_an_sdist_and_a_wheel_for_pyproject_only() {
    let Some(python) = cpython(12) else {
        return;
    };
    let Some(tool) = tool_wheel() else {
        return;
    };
    let project = copy_fixture("pyproject_only");
    let venv = Venv::new(&python);
    venv.pip_install(&tool, &["build".as_ref()]);
    let out = project.temp.path().join("out");
    run_ok(
        venv.python(&tool)
            .args(["-m", "build"])
            .arg(&project.root)
            .arg("-o")
            .arg(&out),
        "python -m build",
    );

    let mut names: Vec<String> = fs_err::read_dir(&out)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let sdist = "cw_pyproj-0.3.1.tar.gz";
    let wheel_prefix = "cw_pyproj-0.3.1-cp312-abi3-manylinux_";
    assert!(
        names.len() == 2
            && names[0].starts_with(wheel_prefix)
            && names[0].ends_with(".whl")
            && names[1] == sdist,
        "python -m build wrote {names:?}, expected {sdist} and one {wheel_prefix}*.whl"
    );
    let wheel = out.join(&names[0]);
    cffi_wheel::wheel::verify_wheel(&wheel)
        .unwrap_or_else(|e| panic!("verify_wheel({}): {e}", names[0]));

    // The backend's build_sdist is `cffi-wheel sdist`: the same bytes.
    let ours = project.temp.path().join("ours");
    run_cli([
        OsStr::new("sdist"),
        project.root.as_os_str(),
        OsStr::new("-o"),
        ours.as_os_str(),
    ])
    .assert_success("cffi-wheel sdist");
    assert!(
        fs_err::read(out.join(sdist)).unwrap() == fs_err::read(ours.join(sdist)).unwrap(),
        "{sdist} from python -m build differs from cffi-wheel sdist's"
    );
}

#[test]
fn editable_install_runs_from_the_source_tree() {
    let Some(python) = cpython(13) else {
        return;
    };
    let Some(tool) = tool_wheel() else {
        return;
    };
    let project = copy_fixture("pyproject_only");
    let venv = Venv::new(&python);
    venv.pip_install(&tool, &["-e".as_ref(), project.root.as_os_str()]);
    venv.check(&tool, &project.root.join("check.py"), "pyproject_only");

    let imported = run_ok(
        venv.python(&tool)
            .args(["-I", "-c", "import cwpyproj._clamp as m; print(m.__file__)"]),
        "import cwpyproj._clamp",
    );
    let file = PathBuf::from(String::from_utf8_lossy(&imported.stdout).trim());
    assert!(
        canonical(&file).starts_with(canonical(&project.root)),
        "cwpyproj._clamp was imported from {}, not from the source tree {}",
        file.display(),
        project.root.display()
    );
}

/// `key="value"` from a setup.py (the fixtures' setup() calls spell their keywords so).
fn setup_py_string(setup_py: &str, key: &str) -> String {
    let marker = format!("{key}=\"");
    let start = setup_py
        .find(&marker)
        .unwrap_or_else(|| panic!("no {key}=\"...\" in setup.py"))
        + marker.len();
    let end = setup_py[start..].find('"').unwrap();
    setup_py[start..start + end].to_string()
}

/// Writes a hand-made `script:` recipe into `project`: the metadata setup.py declares that
/// `import` carries over (name, version, summary, requires_python, license, author, its one
/// `install_requires` entry), the package, and the build script as setup.py names it.
fn write_script_recipe(project: &Path, package: &str, script: &str, ext_package: Option<&str>) {
    let setup_py = fs_err::read_to_string(project.join("setup.py")).unwrap();
    let quoted = |key: &str| serde_json::to_string(&setup_py_string(&setup_py, key)).unwrap();
    let marker = "install_requires=[\"";
    let start = setup_py.find(marker).unwrap() + marker.len();
    let end = setup_py[start..].find('"').unwrap();
    let dependency = serde_json::to_string(&setup_py[start..start + end]).unwrap();
    let mut recipe = format!(
        "package:\n  name: {}\n  version: {}\n  summary: {}\n  requires_python: {}\n  \
         license: {}\n  authors: [{{name: {}, email: {}}}]\n  dependencies: [{dependency}]\n\
         packages: [{package}]\nmodules:\n  - script: {script}\n",
        quoted("name"),
        quoted("version"),
        quoted("description"),
        quoted("python_requires"),
        quoted("license"),
        quoted("author"),
        quoted("author_email"),
    );
    if let Some(ext_package) = ext_package {
        recipe.push_str(&format!("    ext_package: {ext_package}\n"));
    }
    fs_err::write(project.join("cffi-wheel.yaml"), recipe).unwrap();
}

/// Runs `cffi-wheel import PROJECT`, asserting it wrote `PROJECT/cffi-wheel.yaml`.
fn import_recipe(project: &Path) {
    let run = run_cli([OsStr::new("import"), project.as_os_str()]);
    run.assert_success(&format!("cffi-wheel import {}", project.display()));
    let recipe = project.join("cffi-wheel.yaml");
    assert!(recipe.is_file(), "import wrote no {}", recipe.display());
    assert_eq!(
        run.stdout.trim(),
        recipe.to_string_lossy(),
        "import's stdout"
    );
}

/// `cffi-wheel build PROJECT -o OUT --json EXTRA...` with `env`; panics on failure.
fn build_env(project: &Path, out: &Path, extra: &[&OsStr], env: &[(&str, &str)]) -> Vec<Wheel> {
    let mut args = vec![
        OsStr::new("build"),
        project.as_os_str(),
        OsStr::new("-o"),
        out.as_os_str(),
        OsStr::new("--json"),
    ];
    args.extend_from_slice(extra);
    let run = run_cli_env(&args, env);
    let shown: Vec<_> = args.iter().map(|a| a.to_string_lossy()).collect();
    run.assert_success(&format!("cffi-wheel {}", shown.join(" ")));
    let report: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("build --json printed invalid JSON ({e}):\n{}", run.stdout));
    wheels_of(&report)
}

/// Builds a legacy fixture copy (with its recipe written) at [`EPOCH`] and runs check.py
/// under every interpreter its wheels claim.
fn build_legacy(fixture: &str, project: Project) -> Build {
    let out = project.temp.path().join("out");
    let wheels = build_env(&project.root, &out, &[], &[EPOCH]);
    Build {
        fixture: fixture.to_string(),
        project,
        out,
        wheels,
    }
}

/// Which of `a`'s wheels are missing from `b` or differ from it, byte for byte.
fn wheel_differences(a: &Path, b: &Path) -> Vec<String> {
    let (names_a, names_b) = (wheel_names(a), wheel_names(b));
    if names_a != names_b {
        return vec![format!("wheel names {names_a:?} vs {names_b:?}")];
    }
    names_a
        .iter()
        .filter(|name| fs_err::read(a.join(name)).unwrap() != fs_err::read(b.join(name)).unwrap())
        .map(|name| {
            let members = |dir: &Path| wheel_members(&dir.join(name), |_| true);
            let (ours, theirs) = (members(a), members(b));
            let differing: Vec<&str> = ours
                .iter()
                .filter(|(member, bytes)| {
                    !theirs
                        .iter()
                        .any(|(m, other)| m == member && other == bytes)
                })
                .map(|(member, _)| member.as_str())
                .collect();
            format!("{name}: members that differ: {differing:?}")
        })
        .collect()
}

#[test]
fn legacy_projects_build_via_script_and_via_import_and_pass_their_checks_everywhere() {
    let Some(interpreters) = context::interpreters() else {
        return;
    };
    let required = interpreters.cpythons.len() + 1;
    for (fixture, package, script, ext_package) in LEGACY_FIXTURES {
        let scripted = copy_fixture(fixture);
        write_script_recipe(&scripted.root, package, script, ext_package);
        let scripted = build_legacy(fixture, scripted);
        assert_eq!(
            scripted.wheels.len(),
            2,
            "{fixture} (script:): {:?}",
            wheel_names(&scripted.out)
        );
        let passed = install_and_check_everywhere(&scripted);
        assert!(
            passed >= required,
            "{fixture} (script:): check.py passed under {passed} interpreter(s), fewer than {required}"
        );

        let imported = copy_fixture(fixture);
        import_recipe(&imported.root);
        let imported = build_legacy(fixture, imported);
        // The same script and metadata at the same SOURCE_DATE_EPOCH: the same wheels. Only
        // when they differ is it worth installing the imported ones everywhere too.
        let differences = wheel_differences(&scripted.out, &imported.out);
        if !differences.is_empty() {
            let passed = install_and_check_everywhere(&imported);
            assert!(
                passed >= required,
                "{fixture} (import): check.py passed under {passed} interpreter(s), fewer than {required}"
            );
        }
        assert!(
            differences.is_empty(),
            "{fixture}: the script: and import routes gave different wheels:\n{}\n\
             --- imported recipe:\n{}",
            differences.join("\n"),
            fs_err::read_to_string(imported.project.root.join("cffi-wheel.yaml")).unwrap()
        );
    }
}

#[test]
fn import_keeps_the_license_and_author_setup_py_declares() {
    let Some(_) = context::interpreters() else {
        return;
    };
    for (fixture, ..) in LEGACY_FIXTURES {
        let project = copy_fixture(fixture);
        import_recipe(&project.root);
        let out = project.temp.path().join("metadata");
        let run = run_cli([
            OsStr::new("metadata"),
            project.root.as_os_str(),
            OsStr::new("-o"),
            out.as_os_str(),
            OsStr::new("--json"),
        ]);
        run.assert_success("cffi-wheel metadata");
        let report: Value = serde_json::from_str(&run.stdout).unwrap();
        let dist_info = report["dist_info"].as_str().unwrap();
        let metadata = fs_err::read_to_string(out.join(dist_info).join("METADATA")).unwrap();
        // Both fixtures' setup() say license="MIT", author="A. Person",
        // author_email="a@example.org". PEP 621 renders the pair as
        // email.headerregistry.Address does: a display name with a `.` is quoted.
        for line in [
            "License-Expression: MIT",
            "Author-email: \"A. Person\" <a@example.org>",
        ] {
            assert!(
                metadata.lines().any(|l| l == line),
                "{fixture}: no `{line}` in the imported project's METADATA:\n{metadata}\n\
                 --- imported recipe:\n{}",
                fs_err::read_to_string(project.root.join("cffi-wheel.yaml")).unwrap()
            );
        }
    }
}

/// The members of a `.tar.gz`, in archive order, with their contents.
fn tar_members(path: &Path) -> Vec<(String, Vec<u8>)> {
    let file = fs_err::File::open(path).unwrap();
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    archive
        .entries()
        .unwrap()
        .map(|entry| {
            let mut entry = entry.unwrap();
            let name = entry.path().unwrap().to_string_lossy().into_owned();
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            (name, bytes)
        })
        .collect()
}

/// `cffi-wheel sdist PROJECT -o OUT --json`: the report.
fn sdist_json(project: &Path, out: &Path) -> Value {
    let run: Run = run_cli([
        OsStr::new("sdist"),
        project.as_os_str(),
        OsStr::new("-o"),
        out.as_os_str(),
        OsStr::new("--json"),
    ]);
    run.assert_success(&format!("cffi-wheel sdist {}", project.display()));
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("sdist --json printed invalid JSON ({e}):\n{}", run.stdout))
}

/// Copies `fixture` (importing a recipe for the legacy ones), writes its sdist twice,
/// unpacks it elsewhere, and builds both trees with `extra`: same sdist bytes, PKG-INFO
/// first, and the same wheels.
fn sdist_round_trip(fixture: &str, extra: &[&OsStr]) {
    let project = copy_fixture(fixture);
    if fixture.starts_with("legacy_") {
        import_recipe(&project.root);
    }
    let temp = project.temp.path();
    let report = sdist_json(&project.root, &temp.join("sdist"));
    let again = sdist_json(&project.root, &temp.join("sdist-again"));
    let file_name = report["file_name"].as_str().unwrap();
    let sdist = PathBuf::from(report["path"].as_str().unwrap());
    assert_eq!(sdist, temp.join("sdist").join(file_name), "{fixture}");
    assert_eq!(
        report["files"], again["files"],
        "{fixture}: files of two sdists"
    );
    assert!(
        fs_err::read(&sdist).unwrap()
            == fs_err::read(temp.join("sdist-again").join(file_name)).unwrap(),
        "{fixture}: writing {file_name} twice gave different bytes"
    );

    let base = file_name.strip_suffix(".tar.gz").unwrap();
    let members = tar_members(&sdist);
    let names: Vec<&str> = members.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names.first().copied(),
        Some(format!("{base}/PKG-INFO").as_str()),
        "{fixture}: {file_name} members {names:?}"
    );
    let listed: Vec<String> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{base}/{}", f.as_str().unwrap()))
        .collect();
    assert_eq!(names[1..], listed, "{fixture}: members vs --json files");

    let unpacked = tempfile::Builder::new()
        .prefix("cffi-wheel-sdist-")
        .tempdir()
        .unwrap();
    let file = fs_err::File::open(&sdist).unwrap();
    tar::Archive::new(flate2::read::GzDecoder::new(file))
        .unpack(unpacked.path())
        .unwrap();
    let tree = unpacked.path().join(base);
    assert!(
        tree.join("PKG-INFO").is_file(),
        "{fixture}: no {base}/PKG-INFO"
    );

    let from_copy = temp.join("wheels-from-copy");
    let from_sdist = temp.join("wheels-from-sdist");
    build_env(&project.root, &from_copy, extra, &[]);
    build_env(&tree, &from_sdist, extra, &[]);
    let differences = wheel_differences(&from_copy, &from_sdist);
    assert!(
        differences.is_empty(),
        "{fixture}: the unpacked sdist built different wheels:\n{}",
        differences.join("\n")
    );
}

#[test]
fn sdist_round_trip_gives_the_same_wheels_for_every_fixture() {
    let Some(interpreters) = context::interpreters() else {
        return;
    };
    let (Some(()), Some(_), Some(_)) = (
        crate::external::sodium_ready(),
        context::patchelf(),
        context::program("make"),
    ) else {
        return;
    };
    // CPython 3.12 (cpythons follows CPYTHON_MINORS) for every fixture, PyPy for one.
    let python = interpreters.cpythons[4].as_os_str();
    let pypy = interpreters.pypy.as_os_str();
    let queue = Mutex::new(ROUND_TRIP_FIXTURES.into_iter());
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                loop {
                    let Some(fixture) = queue.lock().unwrap().next() else {
                        break;
                    };
                    let mut extra = vec![OsStr::new("-i"), python];
                    if fixture == ROUND_TRIP_PYPY_FIXTURE {
                        extra.extend([OsStr::new("-i"), pypy]);
                    }
                    let outcome = std::panic::catch_unwind(|| sdist_round_trip(fixture, &extra));
                    if let Err(payload) = outcome {
                        let message = panic_message(payload);
                        failures
                            .lock()
                            .unwrap()
                            .push(format!("{fixture}: {message}"));
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} fixtures failed the sdist round trip:\n\n{}",
        failures.len(),
        ROUND_TRIP_FIXTURES.len(),
        failures.join("\n\n")
    );
}

/// `cffi-wheel test PROJECT -o OUT --json EXTRA...`: the run and its `results`.
fn test_json(project: &Project, extra: &[&str]) -> (Run, Vec<Value>) {
    let out = project.temp.path().join("out");
    let mut args = vec![
        OsStr::new("test"),
        project.root.as_os_str(),
        OsStr::new("-o"),
        out.as_os_str(),
        OsStr::new("--json"),
    ];
    args.extend(extra.iter().map(OsStr::new));
    let run = run_cli(&args);
    // Only the test results are on stdout: no build report before them.
    let report: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| {
        panic!(
            "test --json printed invalid JSON ({e}):\n{}\n--- stderr\n{}",
            run.stdout, run.stderr
        )
    });
    let keys: Vec<&String> = report.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["results"], "test --json keys");
    let results = report["results"].as_array().unwrap().clone();
    (run, results)
}

#[test]
fn cffi_wheel_test_runs_the_pytest_suite_on_every_interpreter() {
    let Some(interpreters) = context::interpreters() else {
        return;
    };
    let project = copy_fixture("vendored");
    let (run, results) = test_json(&project, &[]);
    run.assert_success("cffi-wheel test vendored --json");
    let failed: Vec<&Value> = results.iter().filter(|r| r["passed"] != true).collect();
    assert!(failed.is_empty(), "rows that failed: {failed:#?}");
    for row in &results {
        assert_eq!(row["failed_step"], Value::Null, "{row:#}");
    }
    let required: Vec<&PathBuf> = interpreters
        .cpythons
        .iter()
        .chain([&interpreters.pypy])
        .collect();
    assert!(
        results.len() >= required.len(),
        "{} rows, fewer than {}: {results:#?}",
        results.len(),
        required.len()
    );
    for python in required {
        assert!(
            results
                .iter()
                .any(|r| same_program(Path::new(r["path"].as_str().unwrap()), python)),
            "no row for {}: {results:#?}",
            python.display()
        );
    }

    let broken = copy_fixture("vendored");
    let tests = broken.root.join("tests").join("test_vecmath.py");
    let mut suite = fs_err::read_to_string(&tests).unwrap();
    suite.push_str(
        "\n\ndef test_that_fails_on_purpose():\n    \
         assert lib.vm_sum(ffi.from_buffer(\"double[]\", doubles([1.0])), 1) == 2.0\n",
    );
    fs_err::write(&tests, suite).unwrap();
    let (run, results) = test_json(&broken, &["-i", "cp312"]);
    assert_eq!(
        run.code,
        Some(1),
        "a failing test: exit code\n--- stderr\n{}",
        run.stderr
    );
    assert_eq!(results.len(), 1, "{results:#?}");
    let row = &results[0];
    assert_eq!(row["interpreter"], "cp312", "{row:#}");
    assert_eq!(row["passed"], false, "{row:#}");
    assert_eq!(row["failed_step"], "test", "{row:#}");
    let output = row["output"].as_str().unwrap();
    assert!(
        output.contains("test_that_fails_on_purpose") && output.contains("1 failed"),
        "the failing row's output:\n{output}"
    );
    assert!(
        run.stderr.contains("failed at test"),
        "stderr:\n{}",
        run.stderr
    );
}
