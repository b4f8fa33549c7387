//! Advisory file locks, so that builds running at the same time wait for each other instead
//! of failing: one on the build directory, one per output file and one per cache entry.
//!
//! A lock is an exclusive `flock` (Unix) or `LockFileEx` (Windows) on a small file that is
//! never deleted (deleting lock files races with their next user). The holder writes its
//! process id into it, so a waiting build can say whom it waits for. The operating system
//! releases the lock when the holder exits, however it exits, so a killed build never
//! leaves a lock behind.

use std::fs::TryLockError;
use std::io::{Read as _, Seek as _, Write as _};
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

/// A held lock; dropping it releases the lock.
#[derive(Debug)]
pub struct FileLock {
    _file: Option<std::fs::File>,
    path: PathBuf,
}

impl FileLock {
    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Why a lock could not be taken.
#[derive(Debug, thiserror::Error)]
#[error("cannot lock {} ({what})", path.display())]
pub struct LockError {
    /// The lock file.
    pub path: PathBuf,
    /// What the lock protects.
    pub what: String,
    /// The cause.
    #[source]
    pub source: std::io::Error,
}

/// Takes the exclusive lock `path` (created with its parent directories when missing),
/// waiting for another holder to release it. `what` names what the lock protects, for the
/// message shown while waiting.
///
/// A file system without lock support (some network mounts) gets a warning and no lock.
pub fn exclusive(path: &Path, what: &str) -> Result<FileLock, LockError> {
    let error = |source| LockError {
        path: path.to_path_buf(),
        what: what.to_string(),
        source,
    };
    if let Some(parent) = path.parent() {
        fs_err::create_dir_all(parent).map_err(error)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(error)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let holder = holder_of(&mut file);
            tracing::warn!(
                "waiting for {what}: another cffi-wheel{holder} is using it (lock {})",
                path.display()
            );
            file.lock().map_err(error)?;
        }
        Err(TryLockError::Error(e)) if e.kind() == std::io::ErrorKind::Unsupported => {
            tracing::warn!(
                "{} does not support file locks; {what} is not protected against builds running at the same time",
                path.display()
            );
            return Ok(FileLock {
                _file: None,
                path: path.to_path_buf(),
            });
        }
        Err(TryLockError::Error(e)) => return Err(error(e)),
    }
    // Best effort: the holder's pid is only for messages.
    let _ = file
        .set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| write!(file, "{}", std::process::id()));
    Ok(FileLock {
        _file: Some(file),
        path: path.to_path_buf(),
    })
}

/// " (pid N)" when the lock file names its holder.
fn holder_of(file: &mut std::fs::File) -> String {
    let mut text = String::new();
    if file.read_to_string(&mut text).is_ok()
        && let Ok(pid) = text.trim().parse::<u32>()
    {
        return format!(" (pid {pid})");
    }
    String::new()
}

/// Takes the lock of the output file `path` (a wheel or sdist about to be written).
pub fn output(path: &Path) -> Result<FileLock, LockError> {
    let lock = output_lock_path(&crate::env_vars::cache_dir(), path);
    exclusive(&lock, &format!("the output {}", path.display()))
}

/// The lock file in `cache_dir` for the output file `path`: outputs of different builds
/// (different build directories) can share a name, and the lock must not litter the output
/// directory that gets uploaded.
pub fn output_lock_path(cache_dir: &Path, path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let digest = Sha256::digest(absolute.as_os_str().as_encoded_bytes());
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    cache_dir
        .join("locks")
        .join(format!("{}-{}.lock", crate::wheel::hex(&digest[..8]), name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    #[test]
    fn a_second_holder_waits_until_the_first_releases() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("x.lock");
        let first = exclusive(&path, "the test").unwrap();
        let released = Arc::new(AtomicBool::new(false));
        let seen = Arc::clone(&released);
        let waiter = {
            let path = path.clone();
            std::thread::spawn(move || {
                let _second = exclusive(&path, "the test").unwrap();
                // Only reachable once the first lock is gone.
                seen.load(Ordering::SeqCst)
            })
        };
        std::thread::sleep(Duration::from_millis(200));
        released.store(true, Ordering::SeqCst);
        drop(first);
        assert!(waiter.join().unwrap(), "the second lock was taken early");
        let text = fs_err::read_to_string(&path).unwrap();
        assert_eq!(text, std::process::id().to_string());
    }

    #[test]
    fn output_locks_differ_per_output_and_live_in_the_cache() {
        let cache = Path::new("/cache");
        let a = output_lock_path(cache, Path::new("/out/a-1.0-py3-none-any.whl"));
        let b = output_lock_path(cache, Path::new("/other/a-1.0-py3-none-any.whl"));
        assert_ne!(a, b);
        assert!(a.starts_with("/cache/locks"), "{}", a.display());
        assert!(
            a.to_string_lossy()
                .ends_with("-a-1.0-py3-none-any.whl.lock")
        );
    }
}
