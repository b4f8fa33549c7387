//! Errors as the user sees them: every broken recipe in fixtures/bad, and bad arguments.

use std::ffi::OsStr;

use std::path::{Path, PathBuf};

use crate::context::{Project, copy_fixture, fixtures_dir, run_cli};

/// What `fixtures/bad/<case>/expect.toml` says a case must do.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    /// The fault, in a few words (for docs/reliability.md).
    fault: String,
    /// `build`, `plan`, `sdist` or `metadata`.
    command: String,
    /// Arguments after the project directory (`{project}` is replaced by it). Without a
    /// `-o` of its own the case writes into `<tempdir>/out`.
    #[serde(default)]
    args: Vec<String>,
    /// The exit code: 2 for bad input, 1 for a failed build.
    exit: i32,
    /// `file:line:col` of the error, the file relative to the project.
    at: Option<String>,
    /// Why the error has no place in a file (instead of `at`).
    unlocated: Option<String>,
    /// Fragments the message must contain.
    says: Vec<String>,
    /// Links made at run time; `{outside}` in a target is a directory beside the project
    /// holding `secret.txt` and `dir/secret.py`.
    #[serde(default)]
    symlink: Vec<Symlink>,
    /// A directory (relative to the project) in which to make a file whose name is not UTF-8.
    non_utf8_in: Option<String>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Symlink {
    link: String,
    target: String,
}

/// Every case under fixtures/bad, sorted: (name, expectations).
fn bad_cases() -> Vec<(String, Expect)> {
    let bad = fixtures_dir().join("bad");
    let mut cases: Vec<(String, Expect)> = fs_err::read_dir(&bad)
        .unwrap()
        .map(Result::unwrap)
        .filter(|entry| entry.path().is_dir())
        .map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let text = fs_err::read_to_string(entry.path().join("expect.toml")).unwrap();
            let expect: Expect = toml::from_str(&text)
                .unwrap_or_else(|e| panic!("fixtures/bad/{name}/expect.toml: {e}"));
            (name, expect)
        })
        .collect();
    cases.sort_by(|a, b| a.0.cmp(&b.0));
    cases
}

/// A copy of the case's project, with its links and odd file names made.
fn bad_project(name: &str, expect: &Expect) -> (Project, PathBuf) {
    let project = copy_fixture(&format!("bad/{name}"));
    let outside = project.temp.path().join("outside");
    fs_err::create_dir_all(outside.join("dir")).unwrap();
    fs_err::write(outside.join("secret.txt"), "TOP SECRET\n").unwrap();
    fs_err::write(outside.join("dir/secret.py"), "TOP_SECRET = 1\n").unwrap();
    for link in &expect.symlink {
        let at = project.root.join(&link.link);
        fs_err::create_dir_all(at.parent().unwrap()).unwrap();
        let target = link.target.replace("{outside}", &outside.to_string_lossy());
        std::os::unix::fs::symlink(target, at).unwrap();
    }
    if let Some(dir) = &expect.non_utf8_in {
        use std::os::unix::ffi::OsStrExt;
        let name = OsStr::from_bytes(b"bad\xff.py");
        fs_err::write(project.root.join(dir).join(name), "").unwrap();
    }
    (project, outside)
}

/// Every file under `dir` (none when it does not exist).
fn files_in(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| !e.file_type().is_dir())
        .map(walkdir::DirEntry::into_path)
        .collect()
}

/// Runs one case; returns what it did wrong, and its stderr with paths replaced.
fn run_bad_case(name: &str, expect: &Expect) -> (Vec<String>, String) {
    let (project, outside) = bad_project(name, expect);
    let root = project.root.to_string_lossy().into_owned();
    let before = files_in(&project.root);
    let mut args: Vec<String> = vec![expect.command.clone(), root.clone()];
    let given: Vec<String> = expect
        .args
        .iter()
        .map(|a| a.replace("{project}", &root))
        .collect();
    let out = match given.iter().position(|a| a == "-o") {
        Some(i) => PathBuf::from(&given[i + 1]),
        None => project.temp.path().join("out"),
    };
    if expect.command != "plan" && !given.contains(&"-o".to_string()) {
        args.extend(["-o".to_string(), out.to_string_lossy().into_owned()]);
    }
    args.extend(given);
    let run = run_cli(&args);
    let stderr = &run.stderr;
    let mut wrong = Vec::new();
    if run.code != Some(expect.exit) {
        wrong.push(format!("exit {:?}, expected {}", run.code, expect.exit));
    }
    match (&expect.at, &expect.unlocated) {
        (Some(at), None) => {
            let origin = format!("{root}/{at}");
            if !stderr.contains(&origin) {
                wrong.push(format!("no `{origin}`"));
            }
        }
        (None, Some(_)) => {}
        _ => wrong.push("expect.toml needs exactly one of `at` and `unlocated`".into()),
    }
    if !stderr.contains("help:") {
        wrong.push("no `help:` line".into());
    }
    for fragment in &expect.says {
        if !stderr.contains(fragment.as_str()) {
            wrong.push(format!("no `{fragment}`"));
        }
    }
    for forbidden in ["panicked", "RUST_BACKTRACE", "TOP SECRET"] {
        if stderr.contains(forbidden) {
            wrong.push(format!("`{forbidden}` in stderr"));
        }
    }
    let written = files_in(&out);
    if !written.is_empty() {
        wrong.push(format!("wrote {written:?}"));
    }
    let after = files_in(&project.root);
    if after != before {
        let new: Vec<_> = after.iter().filter(|f| !before.contains(f)).collect();
        wrong.push(format!("changed the project: {new:?}"));
    }
    let shown = stderr
        .replace(&root, "[PROJECT]")
        .replace(&outside.to_string_lossy().into_owned(), "[OUTSIDE]")
        .replace(&project.temp.path().to_string_lossy().into_owned(), "[TMP]");
    (wrong, shown)
}

/// The catalogue table of docs/reliability.md, made from the cases.
fn catalogue_table(cases: &[(String, Expect)]) -> String {
    let mut table = String::from("| case | command | fault | behaviour |\n|---|---|---|---|\n");
    for (name, expect) in cases {
        let command = std::iter::once(expect.command.as_str())
            .chain(expect.args.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ")
            .replace("{project}/", "");
        let place = match &expect.at {
            Some(at) => format!("at `{at}`"),
            None => "no file place".to_string(),
        };
        let says = expect
            .says
            .iter()
            .map(|s| format!("“{}”", s.replace('|', "\\|")))
            .collect::<Vec<_>>()
            .join(", ");
        table.push_str(&format!(
            "| `{name}` | `{command}` | {} | exit {}, {place}: {says} |\n",
            expect.fault.replace('|', "\\|"),
            expect.exit
        ));
    }
    table
}

/// Every broken project under fixtures/bad fails as its expect.toml says: the exit code,
/// `file:line:col`, the message, a `help:` line, no panic, no secret from outside the project,
/// nothing written; its stderr is the snapshot beside it; docs/reliability.md lists it.
#[test]
fn every_bad_input_fails_with_a_located_error_and_writes_nothing() {
    let cases = bad_cases();
    assert!(cases.len() >= 60, "only {} cases", cases.len());
    let mut failures = Vec::new();
    let mut outputs = Vec::new();
    for (name, expect) in &cases {
        let (wrong, stderr) = run_bad_case(name, expect);
        if !wrong.is_empty() {
            failures.push(format!("{name}: {}\n{stderr}", wrong.join("; ")));
        }
        outputs.push((name, stderr));
    }
    assert!(
        failures.is_empty(),
        "{} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );

    let docs = fs_err::read_to_string(fixtures_dir().join("../docs/reliability.md")).unwrap();
    let table = catalogue_table(&cases);
    assert!(
        docs.contains(&table),
        "docs/reliability.md's `## Bad-input catalogue` table differs from fixtures/bad; it should be:\n{table}"
    );

    for (name, stderr) in outputs {
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(fixtures_dir().join("bad").join(name));
        settings.set_prepend_module_to_snapshot(false);
        settings.bind(|| insta::assert_snapshot!("stderr", stderr));
    }
}

#[test]
fn nonexistent_project_dir_is_a_clear_error() {
    let temp = tempfile::tempdir().unwrap();
    let missing = temp.path().join("no-such-project");
    let out = temp.path().join("out");
    let run = run_cli([
        OsStr::new("build"),
        missing.as_os_str(),
        OsStr::new("-o"),
        out.as_os_str(),
    ]);
    assert_ne!(run.code, Some(0), "stderr:\n{}", run.stderr);
    assert!(run.code.is_some(), "killed by a signal:\n{}", run.stderr);
    let first_line = run.stderr.lines().next().unwrap_or_default();
    assert!(first_line.starts_with("error: "), "{}", run.stderr);
    assert!(
        first_line.contains(&missing.display().to_string()),
        "{}",
        run.stderr
    );
    assert!(first_line.contains("does not exist"), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(!out.exists(), "{} was created", out.display());
}

#[test]
fn unknown_interpreter_name_is_a_usage_error() {
    let project = copy_fixture("libm");
    let out = project.root.join("out");
    let run = run_cli([
        OsStr::new("build"),
        project.root.as_os_str(),
        OsStr::new("-i"),
        OsStr::new("nonsense-python"),
        OsStr::new("-o"),
        out.as_os_str(),
    ]);
    assert_eq!(run.code, Some(2), "stderr:\n{}", run.stderr);
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    assert!(run.stderr.contains("-i nonsense-python"), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(!out.exists(), "{} was created", out.display());
}
