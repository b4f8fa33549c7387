//! The cache directory's health: present and writable, its size, debris left by interrupted
//! runs, and whether each managed codegen environment is complete.

use std::path::Path;

use walkdir::WalkDir;

use super::{Check, Section, Status};
use crate::codegen::Health;

/// How deep debris is looked for: `.staging-*` dirs sit at most a few levels down
/// (`codegen/.staging-*`, `build-env/.staging-*`).
const DEBRIS_DEPTH: usize = 4;

/// The checks for the cache at `dir`.
pub fn checks(dir: &Path) -> Vec<Check> {
    let mut checks = vec![dir_check(dir)];
    if !dir.is_dir() {
        return checks;
    }
    checks.extend(debris(dir));
    checks.extend(codegen_envs(dir));
    checks
}

fn check(name: &str, status: Status, path: &Path, detail: String) -> Check {
    Check {
        section: Section::Cache,
        name: name.into(),
        status,
        // `build` writes its managed environments here.
        required: status == Status::Missing,
        version: None,
        path: Some(path.to_path_buf()),
        detail,
        install: None,
    }
}

fn dir_check(dir: &Path) -> Check {
    if !dir.exists() {
        return check(
            "cache dir",
            Status::Ok,
            dir,
            "does not exist yet; the first build creates it".into(),
        );
    }
    if !dir.is_dir() {
        return check(
            "cache dir",
            Status::Missing,
            dir,
            "is not a directory; remove it or set CFFI_WHEEL_CACHE_DIR".into(),
        );
    }
    let size = human_size(tree_size(dir));
    match tempfile::tempfile_in(dir) {
        Ok(_) => check("cache dir", Status::Ok, dir, format!("writable, {size}")),
        Err(e) => check(
            "cache dir",
            Status::Missing,
            dir,
            format!("not writable ({e}); fix its permissions or set CFFI_WHEEL_CACHE_DIR"),
        ),
    }
}

/// Total size of the files under `dir`, not following links.
fn tree_size(dir: &Path) -> u64 {
    WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum()
}

fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// `.staging-*` dirs and `*.part` files: what an interrupted run leaves behind.
fn debris(dir: &Path) -> Vec<Check> {
    let mut found = Vec::new();
    let mut walk = WalkDir::new(dir)
        .min_depth(1)
        .max_depth(DEBRIS_DEPTH)
        .sort_by_file_name()
        .into_iter();
    while let Some(Ok(entry)) = walk.next() {
        let name = entry.file_name().to_string_lossy();
        let staging = entry.file_type().is_dir() && name.starts_with(".staging-");
        let part = entry.file_type().is_file() && name.ends_with(".part");
        if staging {
            walk.skip_current_dir();
        }
        if staging || part {
            let what = if staging {
                "left by an interrupted run; safe to remove when no build runs: rm -rf"
            } else {
                "partial download or write left by an interrupted run; safe to remove when no \
                 build runs: rm"
            };
            found.push(check(
                "stale temporary",
                Status::Warn,
                entry.path(),
                format!("{what} '{}'", entry.path().display()),
            ));
        }
    }
    found
}

/// One check per managed codegen environment under `codegen/`.
fn codegen_envs(dir: &Path) -> Vec<Check> {
    let Ok(entries) = fs_err::read_dir(dir.join("codegen")) else {
        return Vec::new();
    };
    let mut envs: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| !n.to_string_lossy().starts_with('.'))
        })
        .collect();
    envs.sort();
    envs.iter()
        .map(|env| {
            let name = env
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let health = crate::codegen::managed_env_health(env);
            match health {
                Some(Health::Ready) => check(
                    &name,
                    Status::Ok,
                    env,
                    "codegen environment, complete".into(),
                ),
                _ if !env.join(crate::codegen::MANAGED_ENV_STAMP).is_file() => check(
                    &name,
                    Status::Warn,
                    env,
                    format!(
                        "codegen environment without its stamp ({}): incomplete; the next \
                         online build replaces it, or remove it: rm -rf '{}'",
                        crate::codegen::MANAGED_ENV_STAMP,
                        env.display()
                    ),
                ),
                Some(Health::Damaged(why)) => check(
                    &name,
                    Status::Warn,
                    env,
                    format!(
                        "codegen environment damaged ({why}); the next online build makes \
                         it again, or remove it: rm -rf '{}'",
                        env.display()
                    ),
                ),
                Some(Health::Missing) | None => check(
                    &name,
                    Status::Warn,
                    env,
                    "not a codegen environment cffi-wheel made (its name is not \
                     cffi-<version>-cp3X)"
                        .into(),
                ),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(human_size(12), "12 B");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(3 * 1024 * 1024 * 1024), "3.0 GiB");
    }
}
