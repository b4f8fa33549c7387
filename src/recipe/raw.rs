//! Raw recipe types: they mirror `cffi-wheel.yaml` key for key, with spans, and trust nothing.
//!
//! `validate` turns them into a [`super::Recipe`]. Keys mirror cffi's own `set_source`
//! keyword names so a cffi user reads a recipe at once.

use std::collections::BTreeMap;

use marked_yaml::Spanned;
use serde::Deserialize;

/// A string with the place it came from.
pub type SStr = Spanned<String>;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRecipe {
    /// Distribution metadata.
    pub package: Spanned<RawPackage>,
    /// Pure-Python package directories copied into the wheel.
    #[serde(default)]
    pub packages: Vec<SStr>,
    /// Extension modules.
    pub modules: Spanned<Vec<Spanned<RawModule>>>,
    /// Build settings.
    #[serde(default)]
    pub build: Option<RawBuild>,
    /// Test settings, used by `cffi-wheel test`.
    #[serde(default)]
    pub test: Option<RawTest>,
    /// Named build options and their defaults (`--config NAME=VALUE` sets them).
    #[serde(default)]
    pub options: BTreeMap<String, SStr>,
    /// What goes into the sdist besides the files the recipe references.
    #[serde(default)]
    pub sdist: Option<RawSdist>,
}

/// `sdist:`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSdist {
    /// Extra globs to include (relative to the project root).
    #[serde(default)]
    pub include: Vec<SStr>,
    /// Globs to leave out.
    #[serde(default)]
    pub exclude: Vec<SStr>,
}

/// `package:`: core metadata.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPackage {
    /// Distribution name (PEP 508).
    pub name: SStr,
    /// Version (PEP 440).
    pub version: Option<SStr>,
    /// A file holding the version: a `.py` file's `__version__ = "..."`, or a file whose
    /// whole content is the version (`[project] dynamic = ["version"]`).
    pub version_file: Option<SStr>,
    /// One-line summary.
    pub summary: Option<SStr>,
    /// `Requires-Python` specifiers.
    pub requires_python: Option<SStr>,
    /// Extra `Requires-Dist` entries (PEP 508).
    #[serde(default)]
    pub dependencies: Vec<SStr>,
    /// SPDX license expression (PEP 639).
    pub license: Option<SStr>,
    /// License files, relative to the recipe.
    #[serde(default)]
    pub license_files: Vec<SStr>,
    /// Readme file, relative to the recipe.
    pub readme: Option<SStr>,
    /// The readme's content type when its extension does not say (`text/markdown`, …).
    pub readme_content_type: Option<SStr>,
    /// Authors.
    #[serde(default)]
    pub authors: Vec<RawPerson>,
    /// Project URLs, label to URL.
    #[serde(default)]
    pub urls: BTreeMap<String, SStr>,
    /// Keywords.
    #[serde(default)]
    pub keywords: Vec<SStr>,
    /// Trove classifiers.
    #[serde(default)]
    pub classifiers: Vec<SStr>,
}

/// An author entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPerson {
    /// Name.
    pub name: Option<SStr>,
    /// Email address.
    pub email: Option<SStr>,
}

/// One entry of `modules:`, and also one entry of a module's `overrides:` (which adds
/// `when` and may not have `name` or `overrides`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawModule {
    /// Dotted module name.
    pub name: Option<SStr>,
    /// In an override: the condition (`option`, `option=value`, `!option`, `platform=linux`).
    pub when: Option<SStr>,
    /// An existing cffi build script, `path/build.py:ffibuilder`, run as-is.
    pub script: Option<SStr>,
    /// With `script`: the package that completes the script's module name (setup.py's
    /// `ext_package`).
    pub ext_package: Option<SStr>,
    /// Inline cdef.
    pub cdef: Option<SStr>,
    /// Files whose contents form the cdef, in order.
    pub cdef_files: Option<Spanned<Vec<SStr>>>,
    /// Inline `set_source` C text.
    pub source: Option<SStr>,
    /// File holding the `set_source` C text.
    pub source_file: Option<SStr>,
    /// Extra C sources (globs).
    pub sources: Option<Vec<SStr>>,
    /// Include directories.
    pub include_dirs: Option<Vec<SStr>>,
    /// Libraries to link.
    pub libraries: Option<Vec<SStr>>,
    /// Library search directories.
    pub library_dirs: Option<Vec<SStr>>,
    /// Macros: name to value (null for a bare define).
    pub define_macros: Option<BTreeMap<String, Option<SStr>>>,
    /// Macros to undefine.
    pub undef_macros: Option<Vec<SStr>>,
    /// Extra compiler arguments.
    pub extra_compile_args: Option<Vec<SStr>>,
    /// Extra linker arguments.
    pub extra_link_args: Option<Vec<SStr>>,
    /// Extra object files or archives to link.
    pub extra_objects: Option<Vec<SStr>>,
    /// pkg-config packages whose cflags and libs are added.
    pub pkg_config: Option<Vec<SStr>>,
    /// A prefix holding `include/` and `lib/` of an external library.
    pub library_prefix: Option<SStr>,
    /// `static`, `shared` or `auto`: how external libraries get in.
    pub link: Option<SStr>,
    /// Build steps run before compiling (a vendored library's own build system).
    pub prebuild: Option<Vec<Spanned<RawPrebuild>>>,
    /// `auto`, `true` or `false`.
    pub limited_api: Option<SStr>,
    /// `c` or `c++`.
    pub language: Option<SStr>,
    /// Settings that replace the module's own when their condition holds.
    pub overrides: Option<Vec<Spanned<RawModule>>>,
}

/// One `prebuild:` step.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPrebuild {
    /// Shell command (run with `sh -c`).
    pub run: SStr,
    /// Working directory, relative to the project root.
    pub cwd: Option<SStr>,
    /// Extra environment.
    #[serde(default)]
    pub env: BTreeMap<String, SStr>,
    /// Globs whose files key the cache (default: everything under `cwd`).
    pub inputs: Option<Vec<SStr>>,
    /// Files the step produces, relative to `$OUT_DIR`.
    pub outputs: Vec<SStr>,
    /// Include directories it provides (`$OUT_DIR/...` or project-relative).
    #[serde(default)]
    pub include_dirs: Vec<SStr>,
}

/// `build:`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBuild {
    /// Interpreter selectors to build for.
    #[serde(default)]
    pub interpreters: Vec<SStr>,
    /// Interpreter selectors to skip.
    #[serde(default)]
    pub skip: Vec<SStr>,
    /// Optimisation level 0–3.
    pub opt_level: Option<SStr>,
    /// Emit debug info.
    pub debug_info: Option<SStr>,
}

/// `test:`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTest {
    /// Requirements installed before the test command.
    #[serde(default)]
    pub requires: Vec<SStr>,
    /// The test command.
    pub command: Option<SStr>,
}
