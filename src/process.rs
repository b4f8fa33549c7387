//! Running other programs: a time limit, output kept in a log file, the command shown
//! without environment values.
//!
//! A child runs in its own process group (on Unix), so a time-out stops everything it
//! started (a `setup.py` that runs `cmake` that runs `make`), not only the child itself.

use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How long to wait between checks on a running child.
const POLL: Duration = Duration::from_millis(20);

/// How many lines of a failed command's output an error shows.
pub const TAIL_LINES: usize = 25;

/// Why a command did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// It could not be started.
    #[error("could not run `{command}`")]
    Spawn {
        /// The command as shown.
        command: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// It ran longer than allowed and was stopped.
    #[error(
        "`{command}` did not finish within {} s and was stopped; its output so far is in {}",
        limit.as_secs(),
        log.display()
    )]
    TimedOut {
        /// The command as shown.
        command: String,
        /// The limit.
        limit: Duration,
        /// The log file.
        log: PathBuf,
    },
    /// It ran longer than allowed and was stopped (output captured, not logged).
    #[error(
        "`{command}` did not finish within {} s and was stopped\nhelp: if it needs longer, \
         set {}=<seconds>",
        limit.as_secs(),
        crate::env_vars::TIMEOUT
    )]
    Stopped {
        /// The command as shown.
        command: String,
        /// The limit.
        limit: Duration,
    },
    /// It exited unsuccessfully.
    #[error("`{command}` exited with {status}{}", tail_suffix(tail))]
    Failed {
        /// The command as shown.
        command: String,
        /// Its exit status.
        status: ExitStatus,
        /// The last lines of its stderr (or stdout when stderr is empty).
        tail: String,
    },
    /// Waiting for it, or its log, failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

fn tail_suffix(tail: &str) -> String {
    if tail.is_empty() {
        String::new()
    } else {
        format!(":\n{tail}")
    }
}

/// What a finished command left.
#[derive(Debug)]
pub struct Finished {
    /// Its exit status.
    pub status: ExitStatus,
    /// Where its stdout and stderr went.
    pub log: PathBuf,
}

impl Finished {
    /// The last [`TAIL_LINES`] lines of its output.
    pub fn tail(&self) -> String {
        tail_of(&self.log)
    }
}

/// The last [`TAIL_LINES`] lines of the text in `log` (empty when it cannot be read).
pub fn tail_of(log: &Path) -> String {
    let text = fs_err::read(log)
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default();
    tail_lines(&text)
}

/// The last [`TAIL_LINES`] lines of `text`.
pub fn tail_lines(text: &str) -> String {
    let lines: Vec<&str> = text.trim_end().lines().collect();
    lines[lines.len().saturating_sub(TAIL_LINES)..].join("\n")
}

/// What a finished command printed, captured apart.
#[derive(Debug)]
pub struct Captured {
    /// The command as shown.
    pub command: String,
    /// Its exit status.
    pub status: ExitStatus,
    /// Its stdout.
    pub stdout: Vec<u8>,
    /// Its stderr.
    pub stderr: Vec<u8>,
}

impl Captured {
    /// Its stdout and stderr, as text, one after the other.
    pub fn output_text(&self) -> String {
        let mut text = String::from_utf8_lossy(&self.stdout).into_owned();
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&String::from_utf8_lossy(&self.stderr));
        text
    }

    /// `Ok(self)` when it exited 0, else [`ProcessError::Failed`] with the last lines of its
    /// stderr (its stdout when stderr is empty).
    pub fn success(self) -> Result<Captured, ProcessError> {
        if self.status.success() {
            return Ok(self);
        }
        let stderr = String::from_utf8_lossy(&self.stderr);
        let text = if stderr.trim().is_empty() {
            String::from_utf8_lossy(&self.stdout).into_owned()
        } else {
            stderr.into_owned()
        };
        Err(ProcessError::Failed {
            command: self.command,
            status: self.status,
            tail: tail_lines(&text),
        })
    }
}

/// Runs `command` with `stdin` as its input (closed when `None`), capturing stdout and
/// stderr apart, stopping it (and every process it started) after `limit`.
///
/// Output goes to anonymous temporary files rather than pipes: a grandchild that outlives
/// a stopped child cannot keep us waiting for the end of a pipe.
pub fn run_captured(
    command: &mut Command,
    stdin: Option<&[u8]>,
    limit: Duration,
) -> Result<Captured, ProcessError> {
    let shown = display(command);
    tracing::debug!(command = %shown, "running");
    let input = match stdin {
        Some(bytes) => {
            let mut file = tempfile::tempfile()?;
            file.write_all(bytes)?;
            file.seek(SeekFrom::Start(0))?;
            Stdio::from(file)
        }
        None => Stdio::null(),
    };
    let mut out = tempfile::tempfile()?;
    let mut err = tempfile::tempfile()?;
    command
        .stdin(input)
        .stdout(Stdio::from(out.try_clone()?))
        .stderr(Stdio::from(err.try_clone()?));
    let status = wait_limited(command, &shown, limit, || ProcessError::Stopped {
        command: shown.clone(),
        limit,
    })?;
    let read = |file: &mut std::fs::File| -> std::io::Result<Vec<u8>> {
        let mut bytes = Vec::new();
        file.seek(SeekFrom::Start(0))?;
        file.read_to_end(&mut bytes)?;
        Ok(bytes)
    };
    Ok(Captured {
        stdout: read(&mut out)?,
        stderr: read(&mut err)?,
        command: shown,
        status,
    })
}

/// Spawns `command` in its own process group and waits for it, stopping the group and
/// returning `on_timeout()` after `limit`.
fn wait_limited(
    command: &mut Command,
    shown: &str,
    limit: Duration,
    on_timeout: impl FnOnce() -> ProcessError,
) -> Result<ExitStatus, ProcessError> {
    own_process_group(command);
    let mut child = command.spawn().map_err(|source| ProcessError::Spawn {
        command: shown.to_string(),
        source,
    })?;
    // A signal that stops cffi-wheel stops the child's whole group too.
    crate::cleanup::child_started(child.id());
    let started = Instant::now();
    let result = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) => {}
            Err(e) => {
                stop_group(&mut child);
                break Err(e.into());
            }
        }
        if started.elapsed() >= limit {
            stop_group(&mut child);
            break Err(on_timeout());
        }
        std::thread::sleep(POLL);
    };
    crate::cleanup::child_ended(child.id());
    result
}

/// The program and its arguments, for messages. Environment values are never shown:
/// in CI they hold tokens.
pub fn display(command: &Command) -> String {
    let mut words = vec![command.get_program().to_string_lossy().into_owned()];
    words.extend(command.get_args().map(|a| a.to_string_lossy().into_owned()));
    words
        .iter()
        .map(|w| {
            // An embedded helper script (`-c <probe.py>`): its size, not its text.
            if w.contains('\n') {
                return format!("'<{} lines of Python>'", w.lines().count());
            }
            let plain = |c: char| c.is_ascii_alphanumeric() || "_./=:,+@%-".contains(c);
            if w.is_empty() || !w.chars().all(plain) {
                format!("'{}'", w.replace('\'', "'\\''"))
            } else {
                w.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs `command` with stdin closed and stdout and stderr both written to `log`, stopping
/// it (and every process it started) after `limit`.
pub fn run_logged(
    command: &mut Command,
    log: &Path,
    limit: Duration,
) -> Result<Finished, ProcessError> {
    let shown = display(command);
    tracing::debug!(command = %shown, log = %log.display(), "running");
    if let Some(parent) = log.parent() {
        fs_err::create_dir_all(parent)?;
    }
    let out = fs_err::File::create(log)?.into_parts().0;
    let err = out.try_clone()?;
    command
        .stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err));
    let status = wait_limited(command, &shown, limit, || ProcessError::TimedOut {
        command: shown.clone(),
        limit,
        log: log.to_path_buf(),
    })?;
    Ok(Finished {
        status,
        log: log.to_path_buf(),
    })
}

#[cfg(unix)]
fn own_process_group(command: &mut Command) {
    use std::os::unix::process::CommandExt as _;
    command.process_group(0);
}

#[cfg(not(unix))]
fn own_process_group(_command: &mut Command) {}

/// Kills the child's whole process group (Unix), or the child alone, and reaps it.
fn stop_group(child: &mut std::process::Child) {
    #[cfg(unix)]
    if let Ok(pid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: kill(2) with a negative pid signals the process group the child leads
        // (process_group(0) made it the leader); it touches no memory of ours.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_shows_arguments_but_no_environment_values() {
        let mut command = Command::new("python3");
        command
            .args(["-c", "print(1)"])
            .env("TOKEN", "s3cret-value");
        let shown = display(&command);
        assert_eq!(shown, "python3 -c 'print(1)'");
        assert!(!shown.contains("s3cret"));
    }

    #[cfg(unix)]
    #[test]
    fn a_command_that_runs_too_long_is_stopped_with_its_children() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("child-still-running");
        let log = dir.path().join("log.txt");
        // The shell starts a grandchild that would write the marker after 2 s.
        let script = format!(
            "echo started; (sleep 2; touch {}) & sleep 30",
            marker.display()
        );
        let mut command = Command::new("sh");
        command.args(["-c", &script]);
        let err = run_logged(&mut command, &log, Duration::from_secs(1)).unwrap_err();
        assert!(matches!(err, ProcessError::TimedOut { .. }), "{err}");
        assert!(
            err.to_string().contains("did not finish within 1 s"),
            "{err}"
        );
        std::thread::sleep(Duration::from_millis(2500));
        assert!(!marker.exists(), "the grandchild outlived the time-out");
        assert_eq!(tail_of(&log), "started");
    }

    #[test]
    fn output_of_a_finished_command_is_in_its_log() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("log.txt");
        let mut command = Command::new("sh");
        command.args(["-c", "echo out; echo err >&2; exit 3"]);
        let finished = run_logged(&mut command, &log, Duration::from_secs(30)).unwrap();
        assert_eq!(finished.status.code(), Some(3));
        let tail = finished.tail();
        assert!(tail.contains("out") && tail.contains("err"), "{tail}");
    }

    #[test]
    fn captured_output_keeps_stdout_and_stderr_apart_and_reads_stdin() {
        let mut command = Command::new("sh");
        command.args(["-c", "cat; echo err >&2; exit 4"]);
        let captured = run_captured(&mut command, Some(b"input"), Duration::from_secs(30)).unwrap();
        assert_eq!(captured.stdout, b"input");
        assert_eq!(captured.stderr, b"err\n");
        let err = captured.success().unwrap_err();
        assert!(matches!(err, ProcessError::Failed { .. }), "{err}");
        assert!(err.to_string().ends_with(":\nerr"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_captured_command_that_hangs_is_stopped() {
        let mut command = Command::new("sh");
        command.args(["-c", "sleep 30 & sleep 30"]);
        let started = Instant::now();
        let err = run_captured(&mut command, None, Duration::from_millis(300)).unwrap_err();
        assert!(matches!(err, ProcessError::Stopped { .. }), "{err}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn an_embedded_script_is_shown_by_its_size() {
        let mut command = Command::new("python3");
        command.args(["-I", "-c", "import sys\nprint(sys.version)\n"]);
        assert_eq!(display(&command), "python3 -I -c '<2 lines of Python>'");
    }
}
