//! External libraries and repair: libsodium from pkg-config bundled into the wheel, a
//! prebuild step's static archive, the manylinux tag as auditwheel sees it, `$ORIGIN`
//! RUNPATHs, and the failures (`--no-bundle`, a non-PIC archive, an undefined symbol).

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::context::{
    self, Build, Run, Wheel, build_fixture, build_json, copy_fixture, install_and_check_everywhere,
    missing_with, run_cli, run_program, wheel_members, wheel_names,
};

/// Where Debian's libsodium-dev puts the header the sodium fixtures include.
const SODIUM_HEADER: &str = "/usr/include/sodium.h";

/// The fixtures whose wheels the repair checks look at: vendored sources, a system
/// library, a bundled library and a prebuilt static archive.
const REPAIRED_FIXTURES: [&str; 4] = ["vendored", "libm", "sodium", "prebuild"];

/// The libraries every manylinux policy allows that the vendored fixture could need.
const LIBC_LIBRARIES: [&str; 2] = ["libc.so.6", "libm.so.6"];

/// `pkg-config` and Debian's libsodium-dev, or `None` (after the skip rule).
pub fn sodium_ready() -> Option<()> {
    let remedy = "ci/test installs libsodium-dev pkg-config";
    which::which("pkg-config")
        .ok()
        .or_else(|| missing_with("pkg-config on PATH", remedy))?;
    if !Path::new(SODIUM_HEADER).is_file() {
        return missing_with(&format!("libsodium-dev ({SODIUM_HEADER})"), remedy);
    }
    Some(())
}

/// Asserts `dir` holds no wheel (it may not exist at all).
fn assert_no_wheel(dir: &Path) {
    if dir.exists() {
        assert_eq!(
            wheel_names(dir),
            Vec::<String>::new(),
            "wheels written to {}",
            dir.display()
        );
    }
}

/// Asserts a failed build exited 1 with an `error:` and no panic.
fn assert_build_error(run: &Run, what: &str) {
    assert_eq!(
        run.code,
        Some(1),
        "{what}: exit code; stderr:\n{}",
        run.stderr
    );
    assert!(run.stderr.contains("error: "), "{what}:\n{}", run.stderr);
    for forbidden in ["panicked", "RUST_BACKTRACE"] {
        assert!(
            !run.stderr.contains(forbidden),
            "{what}: `{forbidden}` in:\n{}",
            run.stderr
        );
    }
}

/// Runs `cffi-wheel build PROJECT -o OUT EXTRA...`.
fn build_run(project: &Path, out: &Path, extra: &[&str]) -> Run {
    let mut args = vec![
        OsStr::new("build"),
        project.as_os_str(),
        OsStr::new("-o"),
        out.as_os_str(),
    ];
    args.extend(extra.iter().map(OsStr::new));
    run_cli(&args)
}

/// Every fixture of [`REPAIRED_FIXTURES`], built; `None` (after the skip rule) when the
/// interpreters, libsodium-dev, pkg-config or patchelf are missing.
fn build_repaired_fixtures() -> Option<Vec<Build>> {
    context::interpreters()?;
    sodium_ready()?;
    context::patchelf()?;
    Some(REPAIRED_FIXTURES.iter().map(|f| build_fixture(f)).collect())
}

/// The `name-XXXXXXXX.so.N` shape of a bundled library: eight lowercase hex digits.
fn is_hashed_name(file: &str, stem: &str, suffix: &str) -> bool {
    file.strip_prefix(stem)
        .and_then(|rest| rest.strip_prefix('-'))
        .and_then(|rest| rest.strip_suffix(suffix))
        .is_some_and(|hash| {
            hash.len() == 8
                && hash
                    .chars()
                    .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
        })
}

/// The wheel's `cw_sodium.libs/libsodium-<hash8>.so.23` member names.
fn bundled_libsodium(wheel: &Path) -> Vec<String> {
    wheel_members(wheel, |name| name.starts_with("cw_sodium.libs/"))
        .into_iter()
        .map(|(name, _)| name)
        .filter(|name| {
            let file = name.trim_start_matches("cw_sodium.libs/");
            is_hashed_name(file, "libsodium", ".so.23")
        })
        .collect()
}

/// Writes each ELF member of `wheel` into `dir`; returns (member name, path on disk).
fn extract_elf_members(wheel: &Path, dir: &Path) -> Vec<(String, PathBuf)> {
    let stem = wheel.file_stem().unwrap().to_string_lossy().into_owned();
    wheel_members(wheel, |_| true)
        .into_iter()
        .filter(|(_, bytes)| bytes.starts_with(b"\x7fELF"))
        .map(|(name, bytes)| {
            let path = dir.join(format!("{stem}--{}", name.replace('/', "--")));
            fs_err::write(&path, bytes).unwrap();
            (name, path)
        })
        .collect()
}

/// The values of the `(TAG)` entries of `readelf -d FILE`, e.g. the `[...]` of
/// `0x1d (RUNPATH)  Library runpath: [$ORIGIN/../x.libs]`.
fn dynamic_entries(readelf: &Path, file: &Path, tag: &str) -> Vec<String> {
    let (ok, stdout, stderr) = run_program(readelf, &["-d".as_ref(), file.as_os_str()]);
    assert!(ok, "readelf -d {}\n{stderr}", file.display());
    assert!(
        stdout.contains("Dynamic section"),
        "readelf -d {}:\n{stdout}",
        file.display()
    );
    let marker = format!("({tag})");
    stdout
        .lines()
        .filter(|line| line.contains(&marker))
        .map(|line| {
            let value = line
                .split_once('[')
                .and_then(|(_, rest)| rest.rsplit_once(']'))
                .map(|(value, _)| value.to_string());
            value.unwrap_or_else(|| panic!("no [value] in readelf line `{line}`"))
        })
        .collect()
}

/// The `bundled` list of a wheel's repair report.
fn bundled_of(wheel: &Wheel) -> &Vec<Value> {
    wheel.repair["bundled"].as_array().unwrap_or_else(|| {
        panic!(
            "{}: no repair.bundled in the report: {}",
            wheel.file_name(),
            wheel.repair
        )
    })
}

#[test]
fn sodium_wheel_bundles_libsodium_and_loads_the_bundled_copy() {
    let Some(interpreters) = context::interpreters() else {
        return;
    };
    let (Some(()), Some(_)) = (sodium_ready(), context::patchelf()) else {
        return;
    };
    let build = build_fixture("sodium");
    assert_eq!(build.wheels.len(), 2, "{:?}", wheel_names(&build.out));
    for wheel in &build.wheels {
        let name = wheel.file_name();
        let platform = wheel.platform_tags();
        assert!(
            platform[0].starts_with("manylinux_2_"),
            "{name}: platform tags {platform:?}"
        );
        let libs = bundled_libsodium(&wheel.path);
        let all_libs: Vec<String> = wheel_members(&wheel.path, |m| m.contains(".libs/"))
            .into_iter()
            .map(|(member, _)| member)
            .collect();
        assert_eq!(libs.len(), 1, "{name}: .libs members {all_libs:?}");
        assert_eq!(libs, all_libs, "{name}: .libs members");
        let bundled = bundled_of(wheel);
        assert_eq!(bundled.len(), 1, "{name}: {}", wheel.repair);
        assert_eq!(bundled[0]["archive_path"], libs[0].as_str(), "{name}");
        assert_eq!(bundled[0]["original_name"], "libsodium.so.23", "{name}");
    }

    // check.py also reads /proc/self/maps: the bundled copy is mapped, the system one not.
    let required = interpreters.cpythons.len() + 1;
    let passed = install_and_check_everywhere(&build);
    assert!(
        passed >= required,
        "check.py passed under {passed} interpreter(s), fewer than {required}"
    );
}

/// The tag of auditwheel's "is consistent with the following platform tag: "..."".
fn auditwheel_tag(output: &str) -> Option<String> {
    let text = output.split_whitespace().collect::<Vec<_>>().join(" ");
    let marker = "is consistent with the following platform tag: \"";
    let start = text.find(marker)? + marker.len();
    let end = text[start..].find('"')?;
    Some(text[start..start + end].to_string())
}

#[test]
fn auditwheel_show_agrees_with_our_platform_tag_for_every_wheel() {
    let Some(auditwheel) = context::tool("auditwheel") else {
        return;
    };
    let Some(builds) = build_repaired_fixtures() else {
        return;
    };
    let mut shown = 0;
    for wheel in builds.iter().flat_map(|b| &b.wheels) {
        let name = wheel.file_name();
        let (ok, stdout, stderr) =
            run_program(&auditwheel, &["show".as_ref(), wheel.path.as_os_str()]);
        assert!(ok, "auditwheel show {name}\n{stdout}\n{stderr}");
        let theirs = auditwheel_tag(&stdout)
            .unwrap_or_else(|| panic!("auditwheel show {name} names no tag:\n{stdout}"));
        let ours = &wheel.platform_tags()[0];
        assert_eq!(&theirs, ours, "{name}: auditwheel show says\n{stdout}");
        shown += 1;
    }
    assert_eq!(shown, 2 * REPAIRED_FIXTURES.len(), "wheels shown");
}

#[test]
fn extensions_and_bundled_libraries_have_no_runpath_outside_origin() {
    let Some(readelf) = context::program("readelf") else {
        return;
    };
    let Some(builds) = build_repaired_fixtures() else {
        return;
    };
    let scratch = tempfile::tempdir().unwrap();
    let mut sodium_extensions = 0;
    for build in &builds {
        for wheel in &build.wheels {
            let elves = extract_elf_members(&wheel.path, scratch.path());
            assert!(!elves.is_empty(), "no ELF file in {}", wheel.file_name());
            for (member, file) in elves {
                let mut paths = dynamic_entries(&readelf, &file, "RUNPATH");
                paths.extend(dynamic_entries(&readelf, &file, "RPATH"));
                for path in paths.iter().flat_map(|p| p.split(':')) {
                    assert!(
                        path.starts_with("$ORIGIN"),
                        "{} {member}: RUNPATH/RPATH entry `{path}` (all: {paths:?})",
                        wheel.file_name()
                    );
                }
                if build.fixture == "sodium" && member.starts_with("cwsodium/") {
                    sodium_extensions += 1;
                    assert_eq!(
                        dynamic_entries(&readelf, &file, "RUNPATH"),
                        ["$ORIGIN/../cw_sodium.libs"],
                        "{} {member}",
                        wheel.file_name()
                    );
                    assert_eq!(
                        dynamic_entries(&readelf, &file, "RPATH"),
                        Vec::<String>::new(),
                        "{} {member}",
                        wheel.file_name()
                    );
                }
            }
        }
    }
    assert_eq!(sodium_extensions, 2, "sodium extension modules checked");
}

#[test]
fn vendored_sources_need_nothing_beyond_the_policy() {
    let Some(readelf) = context::program("readelf") else {
        return;
    };
    let Some(_) = context::interpreters() else {
        return;
    };
    let build = build_fixture("vendored");
    let scratch = tempfile::tempdir().unwrap();
    let allowed: BTreeSet<&str> = LIBC_LIBRARIES.into_iter().collect();
    for wheel in &build.wheels {
        let name = wheel.file_name();
        assert_eq!(bundled_of(wheel).len(), 0, "{name}: {}", wheel.repair);
        let policy = wheel.repair["policy"].as_str().unwrap_or_default();
        assert!(policy.starts_with("manylinux_"), "{name}: {}", wheel.repair);
        let system: Vec<&str> = wheel.repair["system_libraries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap())
            .collect();
        assert!(
            system.iter().all(|l| allowed.contains(l)),
            "{name}: system_libraries {system:?}"
        );
        let elves = extract_elf_members(&wheel.path, scratch.path());
        assert!(!elves.is_empty(), "no ELF file in {name}");
        for (member, file) in elves {
            assert!(!member.contains(".libs/"), "{name}: bundled {member}");
            let needed = dynamic_entries(&readelf, &file, "NEEDED");
            assert!(
                needed.iter().all(|l| allowed.contains(l.as_str())),
                "{name} {member}: DT_NEEDED {needed:?}, allowed {allowed:?}"
            );
        }
    }
}

#[test]
fn no_bundle_fails_listing_libsodium() {
    let Some(_) = context::interpreters() else {
        return;
    };
    let Some(()) = sodium_ready() else {
        return;
    };
    let project = copy_fixture("sodium");
    let out = project.temp.path().join("out");
    let run = build_run(&project.root, &out, &["--no-bundle"]);
    assert_build_error(&run, "build --no-bundle");
    assert!(run.stderr.contains("libsodium.so."), "{}", run.stderr);
    assert!(run.stderr.contains("--no-bundle"), "{}", run.stderr);
    assert_no_wheel(&out);
}

#[test]
fn static_link_of_a_non_pic_archive_fails_with_advice() {
    let Some(_) = context::interpreters() else {
        return;
    };
    let Some(()) = sodium_ready() else {
        return;
    };
    let project = copy_fixture("sodium");
    let out = project.temp.path().join("out");
    let run = build_run(&project.root, &out, &["--config", "static_sodium=true"]);
    assert_build_error(&run, "build --config static_sodium=true");
    for fragment in ["libsodium.a", "not position-independent", "link: shared"] {
        assert!(
            run.stderr.contains(fragment),
            "expected `{fragment}` in:\n{}",
            run.stderr
        );
    }
    assert_no_wheel(&out);
}

#[test]
fn prebuild_archive_is_linked_statically_and_the_step_is_cached() {
    let Some(interpreters) = context::interpreters() else {
        return;
    };
    let Some(_) = context::program("make") else {
        return;
    };
    let project = copy_fixture("prebuild");
    let archive = project
        .root
        .join("build/cffi-wheel/prebuild/cwcounter._counter/1/libcounter.a");
    let modified = || {
        fs_err::metadata(&archive)
            .and_then(|m| m.modified())
            .unwrap_or_else(|e| panic!("{}: {e}", archive.display()))
    };
    let cached = "prebuild step 1 of cwcounter._counter: up to date (cached)";

    let first_out = project.temp.path().join("first");
    let (first, _) = build_json(&project.root, &first_out, &[]);
    assert!(
        !first.stderr.contains("up to date (cached)"),
        "first build:\n{}",
        first.stderr
    );
    let built_at = modified();

    let out = project.temp.path().join("second");
    let (second, wheels) = build_json(&project.root, &out, &[]);
    assert!(
        second.stderr.contains(cached),
        "expected `{cached}` in the second build:\n{}",
        second.stderr
    );
    assert_eq!(modified(), built_at, "{} was rebuilt", archive.display());
    assert_eq!(wheel_names(&first_out), wheel_names(&out));

    assert_eq!(wheels.len(), 2, "{:?}", wheel_names(&out));
    for wheel in &wheels {
        assert_eq!(
            bundled_of(wheel).len(),
            0,
            "{}: {}",
            wheel.file_name(),
            wheel.repair
        );
    }
    let build = Build {
        fixture: "prebuild".to_string(),
        project,
        out,
        wheels,
    };
    let required = interpreters.cpythons.len() + 1;
    let passed = install_and_check_everywhere(&build);
    assert!(
        passed >= required,
        "check.py passed under {passed} interpreter(s), fewer than {required}"
    );
}

#[test]
fn a_symbol_no_library_defines_fails_the_build_naming_it() {
    let Some(_) = context::interpreters() else {
        return;
    };
    let Some(()) = sodium_ready() else {
        return;
    };
    let project = copy_fixture("missing_symbol");
    let out = project.temp.path().join("out");
    let run = build_run(&project.root, &out, &[]);
    assert_build_error(&run, "build missing_symbol");
    for fragment in ["sodium_frobnicate_v2", "sodium_next.h:4"] {
        assert!(
            run.stderr.contains(fragment),
            "expected `{fragment}` in:\n{}",
            run.stderr
        );
    }
    assert_no_wheel(&out);
}

/// Whether `tag` is `manylinux_2_<N>_x86_64`.
fn is_manylinux_2_tag(tag: &str) -> bool {
    tag.strip_prefix("manylinux_2_")
        .and_then(|rest| rest.strip_suffix("_x86_64"))
        .is_some_and(|minor| !minor.is_empty() && minor.chars().all(|c| c.is_ascii_digit()))
}

#[test]
fn repair_command_turns_a_linux_wheel_into_the_same_manylinux_wheel() {
    let Some(python) = context::pyenv_cpython(12).or_else(|| context::missing("CPython 3.12"))
    else {
        return;
    };
    let (Some(()), Some(_)) = (sodium_ready(), context::patchelf()) else {
        return;
    };
    let project = copy_fixture("sodium");
    let interpreter = ["-i".as_ref(), python.as_os_str()];
    let linux_out = project.temp.path().join("linux");
    let (_, linux) = build_json(
        &project.root,
        &linux_out,
        &[
            &interpreter[..],
            &["--compatibility".as_ref(), "linux".as_ref()],
        ]
        .concat(),
    );
    assert_eq!(
        wheel_names(&linux_out),
        ["cw_sodium-0.1.0-cp312-abi3-linux_x86_64.whl"]
    );
    let direct_out = project.temp.path().join("direct");
    let (_, direct) = build_json(&project.root, &direct_out, &interpreter);

    let out = project.temp.path().join("repaired");
    let run = run_cli([
        OsStr::new("repair"),
        linux[0].path.as_os_str(),
        OsStr::new("-o"),
        out.as_os_str(),
        OsStr::new("--json"),
    ]);
    run.assert_success("cffi-wheel repair");
    let report: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("repair --json printed invalid JSON ({e}):\n{}", run.stdout));
    let reports = report.as_array().expect("a JSON array");
    assert_eq!(reports.len(), 1, "{report:#}");
    let repaired = Wheel {
        path: PathBuf::from(reports[0]["wheel"]["path"].as_str().unwrap()),
        interpreters: vec![python.clone()],
        repair: reports[0]["repair"].clone(),
    };
    let name = repaired.file_name();
    assert_eq!(wheel_names(&out), [name.as_str()]);
    let platform = repaired.platform_tags();
    assert!(
        name.starts_with("cw_sodium-0.1.0-cp312-abi3-")
            && platform.len() == 1
            && is_manylinux_2_tag(&platform[0]),
        "{name}"
    );
    assert_eq!(name, direct[0].file_name(), "repair and build disagree");
    cffi_wheel::wheel::verify_wheel(&repaired.path)
        .unwrap_or_else(|e| panic!("verify_wheel({name}): {e}"));
    let libs = bundled_libsodium(&repaired.path);
    assert_eq!(libs.len(), 1, "{name}: {libs:?}");
    assert_eq!(bundled_of(&repaired)[0]["archive_path"], libs[0].as_str());

    // The same files as the wheel `build` repairs itself; only WHEEL's Generator differs.
    let outside_dist_info =
        |member: &str| !member.contains(".dist-info/") || member.ends_with("/METADATA");
    let ours = wheel_members(&repaired.path, outside_dist_info);
    let theirs = wheel_members(&direct[0].path, outside_dist_info);
    let names = |members: &[(String, Vec<u8>)]| -> Vec<String> {
        members.iter().map(|(n, _)| n.clone()).collect()
    };
    assert_eq!(names(&ours), names(&theirs), "members of {name}");
    for ((member, a), (_, b)) in ours.iter().zip(&theirs) {
        assert!(a == b, "{member} differs between repair and build");
    }

    let build = Build {
        fixture: "sodium".to_string(),
        project,
        out,
        wheels: vec![repaired],
    };
    let passed = install_and_check_everywhere(&build);
    assert_eq!(passed, 1, "check.py on CPython 3.12");
}

#[test]
fn repairing_a_repaired_wheel_bundles_nothing_twice() {
    let Some(python) = context::pyenv_cpython(12).or_else(|| context::missing("CPython 3.12"))
    else {
        return;
    };
    let (Some(()), Some(_)) = (sodium_ready(), context::patchelf()) else {
        return;
    };
    let project = copy_fixture("sodium");
    let built_out = project.temp.path().join("built");
    let (_, built) = build_json(
        &project.root,
        &built_out,
        &["-i".as_ref(), python.as_os_str()],
    );
    let out = project.temp.path().join("again");
    let run = run_cli([
        OsStr::new("repair"),
        built[0].path.as_os_str(),
        OsStr::new("-o"),
        out.as_os_str(),
    ]);
    run.assert_success("cffi-wheel repair <a repaired wheel>");
    let names = wheel_names(&out);
    assert_eq!(names, [built[0].file_name()]);
    let libs = |wheel: &Path| -> Vec<String> {
        wheel_members(wheel, |m| m.contains(".libs/"))
            .into_iter()
            .map(|(member, _)| member)
            .collect()
    };
    assert_eq!(
        libs(&out.join(&names[0])),
        libs(&built[0].path),
        "bundled libraries after repairing {} again",
        names[0]
    );
}

#[test]
fn unknown_config_option_is_an_error() {
    let project = copy_fixture("sodium");
    let out = project.temp.path().join("out");
    let run = build_run(&project.root, &out, &["--config", "nope=1"]);
    assert_eq!(run.code, Some(2), "stderr:\n{}", run.stderr);
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    assert!(run.stderr.contains("nope"), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(!out.exists(), "{} was created", out.display());
}
