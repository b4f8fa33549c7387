//! Build scripts and pyproject recipes that cffi-wheel must refuse, clearly.

use std::ffi::OsStr;

use crate::context::{copy_fixture, run_cli};

#[test]
fn an_abi_mode_build_script_is_refused_with_the_way_out_and_no_wheel() {
    let project = copy_fixture("abi_mode_script");
    let out = project.root.join("out");
    let run = run_cli([
        OsStr::new("build"),
        project.root.as_os_str(),
        OsStr::new("-o"),
        out.as_os_str(),
    ]);
    assert_eq!(run.code, Some(1), "stderr:\n{}", run.stderr);
    for fragment in [
        "ABI mode",
        "set_source('_abi_sqrt', None)",
        "emit_python_code",
        "API mode",
    ] {
        assert!(
            run.stderr.contains(fragment),
            "missing {fragment:?} in:\n{}",
            run.stderr
        );
    }
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(!out.exists(), "{} was created", out.display());
}

#[test]
fn a_pyproject_recipe_error_points_into_pyproject_toml() {
    let project = copy_fixture("pyproject_only");
    let path = project.root.join("pyproject.toml");
    let text = fs_err::read_to_string(&path).unwrap();
    fs_err::write(
        &path,
        text.replace("include_dirs = [\"csrc\"]", "include_dir = [\"csrc\"]"),
    )
    .unwrap();
    let out = project.root.join("out");
    let run = run_cli([
        OsStr::new("build"),
        project.root.as_os_str(),
        OsStr::new("-o"),
        out.as_os_str(),
    ]);
    assert_eq!(run.code, Some(2), "stderr:\n{}", run.stderr);
    let line = text
        .lines()
        .position(|l| l.starts_with("include_dirs = "))
        .unwrap()
        + 1;
    let origin = format!("{}:{line}:1", path.display());
    assert!(
        run.stderr.contains(&origin),
        "no {origin} in:\n{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("did you mean `include_dirs`?"),
        "{}",
        run.stderr
    );
    assert!(!out.exists());
}

#[test]
fn import_without_cffi_modules_says_there_is_nothing_to_import() {
    let project = copy_fixture("libm");
    fs_err::write(
        project.root.join("setup.py"),
        "from setuptools import setup\nsetup(name='plain', version='1.0', packages=[])\n",
    )
    .unwrap();
    fs_err::remove_file(project.root.join("cffi-wheel.yaml")).unwrap();
    let run = run_cli([OsStr::new("import"), project.root.as_os_str()]);
    assert_ne!(run.code, Some(0), "stderr:\n{}", run.stderr);
    assert!(run.stderr.contains("no cffi_modules"), "{}", run.stderr);
    assert!(!project.root.join("cffi-wheel.yaml").exists());
}
