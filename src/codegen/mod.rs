//! Runs the real cffi to emit the C of each module (decision 1 of the architecture).
//!
//! CPython targets share one generated file per module, made by a managed, cached
//! environment with a pinned cffi; PyPy targets use PyPy's built-in cffi.

mod health;
mod managed;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};

/// Used by `doctor` to report on the managed environments.
pub use health::{Health, STAMP as MANAGED_ENV_STAMP};
/// Used by `doctor` to report on the managed environments.
pub use managed::host as managed_env_host;
/// Used by `doctor` to report on the managed environments.
pub use managed::managed_env_health;
pub use managed::{ManagedEnv, STAGING_PREFIX, ensure_managed_env};

use crate::env_vars;
use crate::plan::Flavour;
use crate::process::{Captured, run_captured};
use crate::recipe::{Module, ScriptRef};

/// The embedded codegen script.
const CODEGEN_SCRIPT: &str = include_str!("codegen.py");

/// The C that cffi emitted for one module in one flavour.
#[derive(Debug, Clone, Serialize)]
pub struct GeneratedSource {
    /// Dotted module name.
    pub module: String,
    /// Flavour it was generated for.
    pub flavour: Flavour,
    /// The `.c` file.
    pub path: PathBuf,
    /// cffi version that produced it.
    pub cffi_version: String,
}

/// Codegen failures.
#[derive(Debug, thiserror::Error)]
pub enum CodegenError {
    /// The generating interpreter could not run, failed or ran out of time.
    #[error("code generation with {python} failed")]
    Run {
        /// The interpreter.
        python: PathBuf,
        /// The cause.
        #[source]
        source: crate::process::ProcessError,
    },
    /// cffi rejected the cdef.
    #[error("cffi rejected the cdef of module `{module}`: {message}")]
    Cdef {
        /// Module name.
        module: String,
        /// cffi's message.
        message: String,
        /// Line and column within the cdef, when cffi says.
        at: Option<(usize, usize)>,
    },
    /// cffi is missing where it should be.
    #[error("{python} cannot import cffi: {message}")]
    NoCffi {
        /// The interpreter.
        python: PathBuf,
        /// Import error.
        message: String,
    },
    /// A build script failed to run or to define its FFI.
    #[error("build script {script} failed: {message}")]
    Script {
        /// The script.
        script: String,
        /// What happened (with the traceback).
        message: String,
    },
    /// A build script is in ABI mode.
    #[error(
        "build script {script} is in ABI mode: {message}. cffi-wheel builds API-mode extension \
         modules; generate the ABI-mode module with `ffibuilder.emit_python_code(\"pkg/_mod.py\")` \
         and ship it in a package, or switch to API mode (`set_source(name, \"#include ...\")`)"
    )]
    AbiMode {
        /// The script.
        script: String,
        /// What cffi-wheel found.
        message: String,
    },
    /// Anything else the script reported.
    #[error("code generation for `{module}` failed: {message}")]
    Failed {
        /// Module name.
        module: String,
        /// What happened.
        message: String,
    },
    /// Creating the managed environment failed.
    #[error("{0}")]
    Managed(#[from] managed::ManagedEnvError),
    /// File system trouble.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// What a build script's `set_source` said, read by running the script.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ScriptDescription {
    /// `set_source`'s module name (before `ext_package`).
    pub module: String,
    /// The C source text.
    pub source: String,
    /// `source_extension=".cpp"` (or `language="c++"`).
    pub cplusplus: bool,
    /// The keyword arguments cffi-wheel honours.
    pub settings: ScriptSettings,
    /// Keyword arguments it does not (reported as a warning).
    pub ignored: Vec<String>,
    /// The cdef text (all `cdef()` calls), for `import`.
    pub cdef: String,
}

/// `set_source` keyword arguments, as setuptools' Extension takes them.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ScriptSettings {
    /// `sources`.
    pub sources: Vec<String>,
    /// `include_dirs`.
    pub include_dirs: Vec<String>,
    /// `libraries`.
    pub libraries: Vec<String>,
    /// `library_dirs`.
    pub library_dirs: Vec<String>,
    /// `define_macros`.
    pub define_macros: Vec<(String, Option<String>)>,
    /// `undef_macros`.
    pub undef_macros: Vec<String>,
    /// `extra_compile_args`.
    pub extra_compile_args: Vec<String>,
    /// `extra_link_args`.
    pub extra_link_args: Vec<String>,
    /// `extra_objects`.
    pub extra_objects: Vec<String>,
}

/// Runs `script` (cwd = `root`) and reads its FFI object's `set_source` arguments.
pub fn describe_script(
    python: &Path,
    isolation: Isolation,
    root: &Path,
    script: &ScriptRef,
) -> Result<ScriptDescription, CodegenError> {
    let request = serde_json::json!({
        "mode": "describe_script",
        "script": script.path,
        "attribute": script.attribute,
        "root": root,
    });
    let bytes = serde_json::to_vec(&request).map_err(std::io::Error::other)?;
    let response = run_script(python, &bytes, isolation, root)?;
    let value: serde_json::Value =
        serde_json::from_slice(&response).map_err(|e| CodegenError::Script {
            script: script.path.clone(),
            message: format!("unreadable output ({e})"),
        })?;
    if value.get("ok") == Some(&serde_json::Value::Bool(true)) {
        return serde_json::from_value(value).map_err(|e| CodegenError::Script {
            script: script.path.clone(),
            message: format!("unreadable description ({e})"),
        });
    }
    let parsed: Response = serde_json::from_value(value).map_err(|e| CodegenError::Script {
        script: script.path.clone(),
        message: format!("unreadable output ({e})"),
    })?;
    Err(script_failure(python, script, parsed))
}

fn script_failure(python: &Path, script: &ScriptRef, parsed: Response) -> CodegenError {
    let message = parsed.message.unwrap_or_default();
    match parsed.kind.as_deref() {
        Some("abi_mode") => CodegenError::AbiMode {
            script: script.path.clone(),
            message,
        },
        Some("no_cffi") => CodegenError::NoCffi {
            python: python.to_path_buf(),
            message,
        },
        _ => CodegenError::Script {
            script: script.path.clone(),
            message: match parsed.traceback {
                Some(tb) => format!("{message}\n{tb}"),
                None => message,
            },
        },
    }
}

#[derive(Deserialize)]
struct Response {
    traceback: Option<String>,
    ok: bool,
    kind: Option<String>,
    message: Option<String>,
    cffi_version: Option<String>,
    line: Option<usize>,
    column: Option<usize>,
}

/// What cffi generates one module's C from: the `cdef` and `set_source` text, or the build
/// script that makes them.
#[derive(Debug, Clone, Default)]
pub struct CodegenInput {
    /// Dotted module name.
    pub name: String,
    /// The cdef.
    pub cdef: String,
    /// `set_source`'s C.
    pub source: String,
    /// A build script run under the generating interpreter instead.
    pub script: Option<ScriptRef>,
}

impl From<&Module> for CodegenInput {
    fn from(module: &Module) -> Self {
        CodegenInput {
            name: module.name.clone(),
            cdef: module.cdef.clone(),
            source: module.source.clone(),
            script: module.script.clone(),
        }
    }
}

/// Emits `module`'s C with `python` (which has cffi) into `output`.
pub fn generate(
    python: &Path,
    isolation: Isolation,
    flavour: &Flavour,
    module: &CodegenInput,
    root: &Path,
    output: &Path,
) -> Result<GeneratedSource, CodegenError> {
    let out_dir = output.parent().unwrap_or(root);
    fs_err::create_dir_all(out_dir)?;
    let output = output.to_path_buf();
    let request = match &module.script {
        Some(script) => serde_json::json!({
            "mode": "emit_script",
            "script": script.path,
            "attribute": script.attribute,
            "root": root,
            "output": output,
        }),
        None => serde_json::json!({
            "mode": "module",
            "module": module.name,
            "cdef": module.cdef,
            "source": module.source,
            "output": output,
        }),
    };
    let request = serde_json::to_vec(&request).map_err(std::io::Error::other)?;
    let response = run_script(python, &request, isolation, out_dir)?;
    let failed = |message: String| CodegenError::Failed {
        module: module.name.clone(),
        message,
    };
    let parsed: Response = serde_json::from_slice(&response)
        .map_err(|e| failed(format!("unreadable codegen output ({e})")))?;
    if !parsed.ok
        && let Some(script) = &module.script
    {
        return Err(script_failure(python, script, parsed));
    }
    if !parsed.ok {
        let message = parsed.message.unwrap_or_default();
        return Err(match parsed.kind.as_deref() {
            Some("cdef") => CodegenError::Cdef {
                module: module.name.clone(),
                message,
                at: parsed.line.map(|line| (line, parsed.column.unwrap_or(1))),
            },
            Some("no_cffi") => CodegenError::NoCffi {
                python: python.to_path_buf(),
                message,
            },
            _ => failed(message),
        });
    }
    Ok(GeneratedSource {
        module: module.name.clone(),
        flavour: flavour.clone(),
        path: output,
        cffi_version: parsed.cffi_version.unwrap_or_default(),
    })
}

/// How the generating interpreter is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isolation {
    /// `-I`: a managed environment or a target interpreter, where only its own site matters.
    Isolated,
    /// Without `-I`, from a neutral directory: an interpreter whose cffi comes through
    /// `PYTHONPATH` (pip's isolated build environments inject it that way).
    InheritPath,
}

fn run_script(
    python: &Path,
    stdin: &[u8],
    isolation: Isolation,
    cwd: &Path,
) -> Result<Vec<u8>, CodegenError> {
    let mut command = Command::new(python);
    match isolation {
        Isolation::Isolated => command.args(["-I", "-B", "-c", CODEGEN_SCRIPT]),
        Isolation::InheritPath => command
            .args(["-s", "-B", "-c", CODEGEN_SCRIPT])
            .current_dir(cwd),
    };
    let output = run_captured(&mut command, Some(stdin), env_vars::step_timeout())
        .and_then(Captured::success)
        .map_err(|source| CodegenError::Run {
            python: python.to_path_buf(),
            source,
        })?;
    Ok(output.stdout)
}
