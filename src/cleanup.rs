//! What an interrupted build must not leave behind.
//!
//! - Temporary files that become outputs (`.whl.part`, `.tar.gz.part`) and staging
//!   directories are [registered](register) while they exist. On SIGINT, SIGTERM or SIGHUP
//!   the [signal thread](install_signal_handlers) deletes them, stops the children started
//!   through [`crate::process`] (each runs in its own process group, so the terminal's ^C
//!   does not reach them), and exits with 128 + the signal's number.
//! - SIGKILL cannot be caught: the next build [sweeps](sweep_partial_files) what a killed
//!   one left. A partial file is locked by its writer while it exists, so a sweep never
//!   deletes a file that a running build is still writing.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Paths to delete if the process is stopped by a signal.
static TEMPORARIES: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());

/// Process groups (their leaders' pids) of running children.
static CHILDREN: Mutex<BTreeSet<u32>> = Mutex::new(BTreeSet::new());

/// Suffix of every partial output file.
pub const PARTIAL_SUFFIX: &str = ".part";

/// Keeps `path` registered for deletion on a signal until dropped (dropping does not delete
/// the path; its owner does that, or renames it to its final name).
#[derive(Debug)]
pub struct Registered(PathBuf);

/// Registers `path` (a file or directory) for deletion if a signal stops the process.
pub fn register(path: &Path) -> Registered {
    if let Ok(mut set) = TEMPORARIES.lock() {
        set.insert(path.to_path_buf());
    }
    Registered(path.to_path_buf())
}

impl Drop for Registered {
    fn drop(&mut self) {
        if let Ok(mut set) = TEMPORARIES.lock() {
            set.remove(&self.0);
        }
    }
}

/// Records a child started as the leader of its own process group.
pub fn child_started(pid: u32) {
    if let Ok(mut set) = CHILDREN.lock() {
        set.insert(pid);
    }
}

/// Forgets a child recorded by [`child_started`].
pub fn child_ended(pid: u32) {
    if let Ok(mut set) = CHILDREN.lock() {
        set.remove(&pid);
    }
}

/// Starts the thread that cleans up and exits on SIGINT, SIGTERM and SIGHUP (Unix). Call once,
/// early in `main`.
#[cfg(unix)]
pub fn install_signal_handlers() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = match signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) {
        Ok(signals) => signals,
        Err(e) => {
            tracing::debug!("cannot install signal handlers: {e}");
            return;
        }
    };
    let spawned = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                stop_children();
                remove_temporaries();
                std::process::exit(128 + signal);
            }
        });
    if let Err(e) = spawned {
        tracing::debug!("cannot start the signal thread: {e}");
    }
}

/// Without Unix signals, the default handling applies; sweeping covers what is left.
#[cfg(not(unix))]
pub fn install_signal_handlers() {}

fn stop_children() {
    let children: Vec<u32> = CHILDREN
        .lock()
        .map(|set| set.iter().copied().collect())
        .unwrap_or_default();
    #[cfg(unix)]
    for pid in children {
        if let Ok(pid) = libc::pid_t::try_from(pid) {
            // SAFETY: kill(2) with a negative pid signals the process group the child leads;
            // it touches no memory of ours.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
        }
    }
    #[cfg(not(unix))]
    let _ = children;
}

fn remove_temporaries() {
    let paths: Vec<PathBuf> = TEMPORARIES
        .lock()
        .map(|set| set.iter().cloned().collect())
        .unwrap_or_default();
    for path in paths {
        let _ = if path.is_dir() {
            fs_err::remove_dir_all(&path)
        } else {
            fs_err::remove_file(&path)
        };
    }
}

/// Deletes the partial files (`.*.part`) in `dir` that no running build holds: those a
/// killed build left. Returns what was deleted. A missing `dir` has none.
pub fn sweep_partial_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs_err::read_dir(dir) else {
        return Vec::new();
    };
    // No writer is between creating its partial file and locking it while this is held.
    let Ok(_creating) = directory_lock(dir, Share::Exclusive) else {
        return Vec::new();
    };
    let mut swept = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with('.') && name.ends_with(PARTIAL_SUFFIX)) {
            continue;
        }
        let path = entry.path();
        if is_abandoned(&path) && fs_err::remove_file(&path).is_ok() {
            tracing::info!("removed {}, left by an interrupted build", path.display());
            swept.push(path);
        }
    }
    swept
}

/// True when no process holds the lock of the partial file `path`.
fn is_abandoned(path: &Path) -> bool {
    let Ok(file) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
    else {
        return false;
    };
    // Released again when `file` is dropped.
    file.try_lock().is_ok()
}

enum Share {
    Shared,
    Exclusive,
}

/// The lock (in the cache directory) that writers of partial files in `dir` hold shared while
/// they create and lock one, and a sweep holds exclusive.
fn directory_lock(dir: &Path, share: Share) -> std::io::Result<std::fs::File> {
    let path = crate::lock::output_lock_path(&crate::env_vars::cache_dir(), &dir.join(".partial"));
    if let Some(parent) = path.parent() {
        fs_err::create_dir_all(parent)?;
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)?;
    match share {
        Share::Shared => file.lock_shared()?,
        Share::Exclusive => file.lock()?,
    }
    Ok(file)
}

/// Opens a new partial file in `dir` for the output `final_name` (`.<final_name>.XXXXXX.part`),
/// locked and registered for deletion on a signal until it is renamed or dropped.
pub fn partial_file(
    dir: &Path,
    final_name: &str,
) -> std::io::Result<(tempfile::NamedTempFile, Registered)> {
    let mut builder = tempfile::Builder::new();
    let prefix = format!(".{final_name}.");
    builder.prefix(&prefix).suffix(PARTIAL_SUFFIX);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        // tempfile defaults to 0o600; an output gets the usual 0o666 less the umask.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let creating = directory_lock(dir, Share::Shared)?;
    let temp = builder.tempfile_in(dir)?;
    temp.as_file().lock()?;
    drop(creating);
    let registered = register(temp.path());
    Ok((temp, registered))
}

/// A staging directory (a cache entry being made): it holds a locked `.owner` file while it
/// exists and is registered for deletion on a signal; dropping it removes it.
#[derive(Debug)]
pub struct StagingDir {
    // Field order: the directory goes before its owner lock is released.
    dir: tempfile::TempDir,
    _owner: std::fs::File,
    _registered: Registered,
}

impl StagingDir {
    /// The directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// The lock file inside a staging directory.
const OWNER_FILE: &str = ".owner";

/// Makes a staging directory `<parent>/<prefix>XXXXXX`.
pub fn staging_dir(parent: &Path, prefix: &str) -> std::io::Result<StagingDir> {
    fs_err::create_dir_all(parent)?;
    let creating = directory_lock(parent, Share::Shared)?;
    let dir = tempfile::Builder::new().prefix(prefix).tempdir_in(parent)?;
    let owner = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(dir.path().join(OWNER_FILE))?;
    owner.lock()?;
    drop(creating);
    let registered = register(dir.path());
    Ok(StagingDir {
        dir,
        _owner: owner,
        _registered: registered,
    })
}

/// Removes the staging directories (`<prefix>*`) in `parent` that no running process owns:
/// those a killed one left. Returns what was removed.
pub fn sweep_staging_dirs(parent: &Path, prefix: &str) -> Vec<PathBuf> {
    let Ok(entries) = fs_err::read_dir(parent) else {
        return Vec::new();
    };
    // No process is between making its staging directory and locking its owner file.
    let Ok(_creating) = directory_lock(parent, Share::Exclusive) else {
        return Vec::new();
    };
    let mut swept = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if !entry.file_name().to_string_lossy().starts_with(prefix) || !path.is_dir() {
            continue;
        }
        let owner = path.join(OWNER_FILE);
        let abandoned = !owner.exists() || is_abandoned(&owner);
        if abandoned && fs_err::remove_dir_all(&path).is_ok() {
            tracing::info!("removed {}, left by an interrupted build", path.display());
            swept.push(path);
        }
    }
    swept
}

/// Writes the output `bytes` to `path` through a partial file in the same directory and a
/// rename, under the output's lock: `path` is either its old self or complete, never
/// half-written, and two builds writing it at once take turns. The directory is synced
/// afterwards (best effort) so the rename survives a power cut.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    write_locked(path, bytes).map_err(|source| WriteError {
        path: path.to_path_buf(),
        source,
    })
}

/// An output that could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}", path.display())]
pub struct WriteError {
    /// The output's final path.
    pub path: PathBuf,
    /// The cause.
    #[source]
    pub source: std::io::Error,
}

fn write_locked(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    fs_err::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let _lock = crate::lock::output(path).map_err(std::io::Error::other)?;
    let (temp, _registered) = partial_file(dir, &name)?;
    // The partial file is deleted if anything below fails.
    let (file, temp_path) = temp.into_parts();
    let mut file = fs_err::File::from_parts(file, PathBuf::from(&*temp_path));
    file.write_all(bytes)?;
    file.sync_all()?;
    // Renamed while still open (and locked), so a sweep never takes it for abandoned.
    temp_path.persist(path).map_err(|e| e.error)?;
    drop(file);
    sync_dir(dir);
    Ok(())
}

/// Best-effort fsync of `dir`; some file systems refuse it, and the file is complete under
/// its final name already, so errors are ignored.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(handle) = fs_err::File::open(dir) {
        let _ = handle.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sweep_removes_abandoned_partial_files_only() {
        let dir = tempfile::tempdir().unwrap();
        let abandoned = dir.path().join(".a-1.0-py3-none-any.whl.x1y2z3.part");
        fs_err::write(&abandoned, b"partial").unwrap();
        let wheel = dir.path().join("a-1.0-py3-none-any.whl");
        fs_err::write(&wheel, b"done").unwrap();
        let visible = dir.path().join("notes.part");
        fs_err::write(&visible, b"not ours").unwrap();
        let (held, _registered) = partial_file(dir.path(), "c-1.0-py3-none-any.whl").unwrap();

        let swept = sweep_partial_files(dir.path());
        assert_eq!(swept, vec![abandoned.clone()]);
        assert!(!abandoned.exists());
        assert!(
            visible.exists(),
            "a file not named like a partial output was swept"
        );
        assert!(wheel.exists());
        assert!(
            held.path().exists(),
            "a partial file being written was swept"
        );
    }

    #[test]
    fn registration_ends_when_dropped() {
        let path = PathBuf::from("/nonexistent/cffi-wheel-cleanup-test");
        let registered = register(&path);
        assert!(TEMPORARIES.lock().unwrap().contains(&path));
        drop(registered);
        assert!(!TEMPORARIES.lock().unwrap().contains(&path));
    }

    #[test]
    fn an_atomic_write_replaces_the_file_and_leaves_no_partial_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cffi-wheel.yaml");
        fs_err::write(&path, "old").unwrap();
        write_atomically(&path, b"new").unwrap();
        assert_eq!(fs_err::read_to_string(&path).unwrap(), "new");
        let names: Vec<_> = fs_err::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, [std::ffi::OsString::from("cffi-wheel.yaml")]);
    }

    #[test]
    fn a_sweep_removes_staging_dirs_nobody_owns() {
        let dir = tempfile::tempdir().unwrap();
        let live = staging_dir(dir.path(), ".staging-").unwrap();
        fs_err::write(live.path().join("x"), "being made").unwrap();
        let dead = dir.path().join(".staging-dead");
        fs_err::create_dir_all(&dead).unwrap();
        fs_err::write(dead.join(OWNER_FILE), "").unwrap();
        let ownerless = dir.path().join(".staging-old");
        fs_err::create_dir_all(&ownerless).unwrap();
        let other = dir.path().join("cffi-2.1.1-cp313");
        fs_err::create_dir_all(&other).unwrap();

        let mut swept = sweep_staging_dirs(dir.path(), ".staging-");
        swept.sort();
        assert_eq!(swept, vec![dead.clone(), ownerless.clone()]);
        assert!(live.path().exists(), "a staging dir being made was removed");
        assert!(other.exists());
        let path = live.path().to_path_buf();
        drop(live);
        assert!(!path.exists(), "a dropped staging dir is removed");
    }
}
