//! Recognising a setuptools project: its `[build-system]` (PEP 517/518) and, in an sdist,
//! its `PKG-INFO`.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::SetuptoolsError;

/// PEP 517's fallback when pyproject.toml has no `[build-system]` table.
const LEGACY_BACKEND: &str = "setuptools.build_meta:__legacy__";
/// The requirements pip uses for a project without `[build-system]`.
const LEGACY_REQUIRES: &str = "setuptools>=40.8.0";

/// A project built by setuptools through its own build backend.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SetuptoolsProject {
    /// The project directory (absolute).
    pub root: PathBuf,
    /// `build-backend`, e.g. `setuptools.build_meta`.
    pub backend: String,
    /// `backend-path` entries (in-tree backends), relative to the root.
    pub backend_path: Vec<String>,
    /// `[build-system] requires`.
    pub requires: Vec<String>,
    /// `PKG-INFO` when the directory is an unpacked sdist.
    pub pkg_info: Option<PathBuf>,
}

impl SetuptoolsProject {
    /// The same project in a copy of its tree at `root`.
    pub fn at(&self, root: PathBuf) -> SetuptoolsProject {
        let pkg_info = self.pkg_info.as_ref().and_then(|p| {
            p.strip_prefix(&self.root)
                .ok()
                .map(|relative| root.join(relative))
        });
        SetuptoolsProject {
            root,
            pkg_info,
            ..self.clone()
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct PyprojectToml {
    #[serde(rename = "build-system")]
    build_system: Option<BuildSystem>,
}

#[derive(Debug, Deserialize)]
struct BuildSystem {
    requires: Option<Vec<String>>,
    #[serde(rename = "build-backend")]
    build_backend: Option<String>,
    #[serde(rename = "backend-path", default)]
    backend_path: Vec<String>,
}

/// What a directory without a cffi-wheel recipe is.
#[derive(Debug, Clone)]
pub enum Detected {
    /// A setuptools project.
    Setuptools(SetuptoolsProject),
    /// A project with another build backend (named).
    OtherBackend(String),
    /// No setup.py and no `[build-system]`.
    Nothing,
}

/// What the directory `root` holds: a setuptools project, another backend's, or neither.
pub fn detect(root: &Path) -> Result<Detected, SetuptoolsError> {
    let pyproject_path = root.join("pyproject.toml");
    let pyproject: PyprojectToml = match fs_err::read_to_string(&pyproject_path) {
        Ok(text) => toml::from_str(&text).map_err(|e| SetuptoolsError::Pyproject {
            path: pyproject_path.clone(),
            message: e.to_string().trim_end().to_string(),
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => PyprojectToml::default(),
        Err(e) => return Err(e.into()),
    };
    let has_setup_py = root.join("setup.py").is_file();
    let (backend, backend_path, requires) = match pyproject.build_system {
        Some(system) => {
            let requires = system.requires.ok_or_else(|| SetuptoolsError::Pyproject {
                path: pyproject_path.clone(),
                message: "[build-system] has no `requires` list (PEP 518 makes it mandatory)\n\
                          help: add `requires = [\"setuptools\"]` to [build-system]"
                    .into(),
            })?;
            let backend = system
                .build_backend
                .unwrap_or_else(|| LEGACY_BACKEND.to_string());
            (backend, system.backend_path, requires)
        }
        None if has_setup_py => (
            LEGACY_BACKEND.to_string(),
            Vec::new(),
            vec![LEGACY_REQUIRES.to_string()],
        ),
        None => return Ok(Detected::Nothing),
    };
    let in_tree_setuptools = !backend_path.is_empty()
        && requires
            .iter()
            .any(|r| r.trim_start().starts_with("setuptools"));
    if !(backend.starts_with("setuptools.build_meta") || in_tree_setuptools) {
        return Ok(Detected::OtherBackend(backend));
    }
    let pkg_info = Some(root.join("PKG-INFO")).filter(|p| p.is_file());
    Ok(Detected::Setuptools(SetuptoolsProject {
        root: root.to_path_buf(),
        backend,
        backend_path,
        requires,
        pkg_info,
    }))
}

/// The value of a core-metadata header (`Name`, `Version`, `Requires-Python`) in the header
/// block of METADATA or PKG-INFO text.
pub fn pkg_info_field(text: &str, field: &str) -> Option<String> {
    text.lines()
        .take_while(|line| !line.is_empty())
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case(field))
        .map(|(_, value)| value.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            fs_err::write(dir.path().join(name), text).unwrap();
        }
        dir
    }

    #[test]
    fn a_setup_py_without_pyproject_uses_the_legacy_backend() {
        let dir = project(&[("setup.py", "")]);
        let Detected::Setuptools(found) = detect(dir.path()).unwrap() else {
            panic!("not detected");
        };
        assert_eq!(found.backend, LEGACY_BACKEND);
        assert_eq!(found.requires, vec![LEGACY_REQUIRES.to_string()]);
        assert!(found.pkg_info.is_none());
    }

    #[test]
    fn a_setuptools_build_system_is_taken_as_written() {
        let dir = project(&[
            (
                "pyproject.toml",
                "[build-system]\nrequires = [\"setuptools>=61\", \"cffi\"]\n\
                 build-backend = \"setuptools.build_meta\"\n",
            ),
            ("PKG-INFO", "Metadata-Version: 2.1\nName: x\n"),
        ]);
        let Detected::Setuptools(found) = detect(dir.path()).unwrap() else {
            panic!("not detected");
        };
        assert_eq!(found.backend, "setuptools.build_meta");
        assert_eq!(found.requires, ["setuptools>=61", "cffi"]);
        assert!(found.pkg_info.is_some());
    }

    #[test]
    fn another_backend_is_not_a_setuptools_project() {
        let dir = project(&[(
            "pyproject.toml",
            "[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n",
        )]);
        assert!(
            matches!(detect(dir.path()).unwrap(), Detected::OtherBackend(b) if b == "hatchling.build")
        );
        let empty = project(&[]);
        assert!(matches!(detect(empty.path()).unwrap(), Detected::Nothing));
    }

    #[test]
    fn a_malformed_pyproject_is_reported_with_its_position() {
        let dir = project(&[("setup.py", ""), ("pyproject.toml", "[build-system\n")]);
        let err = detect(dir.path()).unwrap_err().to_string();
        assert!(err.contains("pyproject.toml"), "{err}");
        assert!(err.contains("line 1"), "{err}");
    }

    #[test]
    fn a_build_system_without_requires_is_an_error() {
        let dir = project(&[(
            "pyproject.toml",
            "[build-system]\nbuild-backend = \"setuptools.build_meta\"\n",
        )]);
        let err = detect(dir.path()).unwrap_err().to_string();
        assert!(err.contains("no `requires`"), "{err}");
    }

    #[test]
    fn pkg_info_fields_are_read_from_the_header_block_only() {
        let text = "Metadata-Version: 2.1\nName: coincurve\nVersion: 20.0.0\n\
                    Requires-Python: >=3.8\n\nRequires-Python: body text\n";
        assert_eq!(pkg_info_field(text, "name").as_deref(), Some("coincurve"));
        assert_eq!(
            pkg_info_field(text, "Requires-Python").as_deref(),
            Some(">=3.8")
        );
        assert_eq!(pkg_info_field(text, "Summary"), None);
    }
}
