//! Checking a finished wheel: its file name, `.dist-info`, RECORD and WHEEL against the archive.

use std::collections::{HashMap, HashSet};
use std::io::{Cursor, Read as _};
use std::path::Path;

use pep440_rs::Version;
use zip::ZipArchive;

use super::record::{RecordRow, parse_record};
use super::{WheelCheck, WheelError, check_archive_path, join_tags, record_hash};
use crate::tags::{WheelFilename, WheelTag, escape_name};

/// The zip central directory file header signature (APPNOTE 4.3.12).
const CENTRAL_HEADER_SIGNATURE: u32 = 0x0201_4b50;
/// The fixed part of a central directory file header, in bytes.
const CENTRAL_HEADER_LEN: usize = 46;

/// An opened wheel: its path, parsed file name and archive.
struct OpenWheel<'a> {
    path: &'a Path,
    filename: WheelFilename,
    archive: ZipArchive<Cursor<&'a [u8]>>,
}

/// Checks a wheel on disk and returns its file count and WHEEL tags.
///
/// The file name must parse; the archive must have exactly one `.dist-info` directory matching
/// it, no repeated or unsafe member names, a RECORD listing every file member (RECORD itself
/// excepted, directory entries ignored) with matching sha256 and size and no rows for absent
/// members, and a WHEEL file whose `Tag` lines are the file name's expanded tags.
pub fn verify_wheel(path: &Path) -> Result<WheelCheck, WheelError> {
    let filename = wheel_filename(path)?;
    let bytes = fs_err::read(path)?;
    verify_archive(path, filename, &bytes)
}

/// Checks wheel `bytes` as [`verify_wheel`] does, the file name taken from `path` (which is
/// not read): the entry point for checking a wheel held in memory, and for fuzzing.
pub fn verify_wheel_bytes(path: &Path, bytes: &[u8]) -> Result<WheelCheck, WheelError> {
    verify_archive(path, wheel_filename(path)?, bytes)
}

/// The parsed file name of the wheel at `path`.
fn wheel_filename(path: &Path) -> Result<WheelFilename, WheelError> {
    let file_name = path
        .file_name()
        .and_then(|name| name.to_str())
        .ok_or_else(|| WheelError::NotAWheelPath {
            path: path.to_path_buf(),
        })?;
    Ok(file_name.parse()?)
}

/// Checks the archive `bytes` of the wheel at `path` named `filename`.
fn verify_archive(
    path: &Path,
    filename: WheelFilename,
    bytes: &[u8],
) -> Result<WheelCheck, WheelError> {
    let archive = ZipArchive::new(Cursor::new(bytes)).map_err(|source| WheelError::Zip {
        wheel: path.to_path_buf(),
        source,
    })?;
    check_unique_members(path, bytes, archive.central_directory_start())?;
    let mut wheel = OpenWheel {
        path,
        filename,
        archive,
    };
    let members: Vec<String> = wheel
        .archive
        .file_names()
        .filter(|name| !name.ends_with('/'))
        .map(str::to_string)
        .collect();
    for member in &members {
        check_archive_path(member)?;
    }
    let dist_info = wheel.find_dist_info(&members)?;
    let record_path = format!("{dist_info}/RECORD");
    let rows = wheel.read_record(&record_path)?;
    wheel.check_members(&members, &rows, &record_path)?;
    let tags = wheel.check_wheel_file(&format!("{dist_info}/WHEEL"))?;
    Ok(WheelCheck {
        files: members.len(),
        tags,
    })
}

/// Rejects archives whose central directory names a member twice; `ZipArchive` keeps only
/// the last of such entries, so this walks the directory itself.
fn check_unique_members(wheel: &Path, bytes: &[u8], start: u64) -> Result<(), WheelError> {
    let malformed = |reason| WheelError::MalformedZip {
        wheel: wheel.to_path_buf(),
        reason,
    };
    let mut pos = usize::try_from(start).map_err(|_| malformed("directory offset too large"))?;
    let mut seen = HashSet::new();
    while read_u32(bytes, pos) == Some(CENTRAL_HEADER_SIGNATURE) {
        let field = |offset: usize| {
            read_u16(bytes, pos + offset)
                .map(usize::from)
                .ok_or_else(|| malformed("truncated file header"))
        };
        let (name_len, extra_len, comment_len) = (field(28)?, field(30)?, field(32)?);
        let name_start = pos + CENTRAL_HEADER_LEN;
        let name = bytes
            .get(name_start..name_start + name_len)
            .ok_or_else(|| malformed("truncated file name"))?;
        if !seen.insert(name) {
            return Err(WheelError::DuplicateMember {
                wheel: wheel.to_path_buf(),
                member: String::from_utf8_lossy(name).into_owned(),
            });
        }
        pos = name_start + name_len + extra_len + comment_len;
    }
    Ok(())
}

/// Reads a little-endian u16 at `pos`, if in bounds.
fn read_u16(bytes: &[u8], pos: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        bytes.get(pos..pos + 2)?.try_into().ok()?,
    ))
}

/// Reads a little-endian u32 at `pos`, if in bounds.
fn read_u32(bytes: &[u8], pos: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        bytes.get(pos..pos + 4)?.try_into().ok()?,
    ))
}

impl OpenWheel<'_> {
    /// Finds the one `.dist-info` directory and checks it against the file name, comparing
    /// escaped names and parsed versions so `Foo-1.0.dist-info` matches `foo-1.0-….whl`.
    fn find_dist_info(&self, members: &[String]) -> Result<String, WheelError> {
        let expected = self.filename.dist_info_dir();
        let mut found: Vec<String> = members
            .iter()
            .filter_map(|member| member.split_once('/'))
            .map(|(top, _)| top)
            .filter(|top| top.ends_with(".dist-info"))
            .map(str::to_string)
            .collect();
        found.sort();
        found.dedup();
        match found.as_slice() {
            [only] if self.dist_info_matches(only) => Ok(only.clone()),
            _ => Err(WheelError::DistInfoMismatch {
                wheel: self.path.to_path_buf(),
                expected,
                found,
            }),
        }
    }

    /// Whether `{name}-{version}.dist-info` names this wheel's distribution and version.
    fn dist_info_matches(&self, dir: &str) -> bool {
        let Some((name, version)) = dir
            .strip_suffix(".dist-info")
            .and_then(|stem| stem.rsplit_once('-'))
        else {
            return false;
        };
        escape_name(name) == escape_name(&self.filename.name)
            && version.parse::<Version>().ok().as_ref() == Some(&self.filename.version)
    }

    /// Reads a member fully; `None` when the archive has no such member.
    fn read_member(&mut self, member: &str) -> Result<Option<Vec<u8>>, WheelError> {
        let mut file = match self.archive.by_name(member) {
            Ok(file) => file,
            Err(zip::result::ZipError::FileNotFound) => return Ok(None),
            Err(source) => {
                return Err(WheelError::Zip {
                    wheel: self.path.to_path_buf(),
                    source,
                });
            }
        };
        let mut contents = Vec::new();
        file.read_to_end(&mut contents)
            .map_err(|source| WheelError::MemberRead {
                wheel: self.path.to_path_buf(),
                member: member.to_string(),
                source,
            })?;
        Ok(Some(contents))
    }

    /// Reads a member as UTF-8 text; `None` when the archive has no such member.
    fn read_text(&mut self, member: &str) -> Result<Option<String>, WheelError> {
        let Some(bytes) = self.read_member(member)? else {
            return Ok(None);
        };
        String::from_utf8(bytes)
            .map(Some)
            .map_err(|err| WheelError::MemberRead {
                wheel: self.path.to_path_buf(),
                member: member.to_string(),
                source: std::io::Error::new(std::io::ErrorKind::InvalidData, err),
            })
    }

    /// Reads and parses RECORD.
    fn read_record(&mut self, record_path: &str) -> Result<Vec<RecordRow>, WheelError> {
        let text = self
            .read_text(record_path)?
            .ok_or_else(|| WheelError::MissingRecord {
                wheel: self.path.to_path_buf(),
                record: record_path.to_string(),
            })?;
        parse_record(&text).map_err(|(line, reason)| WheelError::MalformedRecord {
            wheel: self.path.to_path_buf(),
            line,
            reason,
        })
    }

    /// Checks RECORD rows and archive members against each other, hashing every member.
    fn check_members(
        &mut self,
        members: &[String],
        rows: &[RecordRow],
        record_path: &str,
    ) -> Result<(), WheelError> {
        let wheel = self.path.to_path_buf();
        let present: HashSet<&str> = members.iter().map(String::as_str).collect();
        let mut by_path: HashMap<&str, &RecordRow> = HashMap::new();
        for row in rows {
            if by_path.insert(row.path.as_str(), row).is_some() {
                return Err(WheelError::DuplicateRecordRow {
                    wheel,
                    member: row.path.clone(),
                });
            }
            if !present.contains(row.path.as_str()) {
                return Err(WheelError::MissingMember {
                    wheel,
                    member: row.path.clone(),
                });
            }
        }
        for member in members.iter().filter(|member| *member != record_path) {
            let row = by_path
                .get(member.as_str())
                .ok_or_else(|| WheelError::UnlistedMember {
                    wheel: wheel.clone(),
                    member: member.clone(),
                })?;
            let contents = self.read_member(member)?.unwrap_or_default();
            check_row(&wheel, row, &contents)?;
        }
        Ok(())
    }

    /// Reads WHEEL, checks `Wheel-Version` 1.x, and compares its tags with the file name's.
    fn check_wheel_file(&mut self, member: &str) -> Result<Vec<WheelTag>, WheelError> {
        let text = self
            .read_text(member)?
            .ok_or_else(|| WheelError::MissingWheelFile {
                wheel: self.path.to_path_buf(),
                member: member.to_string(),
            })?;
        let malformed = |reason: String| WheelError::MalformedWheelFile {
            wheel: self.path.to_path_buf(),
            member: member.to_string(),
            reason,
        };
        let mut version = None;
        let mut tags = Vec::new();
        for line in text.lines().filter(|line| !line.trim().is_empty()) {
            let (key, value) = line
                .split_once(':')
                .ok_or_else(|| malformed(format!("line `{line}` is not `Key: value`")))?;
            match key.trim() {
                "Wheel-Version" => version = Some(value.trim().to_string()),
                "Tag" => tags.push(
                    value
                        .trim()
                        .parse::<WheelTag>()
                        .map_err(|err| malformed(err.to_string()))?,
                ),
                _ => {}
            }
        }
        match version.as_deref() {
            Some(version) if version.starts_with("1.") => {}
            Some(version) => {
                return Err(malformed(format!("unsupported Wheel-Version `{version}`")));
            }
            None => return Err(malformed("no Wheel-Version".to_string())),
        }
        let expected = self.filename.tags();
        let as_set = |tags: &[WheelTag]| tags.iter().cloned().collect::<HashSet<_>>();
        if tags.len() != expected.len() || as_set(&tags) != as_set(&expected) {
            return Err(WheelError::TagMismatch {
                wheel: self.filename.to_string(),
                file_name: join_tags(&expected),
                wheel_file: join_tags(&tags),
            });
        }
        Ok(tags)
    }
}

/// Compares a member's contents with its RECORD row: sha256 first, then size.
fn check_row(wheel: &Path, row: &RecordRow, contents: &[u8]) -> Result<(), WheelError> {
    let hash = row.hash.clone().unwrap_or_default();
    if !hash.starts_with("sha256=") {
        return Err(WheelError::UnsupportedHash {
            wheel: wheel.to_path_buf(),
            member: row.path.clone(),
            hash,
        });
    }
    let actual_hash = record_hash(contents);
    if hash != actual_hash {
        return Err(WheelError::HashMismatch {
            wheel: wheel.to_path_buf(),
            member: row.path.clone(),
            expected: hash,
            actual: actual_hash,
        });
    }
    let actual_size = contents.len() as u64;
    let Some(expected_size) = row.size else {
        return Err(WheelError::MalformedRecord {
            wheel: wheel.to_path_buf(),
            line: row.line,
            reason: format!("`{}` has no size", row.path),
        });
    };
    if expected_size != actual_size {
        return Err(WheelError::SizeMismatch {
            wheel: wheel.to_path_buf(),
            member: row.path.clone(),
            expected: expected_size,
            actual: actual_size,
        });
    }
    Ok(())
}
