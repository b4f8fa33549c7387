//! The recipe: what a cffi build script says, as checked data.
//!
//! Parse, then validate: [`raw`] mirrors the YAML with spans; [`validate`] turns it into a
//! [`Recipe`] whose fields can be trusted, or a [`RecipeError`] naming file, line and column.

mod config;
mod deserialize;
mod error;
mod paths;
mod pyproject;
pub mod raw;
mod sdist;
mod validate;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::Requirement;
use serde::Serialize;

pub use config::{BuildConfig, host_platform, parse_assignment};
pub use error::{Located, Locator, RecipeError};
pub use paths::{Containment, PathProblem, slash_path};

/// The default recipe file name in a project directory.
pub const RECIPE_FILE: &str = "cffi-wheel.yaml";

/// A checked recipe.
#[derive(Debug, Clone, Serialize)]
pub struct Recipe {
    /// The recipe file.
    pub path: PathBuf,
    /// The project root: the directory holding the recipe. Relative paths start here.
    pub root: PathBuf,
    /// Distribution metadata.
    pub package: Package,
    /// Pure-Python package directories (relative to `root`, `/`-separated).
    pub packages: Vec<String>,
    /// Top-level pure-Python modules, shipped as `<name>.py` at the wheel's root.
    pub py_modules: Vec<PyModule>,
    /// Extension modules.
    pub modules: Vec<Module>,
    /// Build settings.
    pub build: BuildSettings,
    /// Test settings.
    pub test: TestSettings,
    /// Files for the sdist: globs (relative to the root) of every file the recipe can use,
    /// under any option (all overrides, not only the selected ones), plus `sdist.include`.
    pub sdist_include: Vec<String>,
    /// `sdist.exclude` globs.
    pub sdist_exclude: Vec<String>,
    /// Symbolic links (relative to the root, `/`-separated) whose targets may lie outside
    /// the project and still be published.
    pub allow_outside_links: Vec<String>,
}

impl Recipe {
    /// The check that files to publish stay inside the project (or pass an allowed link).
    pub fn containment(&self) -> Containment {
        Containment::new(&self.root, &self.allow_outside_links)
    }
}

/// Checked distribution metadata.
#[derive(Debug, Clone, Serialize)]
pub struct Package {
    /// Distribution name as written (PEP 508 valid).
    pub name: String,
    /// Version.
    pub version: Version,
    /// Summary line.
    pub summary: Option<String>,
    /// `Requires-Python`.
    pub requires_python: Option<VersionSpecifiers>,
    /// Extra requirements.
    #[serde(serialize_with = "serialize_display_list")]
    pub dependencies: Vec<Requirement>,
    /// Extras (`Provides-Extra`) and what each adds, in the order written.
    pub optional_dependencies: Vec<Extra>,
    /// Entry points: group → name → object reference, sorted (as setuptools writes them).
    /// Scripts are the `console_scripts` group, GUI scripts the `gui_scripts` group.
    pub entry_points: BTreeMap<String, BTreeMap<String, String>>,
    /// SPDX license expression.
    pub license: Option<String>,
    /// License files relative to the root (`/`-separated).
    pub license_files: Vec<String>,
    /// Readme: relative path and content type.
    pub readme: Option<Readme>,
    /// Authors.
    pub authors: Vec<Person>,
    /// Maintainers.
    pub maintainers: Vec<Person>,
    /// Project URLs.
    pub urls: Vec<(String, String)>,
    /// Keywords.
    pub keywords: Vec<String>,
    /// Classifiers.
    pub classifiers: Vec<String>,
}

/// An extra: its name and the requirements it adds.
#[derive(Debug, Clone, Serialize)]
pub struct Extra {
    /// The name normalised by PEP 685 (`Test_Extra` → `test-extra`).
    pub name: String,
    /// The requirements as written, without the `extra == ...` marker.
    #[serde(serialize_with = "serialize_display_list")]
    pub requirements: Vec<Requirement>,
}

/// A top-level pure-Python module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PyModule {
    /// The import name, and the file's stem: the wheel holds `<name>.py`.
    pub name: String,
    /// The file relative to the root (`/`-separated), e.g. `helper.py` or `src/helper.py`.
    pub path: String,
}

/// A readme file and its content type.
#[derive(Debug, Clone, Serialize)]
pub struct Readme {
    /// Path relative to the root.
    pub path: String,
    /// `text/markdown`, `text/x-rst` or `text/plain`.
    pub content_type: String,
}

/// An author or maintainer.
#[derive(Debug, Clone, Serialize)]
pub struct Person {
    /// Name.
    pub name: Option<String>,
    /// Email.
    pub email: Option<String>,
}

/// Whether the generated module uses the limited API (abi3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LimitedApi {
    /// Use it where the interpreter allows (GIL, non-debug CPython).
    Auto,
    /// Require it: builds for interpreters that cannot use it are skipped with a note.
    True,
    /// Never: one build per CPython version.
    False,
}

/// The language of a module's sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Language {
    /// C.
    #[serde(rename = "c")]
    C,
    /// C++.
    #[serde(rename = "c++")]
    Cxx,
}

/// How external libraries (pkg-config, prefix, prebuild) are linked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkMode {
    /// Dynamically; repair bundles what the platform policy does not provide.
    Shared,
    /// Statically: the archives' code goes into the extension (needs -fPIC archives).
    Static,
    /// Shared for system libraries, static for archives a prebuild step produced.
    Auto,
}

/// A command that builds a vendored library before the extension (CMake, make, autoconf).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrebuildStep {
    /// Shell command.
    pub run: String,
    /// Working directory, absolute.
    pub cwd: PathBuf,
    /// Extra environment.
    pub env: Vec<(String, String)>,
    /// Globs (relative to the root) whose files key the cache.
    pub inputs: Vec<String>,
    /// Produced files, relative to the step's `$OUT_DIR`.
    pub outputs: Vec<String>,
    /// Include directories it provides (`$OUT_DIR/…` or project-relative).
    pub include_dirs: Vec<String>,
}

/// An existing cffi build script and the FFI object in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScriptRef {
    /// The script, relative to the project root (`/`-separated).
    pub path: String,
    /// The attribute holding the FFI builder (`ffibuilder`).
    pub attribute: String,
    /// setup.py's `ext_package`, prefixed to the script's module name.
    pub ext_package: Option<String>,
}

/// A checked extension module.
#[derive(Debug, Clone, Serialize)]
pub struct Module {
    /// Dotted module name, e.g. `fastmath._fastmath`. For a `script` module without a
    /// `name`, empty until the script has been run (the pipeline's first step).
    pub name: String,
    /// An existing build script that defines this module (cdef and set_source come from it).
    pub script: Option<ScriptRef>,
    /// The cdef text (concatenated from `cdef_files` when given).
    pub cdef: String,
    /// Where the cdef's first line is, so cffi's cdef errors can point into the recipe.
    pub cdef_origin: Option<TextOrigin>,
    /// The `set_source` C text.
    pub source: String,
    /// Extra C sources: absolute paths, sorted.
    pub sources: Vec<PathBuf>,
    /// Include directories, absolute.
    pub include_dirs: Vec<PathBuf>,
    /// Libraries to link (dynamically).
    pub libraries: Vec<String>,
    /// Libraries to link statically (filled from `pkg_config`/`libraries` by `link: static`).
    pub static_libraries: Vec<String>,
    /// Library directories, absolute.
    pub library_dirs: Vec<PathBuf>,
    /// Macros, sorted by name.
    pub define_macros: Vec<(String, Option<String>)>,
    /// Macros to undefine.
    pub undef_macros: Vec<String>,
    /// Extra compiler arguments.
    pub extra_compile_args: Vec<String>,
    /// Extra linker arguments.
    pub extra_link_args: Vec<String>,
    /// Extra objects, absolute.
    pub extra_objects: Vec<PathBuf>,
    /// pkg-config packages.
    pub pkg_config: Vec<String>,
    /// External prefix (`include/`, `lib/`), absolute.
    pub library_prefix: Option<PathBuf>,
    /// How external libraries get in.
    pub link: LinkMode,
    /// Build steps run before compiling.
    pub prebuild: Vec<PrebuildStep>,
    /// Limited-API choice.
    pub limited_api: LimitedApi,
    /// Source language.
    pub language: Language,
}

impl Module {
    /// The last component of the dotted name: the file stem of the extension.
    pub fn leaf_name(&self) -> &str {
        self.name.rsplit('.').next().unwrap_or(&self.name)
    }

    /// The package path of the module (`a.b.c` → `a/b`), empty for a top-level module.
    pub fn package_dir(&self) -> String {
        match self.name.rsplit_once('.') {
            Some((pkg, _)) => pkg.replace('.', "/"),
            None => String::new(),
        }
    }
}

/// Where a piece of text (such as a cdef) starts in a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TextOrigin {
    /// The file.
    pub file: PathBuf,
    /// 1-based line of the text's first line.
    pub line: usize,
    /// 1-based column of the text's first character (the block's indentation + 1).
    pub column: usize,
}

impl TextOrigin {
    /// The file position of `line:column` within the text (both 1-based).
    pub fn position(&self, line: usize, column: usize) -> (usize, usize) {
        (
            self.line + line.saturating_sub(1),
            self.column + column.saturating_sub(1),
        )
    }
}

/// Build settings from `build:`.
#[derive(Debug, Clone, Serialize)]
pub struct BuildSettings {
    /// Interpreter selectors; empty means every interpreter found.
    pub interpreters: Vec<String>,
    /// Selectors to skip.
    pub skip: Vec<String>,
    /// Optimisation level.
    pub opt_level: u8,
    /// Whether to emit debug info.
    pub debug_info: bool,
}

/// Test settings from `test:`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TestSettings {
    /// Requirements to install.
    pub requires: Vec<String>,
    /// The test command.
    pub command: Option<String>,
}

/// Whether `file` is a pyproject.toml (recipe in `[tool.cffi-wheel]`).
pub fn is_pyproject(file: &Path) -> bool {
    file.file_name().is_some_and(|n| n == "pyproject.toml")
}

/// Finds the recipe for `path`: a recipe file, or a directory holding [`RECIPE_FILE`] or a
/// `pyproject.toml` with a `[tool.cffi-wheel]` table.
pub fn locate(path: &Path) -> Result<PathBuf, RecipeError> {
    let candidate = if path.is_dir() {
        let yaml = path.join(RECIPE_FILE);
        let pyproject = path.join("pyproject.toml");
        // A pyproject.toml that is not valid TOML may be the recipe: its syntax error is
        // the one to report (not "cffi-wheel.yaml does not exist").
        let toml_recipe = !yaml.is_file()
            && fs_err::read_to_string(&pyproject).is_ok_and(|text| {
                pyproject::may_hold_recipe(text.strip_prefix('\u{feff}').unwrap_or(&text))
            });
        if toml_recipe { pyproject } else { yaml }
    } else {
        path.to_path_buf()
    };
    if !candidate.is_file() {
        return Err(RecipeError::NotFound { path: candidate });
    }
    Ok(candidate)
}

/// Reads and checks the recipe at `path` for the host with default options.
pub fn load(path: &Path) -> Result<Recipe, RecipeError> {
    load_with(path, &BuildConfig::default())
}

/// Reads and checks the recipe at `path` (a file or a project directory) for `config`.
pub fn load_with(path: &Path, config: &BuildConfig) -> Result<Recipe, RecipeError> {
    let file = locate(path)?;
    let text = fs_err::read_to_string(&file).map_err(|source| RecipeError::Io {
        path: file.clone(),
        source,
    })?;
    let file = std::path::absolute(&file).map_err(|source| RecipeError::Io {
        path: file.clone(),
        source,
    })?;
    parse_with(&file, &text, config)
}

/// Checks recipe `text` that was read from `file` (absolute), with default options.
pub fn parse(file: &Path, text: &str) -> Result<Recipe, RecipeError> {
    parse_with(file, text, &BuildConfig::default())
}

/// Checks recipe `text` read from `file` (absolute) for `config`.
pub fn parse_with(file: &Path, text: &str, config: &BuildConfig) -> Result<Recipe, RecipeError> {
    // A UTF-8 byte order mark (some Windows editors write one) is not part of the recipe.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let locator = Locator::new(file.to_path_buf(), text.to_string());
    let mut raw = deserialize::deserialize(&locator, text)?;
    let (sdist_include, sdist_exclude) = sdist::patterns(&raw);
    config::apply(&locator, &mut raw, config)?;
    let mut recipe = validate::validate(&locator, raw)?;
    recipe.sdist_include = sdist_include;
    recipe.sdist_exclude = sdist_exclude;
    Ok(recipe)
}

/// Reads recipe `text` from `file` (absolute) into raw types, as written: no override
/// applied, nothing checked.
pub fn parse_raw(file: &Path, text: &str) -> Result<raw::RawRecipe, RecipeError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let locator = Locator::new(file.to_path_buf(), text.to_string());
    deserialize::deserialize(&locator, text)
}

/// `text` as a valid SPDX expression: itself when it is one, else its canonical form when
/// that is one (`MIT/Apache 2.0` → `MIT OR Apache-2.0`), else nothing.
pub fn canonical_spdx(text: &str) -> Option<String> {
    let text = text.trim();
    if spdx::Expression::parse(text).is_ok() {
        return Some(text.to_string());
    }
    spdx::Expression::canonicalize(text)
        .ok()
        .flatten()
        .filter(|canonical| spdx::Expression::parse(canonical).is_ok())
}

fn serialize_display_list<S: serde::Serializer, T: std::fmt::Display>(
    items: &[T],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(items.iter().map(|item| item.to_string()))
}

#[cfg(test)]
mod tests;
