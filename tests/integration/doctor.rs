//! `cffi-wheel doctor`: what it finds on this machine, its exit code without a compiler, and
//! the debris it reports in the cache.

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use tempfile::TempDir;

use crate::context::{self, CPYTHON_MINORS, Run, run_cli_env, same_program};

/// `cffi-wheel doctor --json` with the cache at `cache`, parsed.
fn doctor_json(cache: &Path) -> (Run, Value) {
    let run = run_cli_env(
        ["doctor", "--json"],
        &[("CFFI_WHEEL_CACHE_DIR", cache.to_str().unwrap())],
    );
    let report = serde_json::from_str(&run.stdout).unwrap_or_else(|e| {
        panic!(
            "doctor --json printed no JSON ({e})\n--- stdout\n{}\n--- stderr\n{}",
            run.stdout, run.stderr
        )
    });
    (run, report)
}

fn checks<'a>(report: &'a Value, section: &str) -> Vec<&'a Value> {
    report["checks"]
        .as_array()
        .expect("checks is an array")
        .iter()
        .filter(|c| c["section"] == section)
        .collect()
}

fn check<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .expect("checks is an array")
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check named {name}: {report:#}"))
}

fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

#[test]
fn doctor_finds_every_pyenv_cpython_gcc_and_pkg_config_and_exits_0() {
    let Some(interpreters) = context::interpreters() else {
        return;
    };
    let (Some(gcc), Some(pkg_config)) = (context::program("gcc"), context::program("pkg-config"))
    else {
        return;
    };
    let cache = TempDir::new().unwrap();
    let (run, report) = doctor_json(cache.path());
    run.assert_success("cffi-wheel doctor --json");
    assert_eq!(report["ready"], true, "{report:#}");
    assert_eq!(report["blockers"], serde_json::json!([]));
    assert_eq!(report["schema_version"], 1);
    // The schema docs/doctor.md describes.
    assert_eq!(
        keys(&report),
        [
            "blockers",
            "cache_dir",
            "checks",
            "host",
            "ready",
            "schema_version"
        ]
    );
    let found = checks(&report, "interpreters");
    for (minor, python) in CPYTHON_MINORS.iter().zip(&interpreters.cpythons) {
        let listed = found.iter().find(|c| {
            c["path"]
                .as_str()
                .is_some_and(|p| same_program(p.as_ref(), python))
        });
        let listed =
            listed.unwrap_or_else(|| panic!("{} not listed: {report:#}", python.display()));
        assert_eq!(listed["name"], format!("cp3{minor}"));
        assert_eq!(listed["status"], "ok", "{listed:#}");
        assert!(
            listed["version"]
                .as_str()
                .is_some_and(|v| v.starts_with(&format!("3.{minor}."))),
            "{listed:#}"
        );
        assert_eq!(
            keys(listed),
            [
                "detail", "install", "name", "path", "required", "section", "status", "version"
            ]
        );
    }
    let cp38 = found.iter().find(|c| c["name"] == "cp38").unwrap();
    assert!(
        cp38["detail"]
            .as_str()
            .unwrap()
            .contains("too old to host code generation"),
        "{cp38:#}"
    );
    assert_eq!(check(&report, "codegen host")["status"], "ok");
    let cc = check(&report, "C compiler");
    assert_eq!(cc["status"], "ok", "{cc:#}");
    assert!(
        same_program(cc["path"].as_str().unwrap().as_ref(), &gcc),
        "the C compiler is gcc: {cc:#}"
    );
    assert_eq!(check(&report, "linker")["status"], "ok");
    let listed = check(&report, "pkg-config");
    assert_eq!(listed["status"], "ok", "{listed:#}");
    assert!(same_program(
        listed["path"].as_str().unwrap().as_ref(),
        &pkg_config
    ));
    let cache_dir = check(&report, "cache dir");
    assert_eq!(cache_dir["status"], "ok", "{cache_dir:#}");
    assert!(
        cache_dir["detail"]
            .as_str()
            .unwrap()
            .starts_with("writable")
    );
}

/// `cffi-wheel doctor` with PATH holding only an empty directory and `cc` as given.
fn doctor_without_compiler(path_dir: &Path, cc: Option<&str>) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cffi-wheel"));
    command
        .arg("doctor")
        .env("PATH", path_dir)
        .env("CFFI_WHEEL_CACHE_DIR", path_dir.join("cache"))
        .env_remove("CC")
        .env_remove("CXX")
        .env_remove("RUST_LOG");
    if let Some(cc) = cc {
        command.env("CC", cc);
    }
    let output = command.output().unwrap();
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[test]
fn doctor_without_a_c_compiler_exits_1_and_says_how_to_install_one_everywhere() {
    let empty = TempDir::new().unwrap();
    for cc in [None, Some("/nonexistent")] {
        let run = doctor_without_compiler(empty.path(), cc);
        let shown = format!(
            "CC={cc:?}\n--- stdout\n{}\n--- stderr\n{}",
            run.stdout, run.stderr
        );
        assert_eq!(run.code, Some(1), "{shown}");
        let line = run
            .stdout
            .lines()
            .find(|l| l.contains("C compiler") && !l.contains("C++"))
            .unwrap_or_else(|| panic!("no C compiler line: {shown}"));
        assert!(line.trim_start().starts_with("missing"), "{shown}");
        let expected = cc.map_or(
            "`cc` is not there",
            |_| "`/nonexistent` (from CC) is not there",
        );
        assert!(line.contains(expected), "{shown}");
        for install in [
            "Debian/Ubuntu  sudo apt-get install build-essential",
            "Fedora         sudo dnf install gcc",
            "macOS          xcode-select --install",
            "Windows        winget install Microsoft.VisualStudio.2022.BuildTools",
        ] {
            assert!(run.stdout.contains(install), "missing {install:?}: {shown}");
        }
        assert!(
            run.stdout.contains(
                "not ready: `cffi-wheel build` cannot work until these are installed: C compiler"
            ),
            "{shown}"
        );
        assert!(
            run.stderr
                .contains("error: `cffi-wheel build` cannot work here: missing C compiler"),
            "{shown}"
        );
    }
}

#[test]
fn doctor_reports_stale_temporaries_and_incomplete_codegen_environments_in_the_cache() {
    let cache = TempDir::new().unwrap();
    let codegen = cache.path().join("codegen");
    fs_err::create_dir_all(codegen.join(".staging-x").join("env")).unwrap();
    fs_err::create_dir_all(codegen.join("cffi-2.1.1-cp313").join("bin")).unwrap();
    fs_err::write(
        codegen
            .join("cffi-2.1.1-cp313")
            .join(cffi_wheel::codegen::MANAGED_ENV_STAMP),
        "cffi==2.1.1\nsetuptools",
    )
    .unwrap();
    fs_err::create_dir_all(codegen.join("cffi-2.1.1-cp312").join("bin")).unwrap();
    fs_err::write(cache.path().join("demo.whl.part"), b"half a wheel").unwrap();
    let (run, report) = doctor_json(cache.path());
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let cached = checks(&report, "cache");
    let stale: Vec<&str> = cached
        .iter()
        .filter(|c| c["name"] == "stale temporary")
        .map(|c| c["path"].as_str().unwrap())
        .collect();
    let expected = [
        codegen.join(".staging-x"),
        cache.path().join("demo.whl.part"),
    ];
    assert_eq!(stale.len(), 2, "{cached:#?}");
    for path in &expected {
        assert!(
            stale.contains(&path.to_str().unwrap()),
            "{path:?} not in {stale:?}"
        );
    }
    assert!(
        cached.iter().all(|c| c["status"] != "missing"),
        "{cached:#?}"
    );
    // Stamped but empty: no bin/python, so a build would make it again.
    let damaged = check(&report, "cffi-2.1.1-cp313");
    assert_eq!(damaged["status"], "warn", "{damaged:#}");
    assert!(
        damaged["detail"].as_str().unwrap().contains("damaged"),
        "{damaged:#}"
    );
    let incomplete = check(&report, "cffi-2.1.1-cp312");
    assert_eq!(incomplete["status"], "warn", "{incomplete:#}");
    assert!(
        incomplete["detail"]
            .as_str()
            .unwrap()
            .contains("incomplete")
    );
    // The human report names the planted dir and how to remove it.
    let text = run_cli_env(
        ["doctor"],
        &[("CFFI_WHEEL_CACHE_DIR", cache.path().to_str().unwrap())],
    );
    let staging = codegen.join(".staging-x");
    let line = text
        .stdout
        .lines()
        .find(|l| l.contains("stale temporary") && l.contains(".staging-x"))
        .unwrap_or_else(|| panic!("no .staging-x line:\n{}", text.stdout));
    assert!(line.trim_start().starts_with("warn"), "{line}");
    assert!(
        line.contains(&format!("rm -rf '{}'", staging.display())),
        "{line}"
    );
}
