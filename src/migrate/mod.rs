//! `cffi-wheel import`: a setuptools + `cffi_modules` project → a recipe.
//!
//! setup.py runs with `setup()` replaced by a recorder (nothing is built) and setup.cfg is
//! read; each `cffi_modules` build script is then either converted into recipe keys (its
//! cdef, source and `set_source` arguments, when the script takes no decision at build time)
//! or kept as `script:` (when it looks at `sys.platform`, the environment, …).

pub mod metadata;
mod yaml;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::codegen::{self, CodegenError, ScriptDescription};
use crate::python_helper::{self, Isolation, Reply};
use crate::recipe::ScriptRef;
use crate::setuptools::{HollowBuild, PreparedMetadata};

const SETUP_PROBE: python_helper::Script = python_helper::Script {
    name: "setup_probe.py",
    text: include_str!("setup_probe.py"),
};

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
    #[error(
        "reading {root}/setup.py failed: {message}\nhelp: import runs setup.py with `setup()` \
         replaced by a recorder; if it needs to build or run something first, build the project \
         as it is with `cffi-wheel build {root}`"
    )]
    Setup {
        /// The project.
        root: PathBuf,
        /// What happened, with the traceback.
        message: String,
    },
    /// setup.cfg does not parse.
    #[error(
        "{root}/setup.cfg is not a valid setup.cfg: {message}\nhelp: fix the file; setuptools \
             would refuse it too"
    )]
    SetupCfg {
        /// The project.
        root: PathBuf,
        /// configparser's message (it names the line).
        message: String,
    },
    /// The setup reader itself failed.
    #[error(
        "reading {root}/setup.py and setup.cfg failed: {message}\nhelp: this is a bug in \
         cffi-wheel; please report it with this output"
    )]
    SetupProbe {
        /// The project.
        root: PathBuf,
        /// What happened, with the traceback.
        message: String,
    },
    /// setup.py could not be run, ran out of time or gave no readable answer.
    #[error("reading {root}/setup.py failed")]
    Helper {
        /// The project.
        root: PathBuf,
        /// The cause.
        #[source]
        source: Box<python_helper::HelperError>,
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
    /// The project does something a recipe cannot say.
    #[error(
        "{root} cannot be imported without losing something:\n{}\nhelp: build the project as it \
         is with `cffi-wheel build {root}`: its own setuptools then does these parts",
        reasons.iter().map(|r| format!("  - {r}")).collect::<Vec<_>>().join("\n")
    )]
    Inexpressible {
        /// The project.
        root: PathBuf,
        /// Each thing a recipe cannot express.
        reasons: Vec<String>,
    },
    /// The backend's METADATA cannot be read.
    #[error("{path}: {message}")]
    Metadata {
        /// The METADATA file.
        path: PathBuf,
        /// What is wrong.
        message: String,
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
    /// The recipe could not be written.
    #[error(transparent)]
    Write(#[from] crate::cleanup::WriteError),
    /// setuptools' build ran for no target, so there is nothing to compare the recipe with.
    #[error("setuptools' build ran for no target; pass a CPython with -i")]
    NoBuild,
    /// The recipe value could not be serialized as YAML.
    #[error("the imported recipe could not be written as YAML")]
    Yaml(#[source] serde_norway::Error),
}

/// The errors `setup_probe.py` reports, by `kind`.
#[derive(Debug, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum SetupFailure {
    /// setup.py raised.
    SetupPy {
        message: String,
        #[serde(default)]
        traceback: String,
    },
    /// setup.cfg is not a valid INI file.
    SetupCfg { message: String },
    /// The helper itself failed.
    Internal {
        message: String,
        #[serde(default)]
        traceback: String,
    },
}

impl SetupFailure {
    fn into_error(self, root: &Path) -> MigrateError {
        let root = root.to_path_buf();
        match self {
            SetupFailure::SetupPy { message, traceback } => MigrateError::Setup {
                root,
                message: format!("{message}\n{}", traceback.trim_end()),
            },
            SetupFailure::SetupCfg { message } => MigrateError::SetupCfg { root, message },
            SetupFailure::Internal { message, traceback } => MigrateError::SetupProbe {
                root,
                message: format!("{message}\n{}", traceback.trim_end()),
            },
        }
    }
}

/// Runs setup.py (recording `setup()`'s arguments) and reads setup.cfg.
pub fn read_setup(python: &Path, root: &Path) -> Result<SetupInfo, MigrateError> {
    #[derive(Serialize)]
    struct Request<'a> {
        root: &'a Path,
    }
    // `-s`, not `-I`: setup.py imports from its own tree (cwd) as it does under setuptools.
    let reply: Reply<SetupInfo, SetupFailure> = python_helper::call(
        python,
        SETUP_PROBE,
        Isolation::InheritPath,
        Some(root),
        &Request { root },
        crate::env_vars::step_timeout(),
    )
    .map_err(|source| MigrateError::Helper {
        root: root.to_path_buf(),
        source: Box::new(source),
    })?;
    reply
        .into_result()
        .map_err(|failure| failure.into_error(root))
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
    host: &codegen::Host,
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
            // Run once now, as the build will: what it makes in the tree (python-olm's
            // script builds libolm) is then part of the tree import compares against.
            let script = ScriptRef {
                path: path.to_string(),
                attribute: attribute.to_string(),
                ext_package: setup.ext_package.clone(),
            };
            codegen::describe_script(&host.python, host.isolation, root, &script)?;
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
        let description = codegen::describe_script(&host.python, host.isolation, root, &script)?;
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

/// Refuses a project without cffi modules or without a literal version.
pub fn check_importable(root: &Path, setup: &SetupInfo) -> Result<(), MigrateError> {
    if setup.cffi_modules.is_empty() {
        return Err(MigrateError::NoCffiModules {
            root: root.to_path_buf(),
        });
    }
    let literal = setup
        .version
        .as_deref()
        .filter(|v| <pep440_rs::Version as std::str::FromStr>::from_str(v.trim()).is_ok());
    if literal.is_none() && static_pyproject_version(root).is_none() {
        return Err(MigrateError::NoLiteralVersion {
            root: root.to_path_buf(),
            found: setup
                .version
                .as_ref()
                .map_or_else(|| "none".to_string(), |v| format!("`{v}`")),
        });
    }
    Ok(())
}

/// `[project] version` of pyproject.toml, when it is written there and not `dynamic`.
fn static_pyproject_version(root: &Path) -> Option<String> {
    let text = fs_err::read_to_string(root.join("pyproject.toml")).ok()?;
    let table: toml::Table = text.parse().ok()?;
    let project = table.get("project")?.as_table()?;
    let dynamic = project
        .get("dynamic")
        .and_then(|d| d.as_array())
        .is_some_and(|d| d.iter().any(|v| v.as_str() == Some("version")));
    let version = project.get("version")?.as_str()?;
    (!dynamic).then(|| version.to_string())
}

/// Writes the recipe as `cffi-wheel.yaml` in `root`.
pub fn write_recipe(
    root: &Path,
    project: &ProjectImport,
    modules: &[ImportedModule],
    force: bool,
) -> Result<PathBuf, MigrateError> {
    let path = root.join(crate::recipe::RECIPE_FILE);
    if path.exists() && !force {
        return Err(MigrateError::Exists { path });
    }
    let text = yaml::render(project, modules)?;
    crate::cleanup::write_atomically(&path, text.as_bytes())?;
    Ok(path)
}

/// What setuptools made of the project under one interpreter: what `import` checks the
/// recipe against.
#[derive(Debug, Clone, Copy)]
pub struct BackendView<'a> {
    /// `prepare_metadata_for_build_wheel`'s `.dist-info`.
    pub metadata: &'a PreparedMetadata,
    /// `build_wheel`'s run with compiling recorded.
    pub build: &'a HollowBuild,
    /// cffi-wheel's build directory (setuptools' build directory was inside it).
    pub build_dir: &'a Path,
    /// The project's files and directories before setuptools ran (absolute).
    pub before: &'a std::collections::BTreeSet<PathBuf>,
    /// The project directory.
    pub root: &'a Path,
}

/// The files and directories under `root`, `build_dir` left out: what [`BackendView::before`]
/// holds.
pub fn tree_paths(root: &Path, build_dir: &Path) -> std::collections::BTreeSet<PathBuf> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_entry(|e| !e.path().starts_with(build_dir))
        .filter_map(Result::ok)
        .map(walkdir::DirEntry::into_path)
        .collect()
}

/// `path` with `.` and `..` resolved by text.
pub(crate) fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The project as a recipe will say it.
#[derive(Debug, Clone)]
pub struct ProjectImport {
    /// The project directory.
    pub root: PathBuf,
    /// The backend's METADATA.
    pub metadata: metadata::MetadataFile,
    /// The readme file whose text is the long description.
    pub readme: Option<String>,
    /// Entry point groups (`console_scripts`, `gui_scripts`, others).
    pub entry_points: Vec<(String, Vec<(String, String)>)>,
    /// Package directories (relative to the root).
    pub packages: Vec<String>,
    /// Top-level modules (`name` of `name.py`).
    pub py_modules: Vec<String>,
    /// What the recipe's wheels will hold or say differently, reported to the user.
    pub notes: Vec<String>,
}

/// Checks that a recipe can say everything setuptools does for this project, and gathers
/// what it will say; [`MigrateError::Inexpressible`] lists each part it cannot.
pub fn import_from_backend(
    root: &Path,
    setup: &SetupInfo,
    modules: &[ImportedModule],
    view: BackendView<'_>,
) -> Result<ProjectImport, MigrateError> {
    let mut reasons = Vec::new();
    let meta_path = view.metadata.dir.join("METADATA");
    let file = metadata::MetadataFile::parse(&view.metadata.metadata);
    for value in file.all("Requires-Dist") {
        if metadata::split_requirement(value).is_none() {
            reasons.push(format!(
                "Requires-Dist `{value}`: its marker names an extra in a way a recipe's \
                 optional_dependencies cannot say"
            ));
        }
    }
    if file.first("Name").is_none() || file.first("Version").is_none() {
        return Err(MigrateError::Metadata {
            path: meta_path,
            message: "no Name or Version".into(),
        });
    }
    check_extensions(modules, view, &mut reasons);
    let Shipped {
        packages,
        py_modules,
        notes,
    } = check_files(root, package_dirs(root, setup), view.build, &mut reasons)?;
    let readme = match file.description.as_deref().filter(|d| !d.trim().is_empty()) {
        Some(description) => {
            let found = metadata::readme_file(root, description);
            if found.is_none() {
                reasons.push(
                    "the long description is not the text of a README file (setup.py builds \
                     it), and a recipe's readme names a file"
                        .into(),
                );
            }
            found
        }
        None => None,
    };
    for field in ["Platform", "Supported-Platform"] {
        if let Some(value) = file.first(field) {
            reasons.push(format!("{field}: {value} (a recipe has no such key yet)"));
        }
    }
    let entry_points = view
        .metadata
        .files
        .iter()
        .find(|(name, _)| name == "entry_points.txt")
        .map(|(_, bytes)| metadata::parse_entry_points(&String::from_utf8_lossy(bytes)))
        .unwrap_or_default();
    if !reasons.is_empty() {
        return Err(MigrateError::Inexpressible {
            root: root.to_path_buf(),
            reasons,
        });
    }
    Ok(ProjectImport {
        root: root.to_path_buf(),
        metadata: file,
        readme,
        entry_points,
        packages,
        py_modules,
        notes,
    })
}

/// Every Extension must be one of the cffi modules, built from what its script names.
fn check_extensions(modules: &[ImportedModule], view: BackendView<'_>, reasons: &mut Vec<String>) {
    let scripts = modules
        .iter()
        .filter(|m| matches!(m, ImportedModule::Script { .. }))
        .count();
    let mut unmatched_scripts = scripts;
    for ext in &view.build.extensions {
        let module = modules.iter().find_map(|m| match m {
            ImportedModule::Inline { name, description } if *name == ext.name => {
                Some(description.as_ref())
            }
            _ => None,
        });
        if module.is_none() {
            if unmatched_scripts > 0 && ext.py_limited_api {
                unmatched_scripts -= 1;
            } else {
                reasons.push(format!(
                    "extension `{}` is not one of the cffi_modules (a plain C extension, or \
                     one setup.py makes itself); a recipe builds cffi modules only",
                    ext.name
                ));
                continue;
            }
        }
        // Made by setuptools' run: in its build directory, or new in the project's tree (a
        // custom build_ext that builds a static library in place, as pyguetzli's does).
        let made = ext
            .include_dirs
            .iter()
            .chain(&ext.library_dirs)
            .chain(&ext.extra_objects)
            .map(|p| lexical(p))
            .find(|p| {
                p.starts_with(view.build_dir)
                    || (p.starts_with(view.root) && !view.before.contains(p))
            });
        if let Some(path) = made {
            reasons.push(format!(
                "extension `{}` uses {}, which setuptools built first (build_clib, or a custom \
                 build_ext step); a recipe's prebuild step would have to do that",
                ext.name,
                path.display()
            ));
        }
        if let Some(description) = module {
            let extra: Vec<&String> = ext
                .libraries
                .iter()
                .filter(|l| !description.settings.libraries.contains(l))
                .collect();
            if !extra.is_empty() {
                let names: Vec<String> = extra.iter().map(|l| format!("-l{l}")).collect();
                reasons.push(format!(
                    "extension `{}` links {}, which its build script does not name \
                     (setup(libraries=...) via build_clib, or a custom build_ext adds it)",
                    ext.name,
                    names.join(" ")
                ));
            }
        }
    }
}

/// What the recipe ships, as `check_files` found it.
struct Shipped {
    packages: Vec<String>,
    py_modules: Vec<String>,
    notes: Vec<String>,
}

/// The files of setuptools' wheel against what the recipe ships: package directories whole,
/// top-level modules. Returns the top-level modules and notes on files only the recipe
/// ships.
fn check_files(
    root: &Path,
    mut packages: Vec<String>,
    build: &HollowBuild,
    reasons: &mut Vec<String>,
) -> Result<Shipped, MigrateError> {
    let archive = fs_err::File::open(&build.wheel)?;
    let mut archive = zip::ZipArchive::new(archive).map_err(std::io::Error::other)?;
    let names: Vec<String> = (0..archive.len())
        .filter_map(|i| archive.by_index(i).ok().map(|f| f.name().to_string()))
        .filter(|n| !n.ends_with('/'))
        .collect();
    let import_name = |dir: &String| dir.rsplit('/').next().unwrap_or(dir).to_string();
    // The packages of setuptools' wheel (found by `find:`, `[tool.setuptools]` or
    // setup.py), each at the project directory of that name, or under `src/`.
    for name in &names {
        let Some((top, _)) = name.split_once('/') else {
            continue;
        };
        if top.ends_with(".dist-info")
            || top.ends_with(".data")
            || packages.iter().any(|p| import_name(p) == top)
        {
            continue;
        }
        if let Some(dir) = [top.to_string(), format!("src/{top}")]
            .into_iter()
            .find(|dir| root.join(dir).is_dir())
        {
            packages.push(dir);
        }
    }
    packages.sort();
    let package_names: Vec<String> = packages.iter().map(import_name).collect();
    let mut py_modules = Vec::new();
    let mut shipped = std::collections::BTreeSet::new();
    for name in &names {
        let (top, _) = name.split_once('/').unwrap_or(("", name));
        if top.ends_with(".dist-info") {
            continue;
        }
        if top.ends_with(".data") {
            reasons.push(format!(
                "{name}: data_files or scripts installed outside the packages; a recipe ships \
                 packages and modules only"
            ));
        } else if top.is_empty() && name.ends_with(".py") {
            let module = name.trim_end_matches(".py");
            match ["", "src/"]
                .into_iter()
                .find(|dir| root.join(format!("{dir}{name}")).is_file())
            {
                Some(dir) => py_modules.push(format!("{dir}{module}")),
                None => reasons.push(format!(
                    "{name}: setuptools' build writes it (it is not in the project's tree)"
                )),
            }
        } else if top.is_empty() {
            reasons.push(format!("{name}: a top-level file that is not a module"));
        } else if let Some(index) = package_names.iter().position(|p| p == top) {
            let relative = &name[top.len() + 1..];
            let source = root.join(&packages[index]).join(relative);
            if !source.is_file() {
                reasons.push(format!(
                    "{name}: setuptools' build writes it (it is not in the project's tree)"
                ));
            }
            shipped.insert(name.clone());
        } else {
            reasons.push(format!(
                "{name}: in `{top}`, not a package directory import found ({})",
                if packages.is_empty() {
                    "none".to_string()
                } else {
                    packages.join(", ")
                }
            ));
        }
    }
    let mut notes = Vec::new();
    for (dir, name) in packages.iter().zip(&package_names) {
        for entry in walkdir::WalkDir::new(root.join(dir))
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.file_name() != "__pycache__")
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
        {
            let path = entry.path();
            let compiled = path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e, "pyc" | "pyo" | "so" | "o" | "pyd"));
            let Ok(relative) = path.strip_prefix(root.join(dir)) else {
                continue;
            };
            let archive_name = format!("{name}/{}", relative.to_string_lossy());
            if !compiled && !shipped.contains(&archive_name) {
                notes.push(format!(
                    "{archive_name}: the recipe ships it (packages are copied whole); \
                     setuptools' wheel leaves it out"
                ));
            }
        }
    }
    py_modules.sort();
    Ok(Shipped {
        packages,
        py_modules,
        notes,
    })
}

#[cfg(test)]
mod tests;
