//! Finding Python interpreters and introspecting them (one embedded script → JSON).
//!
//! This module knows nothing of what to build; `plan` chooses among what it finds.

mod cache;
mod discover;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use discover::{dedup, discover, discover_for, probe_all};

use crate::process::ProcessError;
use crate::python_helper::{self, HelperError, Isolation, Reply};

/// The embedded introspection script (kept compatible with old Pythons).
const PROBE_SCRIPT: python_helper::Script = python_helper::Script {
    name: "probe.py",
    text: include_str!("probe.py"),
};

/// Oldest CPython minor version cffi-wheel builds for.
pub const MIN_MINOR: u8 = 8;

/// A Python implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Implementation {
    /// CPython.
    CPython,
    /// PyPy.
    PyPy,
}

/// An introspected interpreter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interpreter {
    /// Implementation.
    pub implementation: Implementation,
    /// `sys.version_info[:3]`.
    pub version: [u8; 3],
    /// PyPy's own version, e.g. `7.3.11`.
    pub pypy_version: Option<String>,
    /// `realpath(sys.executable)`: the identity used for deduplication.
    pub executable: PathBuf,
    /// The path it was found at (and is run as).
    pub path: PathBuf,
    /// `sysconfig` SOABI, e.g. `cpython-311-x86_64-linux-gnu`, `pypy39-pp73`.
    pub soabi: Option<String>,
    /// `EXT_SUFFIX`, e.g. `.cpython-311-x86_64-linux-gnu.so`.
    pub ext_suffix: String,
    /// Directory holding `Python.h`.
    pub include_dir: PathBuf,
    /// Whether `Python.h` is there (Debian's python3 has it only with python3-dev).
    pub has_headers: bool,
    /// Free-threaded build (`Py_GIL_DISABLED`).
    pub gil_disabled: bool,
    /// Debug build (`Py_DEBUG`).
    pub debug: bool,
    /// Pointer width in bits.
    pub pointer_size: u8,
    /// `sysconfig.get_platform()`, e.g. `linux-x86_64`.
    pub platform: String,
    /// cffi version importable by this interpreter, if any.
    pub cffi_version: Option<String>,
}

/// The probe's result.
#[derive(Debug, Deserialize)]
struct ProbeOutput {
    implementation: Option<String>,
    version: Option<[u8; 3]>,
    pypy_version: Option<String>,
    executable: Option<PathBuf>,
    soabi: Option<String>,
    ext_suffix: Option<String>,
    include_dir: Option<PathBuf>,
    #[serde(default)]
    has_headers: bool,
    #[serde(default)]
    gil_disabled: bool,
    #[serde(default)]
    debug: bool,
    pointer_size: Option<u8>,
    platform: Option<String>,
    cffi_version: Option<String>,
    #[serde(default)]
    site_dirs: Vec<PathBuf>,
}

/// The errors the probe reports, by `kind`.
#[derive(Debug, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum ProbeFailure {
    /// The probe script raised.
    Internal {
        /// The exception.
        message: String,
    },
}

/// Why an interpreter could not be used.
#[derive(Debug, thiserror::Error)]
pub enum InterpreterError {
    /// It could not be run.
    #[error("cannot run {path}")]
    Spawn {
        /// The interpreter.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// It did not answer in time.
    #[error(
        "{path} did not introspect itself within {} s and was stopped; set {} to wait longer",
        limit.as_secs_f64(),
        crate::env_vars::PROBE_TIMEOUT
    )]
    TimedOut {
        /// The interpreter.
        path: PathBuf,
        /// The limit.
        limit: Duration,
    },
    /// It ran but the probe failed.
    #[error("{path} failed to introspect itself: {detail}")]
    Probe {
        /// The interpreter.
        path: PathBuf,
        /// What it said.
        detail: String,
    },
    /// It is not a Python cffi-wheel can build for.
    #[error(
        "{path} is {what}, which cffi-wheel does not build for (CPython 3.8+ and PyPy 3.8+ only)"
    )]
    Unsupported {
        /// The interpreter.
        path: PathBuf,
        /// What it is.
        what: String,
    },
}

impl Interpreter {
    /// Runs the probe script under `path` (no cache), stopping it after `limit`.
    pub fn probe(path: &Path, limit: Duration) -> Result<Interpreter, InterpreterError> {
        Self::probe_with_sites(path, limit).map(|(interp, _)| interp)
    }

    /// [`Interpreter::probe`], and the package directories the probe reported.
    fn probe_with_sites(
        path: &Path,
        limit: Duration,
    ) -> Result<(Interpreter, Vec<PathBuf>), InterpreterError> {
        // The probe reads no request; it gets an empty one.
        let request = serde_json::Map::new();
        let reply = python_helper::call(
            path,
            PROBE_SCRIPT,
            Isolation::Isolated,
            None,
            &request,
            limit,
        );
        let raw = Self::read_reply(path, reply)?;
        let sites = raw.site_dirs.clone();
        Self::from_probe(path, raw).map(|interp| (interp, sites))
    }

    /// The probe's result, or why there is none.
    fn read_reply(
        path: &Path,
        reply: Result<Reply<ProbeOutput, ProbeFailure>, HelperError>,
    ) -> Result<ProbeOutput, InterpreterError> {
        let probe_error = |detail: String| InterpreterError::Probe {
            path: path.to_path_buf(),
            detail,
        };
        match reply {
            Ok(Reply::Ok(raw)) => Ok(raw),
            Ok(Reply::Error(ProbeFailure::Internal { message })) => Err(probe_error(message)),
            Err(HelperError::Run { source, .. }) => Err(match source {
                ProcessError::Stopped { limit, .. } => InterpreterError::TimedOut {
                    path: path.to_path_buf(),
                    limit,
                },
                ProcessError::Spawn { source, .. } => InterpreterError::Spawn {
                    path: path.to_path_buf(),
                    source,
                },
                ProcessError::Failed { status, tail, .. } => {
                    let last = tail.lines().last().unwrap_or("no output").to_string();
                    probe_error(format!("{status} ({last})"))
                }
                other => InterpreterError::Spawn {
                    path: path.to_path_buf(),
                    source: std::io::Error::other(other),
                },
            }),
            Err(unreadable @ HelperError::Unreadable { .. }) => {
                Err(probe_error(unreadable.to_string()))
            }
        }
    }

    /// [`Interpreter::probe`] through the probe cache in `cache_dir`: a cached outcome is
    /// used while the executable and its package directories are unchanged.
    pub fn probe_cached(
        path: &Path,
        cache_dir: &Path,
        limit: Duration,
    ) -> Result<Interpreter, InterpreterError> {
        let key = cache::ProbeKey::of(path, PROBE_SCRIPT.text);
        if let Some(key) = &key {
            match cache::load(cache_dir, key) {
                Some(cache::Outcome::Found { interpreter }) => return Ok(interpreter),
                Some(cache::Outcome::Unsupported { what }) => {
                    return Err(InterpreterError::Unsupported {
                        path: path.to_path_buf(),
                        what,
                    });
                }
                Some(cache::Outcome::Failed { detail }) => {
                    return Err(InterpreterError::Probe {
                        path: path.to_path_buf(),
                        detail,
                    });
                }
                None => {}
            }
        }
        let result = Self::probe_with_sites(path, limit);
        if let Some(key) = &key {
            match &result {
                Ok((interpreter, sites)) => {
                    let found = cache::Outcome::Found {
                        interpreter: interpreter.clone(),
                    };
                    cache::store(cache_dir, key, sites, &found);
                }
                Err(InterpreterError::Unsupported { what, .. }) => {
                    let outcome = cache::Outcome::Unsupported { what: what.clone() };
                    cache::store(cache_dir, key, &[], &outcome);
                }
                Err(InterpreterError::Probe { detail, .. }) => {
                    let outcome = cache::Outcome::Failed {
                        detail: detail.clone(),
                    };
                    cache::store(cache_dir, key, &[], &outcome);
                }
                // A time-out or a crash may pass; it is asked again next time.
                Err(_) => {}
            }
        }
        result.map(|(interp, _)| interp)
    }

    fn from_probe(path: &Path, raw: ProbeOutput) -> Result<Interpreter, InterpreterError> {
        let missing = |what: &str| InterpreterError::Probe {
            path: path.to_path_buf(),
            detail: format!("no {what} reported"),
        };
        let version = raw.version.ok_or_else(|| missing("version"))?;
        let name = raw
            .implementation
            .clone()
            .ok_or_else(|| missing("implementation"))?;
        let implementation = match name.as_str() {
            "cpython" => Implementation::CPython,
            "pypy" => Implementation::PyPy,
            other => {
                return Err(InterpreterError::Unsupported {
                    path: path.to_path_buf(),
                    what: format!("{other} {}.{}", version[0], version[1]),
                });
            }
        };
        if version[0] != 3 || version[1] < MIN_MINOR {
            return Err(InterpreterError::Unsupported {
                path: path.to_path_buf(),
                what: format!("{name} {}.{}.{}", version[0], version[1], version[2]),
            });
        }
        Ok(Interpreter {
            implementation,
            version,
            pypy_version: raw.pypy_version,
            executable: raw.executable.ok_or_else(|| missing("executable"))?,
            path: path.to_path_buf(),
            soabi: raw.soabi,
            ext_suffix: raw.ext_suffix.ok_or_else(|| missing("EXT_SUFFIX"))?,
            include_dir: raw.include_dir.ok_or_else(|| missing("include dir"))?,
            has_headers: raw.has_headers,
            gil_disabled: raw.gil_disabled,
            debug: raw.debug,
            pointer_size: raw.pointer_size.unwrap_or(64),
            platform: raw.platform.ok_or_else(|| missing("platform"))?,
            cffi_version: raw.cffi_version,
        })
    }

    /// cibuildwheel-style identifier without platform: `cp311`, `cp313t`, `cp312d`, `pp39`.
    pub fn identifier(&self) -> String {
        let prefix = match self.implementation {
            Implementation::CPython => "cp",
            Implementation::PyPy => "pp",
        };
        let flags = match (self.gil_disabled, self.debug) {
            (true, true) => "td",
            (true, false) => "t",
            (false, true) => "d",
            (false, false) => "",
        };
        format!("{prefix}{}{}{flags}", self.version[0], self.version[1])
    }

    /// `major.minor.patch`.
    pub fn version_string(&self) -> String {
        format!(
            "{}.{}.{}",
            self.version[0], self.version[1], self.version[2]
        )
    }

    /// Whether this interpreter matches a selector such as `cp311`, `cp3*`, `pp39-*`,
    /// `cp313t-linux_x86_64` (cibuildwheel's build-selector shape).
    pub fn matches(&self, selector: &str) -> bool {
        let id = self.identifier();
        let with_platform = format!("{id}-{}", self.platform.replace(['-', '.'], "_"));
        match glob::Pattern::new(selector) {
            Ok(pattern) => pattern.matches(&id) || pattern.matches(&with_platform),
            Err(_) => selector == id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(json: &str) -> Interpreter {
        let raw: ProbeOutput = serde_json::from_str(json).expect("fixture json");
        Interpreter::from_probe(Path::new("/usr/bin/python3"), raw).expect("supported")
    }

    const CP313T: &str = r#"{"implementation": "cpython", "version": [3, 13, 1],
        "executable": "/opt/py/bin/python3.13t", "soabi": "cpython-313t-x86_64-linux-gnu",
        "ext_suffix": ".cpython-313t-x86_64-linux-gnu.so", "include_dir": "/opt/py/include",
        "gil_disabled": true, "debug": false, "pointer_size": 64, "platform": "linux-x86_64"}"#;

    #[test]
    fn free_threaded_cpython_is_identified_with_a_t() {
        let interp = fixture(CP313T);
        assert_eq!(interp.identifier(), "cp313t");
        assert!(interp.matches("cp313t"));
        assert!(interp.matches("cp3*"));
        assert!(interp.matches("cp313t-linux_x86_64"));
        assert!(!interp.matches("cp313"));
        assert!(!interp.matches("pp*"));
    }

    #[test]
    fn python_37_is_reported_as_unsupported() {
        let raw: ProbeOutput =
            serde_json::from_str(r#"{"implementation": "cpython", "version": [3, 7, 16]}"#)
                .expect("json");
        let err = Interpreter::from_probe(Path::new("/x/python3.7"), raw).expect_err("3.7");
        assert!(err.to_string().contains("cpython 3.7.16"), "{err}");
    }

    fn read(stdout: &str, stderr: &str) -> Result<ProbeOutput, InterpreterError> {
        let path = Path::new("/x/python3");
        let reply =
            python_helper::parse_reply(path, PROBE_SCRIPT, stdout.as_bytes(), stderr.as_bytes());
        Interpreter::read_reply(path, reply)
    }

    #[test]
    fn an_ok_probe_reply_is_read() {
        let text = CP313T.replacen('{', r#"{"result": "ok", "#, 1);
        let raw = read(&text, "").expect("ok");
        let interp = Interpreter::from_probe(Path::new("/x/python3"), raw).expect("supported");
        assert_eq!(interp.identifier(), "cp313t");
    }

    #[test]
    fn an_internal_probe_error_is_a_probe_failure_with_its_message() {
        let err = read(
            r#"{"result": "error", "kind": "internal", "message": "AttributeError: x"}"#,
            "",
        )
        .expect_err("error");
        assert!(
            matches!(&err, InterpreterError::Probe { detail, .. } if detail == "AttributeError: x"),
            "{err:?}"
        );
    }

    #[test]
    fn garbage_or_empty_probe_output_is_a_probe_failure_showing_stderr() {
        for (stdout, stderr) in [
            ("", "Fatal Python error: init_fs_encoding"),
            ("Welcome!\n", ""),
        ] {
            let err = read(stdout, stderr).expect_err("unreadable");
            let InterpreterError::Probe { detail, .. } = &err else {
                panic!("{err:?}");
            };
            assert!(
                detail.contains("probe.py, run with /x/python3, gave no readable answer"),
                "{detail}"
            );
            assert!(detail.contains(stderr), "{detail}");
        }
    }

    #[test]
    fn the_probe_script_answers_with_a_tagged_result() {
        let Ok(python) = which::which("python3") else {
            assert!(std::env::var_os("CI").is_none(), "CI needs python3 on PATH");
            eprintln!("skipped: no python3 on PATH (install python3)");
            return;
        };
        let interp = Interpreter::probe(&python, Duration::from_secs(60)).expect("probes");
        assert_eq!(interp.version[0], 3);
    }
}
