//! Tests that write real wheels to temporary directories and verify them.

use std::io::{Cursor, Read as _, Write as _};
use std::path::{Path, PathBuf};

use zip::ZipArchive;
use zip::write::SimpleFileOptions;

use super::*;
use crate::tags::WheelFilename;

const FILE_NAME: &str = "cffi_demo-0.1.0-cp38-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl";

fn demo_filename() -> WheelFilename {
    FILE_NAME.parse().unwrap()
}

fn demo_metadata() -> CoreMetadata {
    CoreMetadata {
        name: "cffi-demo".to_string(),
        version: "0.1.0".parse().unwrap(),
        summary: Some("Demo".to_string()),
        requires_python: Some(">=3.8".parse().unwrap()),
        requires_dist: vec![
            "cffi>=1.17; platform_python_implementation != 'PyPy'"
                .parse()
                .unwrap(),
        ],
        optional_dependencies: Vec::new(),
        license_expression: Some("MIT".to_string()),
        license_files: vec!["LICENSE".to_string()],
        description: None,
        description_content_type: None,
        authors: Vec::new(),
        maintainers: Vec::new(),
        keywords: Vec::new(),
        classifiers: Vec::new(),
        project_urls: Vec::new(),
    }
}

fn demo_info() -> WheelInfo {
    WheelInfo {
        generator: "cffi-wheel 0.1.0".to_string(),
        root_is_purelib: false,
        tags: demo_filename().tags(),
        build: None,
    }
}

fn entry(path: &str, contents: &[u8], executable: bool) -> WheelEntry {
    WheelEntry {
        path: path.to_string(),
        contents: contents.to_vec(),
        executable,
    }
}

/// Payload in deliberately unsorted order.
fn demo_entries() -> Vec<WheelEntry> {
    vec![
        entry("cffi_demo/_demo.abi3.so", b"\x7fELF fake extension", true),
        entry(
            "cffi_demo/__init__.py",
            b"from ._demo import ffi, lib\n",
            false,
        ),
        entry("cffi_demo-0.1.0.data/scripts/demo", b"#!python\n", true),
    ]
}

fn demo_extra() -> Vec<WheelEntry> {
    vec![entry("licenses/LICENSE", b"MIT License\n", false)]
}

fn write_demo(out_dir: &Path, epoch: Option<u64>) -> Result<WrittenWheel, WheelError> {
    write_wheel(
        out_dir,
        &demo_filename(),
        &demo_metadata(),
        &demo_info(),
        demo_entries(),
        demo_extra(),
        epoch,
    )
}

/// One line per member: permissions, timestamp, compression and path.
fn layout(path: &Path) -> String {
    let mut archive = ZipArchive::new(fs_err::File::open(path).unwrap()).unwrap();
    let mut lines = Vec::new();
    for index in 0..archive.len() {
        let file = archive.by_index(index).unwrap();
        let time = file.last_modified().unwrap();
        assert_eq!(
            file.extra_data().unwrap_or_default(),
            b"",
            "{}",
            file.name()
        );
        lines.push(format!(
            "{:o} {}-{:02}-{:02}T{:02}:{:02}:{:02} {} {}",
            file.unix_mode().unwrap() & 0o777,
            time.year(),
            time.month(),
            time.day(),
            time.hour(),
            time.minute(),
            time.second(),
            file.compression(),
            file.name()
        ));
    }
    lines.join("\n")
}

fn read_member(path: &Path, member: &str) -> String {
    let mut archive = ZipArchive::new(fs_err::File::open(path).unwrap()).unwrap();
    let mut text = String::new();
    archive
        .by_name(member)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// Copies the wheel at `src` to `dst_dir/file_name`, passing each member through `edit`
/// (`None` drops it) and appending `added`.
fn rewrite(
    src: &Path,
    dst_dir: &Path,
    file_name: &str,
    edit: impl Fn(&str, Vec<u8>) -> Option<Vec<u8>>,
    added: &[(&str, &[u8])],
) -> PathBuf {
    let mut archive = ZipArchive::new(fs_err::File::open(src).unwrap()).unwrap();
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for index in 0..archive.len() {
        let mut file = archive.by_index(index).unwrap();
        let name = file.name().to_string();
        let mut contents = Vec::new();
        file.read_to_end(&mut contents).unwrap();
        if let Some(contents) = edit(&name, contents) {
            writer
                .start_file(name, SimpleFileOptions::default())
                .unwrap();
            writer.write_all(&contents).unwrap();
        }
    }
    for (name, contents) in added {
        writer
            .start_file(*name, SimpleFileOptions::default())
            .unwrap();
        writer.write_all(contents).unwrap();
    }
    let dst = dst_dir.join(file_name);
    fs_err::write(&dst, writer.finish().unwrap().into_inner()).unwrap();
    dst
}

#[test]
fn the_same_inputs_give_byte_identical_wheels() {
    let (first_dir, second_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let first = write_demo(first_dir.path(), None).unwrap();
    let second = write_demo(&second_dir.path().join("nested/dist"), None).unwrap();
    assert_eq!(first.file_name, FILE_NAME);
    assert_eq!(
        fs_err::read(&first.path).unwrap(),
        fs_err::read(&second.path).unwrap()
    );
    assert_eq!(first.sha256, second.sha256);
    assert_eq!(first.sha256.len(), 64);
    assert_eq!(first.size, fs_err::metadata(&first.path).unwrap().len());
}

#[test]
fn members_are_sorted_with_dist_info_last_and_fixed_modes_and_times() {
    let dir = tempfile::tempdir().unwrap();
    let written = write_demo(dir.path(), None).unwrap();
    insta::assert_snapshot!(layout(&written.path), @"
    755 1980-01-01T00:00:00 Deflated cffi_demo-0.1.0.data/scripts/demo
    644 1980-01-01T00:00:00 Deflated cffi_demo/__init__.py
    755 1980-01-01T00:00:00 Deflated cffi_demo/_demo.abi3.so
    644 1980-01-01T00:00:00 Deflated cffi_demo-0.1.0.dist-info/METADATA
    644 1980-01-01T00:00:00 Deflated cffi_demo-0.1.0.dist-info/WHEEL
    644 1980-01-01T00:00:00 Deflated cffi_demo-0.1.0.dist-info/licenses/LICENSE
    644 1980-01-01T00:00:00 Deflated cffi_demo-0.1.0.dist-info/RECORD
    ");
}

#[test]
fn written_wheel_files_render_as_expected() {
    let dir = tempfile::tempdir().unwrap();
    let written = write_demo(dir.path(), None).unwrap();
    let dist_info = "cffi_demo-0.1.0.dist-info";
    insta::assert_snapshot!(read_member(&written.path, &format!("{dist_info}/WHEEL")), @"
    Wheel-Version: 1.0
    Generator: cffi-wheel 0.1.0
    Root-Is-Purelib: false
    Tag: cp38-abi3-manylinux_2_17_x86_64
    Tag: cp38-abi3-manylinux2014_x86_64
    ");
    insta::assert_snapshot!(read_member(&written.path, &format!("{dist_info}/METADATA")), @"
    Metadata-Version: 2.4
    Name: cffi-demo
    Version: 0.1.0
    Summary: Demo
    Requires-Python: >=3.8
    Requires-Dist: cffi>=1.17 ; platform_python_implementation != 'PyPy'
    License-Expression: MIT
    License-File: LICENSE
    ");
    insta::assert_snapshot!(read_member(&written.path, &format!("{dist_info}/RECORD")), @"
    cffi_demo-0.1.0.data/scripts/demo,sha256=NKJyCC0fONcaYytG9mysca37TZf8wBDISvRNAW-78pQ,9
    cffi_demo/__init__.py,sha256=vZcEsse7A0IBV0wucQfOzca3u_Ez7jUs17iXWxXKoog,28
    cffi_demo/_demo.abi3.so,sha256=bn_QcDGUpPlyzbu07FHLezF4VhKJTNLf5iAzQTLHXTc,19
    cffi_demo-0.1.0.dist-info/METADATA,sha256=s_eKgSO_mmawD0TXjWagF6YK7ZwIkeTIJofYzIrS6Ro,205
    cffi_demo-0.1.0.dist-info/WHEEL,sha256=7He-MfX9oZkz39JLgV06W2xfDU6sN1_xhcfD7D3OtzE,143
    cffi_demo-0.1.0.dist-info/licenses/LICENSE,sha256=Jn96Lhnfqd-Zr3dFIJhaDlIZJSk-pbfnZ6sGlp0Gv5E,12
    cffi_demo-0.1.0.dist-info/RECORD,,
    ");
}

#[test]
fn source_date_epoch_sets_every_member_timestamp() {
    let dir = tempfile::tempdir().unwrap();
    // 2024-03-15T12:34:56Z
    let written = write_demo(dir.path(), Some(1_710_506_096)).unwrap();
    let layout = layout(&written.path);
    assert!(
        layout
            .lines()
            .all(|line| line.contains(" 2024-03-15T12:34:56 ")),
        "{layout}"
    );
}

#[test]
fn source_date_epoch_before_1980_gives_the_default_wheel() {
    let (early_dir, default_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let early = write_demo(early_dir.path(), Some(0)).unwrap();
    let default = write_demo(default_dir.path(), None).unwrap();
    assert_eq!(early.sha256, default.sha256);
    let later = write_demo(early_dir.path(), Some(1_710_506_096)).unwrap();
    assert_ne!(later.sha256, default.sha256);
}

#[test]
fn source_date_epoch_past_2107_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let err = write_demo(dir.path(), Some(5_000_000_000)).unwrap_err();
    insta::assert_snapshot!(err, @"SOURCE_DATE_EPOCH `5000000000` is past 2107-12-31, the last date a zip file can store");
    assert_eq!(fs_err::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn an_existing_wheel_is_replaced_and_no_partial_file_is_left() {
    let dir = tempfile::tempdir().unwrap();
    fs_err::write(dir.path().join(FILE_NAME), b"old broken wheel").unwrap();
    let written = write_demo(dir.path(), None).unwrap();
    verify_wheel(&written.path).unwrap();
    let names: Vec<String> = fs_err::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, [FILE_NAME]);
}

#[test]
fn a_failed_rename_removes_the_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    // A non-empty directory under the final name makes the rename fail.
    fs_err::create_dir_all(dir.path().join(FILE_NAME).join("blocker")).unwrap();
    let err = write_demo(dir.path(), None).unwrap_err();
    assert!(matches!(err, WheelError::Write(_)), "{err:?}");
    assert!(err.to_string().contains(FILE_NAME), "{err}");
    let names: Vec<String> = fs_err::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, [FILE_NAME]);
}

#[cfg(unix)]
#[test]
fn the_written_wheel_gets_the_permissions_of_an_ordinary_new_file() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let written = write_demo(dir.path(), None).unwrap();
    let reference = dir.path().join("reference");
    fs_err::write(&reference, b"").unwrap();
    let mode = |path: &Path| fs_err::metadata(path).unwrap().permissions().mode() & 0o777;
    // 0o666 less the umask, not tempfile's private 0o600.
    assert_eq!(mode(&written.path), mode(&reference));
}

#[test]
fn duplicate_and_unsafe_paths_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let write = |entries: Vec<WheelEntry>, extra: Vec<WheelEntry>| {
        write_wheel(
            dir.path(),
            &demo_filename(),
            &demo_metadata(),
            &demo_info(),
            entries,
            extra,
            None,
        )
        .unwrap_err()
        .to_string()
    };
    let with = |path: &str| {
        let mut entries = demo_entries();
        entries.push(entry(path, b"", false));
        write(entries, demo_extra())
    };
    insta::assert_snapshot!(with("cffi_demo/__init__.py"), @"archive path `cffi_demo/__init__.py` is given more than once");
    insta::assert_snapshot!(with("/etc/passwd"), @r#"unsafe archive path "/etc/passwd": it is absolute"#);
    insta::assert_snapshot!(with("cffi_demo/../../evil.py"), @r#"unsafe archive path "cffi_demo/../../evil.py": it has a `.` or `..` component"#);
    insta::assert_snapshot!(with("cffi_demo\\win.py"), @r#"unsafe archive path "cffi_demo\\win.py": it contains a backslash"#);
    insta::assert_snapshot!(with("C:/evil.py"), @r#"unsafe archive path "C:/evil.py": it starts with a drive letter"#);
    insta::assert_snapshot!(with("cffi_demo//x.py"), @r#"unsafe archive path "cffi_demo//x.py": it has an empty component (`//` or a trailing `/`)"#);
    insta::assert_snapshot!(with(""), @r#"unsafe archive path "": it is empty"#);
    insta::assert_snapshot!(with("cffi_demo-0.1.0.dist-info/entry_points.txt"), @"archive path `cffi_demo-0.1.0.dist-info/entry_points.txt` is inside `cffi_demo-0.1.0.dist-info`; pass it as a dist-info extra file");
    insta::assert_snapshot!(with("other-1.0.dist-info/METADATA"), @"archive path `other-1.0.dist-info/METADATA` is inside `cffi_demo-0.1.0.dist-info`; pass it as a dist-info extra file");
    let mut extra = demo_extra();
    extra.push(entry("RECORD", b"", false));
    insta::assert_snapshot!(write(demo_entries(), extra), @"archive path `cffi_demo-0.1.0.dist-info/RECORD` is given more than once");
    insta::assert_snapshot!(write(demo_entries(), Vec::new()), @"License-File `LICENSE` is not among the dist-info extra files as `licenses/LICENSE`");
    assert_eq!(fs_err::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn file_name_metadata_and_wheel_tags_must_agree() {
    let dir = tempfile::tempdir().unwrap();
    let mut metadata = demo_metadata();
    metadata.version = "0.2.0".parse().unwrap();
    let err = write_wheel(
        dir.path(),
        &demo_filename(),
        &metadata,
        &demo_info(),
        demo_entries(),
        demo_extra(),
        None,
    )
    .unwrap_err();
    insta::assert_snapshot!(err, @"wheel file name `cffi_demo-0.1.0-cp38-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl` does not match metadata `cffi-demo` version `0.2.0`");
    let mut info = demo_info();
    info.tags.pop();
    let err = write_wheel(
        dir.path(),
        &demo_filename(),
        &demo_metadata(),
        &info,
        demo_entries(),
        demo_extra(),
        None,
    )
    .unwrap_err();
    insta::assert_snapshot!(err, @"tags of `cffi_demo-0.1.0-cp38-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl` disagree: file name has [cp38-abi3-manylinux_2_17_x86_64, cp38-abi3-manylinux2014_x86_64], WHEEL has [cp38-abi3-manylinux_2_17_x86_64]");
}

#[test]
fn verify_accepts_a_written_wheel() {
    let dir = tempfile::tempdir().unwrap();
    let written = write_demo(dir.path(), None).unwrap();
    let check = verify_wheel(&written.path).unwrap();
    assert_eq!(check.files, 7);
    assert_eq!(check.tags, demo_filename().tags());
}

#[test]
fn verify_rejects_a_member_whose_contents_changed() {
    let (dir, copy_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let written = write_demo(dir.path(), None).unwrap();
    let tampered = rewrite(
        &written.path,
        copy_dir.path(),
        FILE_NAME,
        |name, contents| {
            Some(if name == "cffi_demo/__init__.py" {
                b"import os; os.system('evil')\n".to_vec()
            } else {
                contents
            })
        },
        &[],
    );
    let err = verify_wheel(&tampered).unwrap_err();
    assert!(
        matches!(&err, WheelError::HashMismatch { member, .. } if member == "cffi_demo/__init__.py"),
        "{err:?}"
    );
}

#[test]
fn verify_rejects_a_member_that_record_does_not_list() {
    let (dir, copy_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let written = write_demo(dir.path(), None).unwrap();
    let extended = rewrite(
        &written.path,
        copy_dir.path(),
        FILE_NAME,
        |_, contents| Some(contents),
        &[("cffi_demo/extra.py", b"print('hi')\n")],
    );
    let err = verify_wheel(&extended).unwrap_err();
    assert!(
        matches!(&err, WheelError::UnlistedMember { member, .. } if member == "cffi_demo/extra.py"),
        "{err:?}"
    );
}

#[test]
fn verify_rejects_a_record_row_for_a_missing_member() {
    let (dir, copy_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let written = write_demo(dir.path(), None).unwrap();
    let shrunk = rewrite(
        &written.path,
        copy_dir.path(),
        FILE_NAME,
        |name, contents| (name != "cffi_demo/_demo.abi3.so").then_some(contents),
        &[],
    );
    let err = verify_wheel(&shrunk).unwrap_err();
    assert!(
        matches!(&err, WheelError::MissingMember { member, .. } if member == "cffi_demo/_demo.abi3.so"),
        "{err:?}"
    );
}

#[test]
fn verify_rejects_a_missing_record() {
    let (dir, copy_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let written = write_demo(dir.path(), None).unwrap();
    let stripped = rewrite(
        &written.path,
        copy_dir.path(),
        FILE_NAME,
        |name, contents| (!name.ends_with("/RECORD")).then_some(contents),
        &[],
    );
    let err = verify_wheel(&stripped).unwrap_err();
    assert!(matches!(err, WheelError::MissingRecord { .. }), "{err:?}");
}

#[test]
fn verify_rejects_a_member_named_twice() {
    let (dir, copy_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let written = write_demo(dir.path(), None).unwrap();
    let extended = rewrite(
        &written.path,
        copy_dir.path(),
        FILE_NAME,
        |_, contents| Some(contents),
        &[("cffi_demo/dup_A.py", b"a"), ("cffi_demo/dup_B.py", b"b")],
    );
    // Rename the second member to the first in both local and central headers.
    let bytes = fs_err::read(&extended).unwrap();
    let mut patched = bytes.clone();
    let needle = b"cffi_demo/dup_B.py";
    let mut at = 0;
    while let Some(pos) = find(&bytes[at..], needle) {
        patched[at + pos..at + pos + needle.len()].copy_from_slice(b"cffi_demo/dup_A.py");
        at += pos + needle.len();
    }
    fs_err::write(&extended, patched).unwrap();
    let err = verify_wheel(&extended).unwrap_err();
    assert!(
        matches!(&err, WheelError::DuplicateMember { member, .. } if member == "cffi_demo/dup_A.py"),
        "{err:?}"
    );
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[test]
fn verify_rejects_a_file_name_whose_tags_differ_from_wheel() {
    let (dir, copy_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let written = write_demo(dir.path(), None).unwrap();
    let renamed = copy_dir
        .path()
        .join("cffi_demo-0.1.0-cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl");
    fs_err::copy(&written.path, &renamed).unwrap();
    let err = verify_wheel(&renamed).unwrap_err();
    insta::assert_snapshot!(err, @"tags of `cffi_demo-0.1.0-cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl` disagree: file name has [cp39-abi3-manylinux_2_17_x86_64, cp39-abi3-manylinux2014_x86_64], WHEEL has [cp38-abi3-manylinux_2_17_x86_64, cp38-abi3-manylinux2014_x86_64]");
}

#[test]
fn verify_rejects_a_file_name_for_another_distribution() {
    let (dir, copy_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let written = write_demo(dir.path(), None).unwrap();
    let renamed = copy_dir
        .path()
        .join("other-0.1.0-cp38-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl");
    fs_err::copy(&written.path, &renamed).unwrap();
    let err = verify_wheel(&renamed).unwrap_err();
    assert!(
        matches!(err, WheelError::DistInfoMismatch { .. }),
        "{err:?}"
    );
    let bad_name = copy_dir.path().join("not-a-wheel.zip");
    fs_err::copy(&written.path, &bad_name).unwrap();
    assert!(matches!(verify_wheel(&bad_name), Err(WheelError::Tag(_))));
}

#[test]
fn written_wheel_info_serializes_to_json() {
    let dir = tempfile::tempdir().unwrap();
    let written = write_demo(dir.path(), None).unwrap();
    let check = verify_wheel(&written.path).unwrap();
    insta::assert_json_snapshot!(check, @r#"
    {
      "files": 7,
      "tags": [
        "cp38-abi3-manylinux_2_17_x86_64",
        "cp38-abi3-manylinux2014_x86_64"
      ]
    }
    "#);
    let written = WrittenWheel {
        path: PathBuf::from(format!("[dist]/{}", written.file_name)),
        ..written
    };
    // Pins the exact bytes: a change here means the same inputs now give a different wheel
    // (e.g. the deflate backend changed, or the environment leaked into the archive).
    insta::assert_json_snapshot!(written, @r#"
    {
      "path": "[dist]/cffi_demo-0.1.0-cp38-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
      "file_name": "cffi_demo-0.1.0-cp38-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
      "sha256": "a90e514ffb47ae0e595de1ce849003011340b7ada589604b1bbf5c9e7aaef4b5",
      "size": 1692
    }
    "#);
}
