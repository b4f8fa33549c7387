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
    let mut temp = tempfile::Builder::new()
        .prefix(".")
        .suffix(".tar.gz.part")
        .tempfile_in(&out_dir)?;
    temp.write_all(&bytes)?;
    temp.as_file().sync_all()?;
    temp.persist(&path).map_err(|e| e.error)?;
    fs_err::set_permissions(&path, std::fs::Permissions::from_mode(0o644))?;
    Ok(WrittenSdist {
        path,
        file_name,
        sha256: Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
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
