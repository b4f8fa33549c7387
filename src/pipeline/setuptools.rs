//! The setuptools path: an unmodified setuptools project, built for every interpreter at once.
//!
//! 1. The project's shape: name, version and Requires-Python from `PKG-INFO` (an sdist) or
//!    from the backend's `prepare_metadata_for_build_wheel` (a checkout).
//! 2. The plan, assuming abi3 until an Extension says otherwise.
//! 3. Per target, the backend's `build_wheel` under the target's interpreter, with compiling
//!    recorded instead of done ([`crate::setuptools`]). When an Extension is not
//!    `py_limited_api`, the CPythons get one build each, and the plan is made again.
//! 4. Per target, cffi-wheel compiles and links the recorded Extensions, checks and repairs
//!    them, and adds them to setuptools' wheel, which it re-tags and re-packs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use serde::Serialize;

use super::native::{self, NativeFiles};
use super::repair_wheel::read_members;
use super::{BuildOptions, BuildReport, BuiltWheel, PipelineError, ResolvedTarget};
use crate::compile::{self, ExtensionSpec, PrefixMaps};
use crate::interpreter::{Implementation, Interpreter};
use crate::plan::{self, BuildPlan, ProjectShape, Selection, Target};
use crate::recipe::Language;
use crate::setuptools::{
    self, BuildEnv, CapturedExtension, HollowBuild, HookRunner, PreparedMetadata, SetuptoolsError,
    SetuptoolsProject,
};
use crate::tags::WheelFilename;
use crate::toolchain::Toolchain;
use crate::wheel::{self, WheelEntry, WheelError, WheelInfo, WrittenWheel};

/// The default time limit of one backend hook or environment step (`--setup-timeout`).
pub const DEFAULT_SETUP_TIMEOUT: Duration = Duration::from_secs(1800);

/// A setuptools project with every target's Extensions recorded: what `plan` shows and
/// `build` compiles.
#[derive(Debug, Clone, Serialize)]
pub struct ResolvedProject {
    /// The project.
    pub project: SetuptoolsProject,
    /// The `.dist-info` every wheel carries.
    pub metadata: PreparedMetadata,
    /// The plan.
    pub plan: BuildPlan,
    /// Per target id: what setuptools' run under its interpreter left.
    pub builds: BTreeMap<String, HollowBuild>,
}

/// Runs the project's backend for every target of the plan (steps 1-3), calling `each`
/// with a target and its recorded build as soon as that target's run is final, before the
/// next run: a project may write generated sources at a fixed place in its tree (cffi's
/// `distutils_extension()` writes under `build/`), which the next target's run rewrites.
pub fn resolve_setuptools(
    project: &SetuptoolsProject,
    interpreters: &[Interpreter],
    selection: &Selection,
    options: &BuildOptions,
    mut each: impl FnMut(&Target, &HollowBuild, &PreparedMetadata) -> Result<(), PipelineError>,
) -> Result<ResolvedProject, PipelineError> {
    let (mut shape, metadata) = project_shape(project, interpreters, options)?;
    let mut plan = plan::plan_project(&shape, interpreters, selection)?;
    let mut by_python: BTreeMap<PathBuf, HollowBuild> = BTreeMap::new();
    let mut index = 0;
    while index < plan.targets.len() {
        let target = &plan.targets[index];
        let python = target.build_interpreter.path.clone();
        if !by_python.contains_key(&python) {
            let hollow = capture(project, target, options)?;
            by_python.insert(python.clone(), hollow);
        }
        let hollow = &by_python[&python];
        let per_version: Vec<&str> = hollow
            .extensions
            .iter()
            .filter(|e| !e.py_limited_api)
            .map(|e| e.name.as_str())
            .chain(hollow.prebuilt.iter().map(String::as_str))
            .collect();
        if target.limited_api && !per_version.is_empty() {
            let names = per_version;
            tracing::info!(
                "{} not py_limited_api: one build per CPython version",
                names.join(", ")
            );
            shape.abi3_allowed = false;
            plan = plan::plan_project(&shape, interpreters, selection)?;
            // Only the build interpreter's run is kept: its tree is the current one.
            by_python.retain(|p, _| *p == python);
            index = 0;
            continue;
        }
        each(target, hollow, &metadata)?;
        index += 1;
    }
    plan.modules = by_python
        .values()
        .flat_map(|h| h.extensions.iter().map(|e| e.name.clone()))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let builds = plan
        .targets
        .iter()
        .map(|t| (t.id.clone(), by_python[&t.build_interpreter.path].clone()))
        .collect();
    Ok(ResolvedProject {
        project: project.clone(),
        metadata,
        plan,
        builds,
    })
}

/// Builds a setuptools project: each target compiled, checked and repaired right after its
/// backend run; every wheel assembled before the first is written.
pub fn build_setuptools(
    project: &SetuptoolsProject,
    interpreters: &[Interpreter],
    selection: &Selection,
    options: &BuildOptions,
) -> Result<BuildReport, PipelineError> {
    // setuptools compiles with sysconfig's OPT (-DNDEBUG -O3 on CPython's default build).
    let toolchain = Toolchain::host(3, options.debug_info.unwrap_or(false));
    let maps = PrefixMaps {
        project_root: project.root.clone(),
        build_dir: options.build_dir.clone(),
    };
    let mut staged: Vec<(Target, Assembled, Option<crate::repair::RepairReport>)> = Vec::new();
    let mut resolved_targets = Vec::new();
    let resolved = resolve_setuptools(
        project,
        interpreters,
        selection,
        options,
        |target, hollow, metadata| {
            let specs: Vec<ExtensionSpec> = hollow.extensions.iter().map(spec_of).collect();
            let mut built = Vec::new();
            for spec in &specs {
                let out = options
                    .build_dir
                    .join("obj")
                    .join(&target.id)
                    .join(&spec.name);
                let mut objects = compile::compile_extension(&toolchain, spec, &maps, &out)?;
                objects.extend(spec.extra_objects.iter().cloned());
                let output = options
                    .build_dir
                    .join("ext")
                    .join(&target.id)
                    .join(compile::archive_path(spec, &target.ext_suffix));
                built.push(compile::link(&toolchain, spec, target, &objects, &output)?);
                tracing::info!("built {} for {}", spec.name, target.id);
            }
            built.extend(extract_prebuilt(hollow, target, options)?);
            let dist_name = hollow_dist_name(&hollow.wheel);
            let native = native::finish(&specs, &dist_name, target, built, &toolchain, options)?;
            // Assembled now: the hollow wheel and the linked files are read before the next run.
            let assembled = assemble(&hollow.wheel, target, &native, metadata)?;
            staged.push((target.clone(), assembled, native.repair));
            resolved_targets.push(ResolvedTarget {
                target: target.id.clone(),
                extensions: specs,
            });
            Ok(())
        },
    )?;
    let mut wheels = Vec::new();
    for (target, assembled, repair) in staged {
        let written = assembled.write(options)?;
        wheels.push(BuiltWheel::new(&target, written, repair));
    }
    Ok(BuildReport {
        plan: resolved.plan,
        resolved: resolved_targets,
        wheels,
    })
}

/// The binaries setuptools' wheel already holds, unpacked so that they are checked and
/// repaired like the ones cffi-wheel links.
fn extract_prebuilt(
    hollow: &HollowBuild,
    target: &Target,
    options: &BuildOptions,
) -> Result<Vec<compile::BuiltExtension>, PipelineError> {
    if hollow.prebuilt.is_empty() {
        return Ok(Vec::new());
    }
    let dir = options.build_dir.join("prebuilt").join(&target.id);
    let mut found = Vec::new();
    for member in read_members(&hollow.wheel)? {
        if !hollow.prebuilt.contains(&member.name) {
            continue;
        }
        let path = dir.join(&member.name);
        if let Some(parent) = path.parent() {
            fs_err::create_dir_all(parent)?;
        }
        fs_err::write(&path, &member.contents)?;
        found.push(compile::BuiltExtension {
            module: member.name.clone(),
            target: target.id.clone(),
            path,
            archive_path: member.name,
        });
    }
    Ok(found)
}

/// The distribution name in a wheel's file name (`PyNaCl-1.6.2-…whl` → `PyNaCl`).
fn hollow_dist_name(wheel: &Path) -> String {
    wheel
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.split('-').next())
        .unwrap_or_default()
        .to_string()
}

/// The setuptools Extension as cffi-wheel compiles it.
fn spec_of(ext: &CapturedExtension) -> ExtensionSpec {
    let (kept, dropped): (Vec<String>, Vec<String>) = ext
        .runtime_library_dirs
        .iter()
        .cloned()
        .partition(|dir| dir.starts_with("$ORIGIN"));
    if !dropped.is_empty() {
        tracing::warn!(
            "{}: runtime_library_dirs {} not written into the extension (a RUNPATH into the \
             build machine); repair bundles the libraries found there",
            ext.name,
            dropped.join(", ")
        );
    }
    let mut define_macros = ext.define_macros.clone();
    if !ext.undef_macros.iter().any(|m| m == "NDEBUG")
        && !define_macros.iter().any(|(name, _)| name == "NDEBUG")
    {
        define_macros.push(("NDEBUG".to_string(), None));
    }
    let cxx = ext.language == "c++" || ext.sources.iter().any(|s| compile::is_cxx_source(s));
    ExtensionSpec {
        name: ext.name.clone(),
        sources: ext.sources.clone(),
        include_dirs: ext.include_dirs.clone(),
        define_macros,
        undef_macros: ext.undef_macros.clone(),
        libraries: ext.libraries.clone(),
        static_libraries: Vec::new(),
        library_dirs: ext.library_dirs.clone(),
        runtime_library_dirs: kept,
        extra_objects: ext.extra_objects.clone(),
        extra_compile_args: ext.extra_compile_args.clone(),
        extra_link_args: ext.extra_link_args.clone(),
        language: if cxx { Language::Cxx } else { Language::C },
        limited_api: ext.py_limited_api,
        strict_c: false,
        cdef: String::new(),
    }
}

/// The environment and hook runner for one interpreter.
fn with_runner<T>(
    project: &SetuptoolsProject,
    interpreter: &Interpreter,
    work_dir: PathBuf,
    options: &BuildOptions,
    body: impl FnOnce(&HookRunner<'_>) -> Result<T, SetuptoolsError>,
) -> Result<T, PipelineError> {
    let env: BuildEnv = setuptools::ensure_build_env(
        &options.cache_dir,
        interpreter,
        &project.requires,
        options.offline,
        options.setup_timeout,
    )?;
    let runner = HookRunner {
        project,
        env: &env,
        work_dir,
        limit: options.setup_timeout,
    };
    let extra = runner.requires()?;
    env.ensure_extra(&extra, options.offline, options.setup_timeout)?;
    Ok(body(&runner)?)
}

/// Runs the backend's build_wheel for `target` under its build interpreter, and notes the
/// binaries its wheel already holds: a project whose own `build_extension` compiles without
/// setuptools' (a CMake-built extension) leaves one, built for that interpreter alone.
fn capture(
    project: &SetuptoolsProject,
    target: &Target,
    options: &BuildOptions,
) -> Result<HollowBuild, PipelineError> {
    let mut hollow = run_build_wheel(project, target, options)?;
    hollow.prebuilt = read_members(&hollow.wheel)?
        .into_iter()
        .filter(|m| !m.name.contains(".dist-info/") && crate::repair::is_elf_bytes(&m.contents))
        .map(|m| m.name)
        .collect();
    if !hollow.prebuilt.is_empty() {
        tracing::warn!(
            "{}: setuptools' wheel already holds {}, built by the project's own code for {} \
             alone; it is shipped as built, checked and repaired",
            project.root.display(),
            hollow.prebuilt.join(", "),
            target.build_interpreter.identifier()
        );
    }
    Ok(hollow)
}

fn run_build_wheel(
    project: &SetuptoolsProject,
    target: &Target,
    options: &BuildOptions,
) -> Result<HollowBuild, PipelineError> {
    let interpreter = &target.build_interpreter;
    tracing::info!(
        "running {}'s build backend under {} {}",
        project.root.display(),
        interpreter.identifier(),
        interpreter.version_string()
    );
    let work_dir = options
        .build_dir
        .join("setuptools")
        .join(interpreter.identifier());
    with_runner(project, interpreter, work_dir, options, |runner| {
        runner.build()
    })
}

/// The project's `.dist-info` from its backend under the newest CPython found, and the
/// name, version and Requires-Python it gives.
///
/// Every wheel carries this `.dist-info`: one release says one thing, and it is what the
/// current setuptools says (what `pip wheel .` gives on a current Python), not what the
/// older setuptools of the abi3 wheel's build interpreter would say (3.8's setuptools 75
/// writes `Metadata-Version: 2.1` and no `licenses/` directory).
fn project_shape(
    project: &SetuptoolsProject,
    interpreters: &[Interpreter],
    options: &BuildOptions,
) -> Result<(ProjectShape, PreparedMetadata), PipelineError> {
    let host = interpreters
        .iter()
        .filter(|i| i.implementation == Implementation::CPython && !i.gil_disabled && !i.debug)
        .max_by_key(|i| i.version)
        .ok_or_else(|| {
            PipelineError::Metadata(
                "asking the project's build backend for its metadata needs a CPython; none \
                 was found (pass one with -i)"
                    .into(),
            )
        })?;
    tracing::info!(
        "asking {}'s build backend for its metadata under {} {}",
        project.root.display(),
        host.identifier(),
        host.version_string()
    );
    let work_dir = options.build_dir.join("setuptools").join("metadata");
    let prepared = with_runner(project, host, work_dir, options, |runner| runner.metadata())?;
    let text = &prepared.metadata;
    let source = prepared.dir.join("METADATA").display().to_string();
    let field = |name: &str| setuptools::pkg_info_field(text, name);
    let missing = |name: &str| PipelineError::Metadata(format!("{source} has no {name}"));
    let requires_python = match field("Requires-Python") {
        Some(spec) => Some(pep440_rs::VersionSpecifiers::from_str(&spec).map_err(|e| {
            PipelineError::Metadata(format!("{source}: Requires-Python `{spec}`: {e}"))
        })?),
        None => None,
    };
    let shape = ProjectShape {
        name: field("Name").ok_or_else(|| missing("Name"))?,
        version: field("Version").ok_or_else(|| missing("Version"))?,
        requires_python,
        modules: Vec::new(),
        abi3_allowed: true,
        abi3_required: false,
    };
    Ok((shape, prepared))
}

/// One wheel ready to be written.
struct Assembled {
    filename: WheelFilename,
    metadata: String,
    entries: Vec<WheelEntry>,
    extras: Vec<WheelEntry>,
}

impl Assembled {
    fn write(self, options: &BuildOptions) -> Result<WrittenWheel, PipelineError> {
        let info = WheelInfo {
            generator: format!("cffi-wheel {}", env!("CARGO_PKG_VERSION")),
            root_is_purelib: false,
            tags: self.filename.tags(),
            build: None,
        };
        let written = wheel::write_wheel_with_metadata_text(
            &options.out_dir,
            &self.filename,
            self.metadata,
            &info,
            self.entries,
            self.extras,
            options.source_date_epoch,
        )?;
        wheel::verify_wheel(&written.path)?;
        tracing::info!("wrote {}", written.path.display());
        Ok(written)
    }
}

/// setuptools' wheel with the compiled extensions added, re-tagged for `target`;
/// METADATA and the rest of `.dist-info` are kept as they are.
fn assemble(
    hollow: &Path,
    target: &Target,
    native: &NativeFiles,
    prepared: &PreparedMetadata,
) -> Result<Assembled, PipelineError> {
    let file_name = hollow
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let mut filename: WheelFilename = file_name.parse().map_err(WheelError::from)?;
    filename.python = vec![target.tag.python.clone()];
    filename.abi = vec![target.tag.abi.clone()];
    filename.platform = native.platform.clone();
    let members = read_members(hollow)?;
    // The `.dist-info` directory as setuptools named it (`PyNaCl-1.6.2.dist-info` for
    // some versions): the one top-level directory holding METADATA.
    let dist_info = members
        .iter()
        .filter_map(|m| m.name.strip_suffix(".dist-info/METADATA"))
        .find(|stem| !stem.contains('/'))
        .map(|stem| format!("{stem}.dist-info/"))
        .ok_or_else(|| {
            PipelineError::Metadata(format!("{} has no .dist-info/METADATA", hollow.display()))
        })?;
    let hollow_metadata = members
        .iter()
        .find(|m| m.name == format!("{dist_info}METADATA"))
        .map(|m| String::from_utf8_lossy(&m.contents).into_owned())
        .unwrap_or_default();
    for field in ["Name", "Version"] {
        let ours = setuptools::pkg_info_field(&prepared.metadata, field);
        let theirs = setuptools::pkg_info_field(&hollow_metadata, field);
        if ours != theirs {
            return Err(PipelineError::Metadata(format!(
                "the project's backend gave {field} {theirs:?} under {} but {ours:?} when asked \
                 for its metadata; a build that says two things cannot be released",
                target.build_interpreter.identifier()
            )));
        }
    }
    let replaced = |name: &str| native.files.iter().any(|(path, _)| path == name);
    let entries = members
        .into_iter()
        .filter(|m| !m.name.starts_with(&dist_info) && !replaced(&m.name))
        .map(|m| WheelEntry {
            path: m.name,
            contents: m.contents,
            executable: m.executable,
        });
    let mut entries: Vec<WheelEntry> = entries.collect();
    let extras = prepared
        .files
        .iter()
        .map(|(path, contents)| WheelEntry {
            path: path.clone(),
            contents: contents.clone(),
            executable: false,
        })
        .collect();
    let metadata = prepared.metadata.clone();
    for (archive_path, path) in &native.files {
        entries.push(WheelEntry {
            path: archive_path.clone(),
            contents: super::contents::read(path)?,
            executable: true,
        });
    }
    Ok(Assembled {
        filename,
        metadata,
        entries,
        extras,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn captured() -> CapturedExtension {
        CapturedExtension {
            name: "pkg._ext".into(),
            sources: vec![PathBuf::from("/p/build/pkg/_ext.c")],
            include_dirs: vec![PathBuf::from("/py/include/python3.8")],
            define_macros: vec![("FOO".into(), Some("1".into()))],
            undef_macros: Vec::new(),
            libraries: vec!["m".into()],
            library_dirs: Vec::new(),
            runtime_library_dirs: vec!["$ORIGIN/../lib".into(), "/opt/build/lib".into()],
            extra_objects: Vec::new(),
            extra_compile_args: vec!["-std=c99".into()],
            extra_link_args: Vec::new(),
            language: "c".into(),
            py_limited_api: true,
        }
    }

    #[test]
    fn only_origin_relative_runtime_library_dirs_are_kept() {
        let spec = spec_of(&captured());
        assert_eq!(spec.runtime_library_dirs, ["$ORIGIN/../lib"]);
    }

    #[test]
    fn ndebug_is_defined_as_sysconfig_would_unless_the_extension_undefines_it() {
        let spec = spec_of(&captured());
        assert!(spec.define_macros.contains(&("NDEBUG".to_string(), None)));
        assert!(
            spec.define_macros
                .contains(&("FOO".to_string(), Some("1".into())))
        );
        let mut undefined = captured();
        undefined.undef_macros = vec!["NDEBUG".into()];
        let spec = spec_of(&undefined);
        assert!(!spec.define_macros.iter().any(|(name, _)| name == "NDEBUG"));
    }

    #[test]
    fn a_cxx_source_or_language_links_with_the_cxx_driver() {
        assert_eq!(spec_of(&captured()).language, Language::C);
        let mut cxx = captured();
        cxx.sources.push(PathBuf::from("/p/src/lib.cpp"));
        assert_eq!(spec_of(&cxx).language, Language::Cxx);
        let mut declared = captured();
        declared.language = "c++".into();
        assert_eq!(spec_of(&declared).language, Language::Cxx);
    }

    #[test]
    fn setuptools_extensions_are_compiled_without_the_strict_cdef_check() {
        let spec = spec_of(&captured());
        assert!(
            !spec.strict_c,
            "setuptools compiles their C without -Werror"
        );
        assert!(spec.limited_api);
    }

    #[test]
    fn the_distribution_name_is_read_from_setuptools_wheel_name() {
        let path = Path::new("/w/PyNaCl-1.6.2-cp38-cp38-linux_x86_64.whl");
        assert_eq!(hollow_dist_name(path), "PyNaCl");
    }
}
