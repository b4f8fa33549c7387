//! The one orchestrator: plan → codegen → compile → link → wheel → verify.
//!
//! Every stage is a function over plain data; this file only chains them. All extensions are
//! built before the first wheel is written, so a failing target leaves no wheel behind.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::Serialize;

use crate::codegen::{self, CodegenError, GeneratedSource};
use crate::compile::{self, BuiltExtension, CompileError, PrefixMaps};
use crate::interpreter::Interpreter;
use crate::plan::{BuildPlan, Flavour, MIN_CFFI_RUNTIME, Target};
use crate::recipe::Recipe;
use crate::tags::WheelFilename;
use crate::toolchain::Toolchain;
use crate::wheel::{self, CoreMetadata, WheelEntry, WheelError, WheelInfo, WrittenWheel};

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
}

/// The result of `build`.
#[derive(Debug, Clone, Serialize)]
pub struct BuildReport {
    /// The plan that was carried out.
    pub plan: BuildPlan,
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
    /// Writing or checking a wheel failed.
    #[error(transparent)]
    Wheel(#[from] WheelError),
    /// Metadata could not be assembled.
    #[error("{0}")]
    Metadata(String),
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
    let maps = PrefixMaps {
        project_root: recipe.root.clone(),
        build_dir: options.build_dir.clone(),
    };
    let generated = generate_all(recipe, plan, interpreters, options)?;
    let mut extensions: BTreeMap<&str, Vec<BuiltExtension>> = BTreeMap::new();
    for module in &recipe.modules {
        let obj_root = options.build_dir.join("obj").join(&module.name);
        let common = compile::compile_sources(&toolchain, module, &maps, &obj_root.join("common"))?;
        for target in &plan.targets {
            let source = &generated[&(target.flavour.clone(), module.name.clone())];
            let out = obj_root.join(&target.id);
            let mut objects =
                compile::compile_generated(&toolchain, module, source, target, &maps, &out)?;
            objects.extend(common.iter().cloned());
            let output = options
                .build_dir
                .join("ext")
                .join(&target.id)
                .join(compile::archive_path(module, &target.ext_suffix));
            let built = compile::link(&toolchain, module, target, &objects, &output)?;
            tracing::info!("built {} for {}", module.name, target.id);
            extensions.entry(&target.id).or_default().push(built);
        }
    }
    let metadata = core_metadata(recipe)?;
    let python_files = package_files(recipe)?;
    let extras = dist_info_extras(recipe)?;
    let mut wheels = Vec::new();
    for target in &plan.targets {
        let built = extensions.remove(target.id.as_str()).unwrap_or_default();
        let written = write_target_wheel(
            recipe,
            target,
            &metadata,
            &python_files,
            &extras,
            &built,
            options,
        )?;
        wheels.push(BuiltWheel {
            target: target.id.clone(),
            interpreters: target
                .interpreters
                .iter()
                .map(Interpreter::identifier)
                .collect(),
            wheel: written,
        });
    }
    Ok(BuildReport {
        plan: plan.clone(),
        wheels,
    })
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
        let python = match &target.flavour {
            Flavour::Managed { cffi } => {
                codegen::ensure_managed_env(&options.cache_dir, cffi, interpreters, options.offline)
                    .map_err(CodegenError::from)?
                    .python
            }
            Flavour::Builtin { .. } => target.build_interpreter.path.clone(),
        };
        let out = options.build_dir.join("gen").join(target.flavour.key());
        for module in &recipe.modules {
            let source = codegen::generate(&python, &target.flavour, module, &out)?;
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
    built: &[BuiltExtension],
    options: &BuildOptions,
) -> Result<WrittenWheel, PipelineError> {
    let filename = WheelFilename {
        name: recipe.package.name.clone(),
        version: recipe.package.version.clone(),
        build: None,
        python: vec![target.tag.python.clone()],
        abi: vec![target.tag.abi.clone()],
        platform: vec![target.tag.platform.clone()],
    };
    let info = WheelInfo {
        generator: format!("cffi-wheel {}", env!("CARGO_PKG_VERSION")),
        root_is_purelib: false,
        tags: filename.tags(),
        build: None,
    };
    let mut entries = python_files.to_vec();
    for ext in built {
        entries.push(WheelEntry {
            path: ext.archive_path.clone(),
            contents: read(&ext.path)?,
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

fn read(path: &Path) -> Result<Vec<u8>, PipelineError> {
    fs_err::read(path).map_err(|source| PipelineError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// METADATA from the recipe; cffi is added as the runtime the generated code needs.
fn core_metadata(recipe: &Recipe) -> Result<CoreMetadata, PipelineError> {
    let package = &recipe.package;
    let cffi = format!("cffi>={MIN_CFFI_RUNTIME}; platform_python_implementation != 'PyPy'");
    let cffi = pep508_rs::Requirement::from_str(&cffi)
        .map_err(|e| PipelineError::Metadata(format!("invalid cffi requirement `{cffi}`: {e}")))?;
    let mut requires_dist = vec![cffi];
    requires_dist.extend(package.dependencies.iter().cloned());
    let description = match &package.readme {
        Some(readme) => {
            Some(String::from_utf8_lossy(&read(&recipe.root.join(&readme.path))?).into_owned())
        }
        None => None,
    };
    Ok(CoreMetadata {
        name: package.name.clone(),
        version: package.version.clone(),
        summary: package.summary.clone(),
        requires_python: package.requires_python.clone(),
        requires_dist,
        license_expression: package.license.clone(),
        license_files: package.license_files.clone(),
        description,
        description_content_type: package.readme.as_ref().map(|r| r.content_type.clone()),
        authors: package
            .authors
            .iter()
            .map(|a| wheel::Person {
                name: a.name.clone(),
                email: a.email.clone(),
            })
            .collect(),
        keywords: package.keywords.clone(),
        classifiers: package.classifiers.clone(),
        project_urls: package.urls.clone(),
    })
}

/// License files go to `.dist-info/licenses/<path>` (PEP 639).
fn dist_info_extras(recipe: &Recipe) -> Result<Vec<WheelEntry>, PipelineError> {
    recipe
        .package
        .license_files
        .iter()
        .map(|rel| {
            Ok(WheelEntry {
                path: format!("licenses/{rel}"),
                contents: read(&recipe.root.join(rel))?,
                executable: false,
            })
        })
        .collect()
}

/// The pure-Python files of `packages`: everything but caches and stale build products.
fn package_files(recipe: &Recipe) -> Result<Vec<WheelEntry>, PipelineError> {
    let mut entries = Vec::new();
    for package in &recipe.packages {
        let dir = recipe.root.join(package);
        for entry in walkdir::WalkDir::new(&dir).sort_by_file_name() {
            let entry = entry.map_err(|e| PipelineError::Read {
                path: dir.clone(),
                source: e.into(),
            })?;
            if !entry.file_type().is_file() || is_build_product(entry.path()) {
                continue;
            }
            let rel = entry
                .path()
                .strip_prefix(&recipe.root)
                .unwrap_or(entry.path());
            let archive = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            entries.push(WheelEntry {
                path: archive,
                contents: read(entry.path())?,
                executable: false,
            });
        }
    }
    Ok(entries)
}

/// Files that an in-place build leaves in a package and that must not ship.
fn is_build_product(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let in_cache = path.components().any(|c| c.as_os_str() == "__pycache__");
    in_cache
        || [".pyc", ".pyo", ".so", ".pyd", ".dylib", ".o", ".obj"]
            .iter()
            .any(|ext| name.ends_with(ext))
}
