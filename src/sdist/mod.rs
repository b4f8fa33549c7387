//! Source distributions (PEP 625, PEP 517 `build_sdist`): `name-version.tar.gz` with
//! PKG-INFO and every file the recipe can use, deterministic and written atomically.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::recipe::{PathProblem, Recipe, RecipeError, slash_path};
use crate::tags::escape_name;
use crate::wheel::{CoreMetadata, DEFAULT_SOURCE_DATE_EPOCH, WheelError};

/// Directories never shipped (build products, VCS, caches).
const NEVER: &[&str] = &[
    "build",
    "dist",
    "wheelhouse",
    "target",
    ".git",
    ".hg",
    "__pycache__",
    ".tox",
    ".venv",
    ".nox",
];

/// A written sdist.
#[derive(Debug, Clone, Serialize)]
pub struct WrittenSdist {
    /// Its path.
    pub path: PathBuf,
    /// File name, e.g. `fast_math-0.1.0.tar.gz`.
    pub file_name: String,
    /// sha256 of the archive, hex.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// Files it holds, relative to the project root.
    pub files: Vec<String>,
}

/// Sdist failures.
#[derive(Debug, thiserror::Error)]
pub enum SdistError {
    /// PKG-INFO could not be rendered.
    #[error(transparent)]
    Metadata(#[from] WheelError),
    /// An include glob is not a glob.
    #[error("invalid sdist glob `{pattern}`: {detail}")]
    Glob {
        /// The glob.
        pattern: String,
        /// What is wrong.
        detail: String,
    },
    /// The archive could not be written.
    #[error(transparent)]
    Write(#[from] crate::cleanup::WriteError),
    /// A file leads out of the project or cannot be named in the archive.
    #[error(transparent)]
    Recipe(#[from] RecipeError),
    /// File system trouble.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl From<PathProblem> for SdistError {
    fn from(problem: PathProblem) -> Self {
        SdistError::Recipe(problem.into())
    }
}

/// The files of the sdist, relative to the root, sorted.
pub fn sdist_files(recipe: &Recipe, out_dir: &Path) -> Result<Vec<String>, SdistError> {
    let root = &recipe.root;
    let containment = recipe.containment();
    let mut files = Vec::new();
    for fixed in [recipe.path.clone(), root.join("pyproject.toml")] {
        if fixed.is_file() {
            containment.check(&fixed)?;
            files.push(relative(root, &fixed)?);
        }
    }
    let excludes = recipe
        .sdist_exclude
        .iter()
        .map(|p| glob::Pattern::new(p).map_err(|e| glob_error(p, e)))
        .collect::<Result<Vec<_>, _>>()?;
    utf8_names_under(root, &recipe.sdist_include, out_dir)?;
    for pattern in &recipe.sdist_include {
        let full = root.join(pattern);
        let paths = glob::glob(&full.to_string_lossy()).map_err(|e| glob_error(pattern, e))?;
        for path in paths {
            let path = path.map_err(|e| PathProblem::Walk {
                path: e.path().to_path_buf(),
                source: e.into(),
            })?;
            if !path.is_file() || path.starts_with(out_dir) {
                continue;
            }
            let rel = relative(root, &path)?;
            let hidden = rel.split('/').any(|part| NEVER.contains(&part));
            let compiled = [".pyc", ".pyo", ".so", ".o", ".pyd"]
                .iter()
                .any(|s| rel.ends_with(s));
            if hidden || compiled || excludes.iter().any(|e| e.matches(&rel)) {
                continue;
            }
            // Only now: links in skipped directories (a venv's python) do not matter.
            containment.check(&path)?;
            files.push(rel);
        }
    }
    files.sort();
    files.dedup();
    Ok(files)
}

/// The glob crate cannot match a name that is not UTF-8, so such a file would be left out
/// without a word: look for one in the directories the patterns' literal parts name (each
/// walked once, not again below another).
fn utf8_names_under(root: &Path, patterns: &[String], out_dir: &Path) -> Result<(), PathProblem> {
    let mut dirs: Vec<PathBuf> = patterns
        .iter()
        .map(|pattern| {
            let literal: PathBuf = Path::new(pattern)
                .components()
                .take_while(|c| !c.as_os_str().to_string_lossy().contains(['*', '?', '[']))
                .collect();
            root.join(literal)
        })
        .filter(|dir| dir.is_dir())
        .collect();
    dirs.sort();
    dirs.dedup_by(|later, earlier| later.starts_with(earlier));
    for dir in dirs {
        let walker = walkdir::WalkDir::new(&dir).into_iter().filter_entry(|e| {
            !e.path().starts_with(out_dir)
                && e.file_name().to_str().is_none_or(|n| !NEVER.contains(&n))
        });
        for entry in walker.flatten() {
            if entry.file_name().to_str().is_none() {
                let path = entry.path().strip_prefix(root).unwrap_or(entry.path());
                return Err(PathProblem::NotUtf8 {
                    path: path.to_path_buf(),
                });
            }
        }
    }
    Ok(())
}

fn glob_error(pattern: &str, e: impl std::fmt::Display) -> SdistError {
    SdistError::Glob {
        pattern: pattern.to_string(),
        detail: e.to_string(),
    }
}

fn relative(root: &Path, path: &Path) -> Result<String, PathProblem> {
    slash_path(path.strip_prefix(root).unwrap_or(path))
}

/// Writes `name-version.tar.gz` into `out_dir`.
pub fn write_sdist(
    recipe: &Recipe,
    metadata: &CoreMetadata,
    out_dir: &Path,
    source_date_epoch: Option<u64>,
) -> Result<WrittenSdist, SdistError> {
    fs_err::create_dir_all(out_dir)?;
    let out_dir = std::path::absolute(out_dir)?;
    let files = sdist_files(recipe, &out_dir)?;
    let base = format!(
        "{}-{}",
        escape_name(&recipe.package.name),
        recipe.package.version
    );
    let mtime = source_date_epoch.unwrap_or(DEFAULT_SOURCE_DATE_EPOCH);
    let mut tar = tar::Builder::new(Vec::new());
    tar.mode(tar::HeaderMode::Deterministic);
    append(
        &mut tar,
        &format!("{base}/PKG-INFO"),
        metadata.render()?.as_bytes(),
        0o644,
        mtime,
    )?;
    for rel in &files {
        let path = recipe.root.join(rel);
        let bytes = fs_err::read(&path)?;
        let executable = fs_err::metadata(&path)?.permissions().mode() & 0o111 != 0;
        let mode = if executable { 0o755 } else { 0o644 };
        append(&mut tar, &format!("{base}/{rel}"), &bytes, mode, mtime)?;
    }
    let tar_bytes = tar.into_inner()?;
    // gzip header without a file name and with mtime 0: the same inputs give the same bytes.
    let mut gz = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::new(9));
    gz.write_all(&tar_bytes)?;
    let bytes = gz.finish()?;
    let file_name = format!("{base}.tar.gz");
    let path = out_dir.join(&file_name);
    crate::cleanup::write_atomically(&path, &bytes)?;
    Ok(WrittenSdist {
        path,
        file_name,
        sha256: crate::wheel::hex(&Sha256::digest(&bytes)),
        size: bytes.len() as u64,
        files,
    })
}

fn append(
    tar: &mut tar::Builder<Vec<u8>>,
    path: &str,
    bytes: &[u8],
    mode: u32,
    mtime: u64,
) -> Result<(), std::io::Error> {
    let mut header = tar::Header::new_gnu();
    header.set_size(bytes.len() as u64);
    header.set_mode(mode);
    header.set_mtime(mtime);
    header.set_uid(0);
    header.set_gid(0);
    header.set_entry_type(tar::EntryType::Regular);
    tar.append_data(&mut header, path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A project whose sdist includes `data/*`, with `outside/secret.txt` beside it.
    fn project(allow: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("project");
        fs_err::create_dir_all(root.join("data")).unwrap();
        fs_err::create_dir_all(dir.path().join("outside")).unwrap();
        fs_err::write(dir.path().join("outside/secret.txt"), "outside\n").unwrap();
        fs_err::write(root.join("data/a.txt"), "inside\n").unwrap();
        let recipe = format!(
            "package: {{name: demo, version: '1.0'}}\nmodules:\n  - name: demo\n    cdef: 'int f(void);'\nsdist:\n  include: ['data/*']\n{allow}"
        );
        fs_err::write(root.join("cffi-wheel.yaml"), recipe).unwrap();
        (dir, root)
    }

    fn files(root: &Path) -> Result<Vec<String>, SdistError> {
        let recipe = crate::recipe::load(root).unwrap();
        sdist_files(&recipe, &root.join("dist"))
    }

    #[test]
    fn a_link_to_a_file_inside_the_project_ships_with_its_contents() {
        let (_dir, root) = project("");
        std::os::unix::fs::symlink("a.txt", root.join("data/b.txt")).unwrap();
        assert_eq!(
            files(&root).unwrap(),
            ["cffi-wheel.yaml", "data/a.txt", "data/b.txt"]
        );
        let recipe = crate::recipe::load(&root).unwrap();
        let metadata = crate::pipeline::core_metadata(&recipe).unwrap();
        let written = write_sdist(&recipe, &metadata, &root.join("dist"), None).unwrap();
        let tar = flate2::read::GzDecoder::new(fs_err::File::open(&written.path).unwrap());
        let mut archive = tar::Archive::new(tar);
        let mut found = None;
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            if entry.path().unwrap().ends_with("data/b.txt") {
                assert_eq!(entry.header().entry_type(), tar::EntryType::Regular);
                let mut text = String::new();
                std::io::Read::read_to_string(&mut entry, &mut text).unwrap();
                found = Some(text);
            }
        }
        assert_eq!(found.as_deref(), Some("inside\n"));
    }

    #[test]
    fn a_link_out_of_the_project_is_an_error_unless_excluded_or_allowed() {
        let (dir, root) = project("");
        let secret = dir.path().join("outside/secret.txt");
        std::os::unix::fs::symlink(&secret, root.join("data/s.txt")).unwrap();
        let err = files(&root).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("`data/s.txt` is a symbolic link to"),
            "{err}"
        );

        let (dir, root) = project("");
        let excluded = fs_err::read_to_string(root.join("cffi-wheel.yaml")).unwrap()
            + "  exclude: ['data/s.txt']\n";
        fs_err::write(root.join("cffi-wheel.yaml"), excluded).unwrap();
        std::os::unix::fs::symlink(
            dir.path().join("outside/secret.txt"),
            root.join("data/s.txt"),
        )
        .unwrap();
        assert_eq!(files(&root).unwrap(), ["cffi-wheel.yaml", "data/a.txt"]);

        let (dir, root) = project("allow_outside_links: [data/s.txt]\n");
        std::os::unix::fs::symlink(
            dir.path().join("outside/secret.txt"),
            root.join("data/s.txt"),
        )
        .unwrap();
        assert!(files(&root).unwrap().contains(&"data/s.txt".to_string()));
    }
}
