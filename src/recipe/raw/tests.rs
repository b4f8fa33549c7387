//! The raw types as the one source of the recipe's keys: overrides merge every key, the sdist
//! gets every path, and docs/recipe.md documents exactly the keys there are.

use std::collections::BTreeSet;
use std::path::Path;

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};

use super::{
    ModulePath, RawBuild, RawModule, RawPackage, RawPerson, RawPrebuild, RawRecipe, RawSdist,
    RawTest,
};

/// A deserializer that records the keys a struct asks for (serde's derive hands its field
/// names to `deserialize_struct`, the list `deny_unknown_fields` checks against) and then
/// fails: nothing is deserialized.
struct KeyRecorder<'a>(&'a mut Vec<&'static str>);

impl<'de> Deserializer<'de> for KeyRecorder<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("not a struct"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.extend_from_slice(fields);
        Err(de::Error::custom("keys recorded"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

/// The recipe keys of raw type `T`, as serde reads them.
fn keys<T: DeserializeOwned>() -> BTreeSet<&'static str> {
    let mut names = Vec::new();
    let recorded = T::deserialize(KeyRecorder(&mut names));
    assert!(recorded.is_err(), "KeyRecorder gives nothing back");
    assert!(
        !names.is_empty(),
        "{} asked for no keys",
        std::any::type_name::<T>()
    );
    names.into_iter().collect()
}

const DOCS: &str = include_str!("../../../docs/recipe.md");

fn is_heading(line: &str) -> bool {
    line.starts_with("## ") || line.starts_with("### ")
}

/// The keys in the first column of the first table under the heading that starts with
/// `heading` (before the next heading).
fn documented(heading: &str) -> BTreeSet<&'static str> {
    let mut lines = DOCS.lines().skip_while(|l| !l.starts_with(heading));
    assert!(
        lines.next().is_some(),
        "docs/recipe.md has no heading `{heading}`"
    );
    let rows: Vec<&str> = lines
        .take_while(|l| !is_heading(l))
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .collect();
    assert!(
        !rows.is_empty(),
        "no table under `{heading}` in docs/recipe.md"
    );
    rows.iter()
        .filter_map(|row| row.strip_prefix("| `"))
        .filter_map(|row| row.split('`').next())
        .collect()
}

/// The keys named in `## ` headings (`## \`packages\``, `## Files from outside the
/// project: \`allow_outside_links\``): the top-level keys.
fn documented_top_level() -> BTreeSet<&'static str> {
    DOCS.lines()
        .filter_map(|l| l.strip_prefix("## "))
        .filter_map(|l| l.split('`').nth(1))
        .collect()
}

#[test]
fn docs_recipe_md_documents_exactly_the_keys_each_recipe_table_has() {
    let tables = [
        ("## `package`", keys::<RawPackage>()),
        ("## `modules`", keys::<RawModule>()),
        ("### `prebuild` steps", keys::<RawPrebuild>()),
        ("## `sdist`", keys::<RawSdist>()),
        ("## `build`", keys::<RawBuild>()),
        ("## `test`", keys::<RawTest>()),
    ];
    for (heading, keys) in tables {
        let documented = documented(heading);
        let undocumented: Vec<_> = keys.difference(&documented).collect();
        let unknown: Vec<_> = documented.difference(&keys).collect();
        assert!(
            undocumented.is_empty() && unknown.is_empty(),
            "docs/recipe.md `{heading}`: keys missing from its table: {undocumented:?}; \
             documented keys the recipe does not have: {unknown:?}"
        );
    }
    assert_eq!(documented_top_level(), keys::<RawRecipe>());
}

#[test]
fn docs_recipe_md_names_the_keys_of_a_person() {
    let person: Vec<&str> = keys::<RawPerson>().into_iter().collect();
    // `name` sorts before `email` in no order but the docs': compare as sets.
    let shape = DOCS
        .lines()
        .find(|l| l.starts_with("| `authors` |"))
        .and_then(|row| row.split("`{").nth(1))
        .and_then(|rest| rest.split("}`").next())
        .expect("the `authors` row shows `{name, email}`");
    let documented: BTreeSet<&str> = shape.split(", ").collect();
    assert_eq!(documented, person.into_iter().collect());
}

/// A module that sets every key, and one override that sets every key it may, each to
/// another value.
const EVERY_KEY: &str = "\
package: {name: demo, version: '1.0'}
modules:
  - name: demo._m
    script: a.py
    ext_package: a_pkg
    cdef: 'int a(void);'
    cdef_files: [a.h]
    source: a source
    source_file: a.c
    sources: [a/*.c]
    include_dirs: [a_inc]
    libraries: [a]
    library_dirs: [a_lib]
    define_macros: {A: '1'}
    undef_macros: [A_OFF]
    extra_compile_args: [-DA]
    extra_link_args: [-la]
    extra_objects: [a.o]
    pkg_config: [liba]
    library_prefix: a_prefix
    link: static
    prebuild: [{run: make a, outputs: [liba.a]}]
    limited_api: 'false'
    language: c
    overrides:
      - when: b
        script: b.py
        ext_package: b_pkg
        cdef: 'int b(void);'
        cdef_files: [b.h]
        source: b source
        source_file: b.c
        sources: [b/*.c]
        include_dirs: [b_inc]
        libraries: [b]
        library_dirs: [b_lib]
        define_macros: {B: null}
        undef_macros: [B_OFF]
        extra_compile_args: [-DB]
        extra_link_args: [-lb]
        extra_objects: [b.o]
        pkg_config: [libb]
        library_prefix: b_prefix
        link: shared
        prebuild: [{run: make b, cwd: b_dir, outputs: [libb.a], include_dirs: [$OUT_DIR/inc, b_hdr]}]
        limited_api: 'true'
        language: c++
";

fn every_key() -> RawRecipe {
    crate::recipe::parse_raw(Path::new("/project/cffi-wheel.yaml"), EVERY_KEY)
        .expect("EVERY_KEY parses")
}

/// The keys a raw value sets, read back through serde.
fn set_keys(value: &impl serde::Serialize) -> BTreeSet<String> {
    let json = serde_json::to_value(value).expect("raw values serialize");
    json.as_object()
        .expect("a mapping")
        .keys()
        .cloned()
        .collect()
}

#[test]
fn an_override_replaces_every_key_it_sets() {
    let raw = every_key();
    let mut module = (*raw.modules[0]).clone();
    let over = (*module.overrides.take().expect("overrides")[0]).clone();
    // The fixture covers every key: a new one fails here until it is added above.
    let all: BTreeSet<String> = keys::<RawModule>().iter().map(|k| k.to_string()).collect();
    assert_eq!(
        set_keys(&module),
        &all - &["when", "overrides"].map(String::from).into()
    );
    assert_eq!(
        set_keys(&over),
        &all - &["name", "overrides"].map(String::from).into()
    );

    let name = module.name.clone();
    module.merge(over.clone());
    let expected = RawModule {
        name,
        when: None,
        ..over
    };
    assert_eq!(module, expected);
}

#[test]
fn an_override_that_sets_nothing_changes_nothing() {
    let raw = every_key();
    let mut module = (*raw.modules[0]).clone();
    module.overrides = None;
    let before = module.clone();
    module.merge(RawModule::default());
    assert_eq!(module, before);
}

fn describe(path: &ModulePath<'_>) -> String {
    match path {
        ModulePath::File(p) => format!("file {}", p.as_str()),
        ModulePath::Glob(p) => format!("glob {}", p.as_str()),
        ModulePath::IncludeDir(p) => format!("include {}", p.as_str()),
        ModulePath::LibraryDir(p) => format!("libdir {}", p.as_str()),
        ModulePath::Prefix(p) => format!("prefix {}", p.as_str()),
        ModulePath::Script(p) => format!("script {}", p.as_str()),
        ModulePath::WholeDir(p) => format!("dir {}", p.map_or(".", |p| p.as_str())),
        ModulePath::OutDir(p) => format!("out {}", p.as_str()),
    }
}

#[test]
fn a_module_names_every_path_of_its_own_and_of_its_overrides() {
    let raw = every_key();
    let paths: Vec<String> = raw.modules[0].paths().iter().map(describe).collect();
    let expected = [
        "script a.py",
        "file a.h",
        "file a.c",
        "glob a/*.c",
        "include a_inc",
        "libdir a_lib",
        "file a.o",
        "prefix a_prefix",
        "dir .",
        "out liba.a",
        "script b.py",
        "file b.h",
        "file b.c",
        "glob b/*.c",
        "include b_inc",
        "libdir b_lib",
        "file b.o",
        "prefix b_prefix",
        "dir b_dir",
        "out libb.a",
        "out $OUT_DIR/inc",
        "include b_hdr",
    ];
    assert_eq!(paths, expected);
}

#[test]
fn the_sdist_takes_the_files_of_every_override() {
    let raw = every_key();
    let (include, _) = crate::recipe::sdist::patterns(&raw);
    for pattern in [
        "a.h",
        "a.c",
        "a/*.c",
        "a_inc/**/*.h",
        "a.o",
        "b.h",
        "b.c",
        "b/*.c",
        "b_inc/**/*.h",
        "b.o",
        "b_dir/**/*",
        "b_hdr/**/*.h",
        "**/*",
    ] {
        assert!(
            include.iter().any(|p| p == pattern),
            "{pattern} not in {include:?}"
        );
    }
    for absent in ["a_lib", "a_prefix", "liba.a", "libb.a", "$OUT_DIR/inc"] {
        assert!(
            !include.iter().any(|p| p.starts_with(absent)),
            "{absent} in {include:?}"
        );
    }
}

#[test]
fn pyproject_toml_can_set_every_package_key_and_only_those() {
    // `[project]` keys map to package keys; `readme = {file, content-type}` and
    // `[tool.cffi-wheel] version-file` give the other two.
    let mut reachable: BTreeSet<&str> = crate::recipe::pyproject::PROJECT_KEYS
        .iter()
        .map(|(_, ours)| *ours)
        .collect();
    reachable.extend(["readme_content_type", "version_file"]);
    assert_eq!(reachable, keys::<RawPackage>());
}
