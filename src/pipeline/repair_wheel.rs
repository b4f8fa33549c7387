//! `cffi-wheel repair WHEEL`: the repair step for wheels built elsewhere.
//!
//! The wheel is unpacked, its ELF files are repaired exactly as `build` repairs its own
//! (policy tag, bundling), and it is re-packed deterministically with the new platform tags;
//! METADATA and the other `.dist-info` files are kept as they were.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::PipelineError;
use crate::repair::{self, ExtensionFile, LibrarySearch, RepairError, RepairOptions, RepairReport};
use crate::tags::{WheelFilename, escape_name};
use crate::wheel::{self, WheelEntry, WheelError, WheelInfo, WrittenWheel};

/// Settings of `cffi-wheel repair`.
#[derive(Debug, Clone)]
pub struct RepairWheelOptions {
    /// Where repaired wheels go.
    pub out_dir: PathBuf,
    /// Bundle libraries outside the policy (false: `--no-bundle`).
    pub bundle: bool,
    /// Timestamp for archive entries.
    pub source_date_epoch: Option<u64>,
}

/// One repaired wheel.
#[derive(Debug, Clone, Serialize)]
pub struct RepairedWheel {
    /// The wheel given.
    pub input: PathBuf,
    /// The wheel written.
    pub wheel: WrittenWheel,
    /// What repair decided.
    pub repair: RepairReport,
}

/// A member read from a wheel.
pub(super) struct Member {
    /// Its archive path.
    pub name: String,
    /// Its bytes.
    pub contents: Vec<u8>,
    /// Whether its mode has an executable bit.
    pub executable: bool,
}

/// Every file of the wheel at `path`.
pub(super) fn read_members(path: &Path) -> Result<Vec<Member>, PipelineError> {
    let zip_error = |source| {
        PipelineError::Wheel(WheelError::Zip {
            wheel: path.to_path_buf(),
            source,
        })
    };
    let file = fs_err::File::open(path).map_err(|source| PipelineError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut archive = zip::ZipArchive::new(file).map_err(zip_error)?;
    let mut members = Vec::new();
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(zip_error)?;
        if entry.is_dir() {
            continue;
        }
        let mut contents = Vec::new();
        entry
            .read_to_end(&mut contents)
            .map_err(|source| PipelineError::Read {
                path: path.to_path_buf(),
                source,
            })?;
        members.push(Member {
            name: entry.name().to_string(),
            executable: entry.unix_mode().is_some_and(|m| m & 0o111 != 0),
            contents,
        });
    }
    Ok(members)
}

/// Repairs one wheel into `options.out_dir`.
pub fn repair_wheel(
    path: &Path,
    options: &RepairWheelOptions,
) -> Result<RepairedWheel, PipelineError> {
    let file_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let mut filename: WheelFilename = file_name.parse().map_err(WheelError::from)?;
    wheel::verify_wheel(path)?;
    let members = read_members(path)?;
    let dist_info = filename.dist_info_dir();
    let scratch = tempfile::Builder::new()
        .prefix("cffi-wheel-repair-")
        .tempdir()?;
    let unpacked = scratch.path().join("unpacked");
    let libs_dir = format!("{}.libs", escape_name(&filename.name));
    let mut extensions = Vec::new();
    let dist_info_prefix = format!("{dist_info}/");
    for member in members
        .iter()
        .filter(|m| !m.name.starts_with(&dist_info_prefix))
    {
        if !repair::is_elf_bytes(&member.contents) {
            continue;
        }
        // Every ELF file is unpacked, so libraries the wheel already ships are found
        // inside it; those under <dist>.libs/ are libraries, not extensions to repair.
        let on_disk = unpacked.join(&member.name);
        if let Some(parent) = on_disk.parent() {
            fs_err::create_dir_all(parent)?;
        }
        fs_err::write(&on_disk, &member.contents)?;
        if !member.name.starts_with(&format!("{libs_dir}/")) {
            extensions.push(ExtensionFile {
                archive_path: member.name.clone(),
                path: on_disk,
            });
        }
    }
    if extensions.is_empty() {
        return Err(RepairError::NoExtensions {
            wheel: path.to_path_buf(),
        }
        .into());
    }
    let repaired = repair::repair(
        &extensions,
        &RepairOptions {
            bundle: options.bundle,
            search: LibrarySearch::system(Vec::new()),
            libs_dir,
            work_dir: scratch.path().join("repaired"),
            internal_root: Some(unpacked.clone()),
        },
    )?;
    filename.platform = repaired.report.platform_tags.clone();
    let mut entries = Vec::new();
    let mut extras = Vec::new();
    let mut metadata = None;
    let mut purelib = false;
    for member in members {
        if let Some(rel) = member.name.strip_prefix(&format!("{dist_info}/")) {
            match rel {
                "METADATA" => {
                    metadata = Some(String::from_utf8_lossy(&member.contents).into_owned())
                }
                "WHEEL" => {
                    purelib =
                        String::from_utf8_lossy(&member.contents).contains("Root-Is-Purelib: true")
                }
                "RECORD" => {}
                _ => extras.push(WheelEntry {
                    path: rel.to_string(),
                    contents: member.contents,
                    executable: member.executable,
                }),
            }
        } else if !repaired
            .files
            .iter()
            .any(|(archive, _)| *archive == member.name)
        {
            entries.push(WheelEntry {
                path: member.name,
                contents: member.contents,
                executable: member.executable,
            });
        }
    }
    for (archive, file) in &repaired.files {
        entries.push(WheelEntry {
            path: archive.clone(),
            contents: fs_err::read(file)?,
            executable: true,
        });
    }
    let info = WheelInfo {
        generator: format!("cffi-wheel {} (repair)", env!("CARGO_PKG_VERSION")),
        root_is_purelib: purelib,
        tags: filename.tags(),
        build: filename.build.clone(),
    };
    let metadata = metadata.ok_or_else(|| {
        PipelineError::Metadata(format!("{} has no {dist_info}/METADATA", path.display()))
    })?;
    let written = wheel::write_wheel_with_metadata_text(
        &options.out_dir,
        &filename,
        metadata,
        &info,
        entries,
        extras,
        options.source_date_epoch,
    )?;
    wheel::verify_wheel(&written.path)?;
    Ok(RepairedWheel {
        input: path.to_path_buf(),
        wheel: written,
        repair: repaired.report,
    })
}
