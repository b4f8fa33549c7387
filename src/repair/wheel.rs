//! `cffi-wheel repair WHEEL`: the repair step for wheels built elsewhere.
//!
//! The wheel is unpacked, its ELF files are repaired exactly as `build` repairs its own
//! (policy tag, bundling), and it is re-packed deterministically with the new platform tags;
//! METADATA and the other `.dist-info` files are kept as they were.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::repair::{self, ExtensionFile, LibrarySearch, RepairError, RepairOptions, RepairReport};
use crate::tags::WheelFilename;
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

/// Repairs one wheel into `options.out_dir`.
pub fn repair_wheel(
    path: &Path,
    options: &RepairWheelOptions,
) -> Result<RepairedWheel, RepairError> {
    let file_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let mut filename: WheelFilename = file_name.parse().map_err(WheelError::from)?;
    wheel::verify_wheel(path)?;
    let unpacked = wheel::unpack_wheel(path)?;
    let scratch = tempfile::Builder::new()
        .prefix("cffi-wheel-repair-")
        .tempdir()?;
    let on_disk_root = scratch.path().join("unpacked");
    let libs_dir = filename.libs_dir();
    let mut extensions = Vec::new();
    for member in &unpacked.payload {
        if !repair::is_elf_bytes(&member.contents) {
            continue;
        }
        // Every ELF file is unpacked, so libraries the wheel already ships are found
        // inside it; those under <dist>.libs/ are libraries, not extensions to repair.
        let on_disk = on_disk_root.join(&member.path);
        if let Some(parent) = on_disk.parent() {
            fs_err::create_dir_all(parent)?;
        }
        fs_err::write(&on_disk, &member.contents)?;
        if !member.path.starts_with(&format!("{libs_dir}/")) {
            extensions.push(ExtensionFile {
                archive_path: member.path.clone(),
                path: on_disk,
            });
        }
    }
    if extensions.is_empty() {
        return Err(RepairError::NoExtensions {
            wheel: path.to_path_buf(),
        });
    }
    let repaired = repair::repair(
        &extensions,
        &RepairOptions {
            bundle: options.bundle,
            search: LibrarySearch::system(Vec::new()),
            libs_dir,
            work_dir: scratch.path().join("repaired"),
            internal_root: Some(on_disk_root.clone()),
        },
    )?;
    filename.platform = repaired.report.platform_tags.clone();
    let replaced = |name: &str| repaired.files.iter().any(|(archive, _)| archive == name);
    let mut entries: Vec<WheelEntry> = unpacked
        .payload
        .into_iter()
        .filter(|m| !replaced(&m.path))
        .collect();
    for (archive, file) in &repaired.files {
        entries.push(WheelEntry {
            path: archive.clone(),
            contents: fs_err::read(file)?,
            executable: true,
        });
    }
    let info = WheelInfo {
        generator: format!("cffi-wheel {} (repair)", env!("CARGO_PKG_VERSION")),
        root_is_purelib: unpacked.root_is_purelib,
        tags: filename.tags(),
        build: filename.build.clone(),
    };
    let written = wheel::write_wheel_with_metadata_text(
        &options.out_dir,
        &filename,
        unpacked.metadata,
        &info,
        entries,
        unpacked.dist_info_files,
        options.source_date_epoch,
    )?;
    wheel::verify_wheel(&written.path)?;
    Ok(RepairedWheel {
        input: path.to_path_buf(),
        wheel: written,
        repair: repaired.report,
    })
}
