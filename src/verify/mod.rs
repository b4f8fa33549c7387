//! `cffi-wheel test`: every wheel on every interpreter its tags claim, each in a fresh
//! virtual environment with the wheel and `test.requires` installed, running `test.command`
//! (cibuildwheel's test-command in spirit).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Serialize;

use crate::interpreter::Interpreter;
use crate::recipe::TestSettings;

/// One wheel and the interpreters to test it on.
#[derive(Debug, Clone)]
pub struct WheelUnderTest {
    /// The wheel.
    pub wheel: PathBuf,
    /// Interpreters its tags claim.
    pub interpreters: Vec<Interpreter>,
}

/// The outcome on one interpreter.
#[derive(Debug, Clone, Serialize)]
pub struct TestResult {
    /// Wheel file name.
    pub wheel: String,
    /// Interpreter identifier, e.g. `cp311`.
    pub interpreter: String,
    /// Its version.
    pub version: String,
    /// Its path.
    pub path: PathBuf,
    /// Whether every step passed.
    pub passed: bool,
    /// The step that failed (`venv`, `install`, `test`), if any.
    pub failed_step: Option<String>,
    /// The last lines of the failing step's output.
    pub output: String,
}

/// Everything `test` ran.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// One row per (wheel, interpreter).
    pub results: Vec<TestResult>,
}

impl VerifyReport {
    /// Whether every row passed.
    pub fn passed(&self) -> bool {
        self.results.iter().all(|r| r.passed)
    }
}

/// What the test command is when the recipe gives none: import every module.
pub fn default_command(modules: &[String]) -> String {
    let imports: Vec<String> = modules.iter().map(|m| format!("import {m}")).collect();
    format!("python -c \"{}; print('imported')\"", imports.join("; "))
}

/// Runs `settings` for every wheel on every claimed interpreter, in `work_dir`, `jobs` at a
/// time (each in its own venv); results come back in wheel, then interpreter order.
pub fn run_tests(
    wheels: &[WheelUnderTest],
    settings: &TestSettings,
    command: &str,
    project: &Path,
    work_dir: &Path,
    jobs: usize,
) -> Result<VerifyReport, std::io::Error> {
    fs_err::create_dir_all(work_dir)?;
    let tasks: Vec<(&WheelUnderTest, &Interpreter)> = wheels
        .iter()
        .flat_map(|item| item.interpreters.iter().map(move |interp| (item, interp)))
        .collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: Vec<std::sync::Mutex<Option<std::io::Result<TestResult>>>> =
        tasks.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, tasks.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some((item, interp)) = tasks.get(index) else {
                        break;
                    };
                    let result = test_one(item, interp, settings, command, project, work_dir);
                    if let Ok(result) = &result {
                        let verdict = if result.passed { "passed" } else { "FAILED" };
                        tracing::info!(
                            "{} on {} {}: {verdict}",
                            result.wheel,
                            result.interpreter,
                            result.version
                        );
                    }
                    if let Ok(mut slot) = slots[index].lock() {
                        *slot = Some(result);
                    }
                }
            });
        }
    });
    let mut results = Vec::new();
    for slot in slots {
        match slot.into_inner().ok().flatten() {
            Some(result) => results.push(result?),
            None => return Err(std::io::Error::other("a test worker stopped early")),
        }
    }
    Ok(VerifyReport { results })
}

fn test_one(
    item: &WheelUnderTest,
    interp: &Interpreter,
    settings: &TestSettings,
    command: &str,
    project: &Path,
    work_dir: &Path,
) -> Result<TestResult, std::io::Error> {
    let wheel_name = item
        .wheel
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut result = TestResult {
        wheel: wheel_name,
        interpreter: interp.identifier(),
        version: interp.version_string(),
        path: interp.path.clone(),
        passed: false,
        failed_step: None,
        output: String::new(),
    };
    let scratch = tempfile::Builder::new()
        .prefix("test-")
        .tempdir_in(work_dir)?;
    let venv = scratch.path().join("venv");
    let bin = venv.join("bin");
    let steps: Vec<(&str, Command)> = vec![
        ("venv", {
            let mut c = Command::new(&interp.path);
            c.args(["-m", "venv"]).arg(&venv);
            c
        }),
        ("install", {
            let mut c = Command::new(bin.join("python"));
            c.args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--quiet",
            ])
            .arg(&item.wheel)
            .args(&settings.requires);
            c
        }),
        ("test", {
            let expanded = command
                .replace("{project}", &shell_quote(project))
                .replace("{wheel}", &shell_quote(&item.wheel));
            let mut c = Command::new("sh");
            c.arg("-c")
                .arg(expanded)
                .current_dir(scratch.path())
                .env("PATH", with_venv_path(&bin))
                .env("VIRTUAL_ENV", &venv);
            c
        }),
    ];
    let limit = crate::env_vars::step_timeout();
    for (name, mut step) in steps {
        tracing::debug!("test step {name}");
        let output = match crate::process::run_captured(&mut step, None, limit) {
            Ok(output) if output.status.success() => continue,
            Ok(output) => crate::process::tail_lines(&output.output_text()),
            Err(e @ crate::process::ProcessError::Stopped { .. }) => e.to_string(),
            Err(crate::process::ProcessError::Io(e)) => return Err(e),
            Err(e) => e.to_string(),
        };
        result.failed_step = Some(name.to_string());
        result.output = output;
        return Ok(result);
    }
    result.passed = true;
    Ok(result)
}

fn with_venv_path(bin: &Path) -> std::ffi::OsString {
    let mut paths = vec![bin.to_path_buf()];
    if let Some(path) = crate::env_vars::var_os(crate::env_vars::PATH) {
        paths.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(paths).unwrap_or_default()
}

/// Quotes a path for `sh -c`.
fn shell_quote(path: &Path) -> String {
    format!("'{}'", path.to_string_lossy().replace('\'', "'\\''"))
}

/// The report as a table: wheel, interpreter, result.
pub fn render_table(report: &VerifyReport) -> String {
    let width = report
        .results
        .iter()
        .map(|r| r.wheel.len())
        .max()
        .unwrap_or(5)
        .max(5);
    let mut out = format!("{:<width$}  {:<18}  result\n", "wheel", "interpreter");
    for r in &report.results {
        let who = format!("{} ({})", r.interpreter, r.version);
        let verdict = match &r.failed_step {
            None => "passed".to_string(),
            Some(step) => format!("FAILED at {step}"),
        };
        out.push_str(&format!("{:<width$}  {:<18}  {verdict}\n", r.wheel, who));
    }
    let passed = report.results.iter().filter(|r| r.passed).count();
    out.push_str(&format!(
        "{passed} of {} interpreter runs passed\n",
        report.results.len()
    ));
    out
}
