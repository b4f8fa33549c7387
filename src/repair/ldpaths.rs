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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    /// An ELF file: a copy of this test binary, with `e_machine` set to `machine`.
    fn elf_file(path: &Path, machine: u16) {
        let mut bytes = fs_err::read(std::env::current_exe().unwrap()).unwrap();
        bytes[18..20].copy_from_slice(&machine.to_le_bytes());
        fs_err::create_dir_all(path.parent().unwrap()).unwrap();
        fs_err::write(path, bytes).unwrap();
    }

    fn loader(path: &Path, rpath: &[&str], runpath: &[&str]) -> ElfInfo {
        ElfInfo {
            path: path.to_path_buf(),
            machine: goblin::elf::header::EM_X86_64,
            is_64: true,
            soname: None,
            needed: Vec::new(),
            rpath: rpath.iter().map(|s| s.to_string()).collect(),
            runpath: runpath.iter().map(|s| s.to_string()).collect(),
            version_needs: BTreeMap::new(),
            undefined: BTreeSet::new(),
            defined: BTreeSet::new(),
        }
    }

    #[test]
    fn resolution_follows_the_loader_order_and_skips_foreign_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let x86 = goblin::elf::header::EM_X86_64;
        for sub in ["rpath", "env", "runpath", "build", "system", "pkg/libs"] {
            elf_file(&root.join(sub).join("libx.so.1"), x86);
        }
        let search = LibrarySearch {
            env: vec![root.join("env")],
            build: vec![root.join("build")],
            system: vec![root.join("system")],
        };
        let rpath = root.join("rpath").to_string_lossy().into_owned();
        let runpath = root.join("runpath").to_string_lossy().into_owned();
        let ext = root.join("pkg").join("_m.so");

        // DT_RPATH first, but only without DT_RUNPATH.
        let from = loader(&ext, &[&rpath], &[]);
        assert_eq!(
            search.resolve("libx.so.1", &from),
            Some(root.join("rpath/libx.so.1"))
        );
        let from = loader(&ext, &[&rpath], &[&runpath]);
        assert_eq!(
            search.resolve("libx.so.1", &from),
            Some(root.join("env/libx.so.1"))
        );
        // $ORIGIN is the loading file's directory.
        let search_no_env = LibrarySearch {
            env: Vec::new(),
            ..search.clone()
        };
        let from = loader(&ext, &[], &["$ORIGIN/libs"]);
        assert_eq!(
            search_no_env.resolve("libx.so.1", &from),
            Some(root.join("pkg").join("libs/libx.so.1"))
        );
        // A file for another machine is passed over, as the loader does.
        elf_file(&root.join("build/liby.so"), goblin::elf::header::EM_AARCH64);
        elf_file(&root.join("system/liby.so"), x86);
        let from = loader(&ext, &[], &[]);
        assert_eq!(
            search.resolve("liby.so", &from),
            Some(root.join("system/liby.so"))
        );
        // Not an ELF file, or nowhere: not found.
        fs_err::write(root.join("system/libz.so"), b"INPUT(-lz)").unwrap();
        assert_eq!(search.resolve("libz.so", &from), None);
        assert_eq!(search.resolve("libnone.so", &from), None);
        // A name with a slash is a path.
        assert_eq!(
            search.resolve("/opt/x/libq.so", &from),
            Some(PathBuf::from("/opt/x/libq.so"))
        );
    }

    #[test]
    fn ld_so_conf_follows_includes_and_ignores_comments() {
        let dir = tempfile::tempdir().unwrap();
        let conf = dir.path().join("ld.so.conf");
        let confd = dir.path().join("ld.so.conf.d");
        fs_err::create_dir_all(&confd).unwrap();
        fs_err::write(
            &conf,
            "# top\n/usr/local/lib\ninclude ld.so.conf.d/*.conf\n\n",
        )
        .unwrap();
        fs_err::write(confd.join("b.conf"), "/opt/b # trailing\n").unwrap();
        fs_err::write(confd.join("a.conf"), "/opt/a\n").unwrap();
        // A loop of includes ends.
        fs_err::write(
            confd.join("c.conf"),
            format!("include {}\n", conf.display()),
        )
        .unwrap();
        let dirs = ld_so_conf(&conf, 0);
        assert_eq!(
            dirs[..3],
            [
                PathBuf::from("/usr/local/lib"),
                PathBuf::from("/opt/a"),
                PathBuf::from("/opt/b")
            ]
        );
        assert!(dirs.len() < 40, "the include loop did not end: {dirs:?}");
        assert!(ld_so_conf(&dir.path().join("missing.conf"), 0).is_empty());
    }
}
