//! Paths the recipe names: relative to the root, staying inside it both as text and as
//! real paths (links followed), existing, and UTF-8.

use std::path::{Component, Path, PathBuf};

use super::super::RecipeError;
use super::super::paths::PathProblem;
use super::super::raw::SStr;
use super::Ctx;

/// The help for a path that does not exist.
const RELATIVE: &str = "paths are relative to the recipe's directory";

/// Whether the relative `path` climbs above where it starts (`..` past the top), or is
/// absolute.
pub(super) fn escapes(path: &Path) -> bool {
    path.is_absolute()
        || path
            .components()
            .try_fold(0i32, |depth, c| match c {
                Component::ParentDir if depth == 0 => None,
                Component::ParentDir => Some(depth - 1),
                Component::Normal(_) => Some(depth + 1),
                _ => Some(depth),
            })
            .is_none()
}

impl Ctx<'_> {
    /// A path problem found for the recipe entry `raw`, located there.
    pub(super) fn path_problem(&self, raw: &SStr, problem: &PathProblem) -> RecipeError {
        self.err(raw, problem.to_string(), problem.help())
    }

    /// `path` (for the entry `raw`) resolves inside the project, or through an allowed link.
    fn contained(&self, raw: &SStr, path: &Path) -> Result<(), RecipeError> {
        self.containment
            .check(path)
            .map_err(|problem| self.path_problem(raw, &problem))
    }

    /// A path relative to the root that stays inside it, `/`-separated.
    pub(super) fn inside(&self, raw: &SStr) -> Result<String, RecipeError> {
        if escapes(Path::new(raw.as_str())) {
            return Err(self.err(
                raw,
                format!("`{}` is outside the project directory", **raw),
                "paths are relative to the recipe and must stay inside its directory",
            ));
        }
        Ok(raw.trim_start_matches("./").replace('\\', "/"))
    }

    /// `rel` (written as `raw`) resolves inside the project and is an existing file (or,
    /// with `dir`, directory); `help` says how such paths are written.
    pub(super) fn existing(
        &self,
        raw: &SStr,
        rel: &str,
        dir: bool,
        help: &str,
    ) -> Result<(), RecipeError> {
        let path = self.root.join(rel);
        self.contained(raw, &path)?;
        let (exists, what) = if dir {
            (path.is_dir(), "directory")
        } else {
            (path.is_file(), "file")
        };
        if !exists {
            return Err(self.err(raw, format!("{what} `{rel}` does not exist"), help));
        }
        Ok(())
    }

    pub(super) fn existing_file(&self, raw: &SStr) -> Result<String, RecipeError> {
        let rel = self.inside(raw)?;
        self.existing(raw, &rel, false, RELATIVE)?;
        Ok(rel)
    }

    pub(super) fn existing_dir(&self, raw: &SStr) -> Result<String, RecipeError> {
        let rel = self.inside(raw)?;
        self.existing(raw, &rel, true, RELATIVE)?;
        Ok(rel.trim_end_matches('/').to_string())
    }

    pub(super) fn dirs(&self, raw: &[SStr]) -> Result<Vec<PathBuf>, RecipeError> {
        raw.iter()
            .map(|d| self.existing_dir(d).map(|rel| self.root.join(rel)))
            .collect()
    }

    pub(super) fn read(&self, raw: &SStr) -> Result<String, RecipeError> {
        let rel = self.existing_file(raw)?;
        let path = self.root.join(&rel);
        fs_err::read_to_string(&path).map_err(|source| RecipeError::Io { path, source })
    }

    pub(super) fn glob(&self, raw: &SStr) -> Result<Vec<PathBuf>, RecipeError> {
        let rel = self.inside(raw)?;
        let pattern = self.root.join(&rel);
        let bad_pattern = |e: String| {
            self.err(
                raw,
                format!("invalid glob `{rel}`: {e}"),
                "use `*`, `?`, `[...]` and `**`",
            )
        };
        let paths =
            glob::glob(&pattern.to_string_lossy()).map_err(|e| bad_pattern(e.to_string()))?;
        let mut found = Vec::new();
        for entry in paths {
            let path = entry.map_err(|e| bad_pattern(e.to_string()))?;
            self.contained(raw, &path)?;
            if path.is_file() {
                found.push(path);
            }
        }
        if found.is_empty() {
            return Err(self.err(
                raw,
                format!("`{rel}` matches no file"),
                "check the path; globs are relative to the recipe's directory",
            ));
        }
        Ok(found)
    }
}

impl Ctx<'_> {
    /// `allow_outside_links`: each entry an existing symbolic link inside the project.
    pub(super) fn allowed_links(&self, raw: &[SStr]) -> Result<Vec<String>, RecipeError> {
        raw.iter()
            .map(|entry| {
                let rel = self.inside(entry)?.trim_end_matches('/').to_string();
                let is_link = fs_err::symlink_metadata(self.root.join(&rel))
                    .is_ok_and(|m| m.is_symlink());
                if !is_link {
                    return Err(self.err(
                        entry,
                        format!("`{rel}` is not a symbolic link"),
                        "`allow_outside_links` lists links (relative to the recipe) whose targets may lie outside the project",
                    ));
                }
                Ok(rel)
            })
            .collect()
    }

    /// A `packages` entry: an existing directory below the root (not the root itself: build
    /// directories and earlier wheels would go into the wheel), every file in it inside the
    /// project and named in UTF-8.
    pub(super) fn package_dir(&self, raw: &SStr) -> Result<String, RecipeError> {
        let rel = self.existing_dir(raw)?;
        let dir = self.root.join(&rel);
        if fs_err::canonicalize(&dir).ok() == fs_err::canonicalize(self.root).ok() {
            return Err(self.err(
                raw,
                format!("package directory `{}` is the project directory itself", raw.as_str()),
                "list the package's own directory, such as `fastmath` or `src/fastmath`: the project directory holds build output and earlier wheels",
            ));
        }
        self.containment
            .files_under(&dir, self.root)
            .map_err(|problem| self.path_problem(raw, &problem))?;
        Ok(rel)
    }
}
