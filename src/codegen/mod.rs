//! Runs the real cffi to emit the C of each module (decision 1 of the architecture).
//!
//! CPython targets share one generated file per module, made by a managed, cached
//! environment with a pinned cffi; PyPy targets use PyPy's built-in cffi.

mod health;
mod host;
mod managed;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Used by `doctor` to report on the managed environments.
pub use health::{Health, STAMP as MANAGED_ENV_STAMP};
pub use host::{Host, HostChoice};
/// Used by `doctor` to report on the managed environments.
pub use managed::host as managed_env_host;
/// Used by `doctor` to report on the managed environments.
pub use managed::managed_env_health;
pub use managed::{ManagedEnv, STAGING_PREFIX, ensure_managed_env};

use crate::env_vars;
use crate::plan::Flavour;
use crate::python_helper::{self, Reply};
use crate::recipe::{Module, ScriptRef};

/// The embedded codegen script.
const CODEGEN_SCRIPT: python_helper::Script = python_helper::Script {
    name: "codegen.py",
    text: include_str!("codegen.py"),
};

/// How the generating interpreter is run.
pub use crate::python_helper::Isolation;

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
    /// The generating interpreter could not run, failed, ran out of time or gave no
    /// readable answer.
    #[error("code generation failed")]
    Helper(#[from] python_helper::HelperError),
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
    #[error("{python} cannot import cffi: {message}\nhelp: {help}")]
    NoCffi {
        /// The interpreter.
        python: PathBuf,
        /// Import error.
        message: String,
        /// What to do about it.
        help: String,
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
    /// The helper itself failed (a bug in cffi-wheel or in that cffi).
    #[error(
        "code generation for `{module}` failed: {message}\nhelp: this is a bug in cffi-wheel or \
         in the cffi it ran; please report it with this output"
    )]
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
    /// `py_limited_api`, when given: not applied (the recipe's `limited_api` decides).
    #[serde(default)]
    pub py_limited_api: Option<bool>,
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
    let request = Request::DescribeScript {
        script: &script.path,
        attribute: &script.attribute,
        root,
    };
    let reply: Reply<ScriptDescription, Failure> = call_helper(python, isolation, root, &request)?;
    reply
        .into_result()
        .map_err(|failure| failure.into_error(python, isolation, &script.path, Some(script)))
}

/// A request to `codegen.py`.
#[derive(Debug, Serialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
enum Request<'a> {
    /// Emit one recipe module's C.
    Module {
        module: &'a str,
        cdef: &'a str,
        source: &'a str,
        output: &'a Path,
    },
    /// Run a build script and describe its `set_source`.
    DescribeScript {
        script: &'a str,
        attribute: &'a str,
        root: &'a Path,
    },
    /// Run a build script and emit its C.
    EmitScript {
        script: &'a str,
        attribute: &'a str,
        root: &'a Path,
        output: &'a Path,
    },
}

/// `codegen.py`'s answer after emitting C.
#[derive(Debug, Deserialize)]
struct Emitted {
    cffi_version: String,
}

/// The errors `codegen.py` reports, by `kind`.
#[derive(Debug, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Failure {
    /// cffi rejected the cdef.
    Cdef {
        message: String,
        line: Option<usize>,
        column: Option<usize>,
    },
    /// `import cffi` failed.
    NoCffi { message: String },
    /// A build script raised or defines no usable FFI.
    Script {
        message: String,
        #[serde(default)]
        traceback: String,
    },
    /// A build script's `set_source(name, None)`.
    AbiMode { message: String },
    /// The helper itself failed.
    Internal {
        message: String,
        #[serde(default)]
        traceback: String,
    },
}

impl Failure {
    fn into_error(
        self,
        python: &Path,
        isolation: Isolation,
        module: &str,
        script: Option<&ScriptRef>,
    ) -> CodegenError {
        match self {
            Failure::Cdef {
                message,
                line,
                column,
            } => CodegenError::Cdef {
                module: module.to_string(),
                message,
                at: line.map(|line| (line, column.unwrap_or(1))),
            },
            Failure::NoCffi { message } => CodegenError::NoCffi {
                python: python.to_path_buf(),
                message,
                help: match isolation {
                    Isolation::InheritPath => format!(
                        "install cffi for it (`{} -m pip install cffi`), or leave out \
                         --codegen-python to use cffi-wheel's managed environment",
                        python.display()
                    ),
                    Isolation::Isolated => format!(
                        "if {} is in cffi-wheel's managed environment, remove that environment \
                         (`cffi-wheel doctor` names it) and the next build makes it again",
                        python.display()
                    ),
                },
            },
            Failure::Script { message, traceback } => CodegenError::Script {
                script: script.map_or_else(|| module.to_string(), |s| s.path.clone()),
                message: with_traceback(message, &traceback),
            },
            Failure::AbiMode { message } => CodegenError::AbiMode {
                script: script.map_or_else(|| module.to_string(), |s| s.path.clone()),
                message,
            },
            Failure::Internal { message, traceback } => CodegenError::Failed {
                module: module.to_string(),
                message: with_traceback(message, &traceback),
            },
        }
    }
}

fn with_traceback(message: String, traceback: &str) -> String {
    if traceback.trim().is_empty() {
        message
    } else {
        format!("{message}\n{}", traceback.trim_end())
    }
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
    let request = match &module.script {
        Some(script) => Request::EmitScript {
            script: &script.path,
            attribute: &script.attribute,
            root,
            output,
        },
        None => Request::Module {
            module: &module.name,
            cdef: &module.cdef,
            source: &module.source,
            output,
        },
    };
    let reply: Reply<Emitted, Failure> = call_helper(python, isolation, out_dir, &request)?;
    let emitted = reply.into_result().map_err(|failure| {
        failure.into_error(python, isolation, &module.name, module.script.as_ref())
    })?;
    Ok(GeneratedSource {
        module: module.name.clone(),
        flavour: flavour.clone(),
        path: output.to_path_buf(),
        cffi_version: emitted.cffi_version,
    })
}

/// Runs `codegen.py`; an interpreter that inherits its path runs from `cwd`.
fn call_helper<T: serde::de::DeserializeOwned>(
    python: &Path,
    isolation: Isolation,
    cwd: &Path,
    request: &Request<'_>,
) -> Result<Reply<T, Failure>, CodegenError> {
    let cwd = (isolation == Isolation::InheritPath).then_some(cwd);
    python_helper::call(
        python,
        CODEGEN_SCRIPT,
        isolation,
        cwd,
        request,
        env_vars::step_timeout(),
    )
    .map_err(CodegenError::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PYTHON: &str = "/usr/bin/python3";

    fn reply<T: serde::de::DeserializeOwned>(
        stdout: &str,
    ) -> Result<Reply<T, Failure>, python_helper::HelperError> {
        python_helper::parse_reply(Path::new(PYTHON), CODEGEN_SCRIPT, stdout.as_bytes(), b"")
    }

    fn error_of(stdout: &str, script: Option<&ScriptRef>) -> CodegenError {
        match reply::<Emitted>(stdout).expect("readable").into_result() {
            Ok(_) => panic!("an error reply"),
            Err(failure) => {
                failure.into_error(Path::new(PYTHON), Isolation::InheritPath, "pkg._m", script)
            }
        }
    }

    fn script() -> ScriptRef {
        ScriptRef {
            path: "build_ffi.py".into(),
            attribute: "ffibuilder".into(),
            ext_package: None,
        }
    }

    #[test]
    fn an_emit_reply_gives_the_cffi_version() {
        let ok = reply::<Emitted>(r#"{"result": "ok", "cffi_version": "2.0.0"}"#)
            .expect("readable")
            .into_result()
            .expect("ok");
        assert_eq!(ok.cffi_version, "2.0.0");
    }

    #[test]
    fn a_describe_reply_gives_the_script_description() {
        let text = r#"{"result": "ok", "module": "_m", "source": "int x;", "cplusplus": false,
            "settings": {"sources": [], "include_dirs": ["inc"], "libraries": [],
            "library_dirs": [], "define_macros": [["A", null]], "undef_macros": [],
            "extra_compile_args": [], "extra_link_args": [], "extra_objects": []},
            "ignored": ["optional"], "py_limited_api": true, "cdef": "int f(void);"}"#;
        let desc = reply::<ScriptDescription>(text)
            .expect("readable")
            .into_result()
            .expect("ok");
        assert_eq!(desc.module, "_m");
        assert_eq!(desc.settings.include_dirs, ["inc"]);
        assert_eq!(desc.settings.define_macros, [("A".to_string(), None)]);
        assert_eq!(desc.py_limited_api, Some(true));
    }

    #[test]
    fn a_cdef_error_keeps_its_position() {
        let err = error_of(
            r#"{"result": "error", "kind": "cdef", "message": "parse error", "line": 2, "column": 5}"#,
            None,
        );
        assert!(
            matches!(&err, CodegenError::Cdef { module, at: Some((2, 5)), .. } if module == "pkg._m"),
            "{err:?}"
        );
        let err = error_of(
            r#"{"result": "error", "kind": "cdef", "message": "unknown type"}"#,
            None,
        );
        assert!(
            matches!(err, CodegenError::Cdef { at: None, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn a_missing_cffi_says_how_to_install_it() {
        let err = error_of(
            r#"{"result": "error", "kind": "no_cffi", "message": "No module named 'cffi'"}"#,
            None,
        );
        let text = err.to_string();
        assert!(
            text.contains("/usr/bin/python3 cannot import cffi"),
            "{text}"
        );
        assert!(text.contains("help: install cffi for it"), "{text}");
    }

    #[test]
    fn a_script_error_names_the_script_and_keeps_the_traceback() {
        let err = error_of(
            r#"{"result": "error", "kind": "script", "message": "NameError: x",
                "traceback": "Traceback (most recent call last):\n  line 3\n"}"#,
            Some(&script()),
        );
        let text = err.to_string();
        assert!(
            text.starts_with("build script build_ffi.py failed: NameError: x"),
            "{text}"
        );
        assert!(
            text.contains("Traceback (most recent call last):"),
            "{text}"
        );
    }

    #[test]
    fn an_abi_mode_script_is_its_own_error() {
        let err = error_of(
            r#"{"result": "error", "kind": "abi_mode", "message": "set_source('_m', None)"}"#,
            Some(&script()),
        );
        assert!(matches!(err, CodegenError::AbiMode { .. }), "{err:?}");
    }

    #[test]
    fn an_internal_error_asks_for_a_report() {
        let err = error_of(
            r#"{"result": "error", "kind": "internal", "message": "KeyError: 'output'"}"#,
            None,
        );
        let text = err.to_string();
        assert!(
            text.contains("code generation for `pkg._m` failed: KeyError"),
            "{text}"
        );
        assert!(text.contains("help: this is a bug"), "{text}");
    }

    #[test]
    fn garbage_or_nothing_is_an_unreadable_answer() {
        for stdout in ["", "generating ./x.c\n", r#"{"ok": true}"#] {
            let err = reply::<Emitted>(stdout).expect_err("unreadable");
            assert!(
                matches!(err, python_helper::HelperError::Unreadable { .. }),
                "{stdout:?}: {err:?}"
            );
        }
    }
}
