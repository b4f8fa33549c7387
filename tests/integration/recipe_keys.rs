//! The recipe keys that say what setuptools' `setup()` says besides the C: extras, entry
//! points and top-level modules, built into a wheel that pip installs and runs, and into an
//! editable wheel and an sdist.

use std::ffi::OsStr;
use std::path::Path;

use crate::context::{
    self, Project, build_json, copy_fixture, describe, python_command, run_cli, wheel_members,
};

/// What the fixture's entry points make of `entry_points.txt`, as setuptools writes it.
const ENTRY_POINTS_TXT: &str = "[console_scripts]\ncw-pykeys = cwpykeys.cli:main\n\n\
                                [cw_pykeys.plugins]\ntwice = cwpykeys:twice\n";

/// The lines the fixture's extras add to METADATA, in the order written.
const EXTRA_LINES: &str = "Provides-Extra: test-extra\n\
                           Requires-Dist: pytest>=7 ; extra == 'test-extra'\n\
                           Requires-Dist: tomli ; python_full_version < '3.11' and extra == 'test-extra'\n\
                           Provides-Extra: docs\n\
                           Requires-Dist: sphinx ; extra == 'docs'\n";

/// A venv of `python` with `wheel` installed by pip; panics on failure.
fn venv_with(python: &Path, wheel: &Path, dir: &Path) -> std::path::PathBuf {
    let venv_python = crate::context::make_venv(python, &dir.join("venv"));
    let installed = python_command(&venv_python)
        .args(["-m", "pip", "install", "-q"])
        .arg(wheel)
        .output()
        .unwrap();
    assert!(
        installed.status.success(),
        "{}",
        describe("pip install", &installed)
    );
    venv_python
}

/// Runs the fixture's check.py with `venv_python` from a directory away from the project.
fn check(venv_python: &Path, project: &Project, dir: &Path) {
    let elsewhere = dir.join("elsewhere");
    fs_err::create_dir_all(&elsewhere).unwrap();
    let checked = python_command(venv_python)
        .arg("-I")
        .arg(project.root.join("check.py"))
        .current_dir(&elsewhere)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&checked.stdout);
    assert!(
        checked.status.success() && stdout.contains("ok python_keys"),
        "{}",
        describe("check.py", &checked)
    );
}

/// The text of `wheel`'s member whose name ends with `suffix`.
fn member(wheel: &Path, suffix: &str) -> String {
    let found = wheel_members(wheel, |name| name.ends_with(suffix));
    assert_eq!(found.len(), 1, "{suffix} in {}", wheel.display());
    String::from_utf8(found[0].1.clone()).unwrap()
}

#[test]
fn recipe_extras_scripts_and_py_modules_install_and_run() {
    let Some(python) = context::pyenv_cpython(12)
        .or_else(|| context::missing("CPython 3.12 (pyenv install 3.12)"))
    else {
        return;
    };
    let project = copy_fixture("python_keys");
    let temp = project.temp.path();

    // The wheel: METADATA, entry_points.txt (in RECORD), the module at the root.
    let (_, wheels) = build_json(
        &project.root,
        &temp.join("out"),
        &[OsStr::new("-i"), python.as_os_str()],
    );
    assert_eq!(wheels.len(), 1, "{wheels:?}");
    let wheel = &wheels[0].path;
    cffi_wheel::wheel::verify_wheel(wheel).unwrap();
    let metadata = member(wheel, ".dist-info/METADATA");
    assert!(metadata.contains(EXTRA_LINES), "{metadata}");
    assert_eq!(
        member(wheel, ".dist-info/entry_points.txt"),
        ENTRY_POINTS_TXT
    );
    let record = member(wheel, ".dist-info/RECORD");
    assert!(
        record.contains("cw_pykeys-0.1.0.dist-info/entry_points.txt,sha256="),
        "{record}"
    );
    assert!(record.contains("\ncwpykeys_helper.py,sha256="), "{record}");

    // Installed by pip: the console script runs, the entry point loads, the module imports.
    let installed = temp.join("installed");
    let venv_python = venv_with(&python, wheel, &installed);
    check(&venv_python, &project, &installed);

    // Editable: the module is imported from the source tree.
    let (_, editable) = build_json(
        &project.root,
        &temp.join("editable-out"),
        &[
            OsStr::new("-i"),
            python.as_os_str(),
            OsStr::new("--editable"),
        ],
    );
    assert_eq!(
        member(&editable[0].path, ".dist-info/entry_points.txt"),
        ENTRY_POINTS_TXT
    );
    let editable_dir = temp.join("editable");
    let venv_python = venv_with(&python, &editable[0].path, &editable_dir);
    check(&venv_python, &project, &editable_dir);
    let imported = python_command(&venv_python)
        .args(["-I", "-c", "import cwpykeys_helper as m; print(m.__file__)"])
        .current_dir(temp)
        .output()
        .unwrap();
    assert!(
        imported.status.success(),
        "{}",
        describe("import", &imported)
    );
    let file = String::from_utf8_lossy(&imported.stdout).trim().to_string();
    assert_eq!(
        fs_err::canonicalize(&file).unwrap(),
        fs_err::canonicalize(project.root.join("cwpykeys_helper.py")).unwrap()
    );

    // The sdist carries the module.
    let sdist = run_cli([
        OsStr::new("sdist"),
        project.root.as_os_str(),
        OsStr::new("-o"),
        temp.join("sdist").as_os_str(),
        OsStr::new("--json"),
    ]);
    sdist.assert_success("cffi-wheel sdist");
    let report: serde_json::Value = serde_json::from_str(&sdist.stdout).unwrap();
    let files: Vec<&str> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f.as_str())
        .collect();
    assert!(files.contains(&"cwpykeys_helper.py"), "{files:?}");
}
