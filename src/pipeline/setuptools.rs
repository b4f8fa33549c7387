//! The setuptools path: an unmodified setuptools project, built for every interpreter at once.
//!
//! 1. The project's shape: name, version and Requires-Python from the backend's
//!    `prepare_metadata_for_build_wheel` under the newest CPython, whose `.dist-info` every
//!    wheel carries.
//! 2. The plan, assuming abi3 until an Extension says otherwise.
//! 3. Per target, the backend's `build_wheel` under the target's interpreter, with compiling
//!    recorded instead of done ([`crate::setuptools`]); targets side by side, each in a copy
//!    of the tree, unless the project builds in its tree. When an Extension is not
//!    `py_limited_api`, the CPythons get one build each, and the plan is made again.
//! 4. Per target, right after its run, cffi-wheel compiles and links the recorded
//!    Extensions, checks and repairs them, and adds them to setuptools' wheel, which it
//!    re-tags and re-packs. Wheels are written once every target is assembled.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;

use super::native::{self, NativeFiles};
use super::{BuildOptions, BuildReport, BuiltWheel, PipelineError, ResolvedTarget};
use crate::compile::{self, ExtensionSpec, PrefixMaps};
use crate::interpreter::{Implementation, Interpreter};
use crate::plan::{self, BuildPlan, ProjectShape, Selection, Target};
use crate::recipe::Language;
use crate::setuptools::{
    self, BuildEnv, CapturedExtension, CopyRules, HollowBuild, HookRunner, PreparedMetadata,
    SetuptoolsError, SetuptoolsProject,
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
    #[serde(flatten)]
    pub plan: BuildPlan,
    /// Per target id: what setuptools' run under its interpreter left.
    pub builds: BTreeMap<String, HollowBuild>,
    /// Per target: what cffi-wheel compiles.
    pub resolved: Vec<ResolvedTarget>,
}

/// How a backend run that has not happened yet shares the project tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trees {
    /// In the project itself (what pip does): when no other run overlaps it.
    InPlace,
    /// In a private copy, so that it can overlap other runs.
    Copies,
}

/// What one build interpreter's piece of a round gave.
enum Finished<T> {
    /// Its targets, finished by `each`.
    Done(Vec<(String, T)>),
    /// An Extension that is not `py_limited_api` (or a binary setuptools built itself): the
    /// CPythons need one build each.
    PerVersion(Vec<String>),
}

/// Runs the project's backend for every target of the plan (steps 1-3) and `each` on every
/// target with its recorded build, as soon as that target's run is final; up to
/// `options.jobs` at a time, PyPy's (the slowest) first.
///
/// A run that overlaps another runs in a private copy of the tree ([`setuptools::copy_tree`]):
/// a project writes generated sources at fixed places in its tree (cffi's
/// `distutils_extension()` writes under `build/`), which another target's run would rewrite.
/// A tree too large to copy gets its runs one after another in place, each target finished
/// before the next run starts.
pub fn resolve_setuptools<T: Send>(
    project: &SetuptoolsProject,
    interpreters: &[Interpreter],
    selection: &Selection,
    options: &BuildOptions,
    each: impl Fn(&Target, &HollowBuild, &PreparedMetadata) -> Result<T, PipelineError> + Sync,
) -> Result<(ResolvedProject, Vec<T>), PipelineError> {
    let _build_dir = super::hold_build_dir(options)?;
    let rules = copy_rules(project, options);
    let before = setuptools::TreeState::read(&project.root, &rules, setuptools::COPY_LIMIT_BYTES);
    let (mut shape, metadata) = project_shape(project, interpreters, options)?;
    let copyable = copies_pay(project, &rules, before);
    let mut plan = plan::plan_project(&shape, interpreters, selection)?;
    let captures: Mutex<BTreeMap<PathBuf, HollowBuild>> = Mutex::default();
    let mut done: BTreeMap<String, T> = BTreeMap::new();
    // Build interpreters whose run went in the project tree itself.
    let mut in_place: Vec<PathBuf> = Vec::new();
    loop {
        let known: Vec<PathBuf> = lock(&captures)?.keys().cloned().collect();
        let groups = pending_groups(&plan, &done, &known);
        if groups.is_empty() {
            break;
        }
        let new = groups.iter().filter(|g| !known.contains(&g.0)).count();
        // A run in place whose targets are not finished: its tree must stay as it is.
        let place_busy = groups.iter().any(|g| in_place.contains(&g.0));
        let (trees, workers) = if new == 0 || (new == 1 && !place_busy) {
            (Trees::InPlace, options.jobs)
        } else if copyable {
            (Trees::Copies, options.jobs)
        } else {
            (Trees::InPlace, 1)
        };
        if trees == Trees::InPlace {
            in_place.extend(
                groups
                    .iter()
                    .filter(|g| !known.contains(&g.0))
                    .map(|g| g.0.clone()),
            );
        }
        let results = crate::jobs::run_ordered(
            &groups,
            workers,
            |r: &Result<Finished<T>, PipelineError>| !matches!(r, Ok(Finished::Done(_))),
            |(python, targets)| {
                let known = lock(&captures)?.get(python).cloned();
                let hollow = match known {
                    Some(hollow) => hollow,
                    None => {
                        let hollow = capture(project, targets[0], trees, options)?;
                        lock(&captures)?.insert(python.clone(), hollow.clone());
                        hollow
                    }
                };
                let per_version = per_version_parts(&hollow);
                if targets.iter().any(|t| t.limited_api) && !per_version.is_empty() {
                    return Ok(Finished::PerVersion(per_version));
                }
                let mut finished = Vec::new();
                for target in targets {
                    finished.push((target.id.clone(), each(target, &hollow, &metadata)?));
                }
                Ok(Finished::Done(finished))
            },
        );
        let mut replan = None;
        for result in results.into_iter().flatten() {
            match result? {
                Finished::Done(finished) => done.extend(finished),
                Finished::PerVersion(names) => replan = Some(names),
            }
        }
        if let Some(names) = replan {
            tracing::info!(
                "{} not py_limited_api: one build per CPython version",
                names.join(", ")
            );
            shape.abi3_allowed = false;
            plan = plan::plan_project(&shape, interpreters, selection)?;
        }
    }
    let captures = captures.into_inner().map_err(|_| PipelineError::Panicked {
        what: "backend run",
    })?;
    plan.modules = captures
        .values()
        .flat_map(|h| h.extensions.iter().map(|e| e.name.clone()))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut builds = BTreeMap::new();
    let mut resolved = Vec::new();
    let mut finished = Vec::new();
    for target in &plan.targets {
        if let Some(hollow) = captures.get(&target.build_interpreter.path) {
            builds.insert(target.id.clone(), hollow.clone());
            resolved.push(ResolvedTarget {
                target: target.id.clone(),
                extensions: hollow.extensions.iter().map(spec_of).collect(),
            });
        }
        if let Some(result) = done.remove(&target.id) {
            finished.push(result);
        }
    }
    let project = ResolvedProject {
        project: project.clone(),
        metadata,
        plan,
        builds,
        resolved,
    };
    Ok((project, finished))
}

fn lock<T>(mutex: &Mutex<T>) -> Result<std::sync::MutexGuard<'_, T>, PipelineError> {
    mutex.lock().map_err(|_| PipelineError::Panicked {
        what: "backend run",
    })
}

/// The plan's unfinished targets grouped by build interpreter: groups whose run is already
/// recorded first (a run in place must be finished before the next one rewrites the tree),
/// then PyPy's (the slowest run), then in plan order.
fn pending_groups<'p, T>(
    plan: &'p BuildPlan,
    done: &BTreeMap<String, T>,
    known: &[PathBuf],
) -> Vec<(PathBuf, Vec<&'p Target>)> {
    let mut groups: Vec<(PathBuf, Vec<&Target>)> = Vec::new();
    for target in plan.targets.iter().filter(|t| !done.contains_key(&t.id)) {
        let python = &target.build_interpreter.path;
        match groups.iter_mut().find(|g| g.0 == *python) {
            Some(group) => group.1.push(target),
            None => groups.push((python.clone(), vec![target])),
        }
    }
    groups.sort_by_key(|(python, targets)| {
        (
            !known.contains(python),
            targets[0].build_interpreter.implementation != Implementation::PyPy,
        )
    });
    groups
}

/// The Extensions (and binaries setuptools built itself) that rule out abi3.
fn per_version_parts(hollow: &HollowBuild) -> Vec<String> {
    hollow
        .extensions
        .iter()
        .filter(|e| !e.py_limited_api)
        .map(|e| e.name.clone())
        .chain(hollow.prebuilt.iter().cloned())
        .collect()
}

/// Whether the targets' runs may go side by side in copies of the tree: when the tree is
/// small enough to copy, and the metadata run did not build much in it. A project that
/// builds its bundled library inside its own tree (python-olm runs CMake in `libolm/build`
/// whenever setup.py is read) does that work once for all runs in place, where every copy
/// would do it again.
fn copies_pay(
    project: &SetuptoolsProject,
    rules: &CopyRules,
    before: std::io::Result<Option<setuptools::TreeState>>,
) -> bool {
    let root = project.root.display();
    let before = match before {
        Ok(Some(before)) => before,
        Ok(None) => {
            tracing::info!(
                "{root} holds more than {} MiB: its targets' backend runs go one after \
                 another in place instead of side by side in copies",
                setuptools::COPY_LIMIT_BYTES >> 20
            );
            return false;
        }
        Err(e) => {
            tracing::info!("{root}: {e}; its targets' backend runs go one after another in place");
            return false;
        }
    };
    let after = setuptools::TreeState::read(&project.root, rules, u64::MAX);
    let Ok(Some(after)) = after else {
        return false;
    };
    let (grown, example) = after.grown_since(&before);
    if grown > IN_TREE_BUILD_BYTES {
        tracing::info!(
            "the build backend wrote {} KiB into {root} (such as {}): its targets' runs go one \
             after another in place, sharing that work",
            grown >> 10,
            example.map(|p| p.display().to_string()).unwrap_or_default()
        );
        return false;
    }
    true
}

/// More than this written into the tree by the metadata run means the project builds there.
const IN_TREE_BUILD_BYTES: u64 = 1 << 20;

fn copy_rules(project: &SetuptoolsProject, options: &BuildOptions) -> CopyRules {
    let out_dir = std::path::absolute(&options.out_dir).unwrap_or_else(|_| options.out_dir.clone());
    CopyRules {
        excluded: [options.build_dir.clone(), out_dir]
            .into_iter()
            .filter(|dir| dir.starts_with(&project.root))
            .collect(),
    }
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
    let (resolved, staged) = resolve_setuptools(
        project,
        interpreters,
        selection,
        options,
        |target, hollow, metadata| {
            let maps = PrefixMaps {
                project_root: hollow.tree.clone(),
                build_dir: options.build_dir.clone(),
            };
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
            // Assembled now: the hollow wheel and the linked files are read before the tree
            // can be rewritten.
            let assembled = assemble(&hollow.wheel, target, &native, metadata)?;
            Ok((target.clone(), assembled, native.repair))
        },
    )?;
    let mut wheels = Vec::new();
    for (target, assembled, repair) in staged {
        let written = assembled.write(options)?;
        wheels.push(BuiltWheel::new(&target, written, repair));
    }
    Ok(BuildReport {
        plan: resolved.plan,
        resolved: resolved.resolved,
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
    for member in wheel::unpack_wheel(&hollow.wheel)?.payload {
        if !hollow.prebuilt.contains(&member.path) {
            continue;
        }
        let path = dir.join(&member.path);
        if let Some(parent) = path.parent() {
            fs_err::create_dir_all(parent)?;
        }
        fs_err::write(&path, &member.contents)?;
        found.push(compile::BuiltExtension {
            module: member.path.clone(),
            target: target.id.clone(),
            path,
            archive_path: member.path,
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

/// Runs the backend's build_wheel for `target` under its build interpreter, in the project
/// or in a fresh copy of it, and notes the binaries its wheel already holds: a project whose
/// own `build_extension` compiles without setuptools' (a CMake-built extension) leaves one,
/// built for that interpreter alone.
fn capture(
    project: &SetuptoolsProject,
    target: &Target,
    trees: Trees,
    options: &BuildOptions,
) -> Result<HollowBuild, PipelineError> {
    let interpreter = &target.build_interpreter;
    let work_dir = options
        .build_dir
        .join("setuptools")
        .join(interpreter.identifier());
    let copy;
    let at = match trees {
        Trees::InPlace => project,
        Trees::Copies => {
            let tree = work_dir.join("tree");
            setuptools::copy_tree(&project.root, &tree, &copy_rules(project, options))?;
            copy = project.at(tree);
            &copy
        }
    };
    tracing::info!(
        "running {}'s build backend under {} {}{}",
        project.root.display(),
        interpreter.identifier(),
        interpreter.version_string(),
        if trees == Trees::Copies {
            " (in a copy)"
        } else {
            ""
        }
    );
    let mut hollow = with_runner(at, interpreter, work_dir, options, |runner| runner.build())?;
    hollow.prebuilt = wheel::unpack_wheel(&hollow.wheel)?
        .payload
        .into_iter()
        .filter(|m| crate::repair::is_elf_bytes(&m.contents))
        .map(|m| m.path)
        .collect();
    if !hollow.prebuilt.is_empty() {
        tracing::warn!(
            "{}: setuptools' wheel already holds {}, built by the project's own code for {} \
             alone; it is shipped as built, checked and repaired",
            project.root.display(),
            hollow.prebuilt.join(", "),
            interpreter.identifier()
        );
    }
    Ok(hollow)
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
        .ok_or(PipelineError::NoMetadataHost)?;
    tracing::info!(
        "asking {}'s build backend for its metadata under {} {}",
        project.root.display(),
        host.identifier(),
        host.version_string()
    );
    let work_dir = options.build_dir.join("setuptools").join("metadata");
    let prepared = with_runner(project, host, work_dir, options, |runner| runner.metadata())?;
    let text = &prepared.metadata;
    let file = prepared.dir.join("METADATA");
    let field = |name: &str| setuptools::pkg_info_field(text, name);
    let missing = |field: &'static str| PipelineError::MissingField {
        file: file.clone(),
        field,
    };
    let requires_python =
        match field("Requires-Python") {
            Some(spec) => Some(pep440_rs::VersionSpecifiers::from_str(&spec).map_err(
                |source| PipelineError::RequiresPython {
                    file: file.clone(),
                    spec: spec.clone(),
                    source,
                },
            )?),
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
    let unpacked = wheel::unpack_wheel(hollow)?;
    let hollow_metadata = &unpacked.metadata;
    for field in ["Name", "Version"] {
        let ours = setuptools::pkg_info_field(&prepared.metadata, field);
        let theirs = setuptools::pkg_info_field(hollow_metadata, field);
        if ours != theirs {
            return Err(PipelineError::Inconsistent {
                field,
                theirs,
                ours,
                interpreter: target.build_interpreter.identifier(),
            });
        }
    }
    let replaced = |name: &str| native.files.iter().any(|(path, _)| path == name);
    let mut entries: Vec<WheelEntry> = unpacked
        .payload
        .into_iter()
        .filter(|m| !replaced(&m.path))
        .collect();
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
            contents: wheel::read_project_file(path)?,
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
