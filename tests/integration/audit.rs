//! The built wheels under outside scrutiny: our own verifier, check-wheel-contents,
//! abi3audit, readelf, and the core metadata.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::context::{self, Build, GOOD_FIXTURES, build_fixture, run_program, wheel_members};

/// Every good fixture, built; `None` (after the skip rule) without the interpreters.
fn build_all() -> Option<Vec<Build>> {
    context::interpreters()?;
    Some(GOOD_FIXTURES.iter().map(|f| build_fixture(f)).collect())
}

/// Asserts abi3audit's JSON report for `wheel` lists extensions and no violations.
fn assert_no_abi3_violations(wheel: &Path, report: &str) {
    let report: Value = serde_json::from_str(report)
        .unwrap_or_else(|e| panic!("abi3audit printed invalid JSON ({e}):\n{report}"));
    let specs = report["specs"].as_object().unwrap();
    assert_eq!(specs.len(), 1, "{report}");
    let (_, spec) = specs.iter().next().unwrap();
    let objects = spec["wheel"].as_array().unwrap();
    assert!(
        !objects.is_empty(),
        "abi3audit found no extensions in {}",
        wheel.display()
    );
    for object in objects {
        let result = &object["result"];
        assert_eq!(result["is_abi3"], true, "{}: {object}", wheel.display());
        assert_eq!(
            result["non_abi3_symbols"].as_array().map(Vec::len),
            Some(0),
            "{}: {object}",
            wheel.display()
        );
        assert_eq!(
            result["future_abi3_objects"].as_object().map(|o| o.len()),
            Some(0),
            "{}: {object}",
            wheel.display()
        );
    }
}

#[test]
fn every_wheel_passes_record_check_wheel_contents_and_abi3audit() {
    let (Some(check_wheel_contents), Some(abi3audit)) = (
        context::tool("check-wheel-contents"),
        context::tool("abi3audit"),
    ) else {
        return;
    };
    let Some(builds) = build_all() else {
        return;
    };
    let mut abi3_wheels = 0;
    for build in &builds {
        for wheel in &build.wheels {
            let path = wheel.path.as_path();
            let check = cffi_wheel::wheel::verify_wheel(path)
                .unwrap_or_else(|e| panic!("verify_wheel({}): {e}", path.display()));
            assert!(
                check.files >= 4,
                "{}: only {} files",
                path.display(),
                check.files
            );

            let (ok, stdout, stderr) = run_program(&check_wheel_contents, &[path.as_os_str()]);
            assert!(
                ok,
                "check-wheel-contents {}\n{stdout}\n{stderr}",
                path.display()
            );

            if wheel.is_abi3() {
                abi3_wheels += 1;
                let (ok, stdout, stderr) = run_program(
                    &abi3audit,
                    &["--strict".as_ref(), "--report".as_ref(), path.as_os_str()],
                );
                assert!(
                    ok,
                    "abi3audit --strict {}\n{stdout}\n{stderr}",
                    path.display()
                );
                assert_no_abi3_violations(path, &stdout);
            }
        }
    }
    assert_eq!(
        abi3_wheels,
        GOOD_FIXTURES.len(),
        "one abi3 wheel per fixture"
    );
}

/// Writes each `.so` of `wheel` into `dir` and returns their paths.
fn extract_extensions(wheel: &Path, dir: &Path) -> Vec<PathBuf> {
    let stem = wheel.file_stem().unwrap().to_string_lossy().into_owned();
    wheel_members(wheel, |name| name.ends_with(".so"))
        .into_iter()
        .map(|(name, bytes)| {
            let path = dir.join(format!("{stem}--{}", name.replace('/', "--")));
            fs_err::write(&path, bytes).unwrap();
            path
        })
        .collect()
}

#[test]
fn built_extensions_carry_no_runpath_or_rpath() {
    let Some(readelf) = context::program("readelf") else {
        return;
    };
    let Some(builds) = build_all() else {
        return;
    };
    let scratch = tempfile::tempdir().unwrap();
    for wheel in builds.iter().flat_map(|b| &b.wheels) {
        let extensions = extract_extensions(&wheel.path, scratch.path());
        assert!(!extensions.is_empty(), "no .so in {}", wheel.path.display());
        for so in extensions {
            let (ok, stdout, stderr) = run_program(&readelf, &["-d".as_ref(), so.as_os_str()]);
            assert!(ok, "readelf -d {}\n{stderr}", so.display());
            assert!(stdout.contains("Dynamic section"), "{stdout}");
            let paths: Vec<&str> = stdout
                .lines()
                .filter(|line| line.contains("(RUNPATH)") || line.contains("(RPATH)"))
                .collect();
            assert!(paths.is_empty(), "{}:\n{}", so.display(), paths.join("\n"));
        }
    }
}

#[test]
fn metadata_requires_cffi_on_cpython_only_and_python_3_8() {
    let Some(builds) = build_all() else {
        return;
    };
    for wheel in builds.iter().flat_map(|b| &b.wheels) {
        let metadata = wheel_members(&wheel.path, |name| {
            name.ends_with(".dist-info/METADATA") && name.matches('/').count() == 1
        });
        assert_eq!(
            metadata.len(),
            1,
            "METADATA files in {}",
            wheel.path.display()
        );
        let text = String::from_utf8(metadata[0].1.clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for expected in [
            "Requires-Dist: cffi>=1.17.1 ; platform_python_implementation != 'PyPy'",
            "Requires-Python: >=3.8",
        ] {
            assert!(
                lines.contains(&expected),
                "{} METADATA lacks `{expected}`:\n{text}",
                wheel.path.display()
            );
        }
    }
}
