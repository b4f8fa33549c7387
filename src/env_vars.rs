//! Every environment variable cffi-wheel reads, in one place, each documented.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

/// `CFFI_WHEEL_CACHE_DIR`: where the managed codegen environments and caches live.
/// Default: `$XDG_CACHE_HOME/cffi-wheel`, else `~/.cache/cffi-wheel`.
pub const CACHE_DIR: &str = "CFFI_WHEEL_CACHE_DIR";
/// `SOURCE_DATE_EPOCH`: the timestamp written into wheels (reproducible-builds.org).
pub const SOURCE_DATE_EPOCH: &str = "SOURCE_DATE_EPOCH";
/// `PYENV_ROOT`: pyenv's root; its `versions/*` are searched for interpreters.
pub const PYENV_ROOT: &str = "PYENV_ROOT";
/// `PATH`: searched for `python3`, `python3.X`, `python3.Xt`, `pypy3`, `pypy3.X`.
pub const PATH: &str = "PATH";
/// `XDG_CACHE_HOME`: base of the default cache directory.
pub const XDG_CACHE_HOME: &str = "XDG_CACHE_HOME";
/// `LD_LIBRARY_PATH`: searched (as the loader would) when repair resolves libraries.
pub const LD_LIBRARY_PATH: &str = "LD_LIBRARY_PATH";
/// `CONDA_PREFIX`: an active conda environment; its `lib`/`include` are used like `--prefix`.
pub const CONDA_PREFIX: &str = "CONDA_PREFIX";
/// `CFFI_WHEEL_PATCHELF`: the patchelf binary used for bundling (default: `patchelf` on PATH).
pub const PATCHELF: &str = "CFFI_WHEEL_PATCHELF";
/// `NO_COLOR`: when set, progress on stderr is never coloured (no-color.org).
pub const NO_COLOR: &str = "NO_COLOR";
/// `CFFI_WHEEL_SETUP_TIMEOUT`: seconds a setuptools project's own build step (or pip making
/// its build environment) may run before it is stopped (`--setup-timeout`; default 1800).
pub const SETUP_TIMEOUT: &str = "CFFI_WHEEL_SETUP_TIMEOUT";
/// `CFFI_WHEEL_TIMEOUT`: seconds any other long step may run before it is stopped: code
/// generation, creating the managed codegen environment (pip), prebuild steps, linking,
/// patchelf, `test`'s venv, install and test commands, `import`'s run of `setup.py`
/// (default 1800).
pub const TIMEOUT: &str = "CFFI_WHEEL_TIMEOUT";
/// `CFFI_WHEEL_PROBE_TIMEOUT`: seconds an interpreter may take to introspect itself before
/// it is skipped with a warning (default 30).
pub const PROBE_TIMEOUT: &str = "CFFI_WHEEL_PROBE_TIMEOUT";
/// `HOME`: base of the default pyenv root and cache directory.
pub const HOME: &str = "HOME";

/// The value of `name`, if set and not empty.
pub fn var_os(name: &str) -> Option<OsString> {
    std::env::var_os(name).filter(|v| !v.is_empty())
}

/// The cache directory (see [`CACHE_DIR`]).
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = var_os(CACHE_DIR) {
        return PathBuf::from(dir);
    }
    if let Some(xdg) = var_os(XDG_CACHE_HOME) {
        return PathBuf::from(xdg).join("cffi-wheel");
    }
    home().join(".cache").join("cffi-wheel")
}

/// The user's home directory (`/` when `HOME` is unset).
pub fn home() -> PathBuf {
    var_os(HOME).map_or_else(|| PathBuf::from("/"), PathBuf::from)
}

/// pyenv's root (see [`PYENV_ROOT`]), default `~/.pyenv`.
pub fn pyenv_root() -> PathBuf {
    var_os(PYENV_ROOT).map_or_else(|| home().join(".pyenv"), PathBuf::from)
}

/// `SOURCE_DATE_EPOCH` as seconds, `Err` with the raw text when it is not a number.
pub fn source_date_epoch() -> Result<Option<u64>, String> {
    match std::env::var(SOURCE_DATE_EPOCH) {
        Ok(text) if !text.trim().is_empty() => text.trim().parse().map(Some).map_err(|_| text),
        _ => Ok(None),
    }
}

/// Default of [`TIMEOUT`].
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1800);
/// Default of [`PROBE_TIMEOUT`].
pub const DEFAULT_PROBE_TIMEOUT: Duration = Duration::from_secs(30);

/// The limit of a long step (see [`TIMEOUT`]).
pub fn step_timeout() -> Duration {
    seconds(TIMEOUT, DEFAULT_TIMEOUT)
}

/// The limit of one interpreter probe (see [`PROBE_TIMEOUT`]).
pub fn probe_timeout() -> Duration {
    seconds(PROBE_TIMEOUT, DEFAULT_PROBE_TIMEOUT)
}

/// `name` as a positive number of seconds; `default` (with a warning) when it is not one.
fn seconds(name: &str, default: Duration) -> Duration {
    let Some(raw) = var_os(name) else {
        return default;
    };
    match parse_seconds(&raw.to_string_lossy()) {
        Some(limit) => limit,
        None => {
            tracing::warn!(
                "{name}={:?} is not a positive number of seconds; using {} s",
                raw,
                default.as_secs()
            );
            default
        }
    }
}

/// `"30"`, `"0.5"` → a duration; `None` for anything that is not a positive finite number.
fn parse_seconds(text: &str) -> Option<Duration> {
    let value: f64 = text.trim().parse().ok()?;
    (value.is_finite() && value > 0.0).then(|| Duration::from_secs_f64(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_are_positive_seconds() {
        assert_eq!(parse_seconds("30"), Some(Duration::from_secs(30)));
        assert_eq!(parse_seconds(" 0.5 "), Some(Duration::from_millis(500)));
        assert_eq!(parse_seconds("0"), None);
        assert_eq!(parse_seconds("-3"), None);
        assert_eq!(parse_seconds("soon"), None);
        assert_eq!(parse_seconds("inf"), None);
    }
}
