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
        "--config nope: the recipe declares no option `nope` (declared: flavour, system_lib)"
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
fn pyproject_scripts_are_refused_rather_than_dropped() {
    let text = PYPROJECT
        .replace(
            "license = \"MIT\"\n",
            "license = \"MIT\"\nscripts = { demo = \"demo:main\" }\n",
        )
        .replace(
            "readme = { file = \"README.md\", content-type = \"text/markdown\" }\n",
            "",
        );
    let err = parse(Path::new("/project/pyproject.toml"), &text).expect_err("scripts");
    assert!(
        err.to_string()
            .contains("[project].scripts is not supported"),
        "{err}"
    );
}
