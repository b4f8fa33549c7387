//! Writing a wheel: a deterministic zip, moved into place atomically.

use std::collections::HashSet;
use std::io::{Cursor, Write as _};
use std::path::Path;

use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use super::{
    CoreMetadata, WheelEntry, WheelError, WheelInfo, WrittenWheel, check_archive_path, join_tags,
    render_record,
};
use crate::tags::{WheelFilename, escape_name};

/// The timestamp used without `SOURCE_DATE_EPOCH`: 1980-01-01T00:00:00Z, the earliest a zip
/// file can store; earlier epochs are clamped up to it.
pub const DEFAULT_SOURCE_DATE_EPOCH: u64 = 315_532_800;

/// Fixed deflate level, so the same inputs always give the same bytes.
const DEFLATE_LEVEL: i64 = 6;

/// Writes a wheel into `out_dir` (created if missing) and returns where it went.
///
/// `entries` are the payload (archive paths relative to the wheel root); `dist_info_extra` are
/// extra files relative to the `.dist-info` directory (e.g. `licenses/LICENSE`). The archive
/// is deterministic: payload sorted by path, then METADATA, WHEEL, the sorted extras and RECORD
/// last; every entry timestamped `source_date_epoch` (default and lower bound
/// [`DEFAULT_SOURCE_DATE_EPOCH`]; zip stores even seconds), mode 0o644 or 0o755, deflated at a
/// fixed level, with no extra fields. The file is written under a temporary name in `out_dir`
/// and renamed into place, so the final name only ever holds a complete wheel.
pub fn write_wheel(
    out_dir: &Path,
    filename: &WheelFilename,
    metadata: &CoreMetadata,
    info: &WheelInfo,
    entries: Vec<WheelEntry>,
    dist_info_extra: Vec<WheelEntry>,
    source_date_epoch: Option<u64>,
) -> Result<WrittenWheel, WheelError> {
    check_consistency(filename, metadata, info)?;
    let metadata = Metadata {
        text: metadata.render()?,
        license_files: &metadata.license_files,
    };
    write_archive(
        out_dir,
        filename,
        &metadata,
        info,
        entries,
        dist_info_extra,
        source_date_epoch,
    )
}

/// Like [`write_wheel`], with METADATA given as text (a wheel being re-packed, such as one
/// that `cffi-wheel repair` fixes, keeps its METADATA byte for byte).
pub fn write_wheel_with_metadata_text(
    out_dir: &Path,
    filename: &WheelFilename,
    metadata_text: String,
    info: &WheelInfo,
    entries: Vec<WheelEntry>,
    dist_info_extra: Vec<WheelEntry>,
    source_date_epoch: Option<u64>,
) -> Result<WrittenWheel, WheelError> {
    filename.validate()?;
    let metadata = Metadata {
        text: metadata_text,
        license_files: &[],
    };
    write_archive(
        out_dir,
        filename,
        &metadata,
        info,
        entries,
        dist_info_extra,
        source_date_epoch,
    )
}

/// METADATA as it will be written, and the license files it names.
struct Metadata<'a> {
    text: String,
    license_files: &'a [String],
}

fn write_archive(
    out_dir: &Path,
    filename: &WheelFilename,
    metadata: &Metadata<'_>,
    info: &WheelInfo,
    entries: Vec<WheelEntry>,
    dist_info_extra: Vec<WheelEntry>,
    source_date_epoch: Option<u64>,
) -> Result<WrittenWheel, WheelError> {
    let modified = zip_timestamp(source_date_epoch)?;
    let archive = archive_entries(filename, metadata, info, entries, dist_info_extra)?;
    let file_name = filename.to_string();
    let path = out_dir.join(&file_name);
    let bytes = zip_bytes(&archive, modified).map_err(|source| WheelError::Zip {
        wheel: path.clone(),
        source,
    })?;
    crate::cleanup::write_atomically(&path, &bytes)?;
    Ok(WrittenWheel {
        path,
        file_name,
        sha256: hex(&Sha256::digest(&bytes)),
        size: bytes.len() as u64,
    })
}

/// Checks that the file name, METADATA and WHEEL agree on name, version, tags and build tag.
fn check_consistency(
    filename: &WheelFilename,
    metadata: &CoreMetadata,
    info: &WheelInfo,
) -> Result<(), WheelError> {
    filename.validate()?;
    if escape_name(&metadata.name) != escape_name(&filename.name)
        || metadata.version != filename.version
    {
        return Err(WheelError::NameMismatch {
            filename: filename.to_string(),
            name: metadata.name.clone(),
            version: metadata.version.to_string(),
        });
    }
    let expected = filename.tags();
    if info.tags != expected {
        return Err(WheelError::TagMismatch {
            wheel: filename.to_string(),
            file_name: join_tags(&expected),
            wheel_file: join_tags(&info.tags),
        });
    }
    if info.build != filename.build {
        return Err(WheelError::BuildTagMismatch {
            wheel: filename.to_string(),
            file_name: filename.build.clone(),
            wheel_file: info.build.clone(),
        });
    }
    Ok(())
}

/// Lays out every archive member in its final order, RECORD included, after checking paths.
fn archive_entries(
    filename: &WheelFilename,
    metadata: &Metadata<'_>,
    info: &WheelInfo,
    mut entries: Vec<WheelEntry>,
    mut dist_info_extra: Vec<WheelEntry>,
) -> Result<Vec<WheelEntry>, WheelError> {
    let dist_info = filename.dist_info_dir();
    let dist_info_prefix = format!("{dist_info}/");
    for entry in &entries {
        check_archive_path(&entry.path)?;
        // A second `.dist-info` directory would make the wheel ambiguous to installers.
        let top = entry.path.split('/').next().unwrap_or_default();
        if top.ends_with(".dist-info") {
            return Err(WheelError::ReservedPath {
                path: entry.path.clone(),
                dist_info,
            });
        }
    }
    for extra in &mut dist_info_extra {
        check_archive_path(&extra.path)?;
        extra.path = format!("{dist_info_prefix}{}", extra.path);
    }
    for license in metadata.license_files {
        let expected = format!("{dist_info_prefix}licenses/{license}");
        if !dist_info_extra.iter().any(|extra| extra.path == expected) {
            return Err(WheelError::MissingLicenseFile {
                path: license.clone(),
            });
        }
    }
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    dist_info_extra.sort_by(|a, b| a.path.cmp(&b.path));
    let generated = |name: &str, text: String| WheelEntry {
        path: format!("{dist_info_prefix}{name}"),
        contents: text.into_bytes(),
        executable: false,
    };
    entries.push(generated("METADATA", metadata.text.clone()));
    entries.push(generated("WHEEL", info.render()?));
    entries.extend(dist_info_extra);
    let mut seen = HashSet::new();
    let record_path = format!("{dist_info_prefix}RECORD");
    for entry in &entries {
        if entry.path == record_path || !seen.insert(entry.path.as_str()) {
            return Err(WheelError::DuplicatePath {
                path: entry.path.clone(),
            });
        }
    }
    let record = render_record(&entries, &record_path);
    entries.push(WheelEntry {
        path: record_path,
        contents: record.into_bytes(),
        executable: false,
    });
    Ok(entries)
}

/// Converts a `SOURCE_DATE_EPOCH` (UTC seconds) to a zip timestamp, clamping below 1980.
fn zip_timestamp(source_date_epoch: Option<u64>) -> Result<DateTime, WheelError> {
    let epoch = source_date_epoch.unwrap_or(DEFAULT_SOURCE_DATE_EPOCH);
    let out_of_range = || WheelError::TimestampOutOfRange { epoch };
    let seconds = epoch.max(DEFAULT_SOURCE_DATE_EPOCH);
    let (year, month, day) = civil_from_days(seconds / 86_400).ok_or_else(out_of_range)?;
    let time_of_day = seconds % 86_400;
    // Each of these is below 60 or 24, so the narrowing cannot fail.
    let hour = u8::try_from(time_of_day / 3600).map_err(|_| out_of_range())?;
    let minute = u8::try_from(time_of_day % 3600 / 60).map_err(|_| out_of_range())?;
    let second = u8::try_from(time_of_day % 60).map_err(|_| out_of_range())?;
    DateTime::from_date_and_time(year, month, day, hour, minute, second).map_err(|_| out_of_range())
}

/// Converts days since 1970-01-01 to a (year, month, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's `civil_from_days`); `None` past year 65535.
fn civil_from_days(days: u64) -> Option<(u16, u8, u8)> {
    let z = days.checked_add(719_468)?;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    Some((
        u16::try_from(year).ok()?,
        u8::try_from(month).ok()?,
        u8::try_from(day).ok()?,
    ))
}

/// Builds the zip in memory, members in the given order.
fn zip_bytes(entries: &[WheelEntry], modified: DateTime) -> zip::result::ZipResult<Vec<u8>> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(DEFLATE_LEVEL))
        .last_modified_time(modified)
        .large_file(false);
    for entry in entries {
        let mode = if entry.executable { 0o755 } else { 0o644 };
        zip.start_file(entry.path.as_str(), options.unix_permissions(mode))?;
        zip.write_all(&entry.contents)?;
    }
    Ok(zip.finish()?.into_inner())
}

/// Lowercase hex of `bytes`.
/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_seconds_convert_to_utc_calendar_dates() {
        assert_eq!(civil_from_days(0), Some((1970, 1, 1)));
        assert_eq!(civil_from_days(3652), Some((1980, 1, 1)));
        // 2000-02-29, a leap day in a century year divisible by 400.
        assert_eq!(civil_from_days(11_016), Some((2000, 2, 29)));
        assert_eq!(civil_from_days(19_723), Some((2024, 1, 1)));
    }

    #[test]
    fn source_date_epoch_sets_the_zip_timestamp() {
        // 2024-03-15T12:34:56Z
        let time = zip_timestamp(Some(1_710_506_096)).unwrap();
        let fields = (
            time.year(),
            time.month(),
            time.day(),
            time.hour(),
            time.minute(),
            time.second(),
        );
        assert_eq!(fields, (2024, 3, 15, 12, 34, 56));
    }

    #[test]
    fn missing_or_early_source_date_epoch_becomes_1980() {
        for epoch in [None, Some(0), Some(DEFAULT_SOURCE_DATE_EPOCH - 1)] {
            let time = zip_timestamp(epoch).unwrap();
            assert_eq!((time.year(), time.month(), time.day()), (1980, 1, 1));
            assert_eq!((time.hour(), time.minute(), time.second()), (0, 0, 0));
        }
    }

    #[test]
    fn source_date_epoch_past_2107_is_an_error() {
        // 2108-01-01T00:00:00Z
        let err = zip_timestamp(Some(4_354_819_200)).unwrap_err();
        assert!(matches!(err, WheelError::TimestampOutOfRange { .. }));
        assert!(zip_timestamp(Some(u64::MAX)).is_err());
    }

    #[test]
    fn hex_renders_lowercase_pairs() {
        assert_eq!(hex(&[0x00, 0xab, 0x0f]), "00ab0f");
    }
}
