//! `prebuild:` steps: a vendored library built by its own build system (make, CMake,
//! autoconf) before the extension, once per target platform, cached by its inputs.
//!
//! Each step runs `sh -c RUN` in its `cwd` with `OUT_DIR` (a directory of its own under the
//! build dir), `CC`, `CFLAGS` (`-fPIC -O2`) and `CFFI_WHEEL_TARGET` set. Its `outputs` (relative
//! to `OUT_DIR`) are linked in: archives and objects statically, shared libraries
//! dynamically (repair bundles them).

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use super::{CompileError, ExtensionSpec};
use crate::recipe::{Module, PrebuildStep};
use crate::toolchain::Toolchain;

/// The stamp file holding the cache key of the last successful run.
const STAMP: &str = ".cffi-wheel-prebuild-key";

/// Runs (or reuses) every prebuild step of `module` when `run`, and adds their outputs and
/// include dirs to `resolved` (without `run`, only that: what `plan` shows).
pub fn run_prebuild(
    module: &Module,
    resolved: &mut ExtensionSpec,
    toolchain: &Toolchain,
    root: &Path,
    build_dir: &Path,
    run: bool,
) -> Result<(), CompileError> {
    if module.prebuild.is_empty() {
        return Ok(());
    }
    for (index, step) in module.prebuild.iter().enumerate() {
        let number = index + 1;
        let out_dir = build_dir
            .join("prebuild")
            .join(&resolved.name)
            .join(number.to_string());
        let outputs: Vec<PathBuf> = step.outputs.iter().map(|o| out_dir.join(o)).collect();
        if run {
            let place = StepPlace {
                module: &resolved.name,
                number,
                root,
                build_dir,
                out_dir: &out_dir,
            };
            run_or_reuse(&place, step, toolchain, &outputs)?;
        }
        for output in outputs {
            resolved.extra_objects.push(output);
        }
        for dir in &step.include_dirs {
            let path = match dir.strip_prefix("$OUT_DIR") {
                Some(rest) => out_dir.join(rest.trim_start_matches('/')),
                None => root.join(dir),
            };
            resolved.include_dirs.push(path);
        }
    }
    Ok(())
}

/// Where one step runs.
struct StepPlace<'a> {
    module: &'a str,
    number: usize,
    root: &'a Path,
    build_dir: &'a Path,
    out_dir: &'a Path,
}

/// Runs a step unless its stamp says the same inputs already gave its outputs.
fn run_or_reuse(
    place: &StepPlace<'_>,
    step: &PrebuildStep,
    toolchain: &Toolchain,
    outputs: &[PathBuf],
) -> Result<(), CompileError> {
    let (module, number) = (place.module, place.number);
    let cc = toolchain
        .build()
        .try_get_compiler()
        .map_err(|e| CompileError::Compile {
            module: module.to_string(),
            detail: e.to_string(),
        })?
        .path()
        .to_path_buf();
    let key = cache_key(step, toolchain, &cc, place.root, place.build_dir)?;
    let stamp = place.out_dir.join(STAMP);
    let fresh = fs_err::read_to_string(&stamp).is_ok_and(|k| k == key)
        && outputs.iter().all(|o| o.exists());
    if fresh {
        tracing::info!("prebuild step {number} of {module}: up to date (cached)");
        return Ok(());
    }
    tracing::info!("prebuild step {number} of {module}: {}", step.run);
    fs_err::create_dir_all(place.out_dir)?;
    run_step(module, number, step, toolchain, &cc, place.out_dir)?;
    if let Some(missing) = outputs.iter().find(|o| !o.exists()) {
        return Err(CompileError::Prebuild {
            module: module.to_string(),
            step: number,
            detail: format!(
                "it succeeded but did not produce {} (outputs are relative to $OUT_DIR)",
                missing.display()
            ),
        });
    }
    fs_err::write(&stamp, &key)?;
    Ok(())
}

fn run_step(
    module: &str,
    number: usize,
    step: &PrebuildStep,
    toolchain: &Toolchain,
    cc: &Path,
    out_dir: &Path,
) -> Result<(), CompileError> {
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(&step.run)
        .current_dir(&step.cwd)
        .env("OUT_DIR", out_dir)
        .env("CC", cc)
        .env("CFLAGS", format!("-fPIC -O{}", toolchain.opt_level))
        .env("CFFI_WHEEL_TARGET", &toolchain.triple)
        .envs(step.env.iter().map(|(k, v)| (k, v)));
    let limit = crate::env_vars::step_timeout();
    let output = crate::process::run_captured(&mut command, None, limit).map_err(|e| {
        CompileError::Prebuild {
            module: module.to_string(),
            step: number,
            detail: e.to_string(),
        }
    })?;
    if output.status.success() {
        return Ok(());
    }
    Err(CompileError::Prebuild {
        module: module.to_string(),
        step: number,
        detail: format!(
            "`{}` exited with {}:\n{}",
            step.run,
            output.status,
            crate::process::tail_lines(&output.output_text())
        ),
    })
}

/// Hash of everything that can change the step's result: the command, its environment,
/// the target and compiler, and the contents of its inputs.
fn cache_key(
    step: &PrebuildStep,
    toolchain: &Toolchain,
    cc: &Path,
    root: &Path,
    build_dir: &Path,
) -> Result<String, CompileError> {
    let mut hasher = Sha256::new();
    let mut field = |bytes: &[u8]| {
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    };
    field(step.run.as_bytes());
    field(step.cwd.to_string_lossy().as_bytes());
    for (k, v) in &step.env {
        field(k.as_bytes());
        field(v.as_bytes());
    }
    field(toolchain.triple.as_bytes());
    field(&[toolchain.opt_level]);
    field(cc.to_string_lossy().as_bytes());
    for output in &step.outputs {
        field(output.as_bytes());
    }
    let mut files = Vec::new();
    for pattern in &step.inputs {
        let full = root.join(pattern);
        for path in glob::glob(&full.to_string_lossy())
            .into_iter()
            .flatten()
            .flatten()
        {
            if path.is_file() && !path.starts_with(build_dir) {
                files.push(path);
            }
        }
    }
    files.sort();
    files.dedup();
    for file in files {
        field(
            file.strip_prefix(root)
                .unwrap_or(&file)
                .to_string_lossy()
                .as_bytes(),
        );
        field(&fs_err::read(&file)?);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}
