//! `cffi-wheel import`: a setuptools + `cffi_modules` project → a recipe.
//!
//! setup.py runs with `setup()` replaced by a recorder (nothing is built) and setup.cfg is
//! read; each `cffi_modules` build script is then either converted into recipe keys (its
//! cdef, source and `set_source` arguments, when the script takes no decision at build time)
//! or kept as `script:` (when it looks at `sys.platform`, the environment, …).

mod yaml;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Deserialize;

use crate::codegen::{self, CodegenError, Isolation, ScriptDescription};
use crate::recipe::ScriptRef;

const SETUP_PROBE: &str = include_str!("setup_probe.py");

/// What setup.py and setup.cfg say.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SetupInfo {
    /// Distribution name.
    pub name: Option<String>,
    /// Version.
    pub version: Option<String>,
    /// Summary.
    pub description: Option<String>,
    /// License.
    pub license: Option<String>,
    /// Author's name.
    pub author: Option<String>,
    /// Author's email.
    pub author_email: Option<String>,
    /// `python_requires`.
    pub python_requires: Option<String>,
    /// `install_requires`.
    #[serde(default)]
    pub install_requires: Vec<String>,
    /// Dotted package names.
    #[serde(default)]
    pub packages: Vec<String>,
    /// `package_dir`.
    #[serde(default)]
    pub package_dir: BTreeMap<String, String>,
    /// `ext_package`.
    pub ext_package: Option<String>,
    /// `cffi_modules` entries (`path/build.py:ffibuilder`).
    #[serde(default)]
    pub cffi_modules: Vec<String>,
}

/// One module of the imported recipe.
#[derive(Debug, Clone)]
pub enum ImportedModule {
    /// Kept as `script:` (the script decides things at build time).
    Script {
        /// `path:attribute`.
        script: String,
        /// `ext_package`.
        ext_package: Option<String>,
        /// Why it was kept.
        reason: String,
    },
    /// Converted to recipe keys.
    Inline {
        /// Dotted name.
        name: String,
        /// What the script's FFI said.
        description: Box<ScriptDescription>,
    },
}

/// Import failures.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// Running setup.py failed.
    #[error("reading {root}/setup.py failed: {message}")]
    Setup {
        /// The project.
        root: PathBuf,
        /// What happened.
        message: String,
    },
    /// Nothing to import.
    #[error("{root} has no cffi_modules in setup.py or setup.cfg; nothing to import")]
    NoCffiModules {
        /// The project.
        root: PathBuf,
    },
    /// setup.py / setup.cfg give no literal version: setuptools computes it when it runs.
    #[error(
        "{root}: setup.py and setup.cfg give no literal version ({found}): setuptools computes it \
         when it runs (`attr:`, setuptools-scm, a version file), and a recipe needs a literal one\n\
         help: build the project as it is with `cffi-wheel build {root}` (its own backend \
         computes the version), or write the recipe by hand with a literal `version:`"
    )]
    NoLiteralVersion {
        /// The project.
        root: PathBuf,
        /// What was found instead.
        found: String,
    },
    /// The recipe exists.
    #[error("{path} exists; pass --force to overwrite it")]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// Running a build script failed.
    #[error(transparent)]
    Codegen(#[from] CodegenError),
    /// File system trouble.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Runs setup.py (recording `setup()`'s arguments) and reads setup.cfg.
pub fn read_setup(python: &Path, root: &Path) -> Result<SetupInfo, MigrateError> {
    let setup_error = |message: String| MigrateError::Setup {
        root: root.to_path_buf(),
        message,
    };
    let mut child = Command::new(python)
        .args(["-s", "-B", "-c", SETUP_PROBE])
        .current_dir(root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(serde_json::json!({ "root": root }).to_string().as_bytes())?;
    }
    let output = child.wait_with_output()?;
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).map_err(|e| {
        setup_error(format!(
            "{e}: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    })?;
    if value.get("ok") != Some(&serde_json::Value::Bool(true)) {
        let message = value
            .get("message")
            .and_then(|m| m.as_str())
            .unwrap_or("failed");
        return Err(setup_error(message.to_string()));
    }
    serde_json::from_value(value).map_err(|e| setup_error(e.to_string()))
}

/// Why a build script must stay a script: it decides something when it runs.
pub fn dynamic_reason(script_text: &str) -> Option<String> {
    const MARKERS: &[(&str, &str)] = &[
        ("sys.platform", "it chooses by sys.platform"),
        ("platform.", "it chooses by platform"),
        ("os.environ", "it reads the environment"),
        ("getenv", "it reads the environment"),
        ("sys.version", "it chooses by Python version"),
        ("sys.maxsize", "it chooses by pointer size"),
        ("subprocess", "it runs commands"),
        ("pkgconfig", "it asks pkg-config"),
        ("glob", "it globs files"),
    ];
    MARKERS
        .iter()
        .find(|(marker, _)| script_text.contains(marker))
        .map(|(_, why)| why.to_string())
}

/// Imports the project at `root`: returns the modules (converted or kept as scripts).
pub fn import_modules(
    python: &Path,
    root: &Path,
    setup: &SetupInfo,
) -> Result<Vec<ImportedModule>, MigrateError> {
    let mut modules = Vec::new();
    for entry in &setup.cffi_modules {
        let (path, attribute) = entry
            .rsplit_once(':')
            .unwrap_or((entry.as_str(), "ffibuilder"));
        let text = fs_err::read_to_string(root.join(path))?;
        if let Some(reason) = dynamic_reason(&text) {
            modules.push(ImportedModule::Script {
                script: entry.clone(),
                ext_package: setup.ext_package.clone(),
                reason,
            });
            continue;
        }
        let script = ScriptRef {
            path: path.to_string(),
            attribute: attribute.to_string(),
            ext_package: setup.ext_package.clone(),
        };
        let description = codegen::describe_script(python, Isolation::Isolated, root, &script)?;
        let name = match &setup.ext_package {
            Some(package) => format!("{package}.{}", description.module),
            None => description.module.clone(),
        };
        modules.push(ImportedModule::Inline {
            name,
            description: Box::new(description),
        });
    }
    Ok(modules)
}

/// Package directories (relative to the root) of setup.py's top-level packages.
pub fn package_dirs(root: &Path, setup: &SetupInfo) -> Vec<String> {
    let mut dirs: Vec<String> = setup
        .packages
        .iter()
        .filter(|p| !p.contains('.'))
        .map(
            |p| match (setup.package_dir.get(p), setup.package_dir.get("")) {
                (Some(dir), _) => dir.clone(),
                (None, Some(base)) if !base.is_empty() => {
                    format!("{}/{p}", base.trim_end_matches('/'))
                }
                _ => p.clone(),
            },
        )
        .filter(|dir| root.join(dir).is_dir())
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs
}

/// Writes the recipe as `cffi-wheel.yaml` in `root`.
pub fn write_recipe(
    root: &Path,
    setup: &SetupInfo,
    modules: &[ImportedModule],
    force: bool,
) -> Result<PathBuf, MigrateError> {
    if setup.cffi_modules.is_empty() {
        return Err(MigrateError::NoCffiModules {
            root: root.to_path_buf(),
        });
    }
    let literal = setup
        .version
        .as_deref()
        .filter(|v| <pep440_rs::Version as std::str::FromStr>::from_str(v.trim()).is_ok());
    if literal.is_none() {
        return Err(MigrateError::NoLiteralVersion {
            root: root.to_path_buf(),
            found: setup
                .version
                .as_ref()
                .map_or_else(|| "none".to_string(), |v| format!("`{v}`")),
        });
    }
    let path = root.join(crate::recipe::RECIPE_FILE);
    if path.exists() && !force {
        return Err(MigrateError::Exists { path });
    }
    let fallback_name = root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "project".into());
    let text = yaml::render(setup, &package_dirs(root, setup), modules, &fallback_name);
    fs_err::write(&path, text)?;
    Ok(path)
}
