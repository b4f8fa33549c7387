//! Doctor's judgements over captured probe outputs (`fixtures/interpreters/*.json`).

use std::path::Path;

use super::*;

fn interpreter(id: &str) -> Interpreter {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/interpreters")
        .join(format!("{id}.json"));
    let text = fs_err::read_to_string(&path).expect("fixture interpreter");
    serde_json::from_str(&text).expect("interpreter json")
}

fn find<'a>(checks: &'a [Check], name: &str) -> &'a Check {
    checks
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no check {name} in {checks:#?}"))
}

#[test]
fn newest_cpython_hosts_code_generation_and_38_is_too_old_for_it() {
    let found: Vec<_> = ["cp38", "cp311", "cp313", "cp313t", "pp39"]
        .iter()
        .map(|id| interpreter(id))
        .collect();
    let checks = interpreter_checks(&found, &[]);
    assert_eq!(find(&checks, "cp38").status, Status::Ok);
    assert!(
        find(&checks, "cp38")
            .detail
            .contains("too old to host code generation")
    );
    assert!(
        find(&checks, "cp313")
            .detail
            .contains("hosts code generation")
    );
    assert!(!find(&checks, "cp311").detail.contains("host"));
    assert!(find(&checks, "cp313t").detail.contains("free-threaded"));
    assert!(find(&checks, "pp39").detail.contains("its own cffi"));
    let host = find(&checks, "codegen host");
    assert_eq!(host.status, Status::Ok);
    assert!(host.detail.starts_with("cp313 "), "{}", host.detail);
}

#[test]
fn cpython_without_headers_is_a_warning_with_the_dev_package_to_install() {
    let mut cp311 = interpreter("cp311");
    cp311.has_headers = false;
    let checks = interpreter_checks(&[cp311, interpreter("cp312")], &[]);
    let check = find(&checks, "cp311");
    assert_eq!(check.status, Status::Warn);
    assert!(check.detail.contains("no Python.h"), "{}", check.detail);
    let install = check.install.as_ref().expect("install");
    assert_eq!(install.debian, "sudo apt-get install python3.11-dev");
    assert_eq!(install.fedora, "sudo dnf install python3.11-devel");
}

#[test]
fn only_cpython_38_hosts_code_generation_with_the_cffi_it_can_install() {
    let checks = interpreter_checks(&[interpreter("cp38")], &[]);
    let host = find(&checks, "codegen host");
    assert_eq!(host.status, Status::Ok);
    assert!(host.detail.ends_with("with cffi 1.17.1"), "{}", host.detail);
    let report = report(Path::new("/cache"), checks);
    assert!(report.ready);
}

#[test]
fn pypy_alone_can_build_its_own_targets() {
    let checks = interpreter_checks(&[interpreter("pp39")], &[]);
    let host = find(&checks, "codegen host");
    assert_eq!(host.status, Status::Warn);
    assert!(report(Path::new("/cache"), checks).ready);
}

#[test]
fn no_interpreter_at_all_is_a_blocker_with_install_commands() {
    let old = Rejected {
        name: "3.7.16".into(),
        path: "/pyenv/versions/3.7.16/bin/python3".into(),
        why: "too old".into(),
    };
    let checks = interpreter_checks(&[], &[old]);
    assert_eq!(find(&checks, "pyenv 3.7.16").status, Status::Warn);
    let report = report(Path::new("/cache"), checks);
    assert_eq!(report.blockers, ["usable interpreter", "codegen host"]);
    let text = render(&report);
    assert!(text.contains("winget install Python.Python.3.13"), "{text}");
    assert!(text.contains("not ready"), "{text}");
}
