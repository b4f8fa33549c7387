//! The one orchestrator: plan → codegen → compile → link → wheel → verify.
//!
//! Every stage is a function over plain data; this file only chains them. All extensions are
//! built before the first wheel is written, so a failing target leaves no wheel behind.

mod native;
mod resolve;
mod setuptools;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use crate::codegen::{self, CodegenError, GeneratedSource};
use crate::compile::{CompileError, ExtensionSpec};
use crate::interpreter::Interpreter;
use crate::plan::{BuildPlan, Flavour, Target};
use crate::recipe::Recipe;
use crate::repair::{RepairError, RepairReport};
use crate::tags::WheelFilename;
use crate::toolchain::Toolchain;
use crate::wheel::{self, CoreMetadata, WheelEntry, WheelError, WheelInfo, WrittenWheel};

pub use crate::wheel::{core_metadata, write_metadata_dir};
pub use setuptools::{
    DEFAULT_SETUP_TIMEOUT, ResolvedProject, build_setuptools, resolve_setuptools,
};

/// Settings of one build that do not come from the recipe.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// Where wheels go.
    pub out_dir: PathBuf,
    /// Where intermediate files go.
    pub build_dir: PathBuf,
    /// The cache directory (managed codegen environments).
    pub cache_dir: PathBuf,
    /// Forbid installing the managed codegen environment.
    pub offline: bool,
    /// Timestamp for archive entries.
    pub source_date_epoch: Option<u64>,
    /// Override of the recipe's `debug_info`.
    pub debug_info: Option<bool>,
    /// Bundle libraries outside the platform policy (false: `--no-bundle`).
    pub bundle: bool,
    /// Repair and tag with the manylinux/musllinux policy (false: `--compatibility linux`).
    pub repair: bool,
    /// Install prefix of external libraries (`--prefix`, else `CONDA_PREFIX`).
    pub prefix: Option<PathBuf>,
    /// Generate CPython C with this interpreter's cffi instead of the managed environment
    /// (the PEP 517 backend passes the build environment's Python).
    pub codegen_python: Option<PathBuf>,
    /// PEP 660: put the extensions next to the sources and write an editable wheel.
    pub editable: bool,
    /// Time limit of each step that runs a project's own code or pip (setuptools path).
    pub setup_timeout: std::time::Duration,
    /// How many builds may run at once (`-j`; default: the cores).
    pub jobs: usize,
}

/// A wheel that was built and checked.
#[derive(Debug, Clone, Serialize)]
pub struct BuiltWheel {
    /// The target it was built for.
    pub target: String,
    /// Interpreters whose tags it claims (identifiers).
    pub interpreters: Vec<String>,
    /// The written file.
    pub wheel: WrittenWheel,
    /// What repair decided (Linux).
    pub repair: Option<RepairReport>,
}

/// What was compiled for one target: the resolved build description.
#[derive(Debug, Clone, Serialize)]
pub struct ResolvedTarget {
    /// The target id.
    pub target: String,
    /// Each extension with its final sources and arguments.
    pub extensions: Vec<ExtensionSpec>,
}

impl BuiltWheel {
    /// The wheel written for `target`.
    fn new(target: &Target, wheel: WrittenWheel, repair: Option<RepairReport>) -> BuiltWheel {
        BuiltWheel {
            target: target.id.clone(),
            interpreters: target
                .interpreters
                .iter()
                .map(Interpreter::identifier)
                .collect(),
            wheel,
            repair,
        }
    }
}

/// What `plan --json` prints for a recipe project: the plan's fields, and per target what
/// would be compiled.
#[derive(Debug, Clone, Serialize)]
pub struct PlanDescription {
    /// The plan.
    #[serde(flatten)]
    pub plan: BuildPlan,
    /// Per target: each extension with its sources and arguments.
    pub resolved: Vec<ResolvedTarget>,
}

/// The result of `build`.
#[derive(Debug, Clone, Serialize)]
pub struct BuildReport {
    /// The plan that was carried out.
    pub plan: BuildPlan,
    /// What was compiled, per target.
    pub resolved: Vec<ResolvedTarget>,
    /// The wheels, in target order.
    pub wheels: Vec<BuiltWheel>,
}

/// Failures of the build stages.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// Code generation failed.
    #[error(transparent)]
    Codegen(#[from] CodegenError),
    /// Compiling or linking failed.
    #[error(transparent)]
    Compile(#[from] CompileError),
    /// An external library could not be found.
    #[error(transparent)]
    External(#[from] crate::toolchain::ExternalError),
    /// Checking or repairing the linked extensions failed.
    #[error(transparent)]
    Repair(#[from] RepairError),
    /// Writing or checking a wheel failed.
    #[error(transparent)]
    Wheel(#[from] WheelError),
    /// File system trouble (the message names the path).
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The wheel's contents could not be gathered from the recipe.
    #[error(transparent)]
    Contents(#[from] crate::wheel::ContentsError),
    /// A worker thread panicked (a bug in cffi-wheel; its message is above).
    #[error("a {what} panicked; this is a bug in cffi-wheel, please report it")]
    Panicked {
        /// What the worker did.
        what: &'static str,
    },
    /// Asking a setuptools project for its metadata needs a CPython.
    #[error(
        "asking the project's build backend for its metadata needs a CPython; none was found \
         (pass one with -i)"
    )]
    NoMetadataHost,
    /// The project's build backend wrote METADATA without a required field.
    #[error("{} has no {field}", file.display())]
    MissingField {
        /// The METADATA file.
        file: PathBuf,
        /// The field.
        field: &'static str,
    },
    /// The project's build backend wrote a Requires-Python that is not PEP 440.
    #[error("{}: Requires-Python `{spec}` is not a PEP 440 version specifier", file.display())]
    RequiresPython {
        /// The METADATA file.
        file: PathBuf,
        /// The value.
        spec: String,
        /// The parser's complaint.
        #[source]
        source: pep440_rs::VersionSpecifiersParseError,
    },
    /// The backend's wheel and its metadata disagree.
    #[error(
        "the project's backend gave {field} {theirs:?} under {interpreter} but {ours:?} when \
         asked for its metadata; a build that says two things cannot be released"
    )]
    Inconsistent {
        /// `Name` or `Version`.
        field: &'static str,
        /// What the wheel says.
        theirs: Option<String>,
        /// What prepare_metadata said.
        ours: Option<String>,
        /// The build interpreter.
        interpreter: String,
    },
    /// No plan could be made.
    #[error(transparent)]
    Plan(#[from] crate::plan::PlanError),
    /// The recipe's files cannot be published as they are (a link out of the project).
    #[error(transparent)]
    Recipe(#[from] crate::recipe::RecipeError),
    /// A setuptools project's backend or build environment failed.
    #[error(transparent)]
    Setuptools(Box<crate::setuptools::SetuptoolsError>),
    /// Another build holds the build directory, and waiting for it failed.
    #[error(transparent)]
    Lock(#[from] crate::lock::LockError),
    /// A project file could not be read.
    #[error("cannot read {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

impl From<crate::setuptools::SetuptoolsError> for PipelineError {
    fn from(error: crate::setuptools::SetuptoolsError) -> Self {
        PipelineError::Setuptools(Box::new(error))
    }
}

/// Builds every target of `plan` and writes one checked wheel per target.
pub fn build(
    recipe: &Recipe,
    plan: &BuildPlan,
    interpreters: &[Interpreter],
    options: &BuildOptions,
) -> Result<BuildReport, PipelineError> {
    wheel::check_out_dir(recipe, &options.out_dir)?;
    let _build_dir = hold_build_dir(options)?;
    let (toolchain, modules) =
        resolved_modules(recipe, interpreters, options, resolve::Prebuild::Run)?;
    let generated = generate_all(&modules, plan, interpreters, options, &recipe.root)?;
    let mut extensions = native::compile_all(
        &modules,
        &recipe.root,
        plan,
        &generated,
        &toolchain,
        options,
    )?;
    let resolved = resolve::per_target(&modules, plan, options, &generated);
    let specs: Vec<ExtensionSpec> = modules.iter().map(|m| m.spec.clone()).collect();
    let mut staged = Vec::new();
    for target in &plan.targets {
        let built = extensions.remove(target.id.as_str()).unwrap_or_default();
        staged.push(native::finish(
            &specs,
            &recipe.package.name,
            target,
            built,
            &toolchain,
            options,
        )?);
    }
    let metadata = wheel::core_metadata(recipe)?;
    let python_files = wheel::package_files(recipe)?;
    let extras = wheel::dist_info_extras(recipe)?;
    let mut wheels = Vec::new();
    for (target, mut native) in plan.targets.iter().zip(staged) {
        let python_files = if options.editable {
            let pth = wheel::install_in_place(recipe, &native.files)?;
            native.files.clear();
            vec![pth]
        } else {
            python_files.clone()
        };
        let written = write_target_wheel(
            recipe,
            target,
            &metadata,
            &python_files,
            &extras,
            &native,
            options,
        )?;
        wheels.push(BuiltWheel::new(target, written, native.repair));
    }
    Ok(BuildReport {
        plan: plan.clone(),
        resolved,
        wheels,
    })
}

/// Takes the build directory for this build, so that a second build of the same project
/// waits for this one instead of overwriting its files, and removes the partial outputs an
/// earlier, killed build left in the output directory and its half-made codegen
/// environments in the cache.
fn hold_build_dir(options: &BuildOptions) -> Result<crate::lock::FileLock, PipelineError> {
    let lock = crate::lock::exclusive(
        &options.build_dir.join(".lock"),
        &format!("the build directory {}", options.build_dir.display()),
    )?;
    crate::cleanup::sweep_partial_files(&options.out_dir);
    crate::cleanup::sweep_staging_dirs(&options.cache_dir.join("codegen"), codegen::STAGING_PREFIX);
    Ok(lock)
}

/// The recipe's compiler settings (with `--debug-info` applied) and its resolved modules.
fn resolved_modules(
    recipe: &Recipe,
    interpreters: &[Interpreter],
    options: &BuildOptions,
    prebuild: resolve::Prebuild,
) -> Result<(Toolchain, Vec<resolve::ResolvedModule>), PipelineError> {
    let toolchain = Toolchain::host(
        recipe.build.opt_level,
        options.debug_info.unwrap_or(recipe.build.debug_info),
    );
    let modules = resolve::resolve_recipe(recipe, interpreters, &toolchain, options, prebuild)?;
    Ok((toolchain, modules))
}

/// What `plan --json` shows of a recipe project: the plan, and per target what would be
/// compiled (build scripts are described and external libraries found; prebuild steps are
/// not run, their outputs are listed).
pub fn describe_recipe(
    recipe: &Recipe,
    plan: &BuildPlan,
    interpreters: &[Interpreter],
    options: &BuildOptions,
) -> Result<PlanDescription, PipelineError> {
    // No lock: describing writes nothing into the build directory.
    let (_, modules) =
        resolved_modules(recipe, interpreters, options, resolve::Prebuild::Describe)?;
    Ok(PlanDescription {
        plan: plan.clone(),
        resolved: resolve::per_target(&modules, plan, options, &BTreeMap::new()),
    })
}

/// What chooses the Python that generates C (and reads build scripts).
fn codegen_hosts<'a>(
    interpreters: &'a [Interpreter],
    options: &'a BuildOptions,
) -> codegen::HostChoice<'a> {
    codegen::HostChoice {
        codegen_python: options.codegen_python.as_deref(),
        cache_dir: &options.cache_dir,
        offline: options.offline,
        interpreters,
    }
}

/// Runs codegen once per (flavour, module); the flavours side by side (PyPy's start-up,
/// about 0.7 s here, then overlaps the managed environment's run).
fn generate_all(
    modules: &[resolve::ResolvedModule],
    plan: &BuildPlan,
    interpreters: &[Interpreter],
    options: &BuildOptions,
    root: &std::path::Path,
) -> Result<BTreeMap<(Flavour, String), GeneratedSource>, PipelineError> {
    let mut flavours: Vec<&Target> = Vec::new();
    for target in &plan.targets {
        if !flavours.iter().any(|t| t.flavour == target.flavour) {
            flavours.push(target);
        }
    }
    let results = crate::jobs::run_ordered(
        &flavours,
        options.jobs,
        |r: &Result<_, PipelineError>| r.is_err(),
        |target| generate_flavour(modules, target, interpreters, options, root),
    );
    let mut generated = BTreeMap::new();
    for result in results.into_iter().flatten() {
        for source in result? {
            generated.insert((source.flavour.clone(), source.module.clone()), source);
        }
    }
    Ok(generated)
}

/// Every module's C for the flavour of `target`.
fn generate_flavour(
    modules: &[resolve::ResolvedModule],
    target: &Target,
    interpreters: &[Interpreter],
    options: &BuildOptions,
    root: &std::path::Path,
) -> Result<Vec<GeneratedSource>, PipelineError> {
    let host = codegen_hosts(interpreters, options)
        .for_flavour(&target.flavour, &target.build_interpreter.path)?;
    let mut generated = Vec::new();
    for module in modules {
        let output = resolve::generated_path(options, &target.flavour, &module.codegen.name);
        let source = codegen::generate(
            &host.python,
            host.isolation,
            &target.flavour,
            &module.codegen,
            root,
            &output,
        )?;
        generated.push(source);
    }
    Ok(generated)
}

fn write_target_wheel(
    recipe: &Recipe,
    target: &Target,
    metadata: &CoreMetadata,
    python_files: &[WheelEntry],
    extras: &[WheelEntry],
    native: &native::NativeFiles,
    options: &BuildOptions,
) -> Result<WrittenWheel, PipelineError> {
    let filename = WheelFilename {
        name: recipe.package.name.clone(),
        version: recipe.package.version.clone(),
        build: None,
        python: vec![target.tag.python.clone()],
        abi: vec![target.tag.abi.clone()],
        platform: native.platform.clone(),
    };
    let info = WheelInfo {
        generator: format!("cffi-wheel {}", env!("CARGO_PKG_VERSION")),
        root_is_purelib: false,
        tags: filename.tags(),
        build: None,
    };
    let mut entries = python_files.to_vec();
    for (archive_path, path) in &native.files {
        entries.push(WheelEntry {
            path: archive_path.clone(),
            contents: wheel::read_project_file(path)?,
            executable: true,
        });
    }
    let written = wheel::write_wheel(
        &options.out_dir,
        &filename,
        metadata,
        &info,
        entries,
        extras.to_vec(),
        options.source_date_epoch,
    )?;
    wheel::verify_wheel(&written.path)?;
    tracing::info!("wrote {}", written.path.display());
    Ok(written)
}
