//! Probe results cached on disk, so that a build does not run every interpreter again.
//!
//! One file per interpreter path under `$CFFI_WHEEL_CACHE_DIR/interpreters/`, valid while
//! the executable's real path, size and modification time, the probe script and the
//! modification times of its package directories (where `pip install cffi` writes) are
//! the same. A file that does not parse is ignored and written again; files are written to
//! a temporary name and renamed, so a reader never sees half of one.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::Interpreter;

/// What identifies one version of an executable (uv keys its interpreter cache the same way).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeKey {
    /// The path it is found and run at.
    pub path: PathBuf,
    /// The file that path resolves to.
    pub real_path: PathBuf,
    /// Its size in bytes.
    pub size: u64,
    /// Its modification time, nanoseconds since the epoch.
    pub mtime_ns: u64,
    /// Hash of the probe script: a changed script asks again.
    pub script: String,
}

impl ProbeKey {
    /// The key of `path` as it is now; `None` when it cannot be read.
    pub fn of(path: &Path, script: &str) -> Option<ProbeKey> {
        let real_path = fs_err::canonicalize(path).ok()?;
        let meta = fs_err::metadata(&real_path).ok()?;
        Some(ProbeKey {
            path: path.to_path_buf(),
            real_path,
            size: meta.len(),
            mtime_ns: mtime_ns(&meta)?,
            script: hex(&Sha256::digest(script.as_bytes())),
        })
    }

    /// The cache file of this path inside `dir`.
    pub fn file_in(&self, dir: &Path) -> PathBuf {
        let digest = Sha256::digest(self.path.as_os_str().as_encoded_bytes());
        dir.join(format!("{}.json", &hex(&digest)[..16]))
    }
}

/// What a probe found, as far as it is worth remembering.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Outcome {
    /// A usable interpreter.
    Found {
        /// It.
        interpreter: Interpreter,
    },
    /// A Python cffi-wheel does not build for (such as 3.7), so it is not asked again.
    Unsupported {
        /// What it is, e.g. `cpython 3.7.16`.
        what: String,
    },
    /// It ran and answered, but the probe failed (Python 2 has no `sys.implementation`).
    Failed {
        /// What it said.
        detail: String,
    },
}

/// One cache file.
#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    key: ProbeKey,
    /// Package directories and their modification times (`None`: absent).
    site_dirs: Vec<(PathBuf, Option<u64>)>,
    outcome: Outcome,
}

/// The cached outcome for `key`, when there is a valid one in `dir`.
pub fn load(dir: &Path, key: &ProbeKey) -> Option<Outcome> {
    let text = fs_err::read(key.file_in(dir)).ok()?;
    let entry: Entry = match serde_json::from_slice(&text) {
        Ok(entry) => entry,
        Err(e) => {
            tracing::debug!(
                "ignoring unreadable probe cache {}: {e}",
                key.file_in(dir).display()
            );
            return None;
        }
    };
    let fresh = entry.key == *key
        && entry
            .site_dirs
            .iter()
            .all(|(dir, mtime)| dir_mtime(dir) == *mtime);
    fresh.then_some(entry.outcome)
}

/// Remembers `outcome` for `key` in `dir` (errors are logged: the cache is only a cache).
pub fn store(dir: &Path, key: &ProbeKey, site_dirs: &[PathBuf], outcome: &Outcome) {
    let entry = Entry {
        key: key.clone(),
        site_dirs: site_dirs
            .iter()
            .map(|d| (d.clone(), dir_mtime(d)))
            .collect(),
        outcome: outcome.clone(),
    };
    if let Err(e) = write_atomically(&key.file_in(dir), &entry) {
        tracing::debug!("cannot write the probe cache in {}: {e}", dir.display());
    }
}

fn write_atomically(path: &Path, entry: &Entry) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs_err::create_dir_all(dir)?;
    let mut temp = tempfile::Builder::new()
        .prefix(".probe-")
        .tempfile_in(dir)?;
    temp.write_all(&serde_json::to_vec_pretty(entry).map_err(std::io::Error::other)?)?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

fn dir_mtime(dir: &Path) -> Option<u64> {
    mtime_ns(&fs_err::metadata(dir).ok()?)
}

fn mtime_ns(meta: &std::fs::Metadata) -> Option<u64> {
    let since = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
    u64::try_from(since.as_nanos()).ok()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn interpreter(path: &Path) -> Interpreter {
        Interpreter {
            implementation: super::super::Implementation::CPython,
            version: [3, 11, 7],
            pypy_version: None,
            executable: path.to_path_buf(),
            path: path.to_path_buf(),
            soabi: Some("cpython-311-x86_64-linux-gnu".into()),
            ext_suffix: ".cpython-311-x86_64-linux-gnu.so".into(),
            include_dir: "/usr/include/python3.11".into(),
            has_headers: true,
            gil_disabled: false,
            debug: false,
            pointer_size: 64,
            platform: "linux-x86_64".into(),
            cffi_version: None,
        }
    }

    fn set_mtime(path: &Path, secs: u64) {
        let file = fs_err::File::options().write(true).open(path).unwrap();
        file.file()
            .set_modified(UNIX_EPOCH + std::time::Duration::from_secs(secs))
            .unwrap();
    }

    #[test]
    fn the_key_changes_with_size_mtime_and_probe_script() {
        let dir = tempfile::tempdir().unwrap();
        let python = dir.path().join("python3.11");
        fs_err::write(&python, "#!/bin/sh\n").unwrap();
        set_mtime(&python, 1_000);
        let key = ProbeKey::of(&python, "script").unwrap();
        assert_eq!(key.size, 10);
        assert_eq!(key.mtime_ns, 1_000_000_000_000);
        assert_eq!(ProbeKey::of(&python, "script").unwrap(), key);
        assert_ne!(ProbeKey::of(&python, "other script").unwrap(), key);
        set_mtime(&python, 2_000);
        assert_ne!(ProbeKey::of(&python, "script").unwrap(), key);
        set_mtime(&python, 1_000);
        fs_err::write(&python, "#!/bin/sh\n\n").unwrap();
        set_mtime(&python, 1_000);
        assert_ne!(ProbeKey::of(&python, "script").unwrap(), key);
        assert!(ProbeKey::of(&dir.path().join("missing"), "script").is_none());
    }

    #[cfg(unix)]
    #[test]
    fn a_link_and_its_target_have_their_own_files_but_the_targets_identity() {
        let dir = tempfile::tempdir().unwrap();
        let python = dir.path().join("python3.11");
        fs_err::write(&python, "#!/bin/sh\n").unwrap();
        let link = dir.path().join("python3");
        std::os::unix::fs::symlink(&python, &link).unwrap();
        let (a, b) = (
            ProbeKey::of(&python, "s").unwrap(),
            ProbeKey::of(&link, "s").unwrap(),
        );
        assert_eq!(b.real_path, fs_err::canonicalize(&python).unwrap());
        assert_eq!((a.size, a.mtime_ns), (b.size, b.mtime_ns));
        assert_ne!(a.file_in(dir.path()), b.file_in(dir.path()));
    }

    #[test]
    fn a_stored_outcome_is_found_until_the_interpreter_or_its_packages_change() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("interpreters");
        let python = dir.path().join("python3.11");
        let site = dir.path().join("site-packages");
        fs_err::create_dir_all(&site).unwrap();
        fs_err::write(&python, "#!/bin/sh\n").unwrap();
        let key = ProbeKey::of(&python, "s").unwrap();
        assert_eq!(load(&cache, &key), None);
        let outcome = Outcome::Found {
            interpreter: interpreter(&python),
        };
        store(&cache, &key, std::slice::from_ref(&site), &outcome);
        assert_eq!(load(&cache, &key), Some(outcome.clone()));
        // `pip install cffi` adds entries to site-packages: its mtime moves.
        let site_file = fs_err::File::open(&site).unwrap();
        site_file
            .file()
            .set_modified(UNIX_EPOCH + std::time::Duration::from_secs(5))
            .unwrap();
        assert_eq!(load(&cache, &key), None);
        store(&cache, &key, &[site], &outcome);
        assert_eq!(load(&cache, &key), Some(outcome));
    }

    #[test]
    fn an_unreadable_cache_file_is_ignored_and_written_again() {
        let dir = tempfile::tempdir().unwrap();
        let python = dir.path().join("python2.7");
        fs_err::write(&python, "#!/bin/sh\n").unwrap();
        let key = ProbeKey::of(&python, "s").unwrap();
        let file = key.file_in(dir.path());
        fs_err::write(&file, "{ not json").unwrap();
        assert_eq!(load(dir.path(), &key), None);
        let outcome = Outcome::Unsupported {
            what: "cpython 2.7.18".into(),
        };
        store(dir.path(), &key, &[], &outcome);
        assert_eq!(load(dir.path(), &key), Some(outcome));
        let leftovers: Vec<_> = fs_err::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|n| n.to_string_lossy().starts_with(".probe-"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
}
