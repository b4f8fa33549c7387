//! Whether a managed codegen environment can be trusted, checked without running it.
//!
//! A finished environment holds a stamp (its requirements, written last) and a hash of the
//! files code generation imports: `cffi/`, `pycparser/` and `_cffi_backend`. A build checks
//! that its Python link resolves and that the hash still matches (a few milliseconds); only
//! an environment made before the hash existed is asked once, by importing cffi, and then
//! gets its hash.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest as _, Sha256};

use crate::env_vars;
use crate::process::run_captured;

/// Marks a complete environment: its requirements, one a line (read by older cffi-wheels too).
pub const STAMP: &str = "cffi-wheel-env.txt";
/// The hash of the files code generation imports.
const HASH: &str = "cffi-wheel-env.sha256";

/// What [`check`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    /// Complete and unchanged.
    Ready,
    /// Not there.
    Missing,
    /// There but not usable, and why.
    Damaged(String),
}

/// Checks the environment at `dir`, made for `requirements`.
pub fn check(dir: &Path, requirements: &[String]) -> Health {
    if !dir.exists() {
        return Health::Missing;
    }
    let stamp = fs_err::read_to_string(dir.join(STAMP)).ok();
    if stamp.as_deref() != Some(requirements.join("\n").as_str()) {
        return Health::Damaged(format!("its stamp {STAMP} is missing or different"));
    }
    let python = dir.join("bin").join("python");
    if !python.exists() {
        let target = fs_err::read_link(&python)
            .map(|t| format!(" (it points to {}, which is gone)", t.display()))
            .unwrap_or_default();
        return Health::Damaged(format!("{} does not exist{target}", python.display()));
    }
    let Some(site) = site_packages(dir) else {
        return Health::Damaged("it has no lib/python3.*/site-packages".into());
    };
    let Ok(now) = content_hash(&site) else {
        return Health::Damaged(format!("the files in {} cannot be read", site.display()));
    };
    match fs_err::read_to_string(dir.join(HASH)) {
        Ok(recorded) if recorded.trim() == now => Health::Ready,
        Ok(_) => Health::Damaged(format!(
            "the files of cffi, pycparser or _cffi_backend in {} changed since it was made",
            site.display()
        )),
        Err(_) => adopt(dir, &python, requirements, &now),
    }
}

/// Records the hash of a freshly made environment at `venv`, then its stamp.
pub fn seal(venv: &Path, requirements: &[String]) -> std::io::Result<()> {
    let site = site_packages(venv).ok_or_else(|| {
        std::io::Error::other(format!(
            "{} has no lib/python3.*/site-packages",
            venv.display()
        ))
    })?;
    fs_err::write(venv.join(HASH), content_hash(&site)?)?;
    fs_err::write(venv.join(STAMP), requirements.join("\n"))
}

/// An environment made before hashes: trusted once cffi imports at the stamped version.
fn adopt(dir: &Path, python: &Path, requirements: &[String], hash: &str) -> Health {
    let expected = requirements
        .iter()
        .find_map(|r| r.strip_prefix("cffi=="))
        .unwrap_or_default();
    let mut command = Command::new(python);
    command.args([
        "-I",
        "-B",
        "-c",
        "import cffi, _cffi_backend, pycparser; print(cffi.__version__)",
    ]);
    let answer = run_captured(&mut command, None, env_vars::probe_timeout());
    match answer {
        Ok(out)
            if out.status.success() && String::from_utf8_lossy(&out.stdout).trim() == expected =>
        {
            if let Err(e) = write_atomically(&dir.join(HASH), hash) {
                tracing::debug!("cannot record the hash of {}: {e}", dir.display());
            }
            Health::Ready
        }
        Ok(out) => Health::Damaged(format!(
            "importing cffi {expected} fails: {}",
            crate::process::tail_lines(&String::from_utf8_lossy(&out.stderr))
                .lines()
                .last()
                .unwrap_or("wrong version")
        )),
        Err(e) => Health::Damaged(format!("importing cffi fails: {e}")),
    }
}

fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new().prefix(".hash-").tempfile_in(dir)?;
    temp.write_all(text.as_bytes())?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// `lib/python3.X/site-packages` of a venv.
fn site_packages(venv: &Path) -> Option<PathBuf> {
    fs_err::read_dir(venv.join("lib"))
        .ok()?
        .flatten()
        .map(|entry| entry.path().join("site-packages"))
        .find(|path| path.is_dir())
}

/// sha256 over the relative paths and contents of cffi, pycparser and `_cffi_backend`
/// (bytecode caches left out: any Python run may write them).
fn content_hash(site: &Path) -> std::io::Result<String> {
    let mut files = Vec::new();
    for entry in fs_err::read_dir(site)?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == "cffi" || name == "pycparser" || name.starts_with("_cffi_backend") {
            for file in walkdir::WalkDir::new(entry.path())
                .into_iter()
                .filter_entry(|e| e.file_name() != "__pycache__")
            {
                let file = file.map_err(std::io::Error::other)?;
                if !file.file_type().is_dir() {
                    files.push(file.into_path());
                }
            }
        }
    }
    files.sort();
    let mut hasher = Sha256::new();
    for file in &files {
        let relative = file.strip_prefix(site).unwrap_or(file);
        let bytes = fs_err::read(file)?;
        for field in [relative.as_os_str().as_encoded_bytes(), &bytes[..]] {
            hasher.update((field.len() as u64).to_le_bytes());
            hasher.update(field);
        }
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_env(dir: &Path) -> Vec<String> {
        let site = dir.join("lib/python3.12/site-packages");
        fs_err::create_dir_all(site.join("cffi/__pycache__")).unwrap();
        fs_err::create_dir_all(site.join("pycparser")).unwrap();
        fs_err::create_dir_all(dir.join("bin")).unwrap();
        fs_err::write(site.join("cffi/api.py"), "x = 1\n").unwrap();
        fs_err::write(site.join("pycparser/c_parser.py"), "y = 2\n").unwrap();
        fs_err::write(site.join("_cffi_backend.so"), "ELF").unwrap();
        fs_err::write(dir.join("bin/python"), "").unwrap();
        let requirements = vec!["cffi==2.1.1".to_string(), "setuptools".to_string()];
        seal(dir, &requirements).unwrap();
        requirements
    }

    #[test]
    fn a_sealed_environment_is_ready_until_its_cffi_files_change() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("env");
        assert_eq!(check(&dir, &[]), Health::Missing);
        let requirements = fake_env(&dir);
        assert_eq!(check(&dir, &requirements), Health::Ready);
        let site = dir.join("lib/python3.12/site-packages");
        // Bytecode caches do not count.
        fs_err::write(site.join("cffi/__pycache__/api.cpython-312.pyc"), "b").unwrap();
        assert_eq!(check(&dir, &requirements), Health::Ready);
        fs_err::write(site.join("cffi/api.py"), "x = (\n").unwrap();
        assert!(matches!(check(&dir, &requirements), Health::Damaged(_)));
        fs_err::write(site.join("cffi/api.py"), "x = 1\n").unwrap();
        assert_eq!(check(&dir, &requirements), Health::Ready);
        fs_err::remove_file(site.join("pycparser/c_parser.py")).unwrap();
        assert!(matches!(check(&dir, &requirements), Health::Damaged(_)));
    }

    #[test]
    fn a_missing_stamp_or_python_is_damage() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("env");
        let requirements = fake_env(&dir);
        fs_err::remove_file(dir.join("bin/python")).unwrap();
        let Health::Damaged(why) = check(&dir, &requirements) else {
            panic!("not damaged")
        };
        assert!(why.contains("bin/python does not exist"), "{why}");
        fs_err::remove_file(dir.join(STAMP)).unwrap();
        let Health::Damaged(why) = check(&dir, &requirements) else {
            panic!("not damaged")
        };
        assert!(why.contains("stamp"), "{why}");
    }
}
