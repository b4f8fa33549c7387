//! Numba's nopython mode calling a C function of a module built by cffi-wheel.

use std::ffi::OsStr;
use std::path::Path;

use crate::context::{self, build_fixture_with, describe, missing_with, python_command};

/// The CPython minors numba supports (3.10-3.13), in the order they are tried: 3.12 first,
/// then older ones, 3.13 last (numba supports a new CPython only some months after it).
const NUMBA_MINORS: [u32; 4] = [12, 11, 10, 13];

/// Registers the out-of-line module with numba and calls `factorial` from `@njit` code.
const NUMBA_SCRIPT: &str = r#"
import numba
from numba.core.typing import cffi_utils

import cwfact._fact as m

cffi_utils.register_module(m)
factorial = m.lib.factorial


@numba.njit
def f(n):
    return factorial(n)


assert f(10) == 3628800, f(10)
assert f(20) == 2432902008176640000, f(20)
print("ok numba", numba.__version__)
"#;

/// Builds the factorial fixture for `python`, installs it and numba into a fresh venv and
/// runs [`NUMBA_SCRIPT`]. Panics on anything but pip failing to install numba, which is
/// returned as `Err` (numba may not support this interpreter yet).
fn numba_calls_factorial_under(python: &Path) -> Result<(), String> {
    let build = build_fixture_with("factorial", &["-i".as_ref(), python.as_os_str()]);
    assert_eq!(build.wheels.len(), 1, "wheels for {}", python.display());
    let wheel = &build.wheels[0].path;

    let venv_python = crate::context::make_venv(python, &build.project.temp.path().join("venv"));
    let pip_install = |what: &OsStr| {
        python_command(&venv_python)
            .args(["-m", "pip", "install", "--disable-pip-version-check", "-q"])
            .arg(what)
            .output()
            .unwrap()
    };
    let installed = pip_install(wheel.as_os_str());
    assert!(
        installed.status.success(),
        "{}",
        describe("pip install <wheel>", &installed)
    );
    let numba = pip_install("numba".as_ref());
    if !numba.status.success() {
        return Err(describe("pip install numba", &numba));
    }

    let script = build.project.temp.path().join("numba_check.py");
    fs_err::write(&script, NUMBA_SCRIPT).unwrap();
    // A cwd away from the project, so only the installed package can be imported.
    let cwd = build.project.temp.path().join("elsewhere");
    fs_err::create_dir_all(&cwd).unwrap();
    let ran = python_command(&venv_python)
        .arg("-I")
        .arg(&script)
        .current_dir(&cwd)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&ran.stdout);
    assert!(
        ran.status.success() && stdout.contains("ok numba"),
        "{}",
        describe("the numba script", &ran)
    );
    Ok(())
}

#[test]
fn numba_njit_calls_a_wrapped_c_function() {
    let candidates: Vec<_> = NUMBA_MINORS
        .iter()
        .filter_map(|&minor| context::pyenv_cpython(minor).map(|python| (minor, python)))
        .collect();
    if candidates.is_empty() {
        let _: Option<()> = context::missing("a pyenv CPython 3.10-3.13 (for numba)");
        return;
    }
    let mut refused = Vec::new();
    for (minor, python) in candidates {
        match numba_calls_factorial_under(&python) {
            Ok(()) => return,
            Err(why) => {
                eprintln!("note: no numba for CPython 3.{minor}; trying the next one");
                refused.push(format!("CPython 3.{minor} ({}): {why}", python.display()));
            }
        }
    }
    let _: Option<()> = missing_with(
        &format!(
            "numba from pip for every CPython tried\n\n{}\n\n",
            refused.join("\n\n")
        ),
        "numba comes from the package index (network access)",
    );
}
