//! Build environments: a cached venv per (interpreter, `[build-system] requires`), like the
//! isolated environment pip makes for each build, but made once and kept.
//!
//! Made under an exclusive lock and marked complete by a stamp written last, so concurrent
//! builds wait for one another and a half-made environment (a killed build) is made again.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::SetuptoolsError;
use crate::interpreter::Interpreter;
use crate::process;

/// Changes when what an environment holds changes, so older environments are not reused.
const ENV_FORMAT: &[u8] = b"cffi-wheel build env 2: requirements installed with --upgrade";

/// Marks a complete environment; holds what was installed, one requirement a line.
const STAMP: &str = "cffi-wheel-build-env.txt";
/// Requirements installed later, at the backend's request (`get_requires_for_build_wheel`).
const EXTRA_STAMP: &str = "cffi-wheel-build-env-extra.txt";

/// A ready build environment.
#[derive(Debug, Clone)]
pub struct BuildEnv {
    /// Its directory.
    pub dir: PathBuf,
    /// Its Python.
    pub python: PathBuf,
    /// The interpreter it was made from.
    pub base: PathBuf,
}

/// The build environment of `interpreter` with `requires`, made when missing (unless
/// `offline`).
pub fn ensure_build_env(
    cache_dir: &Path,
    interpreter: &Interpreter,
    requires: &[String],
    offline: bool,
    limit: Duration,
) -> Result<BuildEnv, SetuptoolsError> {
    let mut key = Sha256::new();
    key.update(ENV_FORMAT);
    key.update(interpreter.executable.as_os_str().as_encoded_bytes());
    key.update(interpreter.version_string().as_bytes());
    for requirement in requires {
        key.update(b"\n");
        key.update(requirement.as_bytes());
    }
    let hash = crate::wheel::hex(&key.finalize());
    let name = format!("{}-{}", interpreter.identifier(), &hash[..16]);
    let parent = cache_dir.join("build-env");
    fs_err::create_dir_all(&parent)?;
    let dir = parent.join(&name);
    let env = BuildEnv {
        python: dir.join("bin").join("python"),
        dir: dir.clone(),
        base: interpreter.path.clone(),
    };
    let stamp_text = requires.join("\n");
    let ready =
        |dir: &Path| fs_err::read_to_string(dir.join(STAMP)).is_ok_and(|text| text == stamp_text);
    if ready(&dir) && env.python.exists() {
        return Ok(env);
    }
    let lock = fs_err::File::create(parent.join(format!("{name}.lock")))?;
    lock.lock()?;
    if ready(&dir) && env.python.exists() {
        return Ok(env);
    }
    if offline {
        return Err(SetuptoolsError::Offline {
            python: interpreter.path.clone(),
            requires: stamp_text,
            dir,
        });
    }
    tracing::info!(
        "making the build environment for {} {} ({}) from the package index",
        interpreter.identifier(),
        interpreter.version_string(),
        requires.join(", ")
    );
    if dir.exists() {
        fs_err::remove_dir_all(&dir)?;
    }
    let log = parent.join(format!("{name}.log"));
    let env_error = |command: &Command, detail: String| SetuptoolsError::Env {
        python: interpreter.path.clone(),
        command: process::display(command),
        detail,
        requires: requires.join(", "),
    };
    let mut venv = Command::new(&interpreter.path);
    venv.args(["-m", "venv"]).arg(&dir);
    run_step(&mut venv, &log, limit).map_err(|detail| env_error(&venv, detail))?;
    if !requires.is_empty() {
        let mut pip = pip_install(&env, requires);
        run_step(&mut pip, &log, limit).map_err(|detail| env_error(&pip, detail))?;
    }
    fs_err::write(dir.join(STAMP), &stamp_text)?;
    Ok(env)
}

impl BuildEnv {
    /// Installs `requires` (the backend's dynamic build requirements) unless an earlier
    /// build installed them already.
    pub fn ensure_extra(
        &self,
        requires: &[String],
        offline: bool,
        limit: Duration,
    ) -> Result<(), SetuptoolsError> {
        if requires.is_empty() {
            return Ok(());
        }
        let stamp = self.dir.join(EXTRA_STAMP);
        let lock = fs_err::File::create(self.dir.join(".extra.lock"))?;
        lock.lock()?;
        let installed = fs_err::read_to_string(&stamp).unwrap_or_default();
        let have: Vec<&str> = installed.lines().collect();
        let missing: Vec<String> = requires
            .iter()
            .filter(|r| !have.contains(&r.as_str()))
            .cloned()
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        if offline {
            return Err(SetuptoolsError::Offline {
                python: self.base.clone(),
                requires: missing.join(", "),
                dir: self.dir.clone(),
            });
        }
        tracing::info!(
            "installing the backend's build requirements into {}: {}",
            self.dir.display(),
            missing.join(", ")
        );
        let mut pip = pip_install(self, &missing);
        run_step(&mut pip, &self.dir.join("extra.log"), limit).map_err(|detail| {
            SetuptoolsError::Env {
                python: self.base.clone(),
                command: process::display(&pip),
                detail,
                requires: missing.join(", "),
            }
        })?;
        let mut all: Vec<String> = have.iter().map(|s| s.to_string()).collect();
        all.extend(missing);
        fs_err::write(&stamp, all.join("\n"))?;
        Ok(())
    }
}

/// `pip install --upgrade REQUIRES`: pip's isolated build environment starts empty, so it
/// gets the newest release each requirement allows; a venv of Python 3.11 or older already
/// holds the setuptools its ensurepip bundled (65.5 on 3.11), which a plain install would keep.
fn pip_install(env: &BuildEnv, requires: &[String]) -> Command {
    let mut pip = Command::new(&env.python);
    pip.args([
        "-m",
        "pip",
        "install",
        "--upgrade",
        "--disable-pip-version-check",
        "--no-input",
        "--quiet",
    ])
    .args(requires)
    .env_remove("PYTHONPATH")
    .env("PIP_NO_WARN_SCRIPT_LOCATION", "1");
    pip
}

/// Runs one step; `Err` carries what to show (exit status and the end of its output).
fn run_step(command: &mut Command, log: &Path, limit: Duration) -> Result<(), String> {
    match process::run_logged(command, log, limit) {
        Ok(finished) if finished.status.success() => Ok(()),
        Ok(finished) => Err(format!(
            "exited with {}:\n{}",
            finished.status,
            finished.tail()
        )),
        Err(e) => Err(e.to_string()),
    }
}
