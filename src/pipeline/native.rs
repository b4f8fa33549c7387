//! Compile, link, check and repair: from generated C to the native files of each wheel.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::resolve::ResolvedModule;
use super::{BuildOptions, PipelineError};
use crate::codegen::GeneratedSource;
use crate::compile::{self, BuiltExtension, ExtensionSpec, PrefixMaps};
use crate::plan::{BuildPlan, Flavour, Target};
use crate::repair::{
    self, ExtensionFile, LibrarySearch, RepairError, RepairOptions, RepairReport, Unresolved,
};
use crate::tags::PlatformTag;
use crate::toolchain::Toolchain;

/// The native files of one wheel and its platform tags.
#[derive(Debug, Clone)]
pub(super) struct NativeFiles {
    /// Platform tags for the file name (policy tag and alias after repair).
    pub platform: Vec<PlatformTag>,
    /// Archive path → file.
    pub files: Vec<(String, PathBuf)>,
    /// What repair decided, when it ran.
    pub repair: Option<RepairReport>,
}

/// Compiles every module for every target; module `sources` once, generated C per target.
pub(super) fn compile_all<'p>(
    modules: &[ResolvedModule],
    root: &Path,
    plan: &'p BuildPlan,
    generated: &BTreeMap<(Flavour, String), GeneratedSource>,
    toolchain: &Toolchain,
    options: &BuildOptions,
) -> Result<BTreeMap<&'p str, Vec<BuiltExtension>>, PipelineError> {
    let maps = PrefixMaps {
        project_root: root.to_path_buf(),
        build_dir: options.build_dir.clone(),
    };
    let mut extensions: BTreeMap<&str, Vec<BuiltExtension>> = BTreeMap::new();
    for module in modules {
        let module = &module.spec;
        let obj_root = options.build_dir.join("obj").join(&module.name);
        let common = compile::compile_sources(toolchain, module, &maps, &obj_root.join("common"))?;
        // The targets' generated C side by side (one file each: cc has nothing to share out).
        let results = crate::jobs::run_ordered(
            &plan.targets,
            options.jobs,
            |r: &Result<_, PipelineError>| r.is_err(),
            |target| -> Result<BuiltExtension, PipelineError> {
                let source = &generated[&(target.flavour.clone(), module.name.clone())];
                let out = obj_root.join(&target.id);
                let mut objects =
                    compile::compile_generated(toolchain, module, source, target, &maps, &out)?;
                objects.extend(common.iter().cloned());
                let output = options
                    .build_dir
                    .join("ext")
                    .join(&target.id)
                    .join(compile::archive_path(module, &target.ext_suffix));
                let built = compile::link(toolchain, module, target, &objects, &output)?;
                tracing::info!("built {} for {}", module.name, target.id);
                Ok(built)
            },
        );
        for (target, result) in plan.targets.iter().zip(results) {
            if let Some(result) = result {
                extensions.entry(&target.id).or_default().push(result?);
            }
        }
    }
    Ok(extensions)
}

/// Library directories the build linked from: where the loader-like search also looks.
fn build_library_dirs(modules: &[ExtensionSpec]) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = modules
        .iter()
        .flat_map(|m| m.library_dirs.iter().cloned())
        .collect();
    dirs.dedup();
    dirs
}

/// Checks undefined symbols and repairs (on ELF platforms); elsewhere passes files through.
pub(super) fn finish(
    modules: &[ExtensionSpec],
    dist_name: &str,
    target: &Target,
    built: Vec<BuiltExtension>,
    toolchain: &Toolchain,
    options: &BuildOptions,
) -> Result<NativeFiles, PipelineError> {
    // As linked, with the plain platform tag: off ELF, and under --compatibility linux.
    let unrepaired = |built: Vec<BuiltExtension>| NativeFiles {
        platform: vec![target.tag.platform.clone()],
        files: built
            .into_iter()
            .map(|b| (b.archive_path, b.path))
            .collect(),
        repair: None,
    };
    if !toolchain.is_elf() {
        return Ok(unrepaired(built));
    }
    let search = LibrarySearch::system(build_library_dirs(modules));
    for ext in &built {
        check_symbols(modules, target, ext, &search)?;
    }
    if !options.repair {
        return Ok(unrepaired(built));
    }
    let files: Vec<ExtensionFile> = built
        .iter()
        .map(|b| ExtensionFile {
            archive_path: b.archive_path.clone(),
            path: b.path.clone(),
        })
        .collect();
    let repair_options = RepairOptions {
        bundle: options.bundle,
        search,
        libs_dir: crate::tags::libs_dir(dist_name),
        work_dir: options.build_dir.join("repaired").join(&target.id),
        internal_root: None,
    };
    let repaired = repair::repair(&files, &repair_options)?;
    let report = &repaired.report;
    tracing::info!(
        "{}: {}{}",
        target.id,
        report.policy,
        if report.bundled.is_empty() {
            String::new()
        } else {
            let names: Vec<&str> = report
                .bundled
                .iter()
                .map(|b| b.original_name.as_str())
                .collect();
            format!(", bundled {}", names.join(", "))
        }
    );
    Ok(NativeFiles {
        platform: repaired.report.platform_tags.clone(),
        files: repaired.files,
        repair: Some(repaired.report),
    })
}

/// Fails when an extension uses a symbol that nothing it is loaded with defines.
fn check_symbols(
    modules: &[ExtensionSpec],
    target: &Target,
    ext: &BuiltExtension,
    search: &LibrarySearch,
) -> Result<(), PipelineError> {
    let missing = repair::check_undefined(&ext.path, &target.build_interpreter.executable, search)?;
    if missing.is_empty() {
        return Ok(());
    }
    let module = modules.iter().find(|m| m.name == ext.module);
    let symbols = missing
        .into_iter()
        .map(|symbol| {
            let site = module
                .and_then(|m| repair::declaration_site(&symbol, &m.include_dirs, &m.cdef, &m.name));
            (symbol, site)
        })
        .collect();
    Err(RepairError::Unresolved(Unresolved {
        file: ext.path.clone(),
        module: ext.module.clone(),
        symbols,
    })
    .into())
}
