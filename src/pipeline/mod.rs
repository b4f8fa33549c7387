//! The one orchestrator: plan → codegen → compile → link → wheel → verify.
//!
//! Every stage is a function over plain data; this file only chains them. All extensions are
//! built before the first wheel is written, so a failing target leaves no wheel behind.

mod contents;
mod native;
mod repair_wheel;
mod setuptools;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use crate::codegen::{self, CodegenError, GeneratedSource, Isolation};
use crate::compile::{CompileError, ExtensionSpec};
use crate::interpreter::Interpreter;
use crate::plan::{BuildPlan, Flavour, Target};
use crate::recipe::Recipe;
use crate::repair::{RepairError, RepairReport};
use crate::tags::WheelFilename;
use crate::toolchain::Toolchain;
use crate::wheel::{self, CoreMetadata, WheelEntry, WheelError, WheelInfo, WrittenWheel};

pub use contents::{core_metadata, write_metadata_dir};
pub use repair_wheel::{RepairWheelOptions, RepairedWheel, repair_wheel};
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
    /// Metadata could not be assembled.
    #[error("{0}")]
    Metadata(String),
    /// No plan could be made.
    #[error(transparent)]
    Plan(#[from] crate::plan::PlanError),
    /// A setuptools project's backend or build environment failed.
    #[error(transparent)]
    Setuptools(Box<crate::setuptools::SetuptoolsError>),
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
    let toolchain = Toolchain::host(
        recipe.build.opt_level,
        options.debug_info.unwrap_or(recipe.build.debug_info),
    );
    let recipe = &resolve_scripts(recipe, interpreters, options)?;
    let recipe = &native::prepare(recipe, &toolchain, options)?;
    let generated = generate_all(recipe, plan, interpreters, options)?;
    let mut extensions = native::compile_all(recipe, plan, &generated, &toolchain, options)?;
    let specs: Vec<ExtensionSpec> = recipe.modules.iter().map(ExtensionSpec::from).collect();
    let resolved = plan
        .targets
        .iter()
        .map(|target| ResolvedTarget {
            target: target.id.clone(),
            extensions: specs
                .iter()
                .map(|spec| {
                    let mut spec = spec.clone();
                    let key = (target.flavour.clone(), spec.name.clone());
                    if let Some(source) = generated.get(&key) {
                        spec.sources.insert(0, source.path.clone());
                    }
                    spec.limited_api = target.limited_api;
                    spec
                })
                .collect(),
        })
        .collect();
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
    let metadata = contents::core_metadata(recipe)?;
    let python_files = contents::package_files(recipe)?;
    let extras = contents::dist_info_extras(recipe)?;
    let mut wheels = Vec::new();
    for (target, mut native) in plan.targets.iter().zip(staged) {
        let python_files = if options.editable {
            let pth = contents::install_in_place(recipe, &native.files)?;
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

/// Runs each `script:` module's build script and takes its name, source and `set_source`
/// arguments; the recipe's own keys for that module are added after the script's.
pub fn resolve_scripts(
    recipe: &Recipe,
    interpreters: &[Interpreter],
    options: &BuildOptions,
) -> Result<Recipe, PipelineError> {
    let mut resolved = recipe.clone();
    for module in &mut resolved.modules {
        let Some(script) = module.script.clone() else {
            continue;
        };
        let (python, isolation) =
            managed_python(crate::plan::CODEGEN_CFFI_VERSION, interpreters, options)?;
        let desc = codegen::describe_script(&python, isolation, &recipe.root, &script)?;
        if !desc.ignored.is_empty() {
            tracing::warn!(
                "{}: set_source arguments not used by cffi-wheel: {}",
                script.path,
                desc.ignored.join(", ")
            );
        }
        if module.name.is_empty() {
            module.name = match &script.ext_package {
                Some(package) => format!("{package}.{}", desc.module),
                None => desc.module.clone(),
            };
        }
        apply_script_settings(module, &recipe.root, desc);
        tracing::info!(
            "{}: module {} from {}",
            script.path,
            module.name,
            script.attribute
        );
    }
    Ok(resolved)
}

fn apply_script_settings(
    module: &mut crate::recipe::Module,
    root: &std::path::Path,
    desc: codegen::ScriptDescription,
) {
    let path = |p: String| root.join(p);
    let settings = desc.settings;
    module.source = desc.source;
    module.cdef = desc.cdef;
    if desc.cplusplus {
        module.language = crate::recipe::Language::Cxx;
    }
    let prepend = |ours: &mut Vec<PathBuf>, theirs: Vec<String>| {
        let mut all: Vec<PathBuf> = theirs.into_iter().map(path).collect();
        all.append(ours);
        *ours = all;
    };
    prepend(&mut module.sources, settings.sources);
    prepend(&mut module.include_dirs, settings.include_dirs);
    prepend(&mut module.library_dirs, settings.library_dirs);
    prepend(&mut module.extra_objects, settings.extra_objects);
    let mut libraries = settings.libraries;
    libraries.append(&mut module.libraries);
    module.libraries = libraries;
    let mut macros = settings.define_macros;
    macros.append(&mut module.define_macros);
    module.define_macros = macros;
    module.undef_macros.extend(settings.undef_macros);
    let mut args = settings.extra_compile_args;
    args.append(&mut module.extra_compile_args);
    module.extra_compile_args = args;
    let mut args = settings.extra_link_args;
    args.append(&mut module.extra_link_args);
    module.extra_link_args = args;
}

/// The Python that generates CPython C: `--codegen-python`, else the managed environment.
fn managed_python(
    cffi: &str,
    interpreters: &[Interpreter],
    options: &BuildOptions,
) -> Result<(PathBuf, Isolation), PipelineError> {
    if let Some(python) = &options.codegen_python {
        return Ok((python.clone(), Isolation::InheritPath));
    }
    let env = codegen::ensure_managed_env(&options.cache_dir, cffi, interpreters, options.offline)
        .map_err(CodegenError::from)?;
    Ok((env.python, Isolation::Isolated))
}

/// Runs codegen once per (flavour, module).
fn generate_all(
    recipe: &Recipe,
    plan: &BuildPlan,
    interpreters: &[Interpreter],
    options: &BuildOptions,
) -> Result<BTreeMap<(Flavour, String), GeneratedSource>, PipelineError> {
    let mut generated = BTreeMap::new();
    for target in &plan.targets {
        if generated
            .keys()
            .any(|(f, _): &(Flavour, String)| *f == target.flavour)
        {
            continue;
        }
        let (python, isolation) = match (&target.flavour, &options.codegen_python) {
            (Flavour::Managed { .. }, Some(python)) => (python.clone(), Isolation::InheritPath),
            (Flavour::Managed { cffi }, None) => {
                let env = codegen::ensure_managed_env(
                    &options.cache_dir,
                    cffi,
                    interpreters,
                    options.offline,
                )
                .map_err(CodegenError::from)?;
                (env.python, Isolation::Isolated)
            }
            (Flavour::Builtin { .. }, _) => {
                (target.build_interpreter.path.clone(), Isolation::Isolated)
            }
        };
        let out = options.build_dir.join("gen").join(target.flavour.key());
        for module in &recipe.modules {
            let source = codegen::generate(
                &python,
                isolation,
                &target.flavour,
                module,
                &recipe.root,
                &out,
            )?;
            generated.insert((target.flavour.clone(), module.name.clone()), source);
        }
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
            contents: contents::read(path)?,
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
