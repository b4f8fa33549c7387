//! Published cffi projects (corpus/projects.toml), built as their authors would build them:
//! `cffi-wheel build .` in the unpacked sdist, compared with `pip wheel` of the same sdist.
//!
//! By default the projects marked `ci = true`; `CFFI_WHEEL_CORPUS=all` takes every project
//! (`corpus/run` does that), `CFFI_WHEEL_CORPUS=name,name` those named. Each project is
//! checked, and the failures of all of them are reported together. corpus/fetch.py downloads and pins the sdists into a cache.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;

use serde::Deserialize;

use crate::context::{
    Build, Project, build_json, describe, install_and_check_everywhere, interpreters,
    pyenv_cpython, python_command, same_program, wheel_members,
};

/// One project as corpus/fetch.py --json reports it.
#[derive(Debug, Deserialize)]
struct Fetched {
    name: String,
    version: String,
    dir: PathBuf,
    smoke: String,
    /// Packages the smoke call needs that the project does not declare.
    #[serde(default)]
    smoke_extra_pip: Vec<String>,
    /// Interpreter identifiers setuptools cannot serve either, with the reason.
    #[serde(default)]
    not_served: BTreeMap<String, String>,
    /// Extra `cffi-wheel build` arguments.
    #[serde(default)]
    build_args: Vec<String>,
    /// `import` must move it to a recipe without losing anything.
    #[serde(default)]
    import: bool,
}

/// The interpreters the corpus is built for, by identifier.
const IDENTIFIERS: [&str; 7] = ["cp38", "cp39", "cp310", "cp311", "cp312", "cp313", "pp39"];

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The corpus projects this run checks, fetched and unpacked.
fn fetch(python: &Path) -> Vec<Fetched> {
    let mut command = python_command(python);
    command
        .arg(repo_root().join("corpus").join("fetch.py"))
        .arg("--json");
    match std::env::var("CFFI_WHEEL_CORPUS")
        .unwrap_or_default()
        .as_str()
    {
        "all" => {}
        "" | "ci" => {
            command.arg("--ci");
        }
        names => {
            command.args(["--only", names]);
        }
    }
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        describe("corpus/fetch.py", &output)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// Copies a directory tree.
fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            fs_err::create_dir_all(&target).unwrap();
        } else if entry.file_type().is_file() {
            fs_err::copy(entry.path(), &target).unwrap();
        }
    }
}

/// What a wheel says that must agree with setuptools' wheel: its files (extension suffixes,
/// RECORD, WHEEL and libraries bundled by repair aside), its core metadata and entry points.
#[derive(Debug, PartialEq, Eq)]
pub struct WheelView {
    /// Member names, extension suffixes and `.dist-info` names normalised.
    pub files: BTreeSet<String>,
    /// The compared METADATA fields.
    pub fields: BTreeMap<String, BTreeSet<String>>,
    /// entry_points.txt lines with their section.
    pub entry_points: BTreeSet<String>,
}

/// `pkg/_mod.cpython-311-x86_64-linux-gnu.so`, `pkg/_mod.abi3.so` → `pkg/_mod.<ext>.so`.
fn without_suffix(name: &str) -> String {
    let (dir, file) = name.rsplit_once('/').map_or(("", name), |(d, f)| (d, f));
    let file = match file.split_once('.') {
        Some((stem, _)) if file.ends_with(".so") => format!("{stem}.<ext>.so"),
        _ => file.to_string(),
    };
    if dir.is_empty() {
        file
    } else {
        format!("{dir}/{file}")
    }
}

/// What `wheel` says, for comparison with setuptools' wheel.
pub fn view(wheel: &Path) -> WheelView {
    let members = wheel_members(wheel, |_| true);
    let mut files = BTreeSet::new();
    let mut fields: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut entry_points = BTreeSet::new();
    for (name, contents) in members {
        let (top, rest) = name.split_once('/').unwrap_or(("", name.as_str()));
        if top.ends_with(".libs") {
            continue;
        }
        if let Some(_dist) = top.strip_suffix(".dist-info") {
            let text = String::from_utf8_lossy(&contents).into_owned();
            match rest {
                "RECORD" | "WHEEL" => continue,
                "METADATA" => metadata_fields(&text, &mut fields),
                "entry_points.txt" => entry_points.extend(entry_point_lines(&text)),
                _ => {}
            }
            files.insert(format!("DIST-INFO/{rest}"));
        } else {
            files.insert(without_suffix(&name));
        }
    }
    WheelView {
        files,
        fields,
        entry_points,
    }
}

/// The fields compared, normalised: requirements through PEP 508, extras lower-cased.
fn metadata_fields(text: &str, fields: &mut BTreeMap<String, BTreeSet<String>>) {
    const COMPARED: [&str; 6] = [
        "Name",
        "Version",
        "Requires-Python",
        "Requires-Dist",
        "Provides-Extra",
        "Summary",
    ];
    for line in text.lines().take_while(|l| !l.is_empty()) {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let Some(key) = COMPARED.iter().find(|k| k.eq_ignore_ascii_case(key.trim())) else {
            continue;
        };
        let value = value.trim();
        let value = match *key {
            "Requires-Dist" => pep508_rs::Requirement::<pep508_rs::VerbatimUrl>::from_str(value)
                .map_or_else(|_| value.to_string(), |r| r.to_string()),
            "Provides-Extra" => value.to_ascii_lowercase().replace(['_', '.'], "-"),
            _ => value.to_string(),
        };
        fields.entry(key.to_string()).or_default().insert(value);
    }
}

fn entry_point_lines(text: &str) -> Vec<String> {
    let mut section = String::new();
    let mut lines = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if line.starts_with('[') {
            section = line.to_string();
        } else {
            let compact: String = line.split_whitespace().collect();
            lines.push(format!("{section} {compact}"));
        }
    }
    lines
}

/// `pip wheel --no-deps` of the sdist copy with `python` (isolated, as a user runs it).
pub fn setuptools_wheel(python: &Path, project: &Path, out: &Path) -> PathBuf {
    let output = python_command(python)
        .args(["-m", "pip", "wheel", "--no-deps", "-q", "-w"])
        .arg(out)
        .arg(project)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        describe("pip wheel", &output)
    );
    let wheels: Vec<PathBuf> = fs_err::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension() == Some(OsStr::new("whl")))
        .collect();
    assert_eq!(wheels.len(), 1, "pip wheel made {wheels:?}");
    wheels[0].clone()
}

#[test]
fn published_cffi_projects_build_as_is_and_agree_with_setuptools() {
    let Some(found) = interpreters() else { return };
    let Some(baseline) = pyenv_cpython(11) else {
        return;
    };
    let projects = fetch(&baseline);
    // CFFI_WHEEL_CORPUS=name,... picks projects by hand; `ci` (the default) and `all` must
    // check at least 4.
    let by_name = std::env::var("CFFI_WHEEL_CORPUS").is_ok_and(|v| v != "all" && v != "ci");
    assert!(
        by_name || projects.len() >= 4,
        "the corpus checks at least 4 projects: {projects:?}"
    );
    let mut all_pythons = found.cpythons.clone();
    all_pythons.push(found.pypy.clone());
    let mut failures = Vec::new();
    for fetched in projects {
        let label = format!("{} {}", fetched.name, fetched.version);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            check_project(&fetched, &baseline, &all_pythons)
        }));
        match result {
            Ok(()) => eprintln!("corpus result: {label}: passed"),
            Err(payload) => {
                let message = payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                eprintln!("corpus result: {label}: FAILED");
                failures.push(format!("{label}: {message}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} project(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// Builds one project as it is, compares with pip wheel and runs its smoke call everywhere.
fn check_project(fetched: &Fetched, baseline: &Path, all_pythons: &[PathBuf]) {
    let label = format!("{} {}", fetched.name, fetched.version);
    eprintln!("corpus: {label}");
    let temp = tempfile::Builder::new()
        .prefix("cffi-wheel-corpus-")
        .tempdir()
        .unwrap();
    let ours_dir = temp.path().join("ours");
    let theirs_dir = temp.path().join("theirs");
    copy_tree(&fetched.dir, &ours_dir);
    copy_tree(&fetched.dir, &theirs_dir);
    let out = temp.path().join("out");
    let mut selectors = Vec::new();
    if !fetched.not_served.is_empty() {
        for (id, why) in &fetched.not_served {
            eprintln!("corpus: {label}: not built for {id}: {why}");
        }
        for id in IDENTIFIERS
            .iter()
            .filter(|id| !fetched.not_served.contains_key(**id))
        {
            selectors.extend([OsStr::new("-i"), OsStr::new(*id)]);
        }
    }
    selectors.extend(fetched.build_args.iter().map(OsStr::new));
    let (_, wheels) = build_json(&ours_dir, &out, &selectors);
    let reference = setuptools_wheel(baseline, &theirs_dir, &temp.path().join("st"));
    let expected = assert_agree_with_setuptools(&label, &wheels, &reference);
    // Every interpreter here that Requires-Python admits is served by some wheel.
    let requires = expected
        .fields
        .get("Requires-Python")
        .and_then(|r| r.iter().next().cloned());
    for python in all_pythons {
        let (id, admitted) = probe(python, requires.as_deref());
        if !admitted || fetched.not_served.contains_key(&id) {
            continue;
        }
        assert!(
            wheels
                .iter()
                .any(|w| w.interpreters.iter().any(|i| same_program(i, python))),
            "{label}: no wheel serves {} (Requires-Python {requires:?})",
            python.display()
        );
    }
    // The smoke call on every interpreter each wheel claims.
    let mut check = String::new();
    if !fetched.smoke_extra_pip.is_empty() {
        check.push_str(&format!(
            "import subprocess, sys\nsubprocess.check_call([sys.executable, '-m', 'pip', \
                 'install', '-q', '--disable-pip-version-check', {}])\n",
            fetched
                .smoke_extra_pip
                .iter()
                .map(|p| format!("{p:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    check.push_str(&format!(
        "{}\nprint('ok {}')\n",
        fetched.smoke, fetched.name
    ));
    fs_err::write(ours_dir.join("check.py"), check).unwrap();
    let build = Build {
        fixture: fetched.name.clone(),
        project: Project {
            temp,
            root: ours_dir,
        },
        out,
        wheels,
    };
    let passed = install_and_check_everywhere(&build);
    assert!(passed >= 1, "{label}: the smoke call ran nowhere");
    if fetched.import {
        check_import(fetched, &build);
    }
}

/// `import` of a fresh copy, then `build` of the recipe for CPython 3.11: the wheel equals
/// the as-is wheel that serves CPython 3.11 (tags aside), and its smoke call passes.
fn check_import(fetched: &Fetched, as_is: &Build) {
    let label = format!("{} {} imported", fetched.name, fetched.version);
    let project = as_is.project.temp.path().join("imported");
    copy_tree(&fetched.dir, &project);
    let run = crate::context::run_cli([OsStr::new("import"), project.as_os_str()]);
    run.assert_success(&format!("{label}: import"));
    let recipe = fs_err::read_to_string(project.join("cffi-wheel.yaml")).unwrap();
    let out = as_is.project.temp.path().join("imported-out");
    let mut args = vec![OsStr::new("-i"), OsStr::new("cp311")];
    args.extend(fetched.build_args.iter().map(OsStr::new));
    let (_, wheels) = build_json(&project, &out, &args);
    for wheel in &wheels {
        // The as-is wheel that serves the same interpreter (cp38-abi3 serves cp311).
        let theirs = as_is
            .wheels
            .iter()
            .find(|w| {
                w.interpreters
                    .iter()
                    .any(|i| wheel.interpreters.iter().any(|o| same_program(i, o)))
            })
            .unwrap_or_else(|| panic!("{label}: no as-is wheel serves {}", wheel.file_name()));
        let (ours, theirs) = comparable_views(&wheel.path, &theirs.path);
        let what = format!("{label}: {} (recipe:\n{recipe})", wheel.file_name());
        assert_eq!(ours.files, theirs.files, "{what}");
        assert_eq!(ours.fields, theirs.fields, "{what}");
        assert_eq!(ours.entry_points, theirs.entry_points, "{what}");
    }
    fs_err::copy(
        as_is.project.root.join("check.py"),
        project.join("check.py"),
    )
    .unwrap();
    let build = Build {
        fixture: fetched.name.clone(),
        project: Project {
            temp: tempfile::tempdir().unwrap(),
            root: project,
        },
        out,
        wheels,
    };
    assert!(install_and_check_everywhere(&build) >= 1, "{label}");
}

/// The views of a recipe's wheel and of the as-is wheel, without what differs by design:
/// the recipe's wheel adds the cffi requirement its generated code needs
/// (`cffi>=1.17.1; platform_python_implementation != 'PyPy'`) to the project's own, and
/// setuptools writes the legacy `top_level.txt`.
pub fn comparable_views(ours: &Path, theirs: &Path) -> (WheelView, WheelView) {
    let mut ours = view(ours);
    let mut theirs = view(theirs);
    let expected = theirs
        .fields
        .get("Requires-Dist")
        .cloned()
        .unwrap_or_default();
    if let Some(requires) = ours.fields.get_mut("Requires-Dist") {
        requires.retain(|r| {
            expected.contains(r)
                || !(r.starts_with("cffi>=") && r.contains("platform_python_implementation"))
        });
    }
    theirs.files.remove("DIST-INFO/top_level.txt");
    (ours, theirs)
}

/// Checks that each of `wheels` has the files, METADATA fields and entry points of
/// setuptools' `reference` wheel; returns the reference's view.
pub fn assert_agree_with_setuptools(
    label: &str,
    wheels: &[crate::context::Wheel],
    reference: &Path,
) -> WheelView {
    let expected = view(reference);
    for wheel in wheels {
        let ours = view(&wheel.path);
        assert_eq!(ours.files, expected.files, "{label}: {}", wheel.file_name());
        assert_eq!(
            ours.fields,
            expected.fields,
            "{label}: {}",
            wheel.file_name()
        );
        assert_eq!(ours.entry_points, expected.entry_points, "{label}");
    }
    expected
}

/// `python`'s identifier (`cp311`, `pp39`) and whether its version satisfies
/// `requires_python`.
fn probe(python: &Path, requires_python: Option<&str>) -> (String, bool) {
    let output = Command::new(python)
        .args([
            "-c",
            "import platform, sys; print(platform.python_version()); \
             print(('pp' if platform.python_implementation() == 'PyPy' else 'cp') \
             + '%d%d' % sys.version_info[:2])",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let mut lines = text.lines();
    let version = lines.next().unwrap_or_default().trim().to_string();
    let id = lines.next().unwrap_or_default().trim().to_string();
    let admitted = requires_python.is_none_or(|spec| {
        let spec = pep440_rs::VersionSpecifiers::from_str(spec).unwrap();
        spec.contains(&pep440_rs::Version::from_str(&version).unwrap())
    });
    (id, admitted)
}

#[test]
fn extension_suffixes_are_compared_without_their_abi() {
    assert_eq!(
        without_suffix("pkg/_m.cpython-311-x86_64-linux-gnu.so"),
        "pkg/_m.<ext>.so"
    );
    assert_eq!(without_suffix("pkg/_m.abi3.so"), "pkg/_m.<ext>.so");
    assert_eq!(
        without_suffix("_top.pypy39-pp73-x86_64-linux-gnu.so"),
        "_top.<ext>.so"
    );
    assert_eq!(without_suffix("pkg/data.txt"), "pkg/data.txt");
}
