//! Faults and concurrency: builds stopped by signals at several moments, and several builds
//! of one project at once. Nothing partial may be left under a final name, nothing partial
//! may be left at all after SIGINT/SIGTERM, and the next build must give the same bytes as a
//! clean one.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use sha2::{Digest as _, Sha256};

use crate::context::{self, copy_fixture, run_cli};

/// `cffi-wheel build ROOT -o OUT`, started in the background.
fn start_build(root: &Path, out: &Path, env: &[(&str, &str)]) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cffi-wheel"));
    command
        .args(["build", "-q"])
        .arg(root)
        .arg("-o")
        .arg(out)
        .env_remove("SOURCE_DATE_EPOCH")
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(patchelf) = context::patchelf() {
        command.env(cffi_wheel::env_vars::PATCHELF, patchelf);
    }
    for (key, value) in env {
        command.env(key, value);
    }
    command.spawn().unwrap()
}

/// The files of `dir` (names) with the sha256 of each.
fn hashes(dir: &Path) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    let Ok(entries) = fs_err::read_dir(dir) else {
        return files;
    };
    for entry in entries {
        let entry = entry.unwrap();
        let bytes = fs_err::read(entry.path()).unwrap();
        files.insert(
            entry.file_name().to_string_lossy().into_owned(),
            cffi_wheel::wheel::hex(&Sha256::digest(&bytes)),
        );
    }
    files
}

/// A clean build of `root` into `out`: its wheels and their hashes.
fn clean_build(root: &Path, out: &Path) -> BTreeMap<String, String> {
    let _ = fs_err::remove_dir_all(root.join("build"));
    let _ = fs_err::remove_dir_all(out);
    let run = run_cli([
        "build".as_ref(),
        root.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
    ]);
    run.assert_success("a clean build");
    let wheels = hashes(out);
    assert!(!wheels.is_empty(), "the clean build wrote no wheel");
    wheels
}

#[cfg(unix)]
fn send(child: &Child, signal: libc::c_int) {
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    // SAFETY: kill(2) on our own child's pid; it touches no memory of ours.
    let rc = unsafe { libc::kill(pid, signal) };
    assert_eq!(rc, 0, "kill({pid}, {signal}) failed");
}

/// Stops builds of the `libm` fixture with SIGINT, SIGTERM and SIGKILL at several moments
/// (from process start to wheel writing). After each: no partial file in the output
/// directory for SIGINT/SIGTERM, only complete wheels under final names, and the next build
/// gives exactly the clean build's wheels and leaves no partial file either.
#[cfg(unix)]
#[test]
fn builds_stopped_by_signals_leave_nothing_partial_and_the_next_build_is_identical() {
    if context::interpreters().is_none() {
        return;
    }
    let project = copy_fixture("libm");
    let root = &project.root;
    let out = project.temp.path().join("out");
    let reference = clean_build(root, &out);

    // Each moment is a delay after the start; the clean build takes a few seconds, so these
    // reach start-up, code generation, compiling and linking, repair and wheel writing.
    let moments = [50u64, 400, 900, 1600, 2500];
    let signals = [
        ("SIGINT", libc::SIGINT),
        ("SIGTERM", libc::SIGTERM),
        ("SIGKILL", libc::SIGKILL),
    ];
    let mut stopped = 0;
    for (name, signal) in signals {
        for delay in moments {
            let _ = fs_err::remove_dir_all(&out);
            let mut child = start_build(root, &out, &[]);
            std::thread::sleep(Duration::from_millis(delay));
            send(&child, signal);
            let status = child.wait().unwrap();
            let what = format!("{name} after {delay} ms");
            if status.success() {
                // It finished first: its wheels must be the clean ones.
                assert_eq!(hashes(&out), reference, "{what}: the finished build");
                continue;
            }
            stopped += 1;
            if signal != libc::SIGKILL {
                use std::os::unix::process::ExitStatusExt as _;
                // 128 + signal from the handler; killed by the signal itself only when it
                // came before main installed the handler (nothing is written that early).
                let early = delay < 400 && status.signal() == Some(signal);
                assert!(
                    status.code() == Some(128 + signal) || early,
                    "{what}: exit status {status:?}"
                );
            }
            let left = hashes(&out);
            for (file, hash) in &left {
                if file.ends_with(".part") {
                    assert_eq!(signal, libc::SIGKILL, "{what}: partial file {file} left");
                    continue;
                }
                assert_eq!(
                    reference.get(file),
                    Some(hash),
                    "{what}: {file} under its final name differs from the clean build's"
                );
            }
            let run = run_cli([
                "build".as_ref(),
                root.as_os_str(),
                "-o".as_ref(),
                out.as_os_str(),
            ]);
            run.assert_success(&format!("the build after {what}"));
            assert_eq!(
                hashes(&out),
                reference,
                "{what}: the next build differs from a clean one (or left a partial file)"
            );
        }
    }
    assert!(
        stopped >= 6,
        "only {stopped} of 15 builds were stopped before finishing: the moments are too late"
    );
}

/// A partial wheel that a killed build left (no process holds it) is removed by the next
/// build, and so is a half-made codegen environment in the cache; a partial file that a
/// running build holds is not.
#[test]
fn the_next_build_sweeps_partial_files_a_killed_build_left() {
    if context::interpreters().is_none() {
        return;
    }
    let project = copy_fixture("libm");
    let out = project.temp.path().join("out");
    fs_err::create_dir_all(&out).unwrap();
    let abandoned = out.join(".cw_libm-0.1.0-cp38-abi3-linux_x86_64.whl.Ab12Cd.part");
    fs_err::write(&abandoned, vec![0u8; 4096]).unwrap();
    let held = out.join(".other-1.0-py3-none-any.whl.Zz99Yy.part");
    fs_err::write(&held, b"being written").unwrap();
    let holder = fs_err::File::options()
        .read(true)
        .write(true)
        .open(&held)
        .unwrap();
    holder.file().lock().unwrap();
    // A codegen environment a killed build was making, in the cache.
    let codegen = cffi_wheel::env_vars::cache_dir().join("codegen");
    let staging = codegen.join(format!(
        "{}killed-{}",
        cffi_wheel::codegen::STAGING_PREFIX,
        std::process::id()
    ));
    fs_err::create_dir_all(staging.join("env/bin")).unwrap();
    fs_err::write(staging.join(".owner"), b"").unwrap();
    let run = run_cli([
        "build".as_ref(),
        project.root.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
        "-i".as_ref(),
        "cp311".as_ref(),
    ]);
    run.assert_success("the build after a killed one");
    assert!(
        !abandoned.exists(),
        "the abandoned partial wheel is still there"
    );
    assert!(
        held.exists(),
        "a partial file another build holds was removed"
    );
    drop(holder);
}

/// Four builds of one project at once, into one output directory: all succeed, and their
/// wheels are the clean build's, byte for byte.
#[test]
fn four_builds_of_one_project_at_once_all_succeed_with_identical_wheels() {
    if context::interpreters().is_none() {
        return;
    }
    let project = copy_fixture("libm");
    let root = &project.root;
    let reference_out = project.temp.path().join("reference");
    let reference = clean_build(root, &reference_out);
    let _ = fs_err::remove_dir_all(root.join("build"));

    let out = project.temp.path().join("out");
    let children: Vec<Child> = (0..4).map(|_| start_build(root, &out, &[])).collect();
    let mut failures = Vec::new();
    for (n, child) in children.into_iter().enumerate() {
        let output = child.wait_with_output().unwrap();
        if !output.status.success() {
            failures.push(format!(
                "build {n}: {:?}\n{}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert_eq!(hashes(&out), reference, "the concurrent builds' wheels");
}

/// A compiler that exits 0 without writing its output fails the build: the objects and the
/// extension an earlier build left are not shipped instead.
#[cfg(unix)]
#[test]
fn a_compiler_that_succeeds_without_output_fails_the_build_instead_of_shipping_stale_files() {
    use std::os::unix::fs::PermissionsExt as _;
    if context::interpreters().is_none() {
        return;
    }
    let project = copy_fixture("libm");
    let root = &project.root;
    let out = project.temp.path().join("out");
    clean_build(root, &out);
    fs_err::remove_dir_all(&out).unwrap();
    let fake = project.temp.path().join("fake-cc");
    fs_err::write(&fake, "#!/bin/sh\nexit 0\n").unwrap();
    fs_err::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let run = context::run_cli_env(
        [
            "build".as_ref(),
            root.as_os_str(),
            "-o".as_ref(),
            out.as_os_str(),
        ],
        &[("CC", fake.to_str().unwrap())],
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains("exited with success") && run.stderr.contains("did not write"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("help:"), "{}", run.stderr);
    assert!(
        hashes(&out).is_empty(),
        "wheels were written: {:?}",
        hashes(&out)
    );
}

/// SIGINT while a prebuild step runs stops the step's whole process group (children run in
/// their own groups, so the terminal's ^C would not reach them): nothing the step started
/// goes on after cffi-wheel exits with 130.
#[cfg(unix)]
#[test]
fn an_interrupted_build_stops_the_programs_it_started() {
    if context::interpreters().is_none() {
        return;
    }
    let project = copy_fixture("prebuild");
    let root = &project.root;
    let marks = project.temp.path().join("marks");
    fs_err::create_dir_all(&marks).unwrap();
    let recipe = root.join("cffi-wheel.yaml");
    let text = fs_err::read_to_string(&recipe).unwrap();
    let step = format!(
        "run: touch {m}/started && sleep 4 && touch {m}/late && make",
        m = marks.display()
    );
    let patched = text.replacen("run: make", &step, 1);
    assert_ne!(
        patched, text,
        "the prebuild fixture has no `run: make` step"
    );
    fs_err::write(&recipe, patched).unwrap();
    let out = project.temp.path().join("out");
    let mut child = start_build(root, &out, &[]);
    let started = marks.join("started");
    let mut waited = Duration::ZERO;
    while !started.exists() {
        assert!(
            waited < Duration::from_secs(120),
            "the prebuild step never started"
        );
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the build ended ({status:?}) before its prebuild step started");
        }
        std::thread::sleep(Duration::from_millis(50));
        waited += Duration::from_millis(50);
    }
    send(&child, libc::SIGINT);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{status:?}");
    std::thread::sleep(Duration::from_secs(6));
    assert!(
        !marks.join("late").exists(),
        "the prebuild step went on after the build was interrupted"
    );
    assert!(
        hashes(&out).is_empty(),
        "files left in the output: {:?}",
        hashes(&out)
    );
}
