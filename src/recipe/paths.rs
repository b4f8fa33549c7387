//! Real paths: every file the recipe hands to an artifact (sdist, wheel, METADATA,
//! `licenses/`) must resolve inside the project root, and its name must be UTF-8.
//!
//! Path text is not enough: a symbolic link inside the project can point anywhere (the sdist
//! once took `/etc/shadow` that way). So paths are resolved with `canonicalize`, and a link
//! whose target leaves the root is an error naming the link and its target, unless the
//! recipe lists the link in `allow_outside_links`. Links that stay inside are followed and
//! their contents shipped, as setuptools does.

use std::path::{Path, PathBuf};

/// A file or directory that cannot go into an artifact.
#[derive(Debug, thiserror::Error)]
pub enum PathProblem {
    /// A symbolic link leads out of the project.
    #[error("`{link}` is a symbolic link to `{}`, outside the project directory", target.display())]
    OutsideLink {
        /// The link, relative to the project root (`/`-separated).
        link: String,
        /// Where it resolves to.
        target: PathBuf,
    },
    /// A file name that wheel and sdist entry names (UTF-8) cannot hold.
    #[error("the file name {path:?} is not UTF-8")]
    NotUtf8 {
        /// The file.
        path: PathBuf,
    },
    /// The output directory is inside a package directory.
    #[error("the output directory {} is inside the package directory `{package}`", out_dir.display())]
    OutDirInPackage {
        /// The output directory.
        out_dir: PathBuf,
        /// The package directory, relative to the root.
        package: String,
    },
    /// A directory could not be walked (a loop of links, no permission).
    #[error("cannot walk {}: {source}", path.display())]
    Walk {
        /// Where the walk stopped.
        path: PathBuf,
        /// The cause (in the message: a recipe error shows no chain of causes).
        source: std::io::Error,
    },
}

impl PathProblem {
    /// How to fix it.
    pub fn help(&self) -> &'static str {
        match self {
            PathProblem::OutsideLink { .. } => {
                "copy the file into the project (or, for the sdist, leave it out with \
                 `sdist.exclude`); if its target is meant to be published, list the link in \
                 `allow_outside_links` (docs/recipe.md)"
            }
            PathProblem::NotUtf8 { .. } => {
                "rename the file: wheel and sdist entry names are UTF-8 (non-UTF-8 names would be \
                 changed to U+FFFD)"
            }
            PathProblem::OutDirInPackage { .. } => {
                "write the wheels outside the package directories (such as `-o dist`): wheels \
                 written into a package would go into the next wheel"
            }
            PathProblem::Walk { .. } => "remove the loop of links or make the directory readable",
        }
    }
}

/// The project root as text and as real path, and the links allowed to leave it.
#[derive(Debug, Clone)]
pub struct Containment {
    root: PathBuf,
    real_root: PathBuf,
    allowed: Vec<String>,
}

impl Containment {
    /// Checks paths under `root`; `allowed` are project-relative links that may leave it.
    pub fn new(root: &Path, allowed: &[String]) -> Self {
        Containment {
            root: root.to_path_buf(),
            real_root: fs_err::canonicalize(root).unwrap_or_else(|_| root.to_path_buf()),
            allowed: allowed.to_vec(),
        }
    }

    /// `path` (under the root) resolves inside the root, or through an allowed link. A path
    /// that does not resolve (missing, dangling link) passes: existence is checked elsewhere.
    pub fn check(&self, path: &Path) -> Result<(), PathProblem> {
        let Ok(real) = fs_err::canonicalize(path) else {
            return Ok(());
        };
        if real.starts_with(&self.real_root) {
            return Ok(());
        }
        // The first link on the way that leaves the root is the one to name.
        let rel = path.strip_prefix(&self.root).unwrap_or(path);
        let mut prefix = self.root.clone();
        for part in rel.components() {
            prefix.push(part);
            let is_link = fs_err::symlink_metadata(&prefix).is_ok_and(|m| m.is_symlink());
            let leaves = is_link
                && fs_err::canonicalize(&prefix).is_ok_and(|t| !t.starts_with(&self.real_root));
            if leaves {
                return self.outside(&prefix);
            }
        }
        self.outside(path)
    }

    fn outside(&self, link: &Path) -> Result<(), PathProblem> {
        let rel = slash_path(link.strip_prefix(&self.root).unwrap_or(link))?;
        let allowed = self.allowed.iter().any(|a| {
            rel == *a
                || rel
                    .strip_prefix(a.as_str())
                    .is_some_and(|r| r.starts_with('/'))
        });
        if allowed {
            return Ok(());
        }
        let target = fs_err::canonicalize(link).unwrap_or_else(|_| link.to_path_buf());
        Err(PathProblem::OutsideLink { link: rel, target })
    }

    /// The files under the project directory `dir`, links followed, each with its path
    /// relative to `base` (`/`-separated), in file-name order.
    pub fn files_under(
        &self,
        dir: &Path,
        base: &Path,
    ) -> Result<Vec<(String, PathBuf)>, PathProblem> {
        self.check(dir)?;
        let mut files = Vec::new();
        let walker = walkdir::WalkDir::new(dir)
            .follow_links(true)
            .sort_by_file_name();
        for entry in walker {
            let entry = match entry {
                Ok(entry) => entry,
                // A dangling link (an editor's lock file) has nothing to ship, as in the sdist.
                Err(e) if e.path().is_some_and(|p| !p.exists() && p.is_symlink()) => continue,
                Err(e) => {
                    return Err(PathProblem::Walk {
                        path: e.path().unwrap_or(dir).to_path_buf(),
                        source: e.into(),
                    });
                }
            };
            if entry.path_is_symlink() {
                self.check(entry.path())?;
            }
            if entry.file_type().is_file() {
                let rel = slash_path(entry.path().strip_prefix(base).unwrap_or(entry.path()))?;
                files.push((rel, entry.into_path()));
            }
        }
        Ok(files)
    }
}

/// `path`'s components joined by `/`, or the problem that one is not UTF-8.
pub fn slash_path(path: &Path) -> Result<String, PathProblem> {
    path.components()
        .map(|c| c.as_os_str().to_str())
        .collect::<Option<Vec<_>>>()
        .map(|parts| parts.join("/"))
        .ok_or_else(|| PathProblem::NotUtf8 {
            path: path.to_path_buf(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("project");
        fs_err::create_dir_all(root.join("pkg")).unwrap();
        fs_err::write(root.join("pkg/a.py"), "A = 1\n").unwrap();
        fs_err::write(dir.path().join("secret"), "s3cret\n").unwrap();
        (dir, root)
    }

    /// Whether `rel` passes the check with the `allowed` links.
    fn passes(root: &Path, allowed: &[&str], rel: &str) -> bool {
        let allowed: Vec<String> = allowed.iter().map(|a| a.to_string()).collect();
        Containment::new(root, &allowed)
            .check(&root.join(rel))
            .is_ok()
    }

    #[test]
    fn a_link_out_of_the_project_names_the_link_and_its_target() {
        let (dir, root) = project();
        std::os::unix::fs::symlink(dir.path().join("secret"), root.join("pkg/b.py")).unwrap();
        let err = Containment::new(&root, &[])
            .check(&root.join("pkg/b.py"))
            .unwrap_err();
        let target = fs_err::canonicalize(dir.path().join("secret")).unwrap();
        assert_eq!(
            err.to_string(),
            format!(
                "`pkg/b.py` is a symbolic link to `{}`, outside the project directory",
                target.display()
            )
        );
    }

    #[test]
    fn a_file_below_a_linked_directory_names_the_directory_link() {
        let (dir, root) = project();
        std::os::unix::fs::symlink(dir.path(), root.join("up")).unwrap();
        let err = Containment::new(&root, &[])
            .check(&root.join("up/secret"))
            .unwrap_err();
        assert!(
            err.to_string().starts_with("`up` is a symbolic link"),
            "{err}"
        );
        assert!(passes(&root, &["up"], "up/secret"));
    }

    #[test]
    fn links_inside_the_project_are_followed_with_their_contents() {
        let (_dir, root) = project();
        std::os::unix::fs::symlink("a.py", root.join("pkg/b.py")).unwrap();
        std::os::unix::fs::symlink("pkg", root.join("alias")).unwrap();
        let files = Containment::new(&root, &[])
            .files_under(&root.join("pkg"), &root)
            .unwrap();
        let names: Vec<&str> = files.iter().map(|(rel, _)| rel.as_str()).collect();
        assert_eq!(names, ["pkg/a.py", "pkg/b.py"]);
        assert_eq!(fs_err::read_to_string(&files[1].1).unwrap(), "A = 1\n");
        assert!(passes(&root, &[], "alias/a.py"));
    }

    #[test]
    fn a_dangling_link_is_passed_over_and_a_loop_is_a_problem() {
        let (_dir, root) = project();
        std::os::unix::fs::symlink("user@host.1234", root.join("pkg/.#a.py")).unwrap();
        let containment = Containment::new(&root, &[]);
        let files = containment.files_under(&root.join("pkg"), &root).unwrap();
        assert_eq!(files.len(), 1);
        std::os::unix::fs::symlink("..", root.join("pkg/up")).unwrap();
        let err = containment
            .files_under(&root.join("pkg"), &root)
            .unwrap_err();
        assert!(matches!(err, PathProblem::Walk { .. }), "{err}");
    }

    #[test]
    fn a_non_utf8_file_name_is_a_problem_not_a_replacement_character() {
        use std::os::unix::ffi::OsStrExt;
        let (_dir, root) = project();
        let name = std::ffi::OsStr::from_bytes(b"bad\xff.py");
        fs_err::write(root.join("pkg").join(name), "").unwrap();
        let err = Containment::new(&root, &[])
            .files_under(&root.join("pkg"), &root)
            .unwrap_err();
        assert!(matches!(err, PathProblem::NotUtf8 { .. }), "{err}");
    }
}
