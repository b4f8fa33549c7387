//! Raw recipe types: they mirror `cffi-wheel.yaml` key for key, with spans, and trust nothing.
//!
//! `validate` turns them into a [`super::Recipe`]. Keys mirror cffi's own `set_source`
//! keyword names so a cffi user reads a recipe at once.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use marked_yaml::{Node, Span, Spanned};
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A string with the place it came from.
pub type SStr = Spanned<String>;

/// A mapping kept in the order it is written (extras: their order is the METADATA's), each
/// key with its place in the file for errors that point at it.
///
/// serde reads the keys as plain strings, so that an error inside a value is located by its
/// path (`package.optional_dependencies.test`); [`RawRecipe::locate_keys`] then gives each
/// key its place from the node tree.
#[derive(Debug, Clone, PartialEq)]
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

    /// Whether it has no entries.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<V: Serialize> Serialize for SMap<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key.as_str(), value)?;
        }
        map.end()
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
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawRecipe {
    /// Distribution metadata.
    pub package: Spanned<RawPackage>,
    /// Pure-Python package directories copied into the wheel.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<SStr>,
    /// Top-level pure-Python modules: `name` ships `<root>/name.py` (or `dir/name`,
    /// `<root>/dir/name.py`) as `name.py` at the wheel's root.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub py_modules: Vec<SStr>,
    /// Extension modules.
    pub modules: Spanned<Vec<Spanned<RawModule>>>,
    /// Build settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<RawBuild>,
    /// Test settings, used by `cffi-wheel test`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test: Option<RawTest>,
    /// Named build options and their defaults (`--config NAME=VALUE` sets them).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, SStr>,
    /// What goes into the sdist besides the files the recipe references.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdist: Option<RawSdist>,
    /// Symbolic links whose targets may lie outside the project and still be published.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
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
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawSdist {
    /// Extra globs to include (relative to the project root).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<SStr>,
    /// Globs to leave out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<SStr>,
}

/// `package:`: core metadata.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawPackage {
    /// Distribution name (PEP 508).
    pub name: SStr,
    /// Version (PEP 440).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<SStr>,
    /// A file holding the version: a `.py` file's `__version__ = "..."`, or a file whose
    /// whole content is the version (`[project] dynamic = ["version"]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_file: Option<SStr>,
    /// One-line summary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<SStr>,
    /// `Requires-Python` specifiers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requires_python: Option<SStr>,
    /// Extra `Requires-Dist` entries (PEP 508).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<SStr>,
    /// Extras: name to PEP 508 requirements (`Provides-Extra`), in the order written.
    #[serde(default, skip_serializing_if = "SMap::is_empty")]
    pub optional_dependencies: SMap<Vec<SStr>>,
    /// Console scripts: name to `module:function`.
    #[serde(default, skip_serializing_if = "SMap::is_empty")]
    pub scripts: SMap<SStr>,
    /// GUI scripts: name to `module:function`.
    #[serde(default, skip_serializing_if = "SMap::is_empty")]
    pub gui_scripts: SMap<SStr>,
    /// Other entry points: group to name to object reference.
    #[serde(default, skip_serializing_if = "SMap::is_empty")]
    pub entry_points: SMap<SMap<SStr>>,
    /// SPDX license expression (PEP 639).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license: Option<SStr>,
    /// License files, relative to the recipe.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub license_files: Vec<SStr>,
    /// Readme file, relative to the recipe.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub readme: Option<SStr>,
    /// The readme's content type when its extension does not say (`text/markdown`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub readme_content_type: Option<SStr>,
    /// Authors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<RawPerson>,
    /// Maintainers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub maintainers: Vec<RawPerson>,
    /// Project URLs, label to URL.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub urls: BTreeMap<String, SStr>,
    /// Keywords.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<SStr>,
    /// Trove classifiers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub classifiers: Vec<SStr>,
}

/// An author or maintainer entry.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawPerson {
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<SStr>,
    /// Email address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<SStr>,
}

/// One entry of `modules:`, and also one entry of a module's `overrides:` (which adds
/// `when` and may not have `name` or `overrides`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawModule {
    /// Dotted module name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<SStr>,
    /// In an override: the condition (`option`, `option=value`, `!option`, `platform=linux`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub when: Option<SStr>,
    /// An existing cffi build script, `path/build.py:ffibuilder`, run as-is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub script: Option<SStr>,
    /// With `script`: the package that completes the script's module name (setup.py's
    /// `ext_package`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ext_package: Option<SStr>,
    /// Inline cdef.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cdef: Option<SStr>,
    /// Files whose contents form the cdef, in order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cdef_files: Option<Spanned<Vec<SStr>>>,
    /// Inline `set_source` C text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<SStr>,
    /// File holding the `set_source` C text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_file: Option<SStr>,
    /// Extra C sources (globs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sources: Option<Vec<SStr>>,
    /// Include directories.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include_dirs: Option<Vec<SStr>>,
    /// Libraries to link.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub libraries: Option<Vec<SStr>>,
    /// Library search directories.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub library_dirs: Option<Vec<SStr>>,
    /// Macros: name to value (null for a bare define).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub define_macros: Option<BTreeMap<String, Option<SStr>>>,
    /// Macros to undefine.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub undef_macros: Option<Vec<SStr>>,
    /// Extra compiler arguments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extra_compile_args: Option<Vec<SStr>>,
    /// Extra linker arguments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extra_link_args: Option<Vec<SStr>>,
    /// Extra object files or archives to link.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extra_objects: Option<Vec<SStr>>,
    /// pkg-config packages whose cflags and libs are added.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pkg_config: Option<Vec<SStr>>,
    /// A prefix holding `include/` and `lib/` of an external library.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub library_prefix: Option<SStr>,
    /// `static`, `shared` or `auto`: how external libraries get in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<SStr>,
    /// Build steps run before compiling (a vendored library's own build system).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prebuild: Option<Vec<Spanned<RawPrebuild>>>,
    /// `auto`, `true` or `false`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limited_api: Option<SStr>,
    /// `c` or `c++`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<SStr>,
    /// Settings that replace the module's own when their condition holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overrides: Option<Vec<Spanned<RawModule>>>,
}

/// A path a module names, and how the build uses it: what the sdist must carry.
#[derive(Debug, Clone, Copy)]
pub enum ModulePath<'a> {
    /// A file read as it is: `cdef_files`, `source_file`, `extra_objects`.
    File(&'a SStr),
    /// A glob of files read: `sources`, a prebuild step's `inputs`.
    Glob(&'a SStr),
    /// A directory searched for headers: `include_dirs`, a prebuild step's project-relative
    /// `include_dirs`.
    IncludeDir(&'a SStr),
    /// A directory searched for libraries to link: `library_dirs`.
    LibraryDir(&'a SStr),
    /// An install prefix, which may lie outside the project: `library_prefix`.
    Prefix(&'a SStr),
    /// A build script, `path/build.py[:attribute]`: it may open any file of the project.
    Script(&'a SStr),
    /// A directory read whole: the `cwd` of a prebuild step that names no `inputs` (`None`:
    /// the project root).
    WholeDir(Option<&'a SStr>),
    /// A path below a prebuild step's `$OUT_DIR`, made by the build: `outputs`, and
    /// `$OUT_DIR/…` include dirs.
    OutDir(&'a SStr),
}

/// Sets each field of `base` that `over` sets, for the fields listed after `merge:`; the
/// fields after `skip:` are not merged. The destructuring names every field, so a key added
/// to [`RawModule`] does not compile until it is listed in one of the two.
macro_rules! merge_fields {
    ($base:ident, $over:ident; skip: $($skip:ident),* ; merge: $($field:ident),* $(,)?) => {
        let RawModule { $($skip: _,)* $($field,)* } = $over;
        $(if $field.is_some() {
            $base.$field = $field;
        })*
    };
}

impl RawModule {
    /// Applies an override whose `when` holds: each key it sets replaces the module's
    /// (lists are replaced, not extended). Its `name`, `when` and `overrides` are checked
    /// before and are not the module's.
    pub fn merge(&mut self, over: RawModule) {
        merge_fields!(self, over;
            skip: name, when, overrides;
            merge: script, ext_package, cdef, cdef_files, source, source_file, sources,
                include_dirs, libraries, library_dirs, define_macros, undef_macros,
                extra_compile_args, extra_link_args, extra_objects, pkg_config, library_prefix,
                link, prebuild, limited_api, language,
        );
    }

    /// Every path the module names, its overrides' included (all of them: a file used only
    /// under some option is still one the module can use).
    pub fn paths(&self) -> Vec<ModulePath<'_>> {
        // Every field is named: a key added to `RawModule` does not compile until it is
        // placed here, as a path or not.
        let RawModule {
            name: _,
            when: _,
            ext_package: _,
            cdef: _,
            source: _,
            libraries: _,
            define_macros: _,
            undef_macros: _,
            extra_compile_args: _,
            extra_link_args: _,
            pkg_config: _,
            link: _,
            limited_api: _,
            language: _,
            script,
            cdef_files,
            source_file,
            sources,
            include_dirs,
            library_dirs,
            extra_objects,
            library_prefix,
            prebuild,
            overrides,
        } = self;
        let mut paths = Vec::new();
        paths.extend(script.iter().map(ModulePath::Script));
        paths.extend(
            cdef_files
                .iter()
                .flat_map(|f| f.iter())
                .map(ModulePath::File),
        );
        paths.extend(source_file.iter().map(ModulePath::File));
        paths.extend(sources.iter().flatten().map(ModulePath::Glob));
        paths.extend(include_dirs.iter().flatten().map(ModulePath::IncludeDir));
        paths.extend(library_dirs.iter().flatten().map(ModulePath::LibraryDir));
        paths.extend(extra_objects.iter().flatten().map(ModulePath::File));
        paths.extend(library_prefix.iter().map(ModulePath::Prefix));
        for step in prebuild.iter().flatten() {
            step.paths(&mut paths);
        }
        for over in overrides.iter().flatten() {
            paths.extend(over.paths());
        }
        paths
    }
}

/// One `prebuild:` step.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawPrebuild {
    /// Shell command (run with `sh -c`).
    pub run: SStr,
    /// Working directory, relative to the project root.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cwd: Option<SStr>,
    /// Extra environment.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, SStr>,
    /// Globs whose files key the cache (default: everything under `cwd`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inputs: Option<Vec<SStr>>,
    /// Files the step produces, relative to `$OUT_DIR`.
    pub outputs: Vec<SStr>,
    /// Include directories it provides (`$OUT_DIR/...` or project-relative).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include_dirs: Vec<SStr>,
}

impl RawPrebuild {
    /// Adds the paths the step names to `paths`.
    fn paths<'a>(&'a self, paths: &mut Vec<ModulePath<'a>>) {
        // Every field is named, as in `RawModule::paths`.
        let RawPrebuild {
            run: _,
            env: _,
            cwd,
            inputs,
            outputs,
            include_dirs,
        } = self;
        match inputs {
            Some(inputs) => paths.extend(inputs.iter().map(ModulePath::Glob)),
            None => paths.push(ModulePath::WholeDir(cwd.as_ref())),
        }
        paths.extend(outputs.iter().map(ModulePath::OutDir));
        paths.extend(include_dirs.iter().map(|dir| {
            if out_dir_relative(dir).is_some() {
                ModulePath::OutDir(dir)
            } else {
                ModulePath::IncludeDir(dir)
            }
        }));
    }
}

/// For a prebuild include dir written `$OUT_DIR` or `$OUT_DIR/…`, the part after `$OUT_DIR`;
/// `None` for a project-relative one.
pub fn out_dir_relative(dir: &str) -> Option<&str> {
    dir.strip_prefix("$OUT_DIR")
        .filter(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// `build:`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawBuild {
    /// Interpreter selectors to build for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub interpreters: Vec<SStr>,
    /// Interpreter selectors to skip.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skip: Vec<SStr>,
    /// Optimisation level 0–3.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opt_level: Option<SStr>,
    /// Emit debug info.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub debug_info: Option<SStr>,
}

/// `test:`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawTest {
    /// Requirements installed before the test command.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<SStr>,
    /// The test command.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<SStr>,
}

#[cfg(test)]
mod tests;
