//! The resolved build description of a recipe: between the recipe and the plan.
//!
//! Each module of the recipe becomes what cffi is given ([`CodegenInput`]) and what the
//! compiler is given ([`ExtensionSpec`]): build scripts described, external libraries found
//! (pkg-config, prefixes, `link: static`), prebuild steps' outputs and include dirs added.
//! Later stages read this; none of them edits the recipe. A setuptools project reaches the
//! same [`ExtensionSpec`] from the Extensions its backend recorded.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{BuildOptions, PipelineError, ResolvedTarget, codegen_hosts};
use crate::codegen::{self, CodegenInput, GeneratedSource, ScriptDescription};
use crate::compile::{self, ExtensionSpec};
use crate::interpreter::Interpreter;
use crate::plan::{BuildPlan, Flavour};
use crate::recipe::{Language, LimitedApi, Recipe};
use crate::toolchain::{Toolchain, resolve_externals};

/// One module of a recipe, resolved.
#[derive(Debug, Clone, Serialize)]
pub struct ResolvedModule {
    /// What cffi generates the module's C from.
    #[serde(skip)]
    pub codegen: CodegenInput,
    /// What the compiler and linker get, the generated C aside.
    pub spec: ExtensionSpec,
}

/// Whether prebuild steps run now (`build`) or are only described (`plan`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prebuild {
    /// Run (or reuse from the cache) every step.
    Run,
    /// List the outputs and include dirs the steps will give, running nothing.
    Describe,
}

/// Resolves every module of `recipe`.
pub fn resolve_recipe(
    recipe: &Recipe,
    interpreters: &[Interpreter],
    toolchain: &Toolchain,
    options: &BuildOptions,
    prebuild: Prebuild,
) -> Result<Vec<ResolvedModule>, PipelineError> {
    let mut resolved = Vec::new();
    for module in &recipe.modules {
        let mut codegen = CodegenInput::from(module);
        let mut spec = ExtensionSpec::from(module);
        if let Some(script) = &module.script {
            let host = codegen_hosts(interpreters, options).for_scripts()?;
            let desc =
                codegen::describe_script(&host.python, host.isolation, &recipe.root, script)?;
            warn_unused_arguments(&script.path, &desc, module.limited_api);
            if codegen.name.is_empty() {
                codegen.name = match &script.ext_package {
                    Some(package) => format!("{package}.{}", desc.module),
                    None => desc.module.clone(),
                };
                spec.name = codegen.name.clone();
            }
            apply_script_settings(&mut codegen, &mut spec, &recipe.root, desc);
            tracing::info!(
                "{}: module {} from {}",
                script.path,
                codegen.name,
                script.attribute
            );
        }
        resolve_externals(module, &mut spec, options.prefix.as_deref())?;
        let run = prebuild == Prebuild::Run;
        compile::run_prebuild(
            module,
            &mut spec,
            toolchain,
            &recipe.root,
            &options.build_dir,
            run,
        )?;
        resolved.push(ResolvedModule { codegen, spec });
    }
    Ok(resolved)
}

/// Warns about `set_source` arguments cffi-wheel does not apply.
fn warn_unused_arguments(script: &str, desc: &ScriptDescription, recipe: LimitedApi) {
    if !desc.ignored.is_empty() {
        tracing::warn!(
            "{script}: set_source arguments not used by cffi-wheel: {}",
            desc.ignored.join(", ")
        );
    }
    if let Some(warning) = limited_api_disagreement(script, desc.py_limited_api, recipe) {
        tracing::warn!("{warning}");
    }
}

/// The warning for a script's `py_limited_api` that the recipe's `limited_api` overrules.
fn limited_api_disagreement(
    script: &str,
    wanted: Option<bool>,
    recipe: LimitedApi,
) -> Option<String> {
    // `auto` builds for the stable ABI where the interpreter allows, as
    // `py_limited_api=True` does under setuptools; the two disagree otherwise.
    let (given, fix) = match (wanted?, recipe) {
        (true, LimitedApi::False) => ("True", "auto"),
        (false, LimitedApi::Auto | LimitedApi::True) => ("False", "false"),
        _ => return None,
    };
    let ours = match recipe {
        LimitedApi::Auto => "auto",
        LimitedApi::True => "true",
        LimitedApi::False => "false",
    };
    Some(format!(
        "{script}: set_source(..., py_limited_api={given}) is not applied; the recipe's \
         `limited_api` ({ours}) decides whether the module is built for the stable ABI\n\
         help: set `limited_api: {fix}` on this module to build as the script asks"
    ))
}

/// A build script's `set_source` arguments come first, the recipe's own after them.
fn apply_script_settings(
    codegen: &mut CodegenInput,
    spec: &mut ExtensionSpec,
    root: &Path,
    desc: ScriptDescription,
) {
    let path = |p: String| root.join(p);
    let settings = desc.settings;
    codegen.source = desc.source;
    codegen.cdef = desc.cdef.clone();
    spec.cdef = desc.cdef;
    if desc.cplusplus {
        spec.language = Language::Cxx;
    }
    let prepend = |ours: &mut Vec<PathBuf>, theirs: Vec<String>| {
        let mut all: Vec<PathBuf> = theirs.into_iter().map(path).collect();
        all.append(ours);
        *ours = all;
    };
    prepend(&mut spec.sources, settings.sources);
    prepend(&mut spec.include_dirs, settings.include_dirs);
    prepend(&mut spec.library_dirs, settings.library_dirs);
    prepend(&mut spec.extra_objects, settings.extra_objects);
    fn before<T>(theirs: Vec<T>, ours: &mut Vec<T>) {
        let mut all = theirs;
        all.append(ours);
        *ours = all;
    }
    before(settings.libraries, &mut spec.libraries);
    before(settings.define_macros, &mut spec.define_macros);
    spec.undef_macros.extend(settings.undef_macros);
    before(settings.extra_compile_args, &mut spec.extra_compile_args);
    before(settings.extra_link_args, &mut spec.extra_link_args);
}

/// Where codegen writes a module's C for a flavour.
pub fn generated_path(options: &BuildOptions, flavour: &Flavour, module: &str) -> PathBuf {
    options
        .build_dir
        .join("gen")
        .join(flavour.key())
        .join(format!("{module}.c"))
}

/// Per target, each module's spec with its generated C first and the target's limited API:
/// exactly what is compiled (`BuildReport.resolved`, `plan --json`).
pub fn per_target(
    modules: &[ResolvedModule],
    plan: &BuildPlan,
    options: &BuildOptions,
    generated: &BTreeMap<(Flavour, String), GeneratedSource>,
) -> Vec<ResolvedTarget> {
    plan.targets
        .iter()
        .map(|target| ResolvedTarget {
            target: target.id.clone(),
            extensions: modules
                .iter()
                .map(|module| {
                    let mut spec = module.spec.clone();
                    let key = (target.flavour.clone(), spec.name.clone());
                    let source = generated.get(&key).map_or_else(
                        || generated_path(options, &target.flavour, &spec.name),
                        |g| g.path.clone(),
                    );
                    spec.sources.insert(0, source);
                    spec.limited_api = target.limited_api;
                    spec
                })
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_script_py_limited_api_the_recipe_overrules_is_warned_about() {
        let warn = |wanted, recipe| limited_api_disagreement("b.py", wanted, recipe);
        let text = warn(Some(false), LimitedApi::Auto).expect("disagree");
        assert!(
            text.contains("py_limited_api=False) is not applied"),
            "{text}"
        );
        assert!(text.contains("help: set `limited_api: false`"), "{text}");
        let text = warn(Some(true), LimitedApi::False).expect("disagree");
        assert!(text.contains("help: set `limited_api: auto`"), "{text}");
        assert_eq!(warn(Some(true), LimitedApi::Auto), None);
        assert_eq!(warn(Some(false), LimitedApi::False), None);
        assert_eq!(warn(None, LimitedApi::True), None);
    }
}
