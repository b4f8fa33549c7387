//! Running other programs: time limits, the probe cache, the codegen interpreter chosen from
//! the whole machine, the managed codegen environment under concurrent cold builds and after
//! damage, and no environment values in verbose logs.
//!
//! Tests that must create the managed environment use their own `CFFI_WHEEL_CACHE_DIR`
//! (pip then installs cffi from the package index, or the `find-links` pip is configured
//! with).

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::context::{self, Run};

/// A planted secret: no log may show it.
const SECRET: &str = "s3cr3t-value";

/// `PATH` with `dir` first.
fn path_with(dir: &Path) -> String {
    let rest = std::env::var("PATH").unwrap_or_default();
    format!("{}:{rest}", dir.display())
}

/// An executable shell script `dir/name`.
fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt as _;
    fs_err::create_dir_all(dir).unwrap();
    let path = dir.join(name);
    fs_err::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    fs_err::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// Runs `cffi-wheel ARGS` with `env`, failing the test (and killing the run) when it takes
/// longer than `deadline`: a hang must fail, not stall the suite.
fn run_within(args: &[&OsStr], env: &[(&str, &str)], deadline: Duration) -> (Run, Duration) {
    let out = tempfile::tempfile().unwrap();
    let err = tempfile::tempfile().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_cffi-wheel"));
    command
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("SOURCE_DATE_EPOCH")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(err.try_clone().unwrap());
    let started = Instant::now();
    let mut child = command.spawn().unwrap();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("cffi-wheel {args:?} still ran after {deadline:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let read = |mut file: std::fs::File| {
        use std::io::{Read as _, Seek as _};
        let mut text = String::new();
        file.rewind().unwrap();
        file.read_to_string(&mut text).unwrap();
        text
    };
    let run = Run {
        code: status.code(),
        stdout: read(out),
        stderr: read(err),
    };
    (run, started.elapsed())
}

/// `build PROJECT -o OUT ARGS` with `env`, asserting success.
fn build(project: &Path, out: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut all: Vec<&OsStr> = vec![
        OsStr::new("build"),
        project.as_os_str(),
        OsStr::new("-o"),
        out.as_os_str(),
    ];
    all.extend(args.iter().map(OsStr::new));
    let (run, _) = run_within(&all, env, Duration::from_secs(600));
    run.assert_success(&format!("build {} {args:?}", project.display()));
    run
}

/// The one `.whl` in `dir`.
fn only_wheel(dir: &Path) -> PathBuf {
    let wheels: Vec<PathBuf> = fs_err::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "whl"))
        .collect();
    assert_eq!(wheels.len(), 1, "{wheels:?}");
    wheels.into_iter().next().unwrap()
}

/// The managed environment directories in `cache`.
fn managed_envs(cache: &Path) -> Vec<PathBuf> {
    let mut envs: Vec<PathBuf> = fs_err::read_dir(cache.join("codegen"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect();
    envs.sort();
    envs
}

#[test]
fn a_hung_python_on_path_does_not_hang_a_build_for_another_version() {
    let Some(_) = context::pyenv_cpython(11) else {
        let _: Option<()> = context::missing("CPython 3.11 (pyenv install 3.11)");
        return;
    };
    let project = context::copy_fixture("factorial");
    let bin = project.temp.path().join("bin");
    script(&bin, "python3.12", "sleep 1000");
    let path = path_with(&bin);
    let env = [("PATH", path.as_str()), ("CFFI_WHEEL_PROBE_TIMEOUT", "2")];
    let out = project.temp.path().join("out");
    let args = [
        OsStr::new("build"),
        project.root.as_os_str(),
        OsStr::new("-o"),
        out.as_os_str(),
        OsStr::new("-i"),
        OsStr::new("cp311"),
    ];
    let (run, took) = run_within(&args, &env, Duration::from_secs(300));
    run.assert_success("build -i cp311 beside a hung python3.12");
    assert!(only_wheel(&out).to_string_lossy().contains("-cp311-abi3-"));
    // A ready codegen environment is used without probing; a cold one probes the machine
    // and skips the hung interpreter after the time limit.
    assert!(
        !run.stderr.contains("python3.12") || run.stderr.contains("CFFI_WHEEL_PROBE_TIMEOUT"),
        "{}",
        run.stderr
    );
    eprintln!("build -i cp311 beside a hung python3.12: {took:?}");

    // list-interpreters asks every candidate: the hung one is stopped and named.
    let (run, took) = run_within(
        &[OsStr::new("list-interpreters")],
        &env,
        Duration::from_secs(120),
    );
    run.assert_success("list-interpreters beside a hung python3.12");
    assert!(
        run.stderr.contains(&format!(
            "{} did not introspect itself within 2 s",
            bin.join("python3.12").display()
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("CFFI_WHEEL_PROBE_TIMEOUT"),
        "{}",
        run.stderr
    );
    assert!(took < Duration::from_secs(60), "{took:?}");
}

#[test]
fn probes_are_cached_and_asked_again_when_the_interpreter_changes() {
    let Some(real) = context::pyenv_cpython(11) else {
        let _: Option<()> = context::missing("CPython 3.11 (pyenv install 3.11)");
        return;
    };
    let temp = tempfile::tempdir().unwrap();
    let counter = temp.path().join("probes.txt");
    let bin = temp.path().join("bin");
    let wrapper = script(
        &bin,
        "python3.11",
        &format!(
            "echo probe >> '{}'\nexec '{}' \"$@\"",
            counter.display(),
            real.display()
        ),
    );
    let cache = temp.path().join("cache");
    let path = path_with(&bin);
    let env = [
        ("PATH", path.as_str()),
        ("CFFI_WHEEL_CACHE_DIR", cache.to_str().unwrap()),
    ];
    let runs = || {
        fs_err::read_to_string(&counter)
            .unwrap_or_default()
            .lines()
            .count()
    };
    let list = || {
        let (run, _) = run_within(
            &[OsStr::new("list-interpreters"), OsStr::new("--json")],
            &env,
            Duration::from_secs(300),
        );
        run.assert_success("list-interpreters");
        run
    };
    let first = list();
    assert_eq!(runs(), 1, "the wrapper is probed once");
    let second = list();
    assert_eq!(runs(), 1, "the second run uses the probe cache");
    assert_eq!(first.stdout, second.stdout);
    // A changed executable is asked again.
    let text = fs_err::read_to_string(&wrapper).unwrap();
    fs_err::write(&wrapper, format!("{text}\n")).unwrap();
    list();
    assert_eq!(runs(), 2, "a changed interpreter is probed again");
    // An unreadable cache file is ignored and written again.
    for entry in fs_err::read_dir(cache.join("interpreters")).unwrap() {
        fs_err::write(entry.unwrap().path(), "{ garbage").unwrap();
    }
    list();
    assert_eq!(runs(), 3, "a garbled cache file is probed again");
    list();
    assert_eq!(runs(), 3, "and rewritten");
}

#[test]
fn only_cpython_38_given_still_builds_with_a_codegen_host_found_elsewhere() {
    let Some(interpreters) = context::interpreters() else {
        return;
    };
    let cp38 = &interpreters.cpythons[0];
    let project = context::copy_fixture("factorial");
    let cache = project.temp.path().join("cache");
    let out = project.temp.path().join("out");
    let env = [("CFFI_WHEEL_CACHE_DIR", cache.to_str().unwrap())];
    let run = build(&project.root, &out, &["-i", cp38.to_str().unwrap()], &env);
    assert!(only_wheel(&out).to_string_lossy().contains("-cp38-abi3-"));
    // The newest CPython on the machine hosts the newest cffi.
    let envs = managed_envs(&cache);
    assert_eq!(envs.len(), 1, "{envs:?}");
    let name = envs[0].file_name().unwrap().to_string_lossy().into_owned();
    assert_eq!(name, "cffi-2.1.1-cp313", "{}", run.stderr);
}

#[test]
fn three_cold_cache_builds_at_once_all_succeed_with_identical_wheels() {
    let Some(_) = context::pyenv_cpython(11) else {
        let _: Option<()> = context::missing("CPython 3.11 (pyenv install 3.11)");
        return;
    };
    let cache = tempfile::tempdir().unwrap();
    let projects: Vec<context::Project> =
        (0..3).map(|_| context::copy_fixture("factorial")).collect();
    let runs: Vec<Run> = std::thread::scope(|scope| {
        let handles: Vec<_> = projects
            .iter()
            .map(|project| {
                let cache = cache.path();
                scope.spawn(move || {
                    let out = project.temp.path().join("out");
                    let env = [("CFFI_WHEEL_CACHE_DIR", cache.to_str().unwrap())];
                    build(&project.root, &out, &["-i", "cp311"], &env)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let creators = runs
        .iter()
        .filter(|r| r.stderr.contains("creating the codegen environment:"))
        .count();
    let waited = runs
        .iter()
        .filter(|r| r.stderr.contains("waiting for another build"))
        .count();
    eprintln!("3 cold builds: {creators} created the environment, {waited} waited");
    assert_eq!(creators, 1, "exactly one build creates the environment");
    let wheels: Vec<Vec<u8>> = projects
        .iter()
        .map(|p| fs_err::read(only_wheel(&p.temp.path().join("out"))).unwrap())
        .collect();
    assert!(wheels.iter().all(|w| *w == wheels[0]), "wheels differ");
    assert_eq!(managed_envs(cache.path()).len(), 1);
}

#[test]
fn a_damaged_codegen_environment_is_made_again_once() {
    let Some(_) = context::pyenv_cpython(11) else {
        let _: Option<()> = context::missing("CPython 3.11 (pyenv install 3.11)");
        return;
    };
    let project = context::copy_fixture("factorial");
    let cache = project.temp.path().join("cache");
    let out = project.temp.path().join("out");
    let env = [("CFFI_WHEEL_CACHE_DIR", cache.to_str().unwrap())];
    build(&project.root, &out, &["-i", "cp311"], &env);
    let first = fs_err::read(only_wheel(&out)).unwrap();
    let envs = managed_envs(&cache);
    let dir = &envs[0];
    let site = fs_err::read_dir(dir.join("lib"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path()
        .join("site-packages");

    // Garbled cffi source: repaired, with a message (deleted files: codegen::health's tests).
    fs_err::write(site.join("cffi").join("api.py"), "this is not ( python\n").unwrap();
    let doctor = context::run_cli_env(["doctor", "--json"], &env);
    let report: serde_json::Value = serde_json::from_str(&doctor.stdout).unwrap();
    let name = dir.file_name().unwrap().to_str().unwrap();
    let listed = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("doctor does not list {name}: {report:#}"));
    assert_eq!(listed["status"], "warn", "{listed:#}");
    assert!(
        listed["detail"].as_str().unwrap().contains("damaged"),
        "{listed:#}"
    );
    let run = build(&project.root, &out, &["-i", "cp311"], &env);
    assert!(run.stderr.contains("is damaged"), "{}", run.stderr);
    assert!(run.stderr.contains("making it again"), "{}", run.stderr);
    assert_eq!(fs_err::read(only_wheel(&out)).unwrap(), first);

    // A broken python link.
    let python = dir.join("bin").join("python");
    fs_err::remove_file(&python).unwrap();
    std::os::unix::fs::symlink("/nonexistent/python3", &python).unwrap();
    let run = build(&project.root, &out, &["-i", "cp311"], &env);
    assert!(run.stderr.contains("does not exist"), "{}", run.stderr);
    assert_eq!(fs_err::read(only_wheel(&out)).unwrap(), first);
    let run = build(&project.root, &out, &["-i", "cp311"], &env);
    assert!(
        !run.stderr.contains("damaged"),
        "repaired once: {}",
        run.stderr
    );

    // When it cannot be made again, the error says which directory to delete.
    fs_err::write(site.join("cffi").join("api.py"), "garbled (\n").unwrap();
    let args = [
        OsStr::new("build"),
        project.root.as_os_str(),
        OsStr::new("-o"),
        out.as_os_str(),
        OsStr::new("-i"),
        OsStr::new("cp311"),
        OsStr::new("--offline"),
    ];
    let (run, _) = run_within(&args, &env, Duration::from_secs(300));
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr
            .contains(&format!("delete {} and run again", dir.display())),
        "{}",
        run.stderr
    );
}

#[test]
fn verbose_logs_never_show_environment_values() {
    let Some(_) = context::pyenv_cpython(11) else {
        let _: Option<()> = context::missing("CPython 3.11 (pyenv install 3.11)");
        return;
    };
    // A prebuild step with its own environment, as well as a secret in the process's.
    let project = context::copy_fixture("prebuild");
    let recipe = project.root.join("cffi-wheel.yaml");
    let text = fs_err::read_to_string(&recipe).unwrap();
    let text = text.replace(
        "        inputs: [vendor/counter/*]",
        &format!("        env: {{ COUNTER_TOKEN: {SECRET} }}\n        inputs: [vendor/counter/*]"),
    );
    assert!(text.contains(SECRET));
    fs_err::write(&recipe, text).unwrap();
    let env = [("CFFI_WHEEL_TEST_SECRET", SECRET)];
    for verbosity in ["-v", "-vv"] {
        let out = project.temp.path().join(format!("out{verbosity}"));
        // A fresh build dir each time, so the prebuild step runs.
        let build_dir = project.temp.path().join(format!("build{verbosity}"));
        let run = build(
            &project.root,
            &out,
            &[
                verbosity,
                "-i",
                "cp311",
                "--build-dir",
                build_dir.to_str().unwrap(),
            ],
            &env,
        );
        assert!(run.stderr.contains("running"), "{verbosity} shows commands");
        for (name, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
            assert!(
                !text.contains(SECRET),
                "{verbosity} {name} shows an environment value:\n{text}"
            );
        }
    }
}

#[test]
fn import_stops_a_setup_py_that_never_ends() {
    let temp = tempfile::tempdir().unwrap();
    let project = temp.path().join("looping");
    fs_err::create_dir_all(&project).unwrap();
    fs_err::write(
        project.join("setup.py"),
        "import time\nwhile True:\n    time.sleep(1)\n",
    )
    .unwrap();
    let args = [OsStr::new("import"), project.as_os_str()];
    // The managed environment, if this cache lacks it, is made within the same limit.
    let (run, took) = run_within(
        &args,
        &[("CFFI_WHEEL_TIMEOUT", "10")],
        Duration::from_secs(120),
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains("did not finish within 10 s"),
        "{}",
        run.stderr
    );
    assert!(took < Duration::from_secs(100), "{took:?}");
    assert!(!project.join("cffi-wheel.yaml").exists());
}

/// A `PATH` directory with every program of `/usr/bin` except Pythons, and a pyenv root
/// holding only CPython 3.`minor`: a machine whose newest CPython is 3.`minor`.
fn machine_with_only(minor: u32, python: &Path, dir: &Path) -> (String, PathBuf) {
    let bin = dir.join("bin");
    fs_err::create_dir_all(&bin).unwrap();
    for entry in fs_err::read_dir("/usr/bin").unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if !["python", "pypy", "pydoc"]
            .iter()
            .any(|p| name.starts_with(p))
        {
            std::os::unix::fs::symlink(entry.path(), bin.join(&name)).unwrap();
        }
    }
    let version_dir = python.parent().unwrap().parent().unwrap();
    let pyenv = dir.join("pyenv");
    fs_err::create_dir_all(pyenv.join("versions")).unwrap();
    let name = version_dir.file_name().unwrap();
    assert!(name.to_string_lossy().starts_with(&format!("3.{minor}.")));
    std::os::unix::fs::symlink(version_dir, pyenv.join("versions").join(name)).unwrap();
    (bin.to_string_lossy().into_owned(), pyenv)
}

#[test]
fn a_machine_whose_newest_cpython_is_39_generates_with_the_cffi_39_can_install() {
    let Some(python) = context::pyenv_cpython(9) else {
        let _: Option<()> = context::missing("CPython 3.9 (pyenv install 3.9)");
        return;
    };
    let project = context::copy_fixture("factorial");
    let (path, pyenv) = machine_with_only(9, &python, &project.temp.path().join("machine"));
    let cache = project.temp.path().join("cache");
    let out = project.temp.path().join("out");
    let env = [
        ("PATH", path.as_str()),
        ("PYENV_ROOT", pyenv.to_str().unwrap()),
        ("CFFI_WHEEL_CACHE_DIR", cache.to_str().unwrap()),
    ];
    let args = [
        OsStr::new("build"),
        project.root.as_os_str(),
        OsStr::new("-o"),
        out.as_os_str(),
        OsStr::new("--json"),
    ];
    let run = context::run_cli_env(args, &env);
    run.assert_success("build on a machine with only CPython 3.9");
    assert!(
        run.stderr
            .contains("generating code with cffi 2.0.0 instead of 2.1.1 (install CPython 3.10"),
        "{}",
        run.stderr
    );
    let envs = managed_envs(&cache);
    assert_eq!(envs.len(), 1);
    assert!(envs[0].ends_with("cffi-2.0.0-cp39"), "{envs:?}");
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let wheels = context::wheels_of(&report);
    assert_eq!(wheels.len(), 1);
    assert!(wheels[0].file_name().contains("-cp39-abi3-"));
    let build = context::Build {
        fixture: "factorial".into(),
        project,
        out,
        wheels,
    };
    assert_eq!(context::install_and_check_everywhere(&build), 1);
}

#[test]
fn a_codegen_python_that_corrupts_its_answer_is_a_clear_error_and_writes_no_wheel() {
    let Some(python) = context::pyenv_cpython(11) else {
        let _: Option<()> = context::missing("CPython 3.11 (pyenv install 3.11)");
        return;
    };
    let project = context::copy_fixture("factorial");
    // A sitecustomize that prints runs before the helper can set stdout aside.
    let site = project.temp.path().join("site");
    fs_err::create_dir_all(&site).unwrap();
    fs_err::write(
        site.join("sitecustomize.py"),
        "print('hello from sitecustomize')\n",
    )
    .unwrap();
    let out = project.temp.path().join("out");
    let args = [
        OsStr::new("build"),
        project.root.as_os_str(),
        OsStr::new("-o"),
        out.as_os_str(),
        OsStr::new("-i"),
        OsStr::new("cp311"),
        OsStr::new("--codegen-python"),
        python.as_os_str(),
    ];
    let env = [("PYTHONPATH", site.to_str().unwrap())];
    let (run, _) = run_within(&args, &env, Duration::from_secs(300));
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let expected = format!(
        "codegen.py, run with {}, gave no readable answer",
        python.display()
    );
    assert!(run.stderr.contains(&expected), "{}", run.stderr);
    assert!(
        run.stderr.contains("it printed:\nhello from sitecustomize"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("help: check that"), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    let wheels = fs_err::read_dir(&out)
        .map(|entries| entries.count())
        .unwrap_or(0);
    assert_eq!(wheels, 0, "{}", run.stderr);
}
