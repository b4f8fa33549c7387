//! Errors as the user sees them: every broken recipe in fixtures/bad, and bad arguments.

use std::ffi::OsStr;

use crate::context::{copy_fixture, fixtures_dir, literal_regex, run_cli};

/// One broken recipe in fixtures/bad and what its error must say.
struct BadCase {
    /// The directory name under fixtures/bad.
    name: &'static str,
    /// `line:col` of the fault in cffi-wheel.yaml.
    location: &'static str,
    /// Fragments the message must contain (see fixtures/bad/README.md).
    says: &'static [&'static str],
}

/// Every case in fixtures/bad; [`every_bad_fixture_has_a_case`] keeps this in step.
const CASES: [BadCase; 5] = [
    BadCase {
        name: "unknown_key",
        location: "18:5",
        says: &["unknown key `libraris`", "did you mean `libraries`?"],
    },
    BadCase {
        name: "missing_cdef",
        location: "12:11",
        says: &["`cwlibm._libm` has no `cdef`", "cdef_files"],
    },
    BadCase {
        name: "invalid_version",
        location: "4:12",
        says: &["`1.0.0-beta!x`", "PEP 440"],
    },
    BadCase {
        name: "wrong_type",
        location: "19:19",
        // fixtures/bad/README.md: "say a list of paths was expected, got an integer".
        says: &["expected a", "integer"],
    },
    BadCase {
        name: "bad_module_name",
        location: "12:11",
        says: &["`9bad.mod`", "dotted Python identifier"],
    },
];

/// Builds a copy of `fixtures/bad/<name>` and checks the error against the case.
fn assert_bad_recipe_error(name: &str) {
    let case = CASES.iter().find(|c| c.name == name).unwrap();
    let project = copy_fixture(&format!("bad/{name}"));
    let out = project.root.join("out");
    let run = run_cli([
        OsStr::new("build"),
        project.root.as_os_str(),
        OsStr::new("-o"),
        out.as_os_str(),
    ]);
    let stderr = &run.stderr;
    assert_eq!(run.code, Some(2), "exit code; stderr:\n{stderr}");
    let origin = format!(
        "{}/cffi-wheel.yaml:{}",
        project.root.display(),
        case.location
    );
    assert!(
        stderr.contains(&origin),
        "expected `{origin}` in:\n{stderr}"
    );
    assert!(stderr.contains("help:"), "no help: line in:\n{stderr}");
    for fragment in case.says {
        assert!(
            stderr.contains(fragment),
            "expected `{fragment}` in:\n{stderr}"
        );
    }
    for forbidden in ["panicked", "RUST_BACKTRACE"] {
        assert!(!stderr.contains(forbidden), "`{forbidden}` in:\n{stderr}");
    }
    assert!(!out.exists(), "{} was created", out.display());

    let mut settings = insta::Settings::clone_current();
    settings.add_filter(
        &literal_regex(&project.root.display().to_string()),
        "[PROJECT]",
    );
    settings.bind(|| insta::assert_snapshot!(format!("bad_{name}"), stderr));
}

#[test]
fn every_bad_fixture_has_a_case() {
    let mut dirs: Vec<String> = fs_err::read_dir(fixtures_dir().join("bad"))
        .unwrap()
        .map(Result::unwrap)
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    let mut cases: Vec<&str> = CASES.iter().map(|c| c.name).collect();
    cases.sort_unstable();
    assert_eq!(dirs, cases, "fixtures/bad/* and the CASES table differ");
}

#[test]
fn unknown_key_is_reported_at_the_key_with_a_did_you_mean() {
    assert_bad_recipe_error("unknown_key");
}

#[test]
fn missing_cdef_is_reported_at_the_module_naming_cdef_and_cdef_files() {
    assert_bad_recipe_error("missing_cdef");
}

#[test]
fn invalid_version_is_reported_at_the_value_quoting_it_as_not_pep_440() {
    assert_bad_recipe_error("invalid_version");
}

#[test]
fn wrong_type_is_reported_at_the_value_saying_an_integer_is_not_a_list() {
    assert_bad_recipe_error("wrong_type");
}

#[test]
fn bad_module_name_is_reported_at_the_name_as_not_a_dotted_identifier() {
    assert_bad_recipe_error("bad_module_name");
}

#[test]
fn nonexistent_project_dir_is_a_clear_error() {
    let temp = tempfile::tempdir().unwrap();
    let missing = temp.path().join("no-such-project");
    let out = temp.path().join("out");
    let run = run_cli([
        OsStr::new("build"),
        missing.as_os_str(),
        OsStr::new("-o"),
        out.as_os_str(),
    ]);
    assert_ne!(run.code, Some(0), "stderr:\n{}", run.stderr);
    assert!(run.code.is_some(), "killed by a signal:\n{}", run.stderr);
    let first_line = run.stderr.lines().next().unwrap_or_default();
    assert!(first_line.starts_with("error: "), "{}", run.stderr);
    assert!(
        first_line.contains(&missing.display().to_string()),
        "{}",
        run.stderr
    );
    assert!(first_line.contains("does not exist"), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(!out.exists(), "{} was created", out.display());
}

#[test]
fn unknown_interpreter_name_is_a_usage_error() {
    let project = copy_fixture("libm");
    let out = project.root.join("out");
    let run = run_cli([
        OsStr::new("build"),
        project.root.as_os_str(),
        OsStr::new("-i"),
        OsStr::new("nonsense-python"),
        OsStr::new("-o"),
        out.as_os_str(),
    ]);
    assert_eq!(run.code, Some(2), "stderr:\n{}", run.stderr);
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    assert!(run.stderr.contains("-i nonsense-python"), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(!out.exists(), "{} was created", out.display());
}
