//! Compilers, linker, pkg-config, patchelf, libffi and cross toolchains: found the way the
//! build finds them, each with its version line.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::{Check, Section, Status, install};
use crate::toolchain::Toolchain;
use crate::{env_vars, process};

/// A `--version` that takes longer than this is a hung tool.
const VERSION_TIMEOUT: Duration = Duration::from_secs(10);

/// Every tool check, in section order.
pub fn checks() -> Vec<Check> {
    let logs = tempfile::Builder::new()
        .prefix("cffi-wheel-doctor-")
        .tempdir();
    let logs = logs.as_ref().map(|d| d.path()).unwrap_or(Path::new("."));
    let runner = Runner { logs };
    let cc = compiler(&runner, false);
    let mut checks = vec![compiler(&runner, true), linker(&runner, &cc)];
    checks.insert(0, cc);
    checks.push(pkg_config(&runner));
    if cfg!(target_os = "linux") {
        checks.push(patchelf(&runner));
    }
    checks.push(libffi());
    checks.extend(cross(&runner));
    checks
}

/// Runs version commands with a time limit, their output logged under `logs`.
struct Runner<'a> {
    logs: &'a Path,
}

impl Runner<'_> {
    /// The first non-empty line `program args` prints, or why it could not run.
    fn first_line(&self, program: &Path, args: &[&str]) -> Result<String, String> {
        let mut command = Command::new(program);
        command.args(args);
        let log = tempfile::Builder::new()
            .suffix(".log")
            .tempfile_in(self.logs)
            .map_err(|e| e.to_string())?;
        let finished =
            process::run_logged(&mut command, log.path(), VERSION_TIMEOUT).map_err(|e| {
                let mut text = e.to_string();
                if let Some(source) = std::error::Error::source(&e) {
                    text = format!("{text}: {source}");
                }
                text
            })?;
        let output = fs_err::read_to_string(&finished.log).unwrap_or_default();
        if !finished.status.success() {
            return Err(format!(
                "`{}` exited with {}",
                process::display(&command),
                finished.status
            ));
        }
        Ok(output
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("")
            .to_string())
    }
}

/// `program` as a path: itself when it names a file, else its place on PATH.
fn locate(program: &Path) -> Option<PathBuf> {
    if program.components().count() > 1 {
        return program.is_file().then(|| program.to_path_buf());
    }
    which::which(program).ok()
}

fn found(section: Section, name: &str, path: PathBuf, version: String, detail: &str) -> Check {
    let mut check = Check::new(section, name, Status::Ok, detail.into());
    check.version = Some(version);
    check.path = Some(path);
    check
}

fn absent(
    section: Section,
    name: &str,
    status: Status,
    detail: String,
    how: install::Install,
) -> Check {
    let mut check = Check::new(section, name, status, detail);
    check.required = status == Status::Missing;
    check.install = Some(how);
    check
}

/// The C (or C++) compiler the `cc` crate picks for the host (it honours CC / CXX).
fn compiler(runner: &Runner<'_>, cpp: bool) -> Check {
    let (name, how, status) = if cpp {
        ("C++ compiler", install::cxx_compiler(), Status::Warn)
    } else {
        ("C compiler", install::c_compiler(), Status::Missing)
    };
    let needed_for = if cpp {
        "; needed only for modules with `language: c++`"
    } else {
        ""
    };
    let tool = match Toolchain::host(2, false)
        .build()
        .cpp(cpp)
        .try_get_compiler()
    {
        Ok(tool) => tool,
        Err(e) => {
            return absent(
                Section::Compilers,
                name,
                status,
                format!("{e}{needed_for}"),
                how,
            );
        }
    };
    let from_env = if cpp { "CXX" } else { "CC" };
    let source = if std::env::var_os(from_env).is_some() {
        format!(" (from {from_env})")
    } else {
        String::new()
    };
    let Some(path) = locate(tool.path()) else {
        return absent(
            Section::Compilers,
            name,
            status,
            format!(
                "`{}`{source} is not there{needed_for}",
                tool.path().display()
            ),
            how,
        );
    };
    match runner.first_line(&path, &["--version"]) {
        Ok(version) => found(
            Section::Compilers,
            name,
            path,
            version,
            &format!("used by build{source}"),
        ),
        Err(why) => absent(
            Section::Compilers,
            name,
            status,
            format!("{why}{needed_for}"),
            how,
        ),
    }
}

/// The linker the C compiler drives (`cc -shared` runs it).
fn linker(runner: &Runner<'_>, cc: &Check) -> Check {
    let how = install::linker();
    let Some(cc_path) = cc.path.as_deref().filter(|_| cc.status == Status::Ok) else {
        // The C compiler's own blocker says what to install; this one follows from it.
        return Check::new(
            Section::Compilers,
            "linker",
            Status::Missing,
            "not looked for: no C compiler to drive it".into(),
        );
    };
    if !cfg!(unix) {
        return found(
            Section::Compilers,
            "linker",
            cc_path.to_path_buf(),
            "-".into(),
            "the C compiler's own",
        );
    }
    let ld = runner
        .first_line(cc_path, &["-print-prog-name=ld"])
        .unwrap_or_else(|_| "ld".into());
    let Some(path) = locate(Path::new(&ld)) else {
        return absent(
            Section::Compilers,
            "linker",
            Status::Missing,
            format!("`{ld}`, which the C compiler runs, is not there"),
            how,
        );
    };
    match runner.first_line(&path, &["--version"]) {
        Ok(version) => found(
            Section::Compilers,
            "linker",
            path,
            version,
            "run by the C compiler",
        ),
        Err(why) => absent(Section::Compilers, "linker", Status::Missing, why, how),
    }
}

fn pkg_config(runner: &Runner<'_>) -> Check {
    let detail = "resolves modules' `pkg_config:` libraries";
    match locate(Path::new("pkg-config")) {
        Some(path) => match runner.first_line(&path, &["--version"]) {
            Ok(version) => found(Section::Tools, "pkg-config", path, version, detail),
            Err(why) => absent(
                Section::Tools,
                "pkg-config",
                Status::Warn,
                why,
                install::pkg_config(),
            ),
        },
        None => absent(
            Section::Tools,
            "pkg-config",
            Status::Warn,
            "not on PATH; needed only for modules with `pkg_config:`".into(),
            install::pkg_config(),
        ),
    }
}

/// patchelf as repair finds it: `CFFI_WHEEL_PATCHELF`, else on PATH.
fn patchelf(runner: &Runner<'_>) -> Check {
    let detail = "bundles external libraries into manylinux wheels (build, repair)";
    let program = env_vars::var_os(env_vars::PATCHELF)
        .map_or_else(|| PathBuf::from("patchelf"), PathBuf::from);
    match locate(&program) {
        Some(path) => match runner.first_line(&path, &["--version"]) {
            Ok(version) => found(Section::Tools, "patchelf", path, version, detail),
            Err(why) => absent(
                Section::Tools,
                "patchelf",
                Status::Warn,
                why,
                install::patchelf(),
            ),
        },
        None => absent(
            Section::Tools,
            "patchelf",
            Status::Warn,
            format!(
                "`{}` not found; needed only to bundle external libraries (wheels that link \
                 nothing outside the manylinux policy do not need it; or set {})",
                program.display(),
                env_vars::PATCHELF
            ),
            install::patchelf(),
        ),
    }
}

/// Where system headers and libraries live when pkg-config adds no flags for them.
fn system_dirs(kind: &str) -> Vec<PathBuf> {
    let multiarch = format!("{}-linux-gnu", std::env::consts::ARCH);
    let mut dirs = vec![
        PathBuf::from("/usr").join(kind),
        PathBuf::from("/usr").join(kind).join(&multiarch),
        PathBuf::from("/usr/local").join(kind),
        PathBuf::from("/opt/homebrew/opt/libffi").join(kind),
        PathBuf::from("/usr/local/opt/libffi").join(kind),
    ];
    if kind == "lib" {
        dirs.push(PathBuf::from("/usr/lib64"));
        dirs.push(PathBuf::from("/lib").join(&multiarch));
    }
    dirs
}

/// libffi: version from pkg-config, `ffi.h`, and the library.
fn libffi() -> Check {
    let probe = pkg_config::Config::new()
        .cargo_metadata(false)
        .env_metadata(false)
        .print_system_libs(true)
        .print_system_cflags(true)
        .probe("libffi");
    let (version, mut include, mut lib) = match &probe {
        Ok(library) => (
            Some(library.version.clone()),
            library.include_paths.clone(),
            library.link_paths.clone(),
        ),
        Err(_) => (None, Vec::new(), Vec::new()),
    };
    include.extend(system_dirs("include"));
    lib.extend(system_dirs("lib"));
    let header = include
        .iter()
        .map(|d| d.join("ffi.h"))
        .find(|h| h.is_file());
    let library = lib.iter().find_map(|dir| {
        let entries = fs_err::read_dir(dir).ok()?;
        let mut libraries: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("libffi."))
            })
            .collect();
        // The shared library is what cffi links; the static archive only if it is alone.
        libraries.sort_by_key(|p| (p.extension().is_some_and(|e| e == "a"), p.clone()));
        libraries.into_iter().next()
    });
    let needed = "needed only where cffi itself is built from source (a Python or platform \
                  without a cffi wheel)";
    match (&header, &library) {
        (Some(header), Some(library)) => {
            let mut check = Check::new(
                Section::Libraries,
                "libffi",
                Status::Ok,
                format!(
                    "headers {}, library {}; {needed}",
                    header.display(),
                    library.display()
                ),
            );
            check.version = Some(version.unwrap_or_else(|| "-".into()));
            check.path = Some(library.clone());
            check
        }
        _ => {
            let missing: Vec<&str> = [
                header.is_none().then_some("ffi.h"),
                library.is_none().then_some("the library"),
                version.is_none().then_some("its pkg-config file"),
            ]
            .into_iter()
            .flatten()
            .collect();
            let mut check = absent(
                Section::Libraries,
                "libffi",
                Status::Warn,
                format!("no {}; {needed}", missing.join(", no ")),
                install::libffi(),
            );
            check.version = version;
            check
        }
    }
}

/// mingw-w64 and zig, listed only when present.
fn cross(runner: &Runner<'_>) -> Vec<Check> {
    let note = "present; cffi-wheel builds for the host platform only, so it is not used yet";
    [
        ("mingw-w64", "x86_64-w64-mingw32-gcc", "--version"),
        ("zig", "zig", "version"),
    ]
    .into_iter()
    .filter_map(|(name, program, arg)| {
        let path = locate(Path::new(program))?;
        let version = runner.first_line(&path, &[arg]).unwrap_or_else(|why| why);
        Some(found(Section::Cross, name, path, version, note))
    })
    .collect()
}
