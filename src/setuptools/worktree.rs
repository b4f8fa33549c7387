//! Private copies of a project tree, so that the backend runs of several targets can go at
//! the same time.
//!
//! A setuptools run writes into the project: cffi's `distutils_extension()` rewrites its C
//! under `build/`, `*.egg-info` is refreshed, a custom `build_ext` may run `configure` in
//! place. Two runs under different interpreters in one tree would overwrite each other's
//! files, so each run that overlaps another gets its own copy: file contents, permissions and
//! modification times (autotools decides what to regenerate from them), symbolic links as
//! links. A git checkout's `.git` is not copied: the copy gets a `.git` file pointing at it,
//! as `git worktree` does, so that setuptools-scm and versioneer read the same tags.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use walkdir::WalkDir;

/// Trees larger than this are not copied: their targets run one after another in place.
pub const COPY_LIMIT_BYTES: u64 = 256 * 1024 * 1024;

/// What a copy leaves out: cffi-wheel's own build and output directories when they lie
/// inside the project; virtual environments (a directory holding `pyvenv.cfg`), `.tox`
/// and `.nox`, which no build reads; and CMake's caches (`CMakeCache.txt`, `CMakeFiles/`),
/// which hold the original tree's paths and make CMake refuse the copy ("CMakeCache.txt
/// directory … is different"): without them, CMake configures the copy afresh.
#[derive(Debug, Clone)]
pub struct CopyRules {
    /// Absolute directories not copied.
    pub excluded: Vec<PathBuf>,
}

impl CopyRules {
    fn skips(&self, path: &Path, is_dir: bool) -> bool {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if !is_dir {
            return name == "CMakeCache.txt";
        }
        if self.excluded.iter().any(|e| e == path) {
            return true;
        }
        matches!(name, ".git" | ".tox" | ".nox" | "CMakeFiles") || path.join("pyvenv.cfg").is_file()
    }

    fn walk<'a>(
        &'a self,
        root: &Path,
    ) -> impl Iterator<Item = walkdir::Result<walkdir::DirEntry>> + 'a {
        WalkDir::new(root)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(move |entry| !self.skips(entry.path(), entry.file_type().is_dir()))
    }
}

/// The files a copy of a tree would take: size and modification time of each.
#[derive(Debug, Clone, Default)]
pub struct TreeState {
    files: BTreeMap<PathBuf, (u64, Option<SystemTime>)>,
    /// The bytes of all files.
    pub total: u64,
}

impl TreeState {
    /// Reads the tree at `root`, or `None` once its files pass `limit` bytes.
    pub fn read(root: &Path, rules: &CopyRules, limit: u64) -> io::Result<Option<TreeState>> {
        let mut state = TreeState::default();
        for entry in rules.walk(root) {
            let entry = entry.map_err(io::Error::other)?;
            if !entry.file_type().is_file() {
                continue;
            }
            let metadata = entry.metadata().map_err(io::Error::other)?;
            state.total += metadata.len();
            if state.total > limit {
                return Ok(None);
            }
            let stamp = (metadata.len(), metadata.modified().ok());
            state.files.insert(entry.into_path(), stamp);
        }
        Ok(Some(state))
    }

    /// Bytes of the files that are new or changed since `before` (outside `*.egg-info`,
    /// which every setuptools run rewrites), and one of them.
    pub fn grown_since(&self, before: &TreeState) -> (u64, Option<PathBuf>) {
        let mut bytes = 0;
        let mut example: Option<&PathBuf> = None;
        for (path, stamp) in &self.files {
            let in_egg_info = path.components().any(|c| {
                c.as_os_str()
                    .to_str()
                    .is_some_and(|name| name.ends_with(".egg-info"))
            });
            if in_egg_info || before.files.get(path) == Some(stamp) {
                continue;
            }
            bytes += stamp.0;
            if example.is_none_or(|e| stamp.0 > self.files[e].0) {
                example = Some(path);
            }
        }
        (bytes, example.cloned())
    }
}

/// Makes `dest` a fresh copy of `root` (an earlier copy there is removed first).
pub fn copy_tree(root: &Path, dest: &Path, rules: &CopyRules) -> io::Result<()> {
    if dest.exists() {
        fs_err::remove_dir_all(dest)?;
    }
    fs_err::create_dir_all(dest)?;
    for entry in rules.walk(root) {
        let entry = entry.map_err(io::Error::other)?;
        let relative = entry.path().strip_prefix(root).map_err(io::Error::other)?;
        if relative.as_os_str().is_empty() {
            continue;
        }
        let target = dest.join(relative);
        let kind = entry.file_type();
        if kind.is_dir() {
            fs_err::create_dir_all(&target)?;
        } else if kind.is_symlink() {
            copy_link(entry.path(), &target)?;
        } else if kind.is_file() {
            fs_err::copy(entry.path(), &target)?;
            let modified = entry.metadata().map_err(io::Error::other)?.modified()?;
            fs_err::File::options()
                .write(true)
                .open(&target)?
                .set_modified(modified)?;
        }
    }
    link_git_dir(root, dest)
}

#[cfg(unix)]
fn copy_link(link: &Path, target: &Path) -> io::Result<()> {
    let points_to = fs_err::read_link(link)?;
    fs_err::os::unix::fs::symlink(points_to, target)
}

/// Without Unix links, the file a link points to is copied.
#[cfg(not(unix))]
fn copy_link(link: &Path, target: &Path) -> io::Result<()> {
    if link.is_file() {
        fs_err::copy(link, target)?;
    }
    Ok(())
}

/// Points the copy's `.git` at the project's repository.
fn link_git_dir(root: &Path, dest: &Path) -> io::Result<()> {
    let git = root.join(".git");
    let git_dir = if git.is_dir() {
        git
    } else if git.is_file() {
        // A worktree or submodule: `.git` names the real directory, maybe relative to root.
        let text = fs_err::read_to_string(&git)?;
        match text.trim().strip_prefix("gitdir:") {
            Some(path) => root.join(path.trim()),
            None => return Ok(()),
        }
    } else {
        return Ok(());
    };
    let absolute = std::path::absolute(&git_dir)?;
    fs_err::write(
        dest.join(".git"),
        format!("gitdir: {}\n", absolute.display()),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn rules(excluded: Vec<PathBuf>) -> CopyRules {
        CopyRules { excluded }
    }

    #[test]
    fn copies_contents_times_and_links_and_leaves_out_build_dirs_and_venvs() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("project");
        fs_err::create_dir_all(root.join("src/pkg")).unwrap();
        fs_err::write(root.join("setup.py"), "setup()").unwrap();
        fs_err::write(root.join("src/pkg/a.c"), "int a;").unwrap();
        let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
        fs_err::File::options()
            .write(true)
            .open(root.join("src/pkg/a.c"))
            .unwrap()
            .set_modified(old)
            .unwrap();
        fs_err::create_dir_all(root.join("build/cffi-wheel")).unwrap();
        fs_err::write(root.join("build/cffi-wheel/big"), "x").unwrap();
        fs_err::write(root.join("build/kept"), "k").unwrap();
        fs_err::create_dir_all(root.join(".venv/lib")).unwrap();
        fs_err::write(root.join(".venv/pyvenv.cfg"), "home = /usr").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink("src/pkg/a.c", root.join("link.c")).unwrap();
        fs_err::create_dir_all(root.join("lib/build/CMakeFiles")).unwrap();
        fs_err::write(root.join("lib/build/CMakeCache.txt"), "").unwrap();
        fs_err::write(root.join("lib/build/CMakeFiles/x"), "").unwrap();

        let dest = dir.path().join("copy");
        let rules = rules(vec![root.join("build/cffi-wheel")]);
        copy_tree(&root, &dest, &rules).unwrap();

        assert_eq!(
            fs_err::read_to_string(dest.join("src/pkg/a.c")).unwrap(),
            "int a;"
        );
        let modified = fs_err::metadata(dest.join("src/pkg/a.c"))
            .unwrap()
            .modified()
            .unwrap();
        assert_eq!(modified, old);
        assert!(dest.join("build/kept").is_file());
        assert!(!dest.join("build/cffi-wheel").exists());
        assert!(!dest.join(".venv").exists());
        assert!(!dest.join(".git").exists());
        assert!(dest.join("lib/build").is_dir());
        assert!(!dest.join("lib/build/CMakeCache.txt").exists());
        assert!(!dest.join("lib/build/CMakeFiles").exists());
        #[cfg(unix)]
        assert_eq!(
            fs_err::read_link(dest.join("link.c")).unwrap(),
            PathBuf::from("src/pkg/a.c")
        );
        // Counted the same way: setup.py, a.c, build/kept (and the link, not followed).
        let state = TreeState::read(&root, &rules, 1 << 20).unwrap().unwrap();
        assert_eq!(state.total, 7 + 6 + 1);
        assert!(TreeState::read(&root, &rules, 10).unwrap().is_none());
        // What a build then writes into the tree, egg-info aside.
        fs_err::write(root.join("src/pkg/a.o"), "0123456789").unwrap();
        fs_err::create_dir_all(root.join("pkg.egg-info")).unwrap();
        fs_err::write(root.join("pkg.egg-info/PKG-INFO"), "Name: pkg").unwrap();
        let after = TreeState::read(&root, &rules, 1 << 20).unwrap().unwrap();
        assert_eq!(
            after.grown_since(&state),
            (10, Some(root.join("src/pkg/a.o")))
        );
    }

    #[test]
    fn a_copy_of_a_checkout_points_at_its_repository_and_an_old_copy_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("project");
        fs_err::create_dir_all(root.join(".git/refs")).unwrap();
        fs_err::write(root.join(".git/HEAD"), "ref: refs/heads/main").unwrap();
        fs_err::write(root.join("setup.py"), "setup()").unwrap();
        let dest = dir.path().join("copy");
        fs_err::create_dir_all(&dest).unwrap();
        fs_err::write(dest.join("stale.py"), "").unwrap();
        copy_tree(&root, &dest, &rules(Vec::new())).unwrap();
        assert!(!dest.join("stale.py").exists());
        assert_eq!(
            fs_err::read_to_string(dest.join(".git")).unwrap(),
            format!("gitdir: {}\n", root.join(".git").display())
        );
    }
}
