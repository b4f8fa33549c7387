//! Where interpreters are looked for: PATH and pyenv's versions.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::{Interpreter, InterpreterError};
use crate::env_vars;

/// File names looked for on PATH.
fn path_names() -> Vec<String> {
    let mut names = vec!["python3".to_string(), "pypy3".to_string()];
    for minor in super::MIN_MINOR..=15 {
        names.push(format!("python3.{minor}"));
        names.push(format!("python3.{minor}t"));
        names.push(format!("pypy3.{minor}"));
    }
    names
}

/// Candidate executables, in a stable order, without duplicates by path.
fn candidates() -> Vec<PathBuf> {
    let pyenv_root = env_vars::pyenv_root();
    let shims = pyenv_root.join("shims");
    let mut found = BTreeSet::new();
    if let Some(path) = env_vars::var_os(env_vars::PATH) {
        // pyenv's shims are scripts that resolve to one version; the versions are scanned below.
        for dir in std::env::split_paths(&path).filter(|d| *d != shims) {
            for name in path_names() {
                let candidate = dir.join(&name);
                if candidate.is_file() {
                    found.insert(candidate);
                }
            }
        }
    }
    if let Ok(entries) = fs_err::read_dir(pyenv_root.join("versions")) {
        for entry in entries.flatten() {
            let bin = entry.path().join("bin");
            for name in ["python3", "pypy3", "python"] {
                let candidate = bin.join(name);
                if candidate.is_file() {
                    found.insert(candidate);
                    break;
                }
            }
        }
    }
    found.into_iter().collect()
}

/// Probes `paths` in parallel; results in the same order.
pub fn probe_all(paths: &[PathBuf]) -> Vec<Result<Interpreter, InterpreterError>> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = paths
            .iter()
            .map(|path| scope.spawn(move || Interpreter::probe(path)))
            .collect();
        handles
            .into_iter()
            .zip(paths)
            .map(|(handle, path)| {
                handle.join().unwrap_or_else(|_| {
                    Err(InterpreterError::Probe {
                        path: path.to_path_buf(),
                        detail: "the probe thread failed".into(),
                    })
                })
            })
            .collect()
    })
}

/// Every supported interpreter on PATH and in pyenv, deduplicated by real executable and
/// sorted (CPython before PyPy, then by version). Unusable candidates are logged and skipped.
pub fn discover() -> Vec<Interpreter> {
    let paths = candidates();
    let mut interpreters = Vec::new();
    for result in probe_all(&paths) {
        match result {
            Ok(interp) => interpreters.push(interp),
            Err(err) => tracing::debug!("skipping interpreter: {err}"),
        }
    }
    dedup(interpreters)
}

/// Deduplicates by real executable path (the first found wins) and sorts.
pub fn dedup(mut interpreters: Vec<Interpreter>) -> Vec<Interpreter> {
    let mut seen = BTreeSet::new();
    interpreters.retain(|i| seen.insert(i.executable.clone()));
    interpreters.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
    interpreters
}

fn sort_key(i: &Interpreter) -> (super::Implementation, [u8; 3], bool, bool, &Path) {
    (
        i.implementation,
        i.version,
        i.gil_disabled,
        i.debug,
        &i.executable,
    )
}
