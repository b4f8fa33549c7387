//! The command line's own surface: help texts, `list-interpreters` and `plan`.

use std::ffi::OsStr;

use serde_json::Value;

use crate::context::{self, CPYTHON_MINORS, fixtures_dir, literal_regex, run_cli, same_program};

/// Snapshots the stdout of `cffi-wheel ARGS` with the version filtered out.
fn assert_output_snapshot(name: &str, args: &[&str]) {
    let run = run_cli(args);
    run.assert_success(&format!("cffi-wheel {}", args.join(" ")));
    assert_eq!(run.stderr, "", "stderr of cffi-wheel {}", args.join(" "));
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(&literal_regex(env!("CARGO_PKG_VERSION")), "[VERSION]");
    settings.bind(|| insta::assert_snapshot!(name, run.stdout));
}

#[test]
fn top_level_help_lists_build_plan_and_list_interpreters() {
    assert_output_snapshot("help", &["--help"]);
}

#[test]
fn build_help_documents_every_build_option() {
    assert_output_snapshot("build_help", &["build", "--help"]);
}

#[test]
fn version_flag_prints_the_crate_version() {
    let run = run_cli(["--version"]);
    run.assert_success("cffi-wheel --version");
    assert_eq!(
        run.stdout,
        format!("cffi-wheel {}\n", env!("CARGO_PKG_VERSION"))
    );
}

/// Parses stdout of a successful `cffi-wheel ARGS` as JSON.
fn json_of(args: &[&OsStr]) -> Value {
    let run = run_cli(args);
    let shown: Vec<_> = args.iter().map(|a| a.to_string_lossy()).collect();
    run.assert_success(&format!("cffi-wheel {}", shown.join(" ")));
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("invalid JSON ({e}) from {shown:?}:\n{}", run.stdout))
}

#[test]
fn list_interpreters_json_includes_every_pyenv_cpython_and_pypy() {
    let Some(interpreters) = context::interpreters() else {
        return;
    };
    let listed = json_of(&["list-interpreters".as_ref(), "--json".as_ref()]);
    let listed = listed.as_array().expect("a JSON array");
    let find = |path: &std::path::Path| {
        listed.iter().find(|i| {
            ["path", "executable"]
                .iter()
                .filter_map(|key| i[key].as_str())
                .any(|p| same_program(p.as_ref(), path))
        })
    };
    for (minor, python) in CPYTHON_MINORS.iter().zip(&interpreters.cpythons) {
        let found =
            find(python).unwrap_or_else(|| panic!("{} not listed:\n{listed:#?}", python.display()));
        assert_eq!(found["implementation"], "cpython", "{found}");
        assert_eq!(found["version"][0], 3, "{found}");
        assert_eq!(found["version"][1], *minor, "{found}");
    }
    let pypy = find(&interpreters.pypy)
        .unwrap_or_else(|| panic!("{} not listed:\n{listed:#?}", interpreters.pypy.display()));
    assert_eq!(pypy["implementation"], "pypy", "{pypy}");
    assert_eq!(pypy["version"][0], 3, "{pypy}");
}

/// The target ids of `plan fixtures/vendored --json ARGS`, and the plan.
fn vendored_plan(extra: &[&str]) -> (Vec<String>, Value) {
    let project = fixtures_dir().join("vendored");
    let mut args: Vec<&OsStr> = vec!["plan".as_ref(), project.as_os_str(), "--json".as_ref()];
    args.extend(extra.iter().map(OsStr::new));
    let plan = json_of(&args);
    let ids = plan["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect();
    (ids, plan)
}

#[test]
fn plan_for_vendored_has_one_abi3_and_one_pypy_target() {
    let Some(_) = context::interpreters() else {
        return;
    };
    let (ids, plan) = vendored_plan(&[]);
    assert_eq!(ids, ["cp38-abi3", "pp39-pypy39_pp73"], "{plan:#}");
    assert_eq!(plan["name"], "cw-vecmath");
    assert_eq!(plan["version"], "0.1.0");
}

#[test]
fn plan_with_cp311_selector_has_only_the_cp311_abi3_target() {
    let Some(_) = context::interpreters() else {
        return;
    };
    let (ids, plan) = vendored_plan(&["-i", "cp311"]);
    assert_eq!(ids, ["cp311-abi3"], "{plan:#}");
    let target = &plan["targets"][0];
    for interpreter in target["interpreters"].as_array().unwrap() {
        assert_eq!(interpreter["implementation"], "cpython", "{interpreter}");
        assert_eq!(interpreter["version"][1], 11, "{interpreter}");
    }
}

#[test]
fn plan_json_of_a_recipe_shows_what_each_target_compiles_without_running_prebuild_steps() {
    let Some(_) = context::interpreters() else {
        return;
    };
    let project = context::copy_fixture("prebuild");
    let plan = json_of(&[
        OsStr::new("plan"),
        project.root.as_os_str(),
        OsStr::new("--json"),
    ]);
    let targets: Vec<&str> = plan["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    let resolved = plan["resolved"].as_array().unwrap();
    let described: Vec<&str> = resolved
        .iter()
        .map(|r| r["target"].as_str().unwrap())
        .collect();
    assert_eq!(described, targets, "{plan:#}");
    for target in resolved {
        let spec = &target["extensions"][0];
        assert_eq!(spec["name"], "cwcounter._counter", "{spec}");
        // The generated C comes first, at the path codegen will write it to.
        let first = spec["sources"][0].as_str().unwrap();
        assert!(
            first.contains("build/cffi-wheel/gen/") && first.ends_with("cwcounter._counter.c"),
            "{spec}"
        );
        // The prebuild step's archive is linked in, from its own $OUT_DIR.
        let objects = spec["extra_objects"].to_string();
        assert!(
            objects.contains("prebuild/cwcounter._counter/1/libcounter.a"),
            "{spec}"
        );
        assert!(
            spec["include_dirs"].to_string().contains("vendor/counter"),
            "{spec}"
        );
        let abi3 = target["target"].as_str().unwrap().ends_with("-abi3");
        assert_eq!(spec["limited_api"], abi3, "{spec}");
    }
    // Described, not run: no prebuild output, no generated C.
    assert!(
        !project.root.join("build/cffi-wheel").exists(),
        "plan wrote into the build directory"
    );
}
