//! The imported recipe reads back as the value it was written from, and checks.

use std::path::Path;

use super::{Imported, build, write};
use crate::codegen::{ScriptDescription, ScriptSettings};
use crate::migrate::metadata::MetadataFile;
use crate::migrate::{ImportedModule, ProjectImport};
use crate::recipe::raw::RawRecipe;

const METADATA: &str = "Metadata-Version: 2.1\nName: awkward-demo\nVersion: 1.0.post1\n\
    Summary: Tabs\tcolons: and # hashes, 'quotes' \"both\", ünïcödé\n\
    Requires-Python: >=3.8\nLicense: BSD License\n\
    Author: A. Person\nAuthor-email: a@example.org\nMaintainer-email: B <b@example.org>\n\
    Home-page: https://example.org/#home\nProject-URL: Issues, https://example.org/issues?q=1\n\
    Keywords: yes,no,null,~,1.0\nClassifier: Programming Language :: Python :: 3\n\
    License-File: LICENSE\nRequires-Dist: cffi>=1.15\n\
    Provides-Extra: test\nRequires-Dist: pytest>=7; extra == \"test\"\n\n\
    Long description.\n";

fn project(root: &Path) -> ProjectImport {
    ProjectImport {
        root: root.to_path_buf(),
        metadata: MetadataFile::parse(METADATA),
        readme: None,
        entry_points: vec![
            (
                "console_scripts".into(),
                vec![("demo".into(), "demo.cli:main".into())],
            ),
            (
                "pytest11".into(),
                vec![("demo".into(), "demo.plugin".into())],
            ),
        ],
        packages: vec!["demo".into()],
        py_modules: vec!["helper".into()],
        notes: Vec::new(),
    }
}

/// C text with what YAML makes hard: leading spaces and tabs, trailing spaces, blank lines,
/// `#`, `: `, quotes and backslashes.
fn modules(root: &Path) -> Vec<ImportedModule> {
    let settings = ScriptSettings {
        sources: vec![root.join("csrc/a.c").to_string_lossy().into_owned()],
        include_dirs: vec!["csrc".into()],
        libraries: vec!["m".into()],
        library_dirs: Vec::new(),
        define_macros: vec![
            ("NDEBUG".into(), None),
            ("VERSION".into(), Some("\"1.0\"".into())),
            ("LEVEL".into(), Some("2".into())),
        ],
        undef_macros: vec!["DEBUG".into()],
        extra_compile_args: vec!["-Wno-unused: yes".into()],
        extra_link_args: Vec::new(),
        extra_objects: Vec::new(),
    };
    vec![
        ImportedModule::Inline {
            name: "demo._demo".into(),
            description: Box::new(ScriptDescription {
                module: "_demo".into(),
                source: "#include \"a.h\"\n\n  // indented: # not a comment\n\
                         static const char *s = \"\\\\n\";\t\nint  tail;   \n"
                    .into(),
                cplusplus: true,
                settings,
                ignored: Vec::new(),
                py_limited_api: None,
                cdef: "\tint add(int a, int b);\n\n    #define N ...\nint g(void);".into(),
            }),
        },
        ImportedModule::Script {
            script: "build_ffi.py:ffibuilder".into(),
            ext_package: Some("demo".into()),
            reason: "it reads sys.platform\nat build time".into(),
        },
    ]
}

/// marked-yaml reads YAML's `null` as the text `null`, which the checked recipe makes a
/// bare define (as it does `~` and nothing): the raw value read back says it so.
fn as_read(mut recipe: RawRecipe) -> RawRecipe {
    let mut modules = (*recipe.modules).clone();
    for module in &mut modules {
        let mut inner = (**module).clone();
        for value in inner.define_macros.iter_mut().flat_map(|m| m.values_mut()) {
            value.get_or_insert_with(|| super::text("null"));
        }
        *module = marked_yaml::Spanned::new(*module.span(), inner);
    }
    recipe.modules = marked_yaml::Spanned::new(*recipe.modules.span(), modules);
    recipe
}

fn imported(root: &Path) -> (Imported, String) {
    let imported = build(&project(root), &modules(root));
    let text = write(&imported).expect("the recipe serializes");
    (imported, text)
}

#[test]
fn an_imported_recipe_reads_back_as_the_value_it_was_written_from() {
    let root = Path::new("/project");
    let (imported, text) = imported(root);
    let read = crate::recipe::parse_raw(&root.join("cffi-wheel.yaml"), &text)
        .unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(read, as_read(imported.recipe), "{text}");
}

#[test]
fn an_imported_recipe_reads_as_a_person_would_write_it() {
    let root = Path::new("/project");
    let mut project = project(root);
    project.metadata = MetadataFile::parse(
        "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nSummary: A demo\n\
         License: BSD License\nAuthor: A. Person\nAuthor-email: a@example.org\n\
         Requires-Dist: cffi>=1.15\n",
    );
    let inline = ImportedModule::Inline {
        name: "demo._demo".into(),
        description: Box::new(ScriptDescription {
            module: "_demo".into(),
            source: "#include \"a.h\"\n".into(),
            cplusplus: false,
            settings: ScriptSettings {
                sources: vec!["csrc/a.c".into()],
                define_macros: vec![("NDEBUG".into(), None)],
                ..ScriptSettings::default()
            },
            ignored: Vec::new(),
            py_limited_api: None,
            cdef: "int add(int a, int b);\nint sub(int a, int b);\n".into(),
        }),
    };
    let script = modules(root).remove(1);
    let text = write(&build(&project, &[inline, script])).expect("the recipe serializes");
    insta::assert_snapshot!(text, @r#"
    # Written by `cffi-wheel import` from what the project's setuptools says (its METADATA,
    # entry points and wheel contents); see docs/recipe.md.
    package:
      name: demo
      version: '1.0'
      summary: A demo
      dependencies:
      - cffi>=1.15
      scripts:
        demo: demo.cli:main
      entry_points:
        pytest11:
          demo: demo.plugin
      authors:
      - name: A. Person
        email: a@example.org
      # license: an SPDX expression (PEP 639); setup.py said "BSD License"
      # license: write the SPDX expression here
    packages:
    - demo
    py_modules:
    - helper

    modules:
      - name: demo._demo
        cdef: |
          int add(int a, int b);
          int sub(int a, int b);
        source: |
          #include "a.h"
        sources:
        - csrc/a.c
        define_macros:
          NDEBUG: null
      # kept as a script: it reads sys.platform at build time
      - script: build_ffi.py:ffibuilder
        ext_package: demo
    "#);
    // The comment stands right before the module it is about.
    let at = text.find("# kept as a script").expect("the script note");
    assert!(
        text[at..]
            .lines()
            .nth(1)
            .is_some_and(|l| l.trim_start().starts_with("- script:"))
    );
}

#[test]
fn an_imported_recipe_checks_into_the_recipe_its_script_describes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    for file in [
        "csrc/a.c",
        "csrc/a.h",
        "build_ffi.py",
        "demo/__init__.py",
        "helper.py",
    ] {
        let path = root.join(file);
        fs_err::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        fs_err::write(&path, "").expect("write");
    }
    fs_err::write(root.join("LICENSE"), "BSD").expect("write");
    let (_, text) = imported(root);
    let recipe_path = root.join(crate::recipe::RECIPE_FILE);
    fs_err::write(&recipe_path, &text).expect("write recipe");
    let recipe = crate::recipe::load(&recipe_path).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let ImportedModule::Inline { description, .. } = &modules(root)[0] else {
        unreachable!("the first module is inline")
    };
    let module = &recipe.modules[0];
    assert_eq!(module.name, "demo._demo");
    assert_eq!(module.cdef.trim_end(), description.cdef);
    assert_eq!(module.source, description.source);
    assert_eq!(module.sources, [root.join("csrc/a.c")]);
    assert_eq!(module.libraries, ["m"]);
    assert_eq!(module.undef_macros, ["DEBUG"]);
    assert_eq!(module.extra_compile_args, ["-Wno-unused: yes"]);
    assert_eq!(module.language, crate::recipe::Language::Cxx);
    let mut macros = description.settings.define_macros.clone();
    macros.sort();
    assert_eq!(module.define_macros, macros);
    assert_eq!(recipe.package.name, "awkward-demo");
    assert_eq!(recipe.package.license, None);
    assert_eq!(
        recipe.package.keywords,
        ["yes", "no", "null", "~", "1.0"].map(String::from)
    );
    let script = recipe.modules[1].script.as_ref().expect("a script module");
    assert_eq!(
        (script.path.as_str(), script.ext_package.as_deref()),
        ("build_ffi.py", Some("demo"))
    );
}
