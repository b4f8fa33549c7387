//! `setup_probe.py`'s replies, and its reading of real setup.cfg files.

use super::*;

fn reply(stdout: &str) -> Result<SetupInfo, MigrateError> {
    let root = Path::new("/p");
    python_helper::parse_reply(
        Path::new("/usr/bin/python3"),
        SETUP_PROBE,
        stdout.as_bytes(),
        b"",
    )
    .map_err(|source| MigrateError::Helper {
        root: root.to_path_buf(),
        source: Box::new(source),
    })?
    .into_result()
    .map_err(|failure: SetupFailure| failure.into_error(root))
}

#[test]
fn an_ok_reply_gives_the_setup_arguments() {
    let info =
        reply(r#"{"result": "ok", "name": "pkg", "cffi_modules": ["b.py:ffi"]}"#).expect("ok");
    assert_eq!(info.name.as_deref(), Some("pkg"));
    assert_eq!(info.cffi_modules, ["b.py:ffi"]);
}

#[test]
fn each_error_kind_becomes_its_own_error() {
    let err = reply(
        r#"{"result": "error", "kind": "setup_py", "message": "ImportError: numpy",
            "traceback": "Traceback ...\n"}"#,
    )
    .expect_err("setup_py");
    let text = err.to_string();
    assert!(matches!(err, MigrateError::Setup { .. }), "{err:?}");
    assert!(
        text.contains("/p/setup.py failed: ImportError: numpy\nTraceback"),
        "{text}"
    );
    assert!(text.contains("help: "), "{text}");

    let err = reply(r#"{"result": "error", "kind": "setup_cfg", "message": "line 3"}"#)
        .expect_err("setup_cfg");
    assert!(matches!(err, MigrateError::SetupCfg { .. }), "{err:?}");

    let err = reply(r#"{"result": "error", "kind": "internal", "message": "KeyError: 'root'"}"#)
        .expect_err("internal");
    assert!(matches!(err, MigrateError::SetupProbe { .. }), "{err:?}");
    assert!(err.to_string().contains("help: this is a bug"), "{err}");
}

#[test]
fn garbage_or_empty_output_is_an_unreadable_reply() {
    for stdout in ["", "running setup.py\n", r#"{"ok": true}"#] {
        let err = reply(stdout).expect_err("unreadable");
        let MigrateError::Helper { source, .. } = &err else {
            panic!("{stdout:?}: {err:?}");
        };
        assert!(
            matches!(**source, python_helper::HelperError::Unreadable { .. }),
            "{source:?}"
        );
    }
}

fn python3() -> Option<PathBuf> {
    let found = which::which("python3").ok();
    if found.is_none() {
        assert!(std::env::var_os("CI").is_none(), "CI needs python3 on PATH");
        eprintln!("skipped: no python3 on PATH (install python3)");
    }
    found
}

#[test]
fn setup_cfg_lists_split_on_semicolons_only_when_on_one_line() {
    let Some(python) = python3() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    fs_err::write(
        dir.path().join("setup.cfg"),
        "[metadata]\nname = demo\nversion = 1.0\n\n[options]\ninstall_requires =\n    \
         cffi>=1.0\n    dataclasses; python_version < \"3.7\"\n\
         packages = demo, demo.sub\ncffi_modules = build.py:ffi\n",
    )
    .expect("write setup.cfg");
    let info = read_setup(&python, dir.path()).expect("reads setup.cfg");
    assert_eq!(
        info.install_requires,
        ["cffi>=1.0", "dataclasses; python_version < \"3.7\""]
    );
    assert_eq!(info.packages, ["demo", "demo.sub"]);
    assert_eq!(info.cffi_modules, ["build.py:ffi"]);

    fs_err::write(
        dir.path().join("setup.cfg"),
        "[options]\ninstall_requires = cffi>=1.0; six\n",
    )
    .expect("write setup.cfg");
    let info = read_setup(&python, dir.path()).expect("reads setup.cfg");
    assert_eq!(info.install_requires, ["cffi>=1.0", "six"]);
}

#[test]
fn a_malformed_setup_cfg_is_reported_not_crashed_on() {
    let Some(python) = python3() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    fs_err::write(dir.path().join("setup.cfg"), "name = no section\n").expect("write");
    let err = read_setup(&python, dir.path()).expect_err("malformed");
    let text = err.to_string();
    assert!(matches!(err, MigrateError::SetupCfg { .. }), "{err:?}");
    assert!(
        text.contains("setup.cfg is not a valid setup.cfg"),
        "{text}"
    );
    assert!(text.contains("line: 1"), "{text}");
}
