//! Running an embedded Python helper: one JSON request on stdin, one tagged JSON reply on
//! stdout.
//!
//! Every helper (`interpreter/probe.py`, `codegen/codegen.py`, `migrate/setup_probe.py`)
//! answers `{"result": "ok", ...}` or `{"result": "error", "kind": "<kind>", "message": ...}`.
//! The caller names the shape of both with serde types (the error one tagged by `kind`), as
//! uv's `uv-python` reads its interpreter query; a reply that does not parse is its own error
//! and shows what the helper wrote to stderr.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::process::{Captured, ProcessError, run_captured, tail_lines};

/// An embedded helper script.
#[derive(Debug, Clone, Copy)]
pub struct Script {
    /// Its file name, for messages (`codegen.py`).
    pub name: &'static str,
    /// Its text, run with `-c`.
    pub text: &'static str,
}

/// How the interpreter runs a helper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isolation {
    /// `-I -B`: a managed environment or a target interpreter, where only its own site
    /// matters.
    Isolated,
    /// `-s -B`, without `-I`: an interpreter whose packages come through `PYTHONPATH` (pip's
    /// isolated build environments inject cffi that way), or a project's `setup.py` that
    /// imports its own tree.
    InheritPath,
}

impl Isolation {
    fn flags(self) -> [&'static str; 2] {
        match self {
            Isolation::Isolated => ["-I", "-B"],
            Isolation::InheritPath => ["-s", "-B"],
        }
    }
}

/// A helper's answer: its result, or the error it reported (`E`, tagged by `kind`).
#[derive(Debug, serde::Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
#[serde(bound(deserialize = "T: DeserializeOwned, E: DeserializeOwned"))]
pub enum Reply<T, E> {
    /// `{"result": "ok", ...}`.
    Ok(T),
    /// `{"result": "error", "kind": ..., ...}`.
    Error(E),
}

impl<T, E> Reply<T, E> {
    /// As a `Result`.
    pub fn into_result(self) -> Result<T, E> {
        match self {
            Reply::Ok(value) => Ok(value),
            Reply::Error(error) => Err(error),
        }
    }
}

/// Why a helper gave no answer.
#[derive(Debug, thiserror::Error)]
pub enum HelperError {
    /// The interpreter could not start, ran out of time or exited unsuccessfully.
    #[error("running {script} with {python} failed")]
    Run {
        /// The helper.
        script: &'static str,
        /// The interpreter.
        python: PathBuf,
        /// The cause.
        #[source]
        source: ProcessError,
    },
    /// It exited 0 but its answer is not the JSON it should print.
    #[error(
        "{script}, run with {python}, gave no readable answer ({source}){}\nhelp: check that \
         {python} starts cleanly (`{python} -c pass`): a `sitecustomize` or `.pth` file that \
         prints to stdout corrupts the answer",
        stderr_part(stdout, stderr)
    )]
    Unreadable {
        /// The helper.
        script: &'static str,
        /// The interpreter.
        python: PathBuf,
        /// The last lines of its stdout.
        stdout: String,
        /// The last lines of its stderr.
        stderr: String,
        /// The parse error.
        #[source]
        source: serde_json::Error,
    },
}

fn stderr_part(stdout: &str, stderr: &str) -> String {
    let mut text = String::new();
    if stdout.trim().is_empty() {
        text.push_str("; it printed nothing");
    } else {
        text.push_str(&format!("; it printed:\n{stdout}"));
    }
    if !stderr.trim().is_empty() {
        text.push_str(&format!("\nits stderr ends with:\n{stderr}"));
    }
    text
}

/// Runs `script` under `python` (in `cwd` when given) with `request` as JSON on stdin,
/// stopping it after `limit`, and reads its tagged reply.
pub fn call<Req, T, E>(
    python: &Path,
    script: Script,
    isolation: Isolation,
    cwd: Option<&Path>,
    request: &Req,
    limit: Duration,
) -> Result<Reply<T, E>, HelperError>
where
    Req: Serialize,
    T: DeserializeOwned,
    E: DeserializeOwned,
{
    let run_error = |source: ProcessError| HelperError::Run {
        script: script.name,
        python: python.to_path_buf(),
        source,
    };
    let input = serde_json::to_vec(request)
        .map_err(|e| run_error(ProcessError::Io(std::io::Error::other(e))))?;
    let mut command = Command::new(python);
    command.args(isolation.flags()).args(["-c", script.text]);
    if let Some(cwd) = cwd {
        command.current_dir(cwd);
    }
    let output = run_captured(&mut command, Some(&input), limit)
        .and_then(Captured::success)
        .map_err(run_error)?;
    parse_reply(python, script, &output.stdout, &output.stderr)
}

/// Reads a helper's stdout as its reply.
pub fn parse_reply<T, E>(
    python: &Path,
    script: Script,
    stdout: &[u8],
    stderr: &[u8],
) -> Result<Reply<T, E>, HelperError>
where
    T: DeserializeOwned,
    E: DeserializeOwned,
{
    serde_json::from_slice(stdout).map_err(|source| HelperError::Unreadable {
        script: script.name,
        python: python.to_path_buf(),
        stdout: tail_lines(&String::from_utf8_lossy(stdout)),
        stderr: tail_lines(&String::from_utf8_lossy(stderr)),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Answer {
        value: u32,
    }

    #[derive(Debug, serde::Deserialize, PartialEq)]
    #[serde(tag = "kind", rename_all = "snake_case")]
    enum Failure {
        Broken { message: String },
        Located { message: String, line: usize },
    }

    const SCRIPT: Script = Script {
        name: "test.py",
        text: "",
    };

    fn parse(stdout: &str, stderr: &str) -> Result<Reply<Answer, Failure>, HelperError> {
        parse_reply(
            Path::new("/usr/bin/python3"),
            SCRIPT,
            stdout.as_bytes(),
            stderr.as_bytes(),
        )
    }

    #[test]
    fn an_ok_reply_gives_its_payload() {
        let reply = parse(r#"{"result": "ok", "value": 7}"#, "").expect("parses");
        assert_eq!(reply.into_result(), Ok(Answer { value: 7 }));
    }

    #[test]
    fn an_error_reply_gives_its_kind_and_fields() {
        let reply = parse(
            r#"{"result": "error", "kind": "located", "message": "bad", "line": 3}"#,
            "",
        )
        .expect("parses");
        assert_eq!(
            reply.into_result(),
            Err(Failure::Located {
                message: "bad".into(),
                line: 3
            })
        );
        let reply = parse(
            r#"{"result": "error", "kind": "broken", "message": "x"}"#,
            "",
        )
        .expect("parses");
        assert_eq!(
            reply.into_result(),
            Err(Failure::Broken {
                message: "x".into()
            })
        );
    }

    #[test]
    fn an_unknown_error_kind_is_unreadable() {
        let err = parse(
            r#"{"result": "error", "kind": "novel", "message": "x"}"#,
            "",
        )
        .expect_err("unknown kind");
        assert!(err.to_string().contains("unknown variant `novel`"), "{err}");
    }

    #[test]
    fn the_old_ok_flag_is_unreadable() {
        let err = parse(r#"{"ok": true, "value": 7}"#, "").expect_err("untagged");
        assert!(err.to_string().contains("missing field `result`"), "{err}");
    }

    #[test]
    fn garbage_is_unreadable_and_shows_both_streams() {
        let err = parse(
            "hello from sitecustomize\n",
            "Traceback\nValueError: boom\n",
        )
        .expect_err("garbage");
        let text = err.to_string();
        assert!(text.contains("test.py, run with /usr/bin/python3, gave no readable answer"));
        assert!(
            text.contains("it printed:\nhello from sitecustomize"),
            "{text}"
        );
        assert!(text.contains("its stderr ends with:\n"), "{text}");
        assert!(text.contains("ValueError: boom"), "{text}");
        assert!(text.contains("help: "), "{text}");
    }

    #[test]
    fn empty_output_is_unreadable_and_says_so() {
        let err = parse("", "Killed\n").expect_err("empty");
        let text = err.to_string();
        assert!(text.contains("it printed nothing"), "{text}");
        assert!(text.contains("Killed"), "{text}");
    }

    #[test]
    fn a_real_interpreter_answers_through_the_runner() {
        let Some(python) = ["python3", "python"]
            .iter()
            .find_map(|name| which::which(name).ok())
        else {
            assert!(std::env::var_os("CI").is_none(), "CI needs python3 on PATH");
            eprintln!("skipped: no python3 on PATH (install python3)");
            return;
        };
        let script = Script {
            name: "echo.py",
            text: "import json, sys\nr = json.load(sys.stdin)\n\
                   print(json.dumps({'result': 'ok', 'value': r['n'] + 1}))",
        };
        let reply: Reply<Answer, Failure> = call(
            &python,
            script,
            Isolation::Isolated,
            None,
            &serde_json::json!({"n": 41}),
            Duration::from_secs(60),
        )
        .expect("runs");
        assert_eq!(reply.into_result(), Ok(Answer { value: 42 }));
    }
}
