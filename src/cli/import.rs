//! `cffi-wheel import`: a cffi-wheel.yaml for a setuptools project with `cffi_modules`.

use std::path::PathBuf;

use clap::Args;

use super::CliError;
use super::{absolute, build_options};
use crate::interpreter;
use crate::pipeline;
use crate::plan::Selection;
use crate::setuptools::Detected;
use crate::{env_vars, migrate, recipe};

#[derive(Debug, Args)]
pub(super) struct ImportArgs {
    /// The project directory (holding setup.py and/or setup.cfg).
    #[arg(default_value = ".")]
    pub(super) path: PathBuf,
    /// Overwrite an existing cffi-wheel.yaml.
    #[arg(long)]
    pub(super) force: bool,
    /// Never install anything (the managed codegen environment must already exist).
    #[arg(long)]
    pub(super) offline: bool,
}

pub(super) fn import(args: ImportArgs) -> Result<(), CliError> {
    let root = absolute(args.path)?;
    let recipe_path = root.join(recipe::RECIPE_FILE);
    if recipe_path.exists() && !args.force {
        return Err(migrate::MigrateError::Exists { path: recipe_path }.into());
    }
    let project = match crate::setuptools::detect(&root).map_err(pipeline::PipelineError::from)? {
        Detected::Setuptools(project) => project,
        Detected::OtherBackend(backend) => {
            return Err(CliError::Usage(format!(
                "{}: import moves a setuptools project to a recipe; this one's build backend \
                 is `{backend}`",
                root.display()
            )));
        }
        Detected::Nothing => {
            return Err(CliError::Usage(format!(
                "{} is no setuptools project (no setup.py, no [build-system] in pyproject.toml); \
                 import has nothing to read",
                root.display()
            )));
        }
    };
    let interpreters = interpreter::discover();
    let cache_dir = env_vars::cache_dir();
    let host = crate::codegen::HostChoice {
        codegen_python: None,
        cache_dir: &cache_dir,
        offline: args.offline,
        interpreters: &interpreters,
    }
    .for_scripts()
    .map_err(pipeline::PipelineError::from)?;
    let setup = migrate::read_setup(&host.python, &root)?;
    migrate::check_importable(&root, &setup)?;
    let modules = migrate::import_modules(&host, &root, &setup)?;
    // What setuptools itself makes of the project, under the newest CPython: the recipe
    // must say all of it.
    let newest = interpreters
        .iter()
        .filter(|i| {
            i.implementation == interpreter::Implementation::CPython && !i.gil_disabled && !i.debug
        })
        .max_by_key(|i| i.version)
        .ok_or(pipeline::PipelineError::NoMetadataHost)?;
    let selection = Selection {
        select: vec![newest.identifier()],
        skip: Vec::new(),
    };
    let mut options = build_options(&root, None, None, args.offline, None, None)?;
    options.build_dir = options.build_dir.join("import");
    let before = migrate::tree_paths(&root, &options.build_dir);
    let (resolved, _) =
        pipeline::resolve_setuptools(&project, &interpreters, &selection, &options, |_, _, _| {
            Ok(())
        })?;
    let build = resolved
        .builds
        .values()
        .next()
        .ok_or(migrate::MigrateError::NoBuild)?;
    let view = migrate::BackendView {
        metadata: &resolved.metadata,
        build,
        build_dir: &options.build_dir,
        before: &before,
        root: &root,
    };
    let imported = migrate::import_from_backend(&root, &setup, &modules, view)?;
    let path = migrate::write_recipe(&root, &imported, &modules, args.force)?;
    for module in &modules {
        match module {
            migrate::ImportedModule::Script { script, reason, .. } => {
                tracing::info!("{script}: kept as `script:` ({reason})");
            }
            migrate::ImportedModule::Inline { name, .. } => {
                tracing::info!("{name}: converted to recipe keys");
            }
        }
    }
    for note in &imported.notes {
        tracing::warn!("{note}");
    }
    println!("{}", path.display());
    Ok(())
}
