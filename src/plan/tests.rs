//! Plan tests over captured probe outputs (`fixtures/interpreters/*.json`), so they run
//! without those interpreters installed.

use std::path::Path;

use super::{Selection, plan};
use crate::interpreter::Interpreter;
use crate::recipe::{Recipe, parse};

fn interpreter(id: &str) -> Interpreter {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/interpreters")
        .join(format!("{id}.json"));
    let text = fs_err::read_to_string(&path).expect("fixture interpreter");
    serde_json::from_str(&text).expect("interpreter json")
}

fn all() -> Vec<Interpreter> {
    [
        "cp38", "cp39", "cp310", "cp311", "cp312", "cp313", "cp313t", "pp39",
    ]
    .iter()
    .map(|id| interpreter(id))
    .collect()
}

fn recipe(extra_module_keys: &str, requires_python: &str) -> Recipe {
    let text = format!(
        "package:\n  name: demo\n  version: '1.0'\n  requires_python: '{requires_python}'\n\
         modules:\n  - name: demo._demo\n    cdef: 'int f(int);'\n{extra_module_keys}"
    );
    parse(Path::new("/project/cffi-wheel.yaml"), &text).expect("recipe")
}

fn ids(recipe: &Recipe, interpreters: &[Interpreter], selection: &Selection) -> Vec<String> {
    let plan = plan(recipe, interpreters, selection).expect("plan");
    plan.targets
        .iter()
        .map(|t| format!("{} {} [{}]", t.id, t.ext_suffix, t.interpreters.len()))
        .collect()
}

#[test]
fn every_gil_cpython_shares_one_abi3_target_built_against_the_lowest() {
    let recipe = recipe("", ">=3.8");
    let plan = plan(&recipe, &all(), &Selection::default()).expect("plan");
    let abi3 = &plan.targets[0];
    assert_eq!(abi3.id, "cp38-abi3");
    assert_eq!(abi3.build_interpreter.version[..2], [3, 8]);
    insta::assert_debug_snapshot!(ids(&recipe, &all(), &Selection::default()), @r#"
    [
        "cp38-abi3 .abi3.so [6]",
        "cp313-cp313t .cpython-313t-x86_64-linux-gnu.so [1]",
        "pp39-pypy39_pp73 .pypy39-pp73-x86_64-linux-gnu.so [1]",
    ]
    "#);
}

#[test]
fn requires_python_raises_the_abi3_floor() {
    let recipe = recipe("", ">=3.10");
    insta::assert_debug_snapshot!(ids(&recipe, &all(), &Selection::default()), @r#"
    [
        "cp310-abi3 .abi3.so [4]",
        "cp313-cp313t .cpython-313t-x86_64-linux-gnu.so [1]",
    ]
    "#);
}

#[test]
fn limited_api_false_builds_per_version() {
    let recipe = recipe("    limited_api: false\n", ">=3.8");
    insta::assert_debug_snapshot!(ids(&recipe, &all(), &Selection::default()), @r#"
    [
        "cp38-cp38 .cpython-38-x86_64-linux-gnu.so [1]",
        "cp39-cp39 .cpython-39-x86_64-linux-gnu.so [1]",
        "cp310-cp310 .cpython-310-x86_64-linux-gnu.so [1]",
        "cp311-cp311 .cpython-311-x86_64-linux-gnu.so [1]",
        "cp312-cp312 .cpython-312-x86_64-linux-gnu.so [1]",
        "cp313-cp313 .cpython-313-x86_64-linux-gnu.so [1]",
        "cp313-cp313t .cpython-313t-x86_64-linux-gnu.so [1]",
        "pp39-pypy39_pp73 .pypy39-pp73-x86_64-linux-gnu.so [1]",
    ]
    "#);
}

#[test]
fn selectors_keep_and_skip_interpreters() {
    let recipe = recipe("", ">=3.8");
    let selection = Selection {
        select: vec!["cp31*".into(), "pp39".into()],
        skip: vec!["cp313t".into()],
    };
    insta::assert_debug_snapshot!(ids(&recipe, &all(), &selection), @r#"
    [
        "cp310-abi3 .abi3.so [4]",
        "pp39-pypy39_pp73 .pypy39-pp73-x86_64-linux-gnu.so [1]",
    ]
    "#);
}

#[test]
fn an_interpreter_without_headers_serves_but_does_not_build() {
    let mut interpreters = all();
    interpreters[0].has_headers = false;
    let recipe = recipe("", ">=3.8");
    let plan = plan(&recipe, &interpreters, &Selection::default()).expect("plan");
    assert_eq!(plan.targets[0].id, "cp38-abi3");
    assert_eq!(plan.targets[0].build_interpreter.version[..2], [3, 9]);
}

#[test]
fn no_matching_interpreter_is_an_error_listing_what_was_left_out() {
    let recipe = recipe("", ">=3.14");
    let err = plan(&recipe, &all(), &Selection::default()).expect_err("nothing to build");
    assert!(
        err.to_string()
            .contains("requires_python `>=3.14` excludes 3.8.18"),
        "{err}"
    );
}
