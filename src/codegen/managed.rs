//! The managed codegen environment: a cached venv with a pinned cffi.
//!
//! The only place cffi-wheel may install from the package index; it says so on stderr and
//! `--offline` forbids it. Created under a temporary name and renamed into place, so a
//! half-made environment is never used.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Serialize;

use crate::interpreter::{Implementation, Interpreter};

/// A ready environment.
#[derive(Debug, Clone, Serialize)]
pub struct ManagedEnv {
    /// Its directory.
    pub dir: PathBuf,
    /// Its Python.
    pub python: PathBuf,
    /// The cffi it has.
    pub cffi_version: String,
}

/// Why the managed environment is not available.
#[derive(Debug, thiserror::Error)]
pub enum ManagedEnvError {
    /// No interpreter can host cffi at the pinned version.
    #[error(
        "code generation needs CPython 3.9 or newer to run cffi {cffi}, and none was found; \
         install one (e.g. `pyenv install 3.12`) or pass it with -i"
    )]
    NoHost {
        /// Pinned cffi.
        cffi: String,
    },
    /// The environment is missing and the network is forbidden.
    #[error(
        "the codegen environment with cffi {cffi} is not in the cache ({dir}) and --offline \
         forbids installing it; run once without --offline"
    )]
    Offline {
        /// Pinned cffi.
        cffi: String,
        /// Where it would be.
        dir: PathBuf,
    },
    /// A step of creating it failed.
    #[error("creating the codegen environment failed: `{command}` {detail}")]
    Step {
        /// The command.
        command: String,
        /// What happened.
        detail: String,
    },
    /// File system trouble.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// The host for the environment: the newest GIL, non-debug CPython 3.9+.
pub fn host(interpreters: &[Interpreter]) -> Option<&Interpreter> {
    interpreters
        .iter()
        .filter(|i| i.implementation == Implementation::CPython && !i.gil_disabled && !i.debug)
        .filter(|i| i.version[1] >= 9)
        .max_by_key(|i| i.version)
}

/// Returns the environment for `cffi`, creating it when missing (unless `offline`).
pub fn ensure_managed_env(
    cache_dir: &Path,
    cffi: &str,
    interpreters: &[Interpreter],
    offline: bool,
) -> Result<ManagedEnv, ManagedEnvError> {
    let host = host(interpreters).ok_or_else(|| ManagedEnvError::NoHost { cffi: cffi.into() })?;
    let dir = cache_dir
        .join("codegen")
        .join(format!("cffi-{cffi}-{}", host.identifier()));
    let python = dir.join("bin").join("python");
    let env = ManagedEnv {
        dir: dir.clone(),
        python: python.clone(),
        cffi_version: cffi.to_string(),
    };
    let stamp_matches = fs_err::read_to_string(dir.join(STAMP))
        .is_ok_and(|text| text == requirements(cffi).join("\n"));
    if stamp_matches && python.exists() {
        return Ok(env);
    }
    if offline {
        return Err(ManagedEnvError::Offline {
            cffi: cffi.into(),
            dir,
        });
    }
    tracing::info!(
        "creating the codegen environment: {} with cffi=={cffi} from the package index",
        dir.display()
    );
    let parent = dir.parent().unwrap_or(cache_dir);
    fs_err::create_dir_all(parent)?;
    let staging = tempfile::Builder::new()
        .prefix(".staging-")
        .tempdir_in(parent)?;
    let venv = staging.path().join("env");
    run(Command::new(&host.path).args(["-m", "venv"]).arg(&venv))?;
    let staged_python = venv.join("bin").join("python");
    run(Command::new(&staged_python)
        .args([
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--quiet",
        ])
        .args(requirements(cffi)))?;
    fs_err::write(venv.join(STAMP), requirements(cffi).join("\n"))?;
    if dir.exists() {
        // A stale environment without its stamp: replace it.
        fs_err::remove_dir_all(&dir)?;
    }
    match fs_err::rename(&venv, &dir) {
        Ok(()) => Ok(env),
        // Another build made it at the same time: use theirs.
        Err(_) if dir.join(STAMP).is_file() => Ok(env),
        Err(e) => Err(e.into()),
    }
}

/// What the environment holds: the pinned cffi, and setuptools, whose `distutils` shim old
/// build scripts (`script:` modules) import on Python 3.12+.
fn requirements(cffi: &str) -> Vec<String> {
    vec![format!("cffi=={cffi}"), "setuptools".to_string()]
}

/// Marks a complete environment.
pub const STAMP: &str = "cffi-wheel-env.txt";

fn run(command: &mut Command) -> Result<(), ManagedEnvError> {
    tracing::debug!(?command, "managed env step");
    let shown = format!("{command:?}");
    let output = command.output().map_err(|e| ManagedEnvError::Step {
        command: shown.clone(),
        detail: e.to_string(),
    })?;
    if output.status.success() {
        return Ok(());
    }
    Err(ManagedEnvError::Step {
        command: shown,
        detail: format!(
            "exited with {}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ),
    })
}
