//! Raw recipe types: they mirror `cffi-wheel.yaml` key for key, with spans, and trust nothing.
//!
//! `validate` turns them into a [`super::Recipe`]. Keys mirror cffi's own `set_source`
//! keyword names so a cffi user reads a recipe at once.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use marked_yaml::{Node, Span, Spanned};
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

/// A string with the place it came from.
pub type SStr = Spanned<String>;

/// A mapping kept in the order it is written (extras: their order is the METADATA's), each
/// key with its place in the file for errors that point at it.
///
/// serde reads the keys as plain strings, so that an error inside a value is located by its
/// path (`package.optional_dependencies.test`); [`RawRecipe::locate_keys`] then gives each
/// key its place from the node tree.
#[derive(Debug, Clone)]
pub struct SMap<V>(pub Vec<(SStr, V)>);

impl<V> Default for SMap<V> {
    fn default() -> Self {
        SMap(Vec::new())
    }
}

impl<V> SMap<V> {
    /// The entries in the order written.
    pub fn iter(&self) -> impl Iterator<Item = &(SStr, V)> {
        self.0.iter()
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for SMap<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries<V>(PhantomData<V>);

        impl<'de, V: Deserialize<'de>> Visitor<'de> for Entries<V> {
            type Value = SMap<V>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SMap<V>, A::Error> {
                let mut entries = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, V>()? {
                    entries.push((Spanned::new(Span::new_blank(), key), value));
                }
                Ok(SMap(entries))
            }
        }

        deserializer.deserialize_map(Entries(PhantomData))
    }
}

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRecipe {
    /// Distribution metadata.
    pub package: Spanned<RawPackage>,
    /// Pure-Python package directories copied into the wheel.
    #[serde(default)]
    pub packages: Vec<SStr>,
    /// Top-level pure-Python modules: `name` ships `<root>/name.py` (or `dir/name`,
    /// `<root>/dir/name.py`) as `name.py` at the wheel's root.
    #[serde(default)]
    pub py_modules: Vec<SStr>,
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
    /// Symbolic links whose targets may lie outside the project and still be published.
    #[serde(default)]
    pub allow_outside_links: Vec<SStr>,
}

/// Values whose [`SMap`] keys get their places from the node tree.
trait LocateKeys {
    /// Sets the span of every key found in `node` (the value's mapping node).
    fn locate_keys(&mut self, node: Option<&Node>);
}

impl LocateKeys for SStr {
    fn locate_keys(&mut self, _node: Option<&Node>) {}
}

impl<T> LocateKeys for Vec<T> {
    fn locate_keys(&mut self, _node: Option<&Node>) {}
}

impl<V: LocateKeys> LocateKeys for SMap<V> {
    fn locate_keys(&mut self, node: Option<&Node>) {
        let Some(map) = node.and_then(Node::as_mapping) else {
            return;
        };
        for (key, value) in &mut self.0 {
            if let Some((found, inner)) = map.iter().find(|(k, _)| k.as_str() == key.as_str()) {
                *key = Spanned::new(*found.span(), key.as_str().to_string());
                value.locate_keys(Some(inner));
            }
        }
    }
}

impl RawRecipe {
    /// Gives the keys of `package`'s ordered mappings (`optional_dependencies`, `scripts`,
    /// `gui_scripts`, `entry_points`) their places in `root`, the tree this was read from.
    pub(super) fn locate_keys(&mut self, root: &Node) {
        let package_node = root
            .as_mapping()
            .and_then(|m| m.get_node("package"))
            .and_then(Node::as_mapping);
        let field = |name: &str| package_node.and_then(|m| m.get_node(name));
        let mut package = (*self.package).clone();
        package
            .optional_dependencies
            .locate_keys(field("optional_dependencies"));
        package.scripts.locate_keys(field("scripts"));
        package.gui_scripts.locate_keys(field("gui_scripts"));
        package.entry_points.locate_keys(field("entry_points"));
        self.package = Spanned::new(*self.package.span(), package);
    }
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
#[derive(Debug, Clone, Deserialize)]
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
    /// Extras: name to PEP 508 requirements (`Provides-Extra`), in the order written.
    #[serde(default)]
    pub optional_dependencies: SMap<Vec<SStr>>,
    /// Console scripts: name to `module:function`.
    #[serde(default)]
    pub scripts: SMap<SStr>,
    /// GUI scripts: name to `module:function`.
    #[serde(default)]
    pub gui_scripts: SMap<SStr>,
    /// Other entry points: group to name to object reference.
    #[serde(default)]
    pub entry_points: SMap<SMap<SStr>>,
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
    /// Maintainers.
    #[serde(default)]
    pub maintainers: Vec<RawPerson>,
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

/// An author or maintainer entry.
#[derive(Debug, Clone, Deserialize)]
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
