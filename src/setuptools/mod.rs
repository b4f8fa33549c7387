//! Existing setuptools projects, built as they are: what only setuptools knows comes from
//! setuptools; what cffi-wheel does better (every interpreter at once, abi3, repair) stays ours.
//!
//! The project's own PEP 517 backend runs once per build target, under that target's
//! interpreter, in a cached build environment that satisfies `[build-system] requires`. Its
//! `build_wheel` runs with setuptools' compile step replaced by a recorder
//! (`backend_hook.py`): the wheel that comes out holds METADATA, the pure-Python tree and
//! the `.dist-info` exactly as setuptools makes them, and each Extension is captured with the
//! arguments setuptools would have compiled it with. Running under the target's own
//! interpreter makes what setuptools resolves at run time (its include dir, `sys.platform`,
//! `platform.python_implementation()`, cffi's choice of generated C) right for that target.

mod env;
mod hook;
mod project;
mod worktree;

pub use env::{BuildEnv, ensure_build_env};
pub use hook::{CapturedExtension, HollowBuild, HookRunner, PreparedMetadata};
pub use project::{Detected, SetuptoolsProject, detect, pkg_info_field};
pub use worktree::{COPY_LIMIT_BYTES, CopyRules, TreeState, copy_tree};

use std::path::PathBuf;

/// Failures of the setuptools path.
#[derive(Debug, thiserror::Error)]
pub enum SetuptoolsError {
    /// pyproject.toml is not valid TOML, or its `[build-system]` is malformed.
    #[error("{path}: {message}")]
    Pyproject {
        /// The file.
        path: PathBuf,
        /// What is wrong, with line and column where TOML gives them.
        message: String,
    },
    /// The build environment could not be made.
    #[error(
        "making the build environment for {python} failed: `{command}` {detail}\n\
         help: the project's [build-system] requires ({requires}) must be installable for \
         this interpreter; pass other interpreters with -i, or --offline to see what is cached"
    )]
    Env {
        /// The interpreter.
        python: PathBuf,
        /// The command that failed.
        command: String,
        /// What it said.
        detail: String,
        /// The requirements.
        requires: String,
    },
    /// The environment is missing and installing is forbidden.
    #[error(
        "the build environment for {python} ({requires}) is not in the cache ({dir}) and \
         --offline forbids installing it; run once without --offline"
    )]
    Offline {
        /// The interpreter.
        python: PathBuf,
        /// The requirements.
        requires: String,
        /// Where it would be.
        dir: PathBuf,
    },
    /// The project's backend failed in a hook.
    #[error("{0}")]
    Hook(Box<HookFailure>),
    /// Running a step failed or timed out.
    #[error("{step}: {source}")]
    Process {
        /// Which step.
        step: String,
        /// The cause.
        #[source]
        source: crate::process::ProcessError,
    },
    /// The helper's answer could not be read.
    #[error("the build backend helper gave no usable answer in {path}: {detail}")]
    Protocol {
        /// The result file.
        path: PathBuf,
        /// What was wrong.
        detail: String,
    },
    /// File system trouble.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// What a failed hook left: which step, where, the backend's message and its traceback.
#[derive(Debug)]
pub struct HookFailure {
    /// Which step: "setuptools' build_wheel", …
    pub step: String,
    /// The backend.
    pub backend: String,
    /// The interpreter.
    pub python: PathBuf,
    /// The project.
    pub root: PathBuf,
    /// The backend's error.
    pub message: String,
    /// The end of its traceback and output.
    pub tail: String,
    /// The log file.
    pub log: PathBuf,
}

impl std::fmt::Display for HookFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} failed (backend {}, under {}, in {}):\n{}\n{}\n(the whole output is in {})",
            self.step,
            self.backend,
            self.python.display(),
            self.root.display(),
            self.message,
            self.tail.trim_end(),
            self.log.display()
        )
    }
}
