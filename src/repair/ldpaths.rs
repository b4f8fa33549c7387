//! Finding a `DT_NEEDED` library the way the dynamic loader would (ld.so(8)).
//!
//! Order: the loading object's DT_RPATH (only when it has no DT_RUNPATH), `LD_LIBRARY_PATH`,
//! its DT_RUNPATH, the directories the build linked from (recipe `library_dirs`, pkg-config
//! and prefix lib dirs: where `-l` found it), `/etc/ld.so.conf`, then the default
//! directories. A candidate must be an ELF of the same class and machine.

use std::path::{Path, PathBuf};

use super::elf::ElfInfo;
use crate::env_vars;

/// Search directories that do not depend on the loading object.
#[derive(Debug, Clone, Default)]
pub struct LibrarySearch {
    /// `LD_LIBRARY_PATH`.
    pub env: Vec<PathBuf>,
    /// Directories the build linked from.
    pub build: Vec<PathBuf>,
    /// `/etc/ld.so.conf` and the defaults.
    pub system: Vec<PathBuf>,
}

impl LibrarySearch {
    /// The machine's search path plus the build's own library directories.
    pub fn system(build_dirs: Vec<PathBuf>) -> LibrarySearch {
        let env = env_vars::var_os(env_vars::LD_LIBRARY_PATH)
            .map(|v| std::env::split_paths(&v).collect())
            .unwrap_or_default();
        let mut system = ld_so_conf(Path::new("/etc/ld.so.conf"), 0);
        for dir in [
            "/lib/x86_64-linux-gnu",
            "/usr/lib/x86_64-linux-gnu",
            "/lib/aarch64-linux-gnu",
            "/usr/lib/aarch64-linux-gnu",
            "/lib64",
            "/usr/lib64",
            "/lib",
            "/usr/lib",
        ] {
            system.push(PathBuf::from(dir));
        }
        LibrarySearch {
            env,
            build: build_dirs,
            system,
        }
    }

    /// Resolves `name` needed by `from`; `None` when no matching file exists.
    pub fn resolve(&self, name: &str, from: &ElfInfo) -> Option<PathBuf> {
        if name.contains('/') {
            return Some(PathBuf::from(name));
        }
        let origin = from.path.parent().unwrap_or(Path::new("/"));
        let expand = |entries: &[String]| -> Vec<PathBuf> {
            entries
                .iter()
                .map(|e| {
                    PathBuf::from(
                        e.replace("$ORIGIN", &origin.to_string_lossy())
                            .replace("${ORIGIN}", &origin.to_string_lossy()),
                    )
                })
                .collect()
        };
        let mut dirs = Vec::new();
        if from.runpath.is_empty() {
            dirs.extend(expand(&from.rpath));
        }
        dirs.extend(self.env.iter().cloned());
        dirs.extend(expand(&from.runpath));
        dirs.extend(self.build.iter().cloned());
        dirs.extend(self.system.iter().cloned());
        dirs.into_iter()
            .map(|dir| dir.join(name))
            .find(|candidate| compatible(candidate, from))
    }
}

/// Whether `candidate` is an ELF file the loader would accept for `from`.
fn compatible(candidate: &Path, from: &ElfInfo) -> bool {
    if !candidate.is_file() {
        return false;
    }
    match ElfInfo::read(candidate) {
        Ok(Some(info)) => info.machine == from.machine && info.is_64 == from.is_64,
        _ => false,
    }
}

/// Directories listed in an ld.so.conf file, following `include` globs.
fn ld_so_conf(path: &Path, depth: u8) -> Vec<PathBuf> {
    let Ok(text) = fs_err::read_to_string(path) else {
        return Vec::new();
    };
    let mut dirs = Vec::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if let Some(pattern) = line.strip_prefix("include").map(str::trim) {
            if depth > 4 {
                continue;
            }
            let pattern = if pattern.starts_with('/') {
                pattern.to_string()
            } else {
                let base = path.parent().unwrap_or(Path::new("/"));
                base.join(pattern).to_string_lossy().into_owned()
            };
            let mut files: Vec<PathBuf> = glob::glob(&pattern)
                .into_iter()
                .flatten()
                .flatten()
                .collect();
            files.sort();
            for file in files {
                dirs.extend(ld_so_conf(&file, depth + 1));
            }
        } else if !line.is_empty() {
            dirs.push(PathBuf::from(line));
        }
    }
    dirs
}
