//! Building wheels: METADATA (core metadata 2.4), WHEEL, RECORD, a deterministic zip written
//! atomically, and checking a finished wheel's RECORD against its archive.

mod contents;
mod entry_points;
mod metadata;
mod reader;
mod record;
mod verify;
mod writer;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::tags::{TagError, WheelTag};

pub use contents::{
    ContentsError, check_out_dir, core_metadata, dist_info_extras, install_in_place, package_base,
    package_files, read as read_project_file, write_metadata_dir,
};
pub use entry_points::{ENTRY_POINTS_FILE, EntryPoints, render_entry_points};
pub use metadata::{CoreMetadata, Extra, Person, WheelInfo, requirement_in_extra};
pub use reader::{UnpackedWheel, unpack_wheel, unpack_wheel_bytes};
pub use record::{RecordRow, parse_record, record_hash, record_line, render_record};
pub use verify::{verify_wheel, verify_wheel_bytes};
pub use writer::{DEFAULT_SOURCE_DATE_EPOCH, hex, write_wheel, write_wheel_with_metadata_text};

/// Errors from rendering, writing and verifying wheels; each names the field, path or member.
#[derive(Debug, thiserror::Error)]
pub enum WheelError {
    /// File I/O failed; the `fs_err` message names the path.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// A wheel file name or tag is invalid.
    #[error(transparent)]
    Tag(#[from] TagError),
    /// The finished wheel could not be written under its final name.
    #[error(transparent)]
    Write(#[from] crate::cleanup::WriteError),
    /// Building or reading the zip archive failed.
    #[error("zip archive error in `{}`", .wheel.display())]
    Zip {
        /// The wheel's path.
        wheel: PathBuf,
        /// The cause.
        #[source]
        source: zip::result::ZipError,
    },
    /// A metadata field that must be one line contains a line break.
    #[error("metadata field `{field}` must be a single line, got {value:?}")]
    MultilineField {
        /// The core metadata field name.
        field: &'static str,
        /// The offending value.
        value: String,
    },
    /// A metadata field value is not allowed.
    #[error("invalid metadata field `{field}` value {value:?}: {reason}")]
    InvalidField {
        /// The core metadata field name.
        field: &'static str,
        /// The offending value.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An archive path that could escape the install directory or is not portable.
    #[error("unsafe archive path {path:?}: {reason}")]
    UnsafePath {
        /// The path as given.
        path: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Two entries would be written to the same archive path.
    #[error("archive path `{path}` is given more than once")]
    DuplicatePath {
        /// The repeated path.
        path: String,
    },
    /// A payload entry inside the `.dist-info` directory, which the writer generates itself.
    #[error("archive path `{path}` is inside `{dist_info}`; pass it as a dist-info extra file")]
    ReservedPath {
        /// The payload path.
        path: String,
        /// The `.dist-info` directory.
        dist_info: String,
    },
    /// A `License-File` with no matching file under `.dist-info/licenses/` (PEP 639).
    #[error("License-File `{path}` is not among the dist-info extra files as `licenses/{path}`")]
    MissingLicenseFile {
        /// The `License-File` value.
        path: String,
    },
    /// The wheel file name and the metadata disagree on name or version.
    #[error("wheel file name `{filename}` does not match metadata `{name}` version `{version}`")]
    NameMismatch {
        /// The wheel file name.
        filename: String,
        /// The metadata name.
        name: String,
        /// The metadata version.
        version: String,
    },
    /// The WHEEL file's tags differ from the tags in the wheel's file name.
    #[error("tags of `{wheel}` disagree: file name has [{file_name}], WHEEL has [{wheel_file}]")]
    TagMismatch {
        /// The wheel file name.
        wheel: String,
        /// Tags expanded from the file name, comma-separated.
        file_name: String,
        /// Tags from the WHEEL file, comma-separated.
        wheel_file: String,
    },
    /// The WHEEL file's build tag differs from the file name's.
    #[error(
        "build tag of `{wheel}` disagrees: file name has {file_name:?}, WHEEL has {wheel_file:?}"
    )]
    BuildTagMismatch {
        /// The wheel file name.
        wheel: String,
        /// The file name's build tag.
        file_name: Option<String>,
        /// The WHEEL file's build tag.
        wheel_file: Option<String>,
    },
    /// `SOURCE_DATE_EPOCH` is past what a zip timestamp can hold (2107).
    #[error("SOURCE_DATE_EPOCH `{epoch}` is past 2107-12-31, the last date a zip file can store")]
    TimestampOutOfRange {
        /// The epoch as given.
        epoch: u64,
    },
    /// The path has no UTF-8 file name to parse as a wheel file name.
    #[error("`{}` has no UTF-8 file name", .path.display())]
    NotAWheelPath {
        /// The path as given.
        path: PathBuf,
    },
    /// The zip's central directory could not be walked.
    #[error("malformed zip central directory in `{}`: {reason}", .wheel.display())]
    MalformedZip {
        /// The wheel's path.
        wheel: PathBuf,
        /// What is wrong.
        reason: &'static str,
    },
    /// The archive holds the same member name twice.
    #[error("`{}` contains member `{member}` more than once", .wheel.display())]
    DuplicateMember {
        /// The wheel's path.
        wheel: PathBuf,
        /// The repeated member.
        member: String,
    },
    /// The archive's `.dist-info` directory is missing, repeated or misnamed.
    #[error("`{}` must contain exactly one `{expected}` directory, found {found:?}", .wheel.display())]
    DistInfoMismatch {
        /// The wheel's path.
        wheel: PathBuf,
        /// The directory name the file name implies.
        expected: String,
        /// The `.dist-info` directories found.
        found: Vec<String>,
    },
    /// The archive has no RECORD.
    #[error("`{}` has no `{record}`", .wheel.display())]
    MissingRecord {
        /// The wheel's path.
        wheel: PathBuf,
        /// The expected RECORD path.
        record: String,
    },
    /// The archive has no WHEEL file.
    #[error("`{}` has no `{member}`", .wheel.display())]
    MissingWheelFile {
        /// The wheel's path.
        wheel: PathBuf,
        /// The expected WHEEL path.
        member: String,
    },
    /// A member could not be read or is not UTF-8 where text is expected.
    #[error("failed to read `{member}` in `{}`", .wheel.display())]
    MemberRead {
        /// The wheel's path.
        wheel: PathBuf,
        /// The member.
        member: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A RECORD row is not `path,sha256=…,size`.
    #[error("malformed RECORD row {line} in `{}`: {reason}", .wheel.display())]
    MalformedRecord {
        /// The wheel's path.
        wheel: PathBuf,
        /// The 1-based row number.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// RECORD lists the same member twice.
    #[error("RECORD of `{}` lists `{member}` more than once", .wheel.display())]
    DuplicateRecordRow {
        /// The wheel's path.
        wheel: PathBuf,
        /// The repeated member.
        member: String,
    },
    /// RECORD hashes a member with an algorithm other than sha256.
    #[error("RECORD of `{}` hashes `{member}` as `{hash}`; expected `sha256=…`", .wheel.display())]
    UnsupportedHash {
        /// The wheel's path.
        wheel: PathBuf,
        /// The member.
        member: String,
        /// The hash field as written.
        hash: String,
    },
    /// An archive member that RECORD does not list.
    #[error("`{member}` in `{}` is not listed in RECORD", .wheel.display())]
    UnlistedMember {
        /// The wheel's path.
        wheel: PathBuf,
        /// The member.
        member: String,
    },
    /// A RECORD row for a member the archive does not have.
    #[error("RECORD of `{}` lists `{member}`, which is not in the archive", .wheel.display())]
    MissingMember {
        /// The wheel's path.
        wheel: PathBuf,
        /// The member.
        member: String,
    },
    /// A member whose sha256 differs from its RECORD row.
    #[error("`{member}` in `{}` has hash `{actual}`, RECORD says `{expected}`", .wheel.display())]
    HashMismatch {
        /// The wheel's path.
        wheel: PathBuf,
        /// The member.
        member: String,
        /// The hash from RECORD.
        expected: String,
        /// The hash of the contents.
        actual: String,
    },
    /// A member whose size differs from its RECORD row.
    #[error("`{member}` in `{}` has {actual} bytes, RECORD says {expected}", .wheel.display())]
    SizeMismatch {
        /// The wheel's path.
        wheel: PathBuf,
        /// The member.
        member: String,
        /// The size from RECORD.
        expected: u64,
        /// The size of the contents.
        actual: u64,
    },
    /// The WHEEL file is not `Key: value` lines with a supported `Wheel-Version`.
    #[error("malformed `{member}` in `{}`: {reason}", .wheel.display())]
    MalformedWheelFile {
        /// The wheel's path.
        wheel: PathBuf,
        /// The WHEEL member.
        member: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// One file to put into a wheel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WheelEntry {
    /// The archive path, `/`-separated and relative.
    pub path: String,
    /// The file's bytes.
    pub contents: Vec<u8>,
    /// Whether to mark the file executable (mode 0o755 instead of 0o644).
    pub executable: bool,
}

/// A wheel that [`write_wheel`] finished and moved into place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrittenWheel {
    /// The final path of the `.whl`.
    pub path: PathBuf,
    /// The file name (PEP 427).
    pub file_name: String,
    /// The sha256 of the whole `.whl`, lowercase hex.
    pub sha256: String,
    /// The size of the `.whl` in bytes.
    pub size: u64,
}

/// What [`verify_wheel`] found in a wheel that passed its checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WheelCheck {
    /// The number of file members in the archive, RECORD included.
    pub files: usize,
    /// The tags from the WHEEL file's `Tag` lines, in file order.
    pub tags: Vec<WheelTag>,
}

/// Checks that an archive path is relative, `/`-separated and stays inside the archive root.
fn check_archive_path(path: &str) -> Result<(), WheelError> {
    let reason = if path.is_empty() {
        Some("it is empty")
    } else if path.contains('\\') {
        Some("it contains a backslash")
    } else if path.starts_with('/') {
        Some("it is absolute")
    } else if path.as_bytes().get(1) == Some(&b':') {
        Some("it starts with a drive letter")
    } else if path.chars().any(char::is_control) {
        Some("it contains a control character")
    } else if path.split('/').any(str::is_empty) {
        Some("it has an empty component (`//` or a trailing `/`)")
    } else if path.split('/').any(|part| part == "." || part == "..") {
        Some("it has a `.` or `..` component")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(WheelError::UnsafePath {
            path: path.to_string(),
            reason,
        }),
        None => Ok(()),
    }
}

/// Joins tags with `, ` for error messages.
fn join_tags(tags: &[WheelTag]) -> String {
    tags.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests;
