//! `doctor`: what this machine has for building wheels, what is missing, and the command
//! that installs each missing piece.
//!
//! Each check is plain data ([`Check`]); the report is ready exactly when no check that
//! `build` needs is missing. Tools are looked up the way the build looks them up (the `cc`
//! crate for compilers, the managed environment's own host rule for code generation).

mod cache;
mod install;
mod render;
mod tools;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::codegen::managed_env_host;
use crate::interpreter::{self, Implementation, Interpreter};
use crate::plan::CODEGEN_CFFI_VERSION;
use crate::plan::cffi::{describe_table, newest_cffi_for};
use crate::toolchain;

pub use install::Install;
pub use render::render;

/// Version of the JSON schema `doctor --json` prints; bumped when a field changes meaning.
pub const SCHEMA_VERSION: u32 = 1;

/// How one item fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Present and usable.
    Ok,
    /// Present but limited, or missing and optional.
    Warn,
    /// Missing or unusable.
    Missing,
}

/// Where an item belongs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Section {
    /// Python interpreters and the code generation host.
    Interpreters,
    /// C and C++ compilers and the linker.
    Compilers,
    /// pkg-config, patchelf.
    Tools,
    /// libffi.
    Libraries,
    /// Cross toolchains (mingw-w64, zig).
    Cross,
    /// The cache directory.
    Cache,
}

/// One item looked at.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// Its section.
    pub section: Section,
    /// Its name (`cp311`, `C compiler`, `pkg-config`, …).
    pub name: String,
    /// How it fared.
    pub status: Status,
    /// Whether `build` cannot work while this item is missing.
    pub required: bool,
    /// Its version, when known.
    pub version: Option<String>,
    /// Where it is, when found.
    pub path: Option<PathBuf>,
    /// Why it is (un)usable, in a sentence.
    pub detail: String,
    /// How to install it, for items that are missing or limited.
    pub install: Option<Install>,
}

/// Everything `doctor` found.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// True exactly when `build` can work here (no required item is missing).
    pub ready: bool,
    /// The names of the required items that are missing.
    pub blockers: Vec<String>,
    /// The target triple wheels are built for.
    pub host: String,
    /// The cache directory examined.
    pub cache_dir: PathBuf,
    /// Every item, in section order.
    pub checks: Vec<Check>,
}

impl Check {
    fn new(section: Section, name: &str, status: Status, detail: String) -> Check {
        Check {
            section,
            name: name.into(),
            status,
            required: false,
            version: None,
            path: None,
            detail,
            install: None,
        }
    }
}

/// Looks at this machine: interpreters, compilers, tools, libffi, cross toolchains and the
/// cache at `cache_dir`.
pub fn examine(cache_dir: &Path) -> Report {
    let interpreters = interpreter::discover();
    let rejected = rejected_pyenv_versions(&interpreters);
    let mut checks = interpreter_checks(&interpreters, &rejected);
    checks.extend(tools::checks());
    checks.extend(cache::checks(cache_dir));
    report(cache_dir, checks)
}

/// The report over `checks`: ready unless a required one is missing.
fn report(cache_dir: &Path, checks: Vec<Check>) -> Report {
    let blockers: Vec<String> = checks
        .iter()
        .filter(|c| c.required && c.status == Status::Missing)
        .map(|c| c.name.clone())
        .collect();
    Report {
        schema_version: SCHEMA_VERSION,
        ready: blockers.is_empty(),
        blockers,
        host: toolchain::host_triple(),
        cache_dir: cache_dir.to_path_buf(),
        checks,
    }
}

/// An interpreter discovery skipped, and why.
#[derive(Debug, Clone)]
struct Rejected {
    /// Its pyenv version directory's name.
    name: String,
    /// Its executable.
    path: PathBuf,
    /// The probe's error.
    why: String,
}

/// pyenv versions that discovery skipped, with why (too old, broken, not Python 3).
fn rejected_pyenv_versions(found: &[Interpreter]) -> Vec<Rejected> {
    let Ok(entries) = fs_err::read_dir(crate::env_vars::pyenv_root().join("versions")) else {
        return Vec::new();
    };
    let mut candidates: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let bin = entry.path().join("bin");
            let python = ["python3", "pypy3", "python"]
                .iter()
                .map(|name| bin.join(name))
                .find(|p| p.is_file())?;
            let real = fs_err::canonicalize(&python).ok()?;
            let known = found.iter().any(|i| i.executable == real);
            (!known).then(|| (entry.file_name().to_string_lossy().into_owned(), python))
        })
        .collect();
    candidates.sort();
    let paths: Vec<PathBuf> = candidates.iter().map(|(_, p)| p.clone()).collect();
    candidates
        .into_iter()
        .zip(interpreter::probe_all(&paths))
        .filter_map(|((name, path), result)| {
            result.err().map(|e| Rejected {
                name,
                path,
                why: e.to_string(),
            })
        })
        .collect()
}

/// One check per interpreter, one per rejected one, then whether any is usable and which
/// hosts code generation.
fn interpreter_checks(found: &[Interpreter], rejected: &[Rejected]) -> Vec<Check> {
    let host = managed_env_host(found);
    let mut checks: Vec<Check> = found.iter().map(|i| interpreter_check(i, host)).collect();
    for rejected in rejected {
        let mut check = Check::new(
            Section::Interpreters,
            &format!("pyenv {}", rejected.name),
            Status::Warn,
            format!("not usable: {}", rejected.why),
        );
        check.path = Some(rejected.path.clone());
        checks.push(check);
    }
    let usable = checks
        .iter()
        .filter(|c| c.status == Status::Ok && c.version.is_some())
        .count();
    if usable == 0 {
        let mut none = Check::new(
            Section::Interpreters,
            "usable interpreter",
            Status::Missing,
            "no CPython with headers and no PyPy with cffi was found on PATH or in pyenv".into(),
        );
        none.required = true;
        none.install = Some(install::python());
        checks.push(none);
    }
    checks.push(codegen_host_check(found, host));
    checks
}

fn interpreter_check(interp: &Interpreter, host: Option<&Interpreter>) -> Check {
    let mut check = Check::new(
        Section::Interpreters,
        &interp.identifier(),
        Status::Ok,
        String::new(),
    );
    check.version = Some(interp.version_string());
    check.path = Some(interp.path.clone());
    let mut notes = Vec::new();
    match interp.implementation {
        Implementation::CPython if !interp.has_headers => {
            check.status = Status::Warn;
            check.install = Some(install::python_headers(interp.version[1]));
            notes.push(format!(
                "no Python.h in {}: cannot compile for it (an abi3 wheel built with another \
                 CPython's headers may still cover it)",
                interp.include_dir.display()
            ));
        }
        Implementation::PyPy => match &interp.cffi_version {
            Some(cffi) => notes.push(format!("generates code with its own cffi {cffi}")),
            None => {
                check.status = Status::Warn;
                check.install = Some(install::pypy());
                notes.push("PyPy without an importable cffi (it ships one): reinstall it".into());
            }
        },
        Implementation::CPython => {}
    }
    if interp.gil_disabled {
        notes.push("free-threaded: gets its own wheel (no abi3)".into());
    }
    if interp.debug {
        notes.push("debug build: gets its own wheel".into());
    }
    let hosts = host.is_some_and(|h| h.executable == interp.executable);
    let cffi = newest_cffi_for(interp.version[1]);
    if hosts {
        notes.push(format!(
            "hosts code generation (managed cffi {})",
            cffi.unwrap_or(CODEGEN_CFFI_VERSION)
        ));
    } else if interp.implementation == Implementation::CPython
        && !interp.gil_disabled
        && !interp.debug
        && cffi != Some(CODEGEN_CFFI_VERSION)
    {
        let other = if host.is_some() {
            "; another CPython does"
        } else {
            ""
        };
        let fallback = match cffi {
            Some(older) => format!(", it could use cffi {older}"),
            None => String::new(),
        };
        notes.push(format!(
            "too old to host code generation with cffi {CODEGEN_CFFI_VERSION}{fallback}{other}"
        ));
    }
    if check.status == Status::Ok && notes.is_empty() {
        notes.push("usable".into());
    } else if check.status == Status::Ok {
        notes.insert(0, "usable".into());
    }
    check.detail = notes.join("; ");
    check
}

/// The CPython that runs cffi for code generation, or why there is none.
fn codegen_host_check(found: &[Interpreter], host: Option<&Interpreter>) -> Check {
    if let Some(host) = host {
        let mut check = Check::new(
            Section::Interpreters,
            "codegen host",
            Status::Ok,
            format!(
                "{} runs the managed environment with cffi {}",
                host.identifier(),
                newest_cffi_for(host.version[1]).unwrap_or(CODEGEN_CFFI_VERSION)
            ),
        );
        check.version = Some(host.version_string());
        check.path = Some(host.path.clone());
        return check;
    }
    let pypy = found
        .iter()
        .any(|i| i.implementation == Implementation::PyPy && i.cffi_version.is_some());
    let mut check = Check::new(
        Section::Interpreters,
        "codegen host",
        Status::Missing,
        format!(
            "no CPython new enough to run cffi ({}; non-debug, with the GIL); \
             CPython targets cannot be generated",
            describe_table()
        ),
    );
    check.install = Some(install::python());
    if pypy {
        // PyPy generates its code with its own cffi: PyPy-only builds still work.
        check.status = Status::Warn;
        check
            .detail
            .push_str("; PyPy targets still build (PyPy's own cffi)");
    } else {
        check.required = true;
    }
    check
}

#[cfg(test)]
mod tests;
