//! setuptools projects built as they are: no recipe, no `import`, no edits.

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::context::{
    Build, build_json, copy_fixture, install_and_check_everywhere, interpreters, program,
    pyenv_cpython, run_cli, wheel_members,
};
use crate::corpus::{assert_agree_with_setuptools, setuptools_wheel};

/// Builds a copy of `fixture` unchanged, for every interpreter found.
fn build_as_is(fixture: &str) -> Build {
    let project = copy_fixture(fixture);
    let out = project.temp.path().join("out");
    let (_, wheels) = build_json(&project.root, &out, &[]);
    Build {
        fixture: fixture.to_string(),
        project,
        out,
        wheels,
    }
}

/// Checks `build`'s wheels against `pip wheel` of the same fixture under CPython 3.11.
fn assert_agrees_with_pip_wheel(build: &Build) {
    let Some(python) = pyenv_cpython(11) else {
        return;
    };
    let copy = copy_fixture(&build.fixture);
    let out = copy.temp.path().join("st");
    let reference = setuptools_wheel(&python, &copy.root, &out);
    assert_agree_with_setuptools(&build.fixture, &build.wheels, &reference);
}

#[test]
fn legacy_setuptools_projects_build_as_is_and_pass_their_checks_everywhere() {
    let Some(found) = interpreters() else { return };
    for fixture in ["legacy_sources", "legacy_libraries"] {
        let build = build_as_is(fixture);
        assert_agrees_with_pip_wheel(&build);
        let names: Vec<String> = build.wheels.iter().map(|w| w.file_name()).collect();
        assert_eq!(
            names.len(),
            2,
            "{fixture}: one abi3 and one PyPy wheel: {names:?}"
        );
        assert!(names.iter().any(|n| n.contains("-cp38-abi3-")), "{names:?}");
        assert!(
            names.iter().any(|n| n.contains("-pp39-pypy39_pp73-")),
            "{names:?}"
        );
        let abi3 = build.wheels.iter().find(|w| w.is_abi3()).unwrap();
        for python in &found.cpythons {
            assert!(
                abi3.interpreters
                    .iter()
                    .any(|i| crate::context::same_program(i, python)),
                "{fixture}: the abi3 wheel does not claim {}",
                python.display()
            );
        }
        let passed = install_and_check_everywhere(&build);
        assert!(passed >= 7, "{fixture}: passed on {passed} interpreters");
    }
}

#[test]
fn distutils_extension_build_clib_py_modules_and_a_plain_extension_build_per_version() {
    let Some(found) = interpreters() else { return };
    let build = build_as_is("setuptools_mixed");
    let names: Vec<String> = build.wheels.iter().map(|w| w.file_name()).collect();
    // `mixed._plain` is not py_limited_api: one wheel per CPython version, and PyPy's.
    assert_eq!(names.len(), found.cpythons.len() + 1, "{names:?}");
    assert!(!names.iter().any(|n| n.contains("abi3")), "{names:?}");
    for minor in crate::context::CPYTHON_MINORS {
        let tag = format!("-cp3{minor}-cp3{minor}-");
        assert!(names.iter().any(|n| n.contains(&tag)), "{tag} in {names:?}");
    }
    assert_agrees_with_pip_wheel(&build);
    let passed = install_and_check_everywhere(&build);
    assert!(passed >= 7, "passed on {passed} interpreters");
}

#[test]
fn an_extension_the_project_compiles_itself_is_shipped_per_version_without_a_runpath() {
    let Some(found) = interpreters() else { return };
    let Some(readelf) = program("readelf") else {
        return;
    };
    let build = build_as_is("setuptools_own_build_ext");
    let names: Vec<String> = build.wheels.iter().map(|w| w.file_name()).collect();
    // The binary setuptools' wheel already held was built for one CPython: no abi3.
    assert_eq!(names.len(), found.cpythons.len() + 1, "{names:?}");
    assert!(!names.iter().any(|n| n.contains("abi3")), "{names:?}");
    for wheel in &build.wheels {
        for (name, bytes) in wheel_members(&wheel.path, |n| n.contains("/_own.")) {
            let file = build.project.temp.path().join("own.so");
            fs_err::write(&file, bytes).unwrap();
            let (ok, dynamic, _) =
                crate::context::run_program(&readelf, &[OsStr::new("-d"), file.as_os_str()]);
            assert!(ok);
            // The project linked with pyenv's LDFLAGS (-Wl,-rpath,…/lib); repair removes it.
            assert!(
                !dynamic.contains(".pyenv"),
                "{name} in {}:\n{dynamic}",
                wheel.file_name()
            );
        }
    }
    let passed = install_and_check_everywhere(&build);
    assert!(passed >= 7, "passed on {passed} interpreters");
}

#[test]
fn plan_json_of_a_setuptools_project_shows_each_extension_as_setuptools_resolved_it() {
    let Some(_) = interpreters() else { return };
    let project = copy_fixture("legacy_libraries");
    let run = run_cli([
        OsStr::new("plan"),
        project.root.as_os_str(),
        OsStr::new("--json"),
    ]);
    run.assert_success("plan --json");
    let plan: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(plan["modules"], serde_json::json!(["legacypkg._native"]));
    // What cffi-wheel compiles for the abi3 target: setuptools' Extension, resolved.
    let resolved = plan["resolved"].as_array().unwrap();
    let abi3 = resolved
        .iter()
        .find(|r| r["target"] == "cp38-abi3")
        .unwrap_or_else(|| panic!("{resolved:?}"));
    let spec = &abi3["extensions"][0];
    assert_eq!(spec["name"], "legacypkg._native", "{spec}");
    assert_eq!(spec["language"], "c++", "{spec}");
    assert_eq!(spec["limited_api"], true, "{spec}");
    assert!(
        spec["define_macros"].to_string().contains("NDEBUG"),
        "{spec}"
    );
    let builds = plan["builds"].as_object().unwrap();
    assert!(builds.contains_key("cp38-abi3"), "{builds:?}");
    let ext = &builds["cp38-abi3"]["extensions"][0];
    assert_eq!(ext["name"], "legacypkg._native");
    assert_eq!(ext["language"], "c++", "{ext}");
    assert_eq!(ext["py_limited_api"], true);
    let sources: Vec<&str> = ext["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(
        sources.iter().any(|s| s.ends_with("src/stats.cpp")),
        "{sources:?}"
    );
    // cffi's generated C, made by the build environment's cffi under CPython 3.8.
    assert!(
        sources
            .iter()
            .any(|s| s.ends_with("_native.cpp") || s.ends_with("_native.c"))
    );
    let includes = ext["include_dirs"].to_string();
    assert!(
        includes.contains("3.8"),
        "CPython 3.8's headers: {includes}"
    );
    // Nothing was compiled.
    assert!(!project.root.join("dist").exists());
}

/// Runs `build` on a copy of `fixtures/setuptools_bad/<case>`, checks that the output
/// directory holds nothing, and returns the run.
fn build_bad(case: &str, extra: &[&str]) -> crate::context::Run {
    let project = copy_fixture(&format!("setuptools_bad/{case}"));
    let out = project.temp.path().join("out");
    let mut args = vec![
        OsStr::new("build"),
        project.root.as_os_str(),
        OsStr::new("-o"),
        out.as_os_str(),
    ];
    args.extend(extra.iter().map(OsStr::new));
    let run = run_cli(&args);
    let leftovers: Vec<String> = if out.exists() {
        fs_err::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    } else {
        Vec::new()
    };
    assert!(
        leftovers.is_empty(),
        "{case}: left {leftovers:?} in {}",
        out.display()
    );
    run
}

#[test]
fn a_setup_py_that_raises_fails_with_the_step_and_its_traceback() {
    let Some(_) = interpreters() else { return };
    let run = build_bad("raises", &[]);
    let stderr = &run.stderr;
    assert_eq!(run.code, Some(1), "{stderr}");
    assert!(
        stderr.contains("get_requires_for_build_wheel failed"),
        "{stderr}"
    );
    assert!(
        stderr.contains("RuntimeError: libfoo not found"),
        "{stderr}"
    );
    assert!(
        stderr.contains("in find_libfoo"),
        "the traceback's tail: {stderr}"
    );
    assert!(stderr.contains("the whole output is in"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_setup_py_that_never_returns_is_stopped_after_the_timeout() {
    let Some(_) = interpreters() else { return };
    let run = build_bad("hangs", &["--setup-timeout", "5"]);
    let stderr = &run.stderr;
    assert_eq!(run.code, Some(1), "{stderr}");
    assert!(
        stderr.contains("did not finish within 5 s and was stopped"),
        "{stderr}"
    );
    assert!(stderr.contains("get_requires_for_build_wheel"), "{stderr}");
}

fn git(dir: &Path, args: &[&str]) {
    let output = Command::new("git")
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.org"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_setuptools_scm_checkout_gets_its_version_from_the_git_tag() {
    let Some(_) = interpreters() else { return };
    let Some(_) = program("git") else { return };
    let project = copy_fixture("scm_checkout");
    git(&project.root, &["init", "-q"]);
    git(&project.root, &["add", "."]);
    git(&project.root, &["commit", "-q", "-m", "initial"]);
    git(&project.root, &["tag", "v2.3.4"]);
    let out = project.temp.path().join("out");
    let (_, wheels) = build_json(&project.root, &out, &[]);
    assert!(!wheels.is_empty());
    for wheel in &wheels {
        let name = wheel.file_name();
        assert!(name.starts_with("scm_demo-2.3.4-"), "{name}");
        let metadata = wheel_members(&wheel.path, |n| n.ends_with(".dist-info/METADATA"));
        let text = String::from_utf8_lossy(&metadata[0].1).into_owned();
        assert!(text.contains("\nVersion: 2.3.4\n"), "{text}");
        assert!(text.contains("\nProvides-Extra: test\n"), "{text}");
        // Formatting follows the target interpreter's setuptools (75 on 3.8 writes
        // `pytest ; extra == 'test'`, 80 writes `pytest; extra == "test"`).
        assert!(
            text.lines().any(|l| l.starts_with("Requires-Dist: pytest")
                && l.contains("extra ==")
                && l.contains("test")),
            "{text}"
        );
        let entry_points = wheel_members(&wheel.path, |n| n.ends_with("entry_points.txt"));
        let text = String::from_utf8_lossy(&entry_points[0].1).into_owned();
        assert!(text.contains("scm-demo = scmdemo:main"), "{text}");
    }
    let build = Build {
        fixture: "scm_checkout".to_string(),
        project,
        out,
        wheels,
    };
    assert!(install_and_check_everywhere(&build) >= 7);
}

#[test]
fn import_refuses_a_computed_version_rather_than_writing_a_wrong_one() {
    let Some(_) = interpreters() else { return };
    // Its version comes from setuptools-scm: no literal version anywhere for import to copy.
    let project = copy_fixture("scm_checkout");
    let run = run_cli([OsStr::new("import"), project.root.as_os_str()]);
    let stderr = &run.stderr;
    assert_eq!(run.code, Some(1), "{stderr}");
    assert!(stderr.contains("give no literal version"), "{stderr}");
    assert!(
        stderr.contains("help: build the project as it is with `cffi-wheel build"),
        "{stderr}"
    );
    assert!(
        !project.root.join("cffi-wheel.yaml").exists(),
        "a recipe was written"
    );
}

/// METADATA fields a recipe writes as setuptools does, beyond the ones every as-is build is
/// compared on: classifiers, the long description and its type.
fn described(wheel: &Path) -> (Vec<String>, String) {
    let metadata = wheel_members(wheel, |n| n.ends_with(".dist-info/METADATA"));
    let text = String::from_utf8_lossy(&metadata[0].1).into_owned();
    let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
    let mut fields: Vec<String> = head
        .lines()
        .filter(|l| l.starts_with("Classifier:") || l.starts_with("Description-Content-Type:"))
        .map(str::to_string)
        .collect();
    fields.sort();
    (fields, body.trim().to_string())
}

/// `import`s a copy of `fixture`, builds the recipe, and checks that its wheels equal the
/// wheels of the same project built as it is; returns the recipe's build.
fn assert_imported_recipe_builds_the_as_is_wheels(fixture: &str) -> Build {
    let selectors = ["-i", "cp311", "-i", "pp39"].map(OsStr::new);
    let as_is = copy_fixture(fixture);
    let as_is_out = as_is.temp.path().join("out");
    let (_, expected) = build_json(&as_is.root, &as_is_out, &selectors);
    let project = copy_fixture(fixture);
    let run = run_cli([OsStr::new("import"), project.root.as_os_str()]);
    run.assert_success("import");
    let recipe = project.root.join("cffi-wheel.yaml");
    assert!(recipe.is_file(), "{fixture}: no recipe written");
    let out = project.temp.path().join("out");
    let (_, wheels) = build_json(&project.root, &out, &selectors);
    let names = |wheels: &[crate::context::Wheel]| -> Vec<String> {
        wheels.iter().map(|w| w.file_name()).collect()
    };
    assert_eq!(names(&wheels), names(&expected), "{fixture}");
    let recipe_text = fs_err::read_to_string(&recipe).unwrap();
    for (ours, theirs) in wheels.iter().zip(&expected) {
        let label = format!("{fixture}: {} (recipe:\n{recipe_text})", ours.file_name());
        let (ours_view, theirs_view) = crate::corpus::comparable_views(&ours.path, &theirs.path);
        assert_eq!(ours_view.files, theirs_view.files, "{label}");
        assert_eq!(ours_view.fields, theirs_view.fields, "{label}");
        assert_eq!(ours_view.entry_points, theirs_view.entry_points, "{label}");
        assert_eq!(described(&ours.path), described(&theirs.path), "{label}");
    }
    Build {
        fixture: fixture.to_string(),
        project,
        out,
        wheels,
    }
}

#[test]
fn an_imported_recipe_builds_the_wheels_the_project_builds_as_it_is() {
    let Some(_) = interpreters() else { return };
    // Extras, scripts, an entry point group, a readme, classifiers, package data, a
    // top-level module and an inline cffi module; then a script module and a plain one.
    for fixture in ["import_full", "legacy_sources", "legacy_libraries"] {
        let build = assert_imported_recipe_builds_the_as_is_wheels(fixture);
        // And the recipe's wheels work (import_full's check runs its console script).
        assert!(install_and_check_everywhere(&build) >= 2, "{fixture}");
    }
}

#[test]
fn import_refuses_what_a_recipe_cannot_say_and_writes_nothing() {
    let Some(_) = interpreters() else { return };
    // An extension the project's own build_ext compiles, beside a cffi module.
    let project = copy_fixture("setuptools_own_build_ext");
    let run = run_cli([OsStr::new("import"), project.root.as_os_str()]);
    let stderr = &run.stderr;
    assert_eq!(run.code, Some(1), "{stderr}");
    assert!(
        stderr.contains("cannot be imported without losing something"),
        "{stderr}"
    );
    assert!(
        stderr.contains("help: build the project as it is with `cffi-wheel build"),
        "{stderr}"
    );
    assert!(!project.root.join("cffi-wheel.yaml").exists());
}
