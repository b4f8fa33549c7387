//! Building the good fixtures: the wheels made, where they run, and reproducibility.

use std::ffi::OsStr;
use std::path::Path;

use crate::context::{
    self, Project, build_fixture, build_fixture_with, copy_fixture_at,
    install_and_check_everywhere, run_cli_env, same_program, wheel_names,
};

/// The platform tags repair gives the fixtures that need only glibc 2.2.5 symbols.
const MANYLINUX1: &str = "manylinux_2_5_x86_64.manylinux1_x86_64";

/// Builds `fixture`, checks it made exactly `<dist>-0.1.0-cp38-abi3` and `-pp39-pypy39_pp73`
/// manylinux wheels claiming every required interpreter, and runs check.py under all of them.
fn builds_one_abi3_and_one_pypy_wheel_that_work_everywhere(fixture: &str, dist: &str) {
    let Some(interpreters) = context::interpreters() else {
        return;
    };
    let build = build_fixture(fixture);
    let abi3_name = format!("{dist}-0.1.0-cp38-abi3-{MANYLINUX1}.whl");
    let pypy_name = format!("{dist}-0.1.0-pp39-pypy39_pp73-{MANYLINUX1}.whl");
    assert_eq!(
        wheel_names(&build.out),
        [abi3_name.clone(), pypy_name.clone()],
        "wheels in the output directory"
    );
    let mut reported: Vec<String> = build.wheels.iter().map(|w| w.file_name()).collect();
    reported.sort();
    assert_eq!(
        reported,
        [abi3_name.clone(), pypy_name.clone()],
        "wheels in the --json report"
    );
    for wheel in &build.wheels {
        assert_eq!(
            wheel.path.parent(),
            Some(build.out.as_path()),
            "{}",
            wheel.path.display()
        );
    }

    let abi3 = build
        .wheels
        .iter()
        .find(|w| w.file_name() == abi3_name)
        .unwrap();
    let pypy = build
        .wheels
        .iter()
        .find(|w| w.file_name() == pypy_name)
        .unwrap();
    for cpython in &interpreters.cpythons {
        assert!(
            abi3.interpreters.iter().any(|i| same_program(i, cpython)),
            "{abi3_name} does not claim {}; it claims {:?}",
            cpython.display(),
            abi3.interpreters
        );
    }
    assert!(
        pypy.interpreters
            .iter()
            .any(|i| same_program(i, &interpreters.pypy)),
        "{pypy_name} does not claim {}; it claims {:?}",
        interpreters.pypy.display(),
        pypy.interpreters
    );

    // Six pyenv CPythons and PyPy at least (Debian's python3 may add one more).
    let required = interpreters.cpythons.len() + 1;
    let passed = install_and_check_everywhere(&build);
    assert!(
        passed >= required,
        "check.py passed under {passed} interpreter(s), fewer than {required}"
    );
}

#[test]
fn vendored_fixture_builds_one_abi3_and_one_pypy_wheel_that_work_everywhere() {
    builds_one_abi3_and_one_pypy_wheel_that_work_everywhere("vendored", "cw_vecmath");
}

#[test]
fn libm_fixture_builds_one_abi3_and_one_pypy_wheel_that_work_everywhere() {
    builds_one_abi3_and_one_pypy_wheel_that_work_everywhere("libm", "cw_libm");
}

#[test]
fn factorial_fixture_builds_one_abi3_and_one_pypy_wheel_that_work_everywhere() {
    builds_one_abi3_and_one_pypy_wheel_that_work_everywhere("factorial", "cw_factorial");
}

#[test]
fn partial_fixture_builds_one_abi3_and_one_pypy_wheel_that_work_everywhere() {
    builds_one_abi3_and_one_pypy_wheel_that_work_everywhere("partial", "cw_partial");
}

#[test]
fn compatibility_linux_keeps_the_plain_linux_tag() {
    let Some(_) = context::interpreters() else {
        return;
    };
    let build = build_fixture_with("vendored", &["--compatibility".as_ref(), "linux".as_ref()]);
    assert_eq!(
        wheel_names(&build.out),
        [
            "cw_vecmath-0.1.0-cp38-abi3-linux_x86_64.whl",
            "cw_vecmath-0.1.0-pp39-pypy39_pp73-linux_x86_64.whl",
        ],
        "wheels in the output directory"
    );
    for wheel in &build.wheels {
        assert!(
            wheel.repair.is_null(),
            "{}: --compatibility linux reported a repair: {}",
            wheel.file_name(),
            wheel.repair
        );
        cffi_wheel::wheel::verify_wheel(&wheel.path)
            .unwrap_or_else(|e| panic!("verify_wheel({}): {e}", wheel.path.display()));
    }
}

/// Builds `project` into `out` (quietly), with `env` added, and returns the wheel names.
fn build_into(project: &Project, out: &Path, env: &[(&str, &str)]) -> Vec<String> {
    let run = run_cli_env(
        [
            OsStr::new("-q"),
            OsStr::new("build"),
            project.root.as_os_str(),
            OsStr::new("-o"),
            out.as_os_str(),
        ],
        env,
    );
    run.assert_success(&format!("cffi-wheel build {}", project.root.display()));
    let names = wheel_names(out);
    assert!(!names.is_empty(), "no wheels in {}", out.display());
    names
}

/// Asserts the wheels in every one of `dirs` have the same names and bytes as in `dirs[0]`.
fn assert_identical_wheels(dirs: &[&Path], names: &[String]) {
    for name in names {
        let first = fs_err::read(dirs[0].join(name)).unwrap();
        for dir in &dirs[1..] {
            assert_eq!(&wheel_names(dir), names, "wheels in {}", dir.display());
            let other = fs_err::read(dir.join(name)).unwrap();
            assert!(
                first == other,
                "{name} differs between {} and {}",
                dirs[0].display(),
                dir.display()
            );
        }
    }
}

#[test]
fn rebuilding_and_building_from_another_path_gives_byte_identical_wheels() {
    let Some(_) = context::interpreters() else {
        return;
    };
    let near = copy_fixture_at("vendored", "v");
    let far = copy_fixture_at("vendored", "a/much/longer/path/to/the/project/vendored");
    assert_ne!(near.root.as_os_str().len(), far.root.as_os_str().len());
    let outs = tempfile::tempdir().unwrap();
    let out = |name: &str| outs.path().join(name);

    let names = build_into(&near, &out("first"), &[]);
    build_into(&near, &out("again"), &[]);
    build_into(&far, &out("elsewhere"), &[]);
    assert_identical_wheels(&[&out("first"), &out("again"), &out("elsewhere")], &names);

    let epoch = [("SOURCE_DATE_EPOCH", "1700000000")];
    let epoch_names = build_into(&near, &out("epoch"), &epoch);
    build_into(&far, &out("epoch-elsewhere"), &epoch);
    assert_eq!(
        epoch_names, names,
        "SOURCE_DATE_EPOCH changed the wheel names"
    );
    assert_identical_wheels(&[&out("epoch"), &out("epoch-elsewhere")], &names);
    for name in &names {
        let default = fs_err::read(out("first").join(name)).unwrap();
        let dated = fs_err::read(out("epoch").join(name)).unwrap();
        assert!(
            default != dated,
            "{name}: SOURCE_DATE_EPOCH=1700000000 made no difference"
        );
    }
}
