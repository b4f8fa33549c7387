//! Recipe parsing and error tests.

use std::path::Path;

use super::{LimitedApi, RecipeError, parse};

const GOOD: &str = "\
package:
  name: Fast_Math
  version: 0.1.0
  requires_python: '>=3.8'
modules:
  - name: fastmath._fastmath
    cdef: |
      double sqrt(double x);
    source: '#include <math.h>'
    libraries: [m]
    define_macros: {NDEBUG: null, USE_FAST: '1'}
";

fn error_of(text: &str) -> String {
    match parse(Path::new("/project/cffi-wheel.yaml"), text) {
        Ok(_) => panic!("expected an error"),
        Err(RecipeError::At(located)) => format!(
            "{}:{}:{} (width {}): {} | help: {}",
            located.file.display(),
            located.line,
            located.column,
            located.width,
            located.message,
            located.help.clone().unwrap_or_default()
        ),
        Err(other) => format!("unlocated: {other}"),
    }
}

#[test]
fn a_minimal_recipe_parses_into_checked_values() {
    let recipe = parse(Path::new("/project/cffi-wheel.yaml"), GOOD).expect("valid recipe");
    assert_eq!(recipe.package.name, "Fast_Math");
    assert_eq!(recipe.package.version.to_string(), "0.1.0");
    assert_eq!(recipe.root, Path::new("/project"));
    let module = &recipe.modules[0];
    assert_eq!(module.leaf_name(), "_fastmath");
    assert_eq!(module.package_dir(), "fastmath");
    assert_eq!(module.libraries, vec!["m"]);
    assert_eq!(module.limited_api, LimitedApi::Auto);
    assert_eq!(
        module.define_macros,
        vec![
            ("NDEBUG".to_string(), None),
            ("USE_FAST".to_string(), Some("1".to_string()))
        ]
    );
}

#[test]
fn an_unknown_key_is_located_and_gets_a_suggestion() {
    let text = GOOD.replace("    libraries: [m]", "    libraris: [m]");
    insta::assert_snapshot!(error_of(&text), @"/project/cffi-wheel.yaml:10:5 (width 8): unknown key `libraris` | help: did you mean `libraries`?");
}

#[test]
fn a_missing_cdef_points_at_the_module() {
    let text = GOOD.replace("    cdef: |\n      double sqrt(double x);\n", "");
    insta::assert_snapshot!(error_of(&text), @"/project/cffi-wheel.yaml:6:11 (width 18): module `fastmath._fastmath` has no `cdef` | help: add `cdef: |` with the C declarations Python may use, or `cdef_files: [api.h]`");
}

#[test]
fn an_invalid_version_points_at_the_value() {
    let text = GOOD.replace("version: 0.1.0", "version: 1.0.0-beta!x");
    insta::assert_snapshot!(error_of(&text), @"/project/cffi-wheel.yaml:3:12 (width 12): invalid version `1.0.0-beta!x`: after parsing `1.0.0-beta`, found `!x`, which is not part of a valid version | help: use a PEP 440 version such as `1.0.0`, `1.0.0b1` or `1.0.0.post1`");
}

#[test]
fn a_wrong_type_is_located() {
    let text = GOOD.replace("libraries: [m]", "libraries: {a: b}");
    insta::assert_snapshot!(error_of(&text), @"/project/cffi-wheel.yaml:10:17 (width 1): wrong type: expected a list, found a mapping | help: lists are written `[a, b]` or as `- a` lines; mappings as `key: value` lines");
}

#[test]
fn a_value_where_a_mapping_belongs_is_located() {
    let text = GOOD.replace(
        "  - name: fastmath._fastmath\n",
        "  - fastmath._fastmath\n  - name: x\n",
    );
    insta::assert_snapshot!(error_of(&text), @"/project/cffi-wheel.yaml:6:5 (width 18): wrong type: expected a mapping, found a single value `fastmath._fastmath` | help: lists are written `[a, b]` or as `- a` lines; mappings as `key: value` lines");
}

#[test]
fn a_missing_package_key_is_located() {
    let text = GOOD.replace("  version: 0.1.0\n", "");
    insta::assert_snapshot!(error_of(&text), @r#"/project/cffi-wheel.yaml:2:9 (width 9): the package has no `version` | help: add `version:` (or in pyproject.toml, `[project] version`, or `dynamic = ["version"]` with `[tool.cffi-wheel] version-file`)"#);
}

#[test]
fn an_invalid_module_name_is_rejected() {
    let text = GOOD.replace("name: fastmath._fastmath", "name: 9bad.mod");
    insta::assert_snapshot!(error_of(&text), @"/project/cffi-wheel.yaml:6:11 (width 8): invalid module name `9bad.mod` | help: use a dotted Python identifier such as `fastmath._fastmath`");
}

#[test]
fn a_duplicate_key_is_rejected() {
    let text = GOOD.replace(
        "    libraries: [m]\n",
        "    libraries: [m]\n    libraries: [z]\n",
    );
    insta::assert_snapshot!(error_of(&text), @"/project/cffi-wheel.yaml:11:5 (width 9): the key `libraries` appears twice in the same mapping | help: remove one of the two entries");
}

#[test]
fn a_path_outside_the_project_is_rejected() {
    let text = GOOD.replace("    libraries: [m]\n", "    include_dirs: [../elsewhere]\n");
    insta::assert_snapshot!(error_of(&text), @"/project/cffi-wheel.yaml:10:20 (width 12): `../elsewhere` is outside the project directory | help: paths are relative to the recipe and must stay inside its directory");
}

#[test]
fn broken_yaml_is_located() {
    let text = GOOD.replace("  version: 0.1.0\n", "  version: [0.1.0\n");
    insta::assert_snapshot!(error_of(&text), @"/project/cffi-wheel.yaml:4:18 (width 1): this is not a valid recipe: 4:18: illegal placement of ':' indicator | help: recipes are YAML mappings; see docs/recipe.md for the keys");
}

#[test]
fn an_inline_cdef_remembers_where_it_starts() {
    let recipe = parse(Path::new("/project/cffi-wheel.yaml"), GOOD).expect("valid recipe");
    let origin = recipe.modules[0].cdef_origin.clone().expect("origin");
    assert_eq!((origin.line, origin.column), (8, 7));
    assert_eq!(origin.file, Path::new("/project/cffi-wheel.yaml"));
}

const WITH_OPTIONS: &str = "\
package: {name: demo, version: '1.0'}
options:
  system_lib: false
  flavour: fast
modules:
  - name: demo._demo
    cdef: 'int f(int);'
    libraries: [bundled]
    overrides:
      - when: system_lib
        libraries: [system]
        link: shared
      - when: flavour=small
        define_macros: {SMALL: null}
      - when: '!system_lib'
        extra_compile_args: [-DVENDORED]
";

fn configured(options: &[(&str, &str)]) -> Result<crate::recipe::Recipe, RecipeError> {
    let config = crate::recipe::BuildConfig {
        options: options
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Default::default()
    };
    crate::recipe::parse_with(Path::new("/project/cffi-wheel.yaml"), WITH_OPTIONS, &config)
}

#[test]
fn overrides_apply_only_when_their_condition_holds() {
    let default = configured(&[]).expect("default");
    let module = &default.modules[0];
    assert_eq!(module.libraries, ["bundled"]);
    assert_eq!(module.extra_compile_args, ["-DVENDORED"]);
    assert!(module.define_macros.is_empty());

    let system = configured(&[("system_lib", "true"), ("flavour", "small")]).expect("system");
    let module = &system.modules[0];
    assert_eq!(module.libraries, ["system"]);
    assert_eq!(module.link, crate::recipe::LinkMode::Shared);
    assert!(module.extra_compile_args.is_empty());
    assert_eq!(module.define_macros, [("SMALL".to_string(), None)]);
}

#[test]
fn an_undeclared_config_option_is_an_error() {
    let err = configured(&[("nope", "1")]).expect_err("unknown option");
    assert_eq!(
        err.to_string(),
        "--config nope: the recipe declares no option `nope` (declared: flavour, system_lib)\n\
         help: declare it under `options:` in the recipe, or drop the --config argument"
    );
}

#[test]
fn an_unknown_option_in_when_is_located() {
    let text = WITH_OPTIONS.replace("when: flavour=small", "when: flavor=small");
    insta::assert_snapshot!(error_of(&text), @"/project/cffi-wheel.yaml:13:15 (width 12): unknown option `flavor` in `when` | help: declare it under `options:`; known: arch, flavour, platform, system_lib");
}

#[test]
fn platform_conditions_select_overrides() {
    let text = "package: {name: demo, version: '1.0'}\nmodules:\n  - name: m\n    cdef: 'int f(int);'\n    overrides:\n      - when: platform=windows\n        libraries: [ws2_32]\n      - when: platform=linux\n        libraries: [rt]\n";
    let config = crate::recipe::BuildConfig {
        platform: "linux".into(),
        ..Default::default()
    };
    let recipe =
        crate::recipe::parse_with(Path::new("/p/cffi-wheel.yaml"), text, &config).expect("recipe");
    assert_eq!(recipe.modules[0].libraries, ["rt"]);
}

const PYPROJECT: &str = r#"[project]
name = "demo"
version = "2.0"
description = "Demo"
readme = { file = "README.md", content-type = "text/markdown" }
license = "MIT"

[[tool.cffi-wheel.modules]]
name = "demo._demo"
cdef = "int f(int);"
libraries = ["m"]
"#;

#[test]
fn pyproject_project_table_is_the_metadata() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs_err::write(dir.path().join("README.md"), "# demo\n").expect("readme");
    let file = dir.path().join("pyproject.toml");
    let recipe = parse(&file, PYPROJECT).expect("pyproject recipe");
    assert_eq!(recipe.package.name, "demo");
    assert_eq!(recipe.package.version.to_string(), "2.0");
    assert_eq!(recipe.package.summary.as_deref(), Some("Demo"));
    assert_eq!(recipe.package.license.as_deref(), Some("MIT"));
    assert_eq!(
        recipe.package.readme.as_ref().map(|r| r.path.as_str()),
        Some("README.md")
    );
    assert_eq!(recipe.modules[0].libraries, ["m"]);
}

#[test]
fn pyproject_errors_point_into_pyproject_toml() {
    let text = PYPROJECT
        .replace("libraries = [\"m\"]", "libraris = [\"m\"]")
        .replace(
            "readme = { file = \"README.md\", content-type = \"text/markdown\" }\n",
            "",
        );
    let err = parse(Path::new("/project/pyproject.toml"), &text).expect_err("unknown key");
    let located = err.located().expect("located");
    assert_eq!((located.line, located.column, located.width), (10, 1, 8));
    assert_eq!(located.help.as_deref(), Some("did you mean `libraries`?"));
}

#[test]
fn pyproject_import_names_are_refused_rather_than_dropped() {
    let text = PYPROJECT
        .replace(
            "license = \"MIT\"\n",
            "license = \"MIT\"\nimport-names = [\"demo\"]\n",
        )
        .replace(
            "readme = { file = \"README.md\", content-type = \"text/markdown\" }\n",
            "",
        );
    let err = parse(Path::new("/project/pyproject.toml"), &text).expect_err("import-names");
    assert!(
        err.to_string()
            .contains("[project].import-names is not supported"),
        "{err}"
    );
}

/// `package.authors` and `package.maintainers`: lists of `{name, email}`, either optional.
const PEOPLE: &str = "  authors:
    - {name: Ada Lovelace, email: ada@example.org}
    - {name: Charles Babbage}
  maintainers:
    - {name: Grace Hopper}
    - {email: ops@example.org}
    - name: M. Aintainer
      email: m@example.org
";

/// (name, email) pairs as the recipe holds them.
fn pairs(people: &[crate::recipe::Person]) -> Vec<(Option<&str>, Option<&str>)> {
    people
        .iter()
        .map(|p| (p.name.as_deref(), p.email.as_deref()))
        .collect()
}

#[test]
fn authors_and_maintainers_parse_into_names_and_emails() {
    let text = GOOD.replace("modules:\n", &format!("{PEOPLE}modules:\n"));
    let recipe = parse(Path::new("/project/cffi-wheel.yaml"), &text).expect("valid recipe");
    assert_eq!(
        pairs(&recipe.package.authors),
        [
            (Some("Ada Lovelace"), Some("ada@example.org")),
            (Some("Charles Babbage"), None),
        ]
    );
    assert_eq!(
        pairs(&recipe.package.maintainers),
        [
            (Some("Grace Hopper"), None),
            (None, Some("ops@example.org")),
            (Some("M. Aintainer"), Some("m@example.org")),
        ]
    );
}

/// GOOD with `package.<key>: <value>` added after `requires_python` (line 5).
fn with_package_key(key: &str, value: &str) -> String {
    GOOD.replace(
        "  requires_python: '>=3.8'\n",
        &format!("  requires_python: '>=3.8'\n  {key}: {value}\n"),
    )
}

#[test]
fn an_unknown_key_in_an_author_or_maintainer_is_located() {
    let entry = "[{name: A, emial: a@example.org}]";
    insta::assert_snapshot!(error_of(&with_package_key("authors", entry)), @"/project/cffi-wheel.yaml:5:23 (width 5): unknown key `emial` | help: did you mean `email`?");
    insta::assert_snapshot!(error_of(&with_package_key("maintainers", entry)), @"/project/cffi-wheel.yaml:5:27 (width 5): unknown key `emial` | help: did you mean `email`?");
}

#[test]
fn authors_or_maintainers_of_the_wrong_type_are_located() {
    insta::assert_snapshot!(error_of(&with_package_key("authors", "{name: A}")), @"/project/cffi-wheel.yaml:5:13 (width 4): wrong type: expected a list, found a mapping | help: lists are written `[a, b]` or as `- a` lines; mappings as `key: value` lines");
    insta::assert_snapshot!(error_of(&with_package_key("maintainers", "{name: A}")), @"/project/cffi-wheel.yaml:5:17 (width 4): wrong type: expected a list, found a mapping | help: lists are written `[a, b]` or as `- a` lines; mappings as `key: value` lines");
    insta::assert_snapshot!(error_of(&with_package_key("maintainers", "[{name: [A, B]}]")), @"/project/cffi-wheel.yaml:5:24 (width 2): wrong type: expected a string, found a list | help: lists are written `[a, b]` or as `- a` lines; mappings as `key: value` lines");
    insta::assert_snapshot!(error_of(&with_package_key("maintainers", "[Grace Hopper]")), @"/project/cffi-wheel.yaml:5:17 (width 12): wrong type: expected a mapping, found a single value `Grace Hopper` | help: lists are written `[a, b]` or as `- a` lines; mappings as `key: value` lines");
}

#[test]
fn pyproject_authors_and_maintainers_are_mapped_alike() {
    let text = PYPROJECT
        .replace(
            "license = \"MIT\"\n",
            "license = \"MIT\"\n\
             authors = [{ name = \"Ada Lovelace\", email = \"ada@example.org\" }]\n\
             maintainers = [{ name = \"Grace Hopper\" }, { email = \"ops@example.org\" }]\n",
        )
        .replace(
            "readme = { file = \"README.md\", content-type = \"text/markdown\" }\n",
            "",
        );
    let recipe = parse(Path::new("/project/pyproject.toml"), &text).expect("maintainers");
    assert_eq!(
        pairs(&recipe.package.authors),
        [(Some("Ada Lovelace"), Some("ada@example.org"))]
    );
    assert_eq!(
        pairs(&recipe.package.maintainers),
        [
            (Some("Grace Hopper"), None),
            (None, Some("ops@example.org"))
        ]
    );
}

#[test]
fn pyproject_maintainer_errors_point_into_pyproject_toml() {
    let text = PYPROJECT
        .replace(
            "license = \"MIT\"\n",
            "license = \"MIT\"\nmaintainers = [{ name = \"M\", emial = \"m@example.org\" }]\n",
        )
        .replace(
            "readme = { file = \"README.md\", content-type = \"text/markdown\" }\n",
            "",
        );
    let err = parse(Path::new("/project/pyproject.toml"), &text).expect_err("unknown key");
    let located = err.located().expect("located");
    insta::assert_snapshot!(
        format!("{}:{}:{} (width {}): {} | help: {}", located.file.display(), located.line, located.column, located.width, located.message, located.help.clone().unwrap_or_default()),
        @"/project/pyproject.toml:6:30 (width 5): unknown key `emial` | help: did you mean `email`?"
    );
}

const WITH_PYTHON_KEYS: &str = "\
package:
  name: demo
  version: '1.0'
  optional_dependencies:
    Test_Extra: ['pytest>=7', \"tomli; python_version < '3.11'\"]
    docs: [sphinx]
  scripts:
    demo-cli: demo.cli:main
  gui_scripts:
    demo-gui: 'demo.gui : run'
  entry_points:
    pytest11: {demo: demo.plugin}
py_modules: [helper, src/other]
modules:
  - name: demo._demo
    cdef: 'int f(int);'
";

/// A project directory holding `files` (empty), and the parsed recipe `text` in it.
fn parse_in_project(
    text: &str,
    file_name: &str,
    files: &[&str],
) -> (
    tempfile::TempDir,
    Result<crate::recipe::Recipe, RecipeError>,
) {
    let dir = tempfile::tempdir().expect("tempdir");
    for file in files {
        let path = dir.path().join(file);
        fs_err::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs_err::write(&path, "").expect("write");
    }
    let recipe = parse(&dir.path().join(file_name), text);
    (dir, recipe)
}

#[test]
fn extras_entry_points_and_py_modules_parse() {
    let (dir, recipe) = parse_in_project(
        WITH_PYTHON_KEYS,
        "cffi-wheel.yaml",
        &["helper.py", "src/other.py"],
    );
    let recipe = recipe.expect("valid recipe");
    let extras: Vec<(&str, Vec<String>)> = recipe
        .package
        .optional_dependencies
        .iter()
        .map(|e| {
            let reqs = e.requirements.iter().map(ToString::to_string).collect();
            (e.name.as_str(), reqs)
        })
        .collect();
    assert_eq!(
        extras,
        [
            (
                "test-extra",
                vec![
                    "pytest>=7".to_string(),
                    "tomli ; python_full_version < '3.11'".to_string()
                ]
            ),
            ("docs", vec!["sphinx".to_string()]),
        ]
    );
    let entry_points: Vec<(&str, &str, &str)> = recipe
        .package
        .entry_points
        .iter()
        .flat_map(|(group, entries)| {
            entries
                .iter()
                .map(move |(name, value)| (group.as_str(), name.as_str(), value.as_str()))
        })
        .collect();
    assert_eq!(
        entry_points,
        [
            ("console_scripts", "demo-cli", "demo.cli:main"),
            ("gui_scripts", "demo-gui", "demo.gui : run"),
            ("pytest11", "demo", "demo.plugin"),
        ]
    );
    let py_modules: Vec<(&str, &str)> = recipe
        .py_modules
        .iter()
        .map(|m| (m.name.as_str(), m.path.as_str()))
        .collect();
    assert_eq!(
        py_modules,
        [("helper", "helper.py"), ("other", "src/other.py")]
    );
    assert!(recipe.sdist_include.contains(&"helper.py".to_string()));
    assert!(recipe.sdist_include.contains(&"src/other.py".to_string()));
    drop(dir);
}

#[test]
fn an_invalid_extra_name_is_located() {
    let text = WITH_PYTHON_KEYS.replace("    docs: [sphinx]", "    -docs: [sphinx]");
    insta::assert_snapshot!(error_of(&text), @"/project/cffi-wheel.yaml:6:5 (width 5): invalid extra name `-docs` | help: use letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit");
}

#[test]
fn extras_that_normalise_alike_are_an_error() {
    let text = WITH_PYTHON_KEYS.replace("    docs: [sphinx]", "    test.extra: [sphinx]");
    insta::assert_snapshot!(error_of(&text), @"/project/cffi-wheel.yaml:6:5 (width 10): extras `Test_Extra` and `test.extra` are the same extra, `test-extra` (PEP 685) | help: merge the two lists under one name");
}

#[test]
fn an_invalid_requirement_in_an_extra_is_located() {
    let text = WITH_PYTHON_KEYS.replace("docs: [sphinx]", "docs: ['sphinx>=']");
    insta::assert_snapshot!(error_of(&text), @"
    /project/cffi-wheel.yaml:6:12 (width 10): invalid requirement `sphinx>=` in extra `docs`: Unexpected end of version specifier, expected version
    sphinx>=
          ^^ | help: use a PEP 508 requirement such as `pytest>=7`
    ");
}

#[test]
fn an_extra_that_is_not_a_list_is_located() {
    let text = WITH_PYTHON_KEYS.replace("docs: [sphinx]", "docs: sphinx");
    insta::assert_snapshot!(error_of(&text), @"/project/cffi-wheel.yaml:6:11 (width 6): wrong type: expected a list, found a single value `sphinx` | help: lists are written `[a, b]` or as `- a` lines; mappings as `key: value` lines");
}

#[test]
fn a_script_without_a_function_is_located() {
    let text = WITH_PYTHON_KEYS.replace("demo-cli: demo.cli:main", "demo-cli: demo.cli");
    insta::assert_snapshot!(error_of(&text), @"/project/cffi-wheel.yaml:8:15 (width 8): invalid object reference `demo.cli` for console script `demo-cli`: a script needs `:function` after the module | help: write `package.module:function`");
}

#[test]
fn an_invalid_object_reference_is_located() {
    let text = WITH_PYTHON_KEYS.replace("{demo: demo.plugin}", "{demo: 'demo-plugin:x'}");
    insta::assert_snapshot!(error_of(&text), @"/project/cffi-wheel.yaml:12:22 (width 15): invalid object reference `demo-plugin:x` for entry point `demo`: the module part must be dotted Python identifiers | help: write `package.module` or `package.module:object.attribute`");
}

#[test]
fn console_scripts_under_entry_points_are_refused() {
    let text = WITH_PYTHON_KEYS.replace("pytest11: {demo", "console_scripts: {demo");
    insta::assert_snapshot!(error_of(&text), @"/project/cffi-wheel.yaml:12:5 (width 15): `console_scripts` entry points are written under `scripts` | help: move these entries to `package.scripts`");
}

#[test]
fn a_missing_py_module_is_located() {
    insta::assert_snapshot!(error_of(WITH_PYTHON_KEYS), @"/project/cffi-wheel.yaml:13:14 (width 6): file `helper.py` does not exist | help: `py_modules` names `.py` files relative to the recipe's directory, without `.py`");
}

#[test]
fn a_py_module_written_as_a_file_is_located() {
    let text = WITH_PYTHON_KEYS.replace("[helper, src/other]", "[helper.py]");
    insta::assert_snapshot!(error_of(&text), @"/project/cffi-wheel.yaml:13:14 (width 9): `helper.py` names a file; `py_modules` lists module names | help: write `helper`: the module `name` ships `name.py`");
}

#[test]
fn a_py_module_named_like_an_extension_module_is_refused() {
    let text = WITH_PYTHON_KEYS
        .replace("[helper, src/other]", "[_demo]")
        .replace("name: demo._demo", "name: _demo");
    let (_dir, recipe) = parse_in_project(&text, "cffi-wheel.yaml", &["_demo.py"]);
    let err = recipe.expect_err("clash");
    assert!(
        err.to_string()
            .contains("top-level module `_demo` is also an extension module"),
        "{err}"
    );
}

const PYPROJECT_PYTHON_KEYS: &str = r#"[project]
name = "demo"
version = "2.0"
dependencies = ["attrs"]

[project.optional-dependencies]
zzz = ["pytest>=7"]
aaa = ["sphinx; python_version >= '3.9'"]

[project.scripts]
demo = "demo.cli:main"

[project.gui-scripts]
demo-gui = "demo.gui:run"

[project.entry-points."babel.extractors"]
demo = "demo.babel:extract"

[tool.cffi-wheel]
py-modules = ["helper"]

[[tool.cffi-wheel.modules]]
name = "demo._demo"
cdef = "int f(int);"
"#;

#[test]
fn pyproject_extras_entry_points_and_py_modules_parse() {
    let (_dir, recipe) = parse_in_project(PYPROJECT_PYTHON_KEYS, "pyproject.toml", &["helper.py"]);
    let recipe = recipe.expect("pyproject recipe");
    let extras: Vec<&str> = recipe
        .package
        .optional_dependencies
        .iter()
        .map(|e| e.name.as_str())
        .collect();
    assert_eq!(extras, ["zzz", "aaa"], "extras keep the order written");
    let groups: Vec<&str> = recipe
        .package
        .entry_points
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        groups,
        ["babel.extractors", "console_scripts", "gui_scripts"]
    );
    assert_eq!(
        recipe.package.entry_points["console_scripts"]["demo"],
        "demo.cli:main"
    );
    assert_eq!(recipe.py_modules[0].name, "helper");
}

#[test]
fn pyproject_py_modules_may_be_spelled_with_an_underscore_but_not_both_ways() {
    let text = PYPROJECT_PYTHON_KEYS.replace("py-modules", "py_modules");
    let (_dir, recipe) = parse_in_project(&text, "pyproject.toml", &["helper.py"]);
    assert_eq!(recipe.expect("py_modules").py_modules[0].name, "helper");

    let text = PYPROJECT_PYTHON_KEYS.replace(
        "py-modules = [\"helper\"]",
        "py-modules = [\"helper\"]\npy_modules = [\"helper\"]",
    );
    let err = parse(Path::new("/project/pyproject.toml"), &text).expect_err("both");
    let located = err.located().expect("located");
    assert_eq!((located.line, located.column), (20, 1));
    assert_eq!(
        located.message,
        "`py-modules` and `py_modules` are both given"
    );
}

#[test]
fn pyproject_console_scripts_entry_points_are_refused_as_pep_621_says() {
    let text = PYPROJECT_PYTHON_KEYS.replace(
        "[project.entry-points.\"babel.extractors\"]",
        "[project.entry-points.console_scripts]",
    );
    let err = parse(Path::new("/project/pyproject.toml"), &text).expect_err("console_scripts");
    let located = err.located().expect("located");
    insta::assert_snapshot!(
        format!("{}:{}: {} | help: {}", located.line, located.column, located.message, located.help.clone().unwrap_or_default()),
        @"16:23: [project.entry-points] may not have a `console_scripts` group (PEP 621) | help: move these entries to [project.scripts]"
    );
}

#[test]
fn pyproject_invalid_extra_requirement_points_into_pyproject_toml() {
    let text = PYPROJECT_PYTHON_KEYS.replace("zzz = [\"pytest>=7\"]", "zzz = [\"pytest>=\"]");
    let err = parse(Path::new("/project/pyproject.toml"), &text).expect_err("bad requirement");
    let located = err.located().expect("located");
    assert_eq!((located.line, located.column), (7, 8));
    assert!(
        located
            .message
            .starts_with("invalid requirement `pytest>=` in extra `zzz`")
    );
}

#[test]
fn a_utf8_byte_order_mark_is_not_part_of_the_recipe() {
    let with_bom = format!("\u{feff}{GOOD}");
    let recipe = parse(Path::new("/project/cffi-wheel.yaml"), &with_bom).expect("valid recipe");
    assert_eq!(recipe.package.name, "Fast_Math");
    // Errors keep their lines and columns.
    let broken = format!(
        "\u{feff}{}",
        GOOD.replace("version: 0.1.0", "version: [0.1]")
    );
    assert!(error_of(&broken).contains(":3:"), "{}", error_of(&broken));
}

#[test]
fn an_empty_cdef_is_an_error_at_the_cdef() {
    let text = GOOD.replace(
        "    cdef: |\n      double sqrt(double x);\n",
        "    cdef: \"  \"\n",
    );
    let error = error_of(&text);
    assert!(error.contains("/project/cffi-wheel.yaml:7:11"), "{error}");
    assert!(
        error.contains("the cdef of module `fastmath._fastmath` is empty"),
        "{error}"
    );
    assert!(error.contains("help: declare the C functions"), "{error}");
}

#[test]
fn spdx_expressions_are_checked_and_valid_ones_pass() {
    for license in [
        "MIT",
        "Apache-2.0 OR MIT",
        "(MIT AND BSD-3-Clause)",
        "LicenseRef-Proprietary",
    ] {
        let text = GOOD.replace(
            "version: 0.1.0\n",
            &format!("version: 0.1.0\n  license: '{license}'\n"),
        );
        assert!(
            parse(Path::new("/project/cffi-wheel.yaml"), &text).is_ok(),
            "{license}"
        );
    }
    let text = GOOD.replace("version: 0.1.0\n", "version: 0.1.0\n  license: GPL2\n");
    insta::assert_snapshot!(error_of(&text), @"/project/cffi-wheel.yaml:4:12 (width 4): invalid SPDX license expression `GPL2`: unknown term | help: did you mean `GPL-2.0-only`?");
}

#[test]
fn canonical_spdx_repairs_what_it_can_and_gives_up_on_free_text() {
    use super::canonical_spdx;
    assert_eq!(canonical_spdx(" MIT ").as_deref(), Some("MIT"));
    assert_eq!(
        canonical_spdx("apache with LLVM-exception/gpl-3.0+").as_deref(),
        Some("Apache-2.0 WITH LLVM-exception OR GPL-3.0-or-later")
    );
    assert_eq!(canonical_spdx("Proprietary, all rights reserved"), None);
}

#[test]
fn a_requirement_name_ending_in_a_separator_is_an_error_not_a_panic() {
    // Found by fuzzing (fuzz/, recipe_yaml and recipe_pyproject): pep508_rs 0.9.2 panics on
    // `pytest_>=7` ("`PackageName` validation should match PEP 508 parsing").
    let text = WITH_PYTHON_KEYS.replace("'pytest>=7'", "'pytest_>=7'");
    insta::assert_snapshot!(error_of(&text), @"
    /project/cffi-wheel.yaml:5:18 (width 12): invalid requirement `pytest_>=7` in extra `Test_Extra`: Package name must end with an alphanumeric character, not '_'
    pytest_>=7
          ^ | help: use a PEP 508 requirement such as `pytest>=7`
    ");
    let text = GOOD.replace(
        "  version: 0.1.0\n",
        "  version: 0.1.0\n  dependencies: ['numpy. ; python_version > \"3.8\"']\n",
    );
    insta::assert_snapshot!(error_of(&text), @r#"
    /project/cffi-wheel.yaml:4:18 (width 33): invalid dependency `numpy. ; python_version > "3.8"`: Package name must end with an alphanumeric character, not '.'
    numpy. ; python_version > "3.8"
         ^ | help: use a PEP 508 requirement such as `numpy>=1.22`
    "#);
    // The same inside the extras, where pep508_rs panics too ("`ExtraName` validation…").
    for (requirement, at) in [
        ("pytest[cov_]>=7", 10),
        ("pytest[cov, xdist. ]", 17),
        ("pytest [cov-]", 11),
    ] {
        let text = WITH_PYTHON_KEYS.replace("'pytest>=7'", &format!("'{requirement}'"));
        let err = error_of(&text);
        assert!(
            err.contains("Package name must end with an alphanumeric character"),
            "{err}"
        );
        assert!(err.contains(&format!("\n{}^", " ".repeat(at))), "{err}");
    }
    for valid in ["pytest[cov]>=7", "pytest [ cov , xdist ]", "a.b-c_d[e.f]"] {
        let text = WITH_PYTHON_KEYS.replace("'pytest>=7'", &format!("'{valid}'"));
        // The recipe names files this test does not make; its requirements are fine.
        let err = parse(Path::new("/project/cffi-wheel.yaml"), &text).err();
        let err = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(!err.contains("invalid requirement"), "{valid}: {err}");
    }
}

#[test]
fn a_requirement_error_after_a_multibyte_character_is_reported_not_a_panic() {
    // Found by fuzzing (fuzz/, recipe_yaml): pep508_rs 0.9.2's error Display slices the
    // requirement inside `Ӎ` and panics.
    let text = WITH_PYTHON_KEYS.replace(
        "\"tomli; python_version < '3.11'\"",
        "\"tomli; python_version < '3.11'sum Ӎ=\"",
    );
    let err = error_of(&text);
    assert!(
        err.contains("invalid requirement `tomli; python_version < '3.11'sum Ӎ=`"),
        "{err}"
    );
    // Found by the third 10-minute run: pep508_rs's cursor slices inside one in a marker.
    let text = WITH_PYTHON_KEYS.replace("'3.11'", "'3=.'!<[%\u{e83a0} ");
    let err = error_of(&text);
    assert!(err.contains("requirements are ASCII"), "{err}");
}
