//! Reading a finished wheel back for re-packing: `repair` re-tags a wheel built elsewhere,
//! and a setuptools build adds our extensions to the wheel setuptools wrote.

use std::io::{Cursor, Read, Seek};
use std::path::Path;

use super::{WheelEntry, WheelError};

/// A wheel's files, split into the payload and its `.dist-info` directory.
#[derive(Debug)]
pub struct UnpackedWheel {
    /// The `.dist-info` directory's name, e.g. `PyNaCl-1.6.2.dist-info` (as the wheel
    /// spells it).
    pub dist_info: String,
    /// Every file outside `.dist-info`, in archive order.
    pub payload: Vec<WheelEntry>,
    /// The text of `.dist-info/METADATA`.
    pub metadata: String,
    /// The other `.dist-info` files (not METADATA, WHEEL or RECORD, which a writer makes
    /// anew), with paths relative to the directory.
    pub dist_info_files: Vec<WheelEntry>,
    /// `Root-Is-Purelib: true` in its WHEEL file.
    pub root_is_purelib: bool,
}

/// Reads the wheel at `path`: its one top-level `*.dist-info` directory holding METADATA,
/// and everything else.
pub fn unpack_wheel(path: &Path) -> Result<UnpackedWheel, WheelError> {
    unpack(path, fs_err::File::open(path)?)
}

/// Reads wheel `bytes` as [`unpack_wheel`] does (`path` only names the wheel in errors): for
/// a wheel held in memory, and for fuzzing.
pub fn unpack_wheel_bytes(path: &Path, bytes: &[u8]) -> Result<UnpackedWheel, WheelError> {
    unpack(path, Cursor::new(bytes))
}

/// Splits the archive `reader` of the wheel at `path` into payload and `.dist-info`.
fn unpack(path: &Path, reader: impl Read + Seek) -> Result<UnpackedWheel, WheelError> {
    let members = read_entries(path, reader)?;
    let found: Vec<String> = members
        .iter()
        .filter_map(|m| m.path.strip_suffix(".dist-info/METADATA"))
        .filter(|stem| !stem.contains('/'))
        .map(|stem| format!("{stem}.dist-info"))
        .collect();
    let [dist_info] = found.as_slice() else {
        return Err(WheelError::DistInfoMismatch {
            wheel: path.to_path_buf(),
            expected: "<name>-<version>.dist-info/METADATA".into(),
            found,
        });
    };
    let prefix = format!("{dist_info}/");
    let mut unpacked = UnpackedWheel {
        dist_info: dist_info.clone(),
        payload: Vec::new(),
        metadata: String::new(),
        dist_info_files: Vec::new(),
        root_is_purelib: false,
    };
    for member in members {
        let Some(rel) = member.path.strip_prefix(&prefix) else {
            unpacked.payload.push(member);
            continue;
        };
        let text = || String::from_utf8_lossy(&member.contents).into_owned();
        match rel {
            "METADATA" => unpacked.metadata = text(),
            "WHEEL" => {
                unpacked.root_is_purelib =
                    text().lines().any(|l| l.trim() == "Root-Is-Purelib: true");
            }
            "RECORD" => {}
            _ => unpacked.dist_info_files.push(WheelEntry {
                path: rel.to_string(),
                contents: member.contents,
                executable: member.executable,
            }),
        }
    }
    Ok(unpacked)
}

/// Every file of the wheel at `path` read from `reader` (directories left out), in archive
/// order.
fn read_entries(path: &Path, reader: impl Read + Seek) -> Result<Vec<WheelEntry>, WheelError> {
    let zip_error = |source| WheelError::Zip {
        wheel: path.to_path_buf(),
        source,
    };
    let mut archive = zip::ZipArchive::new(reader).map_err(zip_error)?;
    let mut members = Vec::new();
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(zip_error)?;
        if entry.is_dir() {
            continue;
        }
        let mut contents = Vec::new();
        entry
            .read_to_end(&mut contents)
            .map_err(|source| zip_error(zip::result::ZipError::Io(source)))?;
        members.push(WheelEntry {
            path: entry.name().to_string(),
            executable: entry.unix_mode().is_some_and(|m| m & 0o111 != 0),
            contents,
        });
    }
    Ok(members)
}
