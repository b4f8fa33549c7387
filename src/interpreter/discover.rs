//! Where interpreters are looked for: PATH and pyenv's versions.

use std::collections::{BTreeMap, BTreeSet};
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

/// Candidate executables, in a stable order, without duplicates by path, each with the
/// start of the identifier its name promises (`cp311`, `pp39`; empty when the name says
/// nothing, as `python3` does).
fn candidates() -> Vec<(PathBuf, String)> {
    let pyenv_root = env_vars::pyenv_root();
    let shims = pyenv_root.join("shims");
    let mut found = BTreeMap::new();
    if let Some(path) = env_vars::var_os(env_vars::PATH) {
        // pyenv's shims are scripts that resolve to one version; the versions are scanned below.
        for dir in std::env::split_paths(&path).filter(|d| *d != shims) {
            for name in path_names() {
                let candidate = dir.join(&name);
                if candidate.is_file() {
                    found.entry(candidate).or_insert_with(|| name_hint(&name));
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
                    let hint = pyenv_hint(&entry.file_name().to_string_lossy());
                    found.entry(candidate).or_insert(hint);
                    break;
                }
            }
        }
    }
    found.into_iter().collect()
}

/// What a file name on PATH promises: `python3.11` → `cp311`, `python3.13t` → `cp313t`,
/// `pypy3.10` → `pp310`, `pypy3` → `pp3`, `python3` → nothing.
fn name_hint(name: &str) -> String {
    if let Some(rest) = name.strip_prefix("pypy3") {
        return format!("pp3{}", rest.trim_start_matches('.'));
    }
    match name.strip_prefix("python3.") {
        Some(rest) => format!("cp3{rest}"),
        None => String::new(),
    }
}

/// What a pyenv version directory promises: `3.11.7` → `cp311`, `3.13.0t` → `cp313t`,
/// `pypy3.9-7.3.16` → `pp39`; anything else (a virtualenv's name) → nothing.
fn pyenv_hint(dir_name: &str) -> String {
    if let Some(rest) = dir_name.strip_prefix("pypy3.") {
        let minor: String = rest.chars().take_while(char::is_ascii_digit).collect();
        return if minor.is_empty() {
            String::new()
        } else {
            format!("pp3{minor}")
        };
    }
    let parts: Vec<&str> = dir_name.split('.').collect();
    match parts.as_slice() {
        // Python 2 is never built for; no selector names it.
        ["2", _, _] => "cp2".to_string(),
        ["3", minor, patch]
            if !minor.is_empty()
                && minor.chars().all(|c| c.is_ascii_digit())
                && patch
                    .trim_end_matches('t')
                    .chars()
                    .all(|c| c.is_ascii_digit()) =>
        {
            let flag = if patch.ends_with('t') { "t" } else { "" };
            format!("cp3{minor}{flag}")
        }
        _ => String::new(),
    }
}

/// Whether an interpreter whose identifier starts with `hint` may match one of `selectors`
/// (`cp311`, `cp3*`, `pp39-*`; no selector: everything). Only the literal start of a
/// selector is compared, so the answer errs on the side of probing.
fn may_match(hint: &str, selectors: &[String]) -> bool {
    selectors.is_empty()
        || selectors.iter().any(|selector| {
            let lower = selector.to_ascii_lowercase();
            let literal: String = lower
                .chars()
                .take_while(|c| !matches!(c, '*' | '?' | '[' | '-'))
                .collect();
            literal.starts_with(hint) || hint.starts_with(&literal)
        })
}

/// Probes `paths` in parallel through the probe cache; results in the same order.
pub fn probe_all(paths: &[PathBuf]) -> Vec<Result<Interpreter, InterpreterError>> {
    let cache_dir = env_vars::cache_dir().join("interpreters");
    let limit = env_vars::probe_timeout();
    std::thread::scope(|scope| {
        let handles: Vec<_> = paths
            .iter()
            .map(|path| {
                let cache_dir = &cache_dir;
                scope.spawn(move || Interpreter::probe_cached(path, cache_dir, limit))
            })
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
    discover_for(&[])
}

/// [`discover`], probing only the candidates whose names may match `selectors` (all when
/// there are none): `-i cp311` runs `python3.11` and nameless `python3`s, not `python3.12`.
/// A probe that times out is skipped with a warning.
pub fn discover_for(selectors: &[String]) -> Vec<Interpreter> {
    let (paths, skipped): (Vec<_>, Vec<_>) = candidates()
        .into_iter()
        .partition(|(_, hint)| may_match(hint, selectors));
    for (path, _) in &skipped {
        tracing::debug!("not probing {} (no selector matches)", path.display());
    }
    let paths: Vec<PathBuf> = paths.into_iter().map(|(path, _)| path).collect();
    let mut interpreters = Vec::new();
    for result in probe_all(&paths) {
        match result {
            Ok(interp) => interpreters.push(interp),
            Err(err @ InterpreterError::TimedOut { .. }) => {
                tracing::warn!("skipping interpreter: {err}");
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_promise_the_start_of_an_identifier() {
        assert_eq!(name_hint("python3.11"), "cp311");
        assert_eq!(name_hint("python3.13t"), "cp313t");
        assert_eq!(name_hint("pypy3.10"), "pp310");
        assert_eq!(name_hint("pypy3"), "pp3");
        assert_eq!(name_hint("python3"), "");
        assert_eq!(pyenv_hint("3.11.7"), "cp311");
        assert_eq!(pyenv_hint("3.13.0t"), "cp313t");
        assert_eq!(pyenv_hint("pypy3.9-7.3.16"), "pp39");
        assert_eq!(pyenv_hint("3.13-dev"), "");
        assert_eq!(pyenv_hint("2.7.18"), "cp2");
        assert_eq!(pyenv_hint("my-venv"), "");
    }

    #[test]
    fn only_candidates_a_selector_may_match_are_probed() {
        let select = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(may_match("cp312", &[]));
        assert!(may_match("cp311", &select(&["cp311"])));
        assert!(!may_match("cp312", &select(&["cp311"])));
        assert!(!may_match("pp39", &select(&["cp311"])));
        assert!(!may_match("cp313t", &select(&["cp311"])));
        // A nameless python3 may be anything.
        assert!(may_match("", &select(&["cp311"])));
        assert!(may_match("cp312", &select(&["cp3*"])));
        assert!(may_match("cp312", &select(&["CP312"])));
        assert!(may_match("pp39", &select(&["pp39-*"])));
        assert!(!may_match("cp39", &select(&["pp39-*"])));
        assert!(may_match("pp3", &select(&["pp310"])));
        assert!(may_match("cp313", &select(&["cp313t"])));
        assert!(may_match("cp38", &select(&["*"])));
        assert!(may_match("cp38", &select(&["cp311", "cp38"])));
        assert!(!may_match("cp2", &select(&["cp3*"])));
    }
}
