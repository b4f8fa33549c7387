//! The managed codegen environment: a cached venv with a pinned cffi.
//!
//! The only place cffi-wheel may install from the package index; it says so on stderr and
//! `--offline` forbids it. Created under an exclusive lock file next to it (a build that
//! finds another one creating it waits, then uses it), under a temporary name, and renamed
//! into place, so a half-made environment is never used and one in use is never removed.
//! A damaged one (its cffi files changed or gone, its Python link broken) is made again once.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Serialize;

use super::health::{self, Health};
use crate::env_vars;
use crate::interpreter::{self, Implementation, Interpreter};
use crate::plan::cffi::{CFFI_BY_PYTHON, describe_table, newest_cffi_for, oldest_python_for};
use crate::process::{ProcessError, run_captured};

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
    /// No interpreter on the machine can host cffi.
    #[error(
        "code generation needs a CPython 3.{} or newer (not free-threaded, not debug) to run \
         cffi ({}), and none was found on PATH, in pyenv or among -i\nhelp: install one \
         (e.g. `pyenv install 3.13`) or pass it with -i",
        CFFI_BY_PYTHON[0].0,
        describe_table()
    )]
    NoHost,
    /// The environment is missing and the network is forbidden.
    #[error(
        "the codegen environment with cffi {cffi} is not in the cache ({dir}) and --offline \
         forbids installing it\nhelp: run once without --offline"
    )]
    Offline {
        /// Pinned cffi.
        cffi: String,
        /// Where it would be.
        dir: PathBuf,
    },
    /// A step of creating it failed.
    #[error("creating the codegen environment {dir} failed")]
    Step {
        /// The environment.
        dir: PathBuf,
        /// The step's failure.
        #[source]
        source: ProcessError,
    },
    /// Making a damaged environment again failed.
    #[error(
        "the codegen environment {dir} was damaged ({damage}) and making it again failed\n\
         help: delete {dir} and run again"
    )]
    Repair {
        /// The environment.
        dir: PathBuf,
        /// What was wrong with it.
        damage: String,
        /// Why making it again failed.
        #[source]
        source: Box<ManagedEnvError>,
    },
    /// File system trouble.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Returns the environment for `cffi` (the pin), creating it when missing (unless
/// `offline`) and making it again when damaged.
///
/// A ready environment with the pin is used without asking any interpreter anything.
/// Otherwise the host is the newest suitable CPython among `known` and every interpreter
/// on the machine; when it cannot install the pin, the newest cffi it can install is used
/// instead, with a warning that says what to install.
pub fn ensure_managed_env(
    cache_dir: &Path,
    cffi: &str,
    known: &[Interpreter],
    offline: bool,
) -> Result<ManagedEnv, ManagedEnvError> {
    let root = cache_dir.join("codegen");
    if let Some(env) = ready_env(&root, cffi) {
        return Ok(env);
    }
    let mut all = known.to_vec();
    all.extend(interpreter::discover());
    let all = interpreter::dedup(all);
    let host = host(&all).ok_or(ManagedEnvError::NoHost)?;
    let needs = oldest_python_for(cffi);
    let cffi = match newest_cffi_for(host.version[1]) {
        Some(newest) if needs.is_some_and(|minor| host.version[1] < minor) => {
            tracing::warn!(
                "the newest CPython found, {} ({}), can install cffi {newest} at most; \
                 generating code with cffi {newest} instead of {cffi} (install CPython 3.{} \
                 or newer, e.g. `pyenv install 3.13`, to use cffi {cffi})",
                host.version_string(),
                host.path.display(),
                needs.unwrap_or_default()
            );
            newest
        }
        _ => cffi,
    };
    let dir = root.join(format!("cffi-{cffi}-{}", host.identifier()));
    let env = ManagedEnv {
        python: dir.join("bin").join("python"),
        dir: dir.clone(),
        cffi_version: cffi.to_string(),
    };
    let damage = match health::check(&dir, &requirements(cffi)) {
        Health::Ready => return Ok(env),
        Health::Missing => None,
        Health::Damaged(why) => Some(why),
    };
    if offline && damage.is_none() {
        return Err(ManagedEnvError::Offline {
            cffi: cffi.into(),
            dir,
        });
    }
    let made = with_lock(&dir, || {
        create(&dir, host, cffi, damage.as_deref(), offline)
    });
    match (made, damage) {
        (Ok(()), _) => Ok(env),
        (Err(e), Some(damage)) => Err(ManagedEnvError::Repair {
            dir,
            damage,
            source: Box::new(e),
        }),
        (Err(e), None) => Err(e),
    }
}

/// The health of the managed environment at `dir` (named `cffi-<version>-cpXY`), as a
/// build would judge it; `None` when the name is not one of ours.
pub fn managed_env_health(dir: &Path) -> Option<Health> {
    let name = dir.file_name()?.to_str()?;
    let (cffi, _host) = name.strip_prefix("cffi-")?.rsplit_once("-cp")?;
    Some(health::check(dir, &requirements(cffi)))
}

/// The newest ready environment with `cffi` under `root`, whichever CPython hosts it.
fn ready_env(root: &Path, cffi: &str) -> Option<ManagedEnv> {
    let prefix = format!("cffi-{cffi}-cp3");
    let mut found: Vec<(u32, PathBuf)> = fs_err::read_dir(root)
        .ok()?
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let minor = name.strip_prefix(&prefix)?.parse().ok()?;
            entry.path().is_dir().then(|| (minor, entry.path()))
        })
        .collect();
    found.sort();
    found.into_iter().rev().find_map(|(_, dir)| {
        (health::check(&dir, &requirements(cffi)) == Health::Ready).then(|| ManagedEnv {
            python: dir.join("bin").join("python"),
            dir,
            cffi_version: cffi.to_string(),
        })
    })
}

/// The host: the newest GIL, non-debug CPython the table has a cffi for.
pub fn host(interpreters: &[Interpreter]) -> Option<&Interpreter> {
    interpreters
        .iter()
        .filter(|i| i.implementation == Implementation::CPython && !i.gil_disabled && !i.debug)
        .filter(|i| newest_cffi_for(i.version[1]).is_some())
        .max_by_key(|i| i.version)
}

/// Runs `body` holding the exclusive lock file next to `dir`; says so when it has to wait.
fn with_lock<T>(
    dir: &Path,
    body: impl FnOnce() -> Result<T, ManagedEnvError>,
) -> Result<T, ManagedEnvError> {
    let parent = dir.parent().unwrap_or(Path::new("."));
    fs_err::create_dir_all(parent)?;
    let mut name = dir.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    let lock = fs_err::File::create(parent.join(name))?;
    match lock.file().try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            tracing::info!(
                "waiting for another build that is creating the codegen environment {}",
                dir.display()
            );
            lock.file().lock()?;
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(e.into()),
    }
    // The lock is released when `lock` is dropped, after `body`.
    body()
}

/// Makes the environment at `dir` (the lock is held): checks again, since the build we
/// waited for may have made it, then builds it beside and renames it into place.
fn create(
    dir: &Path,
    host: &Interpreter,
    cffi: &str,
    damage: Option<&str>,
    offline: bool,
) -> Result<(), ManagedEnvError> {
    let requirements = requirements(cffi);
    match health::check(dir, &requirements) {
        Health::Ready => return Ok(()),
        Health::Missing => {}
        Health::Damaged(why) => {
            tracing::warn!(
                "the codegen environment {} is damaged ({why}); making it again",
                dir.display()
            );
            if !offline {
                // Moved aside, not deleted in place: a build still running from it keeps
                // its open files.
                set_aside(dir)?;
            }
        }
    }
    if offline {
        return Err(ManagedEnvError::Offline {
            cffi: cffi.into(),
            dir: dir.to_path_buf(),
        });
    }
    if damage.is_none() {
        tracing::info!(
            "creating the codegen environment: {} with cffi=={cffi} from the package index",
            dir.display()
        );
    }
    let parent = dir.parent().unwrap_or(Path::new("."));
    // Removed by the signal handler if cffi-wheel is stopped while making it, and by the
    // next build's sweep if it is killed.
    let staging = crate::cleanup::staging_dir(parent, STAGING_PREFIX)?;
    let venv = staging.path().join("env");
    let step = |command: &mut Command| -> Result<(), ManagedEnvError> {
        run_captured(command, None, env_vars::step_timeout())
            .and_then(|c| c.success())
            .map(drop)
            .map_err(|source| ManagedEnvError::Step {
                dir: dir.to_path_buf(),
                source,
            })
    };
    step(Command::new(&host.path).args(["-m", "venv"]).arg(&venv))?;
    step(
        Command::new(venv.join("bin").join("python"))
            .args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--quiet",
            ])
            .args(&requirements),
    )?;
    health::seal(&venv, &requirements)?;
    fs_err::rename(&venv, dir)?;
    Ok(())
}

/// The prefix of environments being made or removed, beside the finished ones.
pub const STAGING_PREFIX: &str = ".staging-";

/// Moves a damaged environment out of the way and removes it (best effort).
fn set_aside(dir: &Path) -> Result<(), ManagedEnvError> {
    let parent = dir.parent().unwrap_or(Path::new("."));
    let aside = crate::cleanup::staging_dir(parent, STAGING_PREFIX)?;
    fs_err::rename(dir, aside.path().join("env"))?;
    // Dropping `aside` removes it.
    Ok(())
}

/// What the environment holds: the pinned cffi, and setuptools, whose `distutils` shim old
/// build scripts (`script:` modules) import on Python 3.12+.
fn requirements(cffi: &str) -> Vec<String> {
    vec![format!("cffi=={cffi}"), "setuptools".to_string()]
}
