//! Recipe + interpreters + selectors → Targets: one per distinct ABI.
//!
//! Decision 2 of the architecture: all GIL, non-debug CPythons share one `cp3M-abi3` build
//! against the lowest of them; PyPy, free-threaded and debug CPythons (and recipes that set
//! `limited_api: false`) get one build per ABI. Nothing here runs anything.

pub mod cffi;

use std::str::FromStr;

use serde::Serialize;

use crate::interpreter::{Implementation, Interpreter};
use crate::recipe::{LimitedApi, Recipe};
use crate::tags::{AbiTag, PlatformTag, PythonTag, TagError, WheelTag};

pub use cffi::{CODEGEN_CFFI_VERSION, MIN_CFFI_RUNTIME};

/// How the C for a Target is generated.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Flavour {
    /// The managed environment's pinned cffi (shared by every CPython target).
    Managed {
        /// Pinned cffi version.
        cffi: String,
    },
    /// The interpreter's own cffi (PyPy's built-in one).
    Builtin {
        /// The interpreter's identifier, e.g. `pp39`.
        interpreter: String,
        /// Its cffi version.
        cffi: String,
    },
}

impl Flavour {
    /// A short stable key for caches and directories, e.g. `cffi-2.1.1`, `pp39-cffi-1.15.1`.
    pub fn key(&self) -> String {
        match self {
            Flavour::Managed { cffi } => format!("cffi-{cffi}"),
            Flavour::Builtin { interpreter, cffi } => format!("{interpreter}-cffi-{cffi}"),
        }
    }
}

/// One build: one extension per module, one wheel.
#[derive(Debug, Clone, Serialize)]
pub struct Target {
    /// `python-abi` tag pair, e.g. `cp38-abi3`, `pp39-pypy39_pp73`, `cp313-cp313t`.
    pub id: String,
    /// The wheel tag.
    pub tag: WheelTag,
    /// File suffix of the extension, e.g. `.abi3.so`.
    pub ext_suffix: String,
    /// Whether the module uses the limited API.
    pub limited_api: bool,
    /// The interpreter whose headers the module is compiled against.
    pub build_interpreter: Interpreter,
    /// Every interpreter this target's wheel serves (for verification).
    pub interpreters: Vec<Interpreter>,
    /// How the C is generated.
    pub flavour: Flavour,
}

/// An interpreter that is not built for, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    /// The interpreter's identifier.
    pub interpreter: String,
    /// Its executable.
    pub executable: std::path::PathBuf,
    /// Why.
    pub reason: String,
}

/// The whole plan.
#[derive(Debug, Clone, Serialize)]
pub struct BuildPlan {
    /// Distribution name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Module names.
    pub modules: Vec<String>,
    /// Targets in a stable order.
    pub targets: Vec<Target>,
    /// Interpreters left out.
    pub skipped: Vec<Skipped>,
}

/// Why no plan could be made.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// Nothing to build for.
    #[error("no interpreter to build for{detail}")]
    NoInterpreters {
        /// What was found and left out.
        detail: String,
    },
    /// An interpreter reported data that does not make a tag.
    #[error("interpreter {executable} reports values that make no wheel tag")]
    Tag {
        /// The interpreter.
        executable: std::path::PathBuf,
        /// The cause.
        #[source]
        source: TagError,
    },
    /// No interpreter of a target has its C headers.
    #[error(
        "no interpreter for {target} has Python.h ({}); install the development headers \
         (e.g. Debian's python3-dev or pypy3-dev) or build with another interpreter",
        interpreters.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    )]
    NoHeaders {
        /// The target.
        target: String,
        /// Its interpreters.
        interpreters: Vec<std::path::PathBuf>,
    },
    /// A PyPy without cffi (it always ships one, so something is broken).
    #[error("{executable} is PyPy without an importable cffi; reinstall PyPy")]
    PyPyWithoutCffi {
        /// The interpreter.
        executable: std::path::PathBuf,
    },
}

/// Which interpreters to use: selectors from the command line or the recipe.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Selectors to keep (empty: all).
    pub select: Vec<String>,
    /// Selectors to drop.
    pub skip: Vec<String>,
}

/// What planning needs to know of a project, whichever way it is described (a recipe, or a
/// setuptools project whose backend was asked).
#[derive(Debug, Clone)]
pub struct ProjectShape {
    /// Distribution name.
    pub name: String,
    /// Version.
    pub version: String,
    /// `Requires-Python`.
    pub requires_python: Option<pep440_rs::VersionSpecifiers>,
    /// Module names (for display).
    pub modules: Vec<String>,
    /// Every module can use the limited API: CPythons share one abi3 build.
    pub abi3_allowed: bool,
    /// A module requires the limited API: interpreters that cannot use it are left out.
    pub abi3_required: bool,
}

impl From<&Recipe> for ProjectShape {
    fn from(recipe: &Recipe) -> Self {
        ProjectShape {
            name: recipe.package.name.clone(),
            version: recipe.package.version.to_string(),
            requires_python: recipe.package.requires_python.clone(),
            modules: recipe
                .modules
                .iter()
                .map(|m| match (&m.script, m.name.is_empty()) {
                    // Named by the script's set_source, known once it has run.
                    (Some(script), true) => {
                        format!("(from {}:{})", script.path, script.attribute)
                    }
                    _ => m.name.clone(),
                })
                .collect(),
            abi3_allowed: recipe
                .modules
                .iter()
                .all(|m| m.limited_api != LimitedApi::False),
            abi3_required: recipe
                .modules
                .iter()
                .any(|m| m.limited_api == LimitedApi::True),
        }
    }
}

/// Makes the plan for `recipe` over `interpreters` (already discovered and probed).
pub fn plan(
    recipe: &Recipe,
    interpreters: &[Interpreter],
    selection: &Selection,
) -> Result<BuildPlan, PlanError> {
    plan_project(&ProjectShape::from(recipe), interpreters, selection)
}

/// Makes the plan for a project of `shape` over `interpreters`.
pub fn plan_project(
    shape: &ProjectShape,
    interpreters: &[Interpreter],
    selection: &Selection,
) -> Result<BuildPlan, PlanError> {
    let mut skipped = Vec::new();
    let mut chosen = Vec::new();
    for interp in interpreters {
        match exclusion(shape, interp, selection) {
            Some(reason) => skipped.push(Skipped {
                interpreter: interp.identifier(),
                executable: interp.executable.clone(),
                reason,
            }),
            None => chosen.push(interp.clone()),
        }
    }
    let targets = group(shape, &chosen)?;
    if targets.is_empty() {
        let detail = if skipped.is_empty() {
            ": none found on PATH or in pyenv; pass one with -i".to_string()
        } else {
            let list: Vec<String> = skipped
                .iter()
                .map(|s| {
                    format!(
                        "\n  {} ({}): {}",
                        s.interpreter,
                        s.executable.display(),
                        s.reason
                    )
                })
                .collect();
            format!("; left out:{}", list.concat())
        };
        return Err(PlanError::NoInterpreters { detail });
    }
    Ok(BuildPlan {
        name: shape.name.clone(),
        version: shape.version.clone(),
        modules: shape.modules.clone(),
        targets,
        skipped,
    })
}

/// Why `interp` is left out, or `None` to keep it.
fn exclusion(shape: &ProjectShape, interp: &Interpreter, selection: &Selection) -> Option<String> {
    if !selection.select.is_empty() && !selection.select.iter().any(|s| interp.matches(s)) {
        return Some(format!("not selected by {}", selection.select.join(", ")));
    }
    if let Some(skip) = selection.skip.iter().find(|s| interp.matches(s)) {
        return Some(format!("skipped by `{skip}`"));
    }
    if let Some(spec) = &shape.requires_python {
        let version = pep440_rs::Version::from_str(&interp.version_string()).ok()?;
        if !spec.contains(&version) {
            return Some(format!(
                "requires_python `{spec}` excludes {}",
                interp.version_string()
            ));
        }
    }
    if shape.abi3_required && !can_use_limited_api(interp) {
        return Some("a module sets `limited_api: true`, which this interpreter cannot use".into());
    }
    None
}

/// GIL, non-debug CPython can load abi3 modules built by cffi.
fn can_use_limited_api(interp: &Interpreter) -> bool {
    interp.implementation == Implementation::CPython && !interp.gil_disabled && !interp.debug
}

/// Groups interpreters into targets.
fn group(shape: &ProjectShape, chosen: &[Interpreter]) -> Result<Vec<Target>, PlanError> {
    let abi3_allowed = shape.abi3_allowed;
    let mut targets: Vec<Target> = Vec::new();
    let (abi3, per_abi): (Vec<&Interpreter>, Vec<&Interpreter>) = chosen
        .iter()
        .partition(|i| abi3_allowed && can_use_limited_api(i));
    if let Some(lowest) = abi3.iter().min_by_key(|i| i.version) {
        targets.push(abi3_target(lowest, &abi3)?);
    }
    for interp in per_abi {
        let target = per_abi_target(interp)?;
        match targets.iter_mut().find(|t| t.tag == target.tag) {
            Some(existing) => {
                if !existing.build_interpreter.has_headers && interp.has_headers {
                    existing.build_interpreter = interp.clone();
                }
                existing.interpreters.push(interp.clone());
            }
            None => targets.push(target),
        }
    }
    match targets.iter().find(|t| !t.build_interpreter.has_headers) {
        Some(target) => Err(PlanError::NoHeaders {
            target: target.id.clone(),
            interpreters: target.interpreters.iter().map(|i| i.path.clone()).collect(),
        }),
        None => Ok(targets),
    }
}

fn tag_error(interp: &Interpreter) -> impl Fn(TagError) -> PlanError + '_ {
    |source| PlanError::Tag {
        executable: interp.executable.clone(),
        source,
    }
}

fn platform(interp: &Interpreter) -> Result<PlatformTag, PlanError> {
    PlatformTag::from_sysconfig_platform(&interp.platform).map_err(tag_error(interp))
}

fn python_tag(interp: &Interpreter) -> PythonTag {
    let (major, minor) = (interp.version[0], interp.version[1]);
    match interp.implementation {
        Implementation::CPython => PythonTag::CPython { major, minor },
        Implementation::PyPy => PythonTag::PyPy { major, minor },
    }
}

/// The abi3 wheel is tagged with the lowest version it serves and compiled against the lowest
/// one that has headers (cffi's `Py_LIMITED_API` is the 3.2 API, so any 3.x header set works).
fn abi3_target(lowest: &Interpreter, group: &[&Interpreter]) -> Result<Target, PlanError> {
    let builder = group
        .iter()
        .filter(|i| i.has_headers)
        .min_by_key(|i| i.version)
        .copied()
        .unwrap_or(lowest);
    let tag = WheelTag {
        python: python_tag(lowest),
        abi: AbiTag::Abi3,
        platform: platform(lowest)?,
    };
    Ok(Target {
        id: format!("{}-{}", tag.python, tag.abi),
        tag,
        ext_suffix: ".abi3.so".to_string(),
        limited_api: true,
        build_interpreter: builder.clone(),
        interpreters: group.iter().map(|i| (*i).clone()).collect(),
        flavour: Flavour::Managed {
            cffi: CODEGEN_CFFI_VERSION.to_string(),
        },
    })
}

fn per_abi_target(interp: &Interpreter) -> Result<Target, PlanError> {
    let (major, minor) = (interp.version[0], interp.version[1]);
    let (abi, flavour) = match interp.implementation {
        Implementation::CPython => (
            AbiTag::CPython {
                major,
                minor,
                free_threaded: interp.gil_disabled,
                debug: interp.debug,
            },
            Flavour::Managed {
                cffi: CODEGEN_CFFI_VERSION.to_string(),
            },
        ),
        Implementation::PyPy => {
            let soabi = interp.soabi.clone().unwrap_or_default();
            let cffi = interp
                .cffi_version
                .clone()
                .ok_or_else(|| PlanError::PyPyWithoutCffi {
                    executable: interp.executable.clone(),
                })?;
            (
                AbiTag::from_pypy_soabi(&soabi).map_err(tag_error(interp))?,
                Flavour::Builtin {
                    interpreter: interp.identifier(),
                    cffi,
                },
            )
        }
    };
    let tag = WheelTag {
        python: python_tag(interp),
        abi,
        platform: platform(interp)?,
    };
    Ok(Target {
        id: format!("{}-{}", tag.python, tag.abi),
        tag,
        ext_suffix: interp.ext_suffix.clone(),
        limited_api: false,
        build_interpreter: interp.clone(),
        interpreters: vec![interp.clone()],
        flavour,
    })
}

#[cfg(test)]
mod tests;
