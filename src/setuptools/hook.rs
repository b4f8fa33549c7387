//! Calling the project's backend through `backend_hook.py`: one process per hook, the
//! request and the typed answer in JSON files, the output in a log.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{BuildEnv, HookFailure, SetuptoolsError, SetuptoolsProject};
use crate::process;

/// The helper, written next to the requests and run by path.
const HOOK_SCRIPT: &str = include_str!("backend_hook.py");

/// One Extension as setuptools would have compiled it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapturedExtension {
    /// Full dotted name (`ext_package` applied).
    pub name: String,
    /// Sources, absolute (cffi's generated C included).
    pub sources: Vec<PathBuf>,
    /// Include directories, absolute (the interpreter's own included).
    pub include_dirs: Vec<PathBuf>,
    /// Macros.
    pub define_macros: Vec<(String, Option<String>)>,
    /// Macros to undefine.
    pub undef_macros: Vec<String>,
    /// Libraries (build_clib's included).
    pub libraries: Vec<String>,
    /// Library directories, absolute.
    pub library_dirs: Vec<PathBuf>,
    /// Run-time library directories (RUNPATH entries setuptools would write).
    pub runtime_library_dirs: Vec<String>,
    /// Extra objects and archives, absolute.
    pub extra_objects: Vec<PathBuf>,
    /// Extra compiler arguments (the project's build_ext additions included).
    pub extra_compile_args: Vec<String>,
    /// Extra linker arguments.
    pub extra_link_args: Vec<String>,
    /// `c` or `c++`.
    pub language: String,
    /// Whether the Extension declares `py_limited_api`.
    pub py_limited_api: bool,
}

/// The `.dist-info` of the project as its backend prepared it: every file but RECORD and
/// WHEEL, which the wheel writer makes.
#[derive(Debug, Clone, Serialize)]
pub struct PreparedMetadata {
    /// The directory the backend wrote.
    pub dir: PathBuf,
    /// The METADATA text.
    pub metadata: String,
    /// The other files, relative to the directory (`/`-separated), sorted.
    #[serde(skip)]
    pub files: Vec<(String, Vec<u8>)>,
}

impl PreparedMetadata {
    fn read(dir: &Path) -> Result<PreparedMetadata, SetuptoolsError> {
        let metadata = fs_err::read_to_string(dir.join("METADATA"))?;
        let mut files = Vec::new();
        for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
            let entry = entry.map_err(|e| SetuptoolsError::Io(e.into()))?;
            if !entry.file_type().is_file() {
                continue;
            }
            let rel = entry
                .path()
                .strip_prefix(dir)
                .unwrap_or(entry.path())
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            if !matches!(rel.as_str(), "METADATA" | "RECORD" | "WHEEL") {
                files.push((rel, fs_err::read(entry.path())?));
            }
        }
        Ok(PreparedMetadata {
            dir: dir.to_path_buf(),
            metadata,
            files,
        })
    }
}

/// What one run of the project's `build_wheel` left.
#[derive(Debug, Clone, Serialize)]
pub struct HollowBuild {
    /// The interpreter it ran under.
    pub python: PathBuf,
    /// The tree it ran in: the project, or a private copy when runs overlapped.
    pub tree: PathBuf,
    /// setuptools' wheel, without its extensions.
    pub wheel: PathBuf,
    /// Each extension's final arguments.
    pub extensions: Vec<CapturedExtension>,
    /// Binaries the wheel already holds (archive paths): built by the project's own code,
    /// for this interpreter alone.
    pub prebuilt: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
enum Reply {
    Ok(Outcome),
    Error {
        kind: String,
        message: String,
        #[serde(default)]
        traceback: String,
    },
}

#[derive(Debug, Deserialize)]
#[serde(tag = "hook", rename_all = "snake_case")]
enum Outcome {
    Requires {
        requires: Vec<String>,
    },
    Metadata {
        dist_info: String,
    },
    Build {
        wheel: String,
        extensions: Vec<CapturedExtension>,
    },
}

/// Runs hooks of one project's backend in one build environment.
#[derive(Debug, Clone)]
pub struct HookRunner<'a> {
    /// The project.
    pub project: &'a SetuptoolsProject,
    /// The environment.
    pub env: &'a BuildEnv,
    /// Where requests, answers, logs and outputs go (one directory per target).
    pub work_dir: PathBuf,
    /// Time limit of one hook.
    pub limit: Duration,
}

impl HookRunner<'_> {
    /// `get_requires_for_build_wheel`: what the backend needs beyond `[build-system]`.
    pub fn requires(&self) -> Result<Vec<String>, SetuptoolsError> {
        match self.call("requires", "get_requires_for_build_wheel", &[])? {
            Outcome::Requires { requires } => Ok(requires),
            other => Err(self.unexpected(&other)),
        }
    }

    /// `prepare_metadata_for_build_wheel`: the `.dist-info` setuptools would write.
    pub fn metadata(&self) -> Result<PreparedMetadata, SetuptoolsError> {
        let out = fresh_dir(&self.work_dir.join("metadata"))?;
        match self.call(
            "metadata",
            "prepare_metadata_for_build_wheel",
            &[("out_dir", &out)],
        )? {
            Outcome::Metadata { dist_info } => PreparedMetadata::read(&out.join(dist_info)),
            other => Err(self.unexpected(&other)),
        }
    }

    /// `build_wheel` with compiling replaced by a recorder.
    pub fn build(&self) -> Result<HollowBuild, SetuptoolsError> {
        let out = fresh_dir(&self.work_dir.join("wheel"))?;
        let build_base = self.work_dir.join("build");
        let reply = self.call(
            "build",
            "setuptools' build_wheel",
            &[("out_dir", &out), ("build_base", &build_base)],
        )?;
        match reply {
            Outcome::Build { wheel, extensions } => Ok(HollowBuild {
                python: self.env.base.clone(),
                tree: self.project.root.clone(),
                wheel: out.join(wheel),
                extensions,
                prebuilt: Vec::new(),
            }),
            other => Err(self.unexpected(&other)),
        }
    }

    fn unexpected(&self, outcome: &Outcome) -> SetuptoolsError {
        SetuptoolsError::Protocol {
            path: self.work_dir.clone(),
            detail: format!("an answer for another hook: {outcome:?}"),
        }
    }

    fn call(
        &self,
        hook: &str,
        step: &str,
        paths: &[(&str, &Path)],
    ) -> Result<Outcome, SetuptoolsError> {
        fs_err::create_dir_all(&self.work_dir)?;
        let script = self.work_dir.join("backend_hook.py");
        if fs_err::read_to_string(&script).ok().as_deref() != Some(HOOK_SCRIPT) {
            fs_err::write(&script, HOOK_SCRIPT)?;
        }
        let mut request = serde_json::json!({
            "hook": hook,
            "backend": self.project.backend,
            "backend_path": self.project.backend_path,
        });
        for (key, path) in paths {
            request[*key] = serde_json::json!(path);
        }
        let request_path = self.work_dir.join(format!("{hook}-request.json"));
        let result_path = self.work_dir.join(format!("{hook}-result.json"));
        fs_err::write(&request_path, request.to_string())?;
        if result_path.exists() {
            fs_err::remove_file(&result_path)?;
        }
        let log = self.work_dir.join(format!("{hook}.log"));
        let mut command = Command::new(&self.env.python);
        command
            .args(["-s", "-B"])
            .arg(&script)
            .arg(&request_path)
            .arg(&result_path)
            .current_dir(&self.project.root)
            .env_remove("PYTHONPATH")
            .env_remove("PYTHONHOME")
            .env("PYTHONNOUSERSITE", "1");
        let finished = process::run_logged(&mut command, &log, self.limit).map_err(|source| {
            SetuptoolsError::Process {
                step: format!("{step} of {}", self.project.root.display()),
                source,
            }
        })?;
        tracing::debug!(
            "{step} under {}:\n{}",
            self.env.base.display(),
            finished.tail()
        );
        let hook_error = |message: String, tail: String| {
            SetuptoolsError::Hook(Box::new(HookFailure {
                step: step.to_string(),
                backend: self.project.backend.clone(),
                python: self.env.base.clone(),
                root: self.project.root.clone(),
                message,
                tail,
                log: log.clone(),
            }))
        };
        let text = match fs_err::read_to_string(&result_path) {
            Ok(text) => text,
            Err(_) => {
                return Err(hook_error(
                    format!(
                        "the backend process ended ({}) without an answer",
                        finished.status
                    ),
                    finished.tail(),
                ));
            }
        };
        let reply: Reply = serde_json::from_str(&text).map_err(|e| SetuptoolsError::Protocol {
            path: result_path.clone(),
            detail: e.to_string(),
        })?;
        match reply {
            Reply::Ok(outcome) => Ok(outcome),
            Reply::Error {
                kind,
                message,
                traceback,
            } => {
                let tail = if traceback.trim().is_empty() {
                    finished.tail()
                } else {
                    last_lines(&traceback, process::TAIL_LINES)
                };
                tracing::debug!("backend error of kind {kind}");
                Err(hook_error(message, tail))
            }
        }
    }
}

/// An empty directory at `path` (PEP 517: the frontend makes the hooks' output directory).
fn fresh_dir(path: &Path) -> Result<PathBuf, SetuptoolsError> {
    if path.exists() {
        fs_err::remove_dir_all(path)?;
    }
    fs_err::create_dir_all(path)?;
    Ok(path.to_path_buf())
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.trim_end().lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
