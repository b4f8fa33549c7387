//! Every environment variable cffi-wheel reads, in one place, each documented.

use std::ffi::OsString;
use std::path::PathBuf;

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
